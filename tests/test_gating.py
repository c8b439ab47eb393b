"""HME / ME gates vs brute force over root paths; mixing."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
from absl.testing import parameterized

from gan_mixtures.kernels import gating


def brute_force_leaf_weights(z, w, b):
  """Walks every leaf's root path in heap order with Python loops."""
  m = w.shape[0]
  depth = (m + 1).bit_length() - 1
  sig = 1 / (1 + np.exp(-(w @ z + b)))
  weights = []
  for leaf in range(2**depth):
    node, p = 0, 1.0
    for level in reversed(range(depth)):
      go_right = (leaf >> level) & 1
      p *= (1 - sig[node]) if go_right else sig[node]
      node = 2 * node + 1 + go_right
    weights.append(p)
  return np.asarray(weights)


class GatingTest(parameterized.TestCase):

  @chex.variants(with_jit=True, without_jit=True)
  @parameterized.parameters(*range(1, 9))
  def test_hme_gates_match_root_path_products(self, depth):
    rs = np.random.RandomState(depth)
    dz, m = 3, 2**depth - 1
    w, b = rs.randn(m, dz), rs.randn(m)
    z = rs.randn(dz)
    with jax.enable_x64(True):
      got = np.asarray(self.variant(gating.hme_gates)(
          jnp.asarray(z), jnp.asarray(w), jnp.asarray(b)))
    chex.assert_shape(got, (2**depth,))
    np.testing.assert_allclose(got, brute_force_leaf_weights(z, w, b),
                               atol=1e-6, rtol=0)
    assert np.all(got >= 0) and abs(got.sum() - 1) < 1e-6

  def test_zero_weights_give_uniform_leaves(self):
    for depth in (1, 4, 8):
      m = 2**depth - 1
      g = gating.hme_gates(jnp.ones(2), jnp.zeros((m, 2)), jnp.zeros(m))
      np.testing.assert_allclose(g, 2.0**-depth, rtol=1e-6)

  def test_node_probabilities_soft_counts(self):
    rs = np.random.RandomState(0)
    w, b, z = rs.randn(7, 2), rs.randn(7), rs.randn(2)
    p = np.asarray(gating.node_probabilities(jnp.asarray(z), jnp.asarray(w),
                                             jnp.asarray(b)))
    assert p.shape == (15,) and p[0] == 1.0
    for node in range(7):  # a node's probability is the sum of its children's
      np.testing.assert_allclose(p[node], p[2 * node + 1] + p[2 * node + 2],
                                 rtol=1e-5)

  @chex.variants(with_jit=True, without_jit=True)
  def test_me_gates_softmax_and_vmap(self):
    rs = np.random.RandomState(1)
    w, b, z = (jnp.asarray(rs.randn(5, 3)), jnp.asarray(rs.randn(5)),
               jnp.asarray(rs.randn(10, 3)))
    g = self.variant(
        jax.vmap(gating.me_gates, in_axes=(0, None, None)))(z, w, b)
    chex.assert_shape(g, (10, 5))
    logits = np.asarray(z) @ np.asarray(w).T + np.asarray(b)
    want = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(g, want, rtol=1e-5)


def test_mix_leaves():
  gates = jnp.asarray([0.25, 0.75])
  leaves = jnp.asarray([[[1.0, 2.0]], [[3.0, 4.0]]])  # [2, 1, 2]
  np.testing.assert_allclose(gating.mix_leaves(gates, leaves), [[2.5, 3.5]])
