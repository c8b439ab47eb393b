#!/usr/bin/env bash
# The one command to run on a GPU (or TPU) machine: step times of the
# papers' configs at 1 and N steps per dispatch, on noise images of each
# set's shape (no data set needed), merged into one JSON.
#
#   bash benchmarks/device_suite.sh            # the full suite (~8 min on a GPU)
#   bash benchmarks/device_suite.sh --quick    # two configs, a minute on a CPU
#
# Writes benchmarks/results/device_suite_<platform>[_quick].json and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
PY=${PYTHON:-python}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# config  steps  dispatch sizes
if (( QUICK )); then
  SUITE=(
    "configs/mdgan.py 200 1,10"
    "configs/vanilla.py:mnist 6 1,3"
  )
else
  SUITE=(
    "configs/mdgan.py 2000 1,10,100"
    "configs/ldagan.py:ring8 2000 1,10,100"
    "configs/vanilla.py:mnist 300 1,10"
    "configs/mdgan.py:stacked_mnist 300 1,10"
    "configs/hmegan.py:mnist_hme_l4 100 1,10"
    "configs/pcmgan.py:mnist 50 1,5"
    "configs/ldagan.py:cifar10 200 1,10"
    "configs/ldagan.py:cifar10_resnet 50 1,5"
  )
fi

i=0
for entry in "${SUITE[@]}"; do
  read -r config steps sizes <<< "$entry"
  for n in ${sizes//,/ }; do
    i=$((i + 1))
    echo "== $config steps_per_dispatch=$n" >&2
    "$PY" benchmarks/step_time.py --config="$config" --steps="$steps" \
      --warmup="$n" --config.data.source=random \
      --config.train.steps_per_dispatch="$n" --config.train.num_steps=$((steps * 100)) \
      --config.train.log_every="$n" --config.checkpoint.every_steps="$n" \
      --config.train.sample_every=0 --config.train.eval_every=0 \
      --out="$TMP/$(printf %03d $i).json" > /dev/null
  done
done

"$PY" - "$TMP" "$QUICK" <<'PYEOF'
import datetime, glob, json, os, sys

import jax

tmp, quick = sys.argv[1], sys.argv[2] == "1"
runs = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(tmp, "*.json")))]
dev = jax.devices()[0]
out = {"device_kind": dev.device_kind, "platform": dev.platform,
       "num_devices": jax.device_count(), "jax_version": jax.__version__,
       "date": datetime.date.today().isoformat(), "quick": quick,
       "data_source": "random", "runs": runs}
for r in runs:
  one = [s for s in runs if s["config"] == r["config"] and s["steps_per_dispatch"] == 1]
  if one:
    r["speedup_vs_1"] = one[0]["step_ms"] / r["step_ms"]
name = f"device_suite_{dev.platform}{'_quick' if quick else ''}.json"
path = os.path.join("benchmarks", "results", name)
with open(path, "w") as f:
  json.dump(out, f, indent=2)
print(json.dumps(out, indent=2))
for r in runs:
  print(f"{r['config']:34s} N={r['steps_per_dispatch']:<4d} {r['step_ms']:9.2f} ms/step"
        f"  x{r.get('speedup_vs_1', 1):.2f}  compile {r['compile_s']:.1f} s", file=sys.stderr)
print(path, file=sys.stderr)
PYEOF
