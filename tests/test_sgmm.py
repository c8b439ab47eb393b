"""SGMM kernel vs scipy and brute force."""

import itertools

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from absl.testing import parameterized
from scipy import stats

from gan_mixtures.kernels import sgmm


def scipy_mixture_pdf(
    x: np.ndarray, means: np.ndarray, var: float) -> np.ndarray:
  d = means.shape[1]
  return np.mean(
      [stats.multivariate_normal(m, var * np.eye(d)).pdf(x) for m in means],
      axis=0
  )


def scipy_mixture_logpdf(x, means, var):
  d = means.shape[1]
  logs = np.stack(
      [stats.multivariate_normal(m, var * np.eye(d)).logpdf(x) for m in means]
  )
  from scipy.special import logsumexp

  return logsumexp(logs, axis=0) - np.log(len(means))


@pytest.mark.parametrize("d", [1, 2, 3, 9, 16])
def test_simplex_vertices_regular(d):
  v = sgmm.simplex_vertices(d)
  assert v.shape == (d + 1, d)
  np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-12)
  np.testing.assert_allclose(v.mean(axis=0), 0.0, atol=1e-12)
  dists = [np.linalg.norm(a - b) for a, b in itertools.combinations(v, 2)]
  # A regular simplex inscribed in the unit sphere: edge sqrt(2 (d+1) / d).
  np.testing.assert_allclose(dists, np.sqrt(2 * (d + 1) / d), rtol=1e-12)


def test_simplex_rejects_bad_dim():
  with pytest.raises(ValueError):
    sgmm.simplex_vertices(0)


class LogLikelihoodTest(parameterized.TestCase):

  @chex.variants(with_jit=True, without_jit=True)
  @parameterized.parameters((2, 0.25), (9, 0.25), (9, 0.05), (16, 0.5))
  def test_matches_scipy_near_and_far(self, d, var):
    means = sgmm.simplex_vertices(d)
    rs = np.random.RandomState(d)
    near = rs.randn(50, d) * 0.7
    far = rs.randn(50, d)
    far *= (rs.uniform(5, 50, size=(50, 1))
            / np.linalg.norm(far, axis=1, keepdims=True))
    x = np.concatenate([near, far, means])  # [N, d], |x| up to 50
    fn = self.variant(
        jax.vmap(sgmm.log_likelihood, in_axes=(0, None, None)), static_argnums=2
    )
    with jax.enable_x64(True):
      got = np.asarray(fn(jnp.asarray(x), jnp.asarray(means), var))
    chex.assert_shape(got, (len(x),))
    want = scipy_mixture_logpdf(x, means, var)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    # In linear space where the density is representable.
    dens = scipy_mixture_pdf(near, means, var)
    np.testing.assert_allclose(np.exp(got[:50]), dens, rtol=1e-6, atol=1e-12)

  @chex.variants(with_jit=True, without_jit=True)
  def test_float32_finite_far_away(self):
    means = jnp.asarray(sgmm.simplex_vertices(9), jnp.float32)
    e = jnp.full((9,), 50.0)
    val = self.variant(sgmm.log_likelihood, static_argnums=2)(e, means, 0.25)
    chex.assert_tree_all_finite(val)
    grad = jax.grad(sgmm.log_likelihood)(e, means, 0.25)
    chex.assert_tree_all_finite(grad)


@pytest.mark.parametrize(
    "d,var", list(itertools.product([1, 2, 9, 16], [0.05, 0.16, 0.25, 0.5])))
def test_max_likelihood_is_global(d, var):
  means = sgmm.simplex_vertices(d)
  lam = sgmm.max_likelihood(means, var)
  rs = np.random.RandomState(0)
  # Random points around the simplex, plus the vertices and the centroid.
  pts = np.concatenate([
      rs.randn(5000, d) * 0.6,
      (means[rs.randint(0, d + 1, 5000)]
       + rs.randn(5000, d) * np.sqrt(var) * 0.3),
      means,
      np.zeros((1, d)),
  ])
  dens = np.exp(scipy_mixture_logpdf(pts, means, var))
  assert lam >= dens.max() * (1 - 1e-9)


def test_max_likelihood_known_values():
  # METHODS.md: d=9, var=0.25 -> the centroid (0.017737), not a vertex
  # (0.014491); d=2, var=0.25 -> 0.213283 just inside a vertex.
  m9 = sgmm.simplex_vertices(9)
  lam9 = sgmm.max_likelihood(m9, 0.25)
  np.testing.assert_allclose(lam9, 0.017737, atol=5e-7)
  np.testing.assert_allclose(lam9, scipy_mixture_pdf(np.zeros(9), m9, 0.25),
                             rtol=1e-9)
  assert scipy_mixture_pdf(m9[0], m9, 0.25) == pytest.approx(0.014491, abs=5e-7)
  m2 = sgmm.simplex_vertices(2)
  lam2 = sgmm.max_likelihood(m2, 0.25)
  np.testing.assert_allclose(lam2, 0.213283, atol=5e-7)
  assert lam2 > scipy_mixture_pdf(m2[0], m2, 0.25)


def test_nearest_component():
  means = jnp.asarray(sgmm.simplex_vertices(4), jnp.float32)
  idx = jax.vmap(sgmm.nearest_component, in_axes=(0, None))(means * 1.3, means)
  np.testing.assert_array_equal(np.asarray(idx), np.arange(5))
