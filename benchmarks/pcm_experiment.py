r"""The PCM GAN's decisive clustering experiment (issue: does Algorithm 1
cluster, and which part keeps C balanced?), arms on the same steps, seeds:

  A0  Algorithm 1 as published: one D output, log(1 - D) for G, Table I's
      encoder, full covariances, lines 13-15 apart, L_{x^,z} by mutual
      information, L_{x^,x} by pairs weighted by C(x_i)_k (the default)
  A1  A0 with the KL form of L_{x^,z} (-log C(G(z_k))_k, the paper's l.123)
  A2  A1 without L_adv's gradient into C (line 13 for G alone)
  A3  A1 with the distribution-matching L_{x^,x} (our reading of Eq. 5)
  A4  A0 with the distribution-matching L_{x^,x} (`match_xx`)
  A0ns  A0 with the non-saturating G loss -log D(G(z)) (issue PE1: does
      log(1 - D) keep G from the data on MNIST?)
  G0ns  GM-GAN (configs/gmgan.py: the same nets and prior, no C) with the
      non-saturating loss: PE2's comparator

Every arm's final generator also gets the post-hoc clustering
(metrics/posthoc.py): a classifier of C's architecture fitted by cross
entropy to (G(z_k), k) for --posthoc_steps steps, then argmax on the test
images (`cluster_acc_posthoc`). For PCM arms it stands beside C's own
clustering; for GM-GAN it is the only one (issue PE2: does PCM's module
cluster better than GM-GAN plus a classifier fitted afterwards?).

  python benchmarks/pcm_experiment.py --data=digits --steps=5000 --seeds=2 \
      --out=benchmarks/results/pcm_experiment_digits_cpu.json
  python benchmarks/pcm_experiment.py --data=mnist --small --steps=3000 \
      --out=benchmarks/results/pcm_experiment_mnist_small_cpu.json
  python benchmarks/pcm_experiment.py --data=digits --steps=5000 \
      --arms=A0ns,G0ns --out=benchmarks/results/pcm_pe2_digits_cpu.json

Every log step (--every) the run's metrics.jsonl holds the PCM GAN's
periodic diagnostics on the test images (the clustering and
component_labels evaluators: clusters used, entropy of mean C(x) / log K,
cluster_acc, NMI, per-component purity under the digit classifier); the
table gives them for every arm and seed, with the k-means floor on the test
pixels. Runs are normal workdirs under --workdir, reused
when finished.
"""

import json
import os

import numpy as np
import reuse
from absl import app, flags

_DATA = flags.DEFINE_enum("data", "digits", ["digits", "mnist"], "Data set.")
_SMALL = flags.DEFINE_bool("small", False, "Widths 32, batch 16 (CPU MNIST).")
_STEPS = flags.DEFINE_integer("steps", 5000, "Train steps of every arm.")
_EVERY = flags.DEFINE_integer("every", 250,
                              "Diagnostics every this many steps.")
_SEEDS = flags.DEFINE_integer("seeds", 2, "Seeds 0..N-1.")
_ARMS = flags.DEFINE_list("arms", ["A0", "A1", "A2", "A3", "A4"],
                          "Arms to run.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/pcm_experiment", "Runs folder.")
_OUT = flags.DEFINE_string("out", None, "JSON of every row and the table.")
_POSTHOC = flags.DEFINE_integer(
    "posthoc_steps", 600, "Steps of the post-hoc classifier (0 = none).")

# arm: the modifiers of configs/pcmgan.py after the data token
ARMS = {
    "A0": "weighted_xx",
    "A1": "weighted_xx,kl",
    "A2": "weighted_xx,kl,no_c_adv",
    "A3": "kl,match_xx",
    "A4": "match_xx",
    "A0ns": "weighted_xx,ns",
    "G0ns": "ns",
}
GMGAN_ARMS = ("G0ns",)  # arms of configs/gmgan.py; the rest are PCM's
DIAG = ("clusters_used", "c_entropy", "cluster_acc", "nmi", "component_purity",
        "component_digit_acc", "component_confidence")


def arm_config(arm: str, seed: int):
  from configs import gmgan, pcmgan

  tokens = ([_DATA.value] + (["small"] if _SMALL.value else [])
            + [t for t in ARMS[arm].split(",") if t])
  module = gmgan if arm in GMGAN_ARMS else pcmgan
  c = module.get_config(",".join(tokens))
  c.eval.inception = False  # the digit classifier's features answer it
  return reuse.short_run(c, seed, _STEPS.value, _EVERY.value)


def diagnostics(workdir: str) -> list[dict]:
  return [{"step": r["step"],
           **{k: r[f"diag/{k}"] for k in DIAG if f"diag/{k}" in r}}
          for r in reuse.metrics_rows(workdir, "diag/cluster_acc")]


def posthoc(workdir: str, seed: int) -> dict:
  """The post-hoc clustering of the workdir's final generator, the same
  way for every arm (and for runs finished before the metric existed)."""
  import jax

  from gan_mixtures import evaluators, train

  if not _POSTHOC.value:
    return {}
  exp, state = train.load_workdir(workdir)
  exp.config.eval.posthoc_steps = _POSTHOC.value
  posthoc = evaluators.Posthoc(exp.config, exp.data,
                               evaluators.Shared(exp.config))
  return posthoc.metrics(exp.method, state, jax.random.PRNGKey(1000 + seed))


def run(arm: str, seed: int) -> dict:
  name = f"{_DATA.value}{'_small' if _SMALL.value else ''}"
  workdir = os.path.join(_WORKDIR.value, name, arm, f"seed{seed}")
  results = reuse.train_or_reuse(arm_config(arm, seed), workdir)
  return {"arm": arm, "seed": seed, "workdir": workdir,
          "metrics": results["metrics"], "wall_s": results["wall_s"],
          "device_kind": results["device_kind"],
          "trajectory": diagnostics(workdir),
          "posthoc": posthoc(workdir, seed)}


def table(runs: list[dict]) -> str:
  lines = ["| arm | seed | step | clusters used | entropy / log K |"
           " cluster_acc | NMI |"
           " purity |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
  for r in runs:
    for row in r["trajectory"]:
      cell = lambda k, f="{:.3f}": f.format(row[k]) if k in row else "-"
      lines.append(f"| {r['arm']} | {r['seed']} | {row['step']} |"
                   f" {cell('clusters_used', '{:.0f}')} | {cell('c_entropy')} |"
                   f" {cell('cluster_acc')} | {cell('nmi')} |"
                   f" {cell('component_purity')} |")
  return "\n".join(lines)


def final_table(runs: list[dict]) -> str:
  lines = ["| arm | C's cluster_acc (mean +- std) | C's NMI |"
           " post-hoc cluster_acc"
           " | post-hoc NMI | clusters used | entropy | purity |"
           " comp.-digit acc |"
           " fid_domain | digits | recall |", "| --- " * 12 + "|"]
  for arm in dict.fromkeys(r["arm"] for r in runs):
    rs = [r for r in runs if r["arm"] == arm]
    last = [r["trajectory"][-1] if r["trajectory"] else {} for r in rs]
    stat = lambda vals: f"{np.mean(vals):.3f} +- {np.std(vals):.3f}"
    col = lambda k: (stat([l[k] for l in last]) if all(k in l for l in last)
                     else "-")
    post = lambda k: (stat([r["posthoc"][k] for r in rs])
                      if all(k in r.get("posthoc", {}) for r in rs) else "-")
    final = lambda k: stat([r["metrics"].get(k, np.nan) for r in rs])
    lines.append(f"| {arm} | {col('cluster_acc')} | {col('nmi')} |"
                 f" {post('cluster_acc_posthoc')} | {post('nmi_posthoc')} |"
                 f" {col('clusters_used')} | {col('c_entropy')} |"
                 f" {col('component_purity')} | {col('component_digit_acc')} |"
                 f" {final('fid_domain')} | {final('digits_present')} |"
                 f" {final('recall_domain')} |")
  return "\n".join(lines)


def main(argv):
  del argv
  # Seed-major, so that an interrupted study holds every arm at seed 0 first.
  runs = [run(arm, s) for s in range(_SEEDS.value) for arm in _ARMS.value]
  with_floor = next((r for r in runs
                     if "cluster_acc_kmeans_pixels" in r["metrics"]),
                    runs[0])
  floor = {k: with_floor["metrics"].get(k) for k in
           ("cluster_acc_kmeans_pixels", "nmi_kmeans_pixels")}
  text = final_table(runs) + "\n\n" + table(runs)
  print(text)
  print("k-means on pixels:", floor)
  if _OUT.value:
    with open(_OUT.value, "w") as f:
      json.dump({"data": _DATA.value, "small": _SMALL.value,
                 "steps": _STEPS.value,
                 "arms": {a: ("gmgan:" if a in GMGAN_ARMS else "pcmgan:")
                             + ARMS[a]
                          for a in _ARMS.value},
                 "posthoc_steps": _POSTHOC.value, "kmeans_floor": floor,
                 "runs": runs, "table": text}, f, indent=2)


if __name__ == "__main__":
  app.run(main)
