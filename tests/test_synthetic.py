"""Synthetic 2D data: shapes, moments, weights, determinism, LDA process."""

import chex
import jax
import numpy as np
import pytest

from gan_mixtures import data as data_lib
from gan_mixtures.data import synthetic
from tests.helpers import data_config




def test_grid_defaults_match_protocol():
  ds = data_lib.make_dataset(data_config(name="grid"))
  ticks = sorted(set(ds.means[:, 0]))
  np.testing.assert_allclose(ticks, [-4, -2, 0, 2, 4])
  assert ds.num_modes == 25 and np.all(ds.stds == 0.05)
  np.testing.assert_allclose(ds.weights, 1 / 25)


def test_ring_samples_are_near_their_modes():
  ds = data_lib.make_dataset(data_config(name="ring", num_modes=8, radius=2.0,
                                         std=0.02))
  x, k = jax.jit(ds.sample_with_modes, static_argnums=1)(
      jax.random.PRNGKey(0), (4, 1000))
  chex.assert_shape(x, (4, 1000, 2))
  x, k = np.asarray(x).reshape(-1, 2), np.asarray(k).ravel()
  np.testing.assert_allclose(np.linalg.norm(ds.means, axis=1), 2.0)
  resid = x - ds.means[k]
  np.testing.assert_allclose(resid.std(axis=0), 0.02, rtol=0.05)
  np.testing.assert_allclose(np.bincount(k, minlength=8) / len(k), 1 / 8,
                             atol=0.01)


def test_weights_are_respected_and_validated():
  w = (1, 1, 1, 1, 2, 2, 2, 2)
  ds = data_lib.make_dataset(data_config(name="ring", weights=w))
  _, k = ds.sample_with_modes(jax.random.PRNGKey(1), (40000,))
  freq = np.bincount(np.asarray(k), minlength=8) / 40000
  np.testing.assert_allclose(freq, np.asarray(w) / 12, atol=0.01)
  with pytest.raises(ValueError, match="weights"):
    data_lib.make_dataset(data_config(name="ring", weights=(1, 2)))


def test_same_key_same_samples():
  ds = data_lib.make_dataset(data_config(name="grid"))
  a = ds.sample(jax.random.PRNGKey(5), (10,))
  b = ds.sample(jax.random.PRNGKey(5), (10,))
  np.testing.assert_array_equal(a, b)


def test_lda_mixture_documents_share_pi():
  alpha = (8, 4, 8, 4, 8, 4, 8, 4)
  ds = data_lib.make_dataset(
      data_config(name="lda_mixture", lda_alpha=alpha, doc_size=200, std=0.02)
  )
  _, k = ds.sample_with_modes(jax.random.PRNGKey(2), (200 * 400,))
  k = np.asarray(k).reshape(400, 200)
  # Marginal mode frequencies follow alpha / sum(alpha).
  freq = np.bincount(k.ravel(), minlength=8) / k.size
  np.testing.assert_allclose(freq, np.asarray(alpha) / 48, atol=0.01)
  # Within-document proportions vary like Dir(alpha):
  # Var = a(a0-a)/(a0^2(a0+1)).
  props = np.stack([np.bincount(r, minlength=8) / 200 for r in k])
  a, a0 = np.asarray(alpha, float), 48.0
  want_var = a * (a0 - a) / (a0**2 * (a0 + 1)) + (a / a0) * (1 - a / a0) / 200
  np.testing.assert_allclose(props.var(axis=0), want_var, rtol=0.3)


def test_spiral_has_no_modes_and_right_extent():
  ds = data_lib.make_dataset(data_config(name="spiral", radius=2.0, std=0.0))
  assert ds.means is None
  x = np.asarray(ds.sample(jax.random.PRNGKey(0), (5000,)))
  r = np.linalg.norm(x, axis=1)
  assert r.max() <= 2.0 + 1e-5 and r.min() >= 0


def test_unknown_dataset():
  with pytest.raises(ValueError, match="unknown dataset"):
    data_lib.make_dataset(data_config(name="moons"))


def test_grid_means_helper():
  m = synthetic.grid_means(3, 1.0)
  np.testing.assert_allclose(sorted(set(m[:, 1])), [-1, 0, 1])
