"""MD-GAN: Mixture Density GAN (Eghbal-zadeh, Zellinger, Widmer; CVPR 2019).

D maps x to an embedding e in (-b, b)^d (b = 2.5: `2b * sigmoid(h) - b`, as in
the reference code). The SGMM likelihood lk(e) (kernels/sgmm.py) is D's
"realness": D maximises E_x log lk(D(x)) + E_z log(lambda - lk(D(G(z)))), with
lambda the global maximum of lk; G minimises E_z log(lambda - lk(D(G(z))))
(`method.g_loss='mdgan'`) or the non-saturating -E_z log lk(D(G(z)))
(`'ns'`). eps = 1e-8 inside every log, as in the reference code.
"""

import jax
import jax.numpy as jnp
import numpy as np

from gan_mixtures.kernels import sgmm
from gan_mixtures.methods.base import GANMethod, Metrics
from gan_mixtures.state import GANState

G_LOSSES = ("mdgan", "ns")


class MDGAN(GANMethod):
  """Mixture Density GAN with a simplex Gaussian mixture on D's embedding."""

  config_keys = ("n_gmm", "var", "eps", "embed_bound", "g_loss")

  def __init__(self, config, data):
    mc = config.method
    self.embed_dim = int(mc.n_gmm) - 1  # d = C - 1 for a simplex of C vertices
    self.var = float(mc.var)
    self.eps = float(mc.eps)
    self.bound = float(mc.embed_bound)
    means = sgmm.simplex_vertices(self.embed_dim)  # [C, d] float64
    self.lam = sgmm.max_likelihood(means, self.var)
    self.means = jnp.asarray(means, jnp.float32)
    super().__init__(config, data)

  @property
  def d_out_dim(self) -> int:
    return self.embed_dim

  def embed(self, d_out: jax.Array) -> jax.Array:
    """Squashes raw D outputs [B, d] into the box (-bound, bound)^d."""
    return 2.0 * self.bound * jax.nn.sigmoid(d_out) - self.bound

  def likelihood(self, d_out: jax.Array) -> jax.Array:
    """lk(e) for every embedding of raw D outputs [B, d]; returns [B]."""
    log_lk = jax.vmap(sgmm.log_likelihood, in_axes=(0, None, None))(
        self.embed(d_out), self.means, self.var
    )
    return jnp.exp(log_lk)

  def fake_gap(self, lk_fake: jax.Array) -> jax.Array:
    # lambda is the numerical max; clip tiny negative round-off before the log.
    return jnp.maximum(self.lam - lk_fake, 0.0)

  def d_objective(self, real_out, fake_out) -> tuple[jax.Array, Metrics]:
    lk_real, lk_fake = self.likelihood(real_out), self.likelihood(fake_out)
    objective = jnp.mean(jnp.log(lk_real + self.eps)) + jnp.mean(
        jnp.log(self.fake_gap(lk_fake) + self.eps)
    )
    return -objective, {
        "lk_real": lk_real.mean() / self.lam,
        "lk_fake": lk_fake.mean() / self.lam,
    }

  def g_objective(self, fake_out) -> tuple[jax.Array, Metrics]:
    lk_fake = self.likelihood(fake_out)
    if self.config.method.g_loss == "ns":
      return -jnp.mean(jnp.log(lk_fake + self.eps)), {}
    return jnp.mean(jnp.log(self.fake_gap(lk_fake) + self.eps)), {}

  def sample_aux(self, state: GANState, x: jax.Array) -> dict[str, jax.Array]:
    """The nearest simplex component of D(G(z)) for every sample."""
    e = self.embed(self.d_net.apply(state.d.params, x))  # [n, d]
    comp = jax.vmap(sgmm.nearest_component, in_axes=(0, None))(e, self.means)
    return {"component": comp}

  @classmethod
  def validate_config(cls, config) -> None:
    mc = config.method
    if mc.n_gmm < 2:
      raise ValueError(f"method.n_gmm (= d + 1) must be >= 2, got {mc.n_gmm}")
    if mc.var <= 0:
      raise ValueError(f"method.var must be > 0, got {mc.var}")
    if mc.g_loss not in G_LOSSES:
      raise ValueError(
          f"method.g_loss must be one of {G_LOSSES}, got {mc.g_loss!r}")
    if not np.isfinite(mc.embed_bound) or mc.embed_bound <= 1:
      raise ValueError(
          "method.embed_bound must exceed 1 (the simplex vertices have norm 1),"
          f" got {mc.embed_bound}"
      )
