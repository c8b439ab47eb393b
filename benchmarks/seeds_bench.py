r"""S seeds in one run (train.num_seeds, vmapped) against S runs one after
another: wall time of each way and every seed's final metrics.

  python benchmarks/seeds_bench.py --config=configs/mdgan.py:grid25 --seeds=5 \
      --config.train.num_steps=5000 \
      --out=benchmarks/results/seeds_mdgan_grid25_cpu.json
"""

import os
import shutil
import tempfile
import time

import jax
import reuse
from absl import app, flags
from ml_collections import config_flags

_CONFIG = config_flags.DEFINE_config_file("config", None, "Config file.")
_SEEDS = flags.DEFINE_integer("seeds", 5, "S.")
_KEYS = flags.DEFINE_list("keys", ["modes_covered", "hq_fraction", "mode_kl",
                                   "knn_real_acc", "knn_fake_acc"],
                          "Metrics shown.")
_OUT = flags.DEFINE_string("out", None, "Output JSON.")
flags.mark_flags_as_required(["config"])


def timed_run(config, workdir: str) -> tuple[dict, float]:
  from gan_mixtures import train

  t = time.perf_counter()
  results = train.train_and_evaluate(config, workdir)
  return results, time.perf_counter() - t


def main(argv):
  del argv
  base = _CONFIG.value
  base.train.tensorboard = False
  root = tempfile.mkdtemp(prefix="seeds_bench_")
  try:
    together_cfg = base.copy_and_resolve_references()
    together_cfg.train.num_seeds = _SEEDS.value
    together, together_s = timed_run(together_cfg,
                                     os.path.join(root, "together"))
    alone, alone_s = [], 0.0
    for s in range(_SEEDS.value):
      c = base.copy_and_resolve_references()
      c.seed = int(base.seed) + s
      r, sec = timed_run(c, os.path.join(root, f"seed{s}"))
      alone.append(r)
      alone_s += sec
  finally:
    shutil.rmtree(root, ignore_errors=True)
  pick = lambda m: {k: m.get(k) for k in _KEYS.value}
  dev = jax.devices()[0]
  out = {
      "config": base.name, "steps": int(base.train.num_steps),
      "seeds": _SEEDS.value,
      "device_kind": dev.device_kind, "platform": dev.platform,
      "one_run_of_s_seeds_s": together_s, "s_runs_one_after_another_s": alone_s,
      "speedup": alone_s / together_s,
      "per_seed": [{"seed": t["seed"], "vmapped": pick(t["metrics"]),
                    "alone": pick(a["metrics"])}
                   for t, a in zip(together["seeds"], alone)],
      "jax_version": jax.__version__,
  }
  reuse.print_and_save(out, _OUT.value)


if __name__ == "__main__":
  app.run(main)
