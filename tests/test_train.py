"""The generic trainer: outputs, resume, NaN stop, bad input, checkpoints."""

import json
import os
import signal
import subprocess

import chex
import jax
import numpy as np
import pytest

from gan_mixtures import checkpoint, train, validation
from tests.helpers import (TINY_FLAGS, run_module, start_main, tiny_config,
                           wait_for_checkpoint)


def test_run_writes_the_output_contract(tmp_path):
  c = tiny_config("mdgan", sample_every=10, eval_every=15)
  results = train.train_and_evaluate(c, str(tmp_path))
  on_disk = json.loads((tmp_path / "results.json").read_text())
  assert on_disk["step"] == 20 and on_disk["method"] == "mdgan"
  for key in ("method", "dataset", "config", "step", "seed", "metrics",
              "wall_s"):
    assert key in on_disk
  for key in ("modes_covered", "num_modes", "hq_fraction", "mode_kl",
              "knn_real_acc", "knn_fake_acc", "components_used"):
    assert key in on_disk["metrics"], key
  assert on_disk["metrics"]["num_modes"] == 25
  assert results["metrics"] == on_disk["metrics"]
  for step in (10, 15, 20):  # periodic picture, periodic eval, final
    assert (tmp_path / "samples" / f"step_{step}.png").exists()
  assert (tmp_path / "config.json").exists()
  rows = [json.loads(l)
          for l in (tmp_path / "metrics.jsonl").read_text().splitlines()]
  assert [r["step"] for r in rows if "d_loss" in r] == [5, 10, 15, 20]
  assert [r["step"] for r in rows if "eval/hq_fraction" in r] == [15, 20]
  ckpts = sorted(int(p) for p in os.listdir(tmp_path / "checkpoints")
                 if p.isdigit())
  assert ckpts == [10, 20]


def test_nan_stops_with_step_and_keeps_last_good_checkpoint(tmp_path):
  c = tiny_config("vanilla", debug_nan_step=15)
  with pytest.raises(train.NonFiniteError,
                     match=r"g_grad_norm, g_loss at step 16"):
    train.train_and_evaluate(c, str(tmp_path))
  exp, state = train.load_workdir(str(tmp_path))
  assert int(state.step) == 10
  chex.assert_tree_all_finite((state.g.params, state.d.params))
  assert not (tmp_path / "results.json").exists()


def test_resumed_workdir_must_have_the_same_config(tmp_path):
  train.train_and_evaluate(tiny_config("vanilla", num_steps=10), str(tmp_path))
  c = tiny_config("vanilla", num_steps=10)
  c.model.d_hidden = (8, 8)
  with pytest.raises(ValueError, match="model differ"):
    train.train_and_evaluate(c, str(tmp_path))


def test_a_workdir_from_before_a_new_config_key_loads_and_resumes(tmp_path):
  train.train_and_evaluate(tiny_config("hmegan", num_steps=10), str(tmp_path))
  path = tmp_path / "config.json"
  saved = json.loads(path.read_text())
  del saved["method"]["gate_init_std"]  # as a run made before the key
  path.write_text(json.dumps(saved))
  exp, state = train.load_workdir(str(tmp_path))
  assert exp.config.method.gate_init_std == 1.0 and int(state.step) == 10
  c = tiny_config("hmegan", num_steps=20)
  c.method.gate_init_std = 3.0  # the new key, not at its default: refused
  with pytest.raises(ValueError, match="method differ"):
    train.train_and_evaluate(c, str(tmp_path))
  train.train_and_evaluate(tiny_config("hmegan", num_steps=20), str(tmp_path))
  saved = json.loads(path.read_text())
  saved["method"]["num_gaussians"] += 1  # another method's key: ignored
  path.write_text(json.dumps(saved))
  exp, _ = train.load_workdir(str(tmp_path))  # and loads at its default
  assert exp.config.method.num_gaussians == 10
  c = tiny_config("hmegan", num_steps=30)
  c.model.conv_impl = "lax"  # how convs compute: not part of the state
  train.train_and_evaluate(c, str(tmp_path))
  saved = json.loads(path.read_text())
  saved["method"]["depth"] += 1  # a key the run reads, changed: refused
  path.write_text(json.dumps(saved))
  with pytest.raises(ValueError, match="method differ"):
    train.train_and_evaluate(tiny_config("hmegan", num_steps=40),
                             str(tmp_path))


def test_restore_without_any_checkpoint_says_so(tmp_path):
  ckpt = checkpoint.Checkpointer(str(tmp_path / "checkpoints"), 10, 2)
  with pytest.raises(checkpoint.CheckpointError, match="no checkpoint under"):
    ckpt.restore({"w": np.zeros(2)})
  with pytest.raises(checkpoint.CheckpointError, match="no checkpoint under"):
    ckpt.restore({"w": np.zeros(2)}, step=5)


def test_corrupt_checkpoint_is_reported_and_left_alone(tmp_path):
  train.train_and_evaluate(tiny_config("vanilla"), str(tmp_path))
  # a step never saved is named as such, not called corrupt
  with pytest.raises(checkpoint.CheckpointError,
                     match=r"no checkpoint at step 7 .*saved steps: \[.*20\]"):
    train.load_workdir(str(tmp_path), 7)
  ckpt_dir = tmp_path / "checkpoints" / "20"
  files = [p for p in ckpt_dir.rglob("*")
           if p.is_file() and p.stat().st_size > 0]
  for p in files:
    p.write_bytes(b"garbage" * 10)
  before = {p: p.read_bytes() for p in files}
  with pytest.raises(checkpoint.CheckpointError, match="corrupt"):
    train.train_and_evaluate(tiny_config("vanilla", num_steps=30),
                             str(tmp_path))
  assert {p: p.read_bytes() for p in files} == before


@pytest.mark.parametrize(
    "key,value,match",
    [
        ("g_opt.lr", -1.0, "g_opt.lr must be > 0"),
        ("d_opt.lr", 0.0, "d_opt.lr must be > 0"),
        ("train.batch_size", 0, "batch_size must be > 0"),
        ("train.num_steps", -5, "num_steps must be > 0"),
        ("method.name", "bigan", "unknown method"),
        ("data.name", "moons", "unknown dataset"),
        ("model.z_dist", "cauchy", "noise distribution"),
        ("g_opt.schedule", "step", "schedule"),
    ],
)
def test_validation_errors(key, value, match):
  c = tiny_config("vanilla")
  group, name = key.split(".")
  setattr(c[group], name, value)
  with pytest.raises(validation.ConfigError, match=match):
    validation.validate_config(c)


def _error_line(proc) -> str:
  """The one line a bad invocation prints (nothing else: no logs, no trace)."""
  assert proc.returncode != 0, proc.stderr[-2000:]
  lines = [l for l in (proc.stdout + proc.stderr).splitlines() if l.strip()]
  assert len(lines) == 1, lines[-20:]
  return lines[0]


@pytest.mark.parametrize(
    "args,match",
    [
        (["--config=configs/vanilla.py:grid25", "--config.g_opt.lr=-1"],
         "error: g_opt.lr must be > 0"),
        (["--config=configs/mdgan.py", "--config.method.name=foo"],
         "unknown method"),
        (["--config=configs/mdgan.py:moons"], "unknown argument 'moons'"),
        (["--config=configs/mdgan.py", "--config.train.no_such_key=1"],
         "no_such_key"),
        (["--config=configs/no_such_file.py"], "cannot load config file"),
    ],
)
def test_cli_bad_input_one_line_nonzero(tmp_path, args, match):
  proc = run_module("experiments.main", *args, f"--workdir={tmp_path}/w")
  assert match in _error_line(proc)
  assert not os.path.exists(tmp_path / "w" / "checkpoints")


def _final_params(workdir):
  _, state = train.load_workdir(str(workdir))
  return jax.device_get((state.g.params, state.d.params, state.g.opt_state))


def test_sigkill_resume_is_bit_identical(tmp_path):
  flags = [
      "--config=configs/vanilla.py:grid25", *TINY_FLAGS,
      "--config.train.num_steps=3000", "--config.checkpoint.every_steps=250",
  ]
  ref = run_module("experiments.main", *flags, f"--workdir={tmp_path}/ref")
  assert ref.returncode == 0, ref.stderr[-3000:]

  killed = tmp_path / "killed"
  proc = start_main(*flags, workdir=killed, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
  ckpts = killed / "checkpoints"
  wait_for_checkpoint(ckpts, 500)
  os.kill(proc.pid, signal.SIGKILL)
  proc.wait()
  steps = sorted(int(p) for p in os.listdir(ckpts) if p.isdigit())
  assert steps and steps[-1] < 3000, steps  # killed mid-run

  resumed = run_module("experiments.main", *flags, f"--workdir={killed}")
  assert resumed.returncode == 0, resumed.stderr[-3000:]
  chex.assert_trees_all_equal(_final_params(tmp_path / "ref"),
                              _final_params(killed))
  assert json.loads((killed / "results.json").read_text())["step"] == 3000


def test_four_cpu_devices_match_one(tmp_path):
  flags = ["--config=configs/mdgan.py", *TINY_FLAGS,
           "--config.train.num_steps=30"]
  four = run_module(
      "experiments.main", *flags, f"--workdir={tmp_path}/four",
      env={"XLA_FLAGS": "--xla_force_host_platform_device_count=4"},
  )
  assert four.returncode == 0, four.stderr[-3000:]
  one = run_module("experiments.main", *flags, f"--workdir={tmp_path}/one",
                   env={"XLA_FLAGS": ""})
  assert one.returncode == 0, one.stderr[-3000:]
  r4 = json.loads((tmp_path / "four" / "results.json").read_text())
  r1 = json.loads((tmp_path / "one" / "results.json").read_text())
  assert r4["num_devices"] == 4 and r1["num_devices"] == 1
  p4, p1 = _final_params(tmp_path / "four"), _final_params(tmp_path / "one")
  chex.assert_trees_all_close(p4[:2], p1[:2], rtol=2e-4, atol=2e-5)


def test_evaluate_cli_updates_results(tmp_path):
  train.train_and_evaluate(tiny_config("mdgan"), str(tmp_path))
  proc = run_module("experiments.evaluate", f"--workdir={tmp_path}",
                    "--num_samples=300", "--noinception")
  assert proc.returncode == 0, proc.stderr[-3000:]
  res = json.loads((tmp_path / "results.json").read_text())
  assert res["step"] == 20 and "hq_fraction" in res["metrics"]


def test_a_non_chief_process_writes_only_checkpoints(tmp_path, monkeypatch):
  from gan_mixtures import distributed

  monkeypatch.setattr(distributed, "is_chief", lambda: False)
  c = tiny_config("mdgan", sample_every=10, eval_every=15)
  results = train.train_and_evaluate(c, str(tmp_path))
  assert results["step"] == 20
  assert sorted(os.listdir(tmp_path)) == ["checkpoints"]


def test_a_refused_restore_closes_the_checkpointer(tmp_path, monkeypatch):
  closed = []
  real_close = checkpoint.Checkpointer.close

  def close(self):
    closed.append(self.directory)
    real_close(self)

  monkeypatch.setattr(checkpoint.Checkpointer, "close", close)
  train.train_and_evaluate(tiny_config("vanilla"), str(tmp_path))
  closed.clear()
  for p in (tmp_path / "checkpoints" / "20").rglob("*"):
    if p.is_file() and p.stat().st_size > 0:
      p.write_bytes(b"garbage")
  with pytest.raises(checkpoint.CheckpointError, match="corrupt"):
    train.train_and_evaluate(tiny_config("vanilla", num_steps=30),
                             str(tmp_path))
  assert closed == [str(tmp_path / "checkpoints")]


def test_prepared_once_and_every_seed_gets_the_profile(tmp_path, monkeypatch):
  from gan_mixtures import eval_setup
  from tests.helpers import digits_config

  calls = {"data": 0, "eval": 0}
  make, prep = validation.make_dataset_or_fail, eval_setup.prepare

  def count(key, fn):
    def wrapped(*a, **k):
      calls[key] += 1
      return fn(*a, **k)
    return wrapped

  monkeypatch.setattr(validation, "make_dataset_or_fail", count("data", make))
  monkeypatch.setattr(eval_setup, "prepare", count("eval", prep))
  c = digits_config(steps=4, num_seeds=2)
  c.eval.profile = "quick"
  c.eval.num_samples = c.eval.num_fake = c.eval.num_real = (
      3 * eval_setup.QUICK_SAMPLES)
  prepared = train.prepare(c)
  assert calls == {"data": 2, "eval": 1}  # one data set a seed, one evaluation
  for e in prepared.group.exps:  # copies of the config made after the profile
    assert e.config.eval.num_fake == eval_setup.QUICK_SAMPLES
  train.train_and_evaluate(c, str(tmp_path), prepared)
  assert calls == {"data": 2, "eval": 1}
