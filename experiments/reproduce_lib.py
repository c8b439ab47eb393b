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

RESULTS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
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


def matmul_gflops(n: int = 2048, reps: int = 5) -> float:
  """This machine's float32 matmul rate now: the best of `reps` timed
  n x n @ n x n products, in GFLOP/s (the yardstick of a step's rate)."""
  import jax
  import jax.numpy as jnp

  a = jax.random.normal(jax.random.PRNGKey(0), (n, n), jnp.float32)
  f = jax.jit(lambda a: a @ a)
  jax.block_until_ready(f(a))
  best = float("inf")
  for _ in range(reps):
    t = time.perf_counter()
    jax.block_until_ready(f(a))
    best = min(best, time.perf_counter() - t)
  return 2 * n**3 / best / 1e9


def standard_flops(step, state, batch, rng) -> float | None:
  """XLA's FLOP count of one call of `step` lowered with lax's convolutions
  (the standard algorithm's count: kernels/conv.py's CPU paths switched
  off), without compiling it."""
  import jax

  from gan_mixtures.kernels import conv

  if not hasattr(conv, "implementation"):  # a checkout from before the switch
    return None
  with conv.implementation("lax"):
    lowered = jax.jit(step).lower(state, batch, rng)
  cost = lowered.cost_analysis()
  cost = cost[0] if isinstance(cost, (list, tuple)) else cost
  return float(cost["flops"]) if cost and "flops" in cost else None


def time_config(spec: str, min_seconds: float = 0.0) -> dict:
  """Step time of one config here (random images, after compiling and one
  warm-up step: 2 steps, or more until `min_seconds` have passed), the
  standard algorithm's FLOPs of the step, and the matmul rate measured
  before and after the steps (their mean: the rate of this window)."""
  import jax

  from experiments.manifest import ROWS
  from gan_mixtures import train

  row = next((r for r in ROWS if r.config == spec), None)
  c = manifest.row_config(row) if row else manifest.load_config(spec)
  c.train.tensorboard = False
  if c.data.name not in ("grid", "ring", "spiral", "lda_mixture"):
    c.data.source = "random"
  exp = train.build_experiment(c)
  state = exp.init_state()
  batch = next(exp.batches(0))
  flops = standard_flops(exp.make_train_step(), state, batch, exp.base_rng)
  step = exp.make_train_step()
  t = time.perf_counter()
  state, m = step(state, batch, exp.base_rng)
  jax.block_until_ready(m)
  compile_s = time.perf_counter() - t
  state, m = step(state, batch, exp.base_rng)  # warm-up
  jax.block_until_ready(m)
  rate_before = matmul_gflops()
  t, n = time.perf_counter(), 0
  while n < 2 or time.perf_counter() - t < min_seconds:
    state, m = step(state, batch, exp.base_rng)
    jax.block_until_ready(m)
    n += 1
  step_s = (time.perf_counter() - t) / n
  rate = 0.5 * (rate_before + matmul_gflops())
  dev = jax.devices()[0]
  out = {"step_s": step_s, "compile_s": compile_s, "timed_steps": n,
         "device_kind": dev.device_kind, "platform": dev.platform,
         "date": datetime.date.today().isoformat(), "matmul_gflops": rate}
  if flops:
    out["gflop_per_step"] = flops / 1e9
    out["effective_gflops"] = flops / 1e9 / step_s
    out["of_matmul"] = out["effective_gflops"] / rate
  return out


def config_of(spec: str):
  from experiments.manifest import ROWS

  return manifest.row_config(next(r for r in ROWS if r.config == spec))


def signature_hash(c) -> str:
  return hashlib.sha1(step_signature(c).encode()).hexdigest()[:12]


def time_rows(rows, retime: bool = False, min_seconds: float = 0.0,
              on_timed: Callable[[str, dict], None] | None = None,
              require: str = "gflop_per_step") -> dict:
  """--time: each distinct config of `rows` timed here, once per step
  signature. A config's own earlier timing on this device kind is kept
  (unless `retime`) while its step signature is unchanged and it has the
  key `require` (timings before the FLOP count have none); one without a
  timing gets a measurement of its signature from this pass or before.
  `on_timed(spec, timing)` is called after each new measurement.
  Returns the step-time table (benchmarks/results/step_times.json)."""
  import jax

  from experiments.manifest import ROWS

  dev = jax.devices()[0]
  platform, kind = dev.platform, dev.device_kind
  times = load_json(STEP_TIMES)

  def still_valid(t: dict | None, sig: str) -> bool:
    return bool(t) and "timed_as" not in t and t.get("device_kind") == kind \
        and t.get("signature", sig) == sig and require in t

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
      t = {**time_config(spec, min_seconds), "signature": sig}
      timed[sig] = (spec, t)
      if on_timed:
        on_timed(spec, t)
    t["steps_full"] = int(c.train.num_steps)
    times.setdefault(spec, {})[platform] = t
    save_json(STEP_TIMES, times)
    print(f"{spec}: {t['step_s']:.3g} s a step on {t['device_kind']}"
          + (f" (as {t['timed_as']})" if "timed_as" in t else ""), flush=True)
  return times


def ours(entry: dict | None, row) -> str:
  if not entry:
    return "-"
  parts = [f"{k} {v['mean']:.4g}"
           + (f" +- {v['std']:.2g}" if len(v["values"]) > 1 else "")
           for k, v in entry["value"].items()]
  where = (f"{entry['steps']} steps, {entry['seeds']} seeds,"
           f" {entry['device_kind']}")
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
    return sorted(rows,
                  key=lambda r: row_hours(r, times, steps, seeds, platform))
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
  from gan_mixtures import progress

  t0, failed = time.time(), []
  report = progress.Progress("reproduce", len(rows), unit="rows",
                             every_secs=None)
  report.start(0)
  for i, row in enumerate(rows):
    if budget_h and time.time() - t0 > budget_h * 3600:
      print(f"budget of {budget_h} h spent: {len(rows) - i} rows not run")
      break
    logging.info("row %d/%d: %s (%s)", i + 1, len(rows), row.id,
                 report.line(i))
    try:
      entry = run(row)
    except Exception as e:  # noqa: BLE001 - report the row, run the next
      logging.exception("row %s failed", row.id)
      failed.append(f"{row.id}: {type(e).__name__}: {e}")
      continue
    print(f"{row.id}: {ours(entry, row)} [{entry['wall_s']:.0f} s]", flush=True)
  if failed:
    raise SystemExit("error: rows failed:\n" + "\n".join(failed))


def check_label(entry: dict) -> str:
  """'partial 20k/500k: ' for a real-data run stopped short of the row's
  length after at least PARTIAL_STEPS steps (or a tenth of it: a long run
  on the way), 'check: ' for shorter pipeline checks."""
  steps, full = entry["steps"], entry["full_steps"]
  if (min(PARTIAL_STEPS, full // 10) <= steps < full
      and entry["data_source"] != "random"):
    k = lambda n: f"{n / 1000:g}k" if n >= 1000 else str(n)
    return f"partial {k(steps)}/{k(full)}: "
  return "check: "


# A real-data run of at least this many steps (or a tenth of the row's) is a
# long run on the way, not a pipeline check.
PARTIAL_STEPS = 10_000
