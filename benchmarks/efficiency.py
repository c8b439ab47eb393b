r"""The speed figure of record on the CPU: for every distinct compiled train
step of the reproduction manifest (the signatures of `reproduce --time`),
XLA's FLOP count of the step with standard convolutions, the step's time
here, this machine's float32 matmul rate measured in the same process around
the timed steps, and their ratio (effective GFLOP/s over the matmul rate: a
ratio holds across machines and loads where a time does not).

  python benchmarks/efficiency.py                    # every signature
  python benchmarks/efficiency.py --images_only --paper=MD-GAN
  python benchmarks/efficiency.py --config=configs/mdgan.py:mnist --config=...
  python benchmarks/efficiency.py --markdown         # the table, from JSON

Resumable: a signature measured before on this device kind is kept unless
--retime. Writes benchmarks/results/efficiency_<platform>.json (or --out)
and, being the same measurement, the manifest's step times
(benchmarks/results/step_times.json: `reproduce --list`'s cost column).
--flops_from=JSON takes the FLOP counts of another run of this tool (by
config) where this code cannot count them (a checkout from before the
count existed).
"""

import datetime
import os
import subprocess
import time

from absl import app, flags, logging

from experiments import manifest, reproduce_lib

_PAPER = flags.DEFINE_string("paper", None, "Only this paper's rows.")
_CONFIGS = flags.DEFINE_multi_string("config", None, "Only this config"
                                       " (repeat the flag for more; configs"
                                       " outside the manifest too).")
_IMAGES = flags.DEFINE_bool("images_only", False, "Only image configs.")
_RETIME = flags.DEFINE_bool("retime", False, "Measure again what was measured.")
_MIN_S = flags.DEFINE_float("min_seconds", 5.0, "Time steps for at least this"
                            " long (and at least 2).")
_OUT = flags.DEFINE_string("out", None, "Output JSON (default: benchmarks/"
                           "results/efficiency_<platform>.json).")
_FLOPS_FROM = flags.DEFINE_string("flops_from", None, "FLOP counts by config"
                                  " from this efficiency JSON.")
_MARKDOWN = flags.DEFINE_bool("markdown", False, "Print the table of --out"
                              " as markdown and exit.")
_2D = ("grid", "ring", "spiral", "lda_mixture")


def default_out() -> str:
  import jax

  return os.path.join(reproduce_lib.RESULTS,
                      f"efficiency_{jax.devices()[0].platform}.json")


def commit() -> str:
  try:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=True,
                          cwd=os.path.dirname(os.path.abspath(__file__))
                          ).stdout.strip()
  except (OSError, subprocess.CalledProcessError):
    return "unknown"


def selected_rows() -> list:
  rows = [r for r in manifest.ROWS
          if (not _PAPER.value or r.paper == _PAPER.value)
          and (not _CONFIGS.value or r.config in _CONFIGS.value)]
  if _IMAGES.value:
    rows = [r for r in rows
            if manifest.row_config(r).data.name not in _2D]
  return rows


def with_ratio(entry: dict, flops_by_config: dict, spec: str) -> dict:
  """entry with the FLOP-based fields, from `flops_by_config` where the
  measurement has no count of its own."""
  if "gflop_per_step" not in entry and spec in flops_by_config:
    entry = dict(entry, gflop_per_step=flops_by_config[spec],
                 flops_from=_FLOPS_FROM.value)
  if "gflop_per_step" in entry:
    entry["effective_gflops"] = entry["gflop_per_step"] / entry["step_s"]
    entry["of_matmul"] = entry["effective_gflops"] / entry["matmul_gflops"]
  return entry


def markdown(result: dict) -> str:
  lines = ["| config | GFLOP / step | s / step | GFLOP/s | matmul GFLOP/s |"
           " of matmul |", "| --- | --- | --- | --- | --- | --- |"]
  for spec, e in result["rows"].items():
    if "of_matmul" not in e:
      continue
    lines.append(f"| `{spec.removeprefix('configs/')}` |"
                 f" {e['gflop_per_step']:.3g}"
                 f" | {e['step_s']:.3g} | {e['effective_gflops']:.3g} |"
                 f" {e['matmul_gflops']:.0f} | {e['of_matmul']:.2f} |")
  return "\n".join(lines)


def main(argv):
  del argv
  out = _OUT.value or default_out()
  result = reproduce_lib.load_json(out) or {"rows": {}}
  if _MARKDOWN.value:
    print(markdown(result))
    return
  flops_by_config = {}
  if _FLOPS_FROM.value:
    flops_by_config = {
        k: v["gflop_per_step"]
        for k, v in reproduce_lib.load_json(_FLOPS_FROM.value)["rows"].items()
        if "gflop_per_step" in v}
  rows = selected_rows()
  specs = list(dict.fromkeys([r.config for r in rows]
                             + list(_CONFIGS.value or ())))
  logging.info("efficiency: %d configs of %d rows; JSON %s", len(specs),
               len(rows), out)
  t0, done = time.time(), [0]

  def record(spec: str, entry: dict) -> None:
    done[0] += 1
    entry = with_ratio(dict(entry), flops_by_config, spec)
    entry["commit"] = commit()
    result["rows"][spec] = entry
    result["updated"] = datetime.date.today().isoformat()
    reproduce_lib.save_json(out, result)
    ratio = entry.get("of_matmul")
    elapsed = time.time() - t0
    logging.info("[%d] %s: %.3g s a step, %s of the matmul rate (%.0f"
                 " GFLOP/s); %.0f s elapsed", done[0], spec, entry["step_s"],
                 f"{ratio:.2f}" if ratio else "no FLOP count",
                 entry["matmul_gflops"], elapsed)

  times = reproduce_lib.time_rows(rows, _RETIME.value, _MIN_S.value,
                                  on_timed=record)
  manifest_specs = {r.config for r in manifest.ROWS}
  for spec in _CONFIGS.value or ():  # configs outside the manifest
    if spec not in manifest_specs and (_RETIME.value
                                       or spec not in result["rows"]):
      record(spec, reproduce_lib.time_config(spec, _MIN_S.value))
  # signatures measured before (kept) and the configs timed as another
  import jax

  platform = jax.devices()[0].platform
  for spec in specs:
    entry = times.get(spec, {}).get(platform)
    if entry and spec not in result["rows"] and "matmul_gflops" in entry:
      result["rows"][spec] = with_ratio(dict(entry), flops_by_config, spec)
  reproduce_lib.save_json(out, result)
  print(markdown(result))


if __name__ == "__main__":
  app.run(main)
