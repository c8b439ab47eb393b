"""GM-GAN (Ben-Yosef & Weinshall): a GAN whose noise is a learnable GMM.

z = mu_k + S_k eps with k uniform over K Gaussians (`method.prior_covariance`
'full': S_k a Dz x Dz matrix, as the PCM paper's GM-GAN baseline, whose
parameter count exceeds the vanilla GAN's by K Dz + K Dz^2; 'diagonal':
per-dimension scales); the means and scales are trained end to end by the
generator's adversarial loss through the reparameterisation
(kernels/gmm.py). They live in their own TrainState `state.aux.prior`
(their own Adam). The PCM GAN (pcmgan.py) builds on this prior.
"""

from typing import Any

import flax
import jax
import jax.numpy as jnp
from flax.training import train_state

from gan_mixtures import losses
from gan_mixtures.kernels import gmm
from gan_mixtures.metrics import posthoc
from gan_mixtures.methods.base import GANMethod, Metrics
from gan_mixtures.state import GANState, make_optimizer


class GMAux(flax.struct.PyTreeNode):
  """GM-GAN's state extras: the prior's TrainState (params: the means and
  scales of kernels/gmm.py, its own Adam)."""

  prior: train_state.TrainState


class GMGAN(GANMethod):
  """One G and one D; the noise is a K-component GMM with learnable
  parameters."""

  evaluators = ("component_rows", "interpolation", "posthoc")
  config_keys = ("num_gaussians", "prior_mean_init", "prior_scale_init",
                 "prior_covariance", "prior_lr")

  def __init__(self, config, data):
    super().__init__(config, data)
    self.k = int(config.method.num_gaussians)

  # ---- the prior ------------------------------------------------------------
  def init_prior(self, rng: jax.Array) -> dict[str, jax.Array]:
    """means U(-a, a)^Dz, scales s I: a, s from the config."""
    mc = self.config.method
    return gmm.init_prior(rng, self.k, self.config.model.z_dim,
                          mc.prior_covariance, mc.prior_mean_init,
                          mc.prior_scale_init)

  def prior_optimizer(self):
    oc = self.config.g_opt.copy_and_resolve_references()
    oc.lr = self.config.method.prior_lr or oc.lr
    return make_optimizer(oc, self.config.train.num_steps)

  def init_aux(self, rng: jax.Array) -> GMAux:
    return GMAux(prior=train_state.TrainState.create(
        apply_fn=None, params=self.init_prior(jax.random.fold_in(rng, 1)),
        tx=self.prior_optimizer(),
    ))

  @staticmethod
  def prior_params(state: GANState) -> dict[str, jax.Array]:
    return state.aux.prior.params

  def draw_all(self, prior, rng: jax.Array, n: int) -> jax.Array:
    """One draw from every component for each of n examples; [n, K, Dz]."""
    return jax.vmap(lambda r: gmm.draw(r, prior))(jax.random.split(rng, n))

  def draw(self, prior, rng: jax.Array, n: int) -> tuple[jax.Array, jax.Array]:
    """n draws with k uniform; (z [n, Dz], k [n])."""
    rng_k, rng_z = jax.random.split(rng)
    k = jax.random.randint(rng_k, (n,), 0, self.k)
    z_all = self.draw_all(prior, rng_z, n)  # [n, K, Dz]
    return z_all[jnp.arange(n), k], k

  # ---- GM-GAN's own step ----------------------------------------------------
  def d_loss_gm(self, d_params, g_params, prior, real, rng):
    z, _ = self.draw(prior, rng, real.shape[0])
    fake = jax.lax.stop_gradient(self.g_net.apply(g_params, z))
    real_out, fake_out = (self.d_net.apply(d_params, real),
                          self.d_net.apply(d_params, fake))
    loss = losses.d_loss(self.config.method.loss, real_out, fake_out)
    return loss, {"d_real": real_out.mean(), "d_fake": fake_out.mean()}

  def d_step_loss(self, d_params, state: GANState, real, rng, rng_g):
    del rng_g
    return self.d_loss_gm(d_params, state.g.params, self.prior_params(state),
                          real, rng)

  def g_states(self, state: GANState, d_state):
    del d_state
    return (state.g, state.aux.prior)  # the prior moves with G

  def g_step_loss(self, params, state: GANState, d_state, batch, rng):
    del state
    g_params, prior = params
    z, _ = self.draw(prior, rng, batch.shape[1])
    out = self.d_net.apply(d_state.params, self.g_net.apply(g_params, z))
    return losses.g_loss(self.config.method.loss, out), {}

  def after_g_step(self, state: GANState, d_state, trained, batch, rng_g,
                   metrics: Metrics):
    del batch, rng_g
    g_state, prior_state = trained
    return (g_state, d_state, state.aux.replace(prior=prior_state),
            with_prior_metrics(metrics, prior_state.params))

  # ---- sampling -------------------------------------------------------------
  def sample(self, state: GANState, rng: jax.Array, n: int,
             use_ema: bool = True):
    z, k = self.draw(self.prior_params(state), rng, n)
    x = self.g_net.apply(self.generator_params(state, use_ema), z)
    return x, {"component": k}

  def interpolate(self, state: GANState, rng: jax.Array, weights: jax.Array,
                  use_ema: bool = True) -> jax.Array:
    """Images between components: z = sum_k w_k (mu_k + sigma_k eps) with
    one eps for all; weights [..., K] -> images [..., H, W, C]."""
    prior = self.prior_params(state)
    eps = jax.random.normal(rng, prior["means"].shape[1:])  # [Dz]
    w = jnp.asarray(weights)
    z = gmm.combine(eps, w.reshape(-1, self.k), prior)  # [N, Dz]
    x = self.g_net.apply(self.generator_params(state, use_ema), z)
    return x.reshape(w.shape[:-1] + x.shape[1:])

  def state_metrics(self, state: GANState) -> dict[str, Any]:
    prior = jax.device_get(self.prior_params(state))
    return {"prior_scale_mean": float(gmm.mean_scale(prior)),
            "prior_mean_norm": float(
                jnp.linalg.norm(prior["means"], axis=-1).mean())}

  # ---- what the evaluators call --------------------------------------------
  def sample_components(self, state: GANState, rng: jax.Array, m: int,
                        use_ema: bool = True) -> jax.Array:
    """m draws of every component; images [K, m, ...]."""
    z = self.draw_all(self.prior_params(state), rng, m).transpose(1, 0, 2)
    x = self.g_net.apply(self.generator_params(state, use_ema),
                         z.reshape(-1, z.shape[-1]))  # [K m, ...]
    return x.reshape((self.k, m) + x.shape[1:])

  def component_draw(self, state: GANState,
                     per_component: int) -> posthoc.DrawFn:
    """rng -> (G(z) [per_component * K, ...], k): per_component draws of
    every component from the (EMA) generator (the post-hoc comparator's
    training draws, evaluators/clustering.py)."""
    prior, g_params = self.prior_params(state), self.generator_params(state)
    labels = jnp.tile(jnp.arange(self.k), per_component)  # [n K]

    def draw(rng):
      z = self.draw_all(prior, rng, per_component)  # [n, K, Dz]
      return self.g_net.apply(g_params, z.reshape(-1, z.shape[-1])), labels
    return draw

  @classmethod
  def validate_config(cls, config) -> None:
    mc = config.method
    if mc.num_gaussians < 1:
      raise ValueError(
          f"method.num_gaussians must be >= 1, got {mc.num_gaussians}")
    if mc.prior_scale_init <= 0 or mc.prior_mean_init < 0 or mc.prior_lr < 0:
      raise ValueError("method.prior_scale_init must be > 0, prior_mean_init"
                       " and prior_lr >= 0")
    if mc.loss not in ("ns", "minimax"):
      raise ValueError(f"{mc.name} losses: ns, minimax; got {mc.loss!r}")
    if mc.prior_covariance not in gmm.PRIOR_COVARIANCES:
      raise ValueError(f"method.prior_covariance must be one of"
                       f" {gmm.PRIOR_COVARIANCES}, got {mc.prior_covariance!r}")


def with_prior_metrics(metrics: Metrics, prior) -> Metrics:
  """`metrics` with the prior's mean scale and mean-vector norm."""
  return {**metrics, "prior_scale": gmm.mean_scale(prior),
          "prior_mean_norm": jnp.linalg.norm(prior["means"], axis=-1).mean()}
