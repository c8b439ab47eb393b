r"""The 2D benchmark of every method: modes covered, % hq, mode KL, 5-NN
real / fake, generator purity (where a method has generators) and wall time,
mean +- std over seeds, on the grid of 25, the ring of 8 and the spiral,
every method with its own 2D config and the same step budget per data set.

  python benchmarks/bench_2d.py --workdir=runs/bench_2d --seeds=3 \
      --out=benchmarks/results/bench_2d_cpu.json \
      --figure=docs/figures/spiral_every_method.png

The seeds of a (method, data) pair train as one run (`train.num_seeds`,
seeds 0..N-1 vmapped in one step; `--novmap_seeds`: one run per seed).
Every run is a normal workdir (`<workdir>/<data>/<method>` or, one run per
seed, `.../<method>/seed<s>`; finished runs are reused, so an interrupted
benchmark resumes). The wall time of a seed is its run's wall time (with
vmapped seeds: the run's / N). Prints a markdown table; writes the raw runs
and the table to --out and, with --figure, the spiral picture of every
method (the thesis' Fig. 5.5, seed 0).
"""

import json
import os

import numpy as np
import reuse
from absl import app, flags

_WORKDIR = flags.DEFINE_string("workdir", "runs/bench_2d",
                               "Folder of all runs.")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds 0..N-1.")
_STEPS = flags.DEFINE_integer("steps", 2_000, "Train steps of every run.")
_DATA = flags.DEFINE_list("data", ["grid25", "ring8", "spiral"],
                          "2D data sets.")
_METHODS = flags.DEFINE_list("methods", [], "Subset of METHODS (default all).")
_OUT = flags.DEFINE_string("out", None, "JSON of every run and the table.")
_FIGURE = flags.DEFINE_string("figure", None, "Spiral picture of every method.")
_VMAP = flags.DEFINE_bool("vmap_seeds", True, "The seeds as one vmapped run.")

# name: (config module, variant tokens before the data token, overrides)
METHODS = {
    "vanilla": ("vanilla", "", {}),
    "mdgan": ("mdgan", "", {}),
    "ldagan": ("ldagan", "", {}),
    "hme": ("hmegan", "", {}),
    "me": ("hmegan", "me", {}),
    "mgan": ("mgan", "", {}),
    "madgan": ("madgan", "", {}),
    "megan": ("megan", "", {}),
    "gmgan": ("vanilla", "",
              {"method.name": "gmgan", "method.num_gaussians": 8}),
}
COLUMNS = ("modes_covered", "hq_fraction", "mode_kl", "knn_real_acc",
           "knn_fake_acc", "generator_purity", "wall_s")


def method_config(method: str, data: str, seed: int, steps: int,
                  num_seeds: int = 1):
  """`method`'s own 2D config on the common `data` preset (num_seeds runs
  from `seed` in one)."""
  import importlib

  from configs import variants

  module, extra, overrides = METHODS[method]
  cfg = importlib.import_module(f"configs.{module}")
  c = cfg.get_config(extra or None)
  variants.apply_data(c, variants.DATA_2D[data])
  c.update_from_flattened_dict({**overrides, "seed": seed})
  c.train.num_seeds = num_seeds
  c.train.num_steps = steps
  c.train.log_every = min(c.train.log_every, steps)
  c.checkpoint.every_steps = min(c.checkpoint.every_steps, steps)
  c.train.tensorboard = False
  c.name = f"bench2d:{method}:{data}"
  return c


def run_dir(method: str, data: str, seed: int | None = None) -> str:
  """The workdir of the vmapped seeds (seed None) or of one seed's run."""
  tail = [] if seed is None else [f"seed{seed}"]
  return os.path.join(_WORKDIR.value, data, method, *tail)


def run(method: str, data: str) -> list[dict]:
  """Per seed: its results (metrics, wall_s, step, device_kind, workdir)."""
  n, steps = _SEEDS.value, _STEPS.value
  if not _VMAP.value or n == 1:
    return [reuse.train_or_reuse(method_config(method, data, s, steps),
                                 run_dir(method, data, s)) for s in range(n)]
  r = reuse.train_or_reuse(method_config(method, data, 0, steps, n),
                           run_dir(method, data))
  return [{**r, "metrics": seed["metrics"], "wall_s": r["wall_s"] / n}
          for seed in r["seeds"]]


def summary(runs: list[dict]) -> dict:
  out = {}
  for key in COLUMNS:
    vals = [r["metrics"][key] if key != "wall_s" else r["wall_s"] for r in runs
            if key == "wall_s" or key in r["metrics"]]
    if vals:
      out[key] = {"mean": float(np.mean(vals)), "std": float(np.std(vals)),
                  "values": [float(v) for v in vals]}
  return out


def table(rows: dict) -> str:
  head = ("| data | method | modes | % hq | mode KL | 5-NN real | 5-NN fake |"
          " purity | wall s |")
  lines = [head, "| " + " | ".join(["---"] * 9) + " |"]
  for (data, method), s in rows.items():
    cell = lambda k, scale=1.0, fmt="{:.2f}": (
        "-" if k not in s else
        f"{fmt.format(scale * s[k]['mean'])} +-"
        f" {fmt.format(scale * s[k]['std'])}")
    lines.append(
        f"| {data} | {method} | {cell('modes_covered', fmt='{:.1f}')} |"
        f" {cell('hq_fraction', 100)} | {cell('mode_kl', fmt='{:.3f}')} |"
        f" {cell('knn_real_acc', fmt='{:.3f}')} |"
        f" {cell('knn_fake_acc', fmt='{:.3f}')} |"
        f" {cell('generator_purity', fmt='{:.3f}')} |"
        f" {cell('wall_s', fmt='{:.0f}')} |")
  return "\n".join(lines)


def spiral_figure(path: str, methods: list[str]) -> None:
  """Real spiral (grey) and every method's samples, coloured by component."""
  from gan_mixtures import train, viz

  panels = []
  for method in methods:
    vmapped = _VMAP.value and _SEEDS.value > 1
    seed = None if vmapped else 0
    exp, state = train.load_workdir(run_dir(method, "spiral", seed))
    import jax

    x, aux = exp.method.jitted_sample(state, jax.random.PRNGKey(0), n=2500,
                                      use_ema=exp.config.eval.use_ema)
    real = np.asarray(exp.data.sample(jax.random.PRNGKey(1), (2500,)))
    comp = aux.get("component")
    panels.append((method, real, np.asarray(x),
                   None if comp is None else np.asarray(comp)))
  viz.scatter_panels(path, panels)


def main(argv):
  del argv
  methods = _METHODS.value or list(METHODS)
  rows, raw = {}, []
  for data in _DATA.value:
    for method in methods:
      runs = run(method, data)
      rows[(data, method)] = summary(runs)
      raw += [{"data": data, "method": method, "seed": s,
               "metrics": r["metrics"],
               "wall_s": r["wall_s"], "step": r["step"],
               "device_kind": r["device_kind"],
               "workdir": r["workdir"]} for s, r in enumerate(runs)]
      print(table({(data, method): rows[(data, method)]}).splitlines()[-1],
            flush=True)
  text = table(rows)
  print(text)
  if _OUT.value:
    with open(_OUT.value, "w") as f:
      json.dump({"steps": _STEPS.value, "seeds": _SEEDS.value,
                 "vmap_seeds": _VMAP.value, "runs": raw,
                 "summary": [{"data": d, "method": m, **s}
                             for (d, m), s in rows.items()],
                 "table": text}, f, indent=2)
  if _FIGURE.value and "spiral" in _DATA.value:
    spiral_figure(_FIGURE.value, methods)


if __name__ == "__main__":
  app.run(main)
