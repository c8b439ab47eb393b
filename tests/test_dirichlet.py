"""LDAGAN kernel: fixed point, ELBO optimality, alpha gradient."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
from absl.testing import parameterized

from gan_mixtures.kernels import dirichlet


class EStepTest(parameterized.TestCase):

  @chex.variants(with_jit=True, without_jit=True)
  @parameterized.parameters(2, 3, 8, 32)
  def test_fixed_point_equations_hold(self, k):
    rs = np.random.RandomState(k)
    log_d = jnp.asarray(rs.randn(16, k) * 2, jnp.float32)
    alpha = jnp.asarray(rs.uniform(0.5, 4, k), jnp.float32)
    fn = self.variant(jax.vmap(
        lambda l: dirichlet.e_step(l, alpha, max_iters=500, tol=2e-6)))
    omega, gamma, n, _ = fn(log_d)
    chex.assert_shape([omega, gamma], (16, k))
    np.testing.assert_allclose(omega.sum(-1), 1.0, atol=1e-6)
    # Eq. 8 and Eq. 7 at the returned point.
    np.testing.assert_allclose(gamma, alpha + omega, atol=1e-5)
    want = jax.vmap(dirichlet.omega_update)(log_d, gamma)
    np.testing.assert_allclose(omega, want, atol=1e-5)
    assert int(n.max()) < 500


def test_elbo_improves_and_is_maximal_by_dense_search():
  rs = np.random.RandomState(0)
  for k in (2, 3):
    for trial in range(3):
      log_d = jnp.asarray(rs.randn(k) * 2)
      alpha = jnp.asarray(rs.uniform(0.3, 3, k))
      with jax.enable_x64(True):
        log_d, alpha = log_d.astype(jnp.float64), alpha.astype(jnp.float64)
        omega, gamma, _, _ = dirichlet.e_step(log_d, alpha, max_iters=2000,
                                              tol=1e-12)
        best = float(dirichlet.elbo(log_d, alpha, omega, gamma))
        uniform = jnp.full(k, 1.0 / k)
        start = float(dirichlet.elbo(log_d, alpha, uniform, alpha + uniform))
        assert best >= start - 1e-12
        # Dense search over omega on the simplex, gamma at its optimum
        # alpha+omega (Eq. 24) and also perturbed.
        grid = rs.dirichlet(np.ones(k), 20000)
        grid = jnp.asarray(np.concatenate([grid,
                                           np.eye(k) * 0.999 + 0.001 / k]))
        vals = jax.vmap(
            lambda w: dirichlet.elbo(log_d, alpha, w, alpha + w))(grid)
        assert best >= float(vals.max()) - 1e-4
        assert best - float(vals.max()) < 1e-3  # the search gets close to it
        g_pert = (alpha + omega) * jnp.asarray(rs.uniform(0.8, 1.2, (500, k)))
        v2 = jax.vmap(lambda g: dirichlet.elbo(log_d, alpha, omega, g))(g_pert)
        assert best >= float(v2.max()) - 1e-9


def test_alpha_grad_matches_autodiff_and_finite_differences():
  rs = np.random.RandomState(1)
  with jax.enable_x64(True):
    alpha = jnp.asarray(rs.uniform(0.5, 3, 5))
    gamma = jnp.asarray(rs.uniform(0.5, 4, (7, 5)))
    g = dirichlet.alpha_grad(alpha, gamma)
    auto = jax.grad(dirichlet.alpha_objective)(alpha, gamma)
    np.testing.assert_allclose(g, auto, rtol=1e-10)
    eps = 1e-6
    fd = [(dirichlet.alpha_objective(alpha.at[i].add(eps), gamma)
           - dirichlet.alpha_objective(alpha.at[i].add(-eps), gamma))
          / (2 * eps)
          for i in range(5)]
    np.testing.assert_allclose(g, np.asarray(fd), rtol=1e-6)


def test_extreme_inputs_stay_finite():
  log_d = jnp.asarray([-50.0, 0.0, -50.0, -1e-3])
  alpha = jnp.full(4, 1e-3)
  omega, gamma, n, _ = dirichlet.e_step(log_d, alpha, max_iters=100)
  chex.assert_tree_all_finite((omega, gamma))
  assert int(jnp.argmax(omega)) in (1, 3)
  chex.assert_tree_all_finite(dirichlet.alpha_grad(alpha, gamma[None]))
  chex.assert_tree_all_finite(dirichlet.elbo(log_d, alpha, omega, gamma))


def test_e_step_stops_on_its_residual_where_100_sweeps_did_not():
  """A training-like step (alpha ~ 0.25, K = 10, D(G_k(z')) ~ 0.5 for every
  generator: omega leaves the uniform start slowly for a corner): about 200
  sweeps; the default cap is not reached and the last change is below the
  tolerance; 100 sweeps stop short of it."""
  rs = np.random.RandomState(0)
  alpha = jnp.full(10, 0.25, jnp.float32)
  log_d = jnp.log(jnp.asarray(rs.uniform(0.49, 0.51, (64, 10)), jnp.float32))
  run = lambda **kw: jax.vmap(lambda l: dirichlet.e_step(l, alpha, **kw))(log_d)
  omega, gamma, n, residual = run(tol=1e-4)
  assert int(n.max()) > 100 and int(n.max()) < 10_000
  assert float(residual.max()) < 1e-4
  np.testing.assert_allclose(gamma, alpha + omega, atol=1e-6)
  _, _, n100, residual100 = run(tol=1e-4, max_iters=100)
  assert int(n100.max()) == 100 and float(residual100.max()) >= 1e-4


def test_e_step_warm_start_at_the_fixed_point_stops_at_once():
  rs = np.random.RandomState(1)
  alpha = jnp.asarray(rs.uniform(1, 3, 5), jnp.float32)
  log_d = jnp.asarray(rs.randn(5), jnp.float32)
  omega, _, n, _ = dirichlet.e_step(log_d, alpha, tol=1e-6)
  _, _, n_warm, residual = dirichlet.e_step(log_d, alpha, tol=1e-5,
                                            omega0=omega)
  assert int(n) > 3 and int(n_warm) == 1 and float(residual) < 1e-5
