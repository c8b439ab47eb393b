"""Adversarial losses vs their textbook formulas and a closed-form penalty."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_mixtures import losses

RS = np.random.RandomState(0)
REAL = RS.randn(32).astype(np.float32)
FAKE = RS.randn(32).astype(np.float32)


def sig(x):
  return 1 / (1 + np.exp(-x.astype(np.float64)))


def test_ns_and_minimax_d_loss():
  want = -np.mean(np.log(sig(REAL))) - np.mean(np.log(1 - sig(FAKE)))
  for kind in ("ns", "minimax"):
    np.testing.assert_allclose(losses.d_loss(kind, REAL, FAKE), want, rtol=1e-5)


def test_g_losses():
  np.testing.assert_allclose(
      losses.g_loss("ns", FAKE), -np.mean(np.log(sig(FAKE))), rtol=1e-5
  )
  np.testing.assert_allclose(
      losses.g_loss("minimax", FAKE), np.mean(np.log(1 - sig(FAKE))), rtol=1e-5
  )
  for kind in ("hinge", "wgan", "wgan_gp"):
    np.testing.assert_allclose(losses.g_loss(kind, FAKE), -FAKE.mean(),
                               rtol=1e-6)


def test_hinge_and_wgan_d_loss():
  want = np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE))
  np.testing.assert_allclose(losses.d_loss("hinge", REAL, FAKE), want,
                             rtol=1e-6)
  np.testing.assert_allclose(
      losses.d_loss("wgan_gp", REAL[:, None], FAKE[:, None]),
      FAKE.mean() - REAL.mean(),
      rtol=1e-5,
  )


def test_unknown_loss():
  with pytest.raises(ValueError, match="unknown loss"):
    losses.d_loss("lsgan", REAL, FAKE)


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_gradient_penalty_linear_critic_closed_form(scale):
  # critic(x) = w.x has gradient w everywhere: penalty = (|w| - 1)^2.
  w = jnp.asarray([0.6, 0.8]) * scale  # |w| = scale
  critic = lambda x: x @ w
  real = jnp.asarray(RS.randn(16, 2), jnp.float32)
  fake = jnp.asarray(RS.randn(16, 2), jnp.float32)
  gp = losses.gradient_penalty(critic, real, fake, jax.random.PRNGKey(0))
  np.testing.assert_allclose(gp, (scale - 1) ** 2, rtol=1e-5, atol=1e-6)
  gp1 = losses.gradient_penalty(
      critic, real, fake, jax.random.PRNGKey(0), one_sided=True
  )
  np.testing.assert_allclose(gp1, max(scale - 1, 0) ** 2, rtol=1e-5, atol=1e-6)


def test_gradient_penalty_quadratic_critic_brute_force():
  # critic(x) = 0.5 |x|^2: gradient x_hat, checked point by point.
  real = jnp.asarray(RS.randn(8, 3), jnp.float32)
  fake = jnp.asarray(RS.randn(8, 3), jnp.float32)
  rng = jax.random.PRNGKey(3)
  eps = jax.random.uniform(rng, (8, 1))
  x_hat = eps * real + (1 - eps) * fake
  want = np.mean((np.linalg.norm(np.asarray(x_hat), axis=1) - 1) ** 2)
  got = losses.gradient_penalty(lambda x: 0.5 * jnp.sum(x**2, 1), real, fake,
                                rng)
  np.testing.assert_allclose(got, want, rtol=1e-5)


def test_gradient_penalty_pixel_norm_is_the_thesis_codes():
  """critic(x) = 0.5 sum x^2 on [B, H, W, C] images: the gradient is x_hat;
  'pixel' averages (||x_hat[b, h, w, :]|| - 1)^2 over b, h, w, as torch's
  gradients.norm(2, dim=1) on [B, C, H, W]; 'sample' takes one norm per
  image."""
  real = jnp.asarray(RS.randn(4, 3, 5, 2), jnp.float32)
  fake = jnp.asarray(RS.randn(4, 3, 5, 2), jnp.float32)
  rng = jax.random.PRNGKey(5)
  eps = np.asarray(jax.random.uniform(rng, (4, 1, 1, 1)))
  x_hat = eps * np.asarray(real) + (1 - eps) * np.asarray(fake)
  critic = lambda x: 0.5 * jnp.sum(x**2, (1, 2, 3))
  nchw = x_hat.transpose(0, 3, 1, 2)
  want = np.mean((np.sqrt((nchw**2).sum(1)) - 1) ** 2)
  got = losses.gradient_penalty(critic, real, fake, rng, norm="pixel")
  np.testing.assert_allclose(got, want, rtol=1e-5)
  per_image = np.sqrt((x_hat.reshape(4, -1) ** 2).sum(1))
  np.testing.assert_allclose(
      losses.gradient_penalty(critic, real, fake, rng),
      np.mean((per_image - 1) ** 2), rtol=1e-5)
  with pytest.raises(ValueError, match="norm"):
    losses.gradient_penalty(critic, real, fake, rng, norm="channel")
