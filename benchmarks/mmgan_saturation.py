r"""MMGAN ME1: is the MNIST failure log(1 - D)'s saturation? Arms of
`configs/mmgan.py:mnist_a,fixed` (weights fixed to the true priors, so only
G's loss differs) on the same steps and seeds:

  minimax          Eq. 7 as typeset: G minimises log(1 - D_i(G_k(z)))
  minimax_lambda0  the same without the classifier term (lambda = 0)
  ns               G minimises -log D_i(G_k(z)) (non-saturating)
  author_code      the first author's EMA-paper code: ns, Adam(2e-4, 0,
                   0.9), spectral norm in D

  python benchmarks/mmgan_saturation.py --steps=1000 --every=100 \
      --out=benchmarks/results/mmgan_saturation_mnist_a_cpu.json

Every --every steps the run's metrics.jsonl holds the mean D(G(z))
(`d_of_fake`, weighted by alpha as the adversarial term is, averaged over
the steps since the last row) and the norms of G's gradient from the
adversarial term and from lambda x CE (`diag/g_adv_grad_norm`,
`diag/g_ce_grad_norm`, MMGAN.term_gradient_norms); the final evaluation
gives domain FID, digits present and component accuracy with its realism.
Runs are normal workdirs under --workdir, reused when finished.
"""

import os

import numpy as np
import reuse
from absl import app, flags

_STEPS = flags.DEFINE_integer("steps", 1000, "Train steps of every arm.")
_EVERY = flags.DEFINE_integer("every", 100,
                              "Diagnostics every this many steps.")
_SEEDS = flags.DEFINE_integer("seeds", 1, "Seeds 0..N-1.")
_ARMS = flags.DEFINE_list("arms", ["minimax", "minimax_lambda0", "ns",
                                   "author_code"], "Arms to run.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/mmgan_saturation",
                               "Runs folder.")
_OUT = flags.DEFINE_string("out", None, "JSON of every run and the tables.")

# arm: (variant tokens after mnist_a,fixed; flattened overrides)
ARMS = {
    "minimax": ("", {}),
    "minimax_lambda0": ("", {"method.disjoint_weight": 0.0}),
    "ns": ("ns", {}),
    "author_code": ("author_code", {}),
}
TRAJECTORY = ("d_of_fake", "diag/g_adv_grad_norm", "diag/g_ce_grad_norm")
FINAL = ("fid_domain", "digits_present", "recall_domain", "component_acc",
         "component_confidence", "component_fid_domain")


def arm_config(arm: str, seed: int):
  from configs import mmgan

  tokens, overrides = ARMS[arm]
  c = mmgan.get_config(",".join(t for t in ("mnist_a", "fixed", tokens) if t))
  c.update_from_flattened_dict(dict(overrides))
  c.name = f"mmgan_saturation:{arm}"
  c.eval.inception = False  # domain features only: the question is G's loss
  return reuse.short_run(c, seed, _STEPS.value, _EVERY.value)


def run(arm: str, seed: int) -> dict:
  workdir = os.path.join(_WORKDIR.value, arm, f"seed{seed}")
  results = reuse.train_or_reuse(arm_config(arm, seed), workdir)
  rows = reuse.metrics_rows(workdir, "diag/g_adv_grad_norm")
  return {"arm": arm, "seed": seed, "workdir": workdir,
          "final": {k: results["metrics"].get(k) for k in FINAL},
          "wall_s": results["wall_s"], "device_kind": results["device_kind"],
          "trajectory": [{"step": r["step"],
                          **{k: r.get(k) for k in TRAJECTORY}}
                         for r in rows]}


def fmt(v, f: str = "{:.3g}") -> str:
  return "-" if v is None else f.format(v)


def tables(runs: list[dict]) -> str:
  final = ["| arm | seed | domain FID | digits | recall | component_acc |"
           " conf. | component FID |", "| --- " * 8 + "|"]
  for r in runs:
    m = r["final"]
    final.append(f"| {r['arm']} | {r['seed']} |"
                 f" {fmt(m['fid_domain'], '{:.1f}')}"
                 f" | {fmt(m['digits_present'], '{:.0f}')} |"
                 f" {fmt(m['recall_domain'], '{:.2f}')} |"
                 f" {fmt(m['component_acc'], '{:.2f}')} |"
                 f" {fmt(m['component_confidence'], '{:.2f}')} |"
                 f" {fmt(m['component_fid_domain'], '{:.1f}')} |")
  traj = ["| arm | seed | step | mean D(G(z)) | G grad norm: adversarial |"
          " lambda x CE |", "| --- " * 6 + "|"]
  for r in runs:
    for row in r["trajectory"]:
      traj.append(f"| {r['arm']} | {r['seed']} | {row['step']} |"
                  f" {fmt(row['d_of_fake'])} |"
                  f" {fmt(row['diag/g_adv_grad_norm'])} |"
                  f" {fmt(row['diag/g_ce_grad_norm'])} |")
  return "\n".join(final) + "\n\n" + "\n".join(traj)


def main(argv):
  del argv
  runs = [run(arm, s) for arm in _ARMS.value for s in range(_SEEDS.value)]
  text = tables(runs)
  print(text)
  if _OUT.value:
    from experiments.reproduce_lib import save_json

    save_json(_OUT.value, {"config": "configs/mmgan.py:mnist_a,fixed",
                           "steps": _STEPS.value, "every": _EVERY.value,
                           "arms": {a: ARMS[a] for a in _ARMS.value},
                           "runs": runs, "tables": text,
                           "mean_final": {
                               a: {k: float(np.mean([r["final"][k] for r in runs
                                                     if r["arm"] == a]))
                                   for k in FINAL if all(
                                       r["final"][k] is not None for r in runs
                                       if r["arm"] == a)}
                               for a in _ARMS.value}})


if __name__ == "__main__":
  app.run(main)
