r"""MMGAN: do learned mixture weights find the shared / unique split, and is
the degenerate solution an optimisation failure or the objective's own
optimum? (the issue's E2, E3, E5 and Table 2 both ways), on scikit-learn
digits or MNIST (--data), every run a normal workdir under --workdir, reused
when finished; the E3 refits are saved beside the run and reused too
(refit_<steps>_at<step>.json).

  python benchmarks/mmgan_experiment.py --seeds=2 --late_step=3000 \
      --out=benchmarks/results/mmgan_experiment_digits_cpu.json
  # MNIST case A, one seed a core (the two run at once), then the tables:
  python benchmarks/mmgan_experiment.py --data=mnist --steps=3500 \
      --set=method.loss=ns --only=t2_a_fixed,learned_a --refit_steps=1000 \
      --first_seed=1 --seeds=1 &
  python benchmarks/mmgan_experiment.py --data=mnist ... --seeds=1
  python benchmarks/mmgan_experiment.py --data=mnist ... --seeds=2 \
      --out=benchmarks/results/mmgan_experiment_mnist_a_cpu.json

Runs (`<data>_<case>` of configs/mmgan.py, its steps unless --steps):
  t2_<case>_fixed / t2_<case>_priors   Table 2's two readings, cases A, B, C
  learned_a                            weights learned from uniform (case A)
  e2_free_after_fixed                  t2_a_fixed continued with free weights
  e2_lambda<l>                         learned_a continued with lambda = l
  e5_sgd, e5_adam_b1_0.9, e5_late      omega by SGD, by Adam(0.9, 0.9), and
                                       learned only from --late_step, or from
                                       the step at which the fixed run's
                                       components separate by class
                                       (component purity >= --separated)
E3: Eq. 11 (V + lambda * CE) of t2_a_fixed's G and of learned_a's G, each
under a D and C refitted from scratch for --refit_steps (G frozen).
"""

import json
import os

import numpy as np
import reuse
from absl import app, flags

from experiments import analysis

_DATA = flags.DEFINE_enum("data", "digits", ["digits", "mnist", "fashion"],
                          "The data set of configs/mmgan.py's variants.")
_SEEDS = flags.DEFINE_integer("seeds", 1, "Seeds FIRST..FIRST+N-1.")
_FIRST = flags.DEFINE_integer("first_seed", 0, "The first seed.")
_STEPS = flags.DEFINE_integer("steps", None,
                              "Train steps (default the config's).")
_MORE = flags.DEFINE_integer("continue_steps", 3000,
                             "E2: steps after the switch.")
_REFIT = flags.DEFINE_integer("refit_steps", 2000, "E3: D and C refit steps"
                             " (0: no E3).")
_SEPARATED = flags.DEFINE_float("separated", 0.8, "E5: purity of 'separated'.")
_LATE = flags.DEFINE_integer("late_step", None,
                             "E5: start omega at this step (default: the"
                             " fixed run's separation step, --separated).")
_SET = flags.DEFINE_multi_string("set", [], "KEY=VALUE config override of"
                                 " every run, e.g. method.loss=ns.")
_ONLY = flags.DEFINE_list("only", [],
                          "Run only these names (and what they need).")
_WORKDIR = flags.DEFINE_string("workdir", None, "Runs folder (default"
                               " runs/mmgan_experiment, _<data> if not"
                               " digits).")
_OUT = flags.DEFINE_string("out", None, "JSON of every run and the tables.")

COLUMNS = ("component_acc", "component_acc_random", "regions_as_sets_imply",
           "fid_domain")


def config(variant: str, seed: int, overrides: dict, steps: int | None = None,
           init_from: str = ""):
  from configs import mmgan
  from experiments import manifest

  c = mmgan.get_config(f"{_DATA.value}_{variant}")
  c.seed = seed
  if _STEPS.value:
    c.train.num_steps = _STEPS.value
  if steps:
    c.train.num_steps = steps
  try:
    manifest.apply_overrides(c, _SET.value)
  except ValueError as e:
    raise SystemExit(f"error: --set {e}") from None
  c.update_from_flattened_dict(overrides)
  c.train.init_from = init_from
  c.train.tensorboard = False
  c.train.sample_every = 0
  c.checkpoint.every_steps = min(c.checkpoint.every_steps, c.train.num_steps)
  return c


def workdir(name: str, seed: int) -> str:
  root = _WORKDIR.value or "runs/mmgan_experiment" + "".join(
      f"_{part}" for part in ([] if _DATA.value == "digits" else [_DATA.value])
      + [item.replace("=", "-") for item in _SET.value])
  return os.path.join(root, name, f"seed{seed}")


def alpha_trajectory(path: str) -> list[dict]:
  return [{"step": r["step"], "purity": r.get("diag/component_purity"),
           "alpha": {k[5:]: v for k, v in r.items()
                     if k.startswith("diag/alpha_")}}
          for r in reuse.metrics_rows(path, "diag/alpha_0_0")]


def separation_step(path: str, threshold: float) -> int | None:
  """The first logged step at which the components' purity reaches threshold."""
  for row in alpha_trajectory(path):
    if row["purity"] is not None and row["purity"] >= threshold:
      return row["step"]
  return None


def run(name: str, seed: int, c) -> dict:
  path = workdir(name, seed)
  results = reuse.train_or_reuse(c, path)
  m = results["metrics"]
  return {"name": name, "seed": seed, "workdir": path, "step": results["step"],
          "config": c.name, "overrides": {k: v for k, v in c.method.items()
                                          if k in ("disjoint_weight",
                                                   "omega_optimizer",
                                                   "omega_b1",
                                                   "omega_start_step")},
          "metrics": {k: m.get(k) for k in (*COLUMNS, "alpha", "true_priors",
                                            "component_acc_per_region")},
          "wall_s": results["wall_s"], "device_kind": results["device_kind"],
          "trajectory": alpha_trajectory(path)}


def refit(path: str, steps: int) -> dict:
  """E3 of the finished run in `path` (its results.json's step), read from
  path/refit_<steps>_at<step>.json if saved."""
  import jax

  from experiments.reproduce_lib import load_json, save_json
  from gan_mixtures import train

  step = load_json(os.path.join(path, "results.json"))["step"]
  saved = os.path.join(path, f"refit_{steps}_at{step}.json")
  if os.path.exists(saved):
    return load_json(saved)
  exp, state = train.load_workdir(path)
  result = analysis.refit_objective(exp.method, state, steps,
                                    jax.random.PRNGKey(0))
  save_json(saved, result)
  return result


def plan(seed: int) -> list[tuple]:
  """(name, variant, overrides, init_from name, steps) in dependency order."""
  base = config("a", seed, {}).train.num_steps
  rows = []
  for case in "abc":
    rows += [(f"t2_{case}_fixed", f"{case},fixed", {}, None, None),
             (f"t2_{case}_priors", f"{case},priors", {}, None, None)]
  rows.append(("learned_a", "a", {}, None, None))
  more = base + _MORE.value
  rows.append(("e2_free_after_fixed", "a,priors", {}, "t2_a_fixed", more))
  for lam in (0.5, 2.0, 5.0):
    rows.append((f"e2_lambda{lam:g}", "a", {"method.disjoint_weight": lam},
                 "learned_a", more))
  rows += [("e5_sgd", "a", {"method.omega_optimizer": "sgd"}, None, None),
           ("e5_adam_b1_0.9", "a", {"method.omega_b1": 0.9}, None, None),
           ("e5_late", "a", None, None, None)]
  return rows


def stat(vals) -> str:
  vals = [v for v in vals if v is not None]
  return f"{np.mean(vals):.3f} +- {np.std(vals):.3f}" if vals else "-"


def table(runs: list[dict]) -> str:
  lines = ["| run | step | " + " | ".join(COLUMNS)
           + " | alpha (set: weights) |",
           "| --- | --- | " + " | ".join("---" for _ in COLUMNS) + " | --- |"]
  for name in dict.fromkeys(r["name"] for r in runs):
    rs = [r for r in runs if r["name"] == name]
    alpha = rs[0]["metrics"]["alpha"]
    text = "; ".join(f"S{i + 1}: " + " ".join(f"{a:.2f}" for a in row)
                     for i, row in enumerate(alpha)) if alpha else "-"
    lines.append(f"| {name} | {rs[0]['step']} | " + " | ".join(
        stat([r["metrics"][k] for r in rs]) for k in COLUMNS) + f" | {text} |")
  return "\n".join(lines)


def main(argv):
  del argv
  runs, refits, late = [], [], {}
  for seed in range(_FIRST.value, _FIRST.value + _SEEDS.value):
    for name, variant, overrides, parent, steps in plan(seed):
      if _ONLY.value and name not in _ONLY.value:
        continue
      if overrides is None:  # e5_late: from the fixed run's separation step
        step = _LATE.value or separation_step(workdir("t2_a_fixed", seed),
                                              _SEPARATED.value)
        late[seed] = step
        if step is None:
          continue
        overrides = {"method.omega_start_step": step}
      init = os.path.abspath(workdir(parent, seed)) if parent else ""
      runs.append(run(name, seed,
                      config(variant, seed, overrides, steps, init)))
    for name in ("t2_a_fixed", "learned_a", "t2_a_priors") * (_REFIT.value > 0):
      if os.path.exists(os.path.join(workdir(name, seed), "results.json")):
        refits.append({"name": name, "seed": seed,
                       **refit(workdir(name, seed), _REFIT.value)})
  text = table(runs)
  text += ("\n\n| E3: G of | seed | V | lambda * CE | Eq. 11 |\n"
           "| --- | --- | --- | --- | --- |\n")
  text += "\n".join(f"| {r['name']} | {r['seed']} | {r['V']:.4f} |"
                    f" {r['lambda_ce']:.4f}"
                    f" | {r['objective']:.4f} |" for r in refits)
  text += f"\n\nE5 omega learned from step (seed: step): {late}"
  print(text)
  if _OUT.value:
    with open(_OUT.value, "w") as f:
      json.dump({"data": _DATA.value, "set": _SET.value, "runs": runs,
                 "refits": refits, "late_start": late,
                 "refit_steps": _REFIT.value, "table": text}, f, indent=2)


if __name__ == "__main__":
  app.run(main)
