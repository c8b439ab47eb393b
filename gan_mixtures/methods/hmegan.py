"""HME-GAN and ME-GAN: a generator that is a gated mixture of leaf generators
(hierarchical: binary tree of sigmoid gates; flat: a softmax gate), trained
like the vanilla GAN (the thesis: WGAN-GP, 5 D steps, Adam(1e-4, 0.5, 0.999,
amsgrad)). `sample` returns the leaf gates and the most likely leaf.

2D for now: the mixture is the output; image variants (4x4xC mixture map
into a shared DCGAN trunk) are to come.
"""

import jax
import jax.numpy as jnp

from gan_mixtures.methods.vanilla import VanillaGAN
from gan_mixtures.nets.mixture import MixtureGenerator
from gan_mixtures.state import GANState

GATES = ("hme", "me")
LEAVES = ("constant", "linear")


class HMEGAN(VanillaGAN):
  """Vanilla GAN losses with a gated-mixture generator."""

  def __init__(self, config, data):
    super().__init__(config, data)
    mc = config.method
    if config.model.name != "mlp":
      raise ValueError("hmegan supports model.name='mlp' (2D) so far")
    num_leaves = 2**mc.depth if mc.gate == "hme" else mc.num_leaves
    (out_dim,) = data.example_shape
    self.mixture = MixtureGenerator(mc.gate, num_leaves, mc.leaf, out_dim)
    self.g_net = _OutputOnly(self.mixture)

  def sample(self, state: GANState, rng: jax.Array, n: int, use_ema: bool = True):
    params = self.generator_params(state, use_ema)
    x, gates = self.mixture.apply(params, self.noise(rng, n))
    return x, {"gates": gates, "component": jnp.argmax(gates, axis=-1)}

  @classmethod
  def validate_config(cls, config) -> None:
    super().validate_config(config)
    mc = config.method
    if mc.gate not in GATES or mc.leaf not in LEAVES:
      raise ValueError(
          f"method.gate must be in {GATES} and method.leaf in {LEAVES}; got"
          f" {mc.gate!r}, {mc.leaf!r}"
      )
    if mc.gate == "hme" and not 1 <= mc.depth <= 16:
      raise ValueError(f"method.depth must be in 1..16, got {mc.depth}")
    if mc.gate == "me" and mc.num_leaves < 1:
      raise ValueError(f"method.num_leaves must be >= 1, got {mc.num_leaves}")


class _OutputOnly:
  """Adapts MixtureGenerator to the (init, apply) -> x interface of g_net."""

  def __init__(self, module):
    self.module = module

  def init(self, rng, z):
    return self.module.init(rng, z)

  def apply(self, params, z):
    return self.module.apply(params, z)[0]
