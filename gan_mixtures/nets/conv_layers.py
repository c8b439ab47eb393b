"""The CPU's ways to compute a DCGAN's strided layers, as Flax modules with
the parameters and function of Flax's own (tests/test_nets.py): a stride-2
transposed conv as one stride-1 conv per output phase, a stride-2 conv over
2x2 space-to-depth cells. On other backends, and under
model.conv_impl='lax', they compute with lax's convolutions
(kernels/conv.py's switch), so a GPU or TPU runs its own conv algorithms.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_mixtures.kernels import conv
from gan_mixtures.nets import spectral


def kernel_init(std: float):
  """N(0, std) where std > 0, else LeCun normal (Flax's default)."""
  return (nn.initializers.normal(std) if std > 0
          else nn.initializers.lecun_normal())


class SubPixelConvTranspose(nn.Module):
  """nn.ConvTranspose(features, (4, 4), strides=(2, 2), padding='SAME'), the
  same parameters and outputs, computed as four 2x2 stride-1 convolutions
  (one per output phase) interleaved. Along one axis, phase r of the
  lhs-dilated convolution lax.conv_transpose computes (pad 2 each side) is
  y[2m + r] = x[m + r - 1] W[r] + x[m + r] W[r + 2]: a 2-tap conv with
  taps W[r::2], padded (1 - r, r). XLA's CPU backend runs the
  lhs-dilated convolution of a transposed conv about 8x slower than an
  ordinary one (measured, fwd + bwd of 7x7x256 -> 14x14x128, batch 64).
  [B, H, W, Cin] -> [B, 2H, 2W, features]."""

  features: int
  init_std: float = 0.0

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    kernel = self.param(
        "kernel", kernel_init(self.init_std), (4, 4, x.shape[-1], self.features)
    )
    bias = self.param("bias", nn.initializers.zeros, (self.features,))
    if not conv.cpu_paths():
      return jax.lax.conv_transpose(x, kernel.astype(x.dtype), (2, 2), "SAME",
                                    dimension_numbers=conv.DIMS) + bias
    return phase_convs(x, lambda rh, rw: kernel[rh::2, rw::2]) + bias


def same_transpose_padding(k: int) -> tuple[int, int]:
  """(before, after) padding of the input-dilated conv that
  lax.conv_transpose(..., strides 2, 'SAME') runs for a kernel k (output
  2H): k in all, ceil(k / 2) before, or k - 1 before where k < 3."""
  before = k - 1 if k < 3 else -(-k // 2)
  return before, k - before


class StridedConvTranspose(nn.Module):
  """nn.ConvTranspose(features, (k, k), strides=(2, 2), padding='SAME'), the
  same parameters and outputs, through kernels/conv.py's drop-in, which
  computes the input-dilated conv as one stride-1 conv per output phase
  (dilated_conv) where XLA:CPU's own runs a slow loop (LDAGAN's 5x5 on
  ImageNet). [B, H, W, Cin] -> [B, 2H, 2W, features]."""

  features: int
  kernel: int
  init_std: float = 0.0

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    k = self.kernel
    kernel = self.param("kernel", kernel_init(self.init_std),
                        (k, k, x.shape[-1], self.features))
    bias = self.param("bias", nn.initializers.zeros, (self.features,))
    pads = (same_transpose_padding(k),) * 2
    y = conv.conv_general_dilated(x, kernel.astype(x.dtype), (1, 1), pads,
                                  lhs_dilation=(2, 2),
                                  dimension_numbers=conv.DIMS)
    return y + bias


def phase_convs(x: jax.Array, phase_kernel) -> jax.Array:
  """An x2-upsampling layer as four stride-1 2x2 convs, one per output
  phase, interleaved: output [2m + rh, 2n + rw] is phase (rh, rw)'s conv of
  x padded (1 - r, r) on each axis, i.e. it reads x[m + r - 1], x[m + r].
  `phase_kernel(rh, rw)` -> that phase's taps [2, 2, Cin, F].
  [B, H, W, Cin] -> [B, 2H, 2W, F]."""
  rows = []
  for rh in (0, 1):
    cols = []
    for rw in (0, 1):
      cols.append(conv.conv2d(
          x, phase_kernel(rh, rw).astype(x.dtype),
          ((1 - rh, rh), (1 - rw, rw))))  # [B, H, W, F]
    rows.append(jnp.stack(cols, axis=3))  # [B, H, W, 2 (rw), F]
  y = jnp.stack(rows, axis=2)  # [B, H, 2 (rh), W, 2 (rw), F]
  b, h, _, w, _, f = y.shape
  return y.reshape(b, 2 * h, 2 * w, f)


class SpaceToDepthConv(nn.Module):
  """A stride-2 conv with kernel 4 (= nn.Conv(features, (4, 4), strides=2,
  padding='SAME')) or 5 (padding 2 each side, as torch's Conv2d(k=5, s=2,
  p=2)) on even H, W, the same parameters and outputs, computed as a
  stride-1 conv over the 2x2 space-to-depth cells of the padded input
  (conv.stride2_conv: a 2x2 conv of [2, 2, 4 Cin, F] for kernel 4, 3x3 for
  5). Its derivatives are stride-1 convs: the gradient penalty's
  second-order backward through the strided conv ran ~7x slower on XLA's
  CPU backend (measured, 16x16x64 -> 8x8x128, batch 128), and the 2x2 cell
  conv does the 16 multiply-adds per output of a 4x4 kernel, not the 36 of
  the 3x3 cell conv used before. Odd sizes fall back to the strided conv.
  [B, H, W, Cin] -> [B, H/2, W/2, F]."""

  features: int
  kernel_size: int = 4
  init_std: float = 0.0
  spectral_norm: bool = False  # the kernel divided by its sigma_max

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    _, h, w, c = x.shape
    k = self.kernel_size
    if k not in (4, 5):
      raise ValueError(f"stride-2 D convs have kernel 4 or 5, got {k}")
    kernel = self.param(
        "kernel", kernel_init(self.init_std), (k, k, c, self.features)
    )
    if self.spectral_norm:
      kernel = kernel / spectral.spectral_norm_estimate(kernel)
    bias = self.param("bias", nn.initializers.zeros, (self.features,))
    dn = ("NHWC", "HWIO", "NHWC")
    if h % 2 or w % 2:
      pad = "SAME" if k == 4 else ((2, 2), (2, 2))
      y = jax.lax.conv_general_dilated(
          x, kernel.astype(x.dtype), (2, 2), pad, dimension_numbers=dn)
      return y + bias
    y = conv.stride2_conv(x, kernel.astype(x.dtype), 1 if k == 4 else 2)
    return y + bias


def upsample_conv(features: int, kernel: int, init_std: float,
                  name: str) -> nn.Module:
  """A stride-2 'SAME' transposed conv doubling H and W: kernel 4 as four
  stride-1 phase convs (SubPixelConvTranspose), other kernels (LDAGAN's 5x5
  on ImageNet) through the conv drop-in (StridedConvTranspose); both are
  nn.ConvTranspose's parameters and function."""
  if kernel == 4:
    return SubPixelConvTranspose(features, init_std, name=name)
  return StridedConvTranspose(features, kernel, init_std, name=name)
