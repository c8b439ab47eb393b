"""Gated mixtures of leaf generators (HME-GAN / ME-GAN).

h(z) = sum_i a_i(z) G_i(z) with leaves G_i(z) = c_i ('constant') or
W_i z + w_i0 ('linear') and gates a(z) from a depth-L binary tree ('hme') or
a softmax ('me'); all leaves are computed at once as one batched op.
The mixture is the output (2D without a trunk) or the first layer of a shared
trunk: an MLP (2D) or a DCGAN trunk (images), as the thesis' pipeline.
"""

from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_mixtures.kernels import gating
from gan_mixtures.nets.shared import GeneratorHeads


class GatedLeaves(nn.Module):
  """z [B, Dz] -> (h [B, F], gates [B, K])."""

  gate: str  # 'hme' | 'me'
  num_leaves: int  # 2^depth for 'hme'
  leaf: str  # 'constant' | 'linear'
  features: int
  gate_init_std: float = 1.0  # std of the initial gate weights (sharpness)
  leaf_bias_std: float = 1.0  # std of the initial c_i / w_i0; 0 = zeros

  @nn.compact
  def __call__(self, z: jax.Array) -> tuple[jax.Array, jax.Array]:
    k, dz, f = self.num_leaves, z.shape[-1], self.features
    init = (nn.initializers.normal(self.leaf_bias_std)
            if self.leaf_bias_std > 0 else nn.initializers.zeros)
    gate_init = nn.initializers.normal(self.gate_init_std)
    if self.gate == "hme":
      w = self.param("node_w", gate_init, (k - 1, dz))
      b = self.param("node_b", nn.initializers.zeros, (k - 1,))
      gates = jax.vmap(gating.hme_gates, in_axes=(0, None, None))(z, w, b)
    else:
      w = self.param("gate_w", gate_init, (k, dz))
      b = self.param("gate_b", nn.initializers.zeros, (k,))
      gates = jax.vmap(gating.me_gates, in_axes=(0, None, None))(z, w, b)
    bias = self.param("leaf_bias", init, (k, f))  # c_i or w_i0
    if self.leaf == "linear":
      weight = self.param(
          "leaf_kernel", nn.initializers.lecun_normal(batch_axis=(0,)),
          (k, dz, f)
      )
      leaves = jnp.einsum("bd,kdf->bkf", z, weight) + bias  # [B, K, F]
      h = jnp.einsum("bk,bkf->bf", gates, leaves)
    else:
      h = jax.vmap(gating.mix_leaves, in_axes=(0, None))(gates, bias)  # [B, F]
    return h, gates


class MapTrunk(nn.Module):
  """Reshapes the mixture h [B, F] to a map [B, *shape], then an image trunk,
  with no activation between: the thesis code's MixtureDecoder (mixture ->
  view -> ConvTranspose2d; only its FC baseline has Linear + ReLU)."""

  shape: tuple[int, ...]
  trunk: nn.Module

  def __call__(self, h: jax.Array) -> jax.Array:
    return self.trunk(h.reshape((h.shape[0],) + tuple(self.shape)))


class MixtureGenerator(nn.Module):
  """Gated leaves, then an optional shared trunk; returns (x, gates), or x
  alone with `with_gates=False` (same parameters either way)."""

  gate: str
  num_leaves: int
  leaf: str
  features: int
  trunk: Callable | None = None
  with_gates: bool = True
  gate_init_std: float = 1.0
  leaf_bias_std: float = 1.0

  @nn.compact
  def __call__(self, z: jax.Array):
    h, gates = leaves_of(self)(z)
    x = h if self.trunk is None else self.trunk(h)
    return (x, gates) if self.with_gates else x


def leaves_of(mixture: MixtureGenerator) -> GatedLeaves:
  """The gated-leaves layer of a mixture generator (the mixture without its
  trunk); a plain function, so it builds an unbound module outside `apply`
  and the mixture's own submodule inside it."""
  return GatedLeaves(
      mixture.gate, mixture.num_leaves, mixture.leaf, mixture.features,
      mixture.gate_init_std, mixture.leaf_bias_std,
  )


class GumbelGatedGenerator(nn.Module):
  """MEGAN's generator (Park et al. 2018) as the HME thesis ran it: K first
  layers (`heads`, the only per-generator layers), a gating network that
  reads z and every generator's first-layer output through one shared
  projection (Dense(F -> `proj_features`), then Dense([f_1..f_K, z] -> K)),
  one generator chosen per sample by the straight-through Gumbel-softmax
  (temperature `tau`), and the chosen first-layer output through the shared
  `trunk`. (z [B, Dz], rng) -> (x [B, ...], gate logits [B, K], one-hot
  choice [B, K])."""

  heads: GeneratorHeads
  trunk: nn.Module
  proj_features: int = 100
  tau: float = 1.0
  dense_init: Callable = nn.initializers.lecun_normal()

  @nn.compact
  def __call__(self, z: jax.Array, rng: jax.Array):
    h = self.heads(z)  # [K, B, *shape]
    k, b = h.shape[:2]
    f = nn.Dense(self.proj_features, kernel_init=self.dense_init,
                 name="projector")(h.reshape(k, b, -1))
    gate_in = jnp.concatenate([f.transpose(1, 0, 2).reshape(b, -1), z], -1)
    logits = nn.Dense(k, kernel_init=self.dense_init,
                      name="gate")(gate_in)  # [B, K]
    choice = gating.straight_through(
        gating.gumbel_softmax(rng, logits, self.tau))
    chosen = jnp.einsum("bk,kb...->b...", choice, h)  # [B, *shape]
    return self.trunk(chosen), logits, choice
