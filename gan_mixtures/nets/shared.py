"""K image generators that share every layer but the first (LDAGAN)."""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp


class SharedTrunkGenerator(nn.Module):
  """z [B, Dz] -> [K, B, ...]: a first Dense per generator, as one batched op
  over K (weights [K, Dz, F]), reshaped to the trunk's input map, then one
  shared trunk applied to all K * B maps. With batch norm in the trunk the
  statistics are those of all K * B samples together, as when the
  generators run as one batch through shared layers."""

  num_generators: int
  shape: tuple[int, ...]  # the trunk's input map (s0, s0, C0)
  trunk: nn.Module

  @nn.compact
  def __call__(self, z: jax.Array) -> jax.Array:
    k, b, f = self.num_generators, z.shape[0], math.prod(self.shape)
    w = self.param(
        "first_kernel", nn.initializers.lecun_normal(batch_axis=(0,)),
        (k, z.shape[-1], f),
    )
    bias = self.param("first_bias", nn.initializers.zeros, (k, f))
    h = jnp.einsum("bd,kdf->kbf", z, w) + bias[:, None]  # [K, B, F]
    x = self.trunk(h.reshape((k * b,) + tuple(self.shape)))  # [K * B, ...]
    return x.reshape((k, b) + x.shape[1:])
