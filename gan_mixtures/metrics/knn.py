"""k-NN leave-one-out two-sample test (real and fake accuracies apart)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np


def pairwise_sq_dists(q: jax.Array, pool: jax.Array) -> jax.Array:
  """Squared Euclidean distances [Q, P] of queries q [Q, d] to pool [P, d]
  (|q|^2 - 2 q.p + |p|^2, clipped at 0)."""
  d2 = (jnp.sum(q**2, 1)[:, None] - 2.0 * q @ pool.T
        + jnp.sum(pool**2, 1)[None, :])
  return jnp.maximum(d2, 0.0)


@functools.partial(jax.jit, static_argnames=("k",))
def _fake_votes(
    queries: jax.Array, query_ids: jax.Array, pool: jax.Array,
    is_fake: jax.Array, k: int
) -> jax.Array:
  """Number of fake samples among each query's k nearest others; [Q]."""
  d2 = pairwise_sq_dists(queries, pool)  # [Q, P]
  d2 = jnp.where(query_ids[:, None] == jnp.arange(pool.shape[0])[None],
                 jnp.inf, d2)
  _, nn_idx = jax.lax.top_k(-d2, k)  # [Q, k]
  return jnp.sum(is_fake[nn_idx], axis=1)


def knn_two_sample(
    real: np.ndarray, fake: np.ndarray, k: int = 5, chunk: int = 1024
) -> dict[str, float]:
  """Leave-one-out k-NN classification of real vs fake samples, two ways.

  Every sample of the union is judged by its k nearest other samples
  (Euclidean): by their majority label (`knn_*_acc`), and by the share of
  its own side among them (`knn_*_acc_avg`: the HME thesis code's
  `utils.nn_accuracy`, decisions = #real among k / k, fake accuracy =
  (size - sum of decisions) / size). 50 % on both sides means the two sets
  are indistinguishable; near 100 % means they are far apart; the vote
  pushes accuracies further from 50 % than the average. Queries are
  processed `chunk` at a time, so 10k x 10k fits in memory.

  Args:
    real: [N, D] real features.
    fake: [M, D] fake features.
    k: neighbours (odd, so the vote has no ties).
    chunk: queries per jitted call.

  Returns:
    {'knn_real_acc', 'knn_fake_acc', 'knn_real_acc_avg', 'knn_fake_acc_avg'}.
  """
  if k % 2 == 0:
    raise ValueError(f"k must be odd to avoid ties, got {k}")
  real = np.asarray(real, np.float32).reshape(len(real), -1)
  fake = np.asarray(fake, np.float32).reshape(len(fake), -1)
  pool = np.concatenate([real, fake])  # [P, D]
  is_fake = np.concatenate([np.zeros(len(real), np.int32),
                            np.ones(len(fake), np.int32)])
  pool_j, is_fake_j = jnp.asarray(pool), jnp.asarray(is_fake)
  votes = []
  for start in range(0, len(pool), chunk):
    ids = np.arange(start, start + chunk)
    ids_clipped = np.minimum(ids, len(pool) - 1)  # pad the last chunk
    v = _fake_votes(pool_j[ids_clipped], jnp.asarray(ids_clipped), pool_j,
                    is_fake_j, k)
    votes.append(np.asarray(v)[ids < len(pool)])
  fakes_among = np.concatenate(votes)  # [P] fakes among each one's k NN
  pred_fake = fakes_among > k // 2
  n = len(real)
  return {
      "knn_real_acc": float(np.mean(~pred_fake[:n])),
      "knn_fake_acc": float(np.mean(pred_fake[n:])),
      "knn_real_acc_avg": float(np.mean(k - fakes_among[:n]) / k),
      "knn_fake_acc_avg": float(np.mean(fakes_among[n:]) / k),
  }
