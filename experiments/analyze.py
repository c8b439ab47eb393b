r"""Interpretability pictures of an HME-GAN / ME-GAN workdir.

  python -m experiments.analyze --workdir=/tmp/hme [--num_samples=5000]

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

_WORKDIR = flags.DEFINE_string("workdir", None, "An hmegan run's workdir.")
_NUM = flags.DEFINE_integer("num_samples", 5000, "Samples to analyse.")
flags.mark_flags_as_required(["workdir"])


def main(argv):
  del argv
  from gan_mixtures import train, viz

  exp, state = train.load_workdir(_WORKDIR.value)
  if exp.config.method.name != "hmegan":
    raise SystemExit(f"error: analyze needs an hmegan run, not {exp.config.method.name}")
  out = os.path.join(_WORKDIR.value, "analysis")
  os.makedirs(out, exist_ok=True)
  a = jax.device_get(exp.method.analyse(state, jax.random.PRNGKey(0), _NUM.value))
  np.save(os.path.join(out, "gate_cov.npy"), a["gate_cov"])
  np.save(os.path.join(out, "soft_counts.npy"), a["soft_counts"])
  viz.matrix(os.path.join(out, "gate_cov.png"), a["gate_cov"], "leaf gate covariance")
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
