"""Multi-layer perceptrons for the 2D experiments."""

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

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
    out_scale: if > 0 the output is `out_scale * tanh(h)` (bounded), else linear.
  """

  hidden: Sequence[int]
  out_dim: int
  activation: str = "relu"
  out_scale: float = 0.0

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    act = ACTIVATIONS[self.activation]
    for width in self.hidden:
      x = act(nn.Dense(width)(x))  # [B, width]
    x = nn.Dense(self.out_dim)(x)  # [B, out_dim]
    if self.out_scale > 0:
      x = self.out_scale * jnp.tanh(x)
    return x
