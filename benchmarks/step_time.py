r"""Step-time benchmark of one config: compile time, steady steps/s, memory.

  python benchmarks/step_time.py --config=configs/mdgan.py [--steps=500]
  # an image config where its data set is absent: noise images of its shape
  python benchmarks/step_time.py --config=configs/ldagan.py:cifar10_resnet \
      --config.data.source=random --steps=20

Prints one JSON object and writes it to
benchmarks/results/<config>_<device>.json (or --out). Method parts that a
method's entry in benchmarks/parts.py gives (e.g. MD-GAN's SGMM
likelihood) are timed on their own and reported with their share of a step.
"""

import json
import os
import time
import jax
import parts as method_parts
import reuse  # noqa: F401 (the checkout's configs/ importable)
from absl import app, flags
from ml_collections import config_flags

_CONFIG = config_flags.DEFINE_config_file("config", None, "Config file.")
_STEPS = flags.DEFINE_integer("steps", 300, "Timed steps after warm-up.")
_WARMUP = flags.DEFINE_integer("warmup", 20, "Untimed steps after compiling.")
_OUT = flags.DEFINE_string("out", None, "Output JSON path.")
flags.mark_flags_as_required(["config"])


def time_calls(fn, args, n: int) -> float:
  """Seconds per call of a jitted fn, averaged over n calls after 3 warm-ups."""
  for _ in range(3):
    jax.block_until_ready(fn(*args))
  t = time.perf_counter()
  for _ in range(n):
    out = fn(*args)
  jax.block_until_ready(out)
  return (time.perf_counter() - t) / n


def peak_memory_bytes() -> int | None:
  stats = jax.devices()[0].memory_stats() or {}
  return stats.get("peak_bytes_in_use")


def main(argv):
  del argv
  from gan_mixtures import runs, train

  config = _CONFIG.value
  exp = train.build_experiment(config)
  state = exp.init_state()
  t = config.train
  n = t.steps_per_dispatch  # steps per jitted call
  step_fn = exp.make_train_step(n)
  t0 = time.perf_counter()
  # Image sets: time the device step on one fixed host batch (the host
  # pipeline runs ahead in a thread during training).
  # (Of a set cached on the device the batch is its indices, gathered in
  # the step.) The first call compiles.
  batch = next(runs.dispatches(exp.batches(0), n))
  state, metrics = step_fn(state, batch, exp.base_rng)
  jax.block_until_ready(metrics)
  compile_s = time.perf_counter() - t0
  for _ in range(max(1, _WARMUP.value // n)):
    state, metrics = step_fn(state, batch, exp.base_rng)
  jax.block_until_ready(metrics)
  calls = max(1, _STEPS.value // n)
  t0 = time.perf_counter()
  for _ in range(calls):
    state, metrics = step_fn(state, batch, exp.base_rng)
  jax.block_until_ready(metrics)
  step_s = (time.perf_counter() - t0) / (calls * n)
  dev = jax.devices()[0]
  result = {
      "config": config.name,
      "method": config.method.name,
      "data_source": getattr(config.data, "source", None),
      "device_kind": dev.device_kind,
      "platform": dev.platform,
      "num_devices": jax.device_count(),
      "batch_size": t.batch_size,
      "n_disc": t.n_disc,
      "steps_per_dispatch": n,
      "dtype": config.model.dtype,
      "device_cached": bool(getattr(exp.data, "device_cached", False)),
      "timed_steps": calls * n,
      "compile_s": compile_s,
      "step_ms": 1e3 * step_s,
      "steps_per_s": 1.0 / step_s,
      "examples_per_s": t.batch_size * t.n_disc / step_s,
      "peak_memory_bytes": peak_memory_bytes(),
      "jax_version": jax.__version__,
  }
  parts = method_parts.PARTS.get(config.method.name)
  if parts is not None:
    result["parts"] = {}
    for name, (fn, args) in parts(exp.method, t.batch_size).items():
      part_s = time_calls(jax.jit(fn), args, _STEPS.value)
      result["parts"][name] = {
          "ms": 1e3 * part_s, "share_of_step": part_s / step_s
      }
  text = json.dumps(result, indent=2)
  print(text)
  out = _OUT.value or os.path.join(
      os.path.dirname(os.path.abspath(__file__)), "results",
      f"{config.name.replace(':', '_').replace(',', '_')}_{dev.platform}.json",
  )
  os.makedirs(os.path.dirname(out), exist_ok=True)
  with open(out, "w") as f:
    f.write(text + "\n")


if __name__ == "__main__":
  app.run(main)
