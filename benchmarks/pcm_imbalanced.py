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
  flags.DEFINE_list("methods", ["pcmgan", "gmgan", "vanilla"],
                    "Config modules under configs/.")
  flags.DEFINE_string("workdir", "runs/pcm_imbalanced", "Runs folder.")
  flags.DEFINE_string("out", None, "JSON of every run and the table.")


MISSING_SHARE = 0.01  # a digit under 1 % of the samples counts as missing


def method_config(method: str, seed: int):
  import importlib

  module = importlib.import_module(f"configs.{method}")
  arg = ",".join(["mnist_imbalanced"] + [t for t in FLAGS.modifiers.split(",")
                                         if t])
  return reuse.short_run(module.get_config(arg), seed, FLAGS.steps,
                         max(1, FLAGS.steps // 4))


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
  return {"method": method, "config": config.name, "seed": seed,
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
  return "\n".join(lines)


def main(argv):
  del argv
  runs = [run(m, s) for m in FLAGS.methods for s in range(FLAGS.seeds)]
  text = table(runs)
  result = {"steps": FLAGS.steps, "modifiers": FLAGS.modifiers,
            "missing_share": MISSING_SHARE, "runs": runs, "table": text}
  reuse.print_and_save(result, FLAGS.out)


if __name__ == "__main__":
  define_flags()
  app.run(main)
