"""The PCM GAN's pairs (Eq. 6 and L_{x^,x}): which D logits judge a real-fake
pair, the weights of the pairs, and a gradient scale (methods/pcmgan.py)."""

import jax
import jax.numpy as jnp


def weighted_pairs(
    q_real: jax.Array, q_fake: jax.Array
) -> tuple[jax.Array, ...]:
  """(p, q, weights) of the real-fake pairs of L_{x^,x}.

  q_real [B, K] = C(x_i); q_fake [B, K, K] = C(x^_i^k). Pair (i, k) has
  p = C(x_i), q = C(x^_i^k) and weight C(x_i)_k; returns [B*K, K] x2, [B*K].
  """
  b, k = q_real.shape
  p = jnp.repeat(q_real, k, axis=0)  # [B*K, K]
  return p, q_fake.reshape(b * k, k), q_real.reshape(b * k)


def scale_gradient(x: jax.Array, scale: float) -> jax.Array:
  """x in the forward pass; its gradient times `scale` in the backward pass."""
  stopped = jax.lax.stop_gradient(x)
  return stopped + scale * (x - stopped)


def pair_logits(d_real: jax.Array,
                d_fake: jax.Array) -> tuple[jax.Array, jax.Array]:
  """D's logits of the pairs (x_i, x^_i^k) of Eq. 6; [B, K] each.

  d_real [B, O], d_fake [B, K, O] with O = 1 (one D output for every pair)
  or O = K (`method.d_per_component`: pair (i, k) is judged by output k).
  """
  b, k, o = d_fake.shape
  if o == 1:
    return jnp.broadcast_to(d_real, (b, k)), d_fake[..., 0]
  return d_real, jnp.diagonal(d_fake, axis1=1, axis2=2)
