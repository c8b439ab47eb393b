"""Networks: output shapes and ranges; batch-statistics norm vs numpy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_mixtures.nets import dcgan, mlp


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3), (64, 3)])
def test_dcgan_shapes(size, channels):
  g = dcgan.DCGANGenerator(size, channels, width=8)
  d = dcgan.DCGANDiscriminator(out_dim=5, width=8)
  z = jax.random.normal(jax.random.PRNGKey(0), (3, 16))
  gp = g.init(jax.random.PRNGKey(1), z)
  x = g.apply(gp, z)
  assert x.shape == (3, size, size, channels)
  assert float(jnp.abs(x).max()) <= 1.0
  dp = d.init(jax.random.PRNGKey(2), x)
  assert d.apply(dp, x).shape == (3, 5)


def test_num_upsamples_rejects_odd_sizes():
  assert dcgan.num_upsamples(28) == (7, 2) and dcgan.num_upsamples(64) == (4, 4)
  with pytest.raises(ValueError):
    dcgan.num_upsamples(30)


def test_batch_stat_norm_matches_numpy():
  x = np.random.RandomState(0).randn(4, 5, 5, 3).astype(np.float32) * 3 + 1
  mod = dcgan.BatchStatNorm()
  params = mod.init(jax.random.PRNGKey(0), x)
  params = jax.tree.map(lambda p: p, params)
  params["params"]["scale"] = jnp.asarray([1.0, 2.0, 0.5])
  params["params"]["bias"] = jnp.asarray([0.0, 1.0, -1.0])
  got = np.asarray(mod.apply(params, x))
  mean = x.mean(axis=(0, 1, 2))
  var = x.var(axis=(0, 1, 2))
  want = (x - mean) / np.sqrt(var + 1e-5) * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0]
  np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
  assert set(params) == {"params"}  # no running statistics to carry


def test_mlp_output_scale():
  m = mlp.MLP(hidden=(4,), out_dim=2, out_scale=6.0)
  p = m.init(jax.random.PRNGKey(0), jnp.zeros((1, 2)))
  p = jax.tree.map(lambda a: a * 100, p)
  y = m.apply(p, jnp.ones((8, 2)) * 10)
  assert float(jnp.abs(y).max()) <= 6.0


def test_shared_trunk_dcgan_batches_only_the_first_layer():
  # norm 'none': with batch statistics the K generators' samples share them
  g = dcgan.SharedTrunkDCGAN(num_generators=3, size=32, channels=3, width=8, norm="none")
  z = jax.random.normal(jax.random.PRNGKey(0), (2, 16))
  p = g.init(jax.random.PRNGKey(1), z)["params"]
  assert p["first_kernel"].shape == (3, 16, 4 * 4 * 32)
  trunk = dcgan.DCGANTrunk(32, 3, width=8, norm="none")
  want = jax.tree.map(jnp.shape, trunk.init(jax.random.PRNGKey(2), jnp.zeros((1, 4, 4, 32)))["params"])
  assert jax.tree.map(jnp.shape, p["DCGANTrunk_0"]) == want  # one shared trunk
  x = g.apply({"params": p}, z)
  assert x.shape == (3, 2, 32, 32, 3)
  # generator k alone equals the trunk applied to its own first layer
  h = (z @ p["first_kernel"][1] + p["first_bias"][1]).reshape(2, 4, 4, 32)
  np.testing.assert_allclose(trunk.apply({"params": p["DCGANTrunk_0"]}, h), x[1], atol=1e-5)
