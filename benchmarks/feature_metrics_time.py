r"""Time of every feature metric (FID, KID, P&R, D&C, 5-NN) on N x N random
features of dimension D, the size of an Inception evaluation.

  python benchmarks/feature_metrics_time.py --n=10000 --dim=2048 \
      --out=benchmarks/results/feature_metrics_time_cpu.json
"""

import time

import jax
import reuse
import numpy as np
from absl import app, flags

_N = flags.DEFINE_integer("n", 10_000, "Real and fake features each.")
_DIM = flags.DEFINE_integer("dim", 2048, "Feature dimension.")
_OUT = flags.DEFINE_string("out", None, "Output JSON.")


def main(argv):
  del argv
  from configs import default
  from gan_mixtures.metrics import feature_metrics

  rng = np.random.default_rng(0)
  real = rng.normal(size=(_N.value, _DIM.value)).astype(np.float32)
  fake = (rng.normal(size=(_N.value, _DIM.value)) + 0.1).astype(np.float32)
  ec = default.get_config().eval
  t = time.perf_counter()
  metrics = feature_metrics.feature_metrics(real, fake, ec)
  first = time.perf_counter() - t
  t = time.perf_counter()
  feature_metrics.feature_metrics(real, fake, ec)
  second = time.perf_counter() - t
  dev = jax.devices()[0]
  out = {"n": _N.value, "dim": _DIM.value, "first_call_s": first,
         "second_call_s": second, "metrics": sorted(metrics),
         "device_kind": dev.device_kind, "jax_version": jax.__version__}
  reuse.print_and_save(out, _OUT.value)


if __name__ == "__main__":
  app.run(main)
