r"""The SN-ResNet and DCGAN layers' convolutions, lax's against conv.py's.

For each layer shape (batch 120 / 124 / 128, the steps of
`ldagan.py:cifar10_resnet` and `hmegan.py:mnist_hme_l4`): seconds of the
forward pass and of the forward pass with both gradients, through
lax.conv_general_dilated and through gan_mixtures.kernels.conv, with the
path conv.py took.

  python benchmarks/conv_bench.py --out=benchmarks/results/conv_bench_cpu.json
"""

import time

import jax
import jax.numpy as jnp
import reuse
from absl import app, flags

from gan_mixtures.kernels import conv, winograd

_OUT = flags.DEFINE_string("out", None, "Output JSON path.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed calls of each.")

SAME3 = ((1, 1), (1, 1))
# name: (x shape, kernel shape, padding, stride-2 pad_lo or None)
LAYERS = {
    "G 3x3 256->256 @32": ((120, 32, 32, 256), (3, 3, 256, 256), SAME3, None),
    "G 3x3 256->256 @16": ((120, 16, 16, 256), (3, 3, 256, 256), SAME3, None),
    "G 3x3 256->256 @8": ((120, 8, 8, 256), (3, 3, 256, 256), SAME3, None),
    "G up-phase 2x2 256->256 @16": ((120, 16, 16, 256), (2, 2, 256, 256),
                                    ((1, 0), (0, 1)), None),
    "G 3x3 256->3 @32 (to the image)": ((120, 32, 32, 256), (3, 3, 256, 3),
                                        SAME3, None),
    "D 3x3 128->128 @16": ((124, 16, 16, 128), (3, 3, 128, 128), SAME3, None),
    "D 4x4/2 128->128 @32 (3x3 + pool)": ((124, 32, 32, 128), (4, 4, 128, 128),
                                          None, 1),
    "DCGAN D 4x4/2 64->128 @16": ((128, 16, 16, 64), (4, 4, 64, 128), None, 1),
}


def seconds(fn, *args) -> float:
  jax.block_until_ready(fn(*args))
  t = time.perf_counter()
  for _ in range(_REPEATS.value):
    out = fn(*args)
  jax.block_until_ready(out)
  return (time.perf_counter() - t) / _REPEATS.value


def path(x, k, padding) -> str:
  if padding is None:
    return "stride2_conv (2x2 cells)"
  if winograd.applies(x, k, padding):
    return f"winograd F(4, {k.shape[0]})"
  if conv.few_outputs_applies(k):
    return "few outputs"
  return "lax forward, matmul kernel gradient"


def time_layer(x_shape, k_shape, padding, pad_lo) -> dict:
  kx, kk = jax.random.split(jax.random.PRNGKey(0))
  x = jax.random.normal(kx, x_shape)
  k = jax.random.normal(kk, k_shape) * 0.02
  if padding is None:  # stride 2
    pads = ((pad_lo, k_shape[0] - 2 - pad_lo),) * 2
    ref = lambda x, k: jax.lax.conv_general_dilated(
        x, k, (2, 2), pads, dimension_numbers=conv.DIMS)
    ours = lambda x, k: conv.stride2_conv(x, k, pad_lo)
  else:
    ref = lambda x, k: conv._lax_conv(x, k, padding)
    ours = lambda x, k: conv.conv2d(x, k, padding)
  row = {"path": path(x, k, padding)}
  for name, f in (("lax", ref), ("ours", ours)):
    grad = jax.grad(lambda x, k, f=f: jnp.sum(f(x, k) ** 2), (0, 1))
    row[f"{name}_fwd_s"] = seconds(jax.jit(f), x, k)
    row[f"{name}_fwd_bwd_s"] = seconds(jax.jit(grad), x, k)
  row["fwd_bwd_speedup"] = row["lax_fwd_bwd_s"] / row["ours_fwd_bwd_s"]
  return row


def main(argv):
  del argv
  rows = {name: time_layer(*spec) for name, spec in LAYERS.items()}
  lines = ["| layer | path | lax fwd / fwd+bwd s | ours fwd / fwd+bwd s |"
           " speed-up fwd+bwd |", "| --- | --- | --- | --- | --- |"]
  lines += [f"| {n} | {r['path']} | {r['lax_fwd_s']:.3f} /"
            f" {r['lax_fwd_bwd_s']:.3f} | {r['ours_fwd_s']:.3f} /"
            f" {r['ours_fwd_bwd_s']:.3f} | {r['fwd_bwd_speedup']:.2f}x |"
            for n, r in rows.items()]
  reuse.print_and_save({"date": time.strftime("%Y-%m-%d"),
                        "device_kind": jax.devices()[0].device_kind,
                        "jax_version": jax.__version__, "rows": rows,
                        "table": "\n".join(lines)}, _OUT.value)


if __name__ == "__main__":
  app.run(main)
