"""Clustering scores of component assignments against true labels:
accuracy under the best one-to-one matching (Hungarian) and normalised
mutual information (arithmetic mean of the entropies, as scikit-learn)."""

import numpy as np
from scipy.optimize import linear_sum_assignment


def contingency(labels: np.ndarray, clusters: np.ndarray) -> np.ndarray:
  """counts[c, l] of examples in cluster c with label l; [C, L]."""
  _, li = np.unique(labels, return_inverse=True)
  _, ci = np.unique(clusters, return_inverse=True)
  out = np.zeros((ci.max() + 1, li.max() + 1), np.int64)
  np.add.at(out, (ci, li), 1)
  return out


def cluster_accuracy(labels: np.ndarray, clusters: np.ndarray) -> float:
  """Share of examples whose cluster maps to their label under the best
  one-to-one map of clusters to labels."""
  counts = contingency(labels, clusters)
  rows, cols = linear_sum_assignment(-counts)
  return float(counts[rows, cols].sum() / len(labels))


def _entropy(counts: np.ndarray) -> float:
  p = counts[counts > 0] / counts.sum()
  return float(-np.sum(p * np.log(p)))


def nmi(labels: np.ndarray, clusters: np.ndarray) -> float:
  """I(labels; clusters) / mean(H(labels), H(clusters))."""
  counts = contingency(labels, clusters).astype(np.float64)
  n = counts.sum()
  joint = counts / n
  pc, pl = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
  nz = joint > 0
  mi = float(np.sum(joint[nz] * np.log(joint[nz] / (pc @ pl)[nz])))
  h = (_entropy(counts.sum(1)) + _entropy(counts.sum(0))) / 2
  return mi / h if h > 0 else 1.0
