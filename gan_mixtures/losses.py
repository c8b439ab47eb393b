"""Adversarial losses as pure functions of discriminator outputs.

`d_out` are raw logits/critic values of shape [B] (or [B, 1]). Every loss is
a scalar to MINIMISE. Conventions follow compare_gan's loss_lib.
"""

from typing import Callable

import jax
import jax.numpy as jnp

LOSSES = ("ns", "minimax", "hinge", "wgan", "wgan_gp")
GP_NORMS = ("sample", "pixel")


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
    norm: str = "sample",
) -> jax.Array:
  """WGAN-GP penalty E[(||grad critic(x_hat)|| - 1)^2] on interpolates.

  Args:
    critic: maps a batch [B, ...] to outputs [B] or [B, 1].
    real: [B, ...] real examples.
    fake: [B, ...] generated examples (gradients are not taken through them).
    rng: key for the interpolation coefficients.
    one_sided: penalise only norms above 1 (max(0, ||g|| - 1)^2).
    norm: 'sample' (Gulrajani et al.: the norm of each example's whole
      gradient) or 'pixel' (the norm over the last axis, the channels of
      [B, H, W, C] images, at every position, then the mean over examples
      and positions: the HME thesis code's `gradients.norm(2, dim=1)` on
      [B, C, H, W]; the same as 'sample' for [B, D] inputs).

  Returns:
    The scalar penalty (without its weight).
  """
  if norm not in GP_NORMS:
    raise ValueError(f"unknown gradient-penalty norm {norm!r}; choose from"
                     f" {GP_NORMS}")
  eps_shape = (real.shape[0],) + (1,) * (real.ndim - 1)
  eps = jax.random.uniform(rng, eps_shape, dtype=real.dtype)
  x_hat = eps * real + (1.0 - eps) * jax.lax.stop_gradient(fake)  # [B, ...]
  grads = jax.grad(lambda x: jnp.sum(critic(x)))(x_hat)  # [B, ...]
  if norm == "sample":
    grads = grads.reshape(grads.shape[0], -1)  # [B, D]
  norms = jnp.sqrt(jnp.sum(grads**2, -1) + 1e-12)  # [B] or [B, H, W]
  gap = norms - 1.0
  if one_sided:
    gap = jax.nn.relu(gap)
  return jnp.mean(gap**2)


# ---- losses of the mixture-of-generators baselines (MADGAN, MGAN, MEGAN) ----


def class_cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
  """Mean softmax cross-entropy of logits [N, C] against int labels [N]."""
  log_p = jax.nn.log_softmax(logits, axis=-1)
  return -jnp.mean(jnp.take_along_axis(log_p, labels[:, None], axis=-1))


def madgan_d_loss(real_logits: jax.Array, fake_logits: jax.Array,
                  fake_labels: jax.Array) -> jax.Array:
  """MADGAN's D (Ghosh et al. 2018, Eq. 3.1 of the HME thesis): a (K + 1)-way
  classifier, class 0 for real data and class k + 1 for generator k; the
  mean over the reals plus the mean over the fakes (the thesis' code)."""
  real_labels = jnp.zeros(real_logits.shape[0], jnp.int32)
  return (class_cross_entropy(real_logits, real_labels)
          + class_cross_entropy(fake_logits, fake_labels + 1))


def madgan_g_loss(fake_logits: jax.Array) -> jax.Array:
  """MADGAN's G, non-saturating: -E log D_real(G_k(z)) with D_real the
  softmax probability of class 0 (the thesis runs the non-saturating form
  of its Eq. 3.2)."""
  return -jnp.mean(jax.nn.log_softmax(fake_logits, axis=-1)[:, 0])


def load_balance(soft_gates: jax.Array) -> jax.Array:
  """MEGAN's load-balancing term: mean squared distance of the batch's
  average gate [K] from uniform, soft_gates [B, K]."""
  k = soft_gates.shape[-1]
  p = jnp.sum(soft_gates, axis=0) / jnp.sum(soft_gates)
  return jnp.mean((p - 1.0 / k) ** 2)
