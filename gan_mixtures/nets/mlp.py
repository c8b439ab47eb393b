"""Multi-layer perceptrons for the 2D experiments."""

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_mixtures.nets.shared import batched_first_layer

ACTIVATIONS = {
    "relu": jax.nn.relu,
    "leaky_relu": lambda x: jax.nn.leaky_relu(x, 0.2),
    "tanh": jnp.tanh,
    "elu": jax.nn.elu,
}


class MLP(nn.Module):
  """Dense layers with an activation; optional `out_scale * tanh` output.

  Attributes:
    hidden: widths of the hidden layers.
    out_dim: width of the output layer.
    activation: a key of ACTIVATIONS.
    out_scale: if > 0 the output is `out_scale * tanh(h)` (bounded), else
      linear.
    norm: 'none' or 'layer'.
  """

  hidden: Sequence[int]
  out_dim: int
  activation: str = "relu"
  out_scale: float = 0.0
  norm: str = "none"  # 'layer': LayerNorm before every hidden activation

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    act = ACTIVATIONS[self.activation]
    for width in self.hidden:
      x = nn.Dense(width)(x)  # [B, width]
      if self.norm == "layer":
        x = nn.LayerNorm()(x)
      x = act(x)
    x = nn.Dense(self.out_dim)(x)  # [B, out_dim]
    if self.out_scale > 0:
      x = self.out_scale * jnp.tanh(x)
    return x


class MLPEncoder(nn.Module):
  """The hidden layers of an MLP discriminator: x [B, D] -> [B, hidden[-1]]
  (activated), for heads on top (MGAN's D and classifier)."""

  hidden: Sequence[int]
  activation: str = "leaky_relu"
  norm: str = "none"

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    for width in self.hidden:
      x = nn.Dense(width)(x)
      if self.norm == "layer":
        x = nn.LayerNorm()(x)
      x = ACTIVATIONS[self.activation](x)
    return x


class MLPTrunk(nn.Module):
  """A hidden layer's pre-activation h [B, F] -> activation, then an MLP
  (on top of the HME/ME mixture layer)."""

  hidden: Sequence[int]
  out_dim: int
  activation: str = "relu"
  out_scale: float = 0.0

  @nn.compact
  def __call__(self, h: jax.Array) -> jax.Array:
    h = ACTIVATIONS[self.activation](h)
    return MLP(self.hidden, self.out_dim, self.activation, self.out_scale)(h)


class SharedTrunkMLP(nn.Module):
  """K generators that share every layer but the first (LDAGAN).

  The first layer is one batched Dense over K (weights [K, Dz, H]), not K
  modules; the remaining layers are one shared MLP applied to all K outputs.
  z [B, Dz] -> [K, B, out_dim].
  """

  num_generators: int
  hidden: Sequence[int]  # hidden[0] is the per-generator first layer
  out_dim: int
  activation: str = "relu"
  out_scale: float = 0.0

  @nn.compact
  def __call__(self, z: jax.Array) -> jax.Array:
    k, width = self.num_generators, self.hidden[0]
    h = ACTIVATIONS[self.activation](batched_first_layer(self, z, k, width))
    trunk = MLP(self.hidden[1:], self.out_dim, self.activation, self.out_scale)
    out = trunk(h.reshape(-1, width))  # [K * B, out_dim]
    return out.reshape(k, z.shape[0], self.out_dim)
