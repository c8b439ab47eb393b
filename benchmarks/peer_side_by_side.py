r"""Our step time beside the peers' reference PyTorch code, in one window.

The peers' scripts are ../shared/peer_bench/bench_{hmog,ldagan}_cpu.py (see
its README: alper111/hmog for HME-GAN, Sumching/LDAGAN with its device set to
'cpu'); ours is benchmarks/step_time.py on random data of the same shape.
One unit is one step: 5 D + 1 G updates (HME-L, WGAN-GP, batch 128, 32x32x1)
or 4 D + 1 G updates (LDAGAN SN-ResNet CIFAR-10, K = 10: our
`cifar10_resnet,reference_code`, the reference code's hinge loss, 4 D steps
and 6 fakes per generator for D). The runs go one
after another, so every number shares the machine's state.

  python benchmarks/peer_side_by_side.py --peers=/tmp/peers \
      --peer_python=/tmp/torchvenv/bin/python \
      --out=benchmarks/results/peer_side_by_side_cpu.json
"""

import json
import os
import subprocess
import sys
import time

import reuse
from absl import app, flags

_PEERS = flags.DEFINE_string("peers", "/tmp/peers",
                             "Folder with hmog/ and ldagan_cpu/.")
_BENCH = flags.DEFINE_string("peer_bench", "../shared/peer_bench",
                             "Folder of the peers' timing scripts.")
_OUT = flags.DEFINE_string("out", None, "JSON of every timing and the table.")
_STEPS = flags.DEFINE_integer("steps", 2, "Timed steps / iterations of each.")
_ONLY = flags.DEFINE_list("only", [], "Rows to time (default all).")
_XLA = flags.DEFINE_list("our_xla_flags", [""],
                         "XLA_FLAGS settings to time ours under, each a row"
                         " (\"\" = none).")
_PEER_PYTHON = flags.DEFINE_string(
    "peer_python", sys.executable, "Python with torch for the peers' runs"
    " (a separate venv: torch is not a dependency of the project).")
_PEER_PATH = flags.DEFINE_string(
    "peer_pythonpath", "", "PYTHONPATH of the peers' runs (e.g. a folder with a"
    " stand-in torchvision: hmog imports it only for Inception and save_image,"
    " which the timing does not use).")

HERE = os.path.dirname(os.path.abspath(__file__))
# row: (our config and overrides, peer script, its arguments, peer folder)
ROWS = {
    "HME-L depth 2": (["configs/hmegan.py:mnist_hme_l4",
                       "--config.method.depth=2"],
                      "bench_hmog_cpu.py", ["2"], "hmog"),
    "HME-L depth 5": (["configs/hmegan.py:mnist_hme_l4",
                       "--config.method.depth=5"],
                      "bench_hmog_cpu.py", ["5"], "hmog"),
    "LDAGAN SN-ResNet CIFAR-10": (
        ["configs/ldagan.py:cifar10_resnet,reference_code"],
        "bench_ldagan_cpu.py", [], "ldagan_cpu"),
}


def last_json_line(text: str) -> dict:
  return json.loads([l for l in text.splitlines() if l.startswith("{")][-1])


def ours(config: list[str], out: str, xla_flags: str) -> dict:
  cmd = [sys.executable, os.path.join(HERE, "step_time.py"),
         f"--config={config[0]}",
         *config[1:], "--config.data.source=random", f"--steps={_STEPS.value}",
         "--warmup=1", f"--out={out}"]
  subprocess.run(cmd, check=True, capture_output=True,
                 cwd=os.path.dirname(HERE),
                 env={**os.environ, "XLA_FLAGS": xla_flags})
  with open(out) as f:
    return {**json.load(f), "xla_flags": xla_flags}


def peer(script: str, args: list[str], folder: str) -> dict:
  steps = [] if "ldagan" in script else [str(_STEPS.value)]
  args = args + steps if args else [str(_STEPS.value)]
  proc = subprocess.run(
      [_PEER_PYTHON.value, os.path.join(os.path.abspath(_BENCH.value), script),
       *args],
      check=True, capture_output=True, text=True, cwd=_PEERS.value,
      env={**os.environ, "PEER_DIR": os.path.join(_PEERS.value, folder),
           "PYTHONPATH": _PEER_PATH.value})
  return last_json_line(proc.stdout)


def main(argv):
  del argv
  rows, tmp = [], os.path.join("/tmp", f"side_by_side_{os.getpid()}.json")
  for name, (config, script, args, folder) in ROWS.items():
    if _ONLY.value and name not in _ONLY.value:
      continue
    t = time.time()
    theirs = peer(script, args, folder)
    peer_s = theirs.get("s_per_iteration", theirs.get("s_per_cycle_4D_1G"))
    for xla_flags in _XLA.value:
      mine = ours(config, tmp, xla_flags)
      ours_s = mine["step_ms"] / 1e3
      rows.append({"row": name, "xla_flags": xla_flags,
                   "ours_s_per_step": ours_s,
                   "peer_s_per_step": peer_s, "peer_over_ours": peer_s / ours_s,
                   "ours": mine, "peer": theirs, "wall_s": time.time() - t})
      print(f"{name} [{xla_flags}]: ours {ours_s:.2f} s, peer {peer_s:.2f} s",
            flush=True)
  lines = ["| config | XLA_FLAGS | gan_mixtures s/step | peer s/step |"
           " peer / ours |",
           "| --- | --- | --- | --- | --- |"]
  lines += [f"| {r['row']} | {r['xla_flags'] or '-'} |"
            f" {r['ours_s_per_step']:.2f} |"
            f" {r['peer_s_per_step']:.2f} | {r['peer_over_ours']:.2f} |"
            for r in rows]
  reuse.print_and_save({"date": time.strftime("%Y-%m-%d"),
                        "cpus": os.cpu_count(),
                        "peer_pythonpath": _PEER_PATH.value,
                        "rows": rows, "table": "\n".join(lines)}, _OUT.value)


if __name__ == "__main__":
  app.run(main)
