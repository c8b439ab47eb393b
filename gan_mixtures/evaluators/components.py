"""Evaluators of methods with components (generators, Gaussians, MMGAN's
shared components): a picture with a row per component, an interpolation
between components, and how the components map to digits."""

import os

import jax
import jax.numpy as jnp
import numpy as np

from gan_mixtures import viz
from gan_mixtures.evaluators.base import Evaluator
from gan_mixtures.metrics import components as comp_lib

ROW = 8  # samples per component in the picture
PER_COMPONENT = 64  # samples per component of the periodic digit mapping


def beside(sample_path: str, suffix: str) -> str:
  """samples/step_<n>.png -> samples/step_<n>_<suffix>.png"""
  root, ext = os.path.splitext(sample_path)
  return f"{root}_{suffix}{ext}"


def flat_components(x: jax.Array) -> tuple[np.ndarray, np.ndarray]:
  """Images [K, m, ...] -> (images [K m, ...], their components [K m])."""
  x = np.asarray(x)
  return (x.reshape((-1,) + x.shape[2:]),
          np.repeat(np.arange(x.shape[0]), x.shape[1]))


class ComponentRows(Evaluator):
  """samples/step_<n>_components.png: ROW samples of every component, a
  row each, titled by the method (LDAGAN's Fig. 3, MMGAN's Fig. 2 with its
  weights d_i). Every evaluator draws from the generator the evaluation
  uses (eval.use_ema)."""

  def pictures(self, method, state, rng: jax.Array, sample_path: str) -> None:
    x = method.sample_components(state, rng, ROW, self.config.eval.use_ema)
    viz.component_rows(beside(sample_path, "components"), np.asarray(x),
                       method.component_titles(state))


class Interpolation(Evaluator):
  """samples/step_<n>_interpolation.png: images between components 0, 1
  and 2 on a triangle grid (method.interpolate; K >= 3)."""

  def pictures(self, method, state, rng: jax.Array, sample_path: str) -> None:
    if method.k < 3:
      return
    x = method.interpolate(state, rng, triangle_weights(method.k, ROW),
                           self.config.eval.use_ema)
    viz.image_grid(beside(sample_path, "interpolation"), np.asarray(x),
                   ncol=ROW)


def triangle_weights(k: int, steps: int) -> jax.Array:
  """Barycentric weights over components 0, 1, 2 on a triangle grid, padded
  to K; [rows * steps, K] (rows = steps; unused cells are zeros)."""
  rows = []
  for i in range(steps):
    for j in range(steps):
      a = 1.0 - i / (steps - 1)
      rest = 1.0 - a
      b = rest * (1.0 - j / (steps - 1))
      rows.append([a, b, rest - b] + [0.0] * (k - 3))
  return jnp.asarray(rows)


class ComponentLabels(Evaluator):
  """At every log step, where a digit classifier is found: how
  PER_COMPONENT samples of every component map to digits
  (comp_lib.component_label_metrics: `component_digit_acc`,
  `component_purity`, `component_confidence`; the PCM paper's Fig. 4 claim)
  and their domain FID against the test images (`component_fid_domain`:
  noise can map to digits, it does not score a low FID)."""

  def periodic(self, method, state, rng: jax.Array) -> dict[str, float]:
    clf = self.shared.classifier
    if clf is None:
      return {}
    x, labels = flat_components(method.sample_components(
        state, rng, PER_COMPONENT, self.config.eval.use_ema))
    out = comp_lib.component_label_metrics(labels, clf.probabilities(x))
    try:
      real = self.shared.diagnostic_features
    except (FileNotFoundError, ValueError):  # no test split: no realism
      return out
    out.update(comp_lib.realism(clf, x, real))
    return out
