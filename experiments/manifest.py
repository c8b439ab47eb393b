"""Every table row of the five seed papers that the project can run: the
paper's value, the config that runs it, what it measures.

A row's `metrics` name results.json keys (the first is its headline);
`scale` turns ours into the paper's units (100 for a % the paper prints).
experiments/reproduce.py lists them, runs one, and reads our measured values
from benchmarks/results/reproductions.json (written by those runs only).
"""

import dataclasses

from experiments.paper_tables import HME_TABLES


@dataclasses.dataclass(frozen=True)
class Row:
  id: str
  paper: str  # the seed's short name
  table: str
  data: str
  metrics: tuple[str, ...]  # results.json keys, headline first
  paper_value: str  # as printed
  config: str  # configs/<file>.py:<variant>
  overrides: tuple[str, ...] = ()  # --config.<key>=<value>
  seeds: int = 1  # the paper's runs
  scale: tuple[float, ...] = ()  # ours * scale = the paper's units

  @property
  def command(self) -> str:
    flags = " ".join(f"--config.{o}" for o in self.overrides)
    return f"python -m experiments.main --config={self.config} {flags}".strip()


MDGAN, LDAGAN, PCM, MMGAN, HME = ("MD-GAN", "LDAGAN", "PCM GAN", "MMGAN",
                                  "HME-GAN")

ROWS: list[Row] = [
    # ---- MD-GAN (004, slides) ------------------------------------------------
    Row("mdgan_grid25", MDGAN, "Table 1", "grid of 25 (our G, lr decay, EMA)",
        ("modes_covered", "hq_fraction"),
        "25 / 99.36 +- 2.28 %", "configs/mdgan.py:grid25", seeds=5,
        scale=(1, 100)),
    Row("mdgan_grid25_paper_nets", MDGAN, "Table 1",
        "grid of 25 (the slides' nets)",
        ("modes_covered", "hq_fraction"), "25 / 99.36 +- 2.28 %",
        "configs/mdgan.py:grid25,paper_nets", seeds=5, scale=(1, 100)),
    Row("mdgan_ring8", MDGAN, "Table 2", "ring of 8",
        ("modes_covered", "hq_fraction"), "8 / 89.03 +- 3.69 %",
        "configs/mdgan.py:ring8", seeds=5, scale=(1, 100)),
    Row("mdgan_stacked_b", MDGAN, "Table 3", "Stacked MNIST (B)",
        ("modes_covered", "label_kl"), "1000 / 0.046 +- 0.001",
        "configs/mdgan.py:stacked_mnist", seeds=5),
    Row("mdgan_stacked_s2", MDGAN, "Table 3", "Stacked MNIST (S 1/2)",
        ("modes_covered", "label_kl"), "921.0 +- 3.0 / 0.80 +- 0.06",
        "configs/mdgan.py:stacked_mnist_s2", seeds=5),
    Row("mdgan_stacked_s4", MDGAN, "Table 3", "Stacked MNIST (S 1/4)",
        ("modes_covered", "label_kl"), "696.0 +- 10.0 / 1.32 +- 0.015",
        "configs/mdgan.py:stacked_mnist_s4", seeds=5),
    Row("mdgan_fid_mnist", MDGAN, "Table 4", "MNIST", ("fid",), "6.29",
        "configs/mdgan.py:mnist"),
    Row("mdgan_fid_fashion", MDGAN, "Table 4", "Fashion-MNIST", ("fid",),
        "11.79", "configs/mdgan.py:fashion_mnist"),
    Row("mdgan_fid_cifar10", MDGAN, "Table 4", "CIFAR-10", ("fid",), "36.80",
        "configs/mdgan.py:cifar10"),
    Row("mdgan_fid_celeba", MDGAN, "Table 4", "CelebA", ("fid",), "24.51",
        "configs/mdgan.py:celeba"),
    # ---- LDAGAN (000) --------------------------------------------------------
    Row("ldagan_ring8", LDAGAN, "Fig. 2", "ring of 8",
        ("modes_covered", "modes_claimed"),
        "every mode captured, a generator each (qualitative)",
        "configs/ldagan.py:ring8", seeds=1),
    Row("ldagan_cifar10", LDAGAN, "Table 1", "CIFAR-10 (DCGAN)",
        ("inception_score", "fid"), "IS 7.46 / FID 24.3 (50k)",
        "configs/ldagan.py:cifar10"),
    Row("ldagan_cifar10_fid5k", LDAGAN, "Table 1", "CIFAR-10 (DCGAN)", ("fid",),
        "FID 28.3 (5k)", "configs/ldagan.py:cifar10", ("eval.num_fake=5000",)),
    Row("ldagan_cifar100", LDAGAN, "Table 1", "CIFAR-100 (DCGAN)",
        ("inception_score", "fid"), "IS 7.50 / FID 28.8",
        "configs/ldagan.py:cifar100"),
    Row("ldagan_imagenet32", LDAGAN, "Table 1", "ImageNet 32 (DCGAN)",
        ("inception_score", "fid"), "IS 8.37 / FID 28.9",
        "configs/ldagan.py:imagenet32"),
    Row("ldagan_cifar10_sn", LDAGAN, "Table 1", "CIFAR-10 (SN-ResNet)",
        ("inception_score", "fid"), "IS 8.02 / FID 15.9",
        "configs/ldagan.py:cifar10_resnet"),
    Row("ldagan_cifar100_sn", LDAGAN, "Table 1", "CIFAR-100 (SN-ResNet)",
        ("inception_score", "fid"), "IS 8.30 / FID 19.5",
        "configs/ldagan.py:cifar100_resnet"),
    Row("ldagan_imagenet32_sn", LDAGAN, "Table 1", "ImageNet 32 (SN-ResNet)",
        ("inception_score", "fid"), "IS 9.15 / FID 20.2",
        "configs/ldagan.py:imagenet32_resnet"),
    Row("ldagan_untie2_cifar10", LDAGAN, "Table 6",
        "CIFAR-10, layers 1-2 untied",
        ("inception_score", "fid"), "IS 6.13 / FID 44.3",
        "configs/ldagan.py:cifar10,untie2"),
    Row("ldagan_untie2_cifar100", LDAGAN, "Table 6",
        "CIFAR-100, layers 1-2 untied",
        ("inception_score", "fid"), "IS 6.91 / FID 47.6",
        "configs/ldagan.py:cifar100,untie2"),
    Row("ldagan_k20_cifar100", LDAGAN, "Table 7", "CIFAR-100, K = 20",
        ("inception_score", "fid"), "IS 7.57 / FID 29.8",
        "configs/ldagan.py:cifar100,k20"),
    Row("ldagan_k30_cifar100", LDAGAN, "Table 7", "CIFAR-100, K = 30",
        ("inception_score", "fid"), "IS 6.91 / FID 35.26",
        "configs/ldagan.py:cifar100,k30"),
    Row("ldagan_k10_imagenet32", LDAGAN, "Table 7", "ImageNet 32, K = 10",
        ("inception_score", "fid"), "IS 8.20 / FID 36.1",
        "configs/ldagan.py:imagenet32,k10"),
    Row("ldagan_k27_imagenet32", LDAGAN, "Table 7", "ImageNet 32, K = 27",
        ("inception_score", "fid"), "IS 8.34 / FID 31.5",
        "configs/ldagan.py:imagenet32,k27"),
    Row("ldagan_delay0_cifar10", LDAGAN, "App. E",
        "CIFAR-10, E-step from epoch 0",
        ("inception_score", "fid"), "IS 7.36 / FID 26.4",
        "configs/ldagan.py:cifar10,delay0"),
    Row("ldagan_delay50_cifar10", LDAGAN, "App. E",
        "CIFAR-10, E-step from epoch 50",
        ("inception_score", "fid"), "IS 7.38 / FID 25.7",
        "configs/ldagan.py:cifar10,delay50"),
    # ---- PCM GAN (001): Oxford-102, 10 classes, IS / FID on 5k samples -------
    Row("pcm_flowers_separate", PCM, "Table III", "Oxford-102 (10 classes)",
        ("inception_score", "fid"), "IS 2.9664 +- 0.2188 / FID 231.06 +- 7.54",
        "configs/pcmgan.py:flowers10,separate"),
    Row("pcm_flowers_shared", PCM, "Table III", "Oxford-102 (10 classes)",
        ("inception_score", "fid"), "IS 3.1368 +- 0.1596 / FID 205.98 +- 7.86",
        "configs/pcmgan.py:flowers10"),
    Row("pcm_flowers_gmgan", PCM, "Table III", "Oxford-102 (10 classes)",
        ("inception_score", "fid"), "IS 2.6770 +- 0.1079 / FID 239.39 +- 6.77",
        "configs/gmgan.py:flowers10"),
    Row("pcm_flowers_vanilla", PCM, "Table III", "Oxford-102 (10 classes)",
        ("inception_score", "fid"), "IS 2.4882 +- 0.1065 / FID 247.06 +- 7.24",
        "configs/vanilla.py:flowers10"),
]

# ---- MMGAN (002), Table 2: component accuracy, both readings -----------------
MMGAN_TABLE_2 = {("mnist", "a"): "93.98", ("fashion", "a"): "85.85",
                 ("mnist", "b"): "98.74", ("fashion", "b"): "73.16",
                 ("mnist", "c"): "95.28", ("fashion", "c"): "81.69"}
for (data, case), value in MMGAN_TABLE_2.items():
  for reading, token in (("fixed", "fixed"), ("priors", "priors")):
    ROWS.append(Row(
        f"mmgan_{data}_{case}_{reading}", MMGAN, "Table 2",
        f"{'MNIST' if data == 'mnist' else 'Fashion-MNIST'} case {case.upper()}"
        f" ({'weights fixed to' if reading == 'fixed' else 'initialised with'}"
        " the priors)", ("component_acc",), f"{value} %",
        f"configs/mmgan.py:{data}_{case},{token}", scale=(100,)))

# ---- HME thesis (003), Tables 5.3-5.12: 5-NN real / fake %, FID --------------
# (5-NN as the thesis code computes it: the neighbours' labels averaged)
BASELINE_TOKENS = ("madgan", "mgan", "megan")
for (table, data), rows in HME_TABLES.items():
  for model, real, fake, fid, params in rows:
    family = model.split("_k")[0]
    config = (f"configs/{family}.py:{data}_k{model.split('_k')[1]}"
              if family in BASELINE_TOKENS
              else f"configs/hmegan.py:{data}_{model}")
    ROWS.append(Row(
        f"hme_t{table}_{data}_{model}", HME, f"Table {table}", data,
        ("fid", "knn_real_acc_avg", "knn_fake_acc_avg"),
        f"FID {fid[0]} +- {fid[1]}; 5-NN {real[0]} / {fake[0]} % ({params})",
        config, seeds=5, scale=(1, 100, 100)))

BY_ID = {row.id: row for row in ROWS}
assert len(BY_ID) == len(ROWS), "duplicate row ids"


def load_config(spec: str):
  """The config of 'configs/<file>.py:<variant>'."""
  import importlib.util

  path, _, variant = spec.partition(":")
  module_spec = importlib.util.spec_from_file_location("row_config", path)
  module = importlib.util.module_from_spec(module_spec)
  module_spec.loader.exec_module(module)
  return module.get_config(variant or None)


# The row metrics computed on Inception features: a row reporting none of
# them (modes, KL, 5-NN, component accuracy) is evaluated without Inception.
INCEPTION_METRICS = frozenset({"fid", "inception_score"})


def row_config(row, seed: int = 0, steps: int | None = None,
               source: str | None = None, eval_samples: int | None = None):
  """The row's config with its overrides; optionally shortened, on another
  data source, with fewer evaluation samples."""
  c = load_config(row.config)
  apply_overrides(c, row.overrides)
  c.seed = seed
  if steps:
    c.train.num_steps = steps
    c.checkpoint.every_steps = min(c.checkpoint.every_steps, steps)
    c.train.log_every = min(c.train.log_every, steps)
    c.train.sample_every = 0
  if source:
    c.data.source = source
  if eval_samples:
    c.eval.num_samples = c.eval.num_fake = c.eval.num_real = eval_samples
    c.eval.kid_subset_size = min(c.eval.kid_subset_size, eval_samples)
  c.train.tensorboard = False
  c.eval.profile = "paper"  # a row's protocol: its paper's sizes
  if not INCEPTION_METRICS & set(row.metrics):  # e.g. Stacked MNIST modes
    c.eval.inception = False
  return c


def apply_overrides(c, items) -> None:
  """Sets each 'KEY=VALUE' of `items` on config c (VALUE a Python literal
  if it is one, else the string); ValueError for an item without '='."""
  for item in items:
    key, eq, value = item.partition("=")
    if not eq:
      raise ValueError(f"{item!r} is not KEY=VALUE")
    c.update_from_flattened_dict({key: parse_value(value)})


def parse_value(text: str):
  """A flag value as a Python literal if it is one, else the string."""
  import ast

  try:
    return ast.literal_eval(text)
  except (ValueError, SyntaxError):
    return text
