"""Simplex Gaussian mixture model (SGMM) of MD-GAN (Eghbal-zadeh et al. 2019).

C = d + 1 isotropic Gaussians N(mu_i, var * I) with equal weights 1 / C, whose
means are the vertices of a regular simplex centred at the origin with every
vertex on the unit sphere.
"""

import jax
import jax.numpy as jnp
import numpy as np


def simplex_vertices(d: int) -> np.ndarray:
  """Vertices of a regular d-simplex: centroid 0, unit norm, equal distances.

  The d+1 standard basis vectors of R^{d+1}, centred, lie in the hyperplane
  sum(x) = 0; expressing them in an orthonormal basis of that hyperplane and
  normalising gives the simplex in R^d. (The MD-GAN reference code misplaces a
  square root and ends at vertex norm ~0.944; this is exact.)

  Args:
    d: embedding dimension, >= 1.

  Returns:
    [d + 1, d] float64 array of vertices.
  """
  if d < 1:
    raise ValueError(f"simplex dimension must be >= 1, got {d}")
  centred = np.eye(d + 1) - 1.0 / (d + 1)  # [d+1, d+1], rank d
  _, _, vt = np.linalg.svd(centred)
  basis = vt[:d].T  # [d+1, d], orthonormal columns spanning sum(x) = 0
  verts = centred @ basis  # [d+1, d]
  return verts / np.linalg.norm(verts, axis=1, keepdims=True)


def log_likelihood(e: jax.Array, means: jax.Array, var: float) -> jax.Array:
  """log lk(e) = log(1/C sum_i N(e; mu_i, var I)) for one embedding.

  Args:
    e: [d] embedding.
    means: [C, d] component means.
    var: the shared isotropic variance.

  Returns:
    Scalar log-likelihood, computed with logsumexp (stable far from the means).
  """
  num_comp, d = means.shape
  sq = jnp.sum((e[None, :] - means) ** 2, axis=-1)  # [C]
  log_norm = -0.5 * d * jnp.log(2.0 * jnp.pi * var) - jnp.log(num_comp)
  return jax.nn.logsumexp(-0.5 * sq / var) + log_norm


def nearest_component(e: jax.Array, means: jax.Array) -> jax.Array:
  """Index of the component mean closest to embedding e [d] (int scalar)."""
  return jnp.argmin(jnp.sum((e[None, :] - means) ** 2, axis=-1))


def _log_lk_np(x: np.ndarray, means: np.ndarray, var: float) -> np.ndarray:
  """float64 log-likelihood of points x [N, d]; returns [N]."""
  num_comp, d = means.shape
  sq = np.sum((x[:, None, :] - means[None]) ** 2, axis=-1)  # [N, C]
  a = -0.5 * sq / var
  amax = a.max(axis=1, keepdims=True)
  lse = amax[:, 0] + np.log(np.exp(a - amax).sum(axis=1))
  return lse - 0.5 * d * np.log(2 * np.pi * var) - np.log(num_comp)


def max_likelihood(
    means: np.ndarray,
    var: float,
    *,
    num_iters: int = 2000,
    num_perturbed: int = 4,
    seed: int = 0,
) -> float:
  """Global maximum lambda of the SGMM density, found numerically.

  The maximum is not always at a vertex: for d=9, var=0.25 the overlapping
  components put it at the centroid. We start from the centroid of every
  face size (by the simplex's symmetry, one face per size covers them all: a
  vertex, an edge midpoint, ..., the centroid) and from small random
  perturbations of those starts (to leave saddle points), then run the
  mean-shift fixed point x <- sum_i p(i|x) mu_i, which is gradient ascent on
  log lk with step var (monotone for equal isotropic components), in float64.

  Args:
    means: [C, d] component means.
    var: the shared isotropic variance.
    num_iters: mean-shift iterations.
    num_perturbed: perturbed copies of every face-centroid start.
    seed: seed of the perturbations.

  Returns:
    max_x lk(x) as a Python float.
  """
  means = np.asarray(means, np.float64)
  num_comp, d = means.shape
  starts = np.cumsum(means, axis=0) / np.arange(1, num_comp + 1)[:, None]
  rs = np.random.RandomState(seed)
  jitter = 0.05 * np.sqrt(var) * rs.randn(num_perturbed, num_comp, d)
  x = np.concatenate([starts, (starts[None] + jitter).reshape(-1, d)])  # [S, d]
  for _ in range(num_iters):
    a = -0.5 * np.sum((x[:, None, :] - means[None]) ** 2, axis=-1) / var
    resp = np.exp(a - a.max(axis=1, keepdims=True))  # [S, C]
    resp /= resp.sum(axis=1, keepdims=True)
    x_new = resp @ means  # [S, d]
    if np.max(np.abs(x_new - x)) < 1e-13:
      x = x_new
      break
    x = x_new
  candidates = np.concatenate([x, starts])
  return float(np.exp(_log_lk_np(candidates, means, var).max()))
