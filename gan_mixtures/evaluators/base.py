"""The evaluator contract and what the evaluators of one run share."""

import functools
from typing import Any

import jax
import numpy as np


class Evaluator:
  """One part of a run's evaluation, built once per run.

  `metrics` adds to results.json at the final (and periodic) evaluation;
  `pictures` draws beside the sample grid (`sample_path`, a .png);
  `periodic` adds `diag/` values to metrics.jsonl at every log step. Each
  receives the method (its pure functions of the state), the state and an
  rng; the defaults do nothing.
  """

  def __init__(self, config, data, shared: "Shared"):
    self.config, self.data, self.shared = config, data, shared

  @classmethod
  def applies(cls, config, data) -> bool:
    """Whether the evaluator runs for this config and data set."""
    del config
    return data.kind == "image"

  def metrics(self, method, state, rng: jax.Array) -> dict[str, Any]:
    del method, state, rng
    return {}

  def pictures(self, method, state, rng: jax.Array, sample_path: str) -> None:
    del method, state, rng, sample_path

  def periodic(self, method, state, rng: jax.Array) -> dict[str, float]:
    del method, state, rng
    return {}


class Shared:
  """What several evaluators of a run read, loaded once and on first use:
  the digit classifier and test images."""

  def __init__(self, config):
    self.config = config

  @functools.cached_property
  def classifier(self):
    """The digit classifier (eval_setup.classifier_dir), or None where the
    set has none or it has not been trained."""
    from gan_mixtures import eval_setup
    from gan_mixtures.metrics import classifier as clf_lib

    directory = eval_setup.classifier_dir(self.config)
    if directory and clf_lib.read_meta(directory):
      return clf_lib.load_classifier(directory)
    return None

  @functools.cached_property
  def _test_set(self):
    from gan_mixtures import data as data_lib

    return data_lib.make_dataset(self.config.data, seed=self.config.seed,
                                 split="test")

  def test_examples(self) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of up to eval.cluster_num test examples, drawn for
    this run's seed (the final clustering scores); raises FileNotFoundError
    / ValueError where the split cannot be read."""
    test = self._test_set
    return test.real_examples(min(self.config.eval.cluster_num,
                                  len(test.source)))

  @functools.cached_property
  def diagnostic_examples(self) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of up to eval.cluster_num test examples, the same
    for every seed (the periodic diagnostics; reference_examples)."""
    test = self._test_set
    x, y = test.reference_examples(min(self.config.eval.cluster_num,
                                       test.size))
    return x, np.asarray(y)

  @functools.cached_property
  def diagnostic_features(self) -> np.ndarray:
    """The classifier's features of diagnostic_examples' images."""
    return self.classifier.features(self.diagnostic_examples[0])
