"""K generators that share every layer but the first (LDAGAN, MADGAN, MGAN,
MEGAN): the first layer as one batched op over K; image trunks here, the MLP
in mlp.py."""

import math
from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_mixtures.nets import bn

# Normalisation of the K first layers, per generator: 'unit' normalises each
# of the F units over the batch (a BatchNorm1d per generator: the HME
# thesis' MADGAN / MGAN / MEGAN, whose parameter counts carry 2F per
# generator); 'batch' / 'batch_scale' each channel of the first map over
# batch and positions (LDAGAN's unshared "BN" row; 'batch_scale' without the
# centre).
FIRST_NORMS = ("none", "unit", "batch", "batch_scale")


LECUN = nn.initializers.lecun_normal(batch_axis=(0,))
# Xavier uniform with gain sqrt(2) per generator (LDAGAN's Tables 4 and 8)
XAVIER_SQRT2 = nn.initializers.variance_scaling(2.0, "fan_avg", "uniform",
                                                batch_axis=(0,))


# He normal (ReLU gain) per generator: the HME thesis code's K first layers
HE = nn.initializers.variance_scaling(2.0, "fan_in", "normal", batch_axis=(0,))
FIRST_INITS = ("", "he")


def first_init(init_std: float, kind: str = ""):
  """The K first layers' kernel init: He normal for kind 'he', else N(0,
  init_std) where init_std > 0, else LeCun normal per generator."""
  if kind == "he":
    return HE
  return nn.initializers.normal(init_std) if init_std > 0 else LECUN


def batched_first_layer(
    module: nn.Module, z: jax.Array, num_generators: int, features: int,
    init=LECUN,
) -> jax.Array:
  """K generators' own first Dense as one batched op, its parameters
  (`first_kernel` [K, Dz, F], `first_bias` [K, F]) made in `module`'s scope
  (call from a compact method); z [B, Dz] -> [K, B, F], pre-activation."""
  k = num_generators
  w = module.param("first_kernel", init, (k, z.shape[-1], features))
  bias = module.param("first_bias", nn.initializers.zeros, (k, features))
  return jnp.einsum("bd,kdf->kbf", z, w) + bias[:, None]


def per_generator_norm(module: nn.Module, h: jax.Array, kind: str,
                       epsilon: float = 1e-5) -> jax.Array:
  """Batch-statistics norm of every generator's first layer on its own
  samples: h [K, B, ...] normalised over B ('unit') or over B and the
  positions ('batch', 'batch_scale'), parameters [K, F] or [K, C]."""
  if kind == "none":
    return h
  if kind not in FIRST_NORMS:
    raise ValueError(
        f"unknown first-layer norm {kind!r}; choose from {FIRST_NORMS}")
  axes = (1,) if kind == "unit" else tuple(range(1, h.ndim - 1))
  mean, var = bn.statistics(h, axes)
  pshape = (h.shape[0],) + (h.shape[2:] if kind == "unit" else h.shape[-1:])
  bshape = (h.shape[0], 1) + (h.shape[2:] if kind == "unit"
                              else (1,) * (h.ndim - 3) + h.shape[-1:])
  scale = module.param("first_scale", nn.initializers.ones, pshape)
  y = (h - mean) * jax.lax.rsqrt(var + epsilon) * scale.reshape(bshape)
  if kind != "batch_scale":
    y = y + module.param("first_norm_bias", nn.initializers.zeros,
                         pshape).reshape(bshape)
  return y


class GeneratorHeads(nn.Module):
  """The K first layers: z [B, Dz] -> [K, B, *shape] (Dense to the first
  map, then the per-generator norm and ReLU, or the raw Dense output with
  activation 'none' for trunks that normalise it themselves)."""

  num_generators: int
  shape: tuple[int, ...]  # the first map (s0, s0, C0), or (F,)
  norm: str = "none"
  activation: str = "relu"
  kernel_init: Callable = LECUN

  @nn.compact
  def __call__(self, z: jax.Array) -> jax.Array:
    k, b = self.num_generators, z.shape[0]
    h = batched_first_layer(self, z, k, math.prod(self.shape), self.kernel_init)
    h = h.reshape((k, b) + tuple(self.shape))  # [K, B, *shape]
    h = per_generator_norm(self, h, self.norm)
    return jax.nn.relu(h) if self.activation == "relu" else h


class SharedTrunkGenerator(nn.Module):
  """z [B, Dz] -> [K, B, ...]: the K first layers (GeneratorHeads), then
  `unshared` trunk blocks per generator (LDAGAN's Table 6 unties layer 2
  with `unshared_trunk`: a trunk with blocks (0, 1), vmapped over K), then
  one shared `trunk` on all K * B maps. With batch norm in the shared trunk
  the statistics are those of all K * B samples together, as when the
  generators run as one batch through shared layers."""

  num_generators: int
  heads: GeneratorHeads
  trunk: nn.Module
  unshared_trunk: nn.Module | None = None

  @nn.compact
  def __call__(self, z: jax.Array) -> jax.Array:
    k, b = self.num_generators, z.shape[0]
    h = self.heads(z)  # [K, B, *shape]
    if self.unshared_trunk is not None:
      per = nn.vmap(lambda mdl, x: mdl(x), variable_axes={"params": 0},
                    split_rngs={"params": True}, in_axes=0, out_axes=0,
                    axis_size=k)
      h = per(self.unshared_trunk, h)  # [K, B, ...] after its own blocks
    x = self.trunk(h.reshape((k * b,) + h.shape[2:]))  # [K * B, ...]
    return x.reshape((k, b) + x.shape[1:])


