"""Clustering of real test images: by a method's own classifier (the PCM
GAN's C, `method.responsibilities`), by k-means on pixels (the floor), and by a
classifier fitted afterwards to the generator's components (the post-hoc
comparator, metrics/posthoc.py)."""

from typing import Any

import jax
import numpy as np

from gan_mixtures.evaluators.base import Evaluator
from gan_mixtures.metrics import clustering, posthoc

SKIPPED = (FileNotFoundError, ValueError)  # the test split cannot be read


class Clustering(Evaluator):
  """argmax C(x) as a clustering of the test split: accuracy (best
  matching), NMI and the clusters used; with eval.kmeans_floor, k-means on
  pixels of the same images. At every log step on the seed-independent
  test draw: the same, and the entropy of mean C(x) / log K (1 =
  balanced)."""

  def __init__(self, config, data, shared):
    super().__init__(config, data, shared)
    self._floors: dict[int, dict[str, float]] = {}

  def metrics(self, method, state, rng: jax.Array) -> dict[str, Any]:
    del rng
    try:
      x, y = self.shared.test_examples()
    except SKIPPED as e:
      return {"cluster_skipped": str(e)}
    assign = method.responsibilities(state, x).argmax(-1)
    out = {
        "cluster_acc": clustering.cluster_accuracy(y, assign),
        "nmi": clustering.nmi(y, assign),
        "cluster_num": int(len(y)),
        "clusters_used": int(len(np.unique(assign))),
    }
    if self.config.eval.kmeans_floor:
      out.update(self.kmeans_floor(x, y, method.k))
    return out

  def periodic(self, method, state, rng: jax.Array) -> dict[str, float]:
    del rng
    x, y = self.shared.diagnostic_examples
    q = method.responsibilities(state, x)  # [N, K]
    assign = q.argmax(-1)
    mean_q = q.mean(0)
    entropy = (-np.sum(mean_q * np.log(np.maximum(mean_q, 1e-12)))
               / np.log(method.k))
    return {"clusters_used": float(len(np.unique(assign))),
            "c_entropy": float(entropy),
            "cluster_acc": clustering.cluster_accuracy(y, assign),
            "nmi": clustering.nmi(y, assign)}

  def kmeans_floor(self, x: np.ndarray, y: np.ndarray,
                   k: int) -> dict[str, float]:
    """k-means (k clusters) on raw pixels of the test images; the same at
    every evaluation, so computed once per run."""
    if len(y) not in self._floors:
      from sklearn.cluster import KMeans

      km = KMeans(k, n_init=10, random_state=0).fit_predict(
          x.reshape(len(x), -1))
      self._floors[len(y)] = {
          "cluster_acc_kmeans_pixels": clustering.cluster_accuracy(y, km),
          "nmi_kmeans_pixels": clustering.nmi(y, km),
      }
    return self._floors[len(y)]


class Posthoc(Evaluator):
  """The post-hoc comparator of a method's own classifier: a classifier of
  the PCM GAN's C architecture fitted by cross entropy to (G(z_k), k) for
  eval.posthoc_steps steps (method.component_draw), then used as a
  clustering of the test split (`cluster_acc_posthoc`, `nmi_posthoc`,
  ...; metrics/posthoc.py)."""

  @classmethod
  def applies(cls, config, data) -> bool:
    return data.kind == "image" and config.eval.posthoc_steps > 0

  def metrics(self, method, state, rng: jax.Array) -> dict[str, Any]:
    from gan_mixtures.nets.classifier import PCMClassifier

    try:
      x, y = self.shared.test_examples()
    except SKIPPED as e:
      return {"cluster_skipped": str(e)}
    ec = self.config.eval
    per_component = max(1, ec.posthoc_batch // method.k)
    return posthoc.posthoc_scores(PCMClassifier(method.k),
                                  method.component_draw(state, per_component),
                                  rng, ec.posthoc_steps, x, y)
