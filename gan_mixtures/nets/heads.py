"""A shared encoder with a discriminator head and a classifier head.

MMGAN: n discriminator outputs (one per data distribution) and a K-way
classifier with one more hidden layer, all on one encoder. PCM (shared
variant): one discriminator output and a linear softmax classifier over the
K Gaussians on the discriminator's encoder.
"""

import flax.linen as nn
import jax

from gan_mixtures.nets.spectral import SNDense


class EncoderHeads(nn.Module):
  """x [B, ...] -> (d [B, d_out], class logits [B, c_out]).

  Attributes:
    encoder: the shared body, x -> features [B, F].
    d_out: discriminator outputs (logits).
    c_out: classes of the classifier head.
    c_hidden: width of the classifier's extra hidden layer; 0 = linear head.
  """

  encoder: nn.Module
  d_out: int
  c_out: int
  c_hidden: int = 0
  d_spectral_norm: bool = False  # the D head (the classifier's are plain)

  @nn.compact
  def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
    f = self.encoder(x)  # [B, F]
    if self.d_spectral_norm:
      d = SNDense(self.d_out, kernel_init=nn.initializers.lecun_normal(),
                  name="d_head")(f)
    else:
      d = nn.Dense(self.d_out, name="d_head")(f)
    h = f
    if self.c_hidden > 0:
      h = jax.nn.leaky_relu(nn.Dense(self.c_hidden, name="c_hidden")(f), 0.2)
    return d, nn.Dense(self.c_out, name="c_head")(h)
