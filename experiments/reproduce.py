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
import hashlib
import json
import os
import time

import numpy as np
from absl import app, flags, logging

from experiments import manifest

_LIST = flags.DEFINE_bool("list", False, "Print every row.")
_MARKDOWN = flags.DEFINE_bool("markdown", False, "--list as a markdown table.")
_PAPER = flags.DEFINE_string("paper", None, "Only this paper's rows.")
_ROW = flags.DEFINE_string("row", None, "Run these rows: IDs, comma-separated,"
                           " or 'pending' (every row of --paper without a"
                           " value yet, cheapest first by the cost column).")
_BUDGET = flags.DEFINE_float("budget_h", None, "Several rows: start no row"
                             " after this many hours.")
_STEPS = flags.DEFINE_integer("steps", None, "Train steps (default: the config's).")
_SEEDS = flags.DEFINE_integer("seeds", None, "Seeds (default: the paper's runs).")
_SOURCE = flags.DEFINE_string("source", None, "data.source (e.g. random), or"
                              " random_if_missing: random images where the"
                              " row's set cannot be read here.")
_EVAL = flags.DEFINE_integer("eval_samples", None,
                             "Evaluation samples (real and generated).")
_TIME = flags.DEFINE_bool("time", False, "Measure the configs' step times here.")
_RETIME = flags.DEFINE_bool("retime", False, "--time: also the configs timed"
                            " before on this platform (default: kept).")
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


def invocation_config(row, seed: int = 0):
  """row_config with this invocation's --steps, --source, --eval_samples."""
  source = _SOURCE.value
  if source == "random_if_missing":
    source = None if data_available(manifest.row_config(row)) else "random"
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


# Settings that never change the train step's computation (data: where the
# images come from and how the host prepares them).
_NOT_IN_STEP = ("name", "seed", "eval", "checkpoint", "data.name", "data.dir",
                "data.source", "data.split", "data.crop", "data.resize",
                "data.tfds_name", "data.tfds_data_dir", "data.image_dir",
                "data.folder_test_size", "data.download", "data.mnist_dir",
                "train.num_steps",
                "train.log_every", "train.sample_every", "train.tensorboard",
                "train.init_from")


def step_signature(c) -> str:
  """What the train step of config `c` is compiled from: its settings less
  _NOT_IN_STEP, and (image sets) the size, channels and stacking of its
  images in place of the set's name."""
  from gan_mixtures.data import IMAGE_SETS

  flat = {k: v for k, v in flatten(c.to_dict()).items()
          if not any(k == n or k.startswith(n + ".") for n in _NOT_IN_STEP)}
  dc = c.data
  if dc.name in IMAGE_SETS:
    channels = dc.channels or IMAGE_SETS[dc.name][1]
    flat["images"] = (dc.image_size, channels, dc.name == "stacked_mnist")
  else:
    flat["data.name"] = dc.name
  return json.dumps(flat, sort_keys=True, default=str)


def flatten(d: dict, prefix: str = "") -> dict:
  out = {}
  for k, v in d.items():
    if isinstance(v, dict):
      out.update(flatten(v, f"{prefix}{k}."))
    else:
      out[f"{prefix}{k}"] = v
  return out


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


def config_of(spec: str):
  from experiments.manifest import ROWS

  return manifest.row_config(next(r for r in ROWS if r.config == spec))


def signature_hash(c) -> str:
  return hashlib.sha1(step_signature(c).encode()).hexdigest()[:12]


def time_rows(rows, retime: bool = False) -> None:
  """--time: each distinct config of `rows` timed here, once per step
  signature. A config's own earlier timing on this device kind is kept
  (unless `retime`) while its step signature is unchanged; one without a
  timing gets a measurement of its signature from this pass or before."""
  import jax

  from experiments.manifest import ROWS

  dev = jax.devices()[0]
  platform, kind = dev.platform, dev.device_kind
  times = load_json(STEP_TIMES)

  def still_valid(t: dict | None, sig: str) -> bool:
    return bool(t) and "timed_as" not in t and t.get("device_kind") == kind \
        and t.get("signature", sig) == sig  # entries before signatures: kept

  timed = {}  # signature -> (spec, timing) measured here
  specs = {r.config for r in ROWS}
  for spec, entry in times.items():
    if not retime and spec in specs:
      sig = signature_hash(config_of(spec))
      if still_valid(entry.get(platform), sig):
        timed.setdefault(sig, (spec, entry[platform]))
  for spec in dict.fromkeys(r.config for r in rows):
    c = config_of(spec)
    sig = signature_hash(c)
    if not retime and still_valid(times.get(spec, {}).get(platform), sig):
      continue  # its own measurement, kept
    if sig in timed:
      t = {**timed[sig][1], "timed_as": timed[sig][0]}
    else:
      t = {**time_config(spec), "signature": sig}
      timed[sig] = (spec, t)
    t["steps_full"] = int(c.train.num_steps)
    times.setdefault(spec, {})[platform] = t
    save_json(STEP_TIMES, times)
    print(f"{spec}: {t['step_s']:.3g} s a step on {t['device_kind']}"
          + (f" (as {t['timed_as']})" if "timed_as" in t else ""), flush=True)


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


def row_hours(row, times: dict, steps: int | None, seeds: int | None,
              platform: str = "cpu") -> float:
  """The train cost of `row` at `steps` (default full) x `seeds` (default
  the row's) on `platform` in hours, evaluation not counted; inf where its
  config is not timed there."""
  t = times.get(row.config, {}).get(platform)
  if not t:
    return float("inf")
  return t["step_s"] * (steps or t["steps_full"]) * (seeds or row.seeds) / 3600


def rows_to_run(spec: str, paper: str | None = None, steps: int | None = None,
                seeds: int | None = None, platform: str = "cpu") -> list:
  """The rows of --row: IDs, or 'pending': the rows of `paper` with no entry
  in reproductions.json yet (neither a value nor a pipeline check),
  cheapest first at `steps` x `seeds` on `platform`."""
  from experiments.manifest import BY_ID, ROWS

  if spec == "pending":
    done, times = load_json(REPRODUCTIONS), load_json(STEP_TIMES)
    rows = [r for r in ROWS if r.id not in done and paper in (None, r.paper)]
    return sorted(rows, key=lambda r: row_hours(r, times, steps, seeds, platform))
  unknown = [i for i in spec.split(",") if i not in BY_ID]
  if unknown:
    raise SystemExit(f"error: unknown row {unknown[0]!r}; see --list")
  return [BY_ID[i] for i in spec.split(",")]


def run_rows(rows: list, budget_h: float | None = None) -> None:
  """Runs rows one after another; with several, a failing row is reported
  and the next one runs (exit 1 at the end), and `budget_h` stops early."""
  if not rows:
    print("no rows to run")
    return
  if len(rows) == 1:
    print(json.dumps(run_row(rows[0]), indent=2))
    return
  t0, failed = time.time(), []
  for i, row in enumerate(rows):
    if budget_h and time.time() - t0 > budget_h * 3600:
      print(f"budget of {budget_h} h spent: {len(rows) - i} rows not run")
      break
    try:
      entry = run_row(row)
    except Exception as e:  # noqa: BLE001 - report the row, run the next
      logging.exception("row %s failed", row.id)
      failed.append(f"{row.id}: {type(e).__name__}: {e}")
      continue
    print(f"{row.id}: {ours(entry, row)} [{entry['wall_s']:.0f} s]", flush=True)
  if failed:
    raise SystemExit("error: rows failed:\n" + "\n".join(failed))


def main(argv):
  del argv
  papers = sorted({r.paper for r in manifest.ROWS})
  if _PAPER.value and _PAPER.value not in papers:
    raise SystemExit(f"error: unknown --paper {_PAPER.value!r}; choose from"
                     f" {', '.join(papers)}")
  if _LIST.value:
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
  run_rows(rows, _BUDGET.value)


if __name__ == "__main__":
  app.run(main)
