r"""The reproduction manifest: every table row of the five papers that the
project can run, with the paper's value, the command, the cost, and ours.

  python -m experiments.reproduce --list [--paper=HME-GAN] [--markdown]
  python -m experiments.reproduce --row=mdgan_ring8 [--steps=N] [--seeds=S]
  # pipeline checks: every row without a value, cheapest first, 200 steps
  python -m experiments.reproduce --row=pending --steps=200 --seeds=1 \
      --eval_samples=500 --source=random_if_missing --budget_h=1
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
the config's steps. Configs that compile to the same step (equal settings
but for the data set's name, evaluation and run length, and images of the
same shape, e.g. MNIST and Fashion-MNIST) are timed once: the others' entry
names the config it was `timed_as`.
"""

import datetime
import functools
import os
import time

import numpy as np
from absl import app, flags, logging

from experiments import manifest
from experiments.reproduce_lib import (REPRODUCTIONS, STEP_TIMES, check_label,
                                       load_json, ours, rows_to_run, run_rows,
                                       save_json, time_rows)

_LIST = flags.DEFINE_bool("list", False, "Print every row.")
_MARKDOWN = flags.DEFINE_bool("markdown", False, "--list as a markdown table"
                              " (implies --list).")
_WIDE = flags.DEFINE_bool("wide", False, "--list with every column (command,"
                          " cost) at full width.")
_PAPER = flags.DEFINE_string("paper", None, "Only this paper's rows.")
_ROW = flags.DEFINE_string("row", None, "Run these rows: IDs, comma-separated,"
                           " or 'pending' (every row of --paper without a"
                           " value yet, cheapest first by the cost column).")
_BUDGET = flags.DEFINE_float("budget_h", None, "Several rows: start no row"
                             " after this many hours.")
_STEPS = flags.DEFINE_integer("steps", None,
                              "Train steps (default: the config's).")
_SEEDS = flags.DEFINE_integer("seeds", None,
                              "Seeds (default: the paper's runs).")
_SOURCE = flags.DEFINE_string("source", None, "data.source (e.g. random), or"
                              " random_if_missing: random images where the"
                              " row's set cannot be read here.")
_EVAL = flags.DEFINE_integer("eval_samples", None,
                             "Evaluation samples (real and generated).")
_TIME = flags.DEFINE_bool("time", False,
                          "Measure the configs' step times here.")
_RETIME = flags.DEFINE_bool("retime", False, "--time: also the configs timed"
                            " before on this platform (default: kept).")
_WORKDIR = flags.DEFINE_string("workdir", "runs/reproduce", "Runs folder.")

def data_available(c) -> bool:
  """Whether config c's data set can be opened here, without downloading."""
  from gan_mixtures import data

  if c.data.name not in data.IMAGE_SETS:
    return True
  dc = c.data.copy_and_resolve_references()
  dc.download = False  # never fetch here: this asks what is on the machine
  try:
    data.make_source(dc, dc.split)
  except Exception as e:  # noqa: BLE001 - whatever keeps the set from opening
    logging.info("%s cannot be read here (%s): random images", c.data.name, e)
    return False
  return True


@functools.cache
def row_source(row_id: str) -> str | None:
  """The data.source of row `row_id` under --source (random_if_missing:
  decided once a row, not once a seed)."""
  if _SOURCE.value != "random_if_missing":
    return _SOURCE.value
  row = manifest.BY_ID[row_id]
  return None if data_available(manifest.row_config(row)) else "random"


def invocation_config(row, seed: int = 0):
  """row_config with this invocation's --steps, --source, --eval_samples."""
  source = row_source(row.id)
  return manifest.row_config(row, seed, _STEPS.value, source, _EVAL.value)


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
    vals = [float(r["metrics"][key]) * scale for r in runs
            if key in r["metrics"]]
    if vals:
      value[key] = {"mean": float(np.mean(vals)), "std": float(np.std(vals)),
                    "values": vals}
  c = invocation_config(row)
  steps, full = (int(c.train.num_steps),
                 int(manifest.row_config(row).train.num_steps))
  entry = {
      "value": value, "steps": steps, "full_steps": full, "seeds": seeds,
      "data_source": c.data.source, "eval_samples": int(c.eval.num_samples),
      "complete": (steps >= full and c.data.source != "random"
                   and not _EVAL.value),
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


def selected_rows():
  from experiments.manifest import ROWS

  return [r for r in ROWS if not _PAPER.value or r.paper == _PAPER.value]


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
      cells.append(f"{platform} {t['step_s']:.3g} s x {t['steps_full']} ="
                   f" {hours:.3g} h")
  return "; ".join(cells) or "not timed"


def list_rows() -> None:
  """The rows: a markdown table (--markdown), every column at full width
  (--wide), or by default one terminal line each (id, the paper's value,
  ours, the cost), full-length results apart from pipeline checks."""
  rows = selected_rows()
  data, times = load_json(REPRODUCTIONS), load_json(STEP_TIMES)
  head = ("id", "paper", "table", "data", "metric", "paper's value", "command",
          "cost", "ours")
  lines = []
  for r in rows:
    cells = (r.id, r.paper, r.table, r.data, "/".join(r.metrics), r.paper_value,
             r.command, cost(r, times, data.get(r.id)), ours(data.get(r.id), r))
    lines.append(cells)
  complete = sum(1 for r in rows if data.get(r.id, {}).get("complete"))
  checks = sum(1 for r in rows if r.id in data) - complete
  footer = (f"{len(rows)} rows: {complete} with a full-length result, {checks}"
            f" with a pipeline check only (shortened, random images or fewer"
            f" evaluation samples), {len(rows) - complete - checks} not run")
  if _MARKDOWN.value:
    print("| " + " | ".join(head) + " |")
    print("| " + " | ".join("---" for _ in head) + " |")
    for cells in lines:
      print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
  elif _WIDE.value:
    print("\t".join(head))
    for cells in lines:
      print("\t".join(cells))
  else:
    print_narrow(rows, data, times)
  print(footer)


def print_narrow(rows, data: dict, times: dict, width: int = 0) -> None:
  """One line per row, cut to the terminal's width: id, the paper's value,
  ours (or '-', or 'check: ...' for a pipeline check), the cost on this
  platform; full-length results first."""
  import shutil

  width = width or shutil.get_terminal_size((120, 24)).columns
  cut = lambda s, n: s if len(s) <= n else s[: n - 1] + "~"
  def status(r):
    e = data.get(r.id)
    return 0 if e and e.get("complete") else 1 if e else 2
  print(f"{'id':<32} {'paper':<30} {'ours':<34} cost")
  for r in sorted(rows, key=status):
    e = data.get(r.id)
    mine = "-" if not e else ours(e, r)
    if e and not e.get("complete"):
      mine = check_label(e) + mine.split(" (")[0]
    line = (f"{cut(r.id, 32):<32} {cut(r.paper_value, 30):<30}"
            f" {cut(mine, 34):<34} {cost(r, times, e).split(' = ')[-1]}")
    print(cut(line, width))


def main(argv):
  del argv
  papers = sorted({r.paper for r in manifest.ROWS})
  if _PAPER.value and _PAPER.value not in papers:
    raise SystemExit(f"error: unknown --paper {_PAPER.value!r}; choose from"
                     f" {', '.join(papers)}")
  if _LIST.value or _MARKDOWN.value or _WIDE.value:
    list_rows()
    return
  if _TIME.value:
    time_rows(selected_rows(), _RETIME.value)
    return
  if not _ROW.value:
    raise SystemExit("error: give --list, --time or --row=ID")
  import jax

  rows = rows_to_run(_ROW.value, _PAPER.value, _STEPS.value, _SEEDS.value,
                     jax.devices()[0].platform)
  run_rows(rows, run_row, _BUDGET.value)


if __name__ == "__main__":
  app.run(main)
