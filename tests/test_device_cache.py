"""Image sets held on the device: the batches a step gathers there are the
host pipeline's batches, bit for bit, and a run trains to the same state."""

import chex
import jax
import numpy as np
import pytest
from jax.sharding import NamedSharding, PartitionSpec as P

from configs import vanilla
from gan_mixtures import data as data_lib
from gan_mixtures import experiment, train, validation
from gan_mixtures.data import device_cache, images
from tests.helpers import data_config, digits_config

REPLICATED = NamedSharding(experiment.make_mesh(), P())


def _pair(**overrides):
  base = data_lib.make_dataset(data_config(**overrides), seed=4)
  return base, device_cache.maybe_cache(base, 1024, REPLICATED)


@pytest.mark.parametrize("overrides", [
    dict(name="digits", image_size=16),  # 8x8 padded to 16
    dict(name="stacked_mnist", source="random"),  # three streams as RGB
    dict(name="cifar10", source="random", image_size=20, resize="resize"),
    dict(name="mnist", source="random", channels=3),  # grey to RGB
])
def test_device_batches_equal_host_batches(overrides):
  base, cached = _pair(**overrides)
  assert isinstance(cached, device_cache.DeviceImages)
  shape = (2, 24)  # [n_disc, B]; 2 x 24 x 9 steps spans several epochs
  for step in (0, 1, 9, 40):  # (the random sources hold 1024 examples)
    idx = cached.host_batch(step, shape)
    assert idx.shape == shape + (base.stack,) and idx.dtype == np.int32
    got = np.asarray(jax.jit(device_cache.decode)(cached.table, idx))
    want = base.host_batch(step, shape)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_array_equal(got, want)
  rows = slice(8, 16)  # one process's part of the batch axis
  np.testing.assert_array_equal(
      cached.host_batch(3, shape, rows), cached.host_batch(3, shape)[:, rows])


def test_table_is_the_preprocessed_split_as_uint8():
  base, cached = _pair(name="digits", image_size=16)
  table = np.asarray(cached.table)
  assert table.dtype == np.uint8 and table.shape == (base.size, 16, 16, 1)
  x, _ = base.all_examples()
  np.testing.assert_array_equal(images.to_unit_range(table), x)
  # evaluation views are the base set's
  np.testing.assert_array_equal(cached.real_examples(50)[0],
                                base.real_examples(50)[0])
  assert cached.cache_key() == base.cache_key()


def test_only_sets_under_the_limit_are_cached():
  base = data_lib.make_dataset(data_config(name="digits", image_size=16))
  mib = device_cache.table_bytes(base) / 2 ** 20  # 1437 x 16 x 16 bytes
  assert device_cache.maybe_cache(base, 0, REPLICATED) is base  # off
  assert device_cache.maybe_cache(base, mib * 0.99, REPLICATED) is base
  assert isinstance(device_cache.maybe_cache(base, mib, REPLICATED),
                    device_cache.DeviceImages)
  multi = data_lib.make_dataset(data_config(name="digits", split_case="A"))
  assert device_cache.maybe_cache(multi, 1024, REPLICATED) is multi


def test_negative_cache_size_is_refused():
  c = vanilla.get_config("digits")
  c.data.device_cache_mb = -1
  with pytest.raises(validation.ConfigError, match="device_cache_mb"):
    validation.validate_config(c)


def _digits_run(workdir, cache_mb):
  c = digits_config(steps=8)
  c.data.device_cache_mb = cache_mb
  results = train.train_and_evaluate(c, str(workdir))
  exp, state = train.load_workdir(str(workdir))
  return results, exp, jax.device_get((state.g.params, state.d.params))


@pytest.mark.slow
def test_cached_run_trains_like_the_host_pipeline(tmp_path):
  ra, exp_a, pa = _digits_run(tmp_path / "host", 0)
  rb, exp_b, pb = _digits_run(tmp_path / "device", 1024)
  assert not isinstance(exp_a.data, device_cache.DeviceImages)
  assert isinstance(exp_b.data, device_cache.DeviceImages)
  # The same batches, so the same states: bit for bit (measured here; the
  # gather is an op of its own before the first layer)
  chex.assert_trees_all_equal(pa, pb)
  assert ra["metrics"] == rb["metrics"]
