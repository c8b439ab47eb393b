"""K generators that share every layer but the first (LDAGAN): the first
layer as one batched op over K; image trunks here, the MLP in mlp.py."""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp


def batched_first_layer(
    module: nn.Module, z: jax.Array, num_generators: int, features: int
) -> jax.Array:
  """K generators' own first Dense as one batched op, its parameters
  (`first_kernel` [K, Dz, F], `first_bias` [K, F]) made in `module`'s scope
  (call from a compact method); z [B, Dz] -> [K, B, F], pre-activation."""
  k = num_generators
  w = module.param(
      "first_kernel", nn.initializers.lecun_normal(batch_axis=(0,)),
      (k, z.shape[-1], features),
  )
  bias = module.param("first_bias", nn.initializers.zeros, (k, features))
  return jnp.einsum("bd,kdf->kbf", z, w) + bias[:, None]


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
    k, b = self.num_generators, z.shape[0]
    h = batched_first_layer(self, z, k, math.prod(self.shape))  # [K, B, F]
    x = self.trunk(h.reshape((k * b,) + tuple(self.shape)))  # [K * B, ...]
    return x.reshape((k, b) + x.shape[1:])
