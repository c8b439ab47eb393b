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
      x = nn.ConvTranspose(ch, (4, 4), strides=(2, 2), padding="SAME")(x)
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


class ConditionalDCGANGenerator(nn.Module):
  """(z [B, Dz], c [B] int) -> images; one generator with `num_classes`
  conditions through conditional batch norm (MMGAN's G(z, c = k))."""

  num_classes: int
  size: int
  channels: int
  width: int = 64
  norm: str = "batch"

  @nn.compact
  def __call__(self, z: jax.Array, c: jax.Array) -> jax.Array:
    shape = trunk_input_shape(self.size, self.width)
    x = nn.Dense(math.prod(shape))(z).reshape((z.shape[0],) + shape)
    return DCGANTrunk(self.size, self.channels, self.width, self.norm,
                      self.num_classes)(x, c)


class DCGANEncoder(nn.Module):
  """images [B, H, W, C] -> features [B, F]: the discriminator's body."""

  width: int = 64
  norm: str = "none"

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    _, n = num_upsamples(x.shape[1])
    for i in range(n):
      x = nn.Conv(self.width * 2**i, (4, 4), strides=(2, 2), padding="SAME")(x)
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


class SharedTrunkDCGAN(nn.Module):
  """K DCGAN generators sharing every layer but the first (LDAGAN): the
  first Dense is one batched op over K; z [B, Dz] -> [K, B, size, size, C].
  With norm 'batch' the statistics are those of all K * B samples together,
  as when the generators run as one batch through shared layers."""

  num_generators: int
  size: int
  channels: int
  width: int = 64
  norm: str = "batch"

  @nn.compact
  def __call__(self, z: jax.Array) -> jax.Array:
    k, b = self.num_generators, z.shape[0]
    shape = trunk_input_shape(self.size, self.width)
    w = self.param(
        "first_kernel", nn.initializers.lecun_normal(batch_axis=(0,)),
        (k, z.shape[-1], math.prod(shape)),
    )
    bias = self.param("first_bias", nn.initializers.zeros, (k, math.prod(shape)))
    h = jnp.einsum("bd,kdf->kbf", z, w) + bias[:, None]  # [K, B, F]
    x = DCGANTrunk(self.size, self.channels, self.width, self.norm)(
        h.reshape((k * b,) + shape)
    )
    return x.reshape((k, b) + x.shape[1:])
