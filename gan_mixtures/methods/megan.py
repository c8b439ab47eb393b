"""MEGAN: mixture of experts GAN (Park et al. 2018), as the HME thesis ran it
(its Chapter 3 and section 5.2; the author's code alper111/sdt-generative).

K generators share every layer but the first. A gating network reads z and
a shared 100-d projection of every generator's first-layer output and picks
one generator per sample with the straight-through Gumbel-softmax
(`method.gumbel_tau`, 1 and fixed in the thesis' code); the chosen
first-layer output goes through the shared trunk. D is the ordinary
one-output D; G (gate included, through the straight-through estimator) and
D train on the non-saturating loss. After each G step a load-balancing step
moves the gating network alone (its own Adam state): the squared distance of
the batch's mean soft Gumbel sample from uniform, weight
`method.balance_weight` (1 in the thesis' code), with the G step's noise
and fresh Gumbel noise. Sampling also draws Gumbel noise, as the thesis'
code: the generator of a sample is a draw from softmax(gate logits).
"""

from typing import Any

import flax
import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from gan_mixtures import losses, nets
from gan_mixtures.kernels import gating
from gan_mixtures.methods.base import GANMethod, Metrics
from gan_mixtures.nets.mixture import GumbelGatedGenerator
from gan_mixtures.nets.mlp import MLP
from gan_mixtures.state import GANState, make_optimizer

GATE_PARAMS = ("projector", "gate")  # what the load-balancing step moves


class MEGANAux(flax.struct.PyTreeNode):
  """MEGAN's state extras: the load-balancing step's own Adam (on the
  gate's parameters)."""

  balance_opt: optax.OptState


class MEGAN(GANMethod):
  """K generators chosen per sample by a Gumbel-softmax gate."""

  config_keys = ("num_generators", "gate_features", "gumbel_tau",
                 "balance_weight")

  d_out_dim = 1

  def __init__(self, config, data):
    super().__init__(config, data)
    mc, m = config.method, config.model
    self.k = int(mc.num_generators)
    shape = tuple(data.example_shape)
    if len(shape) == 1:  # 2D: the first hidden layer per generator, an MLP
      # on top
      heads = nets.GeneratorHeads(self.k, (m.g_hidden[0],), "none", "relu")
      trunk = MLP(tuple(m.g_hidden[1:]), shape[0], m.g_activation,
                  m.g_out_scale)
    else:
      heads = nets.GeneratorHeads(
          self.k, nets.dcgan.trunk_input_shape(shape[0], m.g_width),
          nets.first_layer_norm(m), "relu",
          nets.shared.first_init(m.g_init_std, m.g_first_init))
      trunk = nets.make_trunk(m, shape)
    dense_init = (nn.initializers.he_normal() if m.g_first_init == "he"
                  else nn.initializers.lecun_normal())
    self.g_net = GumbelGatedGenerator(heads, trunk, mc.gate_features,
                                      mc.gumbel_tau, dense_init)
    labels = lambda params: flax.traverse_util.path_aware_map(
        lambda path, _: "gate" if path[1] in GATE_PARAMS else "rest", params)
    balance_opt = make_optimizer(config.g_opt, config.train.num_steps)
    self.balance_tx = optax.multi_transform(
        {"gate": balance_opt, "rest": optax.set_to_zero()}, labels)

  # ---- state ----------------------------------------------------------------
  def init_generator(self, rng: jax.Array, z: jax.Array) -> Any:
    return self.g_net.init(rng, z, jax.random.PRNGKey(0))

  def init(self, rng: jax.Array, sample_batch: jax.Array) -> GANState:
    state = super().init(rng, sample_batch)
    return state.replace(
        aux=MEGANAux(balance_opt=self.balance_tx.init(state.g.params)))

  # ---- generation -----------------------------------------------------------
  def generate(self, g_params, rng: jax.Array, n: int):
    """(x [n, ...], gate logits [n, K], one-hot choice [n, K])."""
    rng_z, rng_g = jax.random.split(rng)
    return self.g_net.apply(g_params, self.noise(rng_z, n), rng_g)

  def sample(self, state: GANState, rng: jax.Array, n: int,
             use_ema: bool = True):
    x, _, choice = self.generate(self.generator_params(state, use_ema), rng, n)
    return x, {"component": jnp.argmax(choice, -1)}

  # ---- losses ---------------------------------------------------------------
  def d_loss(self, d_params, g_params, real: jax.Array, rng: jax.Array):
    fake = jax.lax.stop_gradient(self.generate(g_params, rng, real.shape[0])[0])
    real_out, fake_out = (self.d_net.apply(d_params, real),
                          self.d_net.apply(d_params, fake))
    loss = losses.d_loss("ns", real_out, fake_out)
    return loss, {"d_real": real_out.mean(), "d_fake": fake_out.mean()}

  def g_loss(self, g_params, d_params, n: int, rng: jax.Array):
    fake, _, choice = self.generate(g_params, rng, n)
    loss = losses.g_loss("ns", self.d_net.apply(d_params, fake))
    used = jnp.sum(jnp.max(choice, axis=0))  # generators chosen in the batch
    return loss, {"generators_chosen": used}

  def balance_loss(self, g_params, rng: jax.Array, n: int) -> jax.Array:
    """The load-balancing term on the G step's logits, fresh Gumbel noise."""
    rng_z, _ = jax.random.split(rng)
    _, logits, _ = self.g_net.apply(g_params, self.noise(rng_z, n),
                                    jax.random.PRNGKey(0))
    soft = gating.gumbel_softmax(jax.random.fold_in(rng, 1), logits,
                                 self.config.method.gumbel_tau)
    return self.config.method.balance_weight * losses.load_balance(soft)

  # ---- the step -------------------------------------------------------------
  def after_g_step(self, state: GANState, d_state, trained, batch, rng_g,
                   metrics: Metrics):
    """The load-balancing step on G, after the adversarial one (its
    gradient at the step's starting parameters, its own Adam)."""
    g_state, n = trained[0], batch.shape[1]
    balance, grads = jax.value_and_grad(self.balance_loss)(state.g.params,
                                                           rng_g, n)
    updates, balance_opt = self.balance_tx.update(
        grads, state.aux.balance_opt, g_state.params)
    g_state = g_state.replace(
        params=optax.apply_updates(g_state.params, updates))
    return (g_state, d_state, MEGANAux(balance_opt=balance_opt),
            {**metrics, "balance_loss": balance})

  @classmethod
  def validate_config(cls, config) -> None:
    mc = config.method
    if mc.num_generators < 1 or mc.gate_features < 1 or mc.gumbel_tau <= 0:
      raise ValueError("megan: method.num_generators and gate_features must be"
                       " >= 1 and gumbel_tau > 0")
    if mc.balance_weight < 0:
      raise ValueError(
          f"method.balance_weight must be >= 0, got {mc.balance_weight}")
