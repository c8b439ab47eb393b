"""Evaluation of a trained state; used by the trainer and experiments/evaluate.

Metrics by data kind (README lists the keys):
  2d: modes_covered, modes_covered_1pct, num_modes, hq_fraction, mode_kl
      (where the set has modes), knn_real_acc, knn_fake_acc; the same with
      the suffix `_n<N>` at eval.num_samples_large.
  every kind: component usage where the method returns components; a picture
      (2D scatter or image grid) when asked.
"""

import json
import logging
import os
from typing import Any

import jax
import numpy as np

from gan_mixtures import viz
from gan_mixtures.metrics import classifier as clf_lib
from gan_mixtures.metrics import digits, inception_fid, knn, modes

DIGIT_SETS = ("mnist", "stacked_mnist", "digits")


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


def metrics_2d(data, real: np.ndarray, fake: np.ndarray, k: int) -> dict[str, Any]:
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
  return {"generator_purity": float(np.mean(purities)), "modes_claimed": len(claimed)}


def evaluate(
    method, state, data, config, rng: jax.Array, sample_path: str | None = None
) -> dict[str, Any]:
  """Computes the metrics the data set supports; optionally draws a picture."""
  ec = config.eval
  rng_fake, rng_real = jax.random.split(rng)
  sizes = [ec.num_samples] + (
      [ec.num_samples_large] if ec.num_samples_large > 0 else []
  )
  n_draw = max(sizes) if data.kind == "2d" else ec.num_samples
  fake_all, aux = draw_samples(method, state, rng_fake, n_draw, ec.use_ema)
  components = aux.get("component")
  metrics: dict[str, Any] = {}
  if data.kind == "2d":
    real_all = np.asarray(data.sample(rng_real, (max(sizes),)))
    for i, n in enumerate(sizes):
      m = metrics_2d(data, real_all[:n], fake_all[:n], ec.knn_k)
      suffix = "" if i == 0 else f"_n{n}"
      metrics.update({k + suffix: v for k, v in m.items()})
  else:
    fake = fake_all[: ec.num_samples]
    metrics.update(image_metrics(data, fake, config))
    if ec.inception:
      metrics.update(inception_fid.inception_metrics(data, fake, config))
  metrics.update(method.state_metrics(state))
  metrics.update(method.extra_metrics(state, data, config, jax.random.fold_in(rng, 7)))
  if components is not None:
    comp = components[: ec.num_samples]
    metrics.update(component_usage(comp))
    if data.kind == "2d" and data.means is not None:
      metrics.update(component_purity(comp, fake_all[: ec.num_samples], data.means))
  if sample_path:
    draw_picture(sample_path, data, fake_all[: ec.num_samples], components,
                 real_all if data.kind == "2d" else None,
                 f"{config.name} step {int(state.step)}")
    method.extra_pictures(state, data, config, jax.random.fold_in(rng, 8), sample_path)
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


def save_samples_picture(method, state, data, config, rng, path: str) -> None:
  """Only the picture of `evaluate` (for periodic samples during training)."""
  rng_fake, rng_real = jax.random.split(rng)
  n = config.eval.num_samples if data.kind == "2d" else 64
  fake, aux = draw_samples(method, state, rng_fake, n, config.eval.use_ema)
  real = np.asarray(data.sample(rng_real, (n,))) if data.kind == "2d" else None
  draw_picture(path, data, fake, aux.get("component"), real,
               f"{config.name} step {int(state.step)}")


def image_metrics(data, fake: np.ndarray, config) -> dict[str, Any]:
  """Classifier-based metrics of digit sets (others: FID with Inception)."""
  if data.name not in DIGIT_SETS:
    return {}
  try:
    clf = clf_lib.load_classifier(config.eval.classifier_dir)
  except FileNotFoundError as e:
    logging.warning("digit metrics skipped: %s", e)
    return {"skipped": f"no classifier in {config.eval.classifier_dir}"}
  real, real_labels = data.real_examples(len(fake))
  out = {}
  if data.name == "stacked_mnist":
    out.update(digits.stacked_mnist_metrics(fake, clf))
    # domain features per channel would mix digits; use the first channel
    real, fake = real[..., :1], fake[..., :1]
  else:
    out.update(digits.digit_histogram(fake, clf, np.asarray(real_labels)))
  out.update(digits.domain_feature_metrics(real, fake, clf, k=config.eval.knn_k))
  return out


def write_results(workdir: str, results: dict[str, Any]) -> str:
  """Writes WORKDIR/results.json atomically; returns its path."""
  path = os.path.join(workdir, "results.json")
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    json.dump(results, f, indent=2, sort_keys=True)
  os.replace(tmp, path)
  return path
