"""k-NN manifold metrics of a generated sample against a real one.

Improved precision and recall (Kynkaanniemi et al. 2019, official code: k = 3,
a point is inside the manifold when it lies within the k-NN radius of some
sample, `<=`), density and coverage (Naeem et al. 2020, the `prdc` package:
k = 5, strict `<`). Radii are distances to the k-th nearest other sample.

All pairwise distances are computed in jitted chunks of `chunk` queries
(features centred on the real mean first, which keeps the float32
|a|^2 - 2ab + |b|^2 expansion accurate), so 10k x 10k fits in memory.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from gan_mixtures.metrics import knn


@functools.partial(jax.jit, static_argnames=("kmax",))
def _knn_radii_chunk(q, q_ids, pool, kmax: int) -> jax.Array:
  """Distances [Q, kmax] to the 1st..kmax-th nearest other pool member."""
  d2 = knn.pairwise_sq_dists(q, pool)
  d2 = jnp.where(q_ids[:, None] == jnp.arange(pool.shape[0])[None], jnp.inf, d2)
  neg, _ = jax.lax.top_k(-d2, kmax)
  return jnp.sqrt(-neg)


def knn_radii(
    x: np.ndarray, ks: tuple[int, ...], chunk: int = 1024
) -> np.ndarray:
  """Distance of every row of x [N, d] to its k-th nearest other row, for
  every k in ks; [N, len(ks)]."""
  kmax = max(ks)
  if len(x) <= kmax:
    raise ValueError(f"k-NN radii with k = {kmax} need more than {kmax}"
                     f" samples, got {len(x)}")
  xj = jnp.asarray(x)
  out = []
  for start in range(0, len(x), chunk):
    ids = np.minimum(np.arange(start, start + chunk), len(x) - 1)
    r = _knn_radii_chunk(xj[ids], jnp.asarray(ids), xj, kmax)
    out.append(np.asarray(r)[: min(chunk, len(x) - start)])
  return np.concatenate(out)[:, [k - 1 for k in ks]]


@jax.jit
def _fake_vs_real_chunk(fake, fake_radius_pr, real, real_radius_pr,
                        real_radius_dc):
  """Per fake of the chunk: inside some real ball (P&R), count of real balls
  containing it (D&C); per real: inside some fake ball of the chunk (P&R),
  nearest fake distance of the chunk (D&C)."""
  d = jnp.sqrt(knn.pairwise_sq_dists(fake, real))  # [Q, N]
  in_real_pr = d <= real_radius_pr[None, :]
  in_fake_pr = d <= fake_radius_pr[:, None]
  return (jnp.any(in_real_pr, axis=1),
          jnp.sum(d < real_radius_dc[None, :], axis=1),
          jnp.any(in_fake_pr, axis=0),
          jnp.min(d, axis=0))


def manifold_metrics(
    real: np.ndarray, fake: np.ndarray, *, k_pr: int = 3, k_dc: int = 5,
    chunk: int = 1024,
) -> dict[str, float]:
  """precision, recall (k_pr), density, coverage (k_dc) of fake [M, d]
  against real [N, d] features."""
  real = np.asarray(real, np.float32).reshape(len(real), -1)
  fake = np.asarray(fake, np.float32).reshape(len(fake), -1)
  center = real.mean(0, keepdims=True)
  real, fake = real - center, fake - center
  r_real = knn_radii(real, (k_pr, k_dc), chunk)  # [N, 2]
  r_fake = knn_radii(fake, (k_pr,), chunk)[:, 0]  # [M]
  real_j = jnp.asarray(real)
  rr_pr, rr_dc = jnp.asarray(r_real[:, 0]), jnp.asarray(r_real[:, 1])
  precise, counts = [], []
  recalled = np.zeros(len(real), bool)
  nearest = np.full(len(real), np.inf, np.float32)
  for start in range(0, len(fake), chunk):
    stop = min(start + chunk, len(fake))
    ids = np.minimum(np.arange(start, start + chunk), len(fake) - 1)
    p, c, rec, near = jax.device_get(_fake_vs_real_chunk(
        jnp.asarray(fake[ids]), jnp.asarray(r_fake[ids]), real_j, rr_pr, rr_dc))
    precise.append(p[: stop - start])
    counts.append(c[: stop - start])
    recalled |= rec
    nearest = np.minimum(nearest, near)
  return {
      "precision": float(np.mean(np.concatenate(precise))),
      "recall": float(np.mean(recalled)),
      "density": float(np.sum(np.concatenate(counts)) / (k_dc * len(fake))),
      "coverage": float(np.mean(nearest < r_real[:, 1])),
  }
