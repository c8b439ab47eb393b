"""The template of the methods with K generators sharing all but their
first layers (LDAGAN, MADGAN, MGAN)."""

import jax
import jax.numpy as jnp

from gan_mixtures import nets
from gan_mixtures.methods.base import GANMethod, Metrics
from gan_mixtures.state import GANState


class MultiGeneratorGAN(GANMethod):
  """K generators sharing all but their first layers (LDAGAN, MADGAN, MGAN).

  Every noise vector goes through all K generators (the same z for each, as
  the papers' code), so one batch gives `method.fakes_per_generator` fakes
  of every generator with their indices. Subclasses say what D outputs and
  how (real_out, fake_out, fake generator indices) become the two losses
  (`d_objective_k`, `g_objective_k`); the template's train_step runs them.
  Samples for evaluation are balanced over the generators (shuffled), with
  the generator as `component`; the evaluation's picture has a row per
  generator.
  """

  evaluators = ("component_rows",)
  config_keys = ("num_generators", "fakes_per_generator")

  def __init__(self, config, data):
    self.k = int(config.method.num_generators)
    super().__init__(config, data)
    self.g_net = nets.make_shared_trunk_generator(
        config.model, tuple(data.example_shape), self.k)

  # ---- what a subclass says -------------------------------------------------
  def d_objective_k(self, real_out, fake_out,
                    labels) -> tuple[jax.Array, Metrics]:
    raise NotImplementedError

  def g_objective_k(self, fake_out, labels) -> tuple[jax.Array, Metrics]:
    raise NotImplementedError

  # ---- generation -----------------------------------------------------------
  def all_generators(self, g_params, z: jax.Array) -> jax.Array:
    """Every generator on every z [B, Dz]; [K, B, ...]."""
    return self.g_net.apply(g_params, z)

  def generator_fakes(self, g_params, rng: jax.Array,
                      m: int) -> tuple[jax.Array, jax.Array]:
    """m noise vectors through all K generators: x [K * m, ...] in
    generator-major order and each one's generator [K * m]."""
    x = self.all_generators(g_params, self.noise(rng, m))
    return x.reshape((-1,) + x.shape[2:]), jnp.repeat(jnp.arange(self.k), m)

  def balanced_samples(self, g_params, rng: jax.Array,
                       n: int) -> tuple[jax.Array, jax.Array]:
    """n samples, ceil(n / K) of each generator before a random subset."""
    rng_z, rng_perm = jax.random.split(rng)
    x, k = self.generator_fakes(g_params, rng_z, -(-n // self.k))
    keep = jax.random.permutation(rng_perm, x.shape[0])[:n]
    return x[keep], k[keep]

  # ---- losses ---------------------------------------------------------------
  def d_loss(self, d_params, g_params, real: jax.Array, rng: jax.Array):
    fake, labels = self.generator_fakes(
        g_params, rng, self.config.method.fakes_per_generator)
    fake = jax.lax.stop_gradient(fake)
    return self.d_objective_k(self.d_net.apply(d_params, real),
                              self.d_net.apply(d_params, fake), labels)

  def g_loss(self, g_params, d_params, n: int, rng: jax.Array):
    del n  # the fakes per generator set the G batch
    fake, labels = self.generator_fakes(
        g_params, rng, self.config.method.fakes_per_generator)
    return self.g_objective_k(self.d_net.apply(d_params, fake), labels)

  def sample(self, state: GANState, rng: jax.Array, n: int,
             use_ema: bool = True):
    x, k = self.balanced_samples(self.generator_params(state, use_ema), rng, n)
    return x, {"component": k}

  def sample_components(self, state: GANState, rng: jax.Array, m: int,
                        use_ema: bool = True) -> jax.Array:
    """m samples of every generator from the same noise; [K, m, ...]."""
    return self.all_generators(self.generator_params(state, use_ema),
                               self.noise(rng, m))

  def component_titles(self, state: GANState) -> list[str]:
    del state
    return [f"generator {k}" for k in range(self.k)]

  @classmethod
  def validate_config(cls, config) -> None:
    mc = config.method
    if mc.num_generators < 1 or mc.fakes_per_generator < 1:
      raise ValueError("method.num_generators and fakes_per_generator must be"
                       f" >= 1, got {mc.num_generators},"
                       f" {mc.fakes_per_generator}")
