"""The tool tells what it does: progress with an ETA whatever log_every is,
a picture before the evaluation, clean stops during it, one readable line
for a misspelt key, --help, --print_config, the evaluation profile."""

import os
import signal
import subprocess
import sys
import time

import pytest

from gan_mixtures import progress, train
from tests.helpers import REPO, digits_config, run_module, tiny_config


def test_progress_line_has_rate_elapsed_and_eta():
  lines = []
  p = progress.Progress("train x", 100, every_secs=0.0, log=lines.append)
  p.start(10)  # after a (slow) compiling first call
  assert not p(10)  # nothing done since start
  t0 = p._origin[1]
  assert p(30, t0 + 2.0)
  assert lines[-1].startswith("train x: 30/100 steps (30%), 10 steps/s")
  assert "ETA 7s" in lines[-1]
  assert p(100, t0 + 9.0) and "ETA" not in lines[-1]
  assert progress.format_secs(7260) == "2h01m"


def test_a_logged_line_restarts_the_progress_cadence():
  lines = []
  p = progress.Progress("train x", 100, every_secs=30.0, log=lines.append)
  p.start(0)
  t0 = p._origin[1]
  p.mark(50, t0 + 40.0)  # the caller logged step 50's line with metrics
  assert not p(60, t0 + 45.0)  # 5 s later: not due again
  assert p(90, t0 + 71.0) and lines[-1].startswith("train x: 90/100")


def test_a_run_shorter_than_log_every_still_reports_progress(monkeypatch,
                                                             caplog):
  monkeypatch.setattr(progress, "DEFAULT_EVERY_SECS", 0.0)
  c = tiny_config("vanilla", num_steps=30, log_every=1000)
  caplog.set_level("INFO")
  train.train_and_evaluate(c, str(pytest.importorskip("tempfile").mkdtemp()))
  lines = [r.getMessage() for r in caplog.records]
  assert any("30 steps to train" in l for l in lines)  # the first line
  ticks = [l for l in lines if l.startswith(f"train {c.name}:")
           and "/30 steps" in l]
  assert len(ticks) >= 2 and any("ETA" in l for l in ticks)


def test_a_picture_is_written_before_the_evaluation(tmp_path, monkeypatch):
  from gan_mixtures import evaluate

  def fail(*args, **kwargs):
    raise RuntimeError("evaluation failed")

  monkeypatch.setattr(evaluate, "evaluate", fail)
  c = digits_config(steps=6)
  c.train.sample_every = 0  # only the picture before the evaluation
  with pytest.raises(RuntimeError, match="evaluation failed"):
    train.train_and_evaluate(c, str(tmp_path))
  assert (tmp_path / "samples" / "step_6.png").exists()


SLOW_EVAL = r"""
import sys, time
from absl import app
from gan_mixtures import evaluate
def slow(*args, **kwargs):
  print("EVALUATING", flush=True)
  time.sleep(120)
evaluate.evaluate = slow
from experiments import main
sys.argv = ["main"] + sys.argv[1:]
app.run(main.main, flags_parser=main.parse_flags)
"""


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143),
                                      (signal.SIGINT, 130)])
def test_a_signal_during_the_evaluation_stops_with_one_line(tmp_path, sig,
                                                            code):
  proc = subprocess.Popen(
      [sys.executable, "-c", SLOW_EVAL, "--config=configs/vanilla.py:grid25",
       "--config.train.num_steps=4", "--config.train.log_every=2",
       "--config.train.tensorboard=False", f"--workdir={tmp_path}/w"],
      cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  deadline = time.time() + 300
  for line in proc.stdout:
    if "EVALUATING" in line or time.time() > deadline:
      break
  proc.send_signal(sig)
  out, err = proc.communicate(timeout=60)
  assert proc.returncode == code, err[-2000:]
  assert "Traceback" not in out + err
  stopped = [l for l in (out + err).splitlines() if l.startswith("stopped:")]
  assert len(stopped) == 1 and "experiments.evaluate --workdir=" in stopped[0]
  assert (tmp_path / "w" / "checkpoints" / "4").exists()


def test_misspelt_key_and_group_get_one_readable_line():
  for flag, want in (
      ("--config.train.num_step=3", "unknown config key 'train.num_step';"
       " did you mean 'train.num_steps'?"),
      ("--config.trian.num_steps=3", "unknown config key 'trian.num_steps';"
       " did you mean 'train.num_steps'?")):
    proc = run_module("experiments.main", "--config=configs/mdgan.py", flag)
    assert proc.returncode == 1
    lines = [l for l in (proc.stdout + proc.stderr).splitlines() if l.strip()]
    assert lines == [f"error: {want}"], lines


def test_help_exits_0_and_print_config_prints_every_key():
  proc = run_module("experiments.main", "--help")
  assert proc.returncode == 0 and "--print_config" in proc.stdout
  proc = run_module("experiments.main", "--config=configs/mdgan.py:ring8",
                    "--config.train.num_steps=7", "--print_config")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert "num_steps: 7" in proc.stdout and "profile: auto" in proc.stdout
  assert not os.path.exists(os.path.join(REPO, "runs", "print_config"))


def test_evaluation_profile_quick_for_cpu_image_runs():
  from configs import mdgan
  from gan_mixtures import eval_setup

  c = mdgan.get_config("stacked_mnist_s2")
  assert c.eval.num_samples == 25_000
  note = eval_setup.apply_profile(c, "cpu")
  assert c.eval.profile == "quick" and c.eval.num_fake == 2000
  assert "--config.eval.profile=paper" in note
  c = mdgan.get_config("stacked_mnist_s2")
  c.eval.profile = "paper"
  assert (eval_setup.apply_profile(c, "cpu") is None
          and c.eval.num_fake == 25_000)
  c = mdgan.get_config("stacked_mnist_s2")
  assert eval_setup.apply_profile(c, "gpu") is None  # auto: the paper's
  c = mdgan.get_config("grid25")
  assert eval_setup.apply_profile(c, "cpu") is None  # 2D: nothing to size


def test_xla_cpu_defaults_are_added_only_where_they_apply(monkeypatch):
  from gan_mixtures import xla_defaults

  monkeypatch.setattr(xla_defaults, "jaxlib_version", lambda: "0.10.2")
  monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
  assert xla_defaults.apply() == list(xla_defaults.FLAGS)
  assert os.environ["XLA_FLAGS"].split() == [
      "--xla_force_host_platform_device_count=2", *xla_defaults.FLAGS]
  assert xla_defaults.apply() == []  # already there: not twice
  monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_experimental_ynn_fusion_type=dot")
  assert xla_defaults.apply() == []  # the user's own value is kept
  monkeypatch.setenv("XLA_FLAGS", "")
  monkeypatch.setattr(xla_defaults, "jaxlib_version", lambda: "0.4.30")
  assert xla_defaults.apply() == []  # a jaxlib it was not measured on
  monkeypatch.setattr(xla_defaults, "jaxlib_version", lambda: "0.10.2")
  monkeypatch.setenv("GAN_MIXTURES_XLA_DEFAULTS", "0")
  assert xla_defaults.apply() == []


def test_configs_are_read_from_the_checkout_not_installed(tmp_path):
  """`configs` is no top-level package in site-packages; the tools find the
  checkout's configs/ from any working directory."""
  env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

  def python(*args):
    return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)

  alone = python("-c", "import configs")
  assert alone.returncode != 0 and "No module named 'configs'" in alone.stderr
  found = python("-c", "import experiments, configs; print(configs.__file__)")
  assert found.stdout.strip() == os.path.join(REPO, "configs", "__init__.py")
  proc = python("-m", "experiments.main",
                f"--config={REPO}/configs/mdgan.py:ring8", "--print_config")
  assert proc.returncode == 0 and "num_modes: 8" in proc.stdout, proc.stderr
  script = python("-c", "import sys; sys.path[0] = sys.argv[1];"
                  " import bench_images; print(list(bench_images.METHODS)[0])",
                  os.path.join(REPO, "benchmarks"))  # as a script sees it
  assert script.stdout.strip() == "vanilla", script.stderr[-2000:]
