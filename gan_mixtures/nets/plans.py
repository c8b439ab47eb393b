"""Two DCGAN families with TensorFlow 'SAME' padding at any map size, for the
MD-GAN Stacked MNIST and FID experiments (the nets of the VEEGAN / PacGAN /
Unrolled-GAN protocols the MD-GAN slides compare with, as PacGAN's code
fjxmlzn/PacGAN has them):

'tfdcgan' (Stacked MNIST "B", carpedm20/DCGAN-tensorflow): map sizes
  s, ceil(s/2), ceil(s/4), ceil(s/8), ceil(s/16) (28 -> 14, 7, 4, 2).
  G: Dense -> s16 x s16 x 8w, 5x5 transposed convs to s8 (4w), s4 (2w), s2
  (w), s (the image), batch norm + ReLU on every hidden layer, tanh.
  D: 5x5 stride-2 convs w, 2w, 4w, 8w, batch norm on all but the first,
  LeakyReLU 0.2, Dense. w = 64.
'unrolled' (Stacked MNIST "S 1/2", "S 1/4", Metz et al.'s nets): G: Dense ->
  4x4x64, 3x3 transposed convs to 7x7x32, 14x14x16, 28x28x8, a 3x3 stride-1
  conv to the image, batch norm + ReLU on every hidden layer, tanh. D: 3x3
  stride-2 convs w, 2w, 4w (w = 4 for S 1/2, 2 for S 1/4), batch norm on
  every one, LeakyReLU 0.3, Dense.
Weights N(0, 0.02), biases 0 (PacGAN's ops.py). Batch norm keeps no running
averages (BatchStatNorm); PacGAN's B sampler uses moving averages, its S
sampler the batch's: configs/mdgan.py samples "B" with fixed statistics
(model.bn_sampling, nets/bn.py).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_mixtures.kernels import conv
from gan_mixtures.nets.dcgan import BatchStatNorm

INIT = nn.initializers.normal(0.02)


def same_sizes(size: int, n: int) -> tuple[int, ...]:
  """TF 'SAME' stride-2 map sizes from the image down: size, ceil(size/2),
  ...; n + 1 sizes."""
  out = [size]
  for _ in range(n):
    out.append(-(-out[-1] // 2))
  return tuple(out)


def transpose_padding(n_in: int, n_out: int, kernel: int) -> tuple[int, int]:
  """Padding of the stride-2 transposed conv n_in -> n_out that inverts the
  TF 'SAME' conv n_out -> n_in: (k - 1 - p_lo, k - 1 - p_hi)."""
  total = max((n_in - 1) * 2 + kernel - n_out, 0)
  lo = total // 2
  return kernel - 1 - lo, kernel - 1 - (total - lo)


class SameConvTranspose(nn.Module):
  """Stride-2 transposed conv [B, n, n, Cin] -> [B, out_size, out_size, F]."""

  features: int
  out_size: int
  kernel: int

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    k = self.kernel
    w = self.param("kernel", INIT, (k, k, x.shape[-1], self.features))
    b = self.param("bias", nn.initializers.zeros, (self.features,))
    pad = transpose_padding(x.shape[1], self.out_size, k)
    # = lax.conv_transpose(x, w, (2, 2), (pad, pad)): the input-dilated conv
    # (per output phase on the CPU, kernels/conv.py)
    y = conv.conv_general_dilated(x, w.astype(x.dtype), (1, 1), (pad, pad),
                                  lhs_dilation=(2, 2),
                                  dimension_numbers=conv.DIMS)
    return y + b


class PlanGenerator(nn.Module):
  """z [B, Dz] -> images [B, size, size, channels] (module docstring)."""

  family: str  # 'tfdcgan' | 'unrolled'
  size: int
  channels: int
  width: int = 64

  @nn.compact
  def __call__(self, z: jax.Array) -> jax.Array:
    if self.family == "tfdcgan":
      sizes = same_sizes(self.size, 4)[::-1]  # (s16, s8, s4, s2, s)
      chans = (8 * self.width, 4 * self.width, 2 * self.width, self.width,
               self.channels)
      kernel, out_conv = 5, False
    else:
      sizes, chans, kernel, out_conv = (4, 7, 14, 28), (64, 32, 16, 8), 3, True
      if self.size != 28:
        raise ValueError(
            f"the unrolled-GAN nets are for 28 px, not {self.size}")
    x = nn.Dense(sizes[0] ** 2 * chans[0], kernel_init=INIT)(z)
    x = jax.nn.relu(BatchStatNorm()(
        x.reshape(z.shape[0], sizes[0], sizes[0], chans[0])))
    for i, (n, c) in enumerate(zip(sizes[1:], chans[1:])):
      x = SameConvTranspose(c, n, kernel, name=f"ConvTranspose_{i}")(x)
      if out_conv or i < len(sizes) - 2:
        x = jax.nn.relu(BatchStatNorm()(x))
    if out_conv:
      x = nn.Conv(self.channels, (3, 3), padding="SAME", kernel_init=INIT,
                  conv_general_dilated=conv.conv_general_dilated)(x)
    return jnp.tanh(x)


class PlanDiscriminator(nn.Module):
  """images [B, H, W, C] -> [B, out_dim] (module docstring)."""

  family: str
  out_dim: int
  width: int = 64

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    if self.family == "tfdcgan":
      chans, kernel, leak, norm_first = (1, 2, 4, 8), 5, 0.2, False
    else:
      chans, kernel, leak, norm_first = (1, 2, 4), 3, 0.3, True
    for i, c in enumerate(chans):
      x = nn.Conv(c * self.width, (kernel, kernel), strides=(2, 2),
                  padding="SAME", kernel_init=INIT, name=f"Conv_{i}",
                  conv_general_dilated=conv.conv_general_dilated)(x)
      if i > 0 or norm_first:
        x = BatchStatNorm()(x)
      x = jax.nn.leaky_relu(x, leak)
    x = x.reshape(x.shape[0], -1)
    return nn.Dense(self.out_dim, kernel_init=INIT)(x)
