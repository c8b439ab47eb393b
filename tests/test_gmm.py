"""GMM kernel vs scipy; reparameterised draws; consistency measures."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from absl.testing import parameterized
from scipy import stats

from gan_mixtures.kernels import gmm


class ResponsibilitiesTest(parameterized.TestCase):

  @chex.variants(with_jit=True, without_jit=True)
  @parameterized.parameters((2, 1), (5, 3), (10, 16))
  def test_match_scipy_posterior(self, k, dz):
    rs = np.random.RandomState(k * dz)
    means, log_scales = rs.randn(k, dz) * 2, rs.uniform(-1, 0.5, (k, dz))
    log_w = np.log(rs.dirichlet(np.ones(k)))
    z = rs.randn(20, dz) * 2
    with jax.enable_x64(True):
      fn = self.variant(jax.vmap(gmm.responsibilities,
                                 in_axes=(0, None, None, None)))
      got = np.asarray(fn(jnp.asarray(z), jnp.asarray(means),
                          jnp.asarray(log_scales), jnp.asarray(log_w)))
    dens = np.stack([
        np.exp(log_w[i]) * stats.multivariate_normal(
            means[i], np.diag(np.exp(2 * log_scales[i]))).pdf(z)
        for i in range(k)], axis=1).reshape(20, k)
    want = dens / dens.sum(1, keepdims=True)
    chex.assert_shape(got, (20, k))
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_reparameterised_draws_have_the_right_moments():
  means = jnp.asarray([[0.0, 5.0], [-3.0, 1.0]])
  log_scales = jnp.log(jnp.asarray([[1.0, 0.5], [2.0, 0.1]]))
  draws = jax.vmap(lambda r: gmm.sample_components(r, means, log_scales))(
      jax.random.split(jax.random.PRNGKey(0), 20000))  # [N, K, Dz]
  np.testing.assert_allclose(draws.mean(0), means, atol=0.05)
  np.testing.assert_allclose(draws.std(0), jnp.exp(log_scales), rtol=0.03)
  # gradients flow to the means and scales
  g = jax.grad(
      lambda m, s: gmm.sample_components(jax.random.PRNGKey(1), m, s).sum(),
      (0, 1))(means, log_scales)
  chex.assert_tree_all_finite(g)
  np.testing.assert_allclose(g[0], 1.0)


def test_full_covariance_draws():
  means = jnp.zeros((1, 2))
  tril = jnp.asarray([[[1.0, 0.0], [0.8, 0.6]]])  # Sigma = [[1, .8], [.8, 1]]
  d = jax.vmap(lambda r: gmm.sample_components_full(r, means, tril))(
      jax.random.split(jax.random.PRNGKey(2), 20000))[:, 0]
  np.testing.assert_allclose(np.cov(np.asarray(d).T), [[1, 0.8], [0.8, 1]],
                             atol=0.03)


def test_mutual_information_closed_forms():
  k = 6
  onehot = jnp.eye(k)[jnp.tile(jnp.arange(k), 10)]
  np.testing.assert_allclose(gmm.mutual_information(onehot, onehot), np.log(k),
                             rtol=1e-5)
  uniform = jnp.full((50, k), 1.0 / k)
  assert abs(float(gmm.mutual_information(uniform, uniform))) < 1e-6
  rs = np.random.RandomState(0)
  p = jax.nn.softmax(jnp.asarray(rs.randn(40, k)))
  q = jax.nn.softmax(jnp.asarray(rs.randn(40, k)))
  np.testing.assert_allclose(gmm.mutual_information(p, q),
                             gmm.mutual_information(q, p), rtol=1e-6)
  assert gmm.consistency(onehot, onehot, "mi") == pytest.approx(
      -np.log(k), rel=1e-5)


@pytest.mark.parametrize("kind", gmm.CONSISTENCY)
def test_consistency_gradients_finite_and_zero_divergence_for_equal(kind):
  rs = np.random.RandomState(1)
  p = jax.nn.softmax(jnp.asarray(rs.randn(16, 4)))
  # one-hot: logs of zeros must stay finite
  q = jnp.eye(4)[rs.randint(0, 4, 16)]
  g = jax.grad(lambda a, b: gmm.consistency(a, b, kind), (0, 1))(p, q)
  chex.assert_tree_all_finite(g)
  if kind != "mi":
    assert float(gmm.consistency(p, p, kind)) == pytest.approx(0.0, abs=1e-6)
    assert float(gmm.consistency(p, q, kind)) > 0


def test_unknown_consistency():
  with pytest.raises(ValueError, match="unknown consistency"):
    gmm.consistency(jnp.ones((1, 2)) / 2, jnp.ones((1, 2)) / 2, "wasserstein")


def test_symmetrised_mi_has_the_constant_prediction_optimum():
  k = 10
  onehot = jnp.eye(k)[jnp.tile(jnp.arange(k), 5)]  # balanced one-hot p
  constant = jnp.tile(jnp.eye(k)[3], (5 * k, 1))  # q: always class 3
  want = ((k - 1) / k * np.log(2 * k / (k + 1))
          + np.log(4 * k / (k + 1) ** 2) / k)
  np.testing.assert_allclose(gmm.mutual_information(onehot, constant), want,
                             rtol=1e-5)
  np.testing.assert_allclose(want, 0.4274, atol=1e-4)
  assert abs(
      float(gmm.mutual_information(onehot, constant, symmetric=False))) < 1e-6
  np.testing.assert_allclose(
      gmm.mutual_information(onehot, onehot, symmetric=False), np.log(k),
      rtol=1e-5)
  assert gmm.consistency(
      onehot, constant, "mi", symmetric=False) == pytest.approx(0, abs=1e-6)
