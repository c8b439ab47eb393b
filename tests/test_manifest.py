"""The reproduction manifest: every row's config builds and validates, the
HME rows are the thesis' tables, the CLI lists every row."""

import pytest

from experiments import manifest
from experiments.paper_tables import HME_TABLES
from gan_mixtures import validation
from tests.helpers import run_module


@pytest.mark.parametrize("row", manifest.ROWS, ids=lambda r: r.id)
def test_every_row_config_validates(row):
  c = manifest.row_config(row)
  validation.validate_config(c, num_devices=1)
  assert len(row.metrics) == len(row.scale or row.metrics)


def test_rows_cover_the_papers():
  papers = {r.paper for r in manifest.ROWS}
  assert papers == {"MD-GAN", "LDAGAN", "PCM GAN", "MMGAN", "HME-GAN"}
  hme = [r for r in manifest.ROWS if r.paper == "HME-GAN"]
  assert len(hme) == sum(len(v) for v in HME_TABLES.values()) == 150
  row = manifest.BY_ID["hme_t5.8_mnist_hme_l4"]
  assert row.paper_value.startswith("FID 9.15 +- 0.45")
  assert row.config == "configs/hmegan.py:mnist_hme_l4"
  assert (manifest.BY_ID["hme_t5.10_celeba_megan_k4"].config
          == "configs/megan.py:celeba_k4")


def test_list_prints_every_row():
  proc = run_module("experiments.reproduce", "--list")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert f"{len(manifest.ROWS)} rows" in proc.stdout
  assert "mdgan_ring8" in proc.stdout and "89.03" in proc.stdout


def test_a_long_run_stopped_short_is_labelled_partial_not_check():
  from experiments import reproduce_lib as reproduce

  e = {"steps": 20_000, "full_steps": 500_000, "data_source": "auto"}
  assert reproduce.check_label(e) == "partial 20k/500k: "
  assert reproduce.check_label(dict(e, data_source="random")) == "check: "
  assert reproduce.check_label(dict(e, steps=500_000)) == "check: "
  assert reproduce.check_label(dict(e, steps=200)) == "check: "  # smoke run
  assert reproduce.check_label(dict(e, steps=2500, full_steps=20_000)) == (
      "partial 2.5k/20k: ")


def _signature(spec: str) -> str:
  from experiments import reproduce_lib as reproduce

  return reproduce.step_signature(reproduce.config_of(spec))


def test_step_signature_shares_only_equal_steps():
  # MNIST and Fashion-MNIST (28 -> 32, one channel), CelebA and Flowers
  # (64 px, colour) compile to the same step; other shapes, nets or
  # methods do not.
  assert _signature("configs/hmegan.py:mnist_hme_l4") == _signature(
      "configs/hmegan.py:fashion_mnist_hme_l4")
  assert _signature("configs/hmegan.py:celeba_hme_5") == _signature(
      "configs/hmegan.py:flowers_hme_5")
  assert _signature("configs/hmegan.py:mnist_hme_l4") != _signature(
      "configs/hmegan.py:celeba_hme_l4")
  assert _signature("configs/hmegan.py:mnist_hme_l4") != _signature(
      "configs/hmegan.py:mnist_hme_l5")
  assert _signature("configs/mgan.py:mnist_k4") != _signature(
      "configs/madgan.py:mnist_k4")
  assert _signature("configs/ldagan.py:cifar10") != _signature(
      "configs/ldagan.py:cifar10,delay0")


def test_time_rows_times_each_signature_once(tmp_path, monkeypatch):
  from experiments import reproduce_lib as reproduce

  path = tmp_path / "step_times.json"
  monkeypatch.setattr(reproduce, "STEP_TIMES", str(path))
  timed = []

  def fake_time(spec, min_seconds=0.0):
    timed.append(spec)
    return {"step_s": 0.5, "compile_s": 1.0, "device_kind": "cpu",
            "platform": "cpu", "date": "2026-12-01", "gflop_per_step": 1.0}

  monkeypatch.setattr(reproduce, "time_config", fake_time)
  rows = [manifest.BY_ID[i] for i in ("hme_t5.3_mnist_hme_5",
                                      "hme_t5.4_fashion_mnist_hme_5")]
  reproduce.time_rows(rows)
  assert timed == ["configs/hmegan.py:mnist_hme_5"]
  times = reproduce.load_json(str(path))
  shared = times["configs/hmegan.py:fashion_mnist_hme_5"]["cpu"]
  assert shared["timed_as"] == "configs/hmegan.py:mnist_hme_5"
  assert shared["step_s"] == 0.5 and shared["steps_full"] > 0
  reproduce.time_rows(rows)  # timed before on this platform: kept
  assert timed == ["configs/hmegan.py:mnist_hme_5"]
  times["configs/hmegan.py:mnist_hme_5"]["cpu"]["signature"] = "stale"
  reproduce.save_json(str(path), times)
  reproduce.time_rows(rows)  # its config changed since: timed again
  assert timed == ["configs/hmegan.py:mnist_hme_5"] * 2
  del times["configs/hmegan.py:mnist_hme_5"]["cpu"]["gflop_per_step"]
  times["configs/hmegan.py:mnist_hme_5"]["cpu"]["signature"] = (
      reproduce.signature_hash(reproduce.config_of(
          "configs/hmegan.py:mnist_hme_5")))
  reproduce.save_json(str(path), times)
  reproduce.time_rows(rows)  # timed before the FLOP count: timed again
  assert timed == ["configs/hmegan.py:mnist_hme_5"] * 3


def test_pending_rows_cheapest_first_and_failures_reported(
    tmp_path, monkeypatch):
  from experiments import reproduce_lib as reproduce

  monkeypatch.setattr(reproduce, "REPRODUCTIONS", str(tmp_path / "r.json"))
  monkeypatch.setattr(reproduce, "STEP_TIMES", str(tmp_path / "t.json"))
  reproduce.save_json(str(tmp_path / "r.json"), {"mdgan_grid25": {}})
  reproduce.save_json(str(tmp_path / "t.json"), {
      "configs/mdgan.py:ring8": {"cpu": {"step_s": 0.01, "steps_full": 10}},
      "configs/mdgan.py:mnist": {"cpu": {"step_s": 10.0, "steps_full": 10}},
      "configs/mdgan.py:stacked_mnist_s4": {"cpu": {"step_s": 1.0,
                                                    "steps_full": 10**6}}})
  rows = reproduce.rows_to_run("pending", "MD-GAN", steps=200)
  ids = [r.id for r in rows]
  assert "mdgan_grid25" not in ids and len(ids) == 9
  # at 200 steps: ring8 0.01 s < S 1/4 1 s < MNIST 10 s < untimed rows
  assert ids[:3] == ["mdgan_ring8", "mdgan_stacked_s4", "mdgan_fid_mnist"]
  ran = []

  def fake_run(row):
    ran.append(row.id)
    if row.id == "mdgan_stacked_s4":
      raise FloatingPointError("NaN at step 3")
    return {"value": {}, "steps": 1, "full_steps": 1, "seeds": 1,
            "device_kind": "cpu", "complete": True, "wall_s": 1.0}

  with pytest.raises(SystemExit, match="mdgan_stacked_s4: FloatingPointError"):
    reproduce.run_rows(rows[:3], fake_run)
  assert ran == ids[:3]  # the row after the failing one still ran
  with pytest.raises(SystemExit, match="unknown row 'nope'"):
    reproduce.rows_to_run("mdgan_ring8,nope")


def test_a_stopped_time_pass_keeps_the_copies_of_what_it_measured(
    tmp_path, monkeypatch):
  from experiments import reproduce_lib as reproduce

  path = tmp_path / "step_times.json"
  monkeypatch.setattr(reproduce, "STEP_TIMES", str(path))

  def fake_time(spec, min_seconds=0.0):
    if "celeba" in spec:
      raise KeyboardInterrupt  # the pass is stopped at its second timing
    return {"step_s": 0.5, "compile_s": 1.0, "device_kind": "cpu",
            "platform": "cpu", "date": "2026-12-01", "gflop_per_step": 1.0}

  monkeypatch.setattr(reproduce, "time_config", fake_time)
  rows = [manifest.BY_ID[i] for i in ("hme_t5.3_mnist_hme_5",
                                      "hme_t5.5_celeba_hme_5",
                                      "hme_t5.4_fashion_mnist_hme_5")]
  with pytest.raises(KeyboardInterrupt):
    reproduce.time_rows(rows)
  times = reproduce.load_json(str(path))
  assert times["configs/hmegan.py:fashion_mnist_hme_5"]["cpu"]["timed_as"] == (
      "configs/hmegan.py:mnist_hme_5")
  assert "configs/hmegan.py:celeba_hme_5" not in times


def test_rows_without_inception_metrics_skip_inception():
  s4 = manifest.row_config(manifest.BY_ID["mdgan_stacked_s4"])
  assert not s4.eval.inception and s4.eval.num_fake == 25_000
  fid = manifest.row_config(manifest.BY_ID["mdgan_fid_mnist"])
  assert fid.eval.inception
