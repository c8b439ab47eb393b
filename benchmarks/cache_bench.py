r"""The train loop with the image set on the device and on the host path.

  python benchmarks/cache_bench.py --config=configs/vanilla.py:mnist \
      --config.train.num_steps=100 \
      --out=benchmarks/results/cache_vanilla_mnist_cpu.json

Trains the config twice from scratch in fresh workdirs, data.device_cache_mb
= 0 (the host pipeline: a thread decodes and copies every batch) and the
config's own value (the split on the device, batches gathered in the step),
and reports each run's steady train steps/s (results.json's
train_steps_per_s: after the first, compiling, step), its wall time, and
whether the two runs' metrics are equal.
"""

import os
import tempfile

import reuse
from absl import app, flags
from ml_collections import config_flags

_CONFIG = config_flags.DEFINE_config_file("config", None, "Config file.")
_OUT = flags.DEFINE_string("out", None, "Output JSON path.")
flags.mark_flags_as_required(["config"])


def main(argv):
  del argv
  from gan_mixtures import train

  base = _CONFIG.value
  base.train.tensorboard = False
  runs = {}
  for name, mb in (("host", 0), ("device", base.data.device_cache_mb or 1024)):
    c = base.copy_and_resolve_references()
    c.data.device_cache_mb = mb
    with tempfile.TemporaryDirectory() as workdir:
      r = train.train_and_evaluate(c, os.path.join(workdir, name))
    runs[name] = {"device_cache_mb": mb,
                  "train_steps_per_s": r["train_steps_per_s"],
                  "wall_s": r["wall_s"], "compile_s": r["compile_s"],
                  "step": r["step"],
                  "metrics": r["metrics"], "device_kind": r["device_kind"]}
  host, dev = runs["host"], runs["device"]
  reuse.print_and_save({
      "config": base.name, "steps": base.train.num_steps, "runs": runs,
      "speedup": dev["train_steps_per_s"] / host["train_steps_per_s"],
      "same_metrics": host["metrics"] == dev["metrics"],
  }, _OUT.value)


if __name__ == "__main__":
  app.run(main)
