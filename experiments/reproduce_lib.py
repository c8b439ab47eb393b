"""The reproduction manifest's bookkeeping, without flags (experiments/
reproduce.py is its CLI): the results and step-time JSON, the step
signature that lets configs share one timing, timing, the pending rows and
a pass over several rows."""

import datetime
import hashlib
import json
import os
import time
from collections.abc import Callable

from absl import logging

from experiments import manifest

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
  todo = []  # (spec, config, signature) of the configs to time or copy
  for spec in dict.fromkeys(r.config for r in rows):
    c = config_of(spec)
    sig = signature_hash(c)
    if retime or not still_valid(times.get(spec, {}).get(platform), sig):
      todo.append((spec, c, sig))
  # copies of measured signatures first, then one signature's configs
  # together, so a stopped pass leaves every copy of what it measured
  first = {}
  for i, (_, _, sig) in enumerate(todo):
    first.setdefault(sig, i)
  todo.sort(key=lambda item: (item[2] not in timed, first[item[2]]))
  for spec, c, sig in todo:
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


def run_rows(rows: list, run: Callable[..., dict],
             budget_h: float | None = None) -> None:
  """Runs rows one after another with `run(row) -> entry`; with several, a
  failing row is reported and the next one runs (exit 1 at the end), and
  `budget_h` stops early."""
  if not rows:
    print("no rows to run")
    return
  if len(rows) == 1:
    print(json.dumps(run(rows[0]), indent=2))
    return
  t0, failed = time.time(), []
  for i, row in enumerate(rows):
    if budget_h and time.time() - t0 > budget_h * 3600:
      print(f"budget of {budget_h} h spent: {len(rows) - i} rows not run")
      break
    try:
      entry = run(row)
    except Exception as e:  # noqa: BLE001 - report the row, run the next
      logging.exception("row %s failed", row.id)
      failed.append(f"{row.id}: {type(e).__name__}: {e}")
      continue
    print(f"{row.id}: {ours(entry, row)} [{entry['wall_s']:.0f} s]", flush=True)
  if failed:
    raise SystemExit("error: rows failed:\n" + "\n".join(failed))
