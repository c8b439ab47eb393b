"""Fixed-seed runs of every method, compared with what they gave before a
change (tests/testdata/golden_runs.json): a refactor that keeps every
result keeps these numbers.

Each case builds its config, trains 2 steps through Experiment's jitted
step and records sums of G's, D's and the method's own parameters and the
last step's metrics. On the CPU model and XLA_FLAGS that recorded them (the
suite's flags, tests/__init__.py) the comparison is exact; elsewhere (other
instruction sets round differently) to 1e-4. The MNIST cases are in the
slow set (`python -m pytest -m slow`).

Recording, after a change that is meant to move results (say so in the
commit; first check that the code before the change reproduces the record
exactly):

  python -m tests.test_golden --record
"""

import json
import os
import sys

import jax
import numpy as np
import pytest

from configs import bench_images, gmgan, mmgan, pcmgan
from gan_mixtures import eval_setup, train
from tests.helpers import SMALL_IMAGE, shrink, tiny_config

GOLDEN = os.path.join(os.path.dirname(__file__), "testdata", "golden_runs.json")
STEPS = 2
METHODS_2D = ("vanilla", "mdgan", "ldagan", "hmegan", "madgan", "mgan", "megan")
DIGITS = {"gmgan": gmgan, "pcmgan": pcmgan, "mmgan": mmgan}
MNIST_DIR = os.environ.get(
    "MNIST_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                              "data", "mnist"))


def case_config(name: str):
  """The config of case `name`: '2d/<method>' (tests.helpers.tiny_config
  on the method's default 2D set), 'digits/<method>' (its digits preset,
  widths 8) or 'mnist/<bench method>' (configs/bench_images.py, widths 8,
  batch 8)."""
  kind, method = name.split("/")
  if kind == "2d":
    c = tiny_config(method)
  elif kind == "digits":
    c = shrink(DIGITS[method].get_config(
        "digits" if method != "mmgan" else "digits_a"), SMALL_IMAGE,
        {"train.batch_size": 8})
  else:
    c = shrink(bench_images.method_config(method, "mnist", 100,
                                          mnist_dir=MNIST_DIR),
               SMALL_IMAGE, {"train.batch_size": 8})
  return c


# Evaluation sizes of the evaluation cases.
EVAL_SMALL = {"train.num_steps": STEPS, "train.log_every": 1,
              "checkpoint.every_steps": STEPS, "eval.num_samples": 200,
              "eval.num_fake": 200, "eval.num_real": 200,
              "eval.kid_subset_size": 100, "eval.inception": False,
              "eval.cluster_num": 300}


def eval_case_config(name: str):
  """case_config(name) with small evaluation sizes; the PCM / GM-GAN
  post-hoc classifier fitted 5 steps."""
  c = shrink(case_config(name), EVAL_SMALL)
  if "posthoc_steps" in c.eval and name.startswith("digits/"):
    c.eval.posthoc_steps = 5
  return c


CASES = ([f"2d/{m}" for m in METHODS_2D] + [f"digits/{m}" for m in DIGITS]
         + [f"mnist/{m}" for m in bench_images.METHODS])
EVAL_CASES = [f"2d/{m}" for m in METHODS_2D] + [f"digits/{m}" for m in DIGITS]
# MNIST cases (~12-20 s each) in the slow set
PARAMS = [pytest.param(n, marks=pytest.mark.slow) if n.startswith("mnist/")
          else n for n in CASES]


def _sums(tree) -> list[float]:
  """[sum, sum of squares] of a tree's float leaves, in float64."""
  leaves = [np.asarray(x, np.float64).ravel() for x in jax.tree.leaves(tree)
            if np.issubdtype(np.asarray(x).dtype, np.floating)]
  flat = np.concatenate(leaves) if leaves else np.zeros(1)
  return [float(flat.sum()), float(np.square(flat).sum())]


def fingerprint(config) -> dict:
  """Sums of the parameters after STEPS steps and the last step's metrics."""
  exp = train.build_experiment(config)
  state = exp.init_state()
  step = exp.make_train_step()
  batches = exp.batches(0)
  for _ in range(STEPS):
    state, metrics = step(state, next(batches), exp.base_rng)
  state, metrics = jax.device_get((state, metrics))
  return {"g": _sums(state.g.params), "d": _sums(state.d.params),
          "aux": _sums(state.aux),
          "metrics": {k: float(v) for k, v in sorted(metrics.items())
                      if np.ndim(v) == 0}}


def _numbers(value, prefix: str = "") -> dict[str, float]:
  """The numbers in a metrics value (nested dicts and lists flattened to
  dotted keys); strings and booleans left out."""
  if isinstance(value, dict):
    return {k: v for key, item in value.items()
            for k, v in _numbers(item, f"{prefix}{key}.").items()}
  if isinstance(value, (list, tuple)):
    return {k: v for i, item in enumerate(value)
            for k, v in _numbers(item, f"{prefix}{i}.").items()}
  if isinstance(value, (int, float)) and not isinstance(value, bool):
    return {prefix.rstrip("."): float(value)}
  return {}


def eval_fingerprint(config, workdir: str) -> dict:
  """results.json's metrics and metrics.jsonl's diag/ values (by step) of
  a STEPS-step run in `workdir`, as flat numbers."""
  if eval_setup.classifier_dataset(config.data.name):  # its own, trained here
    config.eval.classifier_dir = os.path.join(workdir, "classifier")
  results = train.train_and_evaluate(config, os.path.join(workdir, "run"))
  with open(os.path.join(workdir, "run", "metrics.jsonl")) as f:
    rows = [json.loads(line) for line in f]
  diag = {f"{r['step']}.{k}": v for r in rows for k, v in r.items()
          if k.startswith("diag/")}
  return {"metrics": _numbers(results["metrics"]), "diag": _numbers(diag)}


def cpu_model() -> str:
  try:
    with open("/proc/cpuinfo") as f:
      return next((line.split(":", 1)[1].strip() for line in f
                   if line.startswith("model name")), "unknown")
  except OSError:
    return "unknown"


def _saved() -> dict:
  with open(GOLDEN) as f:
    return json.load(f)


@pytest.mark.parametrize("name", PARAMS)
def test_fixed_seed_run_reproduces_the_recorded_numbers(name):
  if name.startswith("mnist/") and not os.path.isdir(MNIST_DIR):
    pytest.skip(f"needs MNIST in {MNIST_DIR} (set MNIST_DIR)")
  saved = _saved()
  want, got = saved["cases"][name], fingerprint(case_config(name))
  assert sorted(got["metrics"]) == sorted(want["metrics"]), name
  same = (saved["cpu"] == cpu_model()
          and saved["xla_flags"] == os.environ.get("XLA_FLAGS", ""))
  rtol = 0.0 if same else 1e-4
  for key in ("g", "d", "aux"):
    np.testing.assert_allclose(got[key], want[key], rtol=rtol, err_msg=key)
  for key, value in want["metrics"].items():
    np.testing.assert_allclose(got["metrics"][key], value, rtol=rtol,
                               atol=0 if rtol == 0 else 1e-6, err_msg=key)


# digits evaluation cases (~40 s each with their classifier) but PCM's in
# the slow set
EVAL_PARAMS = [pytest.param(n, marks=pytest.mark.slow)
               if n in ("digits/gmgan", "digits/mmgan") else n
               for n in EVAL_CASES]


@pytest.mark.parametrize("name", EVAL_PARAMS)
def test_fixed_seed_evaluation_reproduces_the_recorded_numbers(name,
                                                                tmp_path):
  saved = _saved()
  want = saved["eval_cases"][name]
  got = eval_fingerprint(eval_case_config(name), str(tmp_path))
  same = (saved["cpu"] == cpu_model()
          and saved["xla_flags"] == os.environ.get("XLA_FLAGS", ""))
  rtol = 0.0 if same else 1e-4
  for part in ("metrics", "diag"):
    assert sorted(got[part]) == sorted(want[part]), (name, part)
    for key, value in want[part].items():
      np.testing.assert_allclose(got[part][key], value, rtol=rtol,
                                 atol=0 if rtol == 0 else 1e-6,
                                 err_msg=f"{part} {key}")


def record() -> None:
  import tempfile

  def evaluated(name: str) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
      return eval_fingerprint(eval_case_config(name), workdir)

  out = {"cpu": cpu_model(), "jax": jax.__version__, "steps": STEPS,
         "xla_flags": os.environ.get("XLA_FLAGS", ""),
         "cases": {name: fingerprint(case_config(name)) for name in CASES},
         "eval_cases": {name: evaluated(name) for name in EVAL_CASES}}
  with open(GOLDEN, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
  print(f"wrote {len(CASES)} + {len(EVAL_CASES)} cases to {GOLDEN}")


if __name__ == "__main__":
  if sys.argv[1:] != ["--record"]:
    raise SystemExit("usage: python -m tests.test_golden --record")
  record()
