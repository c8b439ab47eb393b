"""HME-GAN analysis: node soft counts and pictures of a trained workdir."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments import analysis
from gan_mixtures import train
from gan_mixtures.nets.mixture import GatedLeaves
from gan_mixtures.nets.mlp import MLPTrunk
from tests.helpers import run_module, tiny_config


def test_analyse_consistency():
  c = tiny_config("hmegan", "grid25")
  exp = train.build_experiment(c)
  state = exp.init_state()
  a = jax.device_get(analysis.hme_analysis(exp.method, state,
                                           jax.random.PRNGKey(0), 300))
  assert a["soft_counts"].shape == (300, 15)  # depth 3: 7 internal + 8 leaves
  np.testing.assert_allclose(a["soft_counts"][:, -8:], a["gates"], rtol=1e-5,
                             atol=1e-6)
  np.testing.assert_allclose(a["node_means"][0], a["samples"].mean(0),
                             rtol=1e-4, atol=1e-5)
  assert a["gate_cov"].shape == (8, 8) and a["top_samples"].shape == (8, 5, 2)
  # the top sample of a leaf is the one whose gate for that leaf is largest
  best = np.argmax(a["gates"][:, 3])
  np.testing.assert_allclose(a["top_samples"][3, 0], a["samples"][best])


def test_analyze_cli_writes_pictures(tmp_path):
  train.train_and_evaluate(tiny_config("hmegan", "spiral", num_steps=10),
                           str(tmp_path))
  proc = run_module("experiments.analyze", f"--workdir={tmp_path}",
                    "--num_samples=500")
  assert proc.returncode == 0, proc.stderr[-3000:]
  out = tmp_path / "analysis"
  for name in ("node_regions.png", "gate_cov.png", "gate_cov.npy",
               "top_per_leaf.png"):
    assert (out / name).exists(), name
  assert np.load(out / "gate_cov.npy").shape == (8, 8)


def test_2d_mixture_is_the_first_layer_or_the_sample():
  c = tiny_config("hmegan", "spiral")  # g_hidden (16, 16)
  exp = train.build_experiment(c)
  state = exp.init_state()
  params = state.g.params["params"]
  z = exp.method.noise(jax.random.PRNGKey(0), 50)
  x, info = exp.method.sample(state, jax.random.PRNGKey(0), 50, use_ema=False)
  h, gates = GatedLeaves("hme", 8, "linear", 16).apply(
      {"params": params["GatedLeaves_0"]}, z)
  want = MLPTrunk((16,), 2).apply({"params": params["trunk"]}, h)
  np.testing.assert_allclose(x, want, rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(info["gates"], gates, rtol=1e-6)
  c = tiny_config("hmegan", "spiral,direct")
  c.model.g_hidden = ()  # tiny_config's small nets would override 'direct'
  exp = train.build_experiment(c)
  state = exp.init_state()
  x, info = exp.method.sample(state, jax.random.PRNGKey(0), 50, use_ema=False)
  h, _ = GatedLeaves("hme", 8, "linear", 2).apply(
      {"params": state.g.params["params"]["GatedLeaves_0"]},
      exp.method.noise(jax.random.PRNGKey(0), 50))
  np.testing.assert_allclose(x, h, rtol=1e-6)
  assert not jnp.isnan(x).any()


def test_gate_init_std_sets_the_initial_sharpness_of_the_gates():
  z = jax.random.normal(jax.random.PRNGKey(1), (2000, 2))

  def mean_max_gate(std: float) -> float:
    net = GatedLeaves("hme", 8, "linear", 4, gate_init_std=std)
    params = net.init(jax.random.PRNGKey(0), z)
    return float(net.apply(params, z)[1].max(-1).mean())

  np.testing.assert_allclose(mean_max_gate(0.0), 1 / 8, rtol=1e-6)  # uniform
  soft, sharp = mean_max_gate(1.0), mean_max_gate(10.0)
  assert 1 / 8 < soft < sharp and sharp > 0.8, (soft, sharp)
  c = tiny_config("hmegan", "spiral")
  c.method.gate_init_std = -1.0
  with pytest.raises(ValueError, match="gate_init_std"):
    train.build_experiment(c)


def _image_generator(variant: str):
  """The built image G of hmegan.py:<variant> (random images of its shape)
  and its initial parameters."""
  from configs import hmegan
  from gan_mixtures import data as data_lib, methods

  c = hmegan.get_config(variant)
  c.data.source = "random"
  method = methods.make_method(c, data_lib.make_dataset(c.data))
  z = method.noise(jax.random.PRNGKey(0), 2000)
  return c, method, method.mixture.init(jax.random.PRNGKey(1), z[:2]), z


@pytest.mark.parametrize("variant", ["mnist_hme_5", "mnist_hme_l4",
                                     "mnist_me_32", "mnist_me_l16"])
def test_image_gates_start_soft_as_the_thesis_code(variant):
  """z in R^100: with the 2D std 1.0 the largest gate averaged 0.8; the
  thesis code's inits (HME std 1 / sqrt(100), ME Xavier) start soft."""
  c, method, params, z = _image_generator(variant)
  leaves = params["params"]["GatedLeaves_0"]
  w = leaves["node_w"] if c.method.gate == "hme" else leaves["gate_w"]
  want = 0.1 if c.method.gate == "hme" else np.sqrt(2 / (100 + w.shape[0]))
  assert abs(float(jnp.std(w)) - want) < 0.15 * want
  gates = jax.jit(leaves_apply(method))(params, z)
  assert float(gates.max(-1).mean()) < 0.5
  if c.method.leaf == "linear":
    assert float(jnp.abs(leaves["leaf_bias"]).max()) == 0.0
  from configs import hmegan
  assert hmegan.get_config("spiral").method.gate_init_std == 1.0  # 2D: kept


def leaves_apply(method):
  return lambda p, z: method.gated_leaves.apply(
      {"params": p["params"]["GatedLeaves_0"]}, z)[1]


def test_no_activation_between_the_image_mixture_and_the_trunk():
  """The thesis code's MixtureDecoder: mixture -> view -> ConvTranspose2d.
  The trunk's input is the mixture output, negative values included."""
  from gan_mixtures.nets.mixture import MapTrunk

  h = jnp.linspace(-1.0, 1.0, 2 * 4 * 4 * 3).reshape(2, 48)
  out = MapTrunk((4, 4, 3), lambda x: x).apply({}, h)
  np.testing.assert_array_equal(out, h.reshape(2, 4, 4, 3))
  assert float(out.min()) < 0


@pytest.mark.parametrize("variant", ["mnist_hme_5", "mnist_me_32"])
def test_built_image_g_feeds_the_mixture_to_its_first_conv_unchanged(variant):
  """End to end on the built hme / me image G: the first transposed conv's
  input is the gated leaves' output reshaped, negatives kept (no ReLU)."""
  import flax.linen as nn

  _, method, params, z = _image_generator(variant)
  seen = []

  def record(next_fun, args, kwargs, context):
    if (context.method_name == "__call__" and not seen
        and type(context.module).__name__.endswith("ConvTranspose")):
      seen.append(args[0])
    return next_fun(*args, **kwargs)

  with nn.intercept_methods(record):
    method.mixture.apply(params, z[:4])
  h = method.gated_leaves.apply(
      {"params": params["params"]["GatedLeaves_0"]}, z[:4])[0]
  assert seen, "no ConvTranspose in the built G"
  np.testing.assert_allclose(seen[0].reshape(4, -1), h, rtol=1e-6, atol=1e-6)
  assert float(seen[0].min()) < 0


def test_thesis_presets_initialise_as_the_code():
  """Conv / transposed-conv kernels N(0, 0.02) in G and D; the baselines' K
  first layers He normal (std sqrt(2 / 100))."""
  from configs import mgan
  from gan_mixtures import data as data_lib, methods

  c = mgan.get_config("mnist_k4")
  c.data.source = "random"
  method = methods.make_method(c, data_lib.make_dataset(c.data))
  state = method.init(jax.random.PRNGKey(0), jnp.zeros((2, 32, 32, 1)))
  g = jax.tree_util.tree_flatten_with_path(state.g.params)[0]
  first = [v for p, v in g if "first_kernel" in jax.tree_util.keystr(p)][0]
  assert abs(float(jnp.std(first)) - np.sqrt(2 / 100)) < 0.01
  convs = [v for p, v in g if "ConvTranspose" in jax.tree_util.keystr(p)
           and "kernel" in jax.tree_util.keystr(p)]
  assert convs and all(abs(float(jnp.std(v)) - 0.02) < 0.003 for v in convs)
  d = jax.tree_util.tree_flatten_with_path(state.d.params)[0]
  d_convs = [v for p, v in d if "Conv_" in jax.tree_util.keystr(p)
             and "kernel" in jax.tree_util.keystr(p)]
  assert d_convs and all(abs(float(jnp.std(v)) - 0.02) < 0.003
                         for v in d_convs)
