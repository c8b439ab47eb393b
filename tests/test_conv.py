"""kernels/conv.py against lax.conv_general_dilated and hand-written loops:
values, both gradients and the gradient penalty's second-order path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_mixtures.kernels import conv

SAME3 = ((1, 1), (1, 1))


def _lax(x, k, padding, strides=(1, 1)):
  return jax.lax.conv_general_dilated(x, k, strides, padding,
                                      dimension_numbers=conv.DIMS)


def _inputs(shape, kernel_shape, seed=0):
  kx, kk = jax.random.split(jax.random.PRNGKey(seed))
  x = jax.random.normal(kx, shape)
  k = jax.random.normal(kk, kernel_shape) / np.sqrt(np.prod(kernel_shape[:3]))
  return x, k


def _assert_same_function(ours, ref, x, k, rtol):
  """Values, both gradients, and d/dk of |dL/dx|^2 (a gradient penalty)."""
  def rel(a, b):
    return float(jnp.abs(a - b).max() / (jnp.abs(b).max() + 1e-30))
  assert rel(ours(x, k), ref(x, k)) < rtol
  loss = lambda f: lambda x, k: jnp.sum(jnp.sin(f(x, k)))
  grads = [jax.grad(loss(f), (0, 1))(x, k) for f in (ours, ref)]
  for a, b in zip(*grads):
    assert rel(a, b) < rtol
  pen = lambda f: lambda k: jnp.sum(jax.grad(loss(f))(x, k) ** 2)
  assert rel(jax.grad(pen(ours))(k), jax.grad(pen(ref))(k)) < rtol


def test_winograd_matrices_are_lavin_grays_f43():
  at, g, bt = conv.winograd_matrices(4, 3, (0, 1, -1, 2, -2))
  np.testing.assert_allclose(bt, [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0],
                                  [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
                                  [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]])
  np.testing.assert_allclose(g[:, 0],
                             [1 / 4, -1 / 6, -1 / 6, 1 / 24, 1 / 24, 0])
  np.testing.assert_allclose(at[1], [0, 1, -1, 2, -2, 0])


@pytest.mark.parametrize("r", [2, 3])
def test_winograd_1d_is_the_correlation(r):
  """y_i = sum_k g_k d_{i+k}, by a hand loop, for random d, g."""
  at, g, bt = conv.WINOGRAD[r]
  rng = np.random.default_rng(r)
  d, w = rng.normal(size=4 + r - 1), rng.normal(size=r)
  want = [sum(w[k] * d[i + k] for k in range(r)) for i in range(4)]
  np.testing.assert_allclose(at @ ((g @ w) * (bt @ d)), want, atol=1e-12)


@pytest.mark.parametrize("padding", [SAME3, ((0, 2), (2, 0))])
def test_winograd_3x3_is_the_conv(padding):
  x, k = _inputs((2, 16, 20, 6), (3, 3, 6, 5))
  ours = lambda x, k: conv.winograd_conv(x, k, padding)
  _assert_same_function(ours, lambda x, k: _lax(x, k, padding), x, k, 1e-4)


@pytest.mark.parametrize("padding", [((1, 0), (0, 1)), ((0, 1), (1, 0))])
def test_winograd_2x2_is_the_conv(padding):
  x, k = _inputs((2, 8, 12, 5), (2, 2, 5, 3))
  ours = lambda x, k: conv.winograd_conv(x, k, padding)
  _assert_same_function(ours, lambda x, k: _lax(x, k, padding), x, k, 1e-4)


def test_winograd_taps_2x2_is_the_conv(monkeypatch):
  monkeypatch.setattr(conv, "WINOGRAD_MIN_CHANNELS", 4)
  monkeypatch.setattr(conv, "WINOGRAD_MIN_SIZE", 4)
  padding = ((1, 0), (0, 1))
  x, k = _inputs((2, 8, 8, 5), (2, 2, 5, 4))
  assert conv.winograd_applies(x, k, padding)
  _assert_same_function(lambda x, k: conv.conv2d(x, k, padding),
                        lambda x, k: _lax(x, k, padding), x, k, 1e-4)


def test_winograd_applies_only_where_measured_faster():
  x, k = jnp.zeros((1, 16, 16, 128)), jnp.zeros((3, 3, 128, 128))
  assert conv.winograd_applies(x, k, SAME3)
  assert not conv.winograd_applies(x[:, :8, :8], k, SAME3)  # small map
  assert not conv.winograd_applies(x[..., :64], k[:, :, :64], SAME3)
  assert not conv.winograd_applies(x.astype(jnp.bfloat16),
                                   k.astype(jnp.bfloat16), SAME3)
  assert not conv.winograd_applies(x[:, :14, :14], k, SAME3)  # 14 % 4


@pytest.mark.parametrize("kernel_shape,padding", [
    ((3, 3, 70, 20), SAME3),  # the taps' matmuls
    ((3, 3, 5, 17), SAME3),  # im2col
    ((2, 2, 70, 20), ((1, 0), (0, 1))),
    ((3, 3, 3, 2), SAME3),  # lax's kernel gradient
])
def test_conv2d_is_the_conv(kernel_shape, padding):
  x, k = _inputs((3, 6, 7, kernel_shape[2]), kernel_shape)
  _assert_same_function(lambda x, k: conv.conv2d(x, k, padding),
                        lambda x, k: _lax(x, k, padding), x, k, 1e-5)


def test_kernel_grad_is_a_hand_loop():
  x, _ = _inputs((2, 4, 5, 3), (3, 3, 3, 2))
  g = jax.random.normal(jax.random.PRNGKey(3), (2, 4, 5, 2))
  xp = np.pad(np.asarray(x), ((0, 0), (1, 1), (1, 1), (0, 0)))
  want = np.zeros((3, 3, 3, 2))
  for i in range(3):
    for j in range(3):
      for h in range(4):
        for w in range(5):
          want[i, j] += np.einsum("bc,bf->cf", xp[:, h + i, w + j], g[:, h, w])
  got = conv.kernel_grad(x, g, (3, 3), SAME3)
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kernel_shape,padding", [
    ((3, 3, 40, 3), SAME3), ((2, 2, 64, 1), ((1, 0), (0, 1)))])
def test_few_outputs_is_the_conv(kernel_shape, padding):
  x, k = _inputs((3, 6, 6, kernel_shape[2]), kernel_shape)
  assert conv.few_outputs_applies(k)
  _assert_same_function(lambda x, k: conv.conv2d(x, k, padding),
                        lambda x, k: _lax(x, k, padding), x, k, 1e-5)


@pytest.mark.parametrize("k,pad_lo", [(4, 1), (5, 2)])
def test_stride2_conv_is_the_strided_conv(k, pad_lo):
  x, w = _inputs((2, 8, 6, 5), (k, k, 5, 7))
  pads = ((pad_lo, pad_lo),) * 2  # 4: (1, 1) ('SAME'); 5: torch's p = 2
  _assert_same_function(lambda x, w: conv.stride2_conv(x, w, pad_lo),
                        lambda x, w: _lax(x, w, pads, (2, 2)), x, w, 1e-5)


def test_pooled_kernel_is_conv_then_average_pool():
  x, w = _inputs((2, 8, 6, 5), (3, 3, 5, 7))
  pool = lambda y: y.reshape(2, 4, 2, 3, 2, 7).mean((2, 4))
  _assert_same_function(
      lambda x, w: conv.stride2_conv(x, conv.pooled_kernel(w), 1),
      lambda x, w: pool(_lax(x, w, SAME3)), x, w, 1e-5)


def test_drop_in_falls_back_to_lax():
  """Strided, dilated and grouped convs go to lax unchanged."""
  x, k = _inputs((2, 8, 8, 4), (3, 3, 2, 6))
  got = conv.conv_general_dilated(x, k, (1, 1), "SAME",
                                  dimension_numbers=conv.DIMS,
                                  feature_group_count=2)
  want = jax.lax.conv_general_dilated(x, k, (1, 1), "SAME",
                                      dimension_numbers=conv.DIMS,
                                      feature_group_count=2)
  np.testing.assert_array_equal(got, want)


def test_flax_conv_with_the_drop_in_is_flax_conv():
  """nn.Conv(conv_general_dilated=conv.conv_general_dilated) (how the nets
  use it) against plain nn.Conv, same parameters, at a Winograd size."""
  import flax.linen as nn
  x, _ = _inputs((2, 16, 16, 128), (3, 3, 128, 128))
  ref = nn.Conv(128, (3, 3), padding="SAME")
  ours = nn.Conv(128, (3, 3), padding="SAME",
                 conv_general_dilated=conv.conv_general_dilated)
  p = ref.init(jax.random.PRNGKey(1), x)
  assert conv.winograd_applies(x, p["params"]["kernel"], SAME3)
  np.testing.assert_allclose(ours.apply(p, x), ref.apply(p, x),
                             rtol=1e-4, atol=1e-4)


def test_bad_padding_and_odd_sizes_are_refused():
  x, k = _inputs((1, 6, 6, 2), (3, 3, 2, 2))
  with pytest.raises(ValueError, match="padding"):
    conv.conv2d(x, k, ((3, 0), (1, 1)))
  with pytest.raises(ValueError, match="even"):
    conv.stride2_conv(x[:, :5], k, 1)


def test_bfloat16_runs_every_path_close_to_float32():
  for shape, padding in (((3, 3, 40, 3), SAME3), ((3, 3, 5, 17), SAME3)):
    x, k = _inputs((2, 8, 8, shape[2]), shape)
    want = _lax(x, k, padding)
    got = conv.conv2d(x.astype(jnp.bfloat16), k.astype(jnp.bfloat16), padding)
    assert got.dtype == jnp.bfloat16
    err = jnp.abs(got.astype(jnp.float32) - want).max() / jnp.abs(want).max()
    assert float(err) < 3e-2
