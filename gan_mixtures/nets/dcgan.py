"""DCGAN generator and discriminator for square images (8, 28, 32, 64, 128 px).

G: z -> Dense to s0 x s0 x c0 -> norm, ReLU -> n transposed convs (stride 2,
kernel `kernel`) halving the channels, the last one to the image's channels,
tanh (Radford et al.; the tables of LDAGAN and the HME thesis). s0 = 7 for
28 px, 4 otherwise; c0 = width * 2^(n-1). `out_conv` keeps this project's
earlier small-image G: the last block to width / 2 channels, then a 3x3 conv
to the image (used for the 8x8 digits).
D mirrors it with stride-2 convs (`kernels`, 4 or 5), normalised on every
layer but the first (`norm_first` for all) and LeakyReLU(0.2) (or ReLU), then
Dense(out_dim).

Normalisation in G (`norm`): 'none', 'layer', 'batch', or 'batch_scale'
(batch norm without its centre, LDAGAN's "batch normalization center fixed
to zero"). 'batch' normalises with the statistics of the current batch in
training (no running averages are kept, so the state stays a pure pytree);
sampling uses the batch's too, or (model.bn_sampling='population') those
of a fixed calibration draw (nets/bn.py). In D: 'none',
'layer' (per position over channels), 'layer_chw' (over C x H x W per
example, Ba et al.'s layer norm as the HME thesis' code has it), 'batch'.
Initialisation: LeCun normal, or N(0, init_std) where init_std > 0.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_mixtures.kernels import conv
from gan_mixtures.nets import bn, spectral
from gan_mixtures.nets.conv_layers import (SpaceToDepthConv, kernel_init,
                                           upsample_conv)


def num_upsamples(size: int) -> tuple[int, int]:
  """(s0, n): the start resolution and how many x2 steps reach `size`."""
  s0 = 7 if size % 7 == 0 else 4
  n = int(round(math.log2(size / s0)))
  if s0 * 2**n != size:
    raise ValueError(f"image size {size} is not 4 * 2^n or 7 * 2^n")
  return s0, n


G_NORMS = ("none", "layer", "batch", "batch_scale")
D_NORMS = ("none", "layer", "layer_chw", "batch")


class BatchStatNorm(nn.Module):
  """Batch normalisation with the current batch's statistics, no running
  averages (so parameters are the only state); scale (and bias, unless
  `use_bias` is False) per channel, statistics over every other axis."""

  epsilon: float = 1e-5
  use_bias: bool = True

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    axes = tuple(range(x.ndim - 1))  # all but channels
    mean, var = bn.statistics(x, axes)
    scale = self.param("scale", nn.initializers.ones, (x.shape[-1],))
    y = (x - mean) * jax.lax.rsqrt(var + self.epsilon) * scale
    if self.use_bias:
      y = y + self.param("bias", nn.initializers.zeros, (x.shape[-1],))
    return y


class CondBatchStatNorm(nn.Module):
  """BatchStatNorm whose scale and bias are embeddings of a class label
  (conditional batch normalisation, Miyato & Koyama 2018); c [B] int."""

  num_classes: int
  epsilon: float = 1e-5
  use_bias: bool = True

  @nn.compact
  def __call__(self, x: jax.Array, c: jax.Array) -> jax.Array:
    axes = tuple(range(x.ndim - 1))
    mean, var = bn.statistics(x, axes)
    ch = x.shape[-1]
    bshape = (x.shape[0],) + (1,) * (x.ndim - 2) + (ch,)
    scale = nn.Embed(self.num_classes, ch, embedding_init=nn.initializers.ones,
                     name="scale")(c)  # [B, ch]
    x = (x - mean) * jax.lax.rsqrt(var + self.epsilon) * scale.reshape(bshape)
    if self.use_bias:
      bias = nn.Embed(self.num_classes, ch,
                      embedding_init=nn.initializers.zeros, name="bias")(c)
      x = x + bias.reshape(bshape)
    return x


def normalise(kind: str, x: jax.Array, c: jax.Array | None = None,
              num_classes: int = 0) -> jax.Array:
  """Normalises x by `kind` (G_NORMS, D_NORMS); with a label c and a batch
  kind, conditionally on c."""
  if kind == "none":
    return x
  if kind == "layer":
    return nn.LayerNorm()(x)
  if kind == "layer_chw":  # [B, H, W, C]: over everything but the example
    axes = tuple(range(1, x.ndim))
    return nn.LayerNorm(reduction_axes=axes, feature_axes=axes)(x)
  if kind in ("batch", "batch_scale"):
    use_bias = kind == "batch"
    if c is not None:
      return CondBatchStatNorm(num_classes, use_bias=use_bias)(x, c)
    return BatchStatNorm(use_bias=use_bias)(x)
  raise ValueError(f"unknown norm {kind!r}")


def trunk_input_shape(size: int, width: int) -> tuple[int, int, int]:
  """(s0, s0, channels) of the map a DCGAN trunk for `size` px starts from."""
  s0, n = num_upsamples(size)
  return s0, s0, width * 2 ** max(n - 1, 0)


class DCGANTrunk(nn.Module):
  """[B, s0, s0, c0] map (already normalised and activated) -> images
  [B, size, size, channels] in (-1, 1): blocks start..stop-1 of the n
  transposed convs (`blocks`, default all; LDAGAN's Table 6 runs the first
  one per generator). With `num_classes` > 0 every batch norm is
  conditional on labels c [B].
  """

  size: int
  channels: int
  width: int = 64
  norm: str = "batch"
  num_classes: int = 0
  out_conv: bool = False
  kernel: int = 4
  init_std: float = 0.0
  blocks: tuple[int, int] | None = None

  @nn.compact
  def __call__(self, x: jax.Array, c: jax.Array | None = None) -> jax.Array:
    _, n = num_upsamples(self.size)
    c0 = trunk_input_shape(self.size, self.width)[-1]
    start, stop = self.blocks or (0, n)
    for i in range(start, stop):
      last = i == n - 1
      to_image = last and not self.out_conv
      ch = self.channels if to_image else max(c0 >> (i + 1), 1)
      x = upsample_conv(ch, self.kernel, self.init_std, f"ConvTranspose_{i}")(x)
      if not to_image:  # [B, s0 * 2^(i+1), ..., ch]
        x = jax.nn.relu(normalise(self.norm, x, c, self.num_classes))
    if stop < n:
      return x
    if self.out_conv:
      x = nn.Conv(self.channels, (3, 3), padding="SAME",
                  kernel_init=kernel_init(self.init_std),
                  conv_general_dilated=conv.conv_general_dilated)(x)
    return jnp.tanh(x)


def first_map(module: nn.Module, z: jax.Array, size: int, width: int,
              norm: str, init_std: float, c: jax.Array | None = None,
              num_classes: int = 0) -> jax.Array:
  """G's first layer: Dense(z) -> [B, s0, s0, c0] -> norm -> ReLU, its
  parameters made in `module`'s scope (call from a compact method)."""
  shape = trunk_input_shape(size, width)
  x = nn.Dense(math.prod(shape), kernel_init=kernel_init(init_std),
               parent=module)(z)
  x = x.reshape((z.shape[0],) + shape)
  return jax.nn.relu(normalise(norm, x, c, num_classes))


class DCGANGenerator(nn.Module):
  """z [B, Dz] -> first_map -> DCGANTrunk."""

  size: int
  channels: int
  width: int = 64
  norm: str = "batch"
  out_conv: bool = False
  kernel: int = 4
  init_std: float = 0.0

  @nn.compact
  def __call__(self, z: jax.Array) -> jax.Array:
    x = first_map(self, z, self.size, self.width, self.norm, self.init_std)
    return DCGANTrunk(self.size, self.channels, self.width, self.norm,
                      out_conv=self.out_conv, kernel=self.kernel,
                      init_std=self.init_std)(x)


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
  out_conv: bool = False

  @nn.compact
  def __call__(self, z: jax.Array, c: jax.Array) -> jax.Array:
    by_norm = self.condition == "batchnorm"
    if not by_norm:
      code = jax.nn.one_hot(c, self.num_classes, dtype=z.dtype)  # [B, K]
      z = jnp.concatenate([z, code], -1)
    k = self.num_classes if by_norm else 0
    label = c if by_norm else None
    x = first_map(self, z, self.size, self.width, self.norm, 0.0, label, k)
    return DCGANTrunk(self.size, self.channels, self.width, self.norm, k,
                      out_conv=self.out_conv)(x, label)


ACTIVATIONS = {"leaky_relu": lambda x: jax.nn.leaky_relu(x, 0.2),
               "relu": jax.nn.relu}


class DCGANEncoder(nn.Module):
  """images [B, H, W, C] -> features [B, F]: the discriminator's body, n
  stride-2 convs of width, 2 width, ... channels (kernels[i], default 4)."""

  width: int = 64
  norm: str = "none"
  kernels: tuple[int, ...] = ()
  norm_first: bool = False
  activation: str = "leaky_relu"
  init_std: float = 0.0
  layers: int = 0  # convs; 0 = down to s0 x s0 (num_upsamples)
  spectral_norm: bool = False  # every conv (Miyato et al.)

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    n = self.layers or num_upsamples(x.shape[1])[1]
    kernels = tuple(self.kernels) or (4,) * n
    if len(kernels) != n:
      raise ValueError(f"model.d_kernels has {len(kernels)} entries; a"
                       f" {x.shape[1]} px D has {n} convs")
    for i in range(n):
      x = SpaceToDepthConv(self.width * 2**i, kernels[i], self.init_std,
                           self.spectral_norm, name=f"Conv_{i}")(x)
      if i > 0 or self.norm_first:
        x = normalise(self.norm, x)
      x = ACTIVATIONS[self.activation](x)
    return x.reshape(x.shape[0], -1)


class DCGANDiscriminator(nn.Module):
  """images [B, H, W, C] -> [B, out_dim]."""

  out_dim: int
  width: int = 64
  norm: str = "none"
  kernels: tuple[int, ...] = ()
  norm_first: bool = False
  activation: str = "leaky_relu"
  init_std: float = 0.0
  layers: int = 0
  spectral_norm: bool = False  # every conv and the output layer

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    x = DCGANEncoder(self.width, self.norm, self.kernels, self.norm_first,
                     self.activation, self.init_std, self.layers,
                     self.spectral_norm)(x)
    return output_layer(self.out_dim, self.init_std, self.spectral_norm,
                        "Dense_0")(x)


def output_layer(features: int, init_std: float, spectral_norm: bool,
                 name: str) -> nn.Module:
  """D's Dense output layer, spectrally normalised or not (same params)."""
  if spectral_norm:
    return spectral.SNDense(features, kernel_init=kernel_init(init_std),
                            name=name)
  return nn.Dense(features, kernel_init=kernel_init(init_std), name=name)
