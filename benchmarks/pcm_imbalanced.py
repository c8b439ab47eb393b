r"""Imbalanced MNIST (the PCM paper's Fig. 7): the digit histogram of the PCM
GAN's samples against GM-GAN's and a vanilla GAN's, at equal steps.

`mnist_imbalanced` keeps all 6,742 ones and 1,000 of every other digit
(ones 42.8 %). Each method is its config's `mnist_imbalanced` preset with the
same modifiers (default `small`: widths 32, batch 16, the CPU-sized net of
the decisive experiment) and the same steps; the PCM GAN is the default
(Algorithm 1 as published). Equal steps are equal real batches; the PCM GAN
pairs every real with K fakes (K = 10), so its D sees K times the fakes of
the baselines' D a step: the JSON and table state it.

  python benchmarks/pcm_imbalanced.py --steps=2000 \
      --out=benchmarks/results/pcm_imbalanced_small_cpu.json

Digit shares are of the run's evaluation samples (10,000) under the MNIST
classifier; `label_kl_data` is their KL to the digit histogram of as many
real training examples.

A method may carry its own tokens after '+' (`pcmgan+anchored`: C's outputs
re-indexed to the components every 100 steps). For PCM runs, Fig. 7's
mechanism at every `--trajectory_every` steps (checkpoints kept): which
component draws the most 1s and how cleanly, the Eq. 6 weight on it (mean
C(x)_k over the real 1s: pair (x_i, x^_i^k) is weighted by C(x_i)_k, so it
is high only if C's output k means that component), C's mass on it over
all real images, M's diagonal and best-permutation mass (the training
log), and the share of 1s in 2,000 samples. PE3 (issue 37):

  python benchmarks/pcm_imbalanced.py --modifiers=small,ns --steps=2000 \
      --seeds=2 --methods=pcmgan,pcmgan+anchored,gmgan,vanilla \
      --trajectory_every=500 --out=benchmarks/results/pcm_fig7_small_ns_cpu.json
"""

import os

import numpy as np
import reuse
from absl import app, flags

FLAGS = flags.FLAGS


def define_flags() -> None:
  """The tool's flags, defined when it runs (an import defines none, so the
  tests can import it beside other tools)."""
  flags.DEFINE_integer("steps", 2000, "Train steps of every method.")
  flags.DEFINE_integer("seeds", 1, "Seeds 0..N-1.")
  flags.DEFINE_string("modifiers", "small", "Tokens after the data.")
  flags.DEFINE_integer("trajectory_every", 0, "PCM runs: Fig. 7's mechanism"
                       " every N steps (0: at the end only).")
  flags.DEFINE_list("methods", ["pcmgan", "gmgan", "vanilla"],
                    "Config modules under configs/.")
  flags.DEFINE_string("workdir", "runs/pcm_imbalanced", "Runs folder.")
  flags.DEFINE_string("out", None, "JSON of every run and the table.")


MISSING_SHARE = 0.01  # a digit under 1 % of the samples counts as missing


def method_config(method: str, seed: int):
  """`method` ('name' or 'name+token+...') on mnist_imbalanced with the
  modifiers, FLAGS.steps long; checkpoints kept every trajectory_every."""
  import importlib

  name, *own = method.split("+")
  module = importlib.import_module(f"configs.{name}")
  tokens = ["mnist_imbalanced"] + [t for t in FLAGS.modifiers.split(",") if t]
  c = reuse.short_run(module.get_config(",".join(tokens + own)), seed,
                      FLAGS.steps, max(1, FLAGS.steps // 4))
  if FLAGS.trajectory_every:
    c.checkpoint.every_steps = FLAGS.trajectory_every
    c.checkpoint.max_to_keep = FLAGS.steps // FLAGS.trajectory_every + 1
  return c


def fig7_point(workdir: str, step: int | None = None,
               per_component: int = 500) -> dict:
  """Fig. 7's mechanism in a PCM run's checkpoint at `step` (default: the
  last): module docstring."""
  import jax

  from gan_mixtures import evaluators, train

  exp, state = train.load_workdir(workdir, step)
  method, use_ema = exp.method, exp.config.eval.use_ema
  step = int(state.step)
  clf = evaluators.Shared(exp.config).classifier
  x = np.asarray(method.sample_components(
      state, jax.random.PRNGKey(step), per_component, use_ema))  # [K, m, ...]
  digits = clf.predict(x.reshape((-1,) + x.shape[2:])).reshape(x.shape[:2])
  ones_share = (digits == 1).mean(1)  # [K] share of 1s in each component
  k1 = int(np.argmax((digits == 1).sum(1)))
  images, labels = exp.data.all_examples()
  q_ones = method.responsibilities(state, images[labels == 1][:2000])
  q_all = method.responsibilities(state, images[::5])  # [N / 5, K]
  samples, _ = method.sample(state, jax.random.PRNGKey(step + 1), 2000,
                             use_ema)
  logged = [r for r in reuse.metrics_rows(workdir, "m_diagonal")
            if r["step"] <= step]
  return {"step": step, "ones_component": k1,
          "ones_in_component": float(ones_share[k1]),
          "components_mostly_ones": int(np.sum(ones_share >= 0.5)),
          "eq6_weight_on_ones_component": float(q_ones[:, k1].mean()),
          "c_mass_on_ones_component": float(q_all[:, k1].mean()),
          "m_diagonal": logged[-1]["m_diagonal"] if logged else None,
          "m_best": logged[-1]["m_best"] if logged else None,
          "ones_in_samples": float(np.mean(clf.predict(np.asarray(samples))
                                           == 1))}


def fig7_trajectory(workdir: str) -> list[dict]:
  """fig7_point at every kept checkpoint of the run."""
  steps = [int(d) for d in os.listdir(os.path.join(workdir, "checkpoints"))
           if d.isdigit()]
  return [fig7_point(workdir, s) for s in sorted(steps)]


def fakes_per_step(config) -> int:
  """The fakes D sees in one step: K per real for the PCM GAN, else one."""
  per_real = (int(config.method.num_gaussians)
              if config.method.name == "pcmgan" else 1)
  return int(config.train.batch_size) * per_real


def histogram_row(metrics: dict) -> dict:
  """Ones' share, digits present / missing (< 1 %), KL to the data."""
  share = np.asarray(metrics["digit_share"])
  missing = [int(d) for d in np.flatnonzero(share < MISSING_SHARE)]
  return {"ones": float(share[1]), "digits_present": len(share) - len(missing),
          "missing": missing, "smallest_digit": int(np.argmin(share)),
          "smallest_share": float(share.min()),
          "label_kl_data": metrics["label_kl_data"],
          "fid_domain": metrics["fid_domain"]}


def run(method: str, seed: int) -> dict:
  config = method_config(method, seed)
  workdir = os.path.join(FLAGS.workdir, FLAGS.modifiers or "default",
                         method, f"seed{seed}")
  results = reuse.train_or_reuse(config, workdir)
  fig7 = (fig7_trajectory(workdir) if config.method.name == "pcmgan"
          else None)
  return {"method": method, "config": config.name, "seed": seed,
          "fig7": fig7,
          "steps": int(results["step"]), "workdir": workdir,
          "batch_size": int(config.train.batch_size),
          "fakes_per_step": fakes_per_step(config),
          "histogram": histogram_row(results["metrics"]),
          "digit_share": results["metrics"]["digit_share"],
          "digit_share_data": results["metrics"]["digit_share_data"],
          "wall_s": results["wall_s"], "device_kind": results["device_kind"]}


def table(runs: list[dict]) -> str:
  lines = ["| method | seed | steps | fakes a step | ones | digits >= 1 % |"
           " smallest | label_kl_data | fid_domain |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
  for r in runs:
    h = r["histogram"]
    lines.append(
        f"| {r['config']} | {r['seed']} | {r['steps']} | {r['fakes_per_step']}"
        f" | {100 * h['ones']:.1f} % | {h['digits_present']} |"
        f" {h['smallest_digit']} ({100 * h['smallest_share']:.1f} %) |"
        f" {h['label_kl_data']:.3f} | {h['fid_domain']:.1f} |")
  data_ones = 100 * runs[0]["digit_share_data"][1]
  lines.append(f"\nOnes in the real examples: {data_ones:.1f} %.")
  lines += ["", "| PCM run | seed | step | component of the 1s (its 1s) |"
            " components mostly 1s | Eq. 6 weight on it | C's mass on it |"
            " M diagonal / best | 1s in samples |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
  for r in runs:
    for p in r["fig7"] or []:
      m = ("-" if p["m_diagonal"] is None
           else f"{p['m_diagonal']:.2f} / {p['m_best']:.2f}")
      lines.append(
          f"| {r['method']} | {r['seed']} | {p['step']} |"
          f" {p['ones_component']} ({100 * p['ones_in_component']:.0f} %) |"
          f" {p['components_mostly_ones']} |"
          f" {p['eq6_weight_on_ones_component']:.3f} |"
          f" {p['c_mass_on_ones_component']:.3f} | {m} |"
          f" {100 * p['ones_in_samples']:.1f} % |")
  return "\n".join(lines)


def main(argv):
  del argv
  runs = [run(m, s) for m in FLAGS.methods for s in range(FLAGS.seeds)]
  text = table(runs)
  result = {"steps": FLAGS.steps, "modifiers": FLAGS.modifiers,
            "trajectory_every": FLAGS.trajectory_every,
            "missing_share": MISSING_SHARE, "runs": runs, "table": text}
  reuse.print_and_save(result, FLAGS.out)


if __name__ == "__main__":
  define_flags()
  app.run(main)
