"""The image benchmark's runs (benchmarks/bench_images.py): every method on
one small DCGAN trunk, MNIST or Stacked MNIST, its own loss and D steps.

The common nets (every method's G and D are these, split as its paper
splits them): G: z ~ N(0, I)^100 -> Dense -> 7x7x64 -> batch norm, ReLU ->
4x4 stride-2 transposed conv to 14x14x32 -> batch norm, ReLU -> to the
image, tanh; D: 4x4 stride-2 convs of 32 and 64 channels, LeakyReLU(0.2),
no normalisation, Dense; weights N(0, 0.02); Adam(2e-4, 0.5, 0.999), batch
64 real images. K = 10 components where a method has them (HME: a tree of
depth 3, 8 leaves). Evaluation on the digit classifier's features, no
Inception.

Variant `<method>,<data>` (default `vanilla,mnist`), the benchmark's budget
of 4,000 G steps (docs/images.md says how it was chosen):

  python -m experiments.main --config=configs/bench_images.py:mgan,stacked_mnist
"""

import importlib
import math

from configs import args, variants

STEPS = 4000  # the benchmark's G steps (--steps=auto on MNIST, docs/images.md)
K = 10
# name: (config module, method overrides on the common setup)
METHODS = {
    "vanilla": ("vanilla", {"method.loss": "ns"}),
    "mdgan": ("mdgan", {}),  # its SGMM objective on D's 9-d embedding
    "ldagan": ("ldagan", {"method.num_generators": K,
                          "method.fakes_per_generator": 12,
                          "method.d_fakes_per_generator": 6,
                          "method.alpha_init": 8.0, "method.alpha_lr": 2e-4,
                          "method.loss": "ns"}),
    "hme": ("hmegan", {"method.loss": "wgan_gp", "train.n_disc": 5,
                       "method.gate": "hme", "method.depth": 3,
                       "method.leaf": "linear", "method.gate_init_std": 0.1,
                       "method.leaf_bias_std": 0.0}),
    "me": ("hmegan", {"method.loss": "wgan_gp", "train.n_disc": 5,
                      "method.gate": "me", "method.num_leaves": K,
                      "method.leaf": "linear",
                      "method.gate_init_std": math.sqrt(2 / (100 + K)),
                      "method.leaf_bias_std": 0.0}),
    "mgan": ("mgan", {"method.num_generators": K,
                      "method.fakes_per_generator": 64 // K}),
    "madgan": ("madgan", {"method.num_generators": K,
                          "method.fakes_per_generator": 64}),
    "megan": ("megan", {"method.num_generators": K, "train.n_disc": 5}),
    "gmgan": ("gmgan", {"method.num_gaussians": K, "method.loss": "ns"}),
    "pcm": ("pcmgan", {"method.num_gaussians": K, "method.loss": "minimax",
                       "method.xx_form": "weighted"}),
}
DATA = {"mnist": {**variants.MNIST, "reference_split": "test"},
        "stacked_mnist": {**variants.STACKED_MNIST, "reference_split": "train"}}


def common_setup(c, data: str, steps: int, seeds: int = 1, *, batch: int = 64,
                 eval_samples: int = 10_000, curve_points: int = 8,
                 mnist_dir: str = "") -> None:
  """The nets, optimiser, batch and evaluation every method shares: `steps`
  G steps, evaluated `curve_points` times on the way; `seeds` > 1 as one
  vmapped run."""
  preset = dict(DATA[data])
  split = preset.pop("reference_split")
  variants.apply_data(c, preset)
  c.data.mnist_dir = mnist_dir
  m = c.model
  m.name, m.z_dim, m.z_dist = "dcgan", 100, "normal"
  m.g_width = m.d_width = 32  # G 7x7x64 -> 32 -> image; D 32, 64
  m.g_norm, m.g_first_norm, m.g_out_conv, m.g_kernel = "batch", "", False, 4
  m.g_init_std = m.d_init_std = 0.02
  m.g_first_init, m.g_unshared, m.bn_sampling = "", 1, "batch"
  m.d_norm, m.d_norm_first, m.d_kernels, m.d_layers = "none", False, (), 0
  m.d_activation, m.d_spectral_norm = "leaky_relu", False
  for opt in (c.g_opt, c.d_opt):
    opt.name, opt.lr, opt.b1, opt.b2, opt.schedule = (
        "adam", 2e-4, 0.5, 0.999, "constant")
  t = c.train
  t.batch_size, t.num_steps, t.n_disc, t.ema_decay = batch, steps, 1, 0.0
  t.num_seeds, t.tensorboard = seeds, False
  every = max(steps // max(curve_points, 1), 1)
  t.log_every = t.eval_every = every
  t.sample_every = 0
  c.checkpoint.every_steps = every
  c.checkpoint.max_to_keep = 2
  ec = c.eval
  ec.profile, ec.reference_split = "paper", split
  ec.num_samples = ec.num_fake = ec.num_real = eval_samples
  ec.kid_subset_size = min(ec.kid_subset_size, eval_samples)
  ec.num_samples_large, ec.use_ema = 0, True
  ec.inception = False


def method_config(method: str, data: str, steps: int, seeds: int = 1, **setup):
  """`method` on the common setup (its own objective and D steps); `setup`:
  common_setup's keywords."""
  module, overrides = METHODS[method]
  c = importlib.import_module(f"configs.{module}").get_config()
  common_setup(c, data, steps, seeds, **setup)
  c.update_from_flattened_dict(dict(overrides))
  c.seed = 0
  c.name = f"bench_images:{method}:{data}"
  return c


ARGS = args.Table(
    method="bench_images", base=lambda: None, default_data="mnist",
    data={"mnist": args.Option("MNIST 28 x 28, against the test split"),
          "stacked_mnist": args.Option("Stacked MNIST 28 x 28 x 3 (1,000"
                                       " modes), against the train split")},
    options={m: args.Option(f"configs/{module}.py's method (vanilla if none)",
                            group="method")
             for m, (module, _) in METHODS.items()})


def get_config(arg: str | None = None):
  parsed = ARGS.parse(arg)
  return method_config((parsed.options or ("vanilla",))[0], parsed.data, STEPS)
