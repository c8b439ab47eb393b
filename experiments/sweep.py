r"""Runs a config over seeds (and a grid of values); prints a paper-style table.

  python -m experiments.sweep --config=configs/mdgan.py:ring8 --seeds=5 \
      --workdir=/tmp/sweep_ring8
  python -m experiments.sweep --config=configs/mdgan.py:ring8 --seeds=3 \
      --grid="method.n_gmm=4,6,8,10,12;method.var=0.5,0.25,0.16"

Every run is a normal workdir under --workdir (finished runs are reused, so
an interrupted sweep resumes); `sweep.json` there holds every run's metrics
and the mean +- std per grid point.

On a cluster, `--launcher=submitit` submits one job per run (a SLURM job
array through the `submitit` package: --partition, --time_min,
--gpus_per_job, --cpus_per_job, --array_parallelism; submitit's files in
WORKDIR/submitit), waits for them and collects sweep.json from the finished
workdirs exactly as the local loop does. Where SLURM is absent it runs the
jobs with submitit's local executor (the tests' path).

  python -m experiments.sweep --config=configs/mdgan.py:ring8 --seeds=5 \
      --workdir=/shared/sweep_ring8 --launcher=submitit --partition=gpu \
      --gpus_per_job=1 --time_min=60
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
_LAUNCHER = flags.DEFINE_enum("launcher", "local", ["local", "submitit"],
                              "Run here one after another, or as cluster jobs.")
_PARTITION = flags.DEFINE_string("partition", None,
                                 "submitit: SLURM partition.")
_TIME_MIN = flags.DEFINE_integer("time_min", 60, "submitit: minutes per job.")
_GPUS = flags.DEFINE_integer("gpus_per_job", 0, "submitit: GPUs per job.")
_CPUS = flags.DEFINE_integer("cpus_per_job", 2, "submitit: CPUs per job.")
_PARALLEL = flags.DEFINE_integer("array_parallelism", 64,
                                 "submitit: jobs of the array at once.")
_EXECUTOR = flags.DEFINE_enum("executor", "auto", ["auto", "local"],
                              "submitit: auto (SLURM where present) or local.")
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
    lines.append(f"{point_name(point):<28} {s['num_runs']:>4} {modes:>14}"
                 f" {hq:>16} {kl:>8}")
  return "\n".join(lines)


def finished(workdir: str, num_steps: int) -> dict | None:
  """results.json of a run that reached num_steps, else None."""
  from gan_mixtures import evaluate

  return evaluate.finished_results(workdir, num_steps)


def planned_runs(base_config, points: list[dict], seeds: int, root: str):
  """(point, seed, config, workdir) of every run of the sweep."""
  runs = []
  for point in points:
    for seed in range(seeds):
      config = copy.deepcopy(base_config)
      config.update_from_flattened_dict({**point, "seed": seed})
      runs.append((point, seed, config,
                   os.path.join(root, point_name(point), f"seed{seed}")))
  return runs


def train_run(config_json: str, workdir: str) -> dict:
  """One run (a picklable job for submitit): the config as JSON."""
  import ml_collections

  from gan_mixtures import train

  config = ml_collections.ConfigDict(json.loads(config_json))
  return train.train_and_evaluate(config, workdir)


def launch_local(todo: list) -> None:
  from gan_mixtures import progress

  report = progress.Progress("sweep", len(todo), unit="runs", every_secs=None)
  report.start(0)
  for i, (_, _, config, workdir) in enumerate(todo):
    logging.info("run %d/%d: %s (%s)", i + 1, len(todo), workdir,
                 report.line(i))
    train_run(config.to_json(), workdir)


def launch_submitit(todo: list, root: str) -> None:
  """One job per run as a job array; waits for all, raising if one failed."""
  import submitit

  folder = os.path.join(root, "submitit", "%j")
  if _EXECUTOR.value == "local":
    executor = submitit.LocalExecutor(folder=folder)
    executor.update_parameters(timeout_min=_TIME_MIN.value)
  else:
    executor = submitit.AutoExecutor(folder=folder)
    params = dict(timeout_min=_TIME_MIN.value, cpus_per_task=_CPUS.value,
                  gpus_per_node=_GPUS.value, tasks_per_node=1, nodes=1,
                  slurm_array_parallelism=_PARALLEL.value)
    if _PARTITION.value:
      params["slurm_partition"] = _PARTITION.value
    executor.update_parameters(**params)
  jobs = executor.map_array(train_run, [c.to_json() for _, _, c, _ in todo],
                            [w for *_, w in todo])
  logging.info("submitted %d jobs (%s)", len(jobs),
               jobs[0].job_id if jobs else "-")
  for job in jobs:
    job.result()  # raises the job's error


def collect(runs: list) -> list[dict]:
  out = []
  for point, seed, config, workdir in runs:
    results = finished(workdir, config.train.num_steps)
    logging.info("%s seed %d: %s", point_name(point), seed, results["metrics"])
    out.append({"point": point, "seed": seed, "workdir": workdir,
                "metrics": results["metrics"], "wall_s": results["wall_s"]})
  return out


def main(argv):
  del argv
  config = _CONFIG.value
  points = parse_grid(_GRID.value)
  runs = planned_runs(config, points, _SEEDS.value, _WORKDIR.value)
  todo = [r for r in runs if finished(r[3], r[2].train.num_steps) is None]
  if _LAUNCHER.value == "submitit" and todo:
    launch_submitit(todo, _WORKDIR.value)
  else:
    launch_local(todo)
  all_runs = collect(runs)
  summaries = [(p, summarise([r for r in all_runs if r["point"] == p]))
               for p in points]
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
