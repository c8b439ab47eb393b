"""Frechet distance between Gaussians fitted to features (FID).

FID = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)). The trace of the
matrix square root is computed as sum_i sqrt(lambda_i) of the symmetric PSD
matrix S1^(1/2) S2 S1^(1/2) (same eigenvalues as S1 S2), with eigh in float64
and negative round-off clipped, so singular covariances (fewer samples than
feature dimensions) stay finite and real.
"""

import numpy as np


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """(mean [D], covariance [D, D]) of features [N, D], in float64."""
  f = np.asarray(features, np.float64).reshape(len(features), -1)
  return f.mean(axis=0), np.cov(f, rowvar=False)


def _psd_sqrt(s: np.ndarray) -> np.ndarray:
  w, v = np.linalg.eigh((s + s.T) / 2)
  return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(
    mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray
) -> float:
  """Frechet distance between N(mu1, s1) and N(mu2, s2)."""
  mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
  s1, s2 = (np.atleast_2d(s1).astype(np.float64),
            np.atleast_2d(s2).astype(np.float64))
  if mu1.shape != mu2.shape or s1.shape != s2.shape:
    raise ValueError("the two Gaussians differ in dimension")
  root1 = _psd_sqrt(s1)
  middle = root1 @ s2 @ root1
  eig = np.linalg.eigvalsh((middle + middle.T) / 2)
  tr_covmean = np.sum(np.sqrt(np.clip(eig, 0, None)))
  diff = mu1 - mu2
  return float(max(
      diff @ diff + np.trace(s1) + np.trace(s2) - 2 * tr_covmean, 0.0))


def fid_from_features(real: np.ndarray, fake: np.ndarray) -> float:
  return frechet_distance(*gaussian_stats(real), *gaussian_stats(fake))


def inception_score(
    logits: np.ndarray, splits: int = 10
) -> tuple[float, float]:
  """Inception Score exp(E_x KL(p(y|x) || p(y))): mean and std over splits."""
  logits = np.asarray(logits, np.float64)
  logp = logits - logits.max(axis=1, keepdims=True)
  logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))  # log p(y|x)
  scores = []
  for part in np.array_split(logp, splits):
    p = np.exp(part)
    log_py = np.log(p.mean(axis=0) + 1e-30)
    scores.append(np.exp(np.mean(np.sum(p * (part - log_py), axis=1))))
  return float(np.mean(scores)), float(np.std(scores))
