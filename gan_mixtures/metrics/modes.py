"""Mode coverage metrics for 2D mixtures (PacGAN / VEEGAN protocol)."""

import numpy as np


def nearest_mode(
    x: np.ndarray, means: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
  """Nearest mode of every sample.

  Args:
    x: [N, 2] samples.
    means: [M, 2] mode means.

  Returns:
    (idx [N] int, dist [N] float): the nearest mode and the distance to it.
  """
  d2 = np.sum((x[:, None, :] - means[None]) ** 2, axis=-1)  # [N, M]
  idx = np.argmin(d2, axis=1)
  return idx, np.sqrt(d2[np.arange(len(x)), idx])


def mode_metrics(
    x: np.ndarray,
    means: np.ndarray,
    stds: np.ndarray,
    weights: np.ndarray,
    *,
    num_std: float = 3.0,
    min_fraction: float = 0.01,
) -> dict[str, float]:
  """Modes covered, high-quality fraction and mode-histogram KL.

  A sample is high quality (hq) when its distance to the nearest mode mean is
  within `num_std` stds of that mode; a mode is covered when it has at least
  one hq sample (`modes_covered`) or at least `min_fraction` of all samples
  (`modes_covered_1pct`, the stricter rule). `mode_kl` is KL(hist || weights)
  of the hq samples' mode histogram to the true weights.

  Args:
    x: [N, 2] generated samples.
    means: [M, 2] true mode means.
    stds: [M] true mode stds.
    weights: [M] true mode probabilities.
    num_std: hq radius in stds.
    min_fraction: the stricter coverage rule's share of samples.

  Returns:
    dict with modes_covered, modes_covered_1pct, num_modes, hq_fraction,
    mode_kl.
  """
  x = np.asarray(x, np.float64)
  idx, dist = nearest_mode(x, np.asarray(means, np.float64))
  hq = dist <= num_std * np.asarray(stds)[idx]
  counts = np.bincount(idx[hq], minlength=len(means)).astype(np.float64)
  hist = counts / max(counts.sum(), 1.0)
  nz = hist > 0
  kl = float(np.sum(hist[nz] * np.log(hist[nz] / np.asarray(weights)[nz])))
  return {
      "modes_covered": int(np.sum(counts >= 1)),
      "modes_covered_1pct": int(np.sum(counts >= min_fraction * len(x))),
      "num_modes": int(len(means)),
      "hq_fraction": float(np.mean(hq)),
      "mode_kl": kl if counts.sum() > 0 else float("inf"),
  }
