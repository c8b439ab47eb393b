r"""The image benchmark of every method: MNIST (28 x 28 x 1) and Stacked MNIST
(28 x 28 x 3, 1,000 modes) on one small DCGAN trunk, each method with its
own loss and D steps, the same number of G steps for all, seeds one after
another (`--vmap_seeds`: one vmapped run; on this 2-core CPU it cost 1.3x
the sequential runs over the ten methods, up to 4.9x for MGAN's: measured,
docs/images.md), one evaluation (at the end and on the way: learning
curves).

  python benchmarks/bench_images.py --workdir=/work/runs_long/bench_images \
      --steps=auto --out=benchmarks/results/bench_images_cpu.json \
      --figures=docs/figures

The common nets, optimiser, batch and the methods' settings are
configs/bench_images.py's (each run is a config there: e.g.
`--config=configs/bench_images.py:mgan,stacked_mnist`).

`--steps=auto`: the vanilla GAN runs first (`--max_steps`, evaluated every
tenth); the budget of every method is the first evaluated step whose domain
FID is within 10 % of the curve's best (said in the JSON). The evaluation:
domain FID / KID / precision / recall / density / coverage on the digit
classifier's features, digits present and label KL (MNIST), modes covered
and KL to uniform of 10,000 samples (Stacked MNIST), the best-matching
(component, digit) accuracy and the classifier's confidence of the same
samples for methods with components. No Inception FID: at 14 images/s on
this CPU it would cost more than the training (docs/images.md). Finished
runs are reused: a rerun resumes.
"""

import os

import numpy as np
import reuse
from absl import app, flags

from configs import bench_images as bench_config
from configs.bench_images import METHODS

_WORKDIR = flags.DEFINE_string("workdir", "runs/bench_images", "Runs folder.")
_DATA = flags.DEFINE_list("data", ["mnist", "stacked_mnist"], "Data sets.")
_METHODS = flags.DEFINE_list("methods", [], "Subset of METHODS (default all).")
_SEEDS = flags.DEFINE_list("seeds", ["3", "2"], "Seeds per data set (in the"
                           " order of --data; the last repeats).")
_STEPS = flags.DEFINE_string("steps", "auto", "G steps of every run, or"
                             " 'auto' (module docstring).")
_MAX_STEPS = flags.DEFINE_integer("max_steps", 6000, "--steps=auto: the"
                                  " vanilla curve's length.")
_CURVE_POINTS = flags.DEFINE_integer("curve_points", 6, "Evaluations on the"
                                     " way (learning curves).")
_BATCH = flags.DEFINE_integer("batch", 64, "Real images a D step.")
_EVAL = flags.DEFINE_integer("eval_samples", 10_000, "Generated (and real)"
                             " images of every evaluation.")
_MNIST_DIR = flags.DEFINE_string("mnist_dir", "", "MNIST IDX folder (default:"
                                 " data.mnist_dir's).")
_OUT = flags.DEFINE_string("out", None, "JSON of every run and the tables.")
_FIGURES = flags.DEFINE_string("figures", None, "Folder of the pictures.")
_VMAP = flags.DEFINE_bool("vmap_seeds", False, "The seeds as one vmapped run.")

CURVE_KEY = "fid_domain"
COLUMNS = {  # data: (key, header, scale, format)
    "mnist": (("fid_domain", "domain FID", 1, "{:.1f}"),
              ("precision_domain", "precision", 1, "{:.2f}"),
              ("recall_domain", "recall", 1, "{:.2f}"),
              ("digits_present", "digits", 1, "{:.1f}"),
              ("label_kl", "label KL", 1, "{:.3f}"),
              ("component_digit_acc", "comp.-digit acc", 1, "{:.2f}"),
              ("component_confidence", "conf.", 1, "{:.2f}")),
    "stacked_mnist": (("modes_covered", "modes", 1, "{:.0f}"),
                      ("label_kl", "KL", 1, "{:.2f}"),
                      ("fid_domain", "domain FID", 1, "{:.1f}"),
                      ("precision_domain", "precision", 1, "{:.2f}"),
                      ("recall_domain", "recall", 1, "{:.2f}")),
}


def method_config(method: str, data: str, steps: int, seeds: int):
  """`method` on the common setup (configs/bench_images.py) with this
  invocation's batch, evaluation size, curve points and MNIST folder."""
  return bench_config.method_config(
      method, data, steps, seeds, batch=_BATCH.value,
      eval_samples=_EVAL.value, curve_points=_CURVE_POINTS.value,
      mnist_dir=_MNIST_DIR.value)


def run_dir(method: str, data: str, steps: int, seed: int | None = None) -> str:
  """The run's workdir: of the vmapped seeds (seed None) or of one seed."""
  tail = [] if seed is None else [f"seed{seed}"]
  return os.path.join(_WORKDIR.value, f"{data}_{steps}", method, *tail)


def seeds_of(data: str) -> int:
  values = [int(s) for s in _SEEDS.value]
  return values[min(_DATA.value.index(data), len(values) - 1)]


def g_parameters(config) -> int:
  """G's parameter count (one seed), from the built parameter tree."""
  import jax

  from gan_mixtures import train

  one = config.copy_and_resolve_references()
  one.train.num_seeds = 1
  exp = train.build_experiment(one)
  shapes = jax.eval_shape(exp.init_state)
  return int(sum(np.prod(x.shape) for x in jax.tree.leaves(shapes.g.params)))


def curve(workdirs: list[str], key: str = CURVE_KEY) -> list[tuple[int, float]]:
  """(step, eval/<key>) of the runs' evaluations on the way and at the end,
  the mean over the runs at every step they share."""
  per_step: dict[int, list[float]] = {}
  for workdir in workdirs:  # one value a step (the last, after a resume)
    mine = {int(r["step"]): float(r[f"eval/{key}"])
            for r in reuse.metrics_rows(workdir, f"eval/{key}")}
    for step, value in mine.items():
      per_step.setdefault(step, []).append(value)
  return [(s, float(np.mean(v))) for s, v in sorted(per_step.items())
          if len(v) == len(workdirs)]


def chosen_steps(points: list[tuple[int, float]], within: float = 0.10) -> int:
  """The first step whose value is within `within` of the best (lower is
  better): where the curve stops improving."""
  best = min(v for _, v in points)
  return next(s for s, v in points if v <= best * (1 + within))


def seed_run(method: str, data: str, steps: int, seed: int) -> dict:
  """One seed of (method, data), trained or reused."""
  config = method_config(method, data, steps, 1)
  config.seed = seed
  return reuse.train_or_reuse(config, run_dir(method, data, steps, seed))


def train_seed_major(methods: list[str], steps: int) -> None:
  """Seed 0 of every (data, method) first, then seed 1, ...: a stopped
  benchmark leaves whole tables of fewer seeds, not some methods only."""
  for seed in range(max(seeds_of(d) for d in _DATA.value)):
    for data in _DATA.value:
      for method in methods:
        if seed < seeds_of(data):
          seed_run(method, data, steps, seed)


def run(method: str, data: str, steps: int) -> dict:
  """Every seed of (method, data): one vmapped run or one run a seed."""
  n = seeds_of(data)
  if _VMAP.value and n > 1:
    config = method_config(method, data, steps, n)
    result = reuse.train_or_reuse(config, run_dir(method, data, steps))
    per_seed = [s["metrics"] for s in result["seeds"]]
    workdirs, wall = [run_dir(method, data, steps)], result["wall_s"] / n
  else:
    results, workdirs = [], []
    for s in range(n):
      workdirs.append(run_dir(method, data, steps, s))
      results.append(seed_run(method, data, steps, s))
    result = results[0]
    config = method_config(method, data, steps, 1)
    per_seed = [r["metrics"] for r in results]
    wall = float(np.mean([r["wall_s"] for r in results]))
  return {"method": method, "data": data, "steps": steps,
          "num_seeds": n, "g_parameters": g_parameters(config),
          "wall_s_per_seed": wall, "device_kind": result["device_kind"],
          "train_steps_per_s": result.get("train_steps_per_s"),
          "per_seed": per_seed, "curve": curve(workdirs),
          "workdir": workdirs[0]}


def summary(r: dict) -> dict:
  out = {}
  for key, *_ in COLUMNS[r["data"]]:
    vals = [float(m[key]) for m in r["per_seed"] if key in m
            and isinstance(m[key], (int, float))]
    if vals:
      out[key] = {"mean": float(np.mean(vals)), "std": float(np.std(vals)),
                  "values": vals}
  return out


def table(results: list[dict], data: str) -> str:
  cols = COLUMNS[data]
  head = (["method", "G params"] + [h for _, h, _, _ in cols]
          + ["wall a seed"])
  lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
  for r in results:
    if r["data"] != data:
      continue
    s = summary(r)
    cells = [r["method"], f"{r['g_parameters'] / 1e6:.2f}M"]
    for key, _, scale, fmt in cols:
      cells.append("-" if key not in s else
                   f"{fmt.format(scale * s[key]['mean'])} +- "
                   f"{fmt.format(scale * s[key]['std'])}")
    cells.append(f"{r['wall_s_per_seed'] / 60:.0f} min")
    lines.append("| " + " | ".join(cells) + " |")
  return "\n".join(lines)


# Below this recall a method's components each draw nearly one image: a
# high (component, digit) accuracy then measures collapse.
COLLAPSE_RECALL = 0.1


def claims(results: list[dict]) -> list[str]:
  """Each paper's image claim at this scale, with the numbers; the
  (component, digit) accuracy always beside the recall of the same run."""
  by = {(r["data"], r["method"]): summary(r) for r in results}
  mean = lambda d, m, k: by.get((d, m), {}).get(k, {}).get("mean")
  fmt = lambda d, m, k, f=".1f": (
      f"{by[(d, m)][k]['mean']:{f}} +- {by[(d, m)][k]['std']:{f}}"
      if k in by.get((d, m), {}) else "-")

  def by_digit(m: str) -> str:
    recall = mean("mnist", m, "recall_domain")
    acc = fmt("mnist", m, "component_digit_acc", ".2f")
    line = (f"best-matching accuracy {acc} (1.0: one digit each; 0.1: none)"
            f" at recall {fmt('mnist', m, 'recall_domain', '.2f')}")
    if recall is not None and recall < COLLAPSE_RECALL:
      line += ": each component draws nearly one image (collapse)"
    return line

  out = []
  a, b = mean("stacked_mnist", "mdgan", "modes_covered"), mean(
      "stacked_mnist", "vanilla", "modes_covered")
  if a is not None and b is not None:
    out.append(f"MD-GAN covers more Stacked MNIST modes than vanilla at equal"
               f" nets: {'yes' if a > b else 'no'}"
               f" ({fmt('stacked_mnist', 'mdgan', 'modes_covered')}"
               f" vs {fmt('stacked_mnist', 'vanilla', 'modes_covered')})")
  base = mean("mnist", "vanilla", "fid_domain")
  for m in ("ldagan", "hme", "me", "mgan", "madgan", "megan"):
    fid = mean("mnist", m, "fid_domain")
    if fid is None or base is None:
      continue
    out.append(f"{m}: MNIST domain FID {fmt('mnist', m, 'fid_domain')} vs"
               f" vanilla {fmt('mnist', 'vanilla', 'fid_domain')} ("
               f"{'better' if fid < base else 'not better'}); its generators"
               f" by digit: {by_digit(m)}")
  for m in ("gmgan", "pcm"):
    if mean("mnist", m, "component_digit_acc") is not None:
      out.append(f"{m}: components by digit: {by_digit(m)} (confidence"
                 f" {fmt('mnist', m, 'component_confidence', '.2f')}, domain"
                 f" FID {fmt('mnist', m, 'fid_domain')})")
  return out


def figures(results: list[dict], folder: str) -> None:
  """Per data set: one sample grid per method (rows = components, seed 0)
  and the learning curves of domain FID."""
  import jax
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  from gan_mixtures import train, viz

  os.makedirs(folder, exist_ok=True)
  for data in _DATA.value:
    runs = [r for r in results if r["data"] == data]
    if not runs:
      continue
    fig, axes = plt.subplots(2, (len(runs) + 1) // 2,
                             figsize=(3 * ((len(runs) + 1) // 2), 6.4),
                             squeeze=False)
    for ax, r in zip(axes.flat, runs):
      exp, state = train.load_workdir(r["workdir"])
      x, aux = exp.method.jitted_sample(state, jax.random.PRNGKey(0), n=400,
                                        use_ema=True)
      x, comp = np.asarray(x), aux.get("component")
      if comp is None:
        grid = x[:64]
      else:
        comp = np.asarray(comp)
        rows = [x[comp == k][:8] for k in np.unique(comp)][:10]
        grid = np.concatenate([np.concatenate(
            [row, np.ones((8 - len(row),) + x.shape[1:])]) for row in rows])
      ax.imshow(viz.grid_pixels(grid, ncol=8).squeeze(), cmap="gray")
      ax.set_title(r["method"], fontsize=9)
      ax.axis("off")
    for ax in list(axes.flat)[len(runs):]:
      ax.axis("off")
    fig.suptitle(f"{data}: seed 0 after {runs[0]['steps']} G steps (rows:"
                 " components, where a method has them)", fontsize=9)
    fig.savefig(os.path.join(folder, f"bench_images_{data}.png"), dpi=110,
                bbox_inches="tight")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in runs:
      if r["curve"]:
        steps, vals = zip(*r["curve"])
        ax.plot(steps, vals, label=r["method"], marker=".")
    ax.set_yscale("log")
    ax.set_xlabel("G step")
    ax.set_ylabel("domain FID (mean over seeds)")
    ax.legend(fontsize=7)
    fig.savefig(os.path.join(folder, f"bench_images_{data}_curves.png"),
                dpi=110, bbox_inches="tight")
    plt.close(fig)


def main(argv):
  del argv
  methods = _METHODS.value or list(METHODS)
  out = {"runs": [], "tables": {}, "claims": []}
  steps = _STEPS.value
  if steps == "auto":
    data = _DATA.value[0]
    probe = run("vanilla", data, _MAX_STEPS.value)
    steps = chosen_steps(probe["curve"])
    out["steps_choice"] = {
        "curve": probe["curve"], "data": data, "chosen": steps,
        "rule": "the first evaluated step within 10 % of the vanilla curve's"
                " best domain FID"}
    print(f"budget: {steps} G steps (vanilla's {data} curve)", flush=True)
  steps = int(steps)
  if not _VMAP.value:
    train_seed_major(methods, steps)
  for data in _DATA.value:
    for method in methods:
      r = run(method, data, steps)
      out["runs"].append(r)
      print(table([r], data).splitlines()[-1], flush=True)
  for data in _DATA.value:
    out["tables"][data] = table(out["runs"], data)
    print(f"\n{data}, {steps} G steps\n{out['tables'][data]}")
  out["claims"] = claims(out["runs"])
  print("\n".join(out["claims"]))
  out["steps"] = steps
  if _OUT.value:
    from experiments.reproduce_lib import save_json

    save_json(_OUT.value, out)
  if _FIGURES.value:
    figures(out["runs"], _FIGURES.value)


if __name__ == "__main__":
  app.run(main)
