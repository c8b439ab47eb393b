"""Evaluators: the parts of an evaluation that depend on what a method is
(components, a classifier of its own, learned weights), built once per run
from the config and the method (big_vision's `evaluators.common.from_config`
is the model).

A method names the evaluators that apply to it (`GANMethod.evaluators`) and
exposes pure functions of its state that they call: `sample_components`,
`component_titles`, and where it has them `component_draw`, `interpolate`,
`responsibilities`, `alpha` (the Method protocol, methods/base.py).
Evaluators read the data sets, the digit classifier and the run's files;
methods do not.

The sample metrics every run gets (2D modes and kNN, FID / KID / P&R / D&C /
IS on the domain and Inception features, digit histograms, Stacked MNIST
modes, component usage) are computed in evaluate.py on the samples drawn
once; the evaluators here add to them.

Registry: EVALUATORS, one line per evaluator; a new one is a class with
`metrics` / `pictures` / `periodic` (base.Evaluator) and its line.
"""

from typing import Any

import jax

from gan_mixtures.evaluators.base import Evaluator, Shared
from gan_mixtures.evaluators.clustering import Clustering, Posthoc
from gan_mixtures.evaluators.components import (ComponentLabels,
                                                ComponentRows, Interpolation)
from gan_mixtures.evaluators.regions import Regions, WeightTrajectory

EVALUATORS: dict[str, type[Evaluator]] = {
    "component_rows": ComponentRows,
    "interpolation": Interpolation,
    "component_labels": ComponentLabels,
    "clustering": Clustering,
    "posthoc": Posthoc,
    "regions": Regions,
    "weight_trajectory": WeightTrajectory,
}


def from_config(config, data, method) -> list[Evaluator]:
  """The evaluators of a run: those the method names (in its order) that
  apply to `data` under `config`."""
  unknown = [n for n in method.evaluators if n not in EVALUATORS]
  if unknown:
    raise ValueError(f"{type(method).__name__}.evaluators names {unknown};"
                     f" registered: {sorted(EVALUATORS)}")
  shared = Shared(config)
  return [EVALUATORS[n](config, data, shared) for n in method.evaluators
          if EVALUATORS[n].applies(config, data)]


def _merged(results) -> dict[str, Any]:
  """The evaluators' dicts, later ones winning a shared key."""
  out: dict[str, Any] = {}
  for result in results:
    out.update(result)
  return out


def metrics(evaluators: list[Evaluator], method, state,
            rng: jax.Array) -> dict[str, Any]:
  """What the evaluators add to an evaluation's metrics (in their order)."""
  return _merged(ev.metrics(method, state, rng) for ev in evaluators)


def pictures(evaluators: list[Evaluator], method, state, rng: jax.Array,
             sample_path: str) -> None:
  """The evaluators' pictures beside `sample_path`."""
  for ev in evaluators:
    ev.pictures(method, state, rng, sample_path)


def periodic(evaluators: list[Evaluator], method, state,
             rng: jax.Array) -> dict[str, float]:
  """The evaluators' values at a log step (metrics.jsonl `diag/`)."""
  return _merged(ev.periodic(method, state, rng) for ev in evaluators)
