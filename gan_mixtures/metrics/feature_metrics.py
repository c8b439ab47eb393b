"""Every two-sample metric of real vs generated features, computed the same
way on Inception pool3 features and on the digit classifier's features:
FID, KID, improved precision / recall, density / coverage and the 5-NN
two-sample accuracies."""

from typing import Any

import numpy as np

from gan_mixtures.metrics import fid, kid, knn, manifold


def min_samples(ec) -> int:
  """The fewest samples per side the metrics of eval config `ec` accept:
  more than the largest k of the k-NN metrics (k-NN radii exclude the point
  itself) and at least 2 (KID, covariances)."""
  return max(ec.knn_k, ec.pr_k, ec.dc_k) + 1


def feature_metrics(real: np.ndarray, fake: np.ndarray, ec,
                    suffix: str = "") -> dict[str, Any]:
  """fid, kid (+ kid_std, kid_subset_size), precision, recall, density,
  coverage, knn_real_acc, knn_fake_acc of features real [N, d] vs fake
  [M, d], each key with `suffix` (e.g. '_domain').

  Args:
    real: reference features.
    fake: generated samples' features.
    ec: the `eval` config group (knn_k, pr_k, dc_k, kid_subsets,
      kid_subset_size).
    suffix: appended to every key.

  Raises:
    ValueError: with fewer than min_samples(ec) samples on a side.
  """
  need = min_samples(ec)
  if min(len(real), len(fake)) < need:
    raise ValueError(
        f"the feature metrics need at least {need} samples per side (k + 1),"
        f" got {len(real)} real and {len(fake)} generated"
    )
  out: dict[str, Any] = {"fid": fid.fid_from_features(real, fake)}
  out.update(kid.kernel_inception_distance(
      real, fake, num_subsets=ec.kid_subsets, subset_size=ec.kid_subset_size))
  out.update(manifold.manifold_metrics(real, fake, k_pr=ec.pr_k, k_dc=ec.dc_k))
  out.update(knn.knn_two_sample(real, fake, k=ec.knn_k))
  return {k + suffix: v for k, v in out.items()}
