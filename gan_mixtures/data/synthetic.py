"""Synthetic 2D data sets, sampled on device inside the jitted step.

Every set exposes the true mode means, stds and weights (None for the
spiral, which has no discrete modes) for the metrics.
"""

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True)
class GaussianMixture2D:
  """A mixture of isotropic 2D Gaussians, optionally with LDA-style weights.

  Attributes:
    name: data set name.
    means: [M, 2] mode means.
    stds: [M] per-mode standard deviations.
    weights: [M] true mode probabilities (for an LDA mixture: alpha / sum).
    lda_alpha: if set ([M]), samples follow the LDA process: a document of
      `doc_size` consecutive samples draws pi ~ Dir(alpha), then every sample
      k ~ Cat(pi), x ~ N(mu_k, std_k^2 I).
    doc_size: samples per LDA document.
  """

  name: str
  means: np.ndarray
  stds: np.ndarray
  weights: np.ndarray
  lda_alpha: np.ndarray | None = None
  doc_size: int = 1

  kind = "2d"
  on_device = True
  example_shape = (2,)

  @property
  def num_modes(self) -> int:
    return self.means.shape[0]

  def sample_with_modes(
      self, rng: jax.Array, shape: tuple[int, ...]
  ) -> tuple[jax.Array, jax.Array]:
    """Samples [*shape, 2] and their mode ids [*shape]."""
    n = math.prod(shape)
    rng_k, rng_pi, rng_x = jax.random.split(rng, 3)
    if self.lda_alpha is None:
      logits = jnp.broadcast_to(jnp.log(self.weights), (n, self.num_modes))
    else:
      num_docs = -(-n // self.doc_size)
      pis = jax.random.dirichlet(
          rng_pi, jnp.asarray(self.lda_alpha, jnp.float32), (num_docs,)
      )  # [num_docs, M]
      logits = jnp.log(pis[jnp.arange(n) // self.doc_size] + 1e-30)  # [n, M]
    k = jax.random.categorical(rng_k, logits)  # [n]
    means = jnp.asarray(self.means, jnp.float32)
    stds = jnp.asarray(self.stds, jnp.float32)
    x = means[k] + stds[k, None] * jax.random.normal(rng_x, (n, 2))
    return x.reshape(shape + (2,)), k.reshape(shape)

  def sample(self, rng: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """Samples of shape [*shape, 2]; jittable."""
    return self.sample_with_modes(rng, shape)[0]

  def example_batch(self, n: int) -> jax.Array:
    return self.sample(jax.random.PRNGKey(0), (n,))


@dataclasses.dataclass(frozen=True)
class Spiral2D:
  """A noisy 2D spiral: theta = turns * 2 pi * sqrt(u), r = radius * theta'."""

  name: str
  turns: float
  radius: float
  std: float

  kind = "2d"
  on_device = True
  example_shape = (2,)
  means = None
  stds = None
  weights = None

  def sample(self, rng: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    rng_u, rng_n = jax.random.split(rng)
    u = jax.random.uniform(rng_u, shape)
    frac = jnp.sqrt(u)  # uniform density along the arc length, roughly
    theta = 2.0 * jnp.pi * self.turns * frac
    r = self.radius * frac
    x = jnp.stack([r * jnp.cos(theta), r * jnp.sin(theta)], axis=-1)
    return x + self.std * jax.random.normal(rng_n, shape + (2,))

  def example_batch(self, n: int) -> jax.Array:
    return self.sample(jax.random.PRNGKey(0), (n,))


def _weights(weights, num_modes: int) -> np.ndarray:
  if not weights:
    return np.full(num_modes, 1.0 / num_modes)
  w = np.asarray(weights, np.float64)
  if w.shape != (num_modes,) or np.any(w <= 0):
    raise ValueError(
        f"data.weights must be {num_modes} positive numbers, got {weights}"
    )
  return w / w.sum()


def ring_means(num_modes: int, radius: float) -> np.ndarray:
  """[num_modes, 2] means evenly spaced on a circle."""
  angles = 2 * np.pi * np.arange(num_modes) / num_modes
  return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_means(size: int, spacing: float) -> np.ndarray:
  """[size**2, 2] means on a centred size x size grid."""
  ticks = (np.arange(size) - (size - 1) / 2) * spacing
  xx, yy = np.meshgrid(ticks, ticks, indexing="ij")
  return np.stack([xx.ravel(), yy.ravel()], axis=1)


def make_ring(dc) -> GaussianMixture2D:
  means = ring_means(dc.num_modes, dc.radius)
  return GaussianMixture2D(
      "ring", means, np.full(dc.num_modes, dc.std),
      _weights(dc.weights, dc.num_modes)
  )


def make_grid(dc) -> GaussianMixture2D:
  means = grid_means(dc.grid_size, dc.spacing)
  m = len(means)
  return GaussianMixture2D("grid", means, np.full(m, dc.std),
                           _weights(dc.weights, m))


def make_lda_mixture(dc) -> GaussianMixture2D:
  alpha = np.asarray(dc.lda_alpha, np.float64)
  if alpha.shape != (dc.num_modes,) or np.any(alpha <= 0):
    raise ValueError(
        f"data.lda_alpha must be {dc.num_modes} positive numbers, got"
        f" {dc.lda_alpha}"
    )
  means = ring_means(dc.num_modes, dc.radius)
  return GaussianMixture2D(
      "lda_mixture",
      means,
      np.full(dc.num_modes, dc.std),
      alpha / alpha.sum(),
      lda_alpha=alpha,
      doc_size=dc.doc_size,
  )


def make_spiral(dc) -> Spiral2D:
  return Spiral2D("spiral", dc.spiral_turns, dc.radius, dc.std)
