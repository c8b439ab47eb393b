"""LDAGAN's variational E-step, Dirichlet gradient and lower bound (Pan et
al., LDAGAN; Eq. 7, 8, 15-20, 30, 31). Per noise sample; callers vmap."""

import jax
import jax.numpy as jnp
from jax.scipy.special import digamma, gammaln


def expected_log_pi(gamma: jax.Array) -> jax.Array:
  """E_q[log pi_k] = digamma(gamma_k) - digamma(sum_j gamma_j); [..., K]."""
  return digamma(gamma) - digamma(jnp.sum(gamma, axis=-1, keepdims=True))


def omega_update(log_d: jax.Array, gamma: jax.Array) -> jax.Array:
  """Eq. 7: omega_k proportional to D(G_k(z')) exp(E_q[log pi_k]); [K]."""
  return jax.nn.softmax(log_d + expected_log_pi(gamma))


def e_step(
    log_d: jax.Array, alpha: jax.Array, *, max_iters: int = 10_000,
    tol: float = 1e-4, omega0: jax.Array | None = None,
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
  """Iterates Eq. 7 and Eq. 8 to a fixed point for one noise sample.

  Starts from omega0 (default uniform; the reference code starts from the
  previous batch's omega), gamma = alpha + omega0; stops when the largest
  change of gamma in a sweep is below `tol`, or after `max_iters` sweeps (a
  cap for pathological cases: near alpha ~ 0.25, K = 10 a few hundred
  sweeps are needed).

  Args:
    log_d: [K] log D(G_k(z')) (or critic values used as log-likelihoods).
    alpha: [K] Dirichlet parameters, > 0.
    max_iters: at most this many (omega, gamma) sweeps.
    tol: convergence threshold on max |gamma_new - gamma|.
    omega0: [K] the starting omega (summing to 1).

  Returns:
    (omega [K] summing to 1, gamma [K] = alpha + omega, sweeps used, the
    last sweep's max |gamma_new - gamma|).
  """
  k = log_d.shape[-1]
  if omega0 is None:
    omega0 = jnp.full((k,), 1.0 / k, log_d.dtype)

  def cond(carry):
    i, _, _, delta = carry
    return (i < max_iters) & (delta >= tol)

  def body(carry):
    i, gamma, _, _ = carry
    omega = omega_update(log_d, gamma)
    new_gamma = alpha + omega
    return i + 1, new_gamma, omega, jnp.max(jnp.abs(new_gamma - gamma))

  init = (jnp.zeros((), jnp.int32), alpha + omega0, omega0,
          jnp.asarray(jnp.inf, log_d.dtype))
  n, gamma, omega, delta = jax.lax.while_loop(cond, body, init)
  return omega, gamma, n, delta


def alpha_objective(alpha: jax.Array, gamma: jax.Array) -> jax.Array:
  """Eq. 30, L_alpha, with the expectation over z' as the mean over gamma
  [B, K]."""
  k_term = gammaln(jnp.sum(alpha)) - jnp.sum(gammaln(alpha))
  return k_term + jnp.mean(jnp.sum((alpha - 1.0) * expected_log_pi(gamma), -1))


def alpha_grad(alpha: jax.Array, gamma: jax.Array) -> jax.Array:
  """Eq. 31: dL_alpha / dalpha_k for gamma [B, K]; [K]."""
  return (
      digamma(jnp.sum(alpha))
      - digamma(alpha)
      + jnp.mean(expected_log_pi(gamma), axis=0)
  )


def elbo(
    log_d: jax.Array, alpha: jax.Array, omega: jax.Array, gamma: jax.Array
) -> jax.Array:
  """The lower bound L of Eq. 15 (terms Eq. 16 + 17 + 18 - 19 - 20), one z'."""
  elog = expected_log_pi(gamma)
  p_pi = (gammaln(jnp.sum(alpha)) - jnp.sum(gammaln(alpha))
          + jnp.sum((alpha - 1) * elog))
  p_z = jnp.sum(omega * elog)
  p_y = jnp.sum(omega * log_d)
  q_pi = (gammaln(jnp.sum(gamma)) - jnp.sum(gammaln(gamma))
          + jnp.sum((gamma - 1) * elog))
  q_z = jnp.sum(jnp.where(
      omega > 0, omega * jnp.log(jnp.where(omega > 0, omega, 1.0)), 0.0))
  return p_pi + p_z + p_y - q_pi - q_z
