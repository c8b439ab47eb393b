"""Adversarial losses as pure functions of discriminator outputs.

`d_out` are raw logits/critic values of shape [B] (or [B, 1]). Every loss is
a scalar to MINIMISE. Conventions follow compare_gan's loss_lib.
"""

from typing import Callable

import jax
import jax.numpy as jnp

LOSSES = ("ns", "minimax", "hinge", "wgan", "wgan_gp")


def _flat(x: jax.Array) -> jax.Array:
  return x.reshape(x.shape[0], -1).squeeze(-1) if x.ndim > 1 else x


def d_loss(kind: str, real_out: jax.Array, fake_out: jax.Array) -> jax.Array:
  """Discriminator loss for `kind` in LOSSES."""
  real_out, fake_out = _flat(real_out), _flat(fake_out)
  if kind in ("ns", "minimax"):
    # -log D(x) - log(1 - D(G(z))) with D = sigmoid(logit).
    return jnp.mean(jax.nn.softplus(-real_out)) + jnp.mean(
        jax.nn.softplus(fake_out)
    )
  if kind == "hinge":
    return jnp.mean(jax.nn.relu(1.0 - real_out)) + jnp.mean(
        jax.nn.relu(1.0 + fake_out)
    )
  if kind in ("wgan", "wgan_gp"):
    return jnp.mean(fake_out) - jnp.mean(real_out)
  raise ValueError(f"unknown loss {kind!r}; choose from {LOSSES}")


def g_loss(kind: str, fake_out: jax.Array) -> jax.Array:
  """Generator loss for `kind` in LOSSES."""
  fake_out = _flat(fake_out)
  if kind == "ns":
    return jnp.mean(jax.nn.softplus(-fake_out))  # -log D(G(z))
  if kind == "minimax":
    return -jnp.mean(jax.nn.softplus(fake_out))  # log(1 - D(G(z)))
  if kind in ("hinge", "wgan", "wgan_gp"):
    return -jnp.mean(fake_out)
  raise ValueError(f"unknown loss {kind!r}; choose from {LOSSES}")


def gradient_penalty(
    critic: Callable[[jax.Array], jax.Array],
    real: jax.Array,
    fake: jax.Array,
    rng: jax.Array,
    one_sided: bool = False,
) -> jax.Array:
  """WGAN-GP penalty E[(||grad critic(x_hat)|| - 1)^2] on interpolates.

  Args:
    critic: maps a batch [B, ...] to outputs [B] or [B, 1].
    real: [B, ...] real examples.
    fake: [B, ...] generated examples (gradients are not taken through them).
    rng: key for the interpolation coefficients.
    one_sided: penalise only norms above 1 (max(0, ||g|| - 1)^2).

  Returns:
    The scalar penalty (without its weight).
  """
  eps_shape = (real.shape[0],) + (1,) * (real.ndim - 1)
  eps = jax.random.uniform(rng, eps_shape, dtype=real.dtype)
  x_hat = eps * real + (1.0 - eps) * jax.lax.stop_gradient(fake)  # [B, ...]
  grads = jax.grad(lambda x: jnp.sum(critic(x)))(x_hat)  # [B, ...]
  norms = jnp.sqrt(jnp.sum(grads.reshape(grads.shape[0], -1) ** 2, -1) + 1e-12)
  gap = norms - 1.0
  if one_sided:
    gap = jax.nn.relu(gap)
  return jnp.mean(gap**2)
