"""Metrics of generated digit images through the project's classifier:
Stacked MNIST modes and KL to uniform, and digit histograms (the feature
metrics on its features, "domain features", are feature_metrics.py's)."""

from typing import Any

import numpy as np



def label_shares(labels: np.ndarray, num_classes: int) -> np.ndarray:
  """Empirical label histogram; [num_classes], sums to 1."""
  return np.bincount(labels, minlength=num_classes) / len(labels)


def _kl(p: np.ndarray, q: np.ndarray) -> float:
  """KL(p || q) of histograms, 0 log 0 = 0."""
  nz = p > 0
  return float(np.sum(p[nz] * np.log(p[nz] / q[nz])))


def label_kl_to_uniform(labels: np.ndarray, num_classes: int) -> float:
  """KL(empirical label histogram || uniform over num_classes)."""
  return _kl(label_shares(labels, num_classes),
             np.full(num_classes, 1.0 / num_classes))


def label_kl_to_reference(labels: np.ndarray, reference: np.ndarray,
                          num_classes: int) -> float:
  """KL(label histogram of the samples || that of the reference labels).

  The reference counts get 0.5 each, so a class the reference lacks makes
  the KL large but finite.
  """
  q = np.bincount(reference, minlength=num_classes) + 0.5
  return _kl(label_shares(labels, num_classes), q / q.sum())


def stacked_labels(images: np.ndarray, classifier) -> np.ndarray:
  """100 d0 + 10 d1 + d2 for images [N, H, W, 3] (one digit per channel)."""
  labels = np.zeros(len(images), np.int64)
  for c in range(images.shape[-1]):
    labels = labels * 10 + classifier.predict(images[..., c : c + 1])
  return labels


def stacked_mnist_metrics(images: np.ndarray, classifier) -> dict[str, Any]:
  labels = stacked_labels(images, classifier)
  return {
      "modes_covered": int(len(np.unique(labels))),
      "num_modes": 1000,
      "label_kl": label_kl_to_uniform(labels, 1000),
  }


def digit_histogram(images: np.ndarray, classifier,
                    real_labels: np.ndarray | None = None,
                    min_share: float = 0.01) -> dict[str, Any]:
  """Digit shares of the samples; with the labels of real examples also
  their shares and the samples' KL to them (imbalanced sets)."""
  labels = classifier.predict(images)
  share = label_shares(labels, 10)
  out = {
      "digit_share": share.tolist(),
      "digits_present": int(np.sum(share >= min_share)),
      "label_kl": label_kl_to_uniform(labels, 10),
  }
  if real_labels is not None:
    out["digit_share_data"] = label_shares(real_labels, 10).round(4).tolist()
    out["label_kl_data"] = label_kl_to_reference(labels, real_labels, 10)
  return out
