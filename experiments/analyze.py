r"""Analyses of a trained workdir: HME-GAN / ME-GAN interpretability
pictures, and MMGAN's Eq. 11 under a refitted D and C.

  python -m experiments.analyze --workdir=/tmp/hme [--num_samples=5000]
  python -m experiments.analyze --workdir=/tmp/mm --refit_steps=2000

MMGAN (--refit_steps): G and the weights frozen, D and C refitted from a
fresh initialisation (--refit_from=saved: from the checkpoint's) for N
steps; V, the classifier CE and V + lambda CE (what G minimises) go to
stdout and WORKDIR/analysis/refit.json, G's parameters untouched.

Writes WORKDIR/analysis/: node_tree.png (soft-count-weighted mean sample of
every tree node; images) or node_regions.png (samples coloured by their most
likely node per level; 2D), gate_cov.png + gate_cov.npy (covariance of the
leaf gates), top_per_leaf.png (the 5 most likely samples of every leaf) and
soft_counts.npy.
"""

import os

import jax
import numpy as np
from absl import app, flags

from experiments import analysis

_WORKDIR = flags.DEFINE_string("workdir", None, "An hmegan run's workdir.")
_NUM = flags.DEFINE_integer("num_samples", 5000, "Samples to analyse.")
_REFIT = flags.DEFINE_integer("refit_steps", 0,
                              "MMGAN: refit D and C this long.")
_REFIT_FROM = flags.DEFINE_enum("refit_from", "fresh", ["fresh", "saved"],
                                "MMGAN: the refit's starting D and C.")
flags.mark_flags_as_required(["workdir"])


def refit(exp, state, out: str) -> None:
  import json

  result = analysis.refit_objective(exp.method, state, _REFIT.value,
                                    jax.random.PRNGKey(0),
                                    fresh=_REFIT_FROM.value == "fresh")
  result.update(step=int(state.step), config=exp.config.name)
  with open(os.path.join(out, "refit.json"), "w") as f:
    json.dump(result, f, indent=2)
  print(json.dumps(result))


def main(argv):
  del argv
  from gan_mixtures import train, viz

  exp, state = train.load_workdir(_WORKDIR.value)
  out = os.path.join(_WORKDIR.value, "analysis")
  os.makedirs(out, exist_ok=True)
  if _REFIT.value:
    if exp.config.method.name != "mmgan":
      raise SystemExit("error: --refit_steps needs an mmgan run, not"
                       f" {exp.config.method.name}")
    refit(exp, state, out)
    return
  if exp.config.method.name != "hmegan":
    raise SystemExit("error: analyze needs an hmegan run, not"
                     f" {exp.config.method.name}")
  a = jax.device_get(analysis.hme_analysis(exp.method, state,
                                           jax.random.PRNGKey(0), _NUM.value))
  np.save(os.path.join(out, "gate_cov.npy"), a["gate_cov"])
  np.save(os.path.join(out, "soft_counts.npy"), a["soft_counts"])
  viz.matrix(os.path.join(out, "gate_cov.png"), a["gate_cov"],
             "leaf gate covariance")
  mc = exp.config.method
  depth = mc.depth if mc.gate == "hme" else 0
  if exp.data.kind == "2d":
    if depth:
      viz.node_regions_2d(os.path.join(out, "node_regions.png"), a["samples"],
                          a["soft_counts"], depth)
    viz.scatter_2d(os.path.join(out, "top_per_leaf.png"), a["samples"],
                   a["top_samples"].reshape(-1, 2),
                   np.repeat(np.arange(len(a["top_samples"])), 5),
                   title="5 most likely samples per leaf (grey: all samples)")
  else:
    if depth:
      viz.node_tree(os.path.join(out, "node_tree.png"), a["node_means"], depth)
    else:
      viz.image_grid(os.path.join(out, "node_tree.png"), a["node_means"])
    top = a["top_samples"]  # [K, 5, H, W, C]
    viz.image_grid(os.path.join(out, "top_per_leaf.png"),
                   top.reshape((-1,) + top.shape[2:]), ncol=5)
  print(f"analysis: {out}")
  print("leaf usage (mean gate):", np.round(a["gates"].mean(0), 3).tolist())


if __name__ == "__main__":
  app.run(main)
