"""MMGAN's evaluation: which region of the data sets' overlap every
component generates (the paper's component accuracy, Table 2) and the
trajectory of the learned weights alpha (Fig. 2's d_i over training)."""

import json
import os
from typing import Any

import jax
import numpy as np

from gan_mixtures import viz
from gan_mixtures.data import splits
from gan_mixtures.evaluators.base import Evaluator
from gan_mixtures.evaluators.components import beside, flat_components
from gan_mixtures.metrics import components as comp_lib


class Regions(Evaluator):
  """Component accuracy with the project's digit classifier: every used
  component's samples (max(eval.num_samples / K, 64) each) labelled by the
  classifier and scored against the region matched to it (by the weights,
  or by index when they are fixed); beside it the random and union
  baselines, the same samples' digit mapping and realism, and the regions
  the weights imply if the sets were read as sets."""

  def metrics(self, method, state, rng: jax.Array) -> dict[str, Any]:
    from gan_mixtures import eval_setup
    from gan_mixtures.metrics import classifier as clf_lib

    config, data = self.config, self.data
    directory = eval_setup.classifier_dir(config)
    if directory is None:
      return {"component_acc_skipped": "eval.classifier_metrics is False"}
    # load_classifier's error names the command that trains a missing one
    clf = self.shared.classifier or clf_lib.load_classifier(directory)
    k = method.k
    alpha = np.asarray(jax.device_get(method.alpha(state)))  # [n, K]
    region_classes, names = method.region_table()
    if config.method.fix_weights:
      region_of = np.arange(k) if k == len(names) else np.full(k, -1)
    else:
      region_of = comp_lib.match_components(alpha, np.asarray(data.priors))
    per_comp = max(config.eval.num_samples // k, 64)
    x = np.asarray(method.sample_components(state, rng, per_comp,
                                            config.eval.use_ema))
    used = alpha.max(0) > config.method.used_weight
    labels = {c: clf.predict(x[c]) for c in range(k) if used[c]}
    out = comp_lib.component_accuracy(labels, region_of, region_classes, names)
    union, union_labels = data.real_examples(2000)
    # how real the samples behind component_acc are (noise scores too)
    flat, components = flat_components(x)
    out.update(comp_lib.component_label_metrics(components,
                                                clf.probabilities(flat)))
    out.update(comp_lib.realism(clf, flat, clf.features(union)))
    out["component_acc_random"] = comp_lib.random_baseline(data.label_sets)
    out["component_acc_union"] = comp_lib.union_baseline(
        union_labels, [c for c in region_classes if c])
    out["component_region"] = {int(c): names[r] if r >= 0 else None
                               for c, r in enumerate(region_of)}
    shares = {c: comp_lib.region_shares(lab, region_classes, names)
              for c, lab in labels.items()}
    out["component_region_share"] = {
        int(c): {r: round(v, 4) for r, v in by_region.items()}
        for c, by_region in shares.items()}
    n = alpha.shape[0]
    implied = comp_lib.as_sets_imply(alpha, shares, splits.region_order(n),
                                     names)
    out["regions_as_sets_imply"] = len(set(implied.values()))
    out["component_implied_region"] = {int(c): r for c, r in implied.items()}
    out["components_used"] = int(used.sum())
    return out


class WeightTrajectory(Evaluator):
  """samples/step_<n>_alpha.png: every set's weights over the run so far,
  from the `diag/alpha_<i>_<k>` rows of metrics.jsonl (the workdir of the
  sample picture)."""

  def pictures(self, method, state, rng: jax.Array, sample_path: str) -> None:
    del method, state, rng
    jsonl = os.path.join(os.path.dirname(os.path.dirname(sample_path)),
                         "metrics.jsonl")
    if not os.path.exists(jsonl):
      return
    with open(jsonl) as f:
      rows = [r for r in map(json.loads, f) if "diag/alpha_0_0" in r]
    if not rows:
      return
    pairs = [tuple(map(int, key.split("_")[1:])) for key in rows[0]
             if key.startswith("diag/alpha_")]  # (set i, component k)
    n, k = (1 + max(column) for column in zip(*pairs))
    steps = np.asarray([r["step"] for r in rows])
    traj = np.asarray([[[r[f"diag/alpha_{i}_{c}"] for c in range(k)]
                        for i in range(n)] for r in rows])  # [T, n, K]
    viz.alpha_trajectories(beside(sample_path, "alpha"), steps, traj)
