"""Shared test utilities: tiny configs and subprocess runs of the CLI."""

import math
import os
import subprocess
import sys
import time

from configs import default, hmegan, ldagan, madgan, mdgan, megan, mgan, vanilla

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# CLI overrides that make any 2D config tiny and fast.
TINY_FLAGS = (
    "--config.model.g_hidden=(16,16)",
    "--config.model.d_hidden=(16,16)",
    "--config.train.batch_size=64",
    "--config.train.log_every=10",
    "--config.train.tensorboard=False",
    "--config.eval.num_samples=200",
    "--config.eval.num_samples_large=0",
)


def shrink(config, *overrides: dict, group: str = "", **keys):
  """`config` with the dotted-key `overrides` dicts applied in order, then
  `keys` in `group` (the tests' one way to make a config small)."""
  for values in overrides:
    config.update_from_flattened_dict(dict(values))
  config.update_from_flattened_dict(
      {f"{group}.{k}" if group else k: v for k, v in keys.items()})
  return config


def shrink_method(config, **keys):
  """`method.<key> = value` for the keys the config's method reads
  (another method's keys would be refused: validation.py)."""
  from gan_mixtures import methods

  owned = methods.owned_keys(config.method.name)
  for key, value in keys.items():
    if key in owned:
      config.method[key] = value
  return config


# a 2D config with small nets, batch and sample counts
SMALL_2D = {"model.g_hidden": (16, 16), "model.d_hidden": (16, 16),
            "train.batch_size": 64, "train.num_steps": 20,
            "train.log_every": 5, "train.tensorboard": False,
            "checkpoint.every_steps": 10, "eval.num_samples": 200,
            "eval.num_samples_large": 0}
# an image config's nets at width 8, no TensorBoard
SMALL_IMAGE = {"model.g_width": 8, "model.d_width": 8,
               "train.tensorboard": False}


def tiny_config(kind: str = "vanilla", variant: str | None = None, **train):
  """A 2D config with small nets, batch and sample counts; `train` keys."""
  module = {"vanilla": vanilla, "mdgan": mdgan, "ldagan": ldagan,
            "hmegan": hmegan, "madgan": madgan, "mgan": mgan, "megan": megan,
            "default": default}[kind]
  c = module.get_config(variant) if kind != "default" else module.get_config()
  return shrink(c, SMALL_2D, group="train", **train)


def digits_config(steps: int = 12, **train_keys):
  """vanilla.py:digits for `steps` steps (log at half), small evaluation."""
  return shrink(vanilla.get_config("digits"), {
      "train.num_steps": steps, "train.log_every": steps // 2,
      "checkpoint.every_steps": steps, "train.tensorboard": False,
      "eval.num_samples": 200, "eval.num_fake": 200, "eval.num_real": 200,
      "eval.kid_subset_size": 100}, group="train", **train_keys)


def eval_config(**overrides):
  """The default `eval` group with `overrides` applied."""
  c = default.get_config().eval
  for k, v in overrides.items():
    setattr(c, k, v)
  return c


def data_config(**overrides):
  """The default `data` group with `overrides` applied."""
  c = default.get_config().data
  for k, v in overrides.items():
    setattr(c, k, v)
  return c


def run_module(module: str, *args: str, env: dict | None = None, timeout=600):
  """Runs `python -m module args` from the repo root; returns CompletedProcess.
  """
  full_env = {**os.environ, **(env or {})}
  return subprocess.run(
      [sys.executable, "-m", module, *args],
      cwd=REPO,
      env=full_env,
      capture_output=True,
      text=True,
      timeout=timeout,
  )


def thesis_format(n: int) -> str:
  """A parameter count as the HME thesis prints it: truncated, not rounded
  (413,696 -> 413K; 1,687,552 -> 1.68M)."""
  return f"{n // 1000}K" if n < 10**6 else f"{math.floor(n / 1e4) / 100:.2f}M"


def first_layer_count(module, variant: str, source: str = "random") -> int:
  """G's parameters without its shared trunk (the thesis' count: "these do
  not include the convolution parameters shared across all models")."""
  import jax
  import jax.numpy as jnp

  from gan_mixtures import data as data_lib
  from gan_mixtures import methods

  c = module.get_config(variant)
  c.data.source = source
  ds = data_lib.make_dataset(c.data)
  method = methods.make_method(c, ds)
  shapes = jax.eval_shape(method.init_generator, jax.random.PRNGKey(0),
                          jnp.zeros((2, c.model.z_dim)))["params"]
  flat = jax.tree_util.tree_leaves_with_path(shapes)
  return sum(math.prod(v.shape) for p, v in flat
             if "trunk" not in jax.tree_util.keystr(p).lower())


def start_main(*args: str, workdir, **popen) -> subprocess.Popen:
  """`python -m experiments.main args --workdir=W` started in the background."""
  popen.setdefault("stdout", subprocess.PIPE)
  popen.setdefault("stderr", subprocess.PIPE)
  return subprocess.Popen(
      [sys.executable, "-m", "experiments.main", *args, f"--workdir={workdir}"],
      cwd=REPO, text=True, **popen)


def wait_for_checkpoint(ckpts, at_least: int, timeout: float = 300) -> None:
  """Waits until folder `ckpts` holds a checkpoint of step >= at_least."""
  deadline = time.time() + timeout
  while time.time() < deadline:
    done = [p for p in (os.listdir(ckpts) if ckpts.exists() else [])
            if p.isdigit()]
    if any(int(p) >= at_least for p in done):
      return
    time.sleep(0.05)
  raise AssertionError(f"no checkpoint >= {at_least} in {ckpts} in time")
