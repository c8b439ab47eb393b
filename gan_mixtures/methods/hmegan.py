"""HME-GAN and ME-GAN: a generator that is a gated mixture of leaf generators
(hierarchical: binary tree of sigmoid gates; flat: a softmax gate), trained
like the vanilla GAN (the thesis: WGAN-GP, 5 D steps, Adam(1e-4, 0.5, 0.999,
amsgrad)). `sample` returns the leaf gates and the most likely leaf.

The mixture is the generator's first layer, as the thesis' pipeline: on 2D
data it is a hidden layer of width model.g_hidden[0] under a shared MLP
(model.g_hidden[1:]); with model.g_hidden = () it is the 2D sample itself.
Images: the mixture is a 4x4xC map (7x7 for 28 px) that a shared DCGAN trunk
(no normalisation by default, as the thesis) turns into the image.
"""

import math

import jax
import jax.numpy as jnp

from gan_mixtures.kernels import gating
from gan_mixtures.methods.vanilla import VanillaGAN
from gan_mixtures import nets
from gan_mixtures.nets import dcgan
from gan_mixtures.nets.mixture import MapTrunk, MixtureGenerator, leaves_of
from gan_mixtures.nets.mlp import MLPTrunk
from gan_mixtures.state import GANState

GATES = ("hme", "me")
LEAVES = ("constant", "linear")


class HMEGAN(VanillaGAN):
  """Vanilla GAN losses with a gated-mixture generator."""

  config_keys = ("gate", "depth", "num_leaves", "leaf", "gate_init_std",
                 "leaf_bias_std")

  def __init__(self, config, data):
    super().__init__(config, data)
    mc, m = config.method, config.model
    num_leaves = 2**mc.depth if mc.gate == "hme" else mc.num_leaves
    if len(data.example_shape) == 1 and not m.g_hidden:  # the sample itself
      (features,), trunk = data.example_shape, None
    elif len(data.example_shape) == 1:  # 2D: the first hidden layer
      features = m.g_hidden[0]
      trunk = MLPTrunk(
          tuple(m.g_hidden[1:]), data.example_shape[0], m.g_activation,
          m.g_out_scale,
      )
    else:
      shape = dcgan.trunk_input_shape(data.example_shape[0], m.g_width)
      features = math.prod(shape)
      trunk = MapTrunk(shape, nets.make_trunk(m, tuple(data.example_shape)))
    self.mixture = MixtureGenerator(
        mc.gate, num_leaves, mc.leaf, features, trunk,
        gate_init_std=mc.gate_init_std, leaf_bias_std=mc.leaf_bias_std,
    )
    self.gated_leaves = leaves_of(self.mixture)  # alone (step_time.py parts)
    self.g_net = self.mixture.clone(with_gates=False)  # the train-step G

  def sample(self, state: GANState, rng: jax.Array, n: int,
             use_ema: bool = True):
    params = self.generator_params(state, use_ema)
    x, gates = self.mixture.apply(params, self.noise(rng, n))
    return x, {"gates": gates, "component": jnp.argmax(gates, axis=-1)}

  def node_soft_counts(self, state: GANState, z: jax.Array,
                       use_ema: bool = True):
    """[n, nodes] probability of reaching every node (HME: the whole tree in
    heap order; ME: the leaves) for noise z [n, Dz]."""
    params = self.generator_params(state, use_ema)["params"]["GatedLeaves_0"]
    if self.config.method.gate == "me":
      return jax.vmap(gating.me_gates, in_axes=(0, None, None))(
          z, params["gate_w"], params["gate_b"]
      )
    return jax.vmap(gating.node_probabilities, in_axes=(0, None, None))(
        z, params["node_w"], params["node_b"]
    )

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
    if mc.gate_init_std < 0 or mc.leaf_bias_std < 0:
      raise ValueError("method.gate_init_std and leaf_bias_std must be >= 0,"
                       f" got {mc.gate_init_std}, {mc.leaf_bias_std}")

