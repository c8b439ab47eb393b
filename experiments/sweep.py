r"""Runs a config over seeds (and a grid of values); prints a paper-style table.

  python -m experiments.sweep --config=configs/mdgan.py:ring8 --seeds=5 \
      --workdir=/tmp/sweep_ring8
  python -m experiments.sweep --config=configs/mdgan.py:ring8 --seeds=3 \
      --grid="method.n_gmm=4,6,8,10,12;method.var=0.5,0.25,0.16"

Every run is a normal workdir under --workdir (finished runs are reused, so
an interrupted sweep resumes); `sweep.json` there holds every run's metrics
and the mean +- std per grid point.
"""

import ast
import copy
import itertools
import json
import os

import numpy as np
from absl import app, flags, logging
from ml_collections import config_flags

_CONFIG = config_flags.DEFINE_config_file("config", None, "Config file.")
_SEEDS = flags.DEFINE_integer("seeds", 5, "Seeds 0..N-1 per grid point.")
_GRID = flags.DEFINE_string(
    "grid", "", "Grid `key=v1,v2;key2=w1,w2` over dotted config keys."
)
_WORKDIR = flags.DEFINE_string("workdir", None, "Folder for all runs.")
flags.mark_flags_as_required(["config", "workdir"])

TABLE_KEYS = ("modes_covered", "hq_fraction", "mode_kl", "knn_real_acc",
              "knn_fake_acc", "generator_purity", "modes_claimed")


def _value(text: str):
  try:
    return ast.literal_eval(text)
  except (ValueError, SyntaxError):
    return text


def parse_grid(grid: str) -> list[dict]:
  """'a.b=1,2;c.d=x' -> [{'a.b': 1, 'c.d': 'x'}, {'a.b': 2, 'c.d': 'x'}]."""
  axes = []
  for part in filter(None, (p.strip() for p in grid.split(";"))):
    key, _, values = part.partition("=")
    if not values:
      raise ValueError(f"grid entry {part!r} is not key=v1,v2")
    axes.append([(key.strip(), _value(v.strip())) for v in values.split(",")])
  return [dict(point) for point in itertools.product(*axes)]


def point_name(point: dict) -> str:
  return "_".join(f"{k.split('.')[-1]}{v}" for k, v in point.items()) or "base"


def summarise(runs: list[dict]) -> dict:
  out = {"num_runs": len(runs)}
  for key in TABLE_KEYS:
    vals = [r["metrics"][key] for r in runs if key in r["metrics"]]
    if vals:
      out[key] = {"mean": float(np.mean(vals)), "std": float(np.std(vals)),
                  "min": float(np.min(vals)), "values": vals}
  return out


def format_table(summaries: list[tuple[dict, dict]]) -> str:
  lines = [f"{'point':<28} {'runs':>4} {'modes':>14} {'% hq':>16} {'KL':>8}"]
  for point, s in summaries:
    m, h = s.get("modes_covered"), s.get("hq_fraction")
    modes = f"{m['mean']:.2f}+-{m['std']:.2f}" if m else "-"
    hq = f"{100 * h['mean']:.2f}+-{100 * h['std']:.2f}" if h else "-"
    kl = f"{s['mode_kl']['mean']:.3f}" if "mode_kl" in s else "-"
    lines.append(f"{point_name(point):<28} {s['num_runs']:>4} {modes:>14} {hq:>16} {kl:>8}")
  return "\n".join(lines)


def run_point(base_config, point: dict, seeds: int, root: str) -> list[dict]:
  from gan_mixtures import train

  runs = []
  for seed in range(seeds):
    config = copy.deepcopy(base_config)
    config.update_from_flattened_dict({**point, "seed": seed})
    workdir = os.path.join(root, point_name(point), f"seed{seed}")
    results_path = os.path.join(workdir, "results.json")
    results = None
    if os.path.exists(results_path):
      with open(results_path) as f:
        results = json.load(f)
      if results.get("step") != config.train.num_steps:
        results = None
    if results is None:
      results = train.train_and_evaluate(config, workdir)
    logging.info("%s seed %d: %s", point_name(point), seed, results["metrics"])
    runs.append({"point": point, "seed": seed, "workdir": workdir,
                 "metrics": results["metrics"], "wall_s": results["wall_s"]})
  return runs


def main(argv):
  del argv
  config = _CONFIG.value
  points = parse_grid(_GRID.value)
  all_runs, summaries = [], []
  for point in points:
    runs = run_point(config, point, _SEEDS.value, _WORKDIR.value)
    all_runs += runs
    summaries.append((point, summarise(runs)))
  sweep = {
      "config": config.name,
      "seeds": _SEEDS.value,
      "grid": _GRID.value,
      "runs": all_runs,
      "summary": [{"point": p, **s} for p, s in summaries],
  }
  path = os.path.join(_WORKDIR.value, "sweep.json")
  with open(path, "w") as f:
    json.dump(sweep, f, indent=2)
  print(f"{config.name}: {_SEEDS.value} seeds")
  print(format_table(summaries))
  print(f"sweep: {path}")


if __name__ == "__main__":
  app.run(main)
