"""Beyond one device: simulated devices of one process with the real
configs, jax.distributed processes on 127.0.0.1 (gloo collectives), per-host
input, a process that dies, SIGTERM (preemption), sweeps through submitit.

The multi-process runs, the longer one-process runs (SIGTERM, submitit, the
ring and image configs on 2 devices) are marked slow (python -m pytest -m
slow)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import chex
import jax
import numpy as np
import pytest

from gan_mixtures import data as data_lib
from gan_mixtures import train
from tests.helpers import (REPO, data_config, run_module, start_main,
                           wait_for_checkpoint)

QUIET = ["--config.train.tensorboard=False"]


def free_port() -> int:
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def params(workdir):
  _, state = train.load_workdir(str(workdir))
  return jax.device_get((state.g.params, state.d.params))


def results(workdir):
  return json.loads((workdir / "results.json").read_text())


# ---- several simulated devices, the real configs -----------------------------

# Why the comparison holds on any CPU. The 2-device run all-reduces its
# gradients, summing the batch in another order: float32 sums of n <= 500
# terms in two orders differ by at most n u sum|terms| (u = 2^-24), i.e. 3e-5
# relative when the terms share a sign. Step 0's D loss and gradient norm
# are computed from identical parameters and data, so they agree to that.
# Later quantities do not have such a bound: Adam's first update is lr g /
# (|g| + eps), whose sign flips for gradients at the rounding level, and
# the trajectory amplifies that (a 12-step comparison at rtol 2e-3 failed on
# another CPU). What is bounded: each first-step update lies in [-lr, lr],
# so after one step every parameter of the two runs differs by at most 2 lr.
# A run that did not all-reduce its gradients would change the gradient
# norm at step 0 (each device's half batch).
REAL = [  # the ring and image configs are long for CI: marked slow
    "configs/mdgan.py",
    pytest.param("configs/ldagan.py:ring8", marks=pytest.mark.slow),
    pytest.param("configs/vanilla.py:digits", marks=pytest.mark.slow),
]
SUM_RTOL = 500 * 2.0**-24  # float32 sums of <= 500 terms, two orders


def first_row(workdir):
  rows = [json.loads(l)
          for l in (workdir / "metrics.jsonl").read_text().splitlines()]
  return next(r for r in rows if "d_loss" in r and r["step"] == 1)  # after 1


@pytest.mark.parametrize("config", REAL)
def test_two_simulated_devices_match_one(config, tmp_path):
  flags = [f"--config={config}", "--config.train.num_steps=1",
           "--config.train.log_every=1", "--config.eval.num_samples=500",
           "--config.eval.num_samples_large=0", *QUIET]
  if "digits" in config:
    flags += [f"--config.eval.classifier_dir={tmp_path}/clf"]
  two = run_module("experiments.main", *flags, f"--workdir={tmp_path}/two",
                   env={"XLA_FLAGS":
                        "--xla_force_host_platform_device_count=2"})
  assert two.returncode == 0, two.stderr[-3000:]
  one = run_module("experiments.main", *flags, f"--workdir={tmp_path}/one",
                   env={"XLA_FLAGS": ""})
  assert one.returncode == 0, one.stderr[-3000:]
  assert results(tmp_path / "two")["num_devices"] == 2
  row_two, row_one = first_row(tmp_path / "two"), first_row(tmp_path / "one")
  for key in ("d_loss", "d_grad_norm"):
    assert row_two[key] == pytest.approx(row_one[key], rel=SUM_RTOL, abs=1e-7)
  saved = json.loads((tmp_path / "one" / "config.json").read_text())
  for part, (a, b) in zip(("g_opt", "d_opt"), zip(params(tmp_path / "two"),
                                                  params(tmp_path / "one"))):
    bound = 2 * saved[part]["lr"] * (1 + 1e-5)
    gap = max(float(np.abs(x - y).max())
              for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))
    assert gap <= bound, (part, gap, bound)


# ---- per-host input ----------------------------------------------------------

class CountingSource:
  def __init__(self, source):
    self.source, self.read = source, 0

  def __len__(self):
    return len(self.source)

  def examples(self, idx):
    self.read += len(idx)
    return self.source.examples(idx)

  @property
  def all_labels(self):
    return self.source.all_labels


def test_each_process_reads_only_its_rows():
  dc = data_config(name="digits", image_size=8, resize="none")
  ds = data_lib.make_dataset(dc)
  ds.source = CountingSource(ds.source)
  shape = (2, 8)  # n_disc, batch
  full = ds.host_batch(3, shape)
  ds.source.read = 0
  halves = [ds.host_batch(3, shape, slice(0, 4)),
            ds.host_batch(3, shape, slice(4, 8))]
  assert ds.source.read == 16  # each half read 8 = half the step's examples
  np.testing.assert_array_equal(np.concatenate(halves, axis=1), full)


# ---- SIGTERM: checkpoint at that step, a clean exit, an identical resume -----

@pytest.mark.slow
def test_sigterm_checkpoints_and_resumes_identically(tmp_path):
  flags = ["--config=configs/vanilla.py:grid25",
           "--config.train.num_steps=3000",
           "--config.checkpoint.every_steps=500",
           "--config.train.log_every=500",
           "--config.eval.num_samples=200", "--config.eval.num_samples_large=0",
           *QUIET]
  ref = run_module("experiments.main", *flags, f"--workdir={tmp_path}/ref")
  assert ref.returncode == 0, ref.stderr[-3000:]
  work = tmp_path / "term"
  proc = start_main(*flags, workdir=work)
  wait_for_checkpoint(work / "checkpoints", 500)
  proc.send_signal(signal.SIGTERM)
  out, err = proc.communicate(timeout=120)
  assert proc.returncode == 143, err[-3000:]
  line = [l for l in out.splitlines() if l.startswith("stopped:")]
  assert line and "preempted (SIGTERM) at step" in line[0], out[-2000:]
  step = int(line[0].split("at step ")[1].split(":")[0])
  assert step < 3000 and str(step) in os.listdir(work / "checkpoints")
  resumed = run_module("experiments.main", *flags, f"--workdir={work}")
  assert resumed.returncode == 0, resumed.stderr[-3000:]
  chex.assert_trees_all_equal(params(tmp_path / "ref"), params(work))


# ---- submitit ----------------------------------------------------------------

@pytest.mark.slow
def test_submitit_local_sweep_equals_the_local_loop(tmp_path):
  pytest.importorskip("submitit",
                      reason="submitit absent: pip install submitit")
  common = ["--config=configs/vanilla.py:grid25", "--seeds=3",
            "--config.train.num_steps=40", "--config.train.log_every=20",
            "--config.model.g_hidden=(16,16)",
            "--config.model.d_hidden=(16,16)",
            "--config.eval.num_samples=200",
            "--config.eval.num_samples_large=0",
            *QUIET]
  local = run_module("experiments.sweep", *common,
                     f"--workdir={tmp_path}/local")
  assert local.returncode == 0, local.stderr[-3000:]
  sub = run_module("experiments.sweep", *common, f"--workdir={tmp_path}/sub",
                   "--launcher=submitit", "--executor=local")
  assert sub.returncode == 0, sub.stderr[-3000:]
  a = json.loads((tmp_path / "local" / "sweep.json").read_text())
  b = json.loads((tmp_path / "sub" / "sweep.json").read_text())
  assert a["summary"] == b["summary"]
  assert [r["metrics"] for r in a["runs"]] == [r["metrics"] for r in b["runs"]]
  table = lambda p: [l for l in p.stdout.splitlines() if "+-" in l]
  assert table(local) == table(sub)


# ---- jax.distributed processes on 127.0.0.1 (slow) ---------------------------

def launch(flags, workdir, port, n=2, env=None):
  """n processes of one job; returns the Popen objects."""
  return [subprocess.Popen(
      [sys.executable, "-m", "experiments.main", *flags, f"--workdir={workdir}",
       f"--coordinator_address=127.0.0.1:{port}", f"--num_processes={n}",
       f"--process_id={i}", "--heartbeat_timeout=20"],
      cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
      env={**os.environ, "XLA_FLAGS": "", **(env or {})}) for i in range(n)]


def wait_all(procs, timeout=900):
  outs = [p.communicate(timeout=timeout) for p in procs]
  return [(p.returncode, o, e) for p, (o, e) in zip(procs, outs)]


MP_CASES = [
    (["--config=configs/mdgan.py", "--config.train.num_steps=300"], "2d"),
    (["--config=configs/pcmgan.py:digits", "--config.train.num_steps=200",
      "--config.eval.classifier_metrics=False"], "digits"),
]


@pytest.mark.slow
@pytest.mark.parametrize("flags,name", MP_CASES)
def test_two_processes_match_two_simulated_devices(flags, name, tmp_path):
  flags = flags + ["--config.train.log_every=100",
                   "--config.eval.num_samples=500",
                   "--config.eval.num_samples_large=0", *QUIET]
  for rc, out, err in wait_all(launch(flags, tmp_path / "mp", free_port())):
    assert rc == 0, err[-3000:]
  sp = run_module("experiments.main", *flags, f"--workdir={tmp_path}/sp",
                  env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
  assert sp.returncode == 0, sp.stderr[-3000:]
  a, b = results(tmp_path / "mp"), results(tmp_path / "sp")
  assert a["num_devices"] == b["num_devices"] == 2
  chex.assert_trees_all_close(params(tmp_path / "mp"), params(tmp_path / "sp"),
                              rtol=1e-4, atol=1e-5)
  keys = [k for k, v in a["metrics"].items() if isinstance(v, float)]
  for k in keys:
    assert a["metrics"][k] == pytest.approx(
        b["metrics"][k], rel=1e-3, abs=1e-4), k


@pytest.mark.slow
def test_a_dead_process_stops_the_other_and_the_job_resumes(tmp_path):
  flags = ["--config=configs/mdgan.py", "--config.train.num_steps=3000",
           "--config.checkpoint.every_steps=500",
           "--config.train.log_every=500",
           "--config.eval.num_samples=500", "--config.eval.num_samples_large=0",
           *QUIET]
  for rc, out, err in wait_all(launch(flags, tmp_path / "ref", free_port())):
    assert rc == 0, err[-3000:]
  work = tmp_path / "killed"
  procs = launch(flags, work, free_port())
  wait_for_checkpoint(work / "checkpoints", 500, 600)
  procs[1].kill()
  t_kill = time.time()
  out, err = procs[0].communicate(timeout=120)
  procs[1].communicate()
  assert procs[0].returncode not in (0, None)
  assert time.time() - t_kill < 60
  assert "error:" in err and "rerun the job" in err, err[-2000:]
  for rc, out, err in wait_all(launch(flags, work, free_port())):  # resume
    assert rc == 0, err[-3000:]
  chex.assert_trees_all_close(params(tmp_path / "ref"), params(work),
                              rtol=1e-5, atol=1e-6)
  assert results(work)["metrics"] == results(tmp_path / "ref")["metrics"]


@pytest.mark.slow
def test_sigterm_to_one_of_two_processes(tmp_path):
  flags = ["--config=configs/mdgan.py", "--config.train.num_steps=3000",
           "--config.checkpoint.every_steps=1000",
           "--config.train.log_every=500",
           "--config.eval.num_samples=500", "--config.eval.num_samples_large=0",
           *QUIET]
  for rc, out, err in wait_all(launch(flags, tmp_path / "ref", free_port())):
    assert rc == 0, err[-3000:]
  work = tmp_path / "term"
  procs = launch(flags, work, free_port())
  wait_for_checkpoint(work / "checkpoints", 1000, 600)
  procs[1].send_signal(signal.SIGTERM)
  ends = wait_all(procs, timeout=180)
  steps = set()
  for rc, out, err in ends:
    assert rc == 143, err[-3000:]
    line = [l for l in out.splitlines() if l.startswith("stopped:")][0]
    steps.add(int(line.split("at step ")[1].split(":")[0]))
  assert len(steps) == 1 and steps.pop() < 3000  # one agreed step
  for rc, out, err in wait_all(launch(flags, work, free_port())):
    assert rc == 0, err[-3000:]
  chex.assert_trees_all_close(params(tmp_path / "ref"), params(work),
                              rtol=1e-5, atol=1e-6)
