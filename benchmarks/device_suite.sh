#!/usr/bin/env bash
# The one command to run on a GPU (or TPU) machine: step times of the
# papers' nets (one preset per net family, noise images of each set's shape,
# no data set needed) at N in {1, 10, 100} steps per dispatch and in float32
# / bfloat16, and the configs the peers' PyTorch code was timed on
# (../shared/peer_bench: LDAGAN SN-ResNet CIFAR-10 K = 10; HME-L depth 2 / 5
# / 8, WGAN-GP, 5 D steps, batch 128), merged into one JSON.
#
#   bash benchmarks/device_suite.sh [--wheels DIR] [--out DIR]   # GPU window
#   bash benchmarks/device_suite.sh --quick                      # this CPU
#
# --wheels DIR: pip-installs what the machine lacks (ml-collections, clu,
# absl-py) from the wheels in DIR, offline; the core needs no TensorFlow.
# Writes OUT/device_suite_<platform>[_quick].json (OUT: benchmarks/results).
# Sized for a 10-minute window; not yet run on a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
WHEELS=""
OUT=benchmarks/results
while (( $# )); do
  case "$1" in
    --quick) QUICK=1 ;;
    --wheels) WHEELS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    *) echo "error: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
PY=${PYTHON:-python}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [[ -n "$WHEELS" ]]; then
  for pkg in ml_collections clu absl; do
    "$PY" -c "import $pkg" 2> /dev/null || "$PY" -m pip install -q --no-index \
      --find-links "$WHEELS" "$(echo $pkg | sed 's/_/-/; s/^absl$/absl-py/')"
  done
fi
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# config  steps  dispatch sizes  compute dtype
if (( QUICK )); then
  SUITE=(
    "configs/mdgan.py 200 1,10 float32"
    "configs/vanilla.py:mnist 6 1,3 float32"
    "configs/vanilla.py:mnist 6 1 bfloat16"
  )
else
  SUITE=(
    "configs/mdgan.py 2000 1,10,100 float32"
    "configs/ldagan.py:ring8 2000 1,10,100 float32"
    "configs/vanilla.py:mnist 300 1,10,100 float32"
    "configs/vanilla.py:mnist 300 1,10 bfloat16"
    "configs/mdgan.py:stacked_mnist 300 1,10 float32"
    "configs/mmgan.py:mnist_a 200 1,10 float32"
    "configs/hmegan.py:mnist_hme_l2 100 1,10 float32"
    "configs/hmegan.py:mnist_hme_l5 100 1,10 float32"
    "configs/hmegan.py:mnist_hme_l5 100 10 bfloat16"
    "configs/hmegan.py:mnist_hme_l4,--config.method.depth=8 50 1,10 float32"
    "configs/madgan.py:mnist_k8 100 1,10 float32"
    "configs/pcmgan.py:mnist 50 1,5 float32"
    "configs/ldagan.py:cifar10 200 1,10 float32"
    "configs/ldagan.py:cifar10_resnet 50 1,5 float32"
    "configs/ldagan.py:cifar10_resnet 50 5 bfloat16"
  )
fi

i=0
for entry in "${SUITE[@]}"; do
  read -r spec steps sizes dtype <<< "$entry"
  config=${spec%%,--*}
  extra=()
  [[ "$spec" == *",--"* ]] && extra=("--${spec#*,--}")
  for n in ${sizes//,/ }; do
    i=$((i + 1))
    echo "== $config steps_per_dispatch=$n $dtype" >&2
    "$PY" benchmarks/step_time.py --config="$config" --steps="$steps" \
      --warmup="$n" --config.data.source=random \
      --config.train.steps_per_dispatch="$n" --config.train.num_steps=$((steps * 100)) \
      --config.train.log_every="$n" --config.checkpoint.every_steps="$n" \
      --config.train.sample_every=0 --config.train.eval_every=0 \
      --config.model.dtype="$dtype" "${extra[@]}" \
      --out="$TMP/$(printf %03d $i).json" > /dev/null
  done
done

"$PY" - "$TMP" "$QUICK" "$OUT" <<'PYEOF'
import datetime, glob, json, os, sys

import jax

tmp, quick, out_dir = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
runs = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(tmp, "*.json")))]
dev = jax.devices()[0]
out = {"device_kind": dev.device_kind, "platform": dev.platform,
       "num_devices": jax.device_count(), "jax_version": jax.__version__,
       "date": datetime.date.today().isoformat(), "quick": quick,
       "data_source": "random", "runs": runs}
for r in runs:
  one = [s for s in runs if s["config"] == r["config"] and s["steps_per_dispatch"] == 1
         and s["dtype"] == "float32"]
  if one:
    r["speedup_vs_1"] = one[0]["step_ms"] / r["step_ms"]
name = f"device_suite_{dev.platform}{'_quick' if quick else ''}.json"
path = os.path.join(out_dir, name)
with open(path, "w") as f:
  json.dump(out, f, indent=2)
print(json.dumps(out, indent=2))
for r in runs:
  print(f"{r['config']:34s} N={r['steps_per_dispatch']:<4d} {r['dtype']:9s}"
        f" {r['step_ms']:9.2f} ms/step"
        f"  x{r.get('speedup_vs_1', 1):.2f}  compile {r['compile_s']:.1f} s", file=sys.stderr)
print(path, file=sys.stderr)
PYEOF
