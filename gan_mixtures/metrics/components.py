"""What a classifier says of a mixture's components: MMGAN's component
accuracy (Table 2) and the matching of components to regions of the label
sets; for any method with components, how they map to classes
(component_label_metrics) beside how real the same samples look
(realism), since a generator of noise can score high on the first.

Region r (a membership pattern over the n sets, splits.region_order) holds
the classes that belong to exactly those sets. A component's accuracy is the
share of its samples that a pre-trained classifier puts inside the classes
of the region the component models.
"""

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from gan_mixtures.data import splits


def match_components(alpha: np.ndarray, priors: np.ndarray) -> np.ndarray:
  """Region of every component: the assignment of alpha's columns [n, K] to
  the true priors' columns [n, R] with the least total L1 distance; [K]
  (-1 for a component left without a region when K > R)."""
  cost = np.abs(alpha[:, :, None] - priors[:, None, :]).sum(0)  # [K, R]
  rows, cols = linear_sum_assignment(cost)
  out = np.full(alpha.shape[1], -1)
  out[rows] = cols
  return out


def region_accuracy(labels: np.ndarray, classes: tuple[int, ...]) -> float:
  """Share of predicted labels [N] inside `classes`."""
  return (float(np.mean(np.isin(labels, classes))) if len(labels)
          else float("nan"))


def random_baseline(label_sets: tuple[tuple[int, ...], ...]) -> float:
  """Table 2's random baseline: a sample of set S_i put in one of the
  components S_i uses (its non-empty regions) at random is in the right one
  with probability 1 / #regions(S_i); the mean over the sets. Case A: 0.5,
  B: 0.25, C: (1/3 + 1/2 + 1) / 3 = 0.61, as the paper."""
  patterns = splits.regions(label_sets)  # non-empty regions only
  per_set = [sum(i in p for p in patterns) for i in range(len(label_sets))]
  return float(np.mean([1.0 / m for m in per_set]))


def region_shares(labels: np.ndarray, region_classes: list[tuple[int, ...]],
                  region_names: list[str]) -> dict[str, float]:
  """Share of labels [N] in every non-empty region (what one component draws,
  region by region); shares of regions covering all classes sum to 1."""
  return {name: region_accuracy(labels, c)
          for name, c in zip(region_names, region_classes) if c}


def as_sets_imply(
    alpha: np.ndarray, shares: dict[int, dict[str, float]],
    patterns: list[tuple[int, ...]], region_names: list[str],
    weight_min: float = 0.05, share_min: float = 0.6,
) -> dict[int, str]:
  """Components shared / unique as the sets imply: those drawing one region
  clearly (share >= share_min) and used (alpha >= weight_min) by exactly the
  sets of that region's pattern. E.g. case A: a component drawing 3..6 and
  used by S1 and S2, or drawing 0..2 and used by S1 alone.

  Args:
    alpha: [n, K] mixture weights.
    shares: {k: {region name: share}} (region_shares of component k).
    patterns: membership pattern of every region (splits.region_order).
    region_names: names of the regions, in the order of `patterns`.
  Returns:
    {k: region name} of the components that qualify.
  """
  out = {}
  for k, by_region in shares.items():
    name, share = max(by_region.items(), key=lambda kv: kv[1])
    users = tuple(int(i) for i in np.flatnonzero(alpha[:, k] >= weight_min))
    if share >= share_min and users == patterns[region_names.index(name)]:
      out[k] = name
  return out


def union_baseline(
    union_labels: np.ndarray, region_classes: list[tuple[int, ...]]
) -> float:
  """Mean over regions of the accuracy of a component that draws real data
  of the union (labels [N]) at random, ignoring its region."""
  return float(np.mean([region_accuracy(union_labels, c)
                        for c in region_classes]))


def component_accuracy(
    labels_per_component: dict[int, np.ndarray],
    region_of: np.ndarray,
    region_classes: list[tuple[int, ...]],
    region_names: list[str],
) -> dict[str, Any]:
  """`component_acc` (mean over the modelled non-empty regions) and the
  per-region values.

  Args:
    labels_per_component: classifier labels of each evaluated component.
    region_of: [K] region index of each component (match_components).
    region_classes: classes of every region (possibly empty).
    region_names: names of the regions (r1, r2, ...).
  """
  per: dict[str, float] = {}
  for k, labels in labels_per_component.items():
    r = int(region_of[k])
    if r >= 0 and region_classes[r]:
      per[region_names[r]] = region_accuracy(labels, region_classes[r])
  return {
      "component_acc": (float(np.mean(list(per.values()))) if per
                        else float("nan")),
      "component_acc_per_region": per,
  }


def best_match_accuracy(components: np.ndarray, labels: np.ndarray,
                        num_classes: int) -> float:
  """The accuracy of reading a sample's class off its component, under the
  one-to-one matching of components to classes that maximises it (the
  Hungarian algorithm on the [K, C] count matrix); samples of components
  left unmatched (K > C) count as errors. components, labels [N] int."""
  k = int(components.max()) + 1 if len(components) else 0
  counts = np.zeros((k, num_classes))
  np.add.at(counts, (components, labels), 1)
  rows, cols = linear_sum_assignment(-counts)
  return float(counts[rows, cols].sum() / max(len(labels), 1))


def component_label_metrics(components: np.ndarray, probs: np.ndarray,
                            prefix: str = "component_") -> dict[str, float]:
  """How components map to a classifier's classes, from the classifier's
  probabilities probs [N, C] of N samples and their components [N]:
  `purity` (per used component the share of its most frequent class,
  averaged: 1.0 when every component draws the same class), `digit_acc`
  (best_match_accuracy: 1.0 only for distinct classes, all drawn cleanly)
  and `confidence` (the mean largest probability: low for samples the
  classifier cannot read). Report beside a realism figure (realism)."""
  labels = probs.argmax(-1)
  purities = [np.bincount(labels[components == c]).max()
              / np.sum(components == c)
              for c in np.unique(components)]
  return {
      prefix + "purity": float(np.mean(purities)),
      prefix + "digit_acc": best_match_accuracy(components, labels,
                                                probs.shape[-1]),
      prefix + "confidence": float(probs.max(-1).mean()),
  }


def realism(clf, fake: np.ndarray, real_features: np.ndarray,
            prefix: str = "component_") -> dict[str, float]:
  """The domain FID (the classifier's features) of `fake` against real
  features: how real the samples behind a component metric are."""
  from gan_mixtures.metrics import fid

  return {prefix + "fid_domain": fid.fid_from_features(real_features,
                                                       clf.features(fake))}
