"""ResNet GAN networks with a spectrally normalised discriminator (Miyato et
al. 2018), as LDAGAN's Tables 4, 5 (CIFAR-10, 32 px) and 8 (CelebA, 128 px).

G: Dense -> [B, 4, 4, C0] -> GenResBlocks (BN, ReLU, nearest x2 upsample,
3x3 conv, BN, ReLU, 3x3 conv; upsampled shortcut, 1x1 conv where the width
changes) -> BN, ReLU, 3x3 conv, tanh. D: an optimised first block, then
DisResBlocks (ReLU, 3x3 conv, ReLU, 3x3 conv, 2x2 average pooling where the
plan downsamples), ReLU, global average pooling, Dense; every D weight is
spectrally normalised. Widths from `width` (64 gives the tables):

  size <= 32: G 4x4x4w and three blocks of 4w (256); D 2w (128) throughout,
    downsampling in the first two blocks (Table 4 / Miyato's CIFAR nets).
  size > 32:  G 4x4x16w, blocks halving to w; D w, 2w, ... up to 16w,
    downsampling to 4x4, then one block more (Table 8).

Spectral normalisation is stateless: sigma comes from `power_iters` power
iterations from a fixed start vector in every call (u, v under
stop_gradient, as Miyato), not from a persistent u carried between steps;
the estimate approaches sigma_max from below (tests/test_nets.py).
Initialisation: Xavier uniform with gain sqrt(2) (Table 4).
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from gan_mixtures.kernels import conv
from gan_mixtures.nets.conv_layers import phase_convs
from gan_mixtures.nets.dcgan import BatchStatNorm
from gan_mixtures.nets.spectral import (  # noqa: F401 (resnet's API)
    POWER_ITERS, SNDense, spectral_norm_estimate,
)

XAVIER_SQRT2 = nn.initializers.variance_scaling(2.0, "fan_avg", "uniform")


class SNConv(nn.Module):
  """Conv (SAME padding, stride 1) whose kernel is divided by its sigma_max;
  with `pool`, followed by 2x2 average pooling, computed as one stride-2
  4x4 conv (conv.pooled_kernel: 16 multiply-adds per pooled output, not
  the 36 of four 3x3 outputs)."""

  features: int
  kernel_size: int = 3
  power_iters: int = POWER_ITERS
  pool: bool = False

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    k = self.kernel_size
    kernel = self.param(
        "kernel", XAVIER_SQRT2, (k, k, x.shape[-1], self.features)
    )
    bias = self.param("bias", nn.initializers.zeros, (self.features,))
    kernel = kernel / spectral_norm_estimate(kernel, self.power_iters)
    if (self.pool and k == 3 and x.shape[1] % 2 == 0 and x.shape[2] % 2 == 0
        and conv.cpu_paths()):
      pooled = conv.pooled_kernel(kernel).astype(x.dtype)
      return conv.stride2_conv(x, pooled, 1) + bias
    y = conv.conv_general_dilated(x, kernel.astype(x.dtype), (1, 1), "SAME",
                                  dimension_numbers=conv.DIMS)
    return (avg_pool2(y) if self.pool else y) + bias


def upsample2(x: jax.Array) -> jax.Array:
  """Nearest-neighbour x2: [B, H, W, C] -> [B, 2H, 2W, C]."""
  return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


# Along one axis, a 3x3 SAME conv of the nearest-upsampled x reads, for
# output 2m + r, x[m - 1], x[m], x[m], (r = 0) or x[m], x[m], x[m + 1]
# (r = 1): a 2-tap conv whose taps are sums of the 3x3 kernel's rows.
_UP_TAPS = np.array([[[1, 0, 0], [0, 1, 1]], [[1, 1, 0], [0, 0, 1]]],
                    np.float32)  # [phase, 2 taps, 3 rows] (numpy: importing
# this module must not start a JAX backend)


class UpsampleConv(nn.Module):
  """nn.Conv(features, (3, 3), padding='SAME') of the nearest x2 upsampled
  input, the same parameters ('kernel' [3, 3, Cin, F], 'bias') and outputs
  to float rounding, computed at the input's size as four 2x2 convs (one
  per output phase, conv_layers.phase_convs): 16 taps per 2x2 output cell, not
  36, and no upsampled copy of the input.
  [B, H, W, Cin] -> [B, 2H, 2W, F]."""

  features: int

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    kernel = self.param("kernel", XAVIER_SQRT2,
                        (3, 3, x.shape[-1], self.features))
    bias = self.param("bias", nn.initializers.zeros, (self.features,))
    if not conv.cpu_paths():
      return jax.lax.conv_general_dilated(
          upsample2(x), kernel.astype(x.dtype), (1, 1), "SAME",
          dimension_numbers=conv.DIMS) + bias
    taps = jnp.asarray(_UP_TAPS, kernel.dtype)
    phase = lambda rh, rw: jnp.einsum("ih,jw,hwcf->ijcf", taps[rh], taps[rw],
                                      kernel)  # [2, 2, Cin, F]
    return phase_convs(x, phase) + bias


def avg_pool2(x: jax.Array) -> jax.Array:
  """2x2 average pooling: [B, H, W, C] -> [B, H/2, W/2, C]."""
  return nn.avg_pool(x, (2, 2), strides=(2, 2))


def generator_plan(size: int, width: int) -> tuple[int, tuple[int, ...]]:
  """(channels of the 4x4 start map, output channels of each up-block)."""
  n = int(round(math.log2(size // 4)))
  if 4 * 2**n != size:
    raise ValueError(f"ResNet nets need a size of 4 * 2^n, got {size}")
  if size <= 32:
    return 4 * width, (4 * width,) * n
  return 16 * width, tuple(max(16 * width >> i, width) for i in range(n))


def discriminator_plan(size: int, width: int) -> tuple[tuple[int, bool], ...]:
  """(channels, downsample) of every D block, the optimised block first."""
  n = int(round(math.log2(size // 4)))
  if 4 * 2**n != size:
    raise ValueError(f"ResNet nets need a size of 4 * 2^n, got {size}")
  if size <= 32:
    return ((2 * width, True), (2 * width, True)) + ((2 * width, False),) * 2
  chans = [min(width << i, 16 * width) for i in range(n)]
  return tuple((c, True) for c in chans) + ((chans[-1], False),)


class GenResBlock(nn.Module):
  """[B, H, W, Cin] -> [B, 2H, 2W, features]."""

  features: int

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    same_conv = lambda f, k, name: nn.Conv(
        f, (k, k), padding="SAME", kernel_init=XAVIER_SQRT2, name=name,
        conv_general_dilated=conv.conv_general_dilated)
    # upsample then conv, computed as UpsampleConv (the same function)
    h = UpsampleConv(self.features, name="Conv_0")(
        jax.nn.relu(BatchStatNorm()(x)))
    h = same_conv(self.features, 3, "Conv_1")(jax.nn.relu(BatchStatNorm()(h)))
    shortcut = x
    if x.shape[-1] != self.features:  # a 1x1 conv commutes with upsampling
      shortcut = same_conv(self.features, 1, "Conv_2")(shortcut)
    return h + upsample2(shortcut)


class ResNetTrunk(nn.Module):
  """[B, 4, 4, C0] -> images [B, size, size, channels] in (-1, 1)."""

  size: int
  channels: int
  width: int = 64

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    for features in generator_plan(self.size, self.width)[1]:
      x = GenResBlock(features)(x)
    x = jax.nn.relu(BatchStatNorm()(x))
    x = nn.Conv(self.channels, (3, 3), padding="SAME", kernel_init=XAVIER_SQRT2,
                conv_general_dilated=conv.conv_general_dilated)(x)
    return jnp.tanh(x)


def trunk_input_shape(size: int, width: int) -> tuple[int, int, int]:
  return 4, 4, generator_plan(size, width)[0]


class ResNetGenerator(nn.Module):
  """z [B, Dz] -> Dense -> [B, 4, 4, C0] -> ResNetTrunk."""

  size: int
  channels: int
  width: int = 64

  @nn.compact
  def __call__(self, z: jax.Array) -> jax.Array:
    shape = trunk_input_shape(self.size, self.width)
    x = nn.Dense(math.prod(shape), kernel_init=XAVIER_SQRT2)(z)
    x = x.reshape((z.shape[0],) + shape)  # [B, 4, 4, C0]
    return ResNetTrunk(self.size, self.channels, self.width)(x)


class DisResBlock(nn.Module):
  """[B, H, W, Cin] -> [B, H or H/2, ..., features]; `first`: the optimised
  block that sees the image (no leading ReLU, pooled-then-1x1 shortcut)."""

  features: int
  down: bool
  first: bool = False

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    h = x if self.first else jax.nn.relu(x)
    h = SNConv(self.features)(h)
    h = SNConv(self.features, pool=self.down)(jax.nn.relu(h))  # conv, pool
    if self.first:
      return h + SNConv(self.features, 1)(avg_pool2(x))
    shortcut = x
    if self.down or x.shape[-1] != self.features:
      # a 1x1 conv commutes with average pooling: pooled first
      shortcut = SNConv(self.features, 1)(avg_pool2(x) if self.down else x)
    return h + shortcut


class SNResNetDiscriminator(nn.Module):
  """images [B, H, W, C] -> [B, out_dim]."""

  out_dim: int
  width: int = 64

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    plan = discriminator_plan(x.shape[1], self.width)
    for i, (features, down) in enumerate(plan):
      x = DisResBlock(features, down, first=i == 0)(x)
    x = jnp.mean(jax.nn.relu(x), axis=(1, 2))  # [B, C] global average pool
    return SNDense(self.out_dim)(x)
