r"""The reproduction manifest: every table row of the five papers that the
project can run, with the paper's value, the command, the cost, and ours.

  python -m experiments.reproduce --list [--paper=HME-GAN] [--markdown]
  python -m experiments.reproduce --row=mdgan_ring8 [--steps=N] [--seeds=S]
  python -m experiments.reproduce --time [--paper=LDAGAN]   # step times here

--row trains the row's config (its paper's protocol: the evaluation its
config sets) for the row's seeds, averages the row's metrics over them and
writes them, with the steps, seeds, data source and hardware, to
benchmarks/results/reproductions.json. A run shorter than the config's
length, on random images (--source=random, where the data set is not on the
machine) or with fewer evaluation samples (--eval_samples) is recorded as
such: the table says "pipeline check", not a reproduction.
--time measures the step time of every distinct config of the rows on this
machine (random images of the set's shape, 2 timed steps after compiling)
into benchmarks/results/step_times.json; the cost column multiplies it by
the config's steps.
"""

import datetime
import json
import os
import time

import numpy as np
from absl import app, flags

from experiments import manifest

_LIST = flags.DEFINE_bool("list", False, "Print every row.")
_MARKDOWN = flags.DEFINE_bool("markdown", False, "--list as a markdown table.")
_PAPER = flags.DEFINE_string("paper", None, "Only this paper's rows.")
_ROW = flags.DEFINE_string("row", None, "Run this row.")
_STEPS = flags.DEFINE_integer("steps", None, "Train steps (default: the config's).")
_SEEDS = flags.DEFINE_integer("seeds", None, "Seeds (default: the paper's runs).")
_SOURCE = flags.DEFINE_string("source", None, "data.source (e.g. random).")
_EVAL = flags.DEFINE_integer("eval_samples", None,
                             "Evaluation samples (real and generated).")
_TIME = flags.DEFINE_bool("time", False, "Measure the configs' step times here.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/reproduce", "Runs folder.")

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "benchmarks", "results")
REPRODUCTIONS = os.path.join(RESULTS, "reproductions.json")
STEP_TIMES = os.path.join(RESULTS, "step_times.json")


def load_json(path: str) -> dict:
  if not os.path.exists(path):
    return {}
  with open(path) as f:
    return json.load(f)


def save_json(path: str, data: dict) -> None:
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    json.dump(data, f, indent=2, sort_keys=True)
  os.replace(tmp, path)


def invocation_config(row, seed: int = 0):
  """row_config with this invocation's --steps, --source, --eval_samples."""
  return manifest.row_config(row, seed, _STEPS.value, _SOURCE.value, _EVAL.value)


def run_row(row) -> dict:
  from gan_mixtures import train

  seeds = _SEEDS.value or row.seeds
  runs, t0 = [], time.time()
  for seed in range(seeds):
    c = invocation_config(row, seed)
    workdir = os.path.join(_WORKDIR.value, row.id, f"seed{seed}")
    runs.append(train.train_and_evaluate(c, workdir))
  value = {}
  for key, scale in zip(row.metrics, row.scale or (1,) * len(row.metrics)):
    vals = [float(r["metrics"][key]) * scale for r in runs if key in r["metrics"]]
    if vals:
      value[key] = {"mean": float(np.mean(vals)), "std": float(np.std(vals)),
                    "values": vals}
  c = invocation_config(row)
  steps, full = int(c.train.num_steps), int(manifest.row_config(row).train.num_steps)
  entry = {
      "value": value, "steps": steps, "full_steps": full, "seeds": seeds,
      "data_source": c.data.source, "eval_samples": int(c.eval.num_samples),
      "complete": steps >= full and c.data.source != "random" and not _EVAL.value,
      "device_kind": runs[0]["device_kind"], "platform": runs[0]["platform"],
      "num_devices": runs[0]["num_devices"], "wall_s": time.time() - t0,
      "train_steps_per_s": runs[0].get("train_steps_per_s"),
      "date": datetime.date.today().isoformat(), "command": row.command,
      "eval_protocol": runs[0].get("eval_protocol"),
  }
  data = load_json(REPRODUCTIONS)
  data[row.id] = entry
  save_json(REPRODUCTIONS, data)
  return entry


def time_config(spec: str) -> dict:
  """Step time of one config here (random images, 2 steps after compiling)."""
  import jax

  from experiments.manifest import ROWS
  from gan_mixtures import train

  row = next(r for r in ROWS if r.config == spec)
  c = manifest.row_config(row)
  if c.data.name not in ("grid", "ring", "spiral", "lda_mixture"):
    c.data.source = "random"
  exp = train.build_experiment(c)
  state = exp.init_state()
  step = exp.make_train_step()
  batch = next(exp.batches(0))
  t = time.time()
  state, m = step(state, batch, exp.base_rng)
  jax.block_until_ready(m)
  compile_s = time.time() - t
  t = time.time()
  for _ in range(2):
    state, m = step(state, batch, exp.base_rng)
  jax.block_until_ready(m)
  dev = jax.devices()[0]
  return {"step_s": (time.time() - t) / 2, "compile_s": compile_s,
          "device_kind": dev.device_kind, "platform": dev.platform,
          "date": datetime.date.today().isoformat()}


def selected_rows():
  from experiments.manifest import ROWS

  return [r for r in ROWS if not _PAPER.value or r.paper == _PAPER.value]


def ours(entry: dict | None, row) -> str:
  if not entry:
    return "-"
  parts = [f"{k} {v['mean']:.4g}" + (f" +- {v['std']:.2g}" if len(v["values"]) > 1 else "")
           for k, v in entry["value"].items()]
  where = f"{entry['steps']} steps, {entry['seeds']} seeds, {entry['device_kind']}"
  if not entry["complete"]:
    reason = []
    if entry["steps"] < entry["full_steps"]:
      reason.append(f"of {entry['full_steps']}")
    if entry["data_source"] == "random":
      reason.append("random images")
    reason.append(f"{entry['eval_samples']} eval samples")
    where += "; pipeline check: " + ", ".join(reason)
  del row
  return "; ".join(parts) + f" ({where})"


def cost(row, times: dict, entry: dict | None = None) -> str:
  """Steps x the step time measured by --time on each platform, or else by
  the row's own run (its steady train_steps_per_s)."""
  spec = dict(times.get(row.config, {}))
  if entry and entry.get("train_steps_per_s") and entry["platform"] not in spec:
    spec[entry["platform"]] = {"step_s": 1.0 / entry["train_steps_per_s"],
                               "steps_full": entry["full_steps"]}
  cells = []
  for platform in ("cpu", "gpu"):
    t = spec.get(platform)
    if t:
      hours = t["step_s"] * t["steps_full"] / 3600
      cells.append(f"{platform} {t['step_s']:.3g} s x {t['steps_full']} = {hours:.3g} h")
  return "; ".join(cells) or "not timed"


def list_rows() -> None:
  rows = selected_rows()
  data, times = load_json(REPRODUCTIONS), load_json(STEP_TIMES)
  head = ("id", "paper", "table", "data", "metric", "paper's value", "command",
          "cost", "ours")
  lines = []
  for r in rows:
    cells = (r.id, r.paper, r.table, r.data, "/".join(r.metrics), r.paper_value,
             r.command, cost(r, times, data.get(r.id)), ours(data.get(r.id), r))
    lines.append(cells)
  if _MARKDOWN.value:
    print("| " + " | ".join(head) + " |")
    print("| " + " | ".join("---" for _ in head) + " |")
    for cells in lines:
      print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
  else:
    for cells in lines:
      print("  ".join(cells))
  print(f"{len(rows)} rows; {sum(1 for r in rows if r.id in data)} with a measured value")


def main(argv):
  del argv
  from experiments.manifest import BY_ID

  if _LIST.value:
    list_rows()
    return
  if _TIME.value:
    times = load_json(STEP_TIMES)
    for spec in dict.fromkeys(r.config for r in selected_rows()):
      row = next(r for r in selected_rows() if r.config == spec)
      t = time_config(spec)
      t["steps_full"] = int(manifest.row_config(row).train.num_steps)
      times.setdefault(spec, {})[t["platform"]] = t
      save_json(STEP_TIMES, times)
      print(f"{spec}: {t['step_s']:.3g} s a step on {t['device_kind']}", flush=True)
    return
  if not _ROW.value:
    raise SystemExit("error: give --list, --time or --row=ID")
  if _ROW.value not in BY_ID:
    raise SystemExit(f"error: unknown row {_ROW.value!r}; see --list")
  entry = run_row(BY_ID[_ROW.value])
  print(json.dumps(entry, indent=2))


if __name__ == "__main__":
  app.run(main)
