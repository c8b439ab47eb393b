"""The throughput path: several steps per dispatch equal single steps."""

import json

import chex
import jax
import numpy as np
import pytest

from configs import vanilla
from gan_mixtures import train, validation
from tests.helpers import tiny_config


def params(workdir):
  _, state = train.load_workdir(str(workdir))
  return jax.device_get((state.g.params, state.d.params, state.g_ema_params))


def metric_rows(workdir):
  lines = (workdir / "metrics.jsonl").read_text().splitlines()
  return [json.loads(l) for l in lines if "d_loss" in l]


def digits_config(**train_keys):
  c = vanilla.get_config("digits")
  c.train.num_steps, c.train.log_every = 12, 6
  c.checkpoint.every_steps = 12
  c.train.tensorboard = False
  c.eval.num_samples = c.eval.num_fake = c.eval.num_real = 200
  c.eval.kid_subset_size = 100
  for k, v in train_keys.items():
    setattr(c.train, k, v)
  return c


def test_steps_per_dispatch_equals_single_steps_2d(tmp_path):
  a, b = tmp_path / "one", tmp_path / "five"
  ra = train.train_and_evaluate(tiny_config("mdgan"), str(a))
  rb = train.train_and_evaluate(tiny_config("mdgan", steps_per_dispatch=5), str(b))
  # bit-identical: the same ops on the same values, one scan around them
  chex.assert_trees_all_equal(params(a), params(b))
  assert ra["metrics"] == rb["metrics"]
  rows_a, rows_b = metric_rows(a), metric_rows(b)
  assert [r["step"] for r in rows_a] == [r["step"] for r in rows_b] == [5, 10, 15, 20]
  for x, y in zip(rows_a, rows_b):
    assert {k: v for k, v in x.items() if k != "steps_per_s"} == {
        k: v for k, v in y.items() if k != "steps_per_s"}


def test_steps_per_dispatch_equals_single_steps_images(tmp_path):
  a, b = tmp_path / "one", tmp_path / "three"
  train.train_and_evaluate(digits_config(), str(a))
  train.train_and_evaluate(digits_config(steps_per_dispatch=3), str(b))
  # Images: XLA compiles the convolutions inside the scan's loop otherwise,
  # so float rounding differs. The losses agree to 1e-3; a parameter whose
  # true gradient is 0 (a bias before batch norm) is moved by Adam's
  # normalised rounding noise, up to lr a step, so parameters are compared
  # to 12 steps x lr.
  for x, y in zip(metric_rows(a), metric_rows(b), strict=True):
    for k in ("d_loss", "g_loss"):
      assert x[k] == pytest.approx(y[k], rel=1e-3, abs=1e-5), (x["step"], k)
  lr = digits_config().g_opt.lr
  chex.assert_trees_all_close(params(a), params(b), rtol=0, atol=12 * lr)


def test_steps_per_dispatch_resumes_and_stops_on_nan(tmp_path):
  c = tiny_config("vanilla", steps_per_dispatch=5, num_steps=10)
  train.train_and_evaluate(c, str(tmp_path / "r"))
  c.train.num_steps = 20
  train.train_and_evaluate(c, str(tmp_path / "r"))
  train.train_and_evaluate(tiny_config("vanilla"), str(tmp_path / "ref"))
  chex.assert_trees_all_equal(params(tmp_path / "r"), params(tmp_path / "ref"))
  bad = tiny_config("vanilla", steps_per_dispatch=5, debug_nan_step=15)
  with pytest.raises(train.NonFiniteError, match="at step 16"):
    train.train_and_evaluate(bad, str(tmp_path / "nan"))
  _, state = train.load_workdir(str(tmp_path / "nan"))
  assert int(state.step) == 10


def test_step_counts_must_be_multiples_of_steps_per_dispatch():
  c = tiny_config("vanilla", steps_per_dispatch=3)  # num_steps 20, log 5
  with pytest.raises(validation.ConfigError,
                     match="train.num_steps, train.log_every, checkpoint.every_steps"
                     " must be multiples of train.steps_per_dispatch=3"):
    validation.validate_config(c, num_devices=1)


def test_dispatches_stack_consecutive_batches():
  batches = iter([np.full((2, 3), i) for i in range(7)])
  out = list(train.dispatches(batches, 3))
  assert len(out) == 2 and out[1].shape == (3, 2, 3)
  np.testing.assert_array_equal(out[1][:, 0, 0], [3, 4, 5])
  rows = train.per_step_rows([{"a": np.array([1.0, 2.0])}], 2)
  assert rows == [{"a": 1.0}, {"a": 2.0}]
