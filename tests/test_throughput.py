"""The throughput path: several steps per dispatch equal single steps."""

import json

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_mixtures import runs, train, validation
from tests.helpers import digits_config, tiny_config


def params(workdir):
  _, state = train.load_workdir(str(workdir))
  return jax.device_get((state.g.params, state.d.params, state.g_ema_params))


def metric_rows(workdir):
  lines = (workdir / "metrics.jsonl").read_text().splitlines()
  return [json.loads(l) for l in lines if "d_loss" in l]


def test_steps_per_dispatch_equals_single_steps_2d(tmp_path):
  a, b = tmp_path / "one", tmp_path / "five"
  ra = train.train_and_evaluate(tiny_config("mdgan"), str(a))
  rb = train.train_and_evaluate(tiny_config("mdgan", steps_per_dispatch=5),
                                str(b))
  # bit-identical: the same ops on the same values, one scan around them
  chex.assert_trees_all_equal(params(a), params(b))
  assert ra["metrics"] == rb["metrics"]
  rows_a, rows_b = metric_rows(a), metric_rows(b)
  assert ([r["step"] for r in rows_a] == [r["step"] for r in rows_b]
          == [5, 10, 15, 20])
  for x, y in zip(rows_a, rows_b):
    assert {k: v for k, v in x.items() if k != "steps_per_s"} == {
        k: v for k, v in y.items() if k != "steps_per_s"}


@pytest.mark.slow
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


@pytest.mark.slow
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
                     match="train.num_steps, train.log_every,"
                     " checkpoint.every_steps"
                     " must be multiples of train.steps_per_dispatch=3"):
    validation.validate_config(c, num_devices=1)


def test_dispatches_stack_consecutive_batches():
  batches = iter([np.full((2, 3), i) for i in range(7)])
  out = list(runs.dispatches(batches, 3))
  assert len(out) == 2 and out[1].shape == (3, 2, 3)
  np.testing.assert_array_equal(out[1][:, 0, 0], [3, 4, 5])
  rows = runs.per_step_rows([{"a": np.array([1.0, 2.0])}], 2)
  assert rows == [{"a": 1.0}, {"a": 2.0}]


@pytest.mark.slow
def test_num_seeds_runs_equal_single_seed_runs(tmp_path):
  c = tiny_config("mdgan", num_seeds=2)
  c.seed = 4
  together = train.train_and_evaluate(c, str(tmp_path / "two"))
  assert together["num_seeds"] == 2
  assert [r["seed"] for r in together["seeds"]] == [4, 5]
  for s in range(2):
    single = tiny_config("mdgan")
    single.seed = 4 + s
    alone = train.train_and_evaluate(single, str(tmp_path / f"seed{s}"))
    _, state = train.load_workdir(str(tmp_path / "two"), seed_index=s)
    # vmapped matmuls round like the unbatched ones on this CPU to 1e-5
    chex.assert_trees_all_close(
        jax.device_get((state.g.params, state.d.params)),
        jax.device_get(params(tmp_path / f"seed{s}")[:2]), rtol=1e-4, atol=1e-5)
    mine = together["seeds"][s]["metrics"]
    for k in ("modes_covered", "hq_fraction", "knn_real_acc"):
      assert mine[k] == pytest.approx(alone["metrics"][k], abs=0.02), k
  hq = [r["metrics"]["hq_fraction"] for r in together["seeds"]]
  assert together["metrics"]["hq_fraction"] == pytest.approx(np.mean(hq))
  assert together["metrics_std"]["hq_fraction"] == pytest.approx(np.std(hq))


@pytest.mark.slow
def test_num_seeds_resumes(tmp_path):
  c = tiny_config("vanilla", num_seeds=2, num_steps=10)
  train.train_and_evaluate(c, str(tmp_path / "r"))
  c.train.num_steps = 20
  resumed = train.train_and_evaluate(c, str(tmp_path / "r"))
  straight = train.train_and_evaluate(tiny_config("vanilla", num_seeds=2),
                                      str(tmp_path / "s"))
  assert resumed["seeds"] == straight["seeds"]


def test_bfloat16_nets_keep_float32_state_and_track_float32_losses(tmp_path):
  runs_ = {}
  for dtype in ("float32", "bfloat16"):
    c = tiny_config("mdgan", num_steps=100, log_every=10)
    c.checkpoint.every_steps = 100
    c.model.dtype = dtype
    train.train_and_evaluate(c, str(tmp_path / dtype))
    runs_[dtype] = metric_rows(tmp_path / dtype)
  _, state = train.load_workdir(str(tmp_path / "bfloat16"))
  leaves = jax.tree.leaves((state.g.params, state.d.params, state.g.opt_state))
  assert all(l.dtype == np.float32 for l in leaves
             if jnp.issubdtype(l.dtype, jnp.floating))
  for k in ("d_loss", "g_loss"):
    a = np.array([r[k] for r in runs_["float32"]])
    b = np.array([r[k] for r in runs_["bfloat16"]])
    assert np.all(np.isfinite(b))
    # bf16 keeps 8 bits of mantissa: the 10-step mean losses stay within 5 %
    np.testing.assert_allclose(b, a, rtol=0.05)
    assert not np.array_equal(a, b)  # and it did compute in bf16


def test_mixed_precision_net_computes_in_bf16():
  import flax.linen as nn

  from gan_mixtures import precision

  net = precision.MixedPrecisionNet(nn.Dense(3), jnp.bfloat16)
  x = jnp.ones((2, 4))
  params = net.init(jax.random.PRNGKey(0), x)
  assert jax.tree.leaves(params)[0].dtype == jnp.float32
  y = net.apply(params, x)
  assert y.dtype == jnp.float32
  inner = nn.Dense(3).apply(precision.cast_floats(params, jnp.bfloat16),
                            x.astype(jnp.bfloat16))
  np.testing.assert_array_equal(y, inner.astype(jnp.float32))


@pytest.mark.slow
def test_bfloat16_image_config_trains(tmp_path):
  c = digits_config()
  c.model.dtype = "bfloat16"
  results = train.train_and_evaluate(c, str(tmp_path))
  rows = metric_rows(tmp_path)
  assert results["step"] == 12 and all(np.isfinite(r["d_loss"]) for r in rows)
  assert np.isfinite(results["metrics"]["fid_domain"])


@pytest.mark.parametrize("kind", ["hmegan", "megan", "mgan", "ldagan"])
def test_bfloat16_reaches_every_net_a_method_holds(kind):
  """Nets are found by type, not by attribute name: HME's sampling mixture
  samples in bf16 as its train-step G does."""
  import flax.linen as nn

  from gan_mixtures import methods, precision

  c = tiny_config(kind)
  c.model.dtype = "bfloat16"
  exp = train.build_experiment(c)
  held = {k: v for k, v in vars(exp.method).items()
          if isinstance(v, (nn.Module, precision.MixedPrecisionNet))}
  assert held and all(isinstance(v, precision.MixedPrecisionNet)
                      for v in held.values()), held
  if kind == "hmegan":
    state = exp.init_state()
    x32 = methods.make_method(tiny_config(kind), exp.data).sample(
        state, jax.random.PRNGKey(1), 64)[0]
    x16 = exp.method.sample(state, jax.random.PRNGKey(1), 64)[0]
    assert x16.dtype == jnp.float32  # cast back at the net's boundary
    assert not np.array_equal(np.asarray(x16), np.asarray(x32))
    np.testing.assert_allclose(x16, x32, atol=0.1)
