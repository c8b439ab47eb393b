"""Evaluation of a trained state; used by the trainer and experiments/evaluate.

Metrics by data kind (README lists the keys):
  2d: modes_covered, modes_covered_1pct, num_modes, hq_fraction, mode_kl
      (where the set has modes), knn_real_acc, knn_fake_acc; the same with
      the suffix `_n<N>` at eval.num_samples_large.
  images: generated images quantised to uint8 levels (eval.quantize), then
      compared with the reference split (eval.reference_split, eval_setup):
      on the digit classifier's features (`_domain` keys, digit sets) and on
      Inception features (fid, kid, precision, recall, density, coverage,
      knn_*, inception_score where the logits layer is known).
  every kind: component usage where the method returns components; a picture
      (2D scatter or image grid) when asked; what the method's evaluators
      add (gan_mixtures/evaluators: clustering, component accuracy,
      per-component pictures).
`protocol` describes how (results.json `eval_protocol`).
"""

import json
import logging
import os
from typing import Any

import jax
import numpy as np

from gan_mixtures import eval_setup, viz
from gan_mixtures import evaluators as evaluators_lib
from gan_mixtures.metrics import classifier as clf_lib
from gan_mixtures.metrics import components as comp_lib
from gan_mixtures.metrics import (digits, feature_metrics, inception_fid, knn,
                                  modes)


def draw_samples(
    method, state, rng: jax.Array, n: int, use_ema: bool, chunk: int = 1000
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
  """n samples and their aux arrays, drawn `chunk` at a time (jitted)."""
  xs, auxs = [], []
  for i, start in enumerate(range(0, n, chunk)):
    x, aux = method.jitted_sample(
        state, jax.random.fold_in(rng, i), n=min(chunk, n - start),
        use_ema=use_ema,
    )
    xs.append(np.asarray(x))
    auxs.append(jax.tree.map(np.asarray, aux))
  aux = {k: np.concatenate([a[k] for a in auxs]) for k in auxs[0]}
  return np.concatenate(xs), aux


def metrics_2d(
    data, real: np.ndarray, fake: np.ndarray, k: int
) -> dict[str, Any]:
  out: dict[str, Any] = {}
  if data.means is not None:
    out.update(modes.mode_metrics(fake, data.means, data.stds, data.weights))
  out.update(knn.knn_two_sample(real, fake, k=k))
  return out


def component_usage(components: np.ndarray) -> dict[str, Any]:
  counts = np.bincount(components.astype(np.int64))
  return {
      "components_used": int(np.sum(counts > 0)),
      "component_counts": counts.tolist(),
  }


def component_purity(
    components: np.ndarray, samples: np.ndarray, means: np.ndarray
) -> dict[str, Any]:
  """How cleanly components split the modes of a 2D mixture.

  `generator_purity`: per used component, the share of its samples whose
  nearest mode is its most frequent one, averaged over components;
  `modes_claimed`: distinct most-frequent modes over the components.
  """
  mode_of, _ = modes.nearest_mode(samples, means)
  purities, claimed = [], set()
  for c in np.unique(components):
    counts = np.bincount(mode_of[components == c], minlength=len(means))
    purities.append(counts.max() / counts.sum())
    claimed.add(int(counts.argmax()))
  return {"generator_purity": float(np.mean(purities)),
          "modes_claimed": len(claimed)}


def quantized(images: np.ndarray) -> np.ndarray:
  """Images in [-1, 1] rounded to the 256 levels a PNG keeps (as every
  reference implementation sees generated images)."""
  from gan_mixtures.data.images import to_unit_range

  return to_unit_range(inception_fid.to_uint8(images))


def num_fake(ec) -> int:
  """Generated images for the image metrics (eval.num_fake, 0 = num_samples)."""
  return ec.num_fake or ec.num_samples


def evaluate(
    method, state, data, config, rng: jax.Array, sample_path: str | None = None,
    resources: eval_setup.EvalResources | None = None,
    evaluators: list[evaluators_lib.Evaluator] | None = None,
) -> dict[str, Any]:
  """Computes the metrics the data set supports and the method's evaluators
  add; optionally draws the pictures.

  `resources` (eval_setup.prepare) hold the reference split, classifier and
  weights; `evaluators` (evaluators.from_config): built here when not given.
  """
  if evaluators is None:
    evaluators = evaluators_lib.from_config(config, data, method)
  ec = config.eval
  rng_fake, rng_real = jax.random.split(rng)
  if data.kind == "2d":
    sizes = [ec.num_samples] + (
        [ec.num_samples_large] if ec.num_samples_large > 0 else [])
    n_draw = max(sizes)
  else:
    n_draw = max(ec.num_samples, num_fake(ec))
  fake_all, aux = draw_samples(method, state, rng_fake, n_draw, ec.use_ema)
  components = aux.get("component")
  real_all = (np.asarray(data.sample(rng_real, (max(sizes),)))
              if data.kind == "2d" else None)
  if sample_path:  # first: an evaluation stopped midway leaves its picture
    draw_picture(sample_path, data, fake_all[: ec.num_samples], components,
                 real_all, f"{config.name} step {int(state.step)}")
    evaluators_lib.pictures(evaluators, method, state,
                            jax.random.fold_in(rng, 8), sample_path)
  metrics: dict[str, Any] = {}
  if data.kind == "2d":
    for i, n in enumerate(sizes):
      m = metrics_2d(data, real_all[:n], fake_all[:n], ec.knn_k)
      suffix = "" if i == 0 else f"_n{n}"
      metrics.update({k + suffix: v for k, v in m.items()})
  else:
    resources = resources or eval_setup.prepare(config, data)
    logging.info(
        "evaluating step %d: %d generated images against %d of the %s split;"
        " %s", int(state.step), n_draw,
        inception_fid.reference_size(resources.reference, ec, n_draw),
        resources.reference.split_name,
        ", ".join(["digit-classifier features"] * bool(resources.classifier_dir)
                  + ["Inception features"] * bool(ec.inception)) or
        "no feature metrics")
    images = quantized(fake_all) if ec.quantize else fake_all
    metrics.update(image_metrics(resources, images[: ec.num_samples], config,
                                 components))
    if ec.inception:
      metrics.update(inception_fid.inception_metrics(
          resources.reference, images[: num_fake(ec)], ec))
  metrics.update(method.state_metrics(state))
  metrics.update(evaluators_lib.metrics(evaluators, method, state,
                                        jax.random.fold_in(rng, 7)))
  if components is not None:
    comp = components[: ec.num_samples]
    metrics.update(component_usage(comp))
    if data.kind == "2d" and data.means is not None:
      metrics.update(component_purity(comp, fake_all[: ec.num_samples],
                                      data.means))
  return metrics


def draw_picture(
    path: str, data, fake: np.ndarray, components: np.ndarray | None,
    real: np.ndarray | None, title: str,
) -> None:
  """A 2D scatter (fakes coloured by component) or a grid of 64 images."""
  if data.kind == "2d":
    n = len(fake)
    comp = None if components is None else components[:n]
    viz.scatter_2d(path, real[:n], fake, comp, title=title)
  else:
    viz.image_grid(path, fake[:64])


def save_samples_picture(
    method, state, data, config, rng, path: str,
    evaluators: list[evaluators_lib.Evaluator] | None = None,
) -> np.ndarray | None:
  """Only the pictures of `evaluate` (periodic samples during training, and
  before the final evaluation): the sample grid (or 2D scatter) and the
  evaluators' (per-component rows...). Returns the image grid's pixels
  [H, W, C] (None for 2D)."""
  if evaluators is None:
    evaluators = evaluators_lib.from_config(config, data, method)
  rng_fake, rng_real = jax.random.split(rng)
  n = config.eval.num_samples if data.kind == "2d" else 64
  fake, aux = draw_samples(method, state, rng_fake, n, config.eval.use_ema)
  real = np.asarray(data.sample(rng_real, (n,))) if data.kind == "2d" else None
  draw_picture(path, data, fake, aux.get("component"), real,
               f"{config.name} step {int(state.step)}")
  evaluators_lib.pictures(evaluators, method, state,
                          jax.random.fold_in(rng, 8), path)
  return None if data.kind == "2d" else viz.grid_pixels(fake[:64])


def image_metrics(resources: eval_setup.EvalResources, fake: np.ndarray,
                  config, components: np.ndarray | None = None
                  ) -> dict[str, Any]:
  """Class-based metrics of sets with a classifier (digit histogram, and the
  feature metrics on its features, suffix `_domain`) against the reference
  split; with the fakes' components (digit sets), how they map to digits
  (component_label_metrics: `component_digit_acc`, `component_purity`,
  `component_confidence`, beside `fid_domain` of the same samples); {} for
  sets without a classifier."""
  if resources.classifier_dir is None:
    return {}
  clf = clf_lib.load_classifier(resources.classifier_dir)
  n_real = inception_fid.reference_size(resources.reference, config.eval,
                                         len(fake))
  real, real_labels = resources.reference.reference_examples(n_real)
  out = {}
  if config.data.name == "stacked_mnist":
    out.update(digits.stacked_mnist_metrics(fake, clf))
    # domain features per channel would mix digits; use the first channel
    real, fake = real[..., :1], fake[..., :1]
  else:
    out.update(digits.digit_histogram(fake, clf, np.asarray(real_labels)))
    if components is not None:
      out.update(comp_lib.component_label_metrics(
          components[: len(fake)], clf.probabilities(fake)))
  out.update(feature_metrics.feature_metrics(
      clf.features(real), clf.features(fake), config.eval, suffix="_domain"))
  return out


def protocol(config, data, resources: eval_setup.EvalResources | None,
             state=None) -> dict[str, Any]:
  """How the metrics of a run were computed (results.json `eval_protocol`)."""
  ec, t = config.eval, config.train
  uses_ema = bool(ec.use_ema and t.ema_decay > 0)
  out: dict[str, Any] = {
      "generator": "ema" if uses_ema else "raw",
      "ema_decay": float(t.ema_decay) if uses_ema else None,
      "ema_warmup": bool(t.ema_warmup) if uses_ema else None,
  }
  if data.kind == "2d":
    return {**out, "n_fake": ec.num_samples, "n_real": ec.num_samples,
            "reference": "drawn from the true distribution",
            "knn_k": ec.knn_k, "n_large": ec.num_samples_large or None}
  reference = resources.reference if resources else None
  n_fake = num_fake(ec)
  out.update({
      "reference_split": reference.split_name if reference else None,
      "reference_size": reference.size if reference else None,
      "n_fake": n_fake,
      "n_real": (inception_fid.reference_size(reference, ec, n_fake)
                 if reference else None),
      "quantized": bool(ec.quantize),
      "knn_k": ec.knn_k, "pr_k": ec.pr_k, "dc_k": ec.dc_k,
      "kid_subsets": ec.kid_subsets, "kid_subset_size": ec.kid_subset_size,
  })
  if resources and resources.classifier_dir:
    meta = clf_lib.read_meta(resources.classifier_dir) or {}
    out["domain_features"] = {
        "classifier": os.path.abspath(resources.classifier_dir),
        "dataset": meta.get("dataset"), "test_acc": meta.get("test_acc"),
        "n_fake": ec.num_samples}
  if ec.inception and resources and resources.inception_weights:
    out["inception"] = {
        "weights": os.path.basename(resources.inception_weights),
        "weights_sha256": inception_fid.file_sha256(
            resources.inception_weights),
        "logits": (None if not resources.inception_logits else {
            "file": os.path.basename(resources.inception_logits),
            "sha256": inception_fid.file_sha256(resources.inception_logits)}),
        "resize": ec.resize, "is_splits": ec.is_splits,
        "inception_score": not resources.notes,
    }
  return out


# The headline metrics of a run's one-line summary, in this order, where
# the run has them.
SUMMARY_KEYS = (
    "modes_covered", "num_modes", "hq_fraction", "mode_kl", "knn_real_acc",
    "knn_fake_acc", "fid", "kid", "inception_score", "precision", "recall",
    "density", "coverage", "fid_domain", "knn_real_acc_domain",
    "knn_fake_acc_domain", "digits_present", "label_kl", "label_kl_data",
    "component_digit_acc", "component_confidence", "component_acc",
    "regions_as_sets_imply", "cluster_acc", "nmi",
    "clusters_used", "generator_purity", "modes_claimed",
)


def summary_line(results: dict[str, Any]) -> str:
  """'<config> step <n>: key=value ...' of the headline metrics."""
  m = results["metrics"]
  parts = [f"{k}={m[k]:.4g}" for k in SUMMARY_KEYS
           if isinstance(m.get(k), (int, float))
           and not isinstance(m.get(k), bool)]
  return f"{results['config']} step {results['step']}: " + " ".join(parts)


def finished_results(workdir: str, num_steps: int) -> dict[str, Any] | None:
  """WORKDIR/results.json of a run that reached num_steps, else None."""
  path = os.path.join(workdir, "results.json")
  if not os.path.exists(path):
    return None
  with open(path) as f:
    results = json.load(f)
  return results if results.get("step") == num_steps else None


def write_results(workdir: str, results: dict[str, Any]) -> str:
  """Writes WORKDIR/results.json atomically; returns its path."""
  path = os.path.join(workdir, "results.json")
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    json.dump(results, f, indent=2, sort_keys=True)
  os.replace(tmp, path)
  return path
