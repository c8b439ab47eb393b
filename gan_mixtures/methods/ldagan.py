"""LDAGAN: Latent Dirichlet Allocation GAN (Pan et al.).

pi ~ Dir(alpha), k ~ Cat(pi), x = G_k(z'). K generators share every layer
but the first (one batched first layer); one D. Per step: n_disc D updates on
real data vs fakes (a fixed number per generator, or ancestral samples);
then the variational E-step for every noise sample z' (kernels/dirichlet.py,
under stop_gradient), the G update on -E_z' sum_k omega_k log D(G_k(z')),
and one ascent step on alpha (Eq. 31) with its own Adam, alpha kept >=
`method.alpha_min`.

The E-step needs D(G_k(z')) as a probability in [0, 1] (the paper's D,
"a function bounded in [0, 1]"). With the log-likelihood losses ('ns', the
paper's Algorithm 1; 'minimax') D = sigmoid(logit) is one. A hinge / W
critic is not: its values have an arbitrary scale, so the paper gives no
likelihood for it. `method.estep_likelihood='sigmoid_critic'` uses
sigmoid(critic) as D there, as the reference code (Sumching/LDAGAN) does;
it must be asked for explicitly (validate_config). The G loss weighs the
paper's log D (Eq. 9) by omega; with 'minimax' it is log(1 - D) instead, and
with hinge / W the raw critic, as the reference code.

The E-step is held (omega uniform, gamma = alpha + 1/K) for the first
`method.estep_start_step` steps, or `method.estep_delay_epochs` epochs of
the real data (Appendix E), whichever is later. It iterates until the
largest change of gamma is below `method.estep_tol` (a cap of
`estep_max_iters` sweeps for pathological cases); every step logs the
sweeps used (mean, max) and the largest final change (`estep_residual`).
It starts from omega uniform, or (`method.estep_warm_start`) from the
previous step's omega of the same batch position, as the reference code.

G's loss (`method.g_weighting`): 'omega', Eq. 9's omega-weighted mean over
the M noise samples; 'per_generator', the reference code's (solver.py:
w_G = w / w.sum(axis=0)): omega renormalised over the batch for each
generator, each generator's weighted mean given 1/K of the loss.
"""

from typing import Any

import flax
import jax
import jax.numpy as jnp
import optax

from gan_mixtures import losses
from gan_mixtures.kernels import dirichlet
from gan_mixtures.methods.multi_generator import MultiGeneratorGAN
from gan_mixtures.state import GANState

D_FAKES = ("per_generator", "ancestral")
# D(G_k(z)) of the E-step: 'probability' = sigmoid of a log-likelihood D's
# logit (the paper); 'sigmoid_critic' = sigmoid of a hinge / W critic (the
# reference code; must be asked for)
ESTEP_LIKELIHOODS = ("probability", "sigmoid_critic")
G_WEIGHTINGS = ("omega", "per_generator")


def g_loss_weights(omega: jax.Array, weighting: str) -> jax.Array:
  """The weights [M, K] of the per-(z', k) terms in G's loss (which is minus
  their weighted sum): 'omega' omega / M (Eq. 9); 'per_generator' omega
  renormalised over the M samples of each generator, / K."""
  m, k = omega.shape
  if weighting == "omega":
    return omega / m
  return omega / (k * jnp.maximum(omega.sum(0, keepdims=True), 1e-30))


class LDAAux(flax.struct.PyTreeNode):
  """LDAGAN's state extras."""

  alpha: jax.Array  # [K] the Dirichlet parameters (the M-step's)
  alpha_opt: optax.OptState  # alpha's Adam
  omega: jax.Array | None = None  # [M, K] the last E-step's (warm start)


class LDAGAN(MultiGeneratorGAN):
  """K generators with a Dirichlet prior over them, fitted by variational EM."""

  config_keys = MultiGeneratorGAN.config_keys + (
      "alpha_init", "alpha_min", "alpha_lr", "alpha_b1", "alpha_b2",
      "estep_max_iters", "estep_tol", "estep_warm_start", "g_weighting",
      "estep_start_step", "estep_delay_epochs", "estep_likelihood", "d_fakes",
      "d_fakes_per_generator", "sample_mode")

  def __init__(self, config, data):
    super().__init__(config, data)
    mc, t = config.method, config.train
    self.alpha_tx = optax.adam(mc.alpha_lr, b1=mc.alpha_b1, b2=mc.alpha_b2)
    size = getattr(data, "size", 0)  # images: every step reads n_disc batches
    steps_per_epoch = size // (t.batch_size * t.n_disc) if size else 0
    self.estep_start = max(int(mc.estep_start_step),
                           int(round(mc.estep_delay_epochs * steps_per_epoch)))

  # ---- state ----------------------------------------------------------------
  def init_aux(self, rng: jax.Array) -> LDAAux:
    mc = self.config.method
    alpha = jnp.full((self.k,), float(mc.alpha_init))
    omega = (jnp.full((mc.fakes_per_generator, self.k), 1.0 / self.k)
             if mc.estep_warm_start else None)
    return LDAAux(alpha=alpha, alpha_opt=self.alpha_tx.init(alpha),
                  omega=omega)

  # ---- generation -----------------------------------------------------------
  def ancestral(self, g_params, alpha, rng,
                n: int) -> tuple[jax.Array, jax.Array]:
    """pi ~ Dir(alpha), k ~ Cat(pi), x = G_k(z) for n samples; (x, k)."""
    rng_pi, rng_k, rng_z = jax.random.split(rng, 3)
    pi = jax.random.dirichlet(rng_pi, alpha, (n,))  # [n, K]
    k = jax.random.categorical(rng_k, jnp.log(pi + 1e-30))  # [n]
    x_all = self.all_generators(g_params, self.noise(rng_z, n))  # [K, n, ...]
    return x_all[k, jnp.arange(n)], k

  def d_fakes(self, g_params, alpha, rng, n_real: int) -> jax.Array:
    mc = self.config.method
    if mc.d_fakes == "ancestral":
      return self.ancestral(g_params, alpha, rng, n_real)[0]
    per = mc.d_fakes_per_generator or mc.fakes_per_generator
    return self.generator_fakes(g_params, rng, per)[0]  # [K * per, ...]

  # ---- losses ---------------------------------------------------------------
  def d_loss_lda(self, d_params, g_params, alpha, real, rng):
    fake = jax.lax.stop_gradient(
        self.d_fakes(g_params, alpha, rng, real.shape[0]))
    real_out = self.d_net.apply(d_params, real)
    fake_out = self.d_net.apply(d_params, fake)
    loss = losses.d_loss(self.config.method.loss, real_out, fake_out)
    return loss, {"d_real": real_out.mean(), "d_fake": fake_out.mean()}

  def log_likelihood_terms(self, critic: jax.Array) -> jax.Array:
    """The per-(k, z') term that omega weights in the G loss (G maximises
    their omega-weighted mean); [K, M]."""
    loss = self.config.method.loss
    if loss == "ns":
      return jax.nn.log_sigmoid(critic)  # log D (Eq. 9)
    if loss == "minimax":
      return -jax.nn.log_sigmoid(-critic)  # -log(1 - D)
    return critic  # hinge / W: the critic value, as the reference code

  def e_step(self, critic: jax.Array, alpha: jax.Array, step: jax.Array,
             omega0: jax.Array | None = None):
    """omega, gamma [M, K], sweeps [M] and final residuals [M], from omega0
    [M, K] (default uniform); omega uniform before the delay."""
    mc = self.config.method
    log_d = jax.lax.stop_gradient(jax.nn.log_sigmoid(critic)).T  # [M, K]
    uniform = jnp.full_like(log_d, 1.0 / self.k)
    omega0 = uniform if omega0 is None else omega0
    omega, gamma, iters, residual = jax.vmap(
        lambda l, w: dirichlet.e_step(l, alpha, max_iters=mc.estep_max_iters,
                                      tol=mc.estep_tol, omega0=w)
    )(log_d, omega0)
    started = step >= self.estep_start
    omega = jnp.where(started, omega, uniform)
    gamma = jnp.where(started, gamma, alpha + uniform)
    return omega, gamma, iters, jnp.where(started, residual, 0.0)

  def g_loss_and_estep(self, g_params, d_params, alpha, step, rng,
                       omega0=None):
    mc = self.config.method
    m = mc.fakes_per_generator
    x = self.all_generators(g_params, self.noise(rng, m))  # [K, M, ...]
    critic = self.d_net.apply(d_params, x.reshape((-1,) + x.shape[2:]))
    critic = critic.reshape(self.k, m)  # [K, M]
    omega, gamma, iters, residual = self.e_step(critic, alpha, step, omega0)
    terms = self.log_likelihood_terms(critic)  # [K, M]
    weights = g_loss_weights(jax.lax.stop_gradient(omega), mc.g_weighting)
    loss = -jnp.sum(weights.T * terms)
    entropy = -jnp.sum(omega * jnp.log(omega + 1e-12), -1).mean()
    d_fake = jax.nn.sigmoid(critic)  # the E-step's D(G_k(z'))
    return loss, {
        "gamma": gamma, "omega": omega,
        "estep_iters": iters.mean().astype(jnp.float32),
        "estep_iters_max": iters.max().astype(jnp.float32),
        "estep_residual": residual.max(),
        "omega_entropy": entropy,
        "estep_d_mean": d_fake.mean(), "estep_d_std": d_fake.std(),
    }

  # ---- the step -------------------------------------------------------------
  def d_step_loss(self, d_params, state: GANState, real, rng, rng_g):
    del rng_g
    return self.d_loss_lda(d_params, state.g.params, state.aux.alpha, real,
                           rng)

  def g_step_loss(self, params, state: GANState, d_state, batch, rng):
    del batch
    return self.g_loss_and_estep(params[0], d_state.params, state.aux.alpha,
                                 state.step, rng, state.aux.omega)

  def after_g_step(self, state: GANState, d_state, trained, batch, rng_g,
                   metrics):
    """The M-step on alpha from the E-step's gamma (Eq. 30-31)."""
    del batch, rng_g
    metrics = dict(metrics)
    gamma, omega = metrics.pop("gamma"), metrics.pop("omega")
    alpha, alpha_opt = self.alpha_ascent(state.aux.alpha,
                                         state.aux.alpha_opt, gamma)
    aux = LDAAux(alpha=alpha, alpha_opt=alpha_opt,
                 omega=None if state.aux.omega is None else omega)
    return trained[0], d_state, aux, {
        **metrics, "alpha_min": alpha.min(), "alpha_max": alpha.max(),
        "alpha_sum": alpha.sum()}

  def alpha_ascent(self, alpha, opt_state, gamma):
    """One Adam ascent step on Eq. 30 (gradient Eq. 31), alpha >= alpha_min."""
    grad = -dirichlet.alpha_grad(alpha, gamma)  # optax minimises
    updates, opt_state = self.alpha_tx.update(grad, opt_state, alpha)
    alpha = jnp.maximum(optax.apply_updates(alpha, updates),
                        self.config.method.alpha_min)
    return alpha, opt_state

  def sample(self, state: GANState, rng: jax.Array, n: int,
             use_ema: bool = True):
    """Ancestral samples (pi ~ Dir(alpha), k ~ pi), or n per generator."""
    params = self.generator_params(state, use_ema)
    if self.config.method.sample_mode == "per_generator":
      x, k = self.balanced_samples(params, rng, n)
    else:
      x, k = self.ancestral(params, state.aux.alpha, rng, n)
    return x, {"component": k}

  def state_metrics(self, state: GANState) -> dict[str, Any]:
    alpha = jax.device_get(state.aux.alpha)
    return {
        "alpha": [float(a) for a in alpha],
        "alpha_normalised": [float(a) for a in alpha / alpha.sum()],
    }

  @classmethod
  def validate_config(cls, config) -> None:
    super().validate_config(config)
    mc = config.method
    if mc.d_fakes not in D_FAKES:
      raise ValueError(
          f"method.d_fakes must be one of {D_FAKES}, got {mc.d_fakes!r}")
    if mc.sample_mode not in ("ancestral", "per_generator"):
      raise ValueError(f"unknown method.sample_mode {mc.sample_mode!r}")
    if mc.alpha_init <= 0 or mc.alpha_min <= 0 or mc.alpha_lr <= 0:
      raise ValueError("method.alpha_init, alpha_min and alpha_lr must be > 0")
    if mc.loss not in losses.LOSSES or mc.loss == "wgan_gp":
      raise ValueError(
          f"ldagan losses: ns, minimax, hinge, wgan; got {mc.loss!r}")
    if mc.estep_likelihood not in ESTEP_LIKELIHOODS:
      raise ValueError(f"method.estep_likelihood must be one of"
                       f" {ESTEP_LIKELIHOODS}, got {mc.estep_likelihood!r}")
    if mc.loss in ("hinge", "wgan") and mc.estep_likelihood != "sigmoid_critic":
      raise ValueError(
          f"ldagan with loss {mc.loss!r}: the E-step needs D(G_k(z)) in [0, 1]"
          " and a critic is not a probability; set"
          " method.estep_likelihood='sigmoid_critic' to use sigmoid(critic)"
          " (the reference code's choice, not the paper's), or loss 'ns'")
    if mc.estep_delay_epochs < 0 or mc.estep_start_step < 0:
      raise ValueError(
          "method.estep_delay_epochs and estep_start_step must be >= 0")
    if mc.estep_max_iters < 1 or mc.estep_tol <= 0:
      raise ValueError("method.estep_max_iters must be >= 1 and estep_tol > 0")
    if mc.g_weighting not in G_WEIGHTINGS:
      raise ValueError(f"method.g_weighting must be one of {G_WEIGHTINGS},"
                       f" got {mc.g_weighting!r}")
