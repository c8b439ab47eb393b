r"""MMGAN: do learned mixture weights find the shared / unique split, and is
the degenerate solution an optimisation failure or the objective's own
optimum? (the issue's E2, E3, E5 and Table 2 both ways), on scikit-learn
digits, every run a normal workdir under --workdir, reused when finished.

  python benchmarks/mmgan_experiment.py --seeds=1 \
      --out=benchmarks/results/mmgan_experiment_digits_cpu.json

Runs (`digits_<case>` of configs/mmgan.py, its 6,000 steps unless --steps):
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

_SEEDS = flags.DEFINE_integer("seeds", 1, "Seeds 0..N-1.")
_STEPS = flags.DEFINE_integer("steps", None, "Train steps (default the config's).")
_MORE = flags.DEFINE_integer("continue_steps", 3000, "E2: steps after the switch.")
_REFIT = flags.DEFINE_integer("refit_steps", 2000, "E3: D and C refit steps.")
_SEPARATED = flags.DEFINE_float("separated", 0.8, "E5: purity of 'separated'.")
_LATE = flags.DEFINE_integer("late_step", None,
                             "E5: start omega at this step (default: the"
                             " fixed run's separation step, --separated).")
_ONLY = flags.DEFINE_list("only", [], "Run only these names (and what they need).")
_WORKDIR = flags.DEFINE_string("workdir", "runs/mmgan_experiment", "Runs folder.")
_OUT = flags.DEFINE_string("out", None, "JSON of every run and the tables.")

COLUMNS = ("component_acc", "component_acc_random", "regions_as_sets_imply",
           "fid_domain")


def config(variant: str, seed: int, overrides: dict, steps: int | None = None,
           init_from: str = ""):
  from configs import mmgan

  c = mmgan.get_config(variant)
  c.seed = seed
  if _STEPS.value:
    c.train.num_steps = _STEPS.value
  if steps:
    c.train.num_steps = steps
  c.update_from_flattened_dict(overrides)
  c.train.init_from = init_from
  c.train.tensorboard = False
  c.train.sample_every = 0
  c.checkpoint.every_steps = min(c.checkpoint.every_steps, c.train.num_steps)
  return c


def workdir(name: str, seed: int) -> str:
  return os.path.join(_WORKDIR.value, name, f"seed{seed}")


def alpha_trajectory(path: str) -> list[dict]:
  return [{"step": r["step"], "purity": r.get("diag/component_purity"),
           "alpha": {k[5:]: v for k, v in r.items() if k.startswith("diag/alpha_")}}
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
                                          if k in ("disjoint_weight", "omega_optimizer",
                                                   "omega_b1", "omega_start_step")},
          "metrics": {k: m.get(k) for k in (*COLUMNS, "alpha", "true_priors",
                                            "component_acc_per_region")},
          "wall_s": results["wall_s"], "device_kind": results["device_kind"],
          "trajectory": alpha_trajectory(path)}


def refit(path: str, steps: int) -> dict:
  import jax

  from gan_mixtures import train

  exp, state = train.load_workdir(path)
  return exp.method.refit_objective(state, steps, jax.random.PRNGKey(0))


def plan(seed: int) -> list[tuple]:
  """(name, variant, overrides, init_from name, steps) in dependency order."""
  base = config("digits_a", seed, {}).train.num_steps
  rows = []
  for case in "abc":
    rows += [(f"t2_{case}_fixed", f"digits_{case},fixed", {}, None, None),
             (f"t2_{case}_priors", f"digits_{case},priors", {}, None, None)]
  rows.append(("learned_a", "digits_a", {}, None, None))
  more = base + _MORE.value
  rows.append(("e2_free_after_fixed", "digits_a,priors", {}, "t2_a_fixed", more))
  for lam in (0.5, 2.0, 5.0):
    rows.append((f"e2_lambda{lam:g}", "digits_a", {"method.disjoint_weight": lam},
                 "learned_a", more))
  rows += [("e5_sgd", "digits_a", {"method.omega_optimizer": "sgd"}, None, None),
           ("e5_adam_b1_0.9", "digits_a", {"method.omega_b1": 0.9}, None, None),
           ("e5_late", "digits_a", None, None, None)]
  return rows


def stat(vals) -> str:
  vals = [v for v in vals if v is not None]
  return f"{np.mean(vals):.3f} +- {np.std(vals):.3f}" if vals else "-"


def table(runs: list[dict]) -> str:
  lines = ["| run | step | " + " | ".join(COLUMNS) + " | alpha (set: weights) |",
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
  for seed in range(_SEEDS.value):
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
      runs.append(run(name, seed, config(variant, seed, overrides, steps, init)))
    for name in ("t2_a_fixed", "learned_a", "t2_a_priors"):
      if os.path.exists(os.path.join(workdir(name, seed), "results.json")):
        refits.append({"name": name, "seed": seed,
                       **refit(workdir(name, seed), _REFIT.value)})
  text = table(runs)
  text += "\n\n| E3: G of | seed | V | lambda * CE | Eq. 11 |\n| --- | --- | --- | --- | --- |\n"
  text += "\n".join(f"| {r['name']} | {r['seed']} | {r['V']:.4f} | {r['lambda_ce']:.4f}"
                    f" | {r['objective']:.4f} |" for r in refits)
  text += f"\n\nE5 omega learned from step (seed: step): {late}"
  print(text)
  if _OUT.value:
    with open(_OUT.value, "w") as f:
      json.dump({"runs": runs, "refits": refits, "late_start": late,
                 "refit_steps": _REFIT.value, "table": text}, f, indent=2)


if __name__ == "__main__":
  app.run(main)
