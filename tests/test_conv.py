"""kernels/conv.py against lax.conv_general_dilated and hand-written loops:
values, both gradients and the gradient penalty's second-order path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_mixtures.kernels import conv, winograd

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
  at, g, bt = winograd.matrices(4, 3, (0, 1, -1, 2, -2))
  np.testing.assert_allclose(bt, [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0],
                                  [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
                                  [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]])
  np.testing.assert_allclose(g[:, 0],
                             [1 / 4, -1 / 6, -1 / 6, 1 / 24, 1 / 24, 0])
  np.testing.assert_allclose(at[1], [0, 1, -1, 2, -2, 0])


@pytest.mark.parametrize("r", [2, 3])
def test_winograd_1d_is_the_correlation(r):
  """y_i = sum_k g_k d_{i+k}, by a hand loop, for random d, g."""
  at, g, bt = winograd.WINOGRAD[r]
  rng = np.random.default_rng(r)
  d, w = rng.normal(size=4 + r - 1), rng.normal(size=r)
  want = [sum(w[k] * d[i + k] for k in range(r)) for i in range(4)]
  np.testing.assert_allclose(at @ ((g @ w) * (bt @ d)), want, atol=1e-12)


@pytest.mark.parametrize("padding", [SAME3, ((0, 2), (2, 0))])
def test_winograd_3x3_is_the_conv(padding):
  x, k = _inputs((2, 16, 20, 6), (3, 3, 6, 5))
  ours = lambda x, k: winograd.conv(x, k, padding)
  _assert_same_function(ours, lambda x, k: _lax(x, k, padding), x, k, 1e-4)


@pytest.mark.parametrize("padding", [((1, 0), (0, 1)), ((0, 1), (1, 0))])
def test_winograd_2x2_is_the_conv(padding):
  x, k = _inputs((2, 8, 12, 5), (2, 2, 5, 3))
  ours = lambda x, k: winograd.conv(x, k, padding)
  _assert_same_function(ours, lambda x, k: _lax(x, k, padding), x, k, 1e-4)


def test_winograd_taps_2x2_is_the_conv(monkeypatch):
  monkeypatch.setattr(winograd, "WINOGRAD_MIN_CHANNELS", 4)
  monkeypatch.setattr(winograd, "WINOGRAD_MIN_SIZE", 4)
  padding = ((1, 0), (0, 1))
  x, k = _inputs((2, 8, 8, 5), (2, 2, 5, 4))
  assert winograd.applies(x, k, padding)
  _assert_same_function(lambda x, k: conv.conv2d(x, k, padding),
                        lambda x, k: _lax(x, k, padding), x, k, 1e-4)


def test_winograd_applies_only_where_measured_faster():
  x, k = jnp.zeros((1, 16, 16, 128)), jnp.zeros((3, 3, 128, 128))
  assert winograd.applies(x, k, SAME3)
  assert not winograd.applies(x[:, :8, :8], k, SAME3)  # small map
  assert not winograd.applies(x[..., :64], k[:, :, :64], SAME3)
  assert not winograd.applies(x.astype(jnp.bfloat16),
                              k.astype(jnp.bfloat16), SAME3)
  assert not winograd.applies(x[:, :14, :14], k, SAME3)  # 14 % 4


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
  assert winograd.applies(x, p["params"]["kernel"], SAME3)
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


@pytest.mark.parametrize("strides,shape,kernel_shape,padding", [
    ((1, 1), (2, 4, 3, 6), (5, 5, 6, 7), ((2, 2), (2, 2))),  # kernel > map
    ((2, 2), (2, 7, 7, 5), (5, 5, 5, 6), ((1, 2), (1, 2))),  # TF SAME 7 -> 4
    ((2, 2), (2, 4, 4, 3), (5, 5, 3, 4), ((1, 2), (1, 2))),  # 4 -> 2
])
def test_im2col_conv_is_the_conv(strides, shape, kernel_shape, padding):
  x, k = _inputs(shape, kernel_shape)
  _assert_same_function(
      lambda x, k: conv.im2col_conv(x, k, strides, padding),
      lambda x, k: _lax(x, k, padding, strides), x, k, 1e-5)


def test_conv2d_takes_im2col_where_the_kernel_exceeds_the_map():
  x, k = _inputs((2, 4, 4, 3), (5, 5, 3, 4))
  assert conv.kernel_exceeds_map(x, k)
  assert not conv.kernel_exceeds_map(x, k[:3, :3])
  padding = ((2, 2), (2, 2))
  _assert_same_function(lambda x, k: conv.conv2d(x, k, padding),
                        lambda x, k: _lax(x, k, padding), x, k, 1e-5)


@pytest.mark.parametrize("size", [4, 7, 8, 14, 28])
@pytest.mark.parametrize("k", [3, 4, 5])
def test_stride2_conv_any_size_and_padding_is_the_strided_conv(size, k):
  """TF 'SAME' at odd and even sizes (the MD-GAN nets' 28 -> 14 -> 7 -> 4
  -> 2) and an asymmetric explicit padding."""
  x, w = _inputs((2, size, size + 1, 3), (k, k, 3, 4))
  for padding in (jax.lax.padtype_to_pads(x.shape[1:3], (k, k), (2, 2),
                                          "SAME"), ((0, 2), (1, 0))):
    padding = tuple(tuple(p) for p in padding)
    got = conv.stride2_conv(x, w, padding)
    want = _lax(x, w, padding, (2, 2))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _transpose_padding(n_in, n_out, k):
  """lax.conv_transpose's padding inverting TF's 'SAME' stride-2 conv
  n_out -> n_in (as nets/plans.py)."""
  total = max((n_in - 1) * 2 + k - n_out, 0)
  return k - 1 - total // 2, k - 1 - (total - total // 2)


@pytest.mark.parametrize("n_in,n_out", [(2, 4), (4, 7), (7, 14), (3, 5)])
@pytest.mark.parametrize("k", [3, 4, 5])
def test_dilated_conv_is_the_transposed_conv(n_in, n_out, k):
  x, w = _inputs((2, n_in, n_in, 3), (k, k, 3, 4))
  pad = _transpose_padding(n_in, n_out, k)
  ref = lambda x, w: jax.lax.conv_transpose(x, w, (2, 2), (pad, pad),
                                            dimension_numbers=conv.DIMS)
  assert ref(x, w).shape == (2, n_out, n_out, 4)
  _assert_same_function(lambda x, w: conv.dilated_conv(x, w, (pad, pad)),
                        ref, x, w, 1e-5)


def test_dilated_conv_is_a_hand_loop():
  """y[o, p] = sum_{i, j} xd[o + i - lo_h, p + j - lo_w] w[i, j], xd the
  input with a zero between neighbours (one channel)."""
  rng = np.random.default_rng(0)
  x, w = rng.normal(size=(5, 4)), rng.normal(size=(4, 3))
  (lo_h, hi_h), (lo_w, hi_w) = (2, 1), (0, 2)
  xd = np.zeros((9, 7))
  xd[::2, ::2] = x
  xd = np.pad(xd, ((lo_h, hi_h), (lo_w, hi_w)))
  want = np.array([[np.sum(xd[o:o + 4, p:p + 3] * w)
                    for p in range(xd.shape[1] - 2)]
                   for o in range(xd.shape[0] - 3)])
  got = conv.dilated_conv(jnp.asarray(x[None, :, :, None], jnp.float32),
                          jnp.asarray(w[:, :, None, None], jnp.float32),
                          ((lo_h, hi_h), (lo_w, hi_w)))
  np.testing.assert_allclose(got[0, :, :, 0], want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("strides,dilation,padding", [
    ((2, 2), (1, 1), "SAME"), ((2, 2), (1, 1), ((2, 1), (0, 2))),
    ((1, 1), (2, 2), ((3, 2), (2, 3))), ((1, 1), (1, 1), "SAME")])
def test_drop_in_strided_and_dilated_convs_are_lax(strides, dilation, padding):
  x, k = _inputs((2, 7, 7, 4), (5, 5, 4, 6))
  kwargs = dict(lhs_dilation=dilation, dimension_numbers=conv.DIMS)
  got = conv.conv_general_dilated(x, k, strides, padding, **kwargs)
  want = jax.lax.conv_general_dilated(x, k, strides, padding, **kwargs)
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_lax_implementation_switch():
  """Inside implementation('lax') every function computes lax's conv; the
  nets' layers built on them give the same outputs either way."""
  import flax.linen as nn
  from gan_mixtures.nets import conv_layers, resnet

  x, _ = _inputs((2, 8, 8, 6), (3, 3, 6, 6))
  layers = [conv_layers.SubPixelConvTranspose(5),
            conv_layers.SpaceToDepthConv(5),
            conv_layers.SpaceToDepthConv(5, kernel_size=5),
            resnet.UpsampleConv(5), resnet.SNConv(5, pool=True)]
  for layer in layers:
    p = layer.init(jax.random.PRNGKey(0), x)
    fast = layer.apply(p, x)
    with conv.implementation("lax"):
      assert not conv.cpu_paths()
      plain = layer.apply(p, x)
    np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-5)
  assert conv.cpu_paths() == (jax.default_backend() == "cpu")
  with pytest.raises(ValueError, match="unknown conv implementation"):
    with conv.implementation("cudnn"):
      pass
  del nn


def test_model_conv_impl_runs_the_nets_on_xlas_own_convs():
  """model.conv_impl='lax': the same parameters give the same samples (to
  float rounding) through XLA's own convolutions; a bad name is refused."""
  from gan_mixtures import train, validation
  from tests.helpers import SMALL_IMAGE, digits_config, shrink

  c = shrink(digits_config(), SMALL_IMAGE)
  rng = jax.random.PRNGKey(3)
  try:
    exp = train.build_experiment(c)
    assert conv.cpu_paths() == (jax.default_backend() == "cpu")
    state = exp.init_state()
    fast = np.asarray(exp.method.sample(state, rng, 8)[0])
    c.model.conv_impl = "lax"
    exp = train.build_experiment(c)
    assert not conv.cpu_paths()
    plain = np.asarray(exp.method.sample(state, rng, 8)[0])
  finally:
    conv.use_implementation("auto")
  np.testing.assert_allclose(fast, plain, rtol=1e-4, atol=1e-4)
  c.model.conv_impl = "cudnn"
  with pytest.raises(validation.ConfigError, match="model.conv_impl"):
    validation.validate_config(c)
