"""Networks: output shapes and ranges; batch-statistics norm vs numpy."""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_mixtures.nets import conv_layers, dcgan, mlp, resnet, shared


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


def test_shared_trunk_generator_batches_only_the_first_layer():
  # norm 'none': with batch statistics the K generators' samples share them
  trunk = dcgan.DCGANTrunk(32, 3, width=8, norm="none")
  heads = shared.GeneratorHeads(3, (4, 4, 32))
  g = shared.SharedTrunkGenerator(3, heads, trunk)
  z = jax.random.normal(jax.random.PRNGKey(0), (2, 16))
  p = g.init(jax.random.PRNGKey(1), z)["params"]
  assert p["heads"]["first_kernel"].shape == (3, 16, 4 * 4 * 32)
  want = jax.tree.map(
      jnp.shape,
      trunk.init(jax.random.PRNGKey(2), jnp.zeros((1, 4, 4, 32)))["params"])
  assert jax.tree.map(jnp.shape, p["trunk"]) == want  # one shared trunk
  x = g.apply({"params": p}, z)
  assert x.shape == (3, 2, 32, 32, 3)
  # generator k alone equals the trunk applied to its own first layer
  hp = p["heads"]
  h = jax.nn.relu(z @ hp["first_kernel"][1] + hp["first_bias"][1]).reshape(
      2, 4, 4, 32)
  np.testing.assert_allclose(trunk.apply({"params": p["trunk"]}, h), x[1],
                             atol=1e-5)


@pytest.mark.parametrize("kind", ["unit", "batch", "batch_scale"])
def test_per_generator_norm_matches_numpy(kind):
  mod = shared.GeneratorHeads(3, (2, 2, 4), norm=kind, activation="none")
  z = np.random.RandomState(1).randn(6, 5).astype(np.float32)
  p = jax.tree.map(
      lambda a: a + 0.3, mod.init(jax.random.PRNGKey(0), z))["params"]
  got = np.asarray(mod.apply({"params": p}, z))
  pre = (np.einsum("bd,kdf->kbf", z, p["first_kernel"])
         + p["first_bias"][:, None]).reshape(3, 6, 2, 2, 4)
  axes = (1,) if kind == "unit" else (1, 2, 3)
  norm = (pre - pre.mean(axes, keepdims=True)) / np.sqrt(
      pre.var(axes, keepdims=True) + 1e-5)
  if kind == "unit":  # a BatchNorm1d per generator over its 16 units
    scale = p["first_scale"].reshape(3, 1, 2, 2, 4)
    bias = p["first_norm_bias"].reshape(3, 1, 2, 2, 4)
  else:  # per generator and channel
    scale = p["first_scale"].reshape(3, 1, 1, 1, 4)
    bias = (0.0 if kind == "batch_scale"
            else p["first_norm_bias"].reshape(3, 1, 1, 1, 4))
  np.testing.assert_allclose(got, norm * scale + bias, rtol=1e-4, atol=1e-4)
  assert ("first_norm_bias" in p) == (kind != "batch_scale")


def test_unshared_second_layer_is_per_generator():
  """LDAGAN Table 6: the trunk's first block vmapped over the generators."""
  mk = lambda blocks: dcgan.DCGANTrunk(32, 3, width=8, norm="none",
                                       blocks=blocks)
  heads = shared.GeneratorHeads(2, (4, 4, 32))
  g = shared.SharedTrunkGenerator(2, heads, mk((1, 3)), mk((0, 1)))
  z = jax.random.normal(jax.random.PRNGKey(0), (3, 16))
  p = g.init(jax.random.PRNGKey(1), z)["params"]
  per = p["unshared_trunk"]["ConvTranspose_0"]["kernel"]
  assert per.shape == (2, 4, 4, 32, 16)  # one 4x4 ConvT per generator
  assert "ConvTranspose_0" not in p["trunk"]
  x = g.apply({"params": p}, z)
  assert x.shape == (2, 3, 32, 32, 3)
  hp = p["heads"]
  h = jax.nn.relu(z @ hp["first_kernel"][1] + hp["first_bias"][1]).reshape(
      3, 4, 4, 32)
  mid = mk((0, 1)).apply(
      {"params": jax.tree.map(lambda a: a[1], p["unshared_trunk"])}, h)
  np.testing.assert_allclose(mk((1, 3)).apply({"params": p["trunk"]}, mid),
                             x[1], atol=1e-5)


def _matrix_with_spectrum(rng, rows, cols, spectrum):
  u, _ = np.linalg.qr(rng.normal(size=(rows, rows)))
  v, _ = np.linalg.qr(rng.normal(size=(cols, cols)))
  s = np.zeros((rows, cols))
  s[np.arange(len(spectrum)), np.arange(len(spectrum))] = spectrum
  return (u @ s @ v.T).astype(np.float32), u[:, 0], v[:, 0]


def test_spectral_norm_estimate_matches_svd_and_its_gradient():
  rng = np.random.default_rng(0)
  spectrum = [3.0, 1.5] + list(rng.uniform(0.1, 1.0, 14))
  w, u1, v1 = _matrix_with_spectrum(rng, 48, 16, spectrum)
  got = resnet.spectral_norm_estimate(jnp.asarray(w), power_iters=20)
  np.testing.assert_allclose(got, 3.0, rtol=1e-5)
  # d sigma_max / dW = u1 v1^T (u, v held fixed, as Miyato's update)
  grad = jax.grad(resnet.spectral_norm_estimate)(jnp.asarray(w), 20)
  np.testing.assert_allclose(grad, np.outer(u1, v1) * np.sign(u1 @ w @ v1),
                             atol=1e-4)
  # a conv kernel is read as [kh * kw * in, out]; random ones: from below
  k = np.asarray(jax.random.normal(jax.random.PRNGKey(3), (3, 3, 32, 64)))
  s_max = np.linalg.svd(k.reshape(-1, 64), compute_uv=False)[0]
  est = float(resnet.spectral_norm_estimate(jnp.asarray(k)))
  assert 0.9 * s_max < est <= s_max * (1 + 1e-5)


def test_sn_layers_divide_by_sigma_max():
  x = jax.random.normal(jax.random.PRNGKey(0), (2, 5, 5, 6))
  conv = resnet.SNConv(4, kernel_size=1, power_iters=50)
  p = conv.init(jax.random.PRNGKey(1), x)
  w = np.asarray(p["params"]["kernel"]).reshape(6, 4)
  want = np.asarray(x) @ (w / np.linalg.svd(w, compute_uv=False)[0])
  np.testing.assert_allclose(conv.apply(p, x), want, rtol=1e-4, atol=1e-5)
  dense = resnet.SNDense(3, power_iters=50)
  p = dense.init(jax.random.PRNGKey(2), x[:, 0, 0])
  w = np.asarray(p["params"]["kernel"])
  want = np.asarray(x[:, 0, 0]) @ (w / np.linalg.svd(w, compute_uv=False)[0])
  np.testing.assert_allclose(dense.apply(p, x[:, 0, 0]), want, rtol=1e-4,
                             atol=1e-5)


def test_resnet_plans_are_the_ldagan_tables():
  # Table 4 (CIFAR-10): G 4x4x256 and three blocks of 256; D 128 throughout
  assert resnet.generator_plan(32, 64) == (256, (256, 256, 256))
  assert resnet.discriminator_plan(32, 64) == (
      (128, True), (128, True), (128, False), (128, False))
  # Table 8 (CelebA 128): G 1024 -> 1024, 512, 256, 128, 64; D 64 .. 1024, 1024
  assert resnet.generator_plan(128, 64) == (1024, (1024, 512, 256, 128, 64))
  assert resnet.discriminator_plan(128, 64) == (
      (64, True), (128, True), (256, True), (512, True), (1024, True),
      (1024, False))
  with pytest.raises(ValueError, match="4 \\* 2\\^n"):
    resnet.generator_plan(28, 64)


def test_resnet_nets_shapes_and_table4_parameter_count():
  z = jnp.zeros((2, 128))
  g = resnet.ResNetGenerator(32, 3, width=64)
  g_params = jax.eval_shape(g.init, jax.random.PRNGKey(0), z)["params"]
  count = sum(math.prod(a.shape) for a in jax.tree.leaves(g_params))
  conv = lambda i, o, k: k * k * i * o + o
  block = 2 * (2 * 256) + 2 * conv(256, 256, 3)  # two BNs, two 3x3 convs
  want = (128 * 4096 + 4096) + 3 * block + 2 * 256 + conv(256, 3, 3)
  assert count == want
  g = resnet.ResNetGenerator(32, 3, width=8)
  x = jax.jit(g.apply)(jax.jit(g.init)(jax.random.PRNGKey(0), z), z)
  assert x.shape == (2, 32, 32, 3) and float(jnp.abs(x).max()) <= 1.0
  d = resnet.SNResNetDiscriminator(1, width=8)
  d_params = jax.jit(d.init)(jax.random.PRNGKey(1), jnp.zeros((2, 32, 32, 3)))
  out = jax.jit(d.apply)(
      d_params, jax.random.normal(jax.random.PRNGKey(2), (2, 32, 32, 3)))
  assert out.shape == (2, 1) and bool(jnp.all(jnp.isfinite(out)))



def _perturbed_init(module, x):
  """module's parameters for x plus N(0, 1) noise (a non-zero bias too)."""
  p = module.init(jax.random.PRNGKey(1), x)
  return jax.tree.map(
      lambda a: a + jax.random.normal(jax.random.PRNGKey(2), a.shape), p)


def assert_module_is(ours, ref, p, x, atol: float, grad_atol: float) -> None:
  """`ours` takes `ref`'s parameters p and computes its function: the same
  parameter shapes, outputs on x, and gradients in p and x."""
  shapes = lambda tree: jax.tree.map(jnp.shape, tree)
  assert shapes(ours.init(jax.random.PRNGKey(1), x)) == shapes(p)
  np.testing.assert_allclose(ours.apply(p, x), ref.apply(p, x), atol=atol)
  loss = lambda m: lambda p, x: jnp.sum(jnp.sin(m.apply(p, x)))
  g_ours = jax.grad(loss(ours), argnums=(0, 1))(p, x)
  g_ref = jax.grad(loss(ref), argnums=(0, 1))(p, x)
  for a, b in zip(jax.tree.leaves(g_ours), jax.tree.leaves(g_ref)):
    np.testing.assert_allclose(a, b, atol=grad_atol)


@pytest.mark.parametrize("shape", [(2, 7, 7, 5), (3, 4, 4, 3), (1, 5, 6, 2)])
def test_subpixel_conv_transpose_is_flax_conv_transpose(shape):
  x = jax.random.normal(jax.random.PRNGKey(0), shape)
  ref = nn.ConvTranspose(4, (4, 4), strides=(2, 2), padding="SAME")
  p = _perturbed_init(ref, x)
  assert_module_is(conv_layers.SubPixelConvTranspose(4), ref, p, x, atol=1e-5,
                   grad_atol=1e-4)


@pytest.mark.parametrize("kernel,shape", [(5, (2, 4, 4, 5)), (5, (1, 8, 5, 3)),
                                          (3, (2, 3, 3, 2)), (2, (1, 4, 4, 3)),
                                          (6, (1, 3, 4, 2))])
def test_strided_conv_transpose_is_flax_conv_transpose(kernel, shape):
  """LDAGAN ImageNet's 5x5 (and other) stride-2 'SAME' transposed convs
  through the drop-in: Flax's parameters, outputs and gradients."""
  x = jax.random.normal(jax.random.PRNGKey(0), shape)
  ref = nn.ConvTranspose(4, (kernel, kernel), strides=(2, 2), padding="SAME")
  p = _perturbed_init(ref, x)
  assert_module_is(conv_layers.StridedConvTranspose(4, kernel), ref, p, x,
                   atol=1e-4, grad_atol=1e-3)


@pytest.mark.parametrize("shape", [(2, 4, 4, 5), (3, 5, 7, 3), (1, 1, 2, 2)])
def test_upsample_conv_is_flax_conv_of_the_upsampled_input(shape):
  x = jax.random.normal(jax.random.PRNGKey(0), shape)
  ref = nn.Conv(4, (3, 3), padding="SAME")
  p = _perturbed_init(ref, x)
  ours = resnet.UpsampleConv(4)
  shapes = lambda tree: jax.tree.map(jnp.shape, tree)
  assert shapes(ours.init(jax.random.PRNGKey(1), x)) == shapes(p)
  up = lambda x: jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)  # nearest x2
  np.testing.assert_allclose(ours.apply(p, x), ref.apply(p, up(x)), atol=1e-5)
  loss = lambda f: lambda p, x: jnp.sum(jnp.sin(f(p, x)))
  g_ours = jax.grad(loss(ours.apply), argnums=(0, 1))(p, x)
  g_ref = jax.grad(loss(lambda p, x: ref.apply(p, up(x))), argnums=(0, 1))(p, x)
  for a, b in zip(jax.tree.leaves(g_ours), jax.tree.leaves(g_ref)):
    np.testing.assert_allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("cin", [6, 4])  # a width change: the 1x1 shortcut
def test_gen_res_block_is_the_upsample_then_conv_block(cin):
  """GenResBlock against a hand-written one (BN, ReLU, upsample, 3x3 conv,
  BN, ReLU, 3x3 conv; upsample, 1x1 conv) on the same parameters."""
  x = jax.random.normal(jax.random.PRNGKey(0), (3, 4, 4, cin))
  block = resnet.GenResBlock(4)
  p = _perturbed_init(block, x)["params"]
  up = lambda x: jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
  conv = lambda x, q: jax.lax.conv_general_dilated(
      x, q["kernel"], (1, 1), "SAME",
      dimension_numbers=("NHWC", "HWIO", "NHWC")) + q["bias"]

  def bn(x, q):  # batch statistics, as BatchStatNorm
    mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
    return (x - mean) / jnp.sqrt(var + 1e-5) * q["scale"] + q["bias"]

  h = conv(up(jax.nn.relu(bn(x, p["BatchStatNorm_0"]))), p["Conv_0"])
  h = conv(jax.nn.relu(bn(h, p["BatchStatNorm_1"])), p["Conv_1"])
  short = conv(up(x), p["Conv_2"]) if cin != 4 else up(x)
  assert ("Conv_2" in p) == (cin != 4)
  got = block.apply({"params": p}, x)
  np.testing.assert_allclose(got, h + short, atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("shape", [(2, 8, 8, 3), (3, 14, 14, 2), (2, 7, 7, 2)])
def test_space_to_depth_5x5_is_torch_padded_strided_conv(shape):
  x = jax.random.normal(jax.random.PRNGKey(0), shape)
  ours = conv_layers.SpaceToDepthConv(4, kernel_size=5)
  p = _perturbed_init(ours, x)
  w, b = p["params"]["kernel"], p["params"]["bias"]
  want = jax.lax.conv_general_dilated(  # torch Conv2d(k=5, s=2, p=2)
      x, w, (2, 2), ((2, 2), (2, 2)),
      dimension_numbers=("NHWC", "HWIO", "NHWC")) + b
  np.testing.assert_allclose(ours.apply(p, x), want, atol=1e-4)


@pytest.mark.parametrize("shape", [(2, 8, 8, 3), (3, 14, 14, 2), (2, 7, 7, 2)])
def test_space_to_depth_conv_is_flax_strided_conv(shape):
  x = jax.random.normal(jax.random.PRNGKey(0), shape)
  ref = nn.Conv(5, (4, 4), strides=(2, 2), padding="SAME")
  p = _perturbed_init(ref, x)
  ours = conv_layers.SpaceToDepthConv(5)
  assert (jax.tree.map(jnp.shape, ours.init(jax.random.PRNGKey(1), x))
          == jax.tree.map(jnp.shape, p))
  np.testing.assert_allclose(ours.apply(p, x), ref.apply(p, x), atol=1e-4)

  def penalty(m):  # the gradient penalty's second-order path
    def pen(p):
      g = jax.grad(lambda y: jnp.sum(jnp.tanh(m.apply(p, y))))(x)
      return jnp.sum((jnp.sqrt(jnp.sum(g**2, axis=(1, 2, 3))) - 1.0) ** 2)
    return jax.grad(pen)(p)

  for a, b in zip(jax.tree.leaves(penalty(ours)),
                  jax.tree.leaves(penalty(ref))):
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)


def test_dcgan_discriminator_spectral_norm():
  """Every conv kernel and the output kernel divided by their sigma_max:
  scaling a kernel leaves D's output unchanged (sigma scales with it), the
  parameter tree is the plain D's."""
  from gan_mixtures.nets import dcgan

  x = jax.random.normal(jax.random.PRNGKey(0), (3, 16, 16, 2))
  plain = dcgan.DCGANDiscriminator(1, width=4)
  sn = dcgan.DCGANDiscriminator(1, width=4, spectral_norm=True)
  params = plain.init(jax.random.PRNGKey(1), x)
  assert jax.tree.structure(params) == jax.tree.structure(
      sn.init(jax.random.PRNGKey(1), x))
  scaled = jax.tree_util.tree_map_with_path(
      lambda p, v: v * 7.0 if "kernel" in jax.tree_util.keystr(p) else v,
      params)
  np.testing.assert_allclose(sn.apply(scaled, x), sn.apply(params, x),
                             rtol=1e-4, atol=1e-5)
  assert not np.allclose(plain.apply(scaled, x), plain.apply(params, x))
  from configs import mmgan
  c = mmgan.get_config("mnist_a,author_code")
  assert c.model.d_spectral_norm and c.method.loss == "ns"
  assert (c.g_opt.lr, c.g_opt.b1, c.g_opt.b2) == (2e-4, 0.0, 0.9)


def test_population_statistics_make_samples_independent_of_the_batch():
  """With model.bn_sampling='population' every batch norm uses a fixed
  calibration draw's statistics: the first 4 of 400 samples are the 4
  samples drawn alone; with the batch's statistics they are not."""
  from configs import madgan
  from gan_mixtures import data as data_lib, methods
  from gan_mixtures.methods import base
  from gan_mixtures.nets import bn

  c = madgan.get_config("mnist_k4")
  assert c.model.bn_sampling == "population"  # the thesis code: eval mode
  c.data.source = "random"
  method = methods.make_method(c, data_lib.make_dataset(c.data))
  state = method.init(jax.random.PRNGKey(0), jnp.zeros((2, 32, 32, 1)))
  z = jax.random.normal(jax.random.PRNGKey(1), (400, c.model.z_dim))
  params = state.g.params
  calibrate = lambda: method.sample(state, jax.random.PRNGKey(base.BN_SEED),
                                    base.BN_CALIBRATION)
  g = lambda z: method.g_net.apply(params, z)  # [K, n, ...]
  small = jax.jit(lambda: bn.population_statistics(lambda: g(z[:4]),
                                                   calibrate))()
  large = jax.jit(lambda: bn.population_statistics(lambda: g(z), calibrate))()
  np.testing.assert_allclose(small, large[:, :4], rtol=1e-4, atol=1e-5)
  assert not np.allclose(g(z[:4]), g(z)[:, :4], atol=1e-3)
  x, aux = method.jitted_sample(state, jax.random.PRNGKey(2), n=8)
  assert x.shape[0] == 8 and np.isfinite(np.asarray(x)).all()
