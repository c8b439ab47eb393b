"""Kernel Inception Distance (Binkowski et al. 2018): the unbiased estimate of
MMD^2 with the cubic polynomial kernel k(x, y) = (x . y / d + 1)^3, averaged
over random subsets (mean and std), as Binkowski et al.'s code, clean-fid and
torch-fidelity compute it (100 subsets of at most 1,000 per side).
"""

import jax
import jax.numpy as jnp
import numpy as np


def polynomial_kernel(x: jax.Array, y: jax.Array) -> jax.Array:
  """(x y^T / d + 1)^3 for x [N, d], y [M, d]; [N, M]."""
  return (x @ y.T / x.shape[-1] + 1.0) ** 3


@jax.jit
def mmd2_unbiased(x: jax.Array, y: jax.Array) -> jax.Array:
  """Unbiased MMD^2 of two equal-size samples x, y [m, d] under the cubic
  polynomial kernel: off-diagonal means of K_xx and K_yy minus twice the
  mean of K_xy (all m^2 cross terms, as Binkowski et al.)."""
  m = x.shape[0]
  off_diagonal = 1.0 - jnp.eye(m, dtype=x.dtype)
  # One matrix of small per-pair terms, summed once: the three means are
  # close in value, and summing their difference keeps float32 accurate.
  terms = (
      (polynomial_kernel(x, x) + polynomial_kernel(y, y)) * off_diagonal
      / (m * (m - 1))
      - 2.0 * polynomial_kernel(x, y) / (m * m)
  )  # [m, m]
  return jnp.sum(terms)


@jax.jit
def _subset_mmd2(real, fake, idx_real, idx_fake):
  # 4 subsets per batched matmul: 1.6x faster than one at a time on a 2-core
  # CPU (100 subsets of 1,000 x 2048-d: 6.8 s vs 11.0 s)
  return jax.lax.map(lambda ij: mmd2_unbiased(real[ij[0]], fake[ij[1]]),
                     (idx_real, idx_fake), batch_size=4)


def subset_indices(n_real: int, n_fake: int, m: int, num_subsets: int,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
  """[num_subsets, m] indices of each side's subsets, drawn without
  replacement within a subset (numpy RandomState(seed): reals, then fakes)."""
  rs = np.random.RandomState(seed)
  idx_real = np.stack([rs.choice(n_real, m, replace=False)
                       for _ in range(num_subsets)])
  idx_fake = np.stack([rs.choice(n_fake, m, replace=False)
                       for _ in range(num_subsets)])
  return idx_real, idx_fake


def kernel_inception_distance(
    real: np.ndarray, fake: np.ndarray, *, num_subsets: int = 100,
    subset_size: int = 1000, seed: int = 0,
) -> dict[str, float]:
  """KID of features real [N, d] vs fake [M, d]: mean and std over
  `num_subsets` subsets of min(subset_size, N, M) drawn without replacement
  from each side.

  Returns:
    {'kid': mean, 'kid_std': std over the subsets, 'kid_subset_size': m}.
  """
  real = jnp.asarray(np.asarray(real, np.float32).reshape(len(real), -1))
  fake = jnp.asarray(np.asarray(fake, np.float32).reshape(len(fake), -1))
  m = min(subset_size, real.shape[0], fake.shape[0])
  if m < 2:
    raise ValueError(f"KID needs at least 2 samples per side, got {m}")
  idx_real, idx_fake = subset_indices(real.shape[0], fake.shape[0], m,
                                      num_subsets, seed)
  values = np.asarray(_subset_mmd2(real, fake, jnp.asarray(idx_real),
                                   jnp.asarray(idx_fake)), np.float64)
  return {"kid": float(values.mean()), "kid_std": float(values.std()),
          "kid_subset_size": int(m)}
