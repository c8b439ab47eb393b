"""experiments/sweep.py helpers and the benchmark tools (step_time, bench_2d,
mmgan_experiment)."""

import json
import os
import subprocess
import sys

import pytest

from experiments import sweep
from tests.helpers import REPO


def test_parse_grid_product():
  pts = sweep.parse_grid("method.n_gmm=4,6;method.var=0.5,0.25")
  assert len(pts) == 4
  assert {"method.n_gmm": 6, "method.var": 0.25} in pts
  assert sweep.parse_grid("") == [{}]  # one point: the base config
  assert sweep.point_name(pts[0]) == "n_gmm4_var0.5"


def test_summarise_and_table():
  runs = [{"metrics": {"modes_covered": m, "hq_fraction": h, "mode_kl": 0.1}}
          for m, h in ((25, 0.9), (23, 0.8))]
  s = sweep.summarise(runs)
  assert s["modes_covered"]["mean"] == 24 and s["modes_covered"]["std"] == 1
  assert abs(s["hq_fraction"]["mean"] - 0.85) < 1e-12
  table = sweep.format_table([({}, s)])
  assert "24.00+-1.00" in table and "85.00+-5.00" in table


def test_step_time_benchmark_prints_json(tmp_path):
  out = tmp_path / "bench.json"
  proc = subprocess.run(
      [sys.executable, "benchmarks/step_time.py", "--config=configs/mdgan.py",
       "--steps=10", "--warmup=5", f"--out={out}",
       "--config.model.g_hidden=(16,16)",
       "--config.train.steps_per_dispatch=5"],
      cwd=REPO, capture_output=True, text=True, timeout=300,
      env={**os.environ, "PYTHONPATH": REPO},
  )
  assert proc.returncode == 0, proc.stderr[-3000:]
  res = json.loads(out.read_text())
  assert res["steps_per_s"] > 0 and res["compile_s"] > 0
  assert res["steps_per_dispatch"] == 5 and res["timed_steps"] == 10
  assert res["device_kind"] and "sgmm_likelihood_fwd_bwd" in res["parts"]
  assert 0 < res["parts"]["sgmm_likelihood_fwd_bwd"]["share_of_step"] < 5


@pytest.mark.parametrize("method", ["mdgan", "ldagan", "hmegan"])
def test_step_time_parts_run_on_the_methods_own_functions(method):
  import importlib.util

  import jax
  import numpy as np

  from gan_mixtures import train
  from tests.helpers import tiny_config

  spec = importlib.util.spec_from_file_location(
      "parts", os.path.join(REPO, "benchmarks", "parts.py"))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  exp = train.build_experiment(tiny_config(method))
  parts = module.PARTS[method](exp.method, 16)
  assert parts
  for name, (fn, args) in parts.items():
    out = jax.jit(fn)(*args)
    assert all(np.all(np.isfinite(np.asarray(x)))
               for x in jax.tree.leaves(out)), name


@pytest.mark.slow
def test_bench_2d_vmapped_seeds_table_and_figure(tmp_path):
  out, fig = tmp_path / "b.json", tmp_path / "spiral.png"
  proc = subprocess.run(
      [sys.executable, "benchmarks/bench_2d.py",
       f"--workdir={tmp_path / 'runs'}",
       "--methods=vanilla,mgan", "--data=spiral", "--seeds=2", "--steps=10",
       f"--out={out}", f"--figure={fig}"],
      cwd=REPO, capture_output=True, text=True, timeout=300,
      env={**os.environ, "PYTHONPATH": REPO},
  )
  assert proc.returncode == 0, proc.stderr[-3000:]
  res = json.loads(out.read_text())
  assert res["vmap_seeds"] and res["steps"] == 10
  runs = {(r["method"], r["seed"]): r for r in res["runs"]}
  assert set(runs) == {(m, s) for m in ("vanilla", "mgan") for s in (0, 1)}
  # the two seeds of one vmapped run: their own metrics, one workdir
  a, b = runs[("mgan", 0)], runs[("mgan", 1)]
  assert a["workdir"] == b["workdir"] and a["metrics"] != b["metrics"]
  assert a["step"] == 10
  assert "| spiral | mgan |" in res["table"] and fig.stat().st_size > 10_000


@pytest.mark.slow
def test_mmgan_experiment_tables_and_cached_refits(tmp_path):
  # Seeds in two invocations (as one a core), then both reused: the runs
  # by their results.json, the Eq. 11 refits by refit_<steps>.json.
  out = tmp_path / "mm.json"
  common = [sys.executable, "benchmarks/mmgan_experiment.py", "--data=digits",
            f"--workdir={tmp_path / 'runs'}", "--steps=20",
            "--only=t2_a_fixed,learned_a", "--refit_steps=5"]

  def run(*extra):
    proc = subprocess.run([*common, *extra], cwd=REPO, capture_output=True,
                          text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": REPO})
    assert proc.returncode == 0, proc.stderr[-3000:]

  run("--first_seed=1", "--seeds=1")
  refit = tmp_path / "runs" / "learned_a" / "seed1" / "refit_5_at20.json"
  saved = json.loads(refit.read_text())
  assert saved["refit_steps"] == 5 and "objective" in saved
  run("--seeds=2", f"--out={out}")
  res = json.loads(out.read_text())
  assert res["data"] == "digits"
  assert {(r["name"], r["seed"]) for r in res["runs"]} == {
      (n, s) for n in ("t2_a_fixed", "learned_a") for s in (0, 1)}
  by = {(r["name"], r["seed"]): r for r in res["refits"]}
  assert by[("learned_a", 1)]["objective"] == saved["objective"]
  assert by[("t2_a_fixed", 0)]["refit_steps"] == 5
  assert "| t2_a_fixed | 20 |" in res["table"]


@pytest.mark.slow
def test_image_benchmark_end_to_end_on_a_tiny_budget(tmp_path):
  """Two methods, both data sets, 4 G steps, a tiny MNIST and classifier:
  the tables, the claims, the pictures, the resumed second pass."""
  from gan_mixtures.metrics import classifier

  fixture = os.path.join(REPO, "tests", "testdata", "mnist_small")
  cache = tmp_path / "cache"
  classifier.train_and_save("mnist", str(cache / "classifier_mnist"),
                            epochs=1, mnist_dir=fixture)
  args = ["benchmarks/bench_images.py", f"--workdir={tmp_path}/runs",
          "--methods=vanilla,mgan", "--seeds=1", "--steps=4",
          "--curve_points=2", "--eval_samples=60", f"--mnist_dir={fixture}",
          f"--out={tmp_path}/b.json", f"--figures={tmp_path}/fig"]
  env = {**os.environ, "GAN_MIXTURES_CACHE": str(cache)}
  proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                        capture_output=True, text=True, timeout=1800)
  assert proc.returncode == 0, proc.stderr[-3000:]
  out = json.loads((tmp_path / "b.json").read_text())
  assert set(out["tables"]) == {"mnist", "stacked_mnist"}
  assert len(out["runs"]) == 4 and out["steps"] == 4
  mgan = next(r for r in out["runs"] if r["method"] == "mgan"
              and r["data"] == "mnist")
  assert "component_digit_acc" in mgan["per_seed"][0]
  assert mgan["g_parameters"] > 0 and mgan["curve"]
  assert any(c.startswith("mgan: MNIST domain FID") for c in out["claims"])
  for name in ("bench_images_mnist.png", "bench_images_stacked_mnist.png",
               "bench_images_mnist_curves.png"):
    assert (tmp_path / "fig" / name).exists(), name
  again = subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=600)
  assert again.returncode == 0 and "steps to train" not in again.stderr


@pytest.mark.slow
def test_pcm_experiment_gmgan_arm_and_posthoc_column(tmp_path):
  out = tmp_path / "pcm.json"
  proc = subprocess.run(
      [sys.executable, "benchmarks/pcm_experiment.py", "--data=digits",
       f"--workdir={tmp_path / 'runs'}", "--steps=10", "--every=5", "--seeds=1",
       "--arms=A0ns,G0ns", "--posthoc_steps=5", f"--out={out}"],
      cwd=REPO, capture_output=True, text=True, timeout=600,
      env={**os.environ, "PYTHONPATH": REPO},
  )
  assert proc.returncode == 0, proc.stderr[-3000:]
  res = json.loads(out.read_text())
  assert res["arms"] == {"A0ns": "pcmgan:weighted_xx,ns", "G0ns": "gmgan:ns"}
  runs = {r["arm"]: r for r in res["runs"]}
  for r in runs.values():
    assert 0 < r["posthoc"]["cluster_acc_posthoc"] <= 1
    assert r["posthoc"]["posthoc_steps"] == 5
  assert runs["A0ns"]["trajectory"] and not runs["G0ns"]["trajectory"]
  assert res["kmeans_floor"]["cluster_acc_kmeans_pixels"] > 0.5
  assert "| G0ns | - | - |" in res["table"]


def test_metrics_rows_keep_one_row_a_step(tmp_path):
  """A resumed run's metrics.jsonl repeats the steps after its checkpoint;
  the benchmarks read one row a step, the later one."""
  import importlib.util

  spec = importlib.util.spec_from_file_location(
      "reuse", os.path.join(REPO, "benchmarks", "reuse.py"))
  reuse = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(reuse)
  rows = [{"step": 500, "a": 1}, {"step": 1000, "a": 2}, {"step": 500, "a": 3},
          {"step": 750, "b": 0}]
  (tmp_path / "metrics.jsonl").write_text(
      "".join(json.dumps(r) + "\n" for r in rows))
  assert reuse.metrics_rows(str(tmp_path), "a") == [{"step": 500, "a": 3},
                                                    {"step": 1000, "a": 2}]
