"""DCGAN generator and discriminator for square images (28, 32, 64, 128 px).

G: z -> Dense to s0 x s0 x (ch * 2^(n-1)) -> n transposed convs (stride 2,
kernel 4) halving the channels -> conv to C, tanh. D mirrors it with stride-2
convs and LeakyReLU(0.2), then Dense(out_dim). s0 = 7 for 28 px, 4 otherwise.

Normalisation (`norm`): 'none', 'layer', or 'batch'. 'batch' normalises with
the statistics of the current batch in training and sampling alike (no running
averages are kept, so the state stays a pure pytree); draw samples in batches
of 64 or more.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp


def num_upsamples(size: int) -> tuple[int, int]:
  """(s0, n): the start resolution and how many x2 steps reach `size`."""
  s0 = 7 if size % 7 == 0 else 4
  n = int(round(math.log2(size / s0)))
  if s0 * 2**n != size:
    raise ValueError(f"image size {size} is not 4 * 2^n or 7 * 2^n")
  return s0, n


class BatchStatNorm(nn.Module):
  """Batch normalisation with the current batch's statistics, no running
  averages (so parameters are the only state); scale and bias per channel."""

  epsilon: float = 1e-5

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    axes = tuple(range(x.ndim - 1))  # all but channels
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.var(x, axis=axes, keepdims=True)
    scale = self.param("scale", nn.initializers.ones, (x.shape[-1],))
    bias = self.param("bias", nn.initializers.zeros, (x.shape[-1],))
    return (x - mean) * jax.lax.rsqrt(var + self.epsilon) * scale + bias


class CondBatchStatNorm(nn.Module):
  """BatchStatNorm whose scale and bias are embeddings of a class label
  (conditional batch normalisation, Miyato & Koyama 2018); c [B] int."""

  num_classes: int
  epsilon: float = 1e-5

  @nn.compact
  def __call__(self, x: jax.Array, c: jax.Array) -> jax.Array:
    axes = tuple(range(x.ndim - 1))
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.var(x, axis=axes, keepdims=True)
    ch = x.shape[-1]
    scale = nn.Embed(self.num_classes, ch, embedding_init=nn.initializers.ones,
                     name="scale")(c)  # [B, ch]
    bias = nn.Embed(self.num_classes, ch, embedding_init=nn.initializers.zeros,
                    name="bias")(c)
    bshape = (x.shape[0],) + (1,) * (x.ndim - 2) + (ch,)
    x = (x - mean) * jax.lax.rsqrt(var + self.epsilon)
    return x * scale.reshape(bshape) + bias.reshape(bshape)


def _norm(kind: str, x: jax.Array, c: jax.Array | None = None,
          num_classes: int = 0) -> jax.Array:
  """Normalises x; with a label c and kind 'batch', conditionally on c."""
  if kind == "none":
    return x
  if kind == "layer":
    return nn.LayerNorm()(x)
  if kind == "batch":
    if c is not None:
      return CondBatchStatNorm(num_classes)(x, c)
    return BatchStatNorm()(x)
  raise ValueError(f"unknown norm {kind!r}")


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

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    kernel = self.param(
        "kernel", nn.initializers.lecun_normal(), (4, 4, x.shape[-1], self.features)
    )
    bias = self.param("bias", nn.initializers.zeros, (self.features,))
    rows = []
    for rh in (0, 1):
      cols = []
      for rw in (0, 1):
        k = kernel[rh::2, rw::2]  # the phase's taps [2, 2, Cin, F]
        cols.append(jax.lax.conv_general_dilated(
            x, k.astype(x.dtype), (1, 1), ((1 - rh, rh), (1 - rw, rw)),
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
        ))  # [B, H, W, F]
      rows.append(jnp.stack(cols, axis=3))  # [B, H, W, 2 (rw), F]
    y = jnp.stack(rows, axis=2)  # [B, H, 2 (rh), W, 2 (rw), F]
    b, h, _, w, _, f = y.shape
    return y.reshape(b, 2 * h, 2 * w, f) + bias


# Tap k of a stride-2, kernel-4 SAME conv along one axis reads x[2m + k - 1]
# = phase p of space-to-depth cell m + offset: k -> (offset + 1, p).
_S2D_TAPS = ((0, 1), (1, 0), (1, 1), (2, 0))


class SpaceToDepthConv(nn.Module):
  """nn.Conv(features, (4, 4), strides=(2, 2), padding='SAME') on even H, W,
  the same parameters and outputs, computed as a stride-1 3x3 conv on the
  2x2 space-to-depth input (the kernel scattered into [3, 3, 4 Cin, F],
  zeros elsewhere). Its derivatives are stride-1 convs: the gradient
  penalty's second-order backward through the strided conv ran ~7x slower
  on XLA's CPU backend (measured, 16x16x64 -> 8x8x128, batch 128).
  Odd sizes fall back to the strided conv. [B, H, W, Cin] -> [B, H/2, W/2, F]."""

  features: int

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    b, h, w, c = x.shape
    kernel = self.param(
        "kernel", nn.initializers.lecun_normal(), (4, 4, c, self.features)
    )
    bias = self.param("bias", nn.initializers.zeros, (self.features,))
    dn = ("NHWC", "HWIO", "NHWC")
    if h % 2 or w % 2:
      y = jax.lax.conv_general_dilated(
          x, kernel.astype(x.dtype), (2, 2), "SAME", dimension_numbers=dn)
      return y + bias
    cells = x.reshape(b, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 2, 4, 5)
    cells = cells.reshape(b, h // 2, w // 2, 4 * c)  # [B, H/2, W/2, (ph pw c)]
    k3 = jnp.zeros((3, 3, 2, 2, c, self.features), kernel.dtype)
    for kh, (oh, ph) in enumerate(_S2D_TAPS):
      for kw, (ow, pw) in enumerate(_S2D_TAPS):
        k3 = k3.at[oh, ow, ph, pw].set(kernel[kh, kw])
    k3 = k3.reshape(3, 3, 4 * c, self.features)
    y = jax.lax.conv_general_dilated(
        cells, k3.astype(x.dtype), (1, 1), ((1, 1), (1, 1)), dimension_numbers=dn)
    return y + bias


def trunk_input_shape(size: int, width: int) -> tuple[int, int, int]:
  """(s0, s0, channels) of the map a DCGAN trunk for `size` px starts from."""
  s0, n = num_upsamples(size)
  return s0, s0, width * 2 ** max(n - 1, 0)


class DCGANTrunk(nn.Module):
  """[B, s0, s0, ch] map -> images [B, size, size, channels] in (-1, 1).

  With `num_classes` > 0 every batch norm is conditional on labels c [B].
  """

  size: int
  channels: int
  width: int = 64
  norm: str = "batch"
  num_classes: int = 0

  @nn.compact
  def __call__(self, x: jax.Array, c: jax.Array | None = None) -> jax.Array:
    _, n = num_upsamples(self.size)
    norm = lambda h: _norm(self.norm, h, c, self.num_classes)
    x = jax.nn.relu(norm(x))  # [B, s0, s0, ch]
    for i in range(n):
      ch = max((self.width << (n - 1 - i)) >> 1, 1)  # halves every block
      x = SubPixelConvTranspose(ch, name=f"ConvTranspose_{i}")(x)
      x = jax.nn.relu(norm(x))  # [B, s0 * 2^(i+1), ..., ch]
    x = nn.Conv(self.channels, (3, 3), padding="SAME")(x)
    return jnp.tanh(x)


class DCGANGenerator(nn.Module):
  """z [B, Dz] -> Dense -> [B, s0, s0, ch] -> DCGANTrunk."""

  size: int
  channels: int
  width: int = 64
  norm: str = "batch"

  @nn.compact
  def __call__(self, z: jax.Array) -> jax.Array:
    shape = trunk_input_shape(self.size, self.width)
    x = nn.Dense(math.prod(shape))(z).reshape((z.shape[0],) + shape)
    return DCGANTrunk(self.size, self.channels, self.width, self.norm)(x)


CONDITIONINGS = ("batchnorm", "input")


class ConditionalDCGANGenerator(nn.Module):
  """(z [B, Dz], c [B] int) -> images; one generator with `num_classes`
  conditions (MMGAN's G(z, c = k)): through conditional batch norm in every
  block (`batchnorm`, as the projection cGAN) or as a one-hot code appended
  to z (`input`, as InfoGAN's categorical code)."""

  num_classes: int
  size: int
  channels: int
  width: int = 64
  norm: str = "batch"
  condition: str = "batchnorm"

  @nn.compact
  def __call__(self, z: jax.Array, c: jax.Array) -> jax.Array:
    shape = trunk_input_shape(self.size, self.width)
    by_norm = self.condition == "batchnorm"
    if not by_norm:
      code = jax.nn.one_hot(c, self.num_classes, dtype=z.dtype)  # [B, K]
      z = jnp.concatenate([z, code], -1)
    x = nn.Dense(math.prod(shape))(z).reshape((z.shape[0],) + shape)
    return DCGANTrunk(self.size, self.channels, self.width, self.norm,
                      self.num_classes if by_norm else 0)(x, c if by_norm else None)


class DCGANEncoder(nn.Module):
  """images [B, H, W, C] -> features [B, F]: the discriminator's body."""

  width: int = 64
  norm: str = "none"

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    _, n = num_upsamples(x.shape[1])
    for i in range(n):
      x = SpaceToDepthConv(self.width * 2**i, name=f"Conv_{i}")(x)
      if i > 0:
        x = _norm(self.norm, x)
      x = jax.nn.leaky_relu(x, 0.2)
    return x.reshape(x.shape[0], -1)


class DCGANDiscriminator(nn.Module):
  """images [B, H, W, C] -> [B, out_dim]."""

  out_dim: int
  width: int = 64
  norm: str = "none"

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    x = DCGANEncoder(self.width, self.norm)(x)
    return nn.Dense(self.out_dim)(x)
