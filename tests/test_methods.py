"""Every method: init, one jitted train step (finite, right shapes), sample."""

import chex
import jax
import numpy as np
import pytest
from absl.testing import parameterized

from gan_mixtures import data as data_lib
from gan_mixtures import methods
from gan_mixtures.kernels import sgmm
from tests.helpers import tiny_config

CASES = [
    ("vanilla", "grid25,ns"),
    ("vanilla", "grid25,minimax"),
    ("vanilla", "ring8,hinge"),
    ("vanilla", "spiral,wgan_gp"),
    ("mdgan", "grid25"),
    ("mdgan", "ring8"),
    ("ldagan", "ring8"),
    ("ldagan", "lda_mixture"),
    ("hmegan", "spiral"),
    ("hmegan", "grid25,me"),
    ("hmegan", "spiral,constant"),
    ("madgan", "spiral"),
    ("mgan", "grid25"),
    ("megan", "ring8"),
]


def _build(kind, variant):
  c = tiny_config(kind, variant)
  ds = data_lib.make_dataset(c.data)
  return c, ds, methods.make_method(c, ds)


class MethodTest(parameterized.TestCase):

  @parameterized.parameters(*CASES)
  def test_train_step_and_sample(self, kind, variant):
    c, ds, method = _build(kind, variant)
    rng = jax.random.PRNGKey(0)
    state = method.init(rng, ds.sample(rng, (2,)))
    batch = ds.sample(rng, (c.train.n_disc, c.train.batch_size))
    new_state, metrics = jax.jit(method.train_step)(state, batch, rng)
    chex.assert_tree_all_finite(metrics)
    chex.assert_tree_all_finite(
        (new_state.g.params, new_state.d.params, new_state.g_ema_params)
    )
    assert int(new_state.step) == 1
    for key in ("d_loss", "g_loss", "d_grad_norm", "g_grad_norm"):
      assert key in metrics
    # Both players moved.
    for old, new in ((state.g.params, new_state.g.params),
                     (state.d.params, new_state.d.params)):
      diffs = jax.tree.map(lambda a, b: float(np.abs(a - b).max()), old, new)
      assert max(jax.tree.leaves(diffs)) > 0
    chex.assert_trees_all_equal_shapes(
        (state.g.params, state.d.params),
        (new_state.g.params, new_state.d.params)
    )
    x, aux = method.sample(new_state, rng, 7)
    chex.assert_shape(x, (7, 2))
    if kind == "mdgan":
      chex.assert_shape(aux["component"], (7,))
      assert int(aux["component"].max()) < c.method.n_gmm
    if kind == "hmegan":
      leaves = (2**c.method.depth if c.method.gate == "hme"
                else c.method.num_leaves)
      chex.assert_shape(aux["gates"], (7, leaves))
      np.testing.assert_allclose(aux["gates"].sum(-1), 1.0, rtol=1e-5)
    if kind == "ldagan":
      chex.assert_shape(aux["component"], (7,))
      sm = method.state_metrics(new_state)
      assert (len(sm["alpha"]) == 8
              and abs(sum(sm["alpha_normalised"]) - 1) < 1e-5)
      assert float(new_state.aux.alpha.min()) >= c.method.alpha_min
      assert 0 < float(metrics["estep_iters"]) <= c.method.estep_max_iters


class JitConsistencyTest(chex.TestCase):

  @chex.variants(with_jit=True, without_jit=True)
  def test_mdgan_step_same_with_and_without_jit(self):
    c, ds, method = _build("mdgan", "grid25")
    rng = jax.random.PRNGKey(4)
    state = method.init(rng, ds.sample(rng, (2,)))
    batch = ds.sample(rng, (1, c.train.batch_size))
    new, metrics = self.variant(method.train_step)(state, batch, rng)
    ref, ref_metrics = jax.jit(method.train_step)(state, batch, rng)
    chex.assert_trees_all_close(new.g.params, ref.g.params, rtol=1e-5,
                                atol=1e-6)
    # the grad norms sum many squares: fused (jit) vs op-by-op order, 1e-5
    chex.assert_trees_all_close(metrics, ref_metrics, rtol=1e-4, atol=1e-6)


def test_n_disc_runs_several_d_steps():
  c, ds, method = _build("vanilla", "grid25,wgan_gp")
  assert c.train.n_disc == 5
  rng = jax.random.PRNGKey(1)
  state = method.init(rng, ds.sample(rng, (2,)))
  batch = ds.sample(rng, (5, c.train.batch_size))
  new_state, _ = jax.jit(method.train_step)(state, batch, rng)
  assert int(new_state.d.step) == 5 and int(new_state.g.step) == 1


def test_ema_tracks_generator():
  c, ds, method = _build("vanilla", "grid25")
  c.train.ema_decay = 0.9
  c.train.ema_warmup = False  # the plain formula (the warm-up: test_eval_setup)
  rng = jax.random.PRNGKey(2)
  state = method.init(rng, ds.sample(rng, (2,)))
  batch = ds.sample(rng, (1, c.train.batch_size))
  new, _ = method.train_step(state, batch, rng)
  want = jax.tree.map(lambda e, p: 0.9 * e + 0.1 * p, state.g_ema_params,
                      new.g.params)
  chex.assert_trees_all_close(new.g_ema_params, want, rtol=1e-5, atol=1e-7)


def test_mdgan_losses_match_formula():
  c, ds, method = _build("mdgan", "grid25")
  rs = np.random.RandomState(0)
  real_out = rs.randn(16, method.embed_dim).astype(np.float32)
  fake_out = rs.randn(16, method.embed_dim).astype(np.float32)
  means = sgmm.simplex_vertices(method.embed_dim)

  def lk(out):
    e = 5.0 / (1 + np.exp(-out.astype(np.float64))) - 2.5
    sq = ((e[:, None] - means[None]) ** 2).sum(-1)
    d = means.shape[1]
    return np.mean(np.exp(-sq / (2 * 0.25)), 1) / (2 * np.pi * 0.25) ** (d / 2)

  lam = sgmm.max_likelihood(means, 0.25)
  want_d = -(np.mean(np.log(lk(real_out) + 1e-8))
             + np.mean(np.log(lam - lk(fake_out) + 1e-8)))
  got_d, _ = method.d_objective(real_out, fake_out)
  np.testing.assert_allclose(got_d, want_d, rtol=1e-5)
  got_g, _ = method.g_objective(fake_out)
  np.testing.assert_allclose(got_g, np.mean(np.log(lam - lk(fake_out) + 1e-8)),
                             rtol=1e-5)
  c.method.g_loss = "ns"
  got_ns, _ = method.g_objective(fake_out)
  np.testing.assert_allclose(got_ns, -np.mean(np.log(lk(fake_out) + 1e-8)),
                             rtol=1e-5)


def test_mdgan_embedding_bounded_and_lambda_positive_gap():
  _, _, method = _build("mdgan", "grid25")
  e = method.embed(jax.numpy.asarray([[-1e4, 0.0, 1e4] * 3]))
  assert float(e.max()) <= 2.5 and float(e.min()) >= -2.5
  # At the maximiser the gap lambda - lk is clipped at 0, never negative.
  assert float(
      method.fake_gap(jax.numpy.asarray([method.lam * 1.0001]))[0]) == 0.0


@pytest.mark.parametrize(
    "kind,key,value,match",
    [
        ("mdgan", "n_gmm", 1, "n_gmm"),
        ("mdgan", "var", 0.0, "var"),
        ("mdgan", "g_loss", "foo", "g_loss"),
        ("vanilla", "loss", "lsgan", "loss"),
        ("ldagan", "d_fakes", "some", "d_fakes"),
        ("ldagan", "alpha_init", 0.0, "alpha_init"),
        ("ldagan", "loss", "wgan_gp", "ldagan losses"),
        ("hmegan", "gate", "tree", "gate"),
        ("hmegan", "depth", 0, "depth"),
    ],
)
def test_method_config_validation(kind, key, value, match):
  c = tiny_config(kind)
  setattr(c.method, key, value)
  with pytest.raises(ValueError, match=match):
    methods.get_method_class(kind).validate_config(c)


def test_unknown_method():
  with pytest.raises(ValueError, match="unknown method"):
    methods.get_method_class("bigan")


def test_ldagan_generators_share_all_but_the_first_layer():
  c, ds, method = _build("ldagan", "ring8")
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(2))
  p = state.g.params["params"]
  assert p["first_kernel"].shape == (8, c.model.z_dim, c.model.g_hidden[0])
  x = method.all_generators(state.g.params, jax.numpy.ones((3, c.model.z_dim)))
  chex.assert_shape(x, (8, 3, 2))
  assert float(jax.numpy.abs(x[0] - x[1]).max()) > 0  # different generators


def test_ldagan_estep_delay_keeps_omega_uniform():
  c = tiny_config("ldagan", "ring8")
  c.method.estep_start_step = 5
  ds = data_lib.make_dataset(c.data)
  method = methods.make_method(c, ds)
  critic = jax.random.normal(jax.random.PRNGKey(1), (8, 4)) * 3
  alpha = jax.numpy.full(8, 2.0)
  omega, gamma, _, _ = method.e_step(critic, alpha, jax.numpy.asarray(0))
  np.testing.assert_allclose(omega, 1 / 8, rtol=1e-6)
  omega, _, _, _ = method.e_step(critic, alpha, jax.numpy.asarray(5))
  assert float(omega.max()) > 0.2


def test_ldagan_per_generator_sampling_and_ancestral_d_fakes():
  c, ds, method = _build("ldagan", "ring8")
  c.method.sample_mode = "per_generator"
  c.method.d_fakes = "ancestral"
  rng = jax.random.PRNGKey(3)
  state = method.init(rng, ds.example_batch(2))
  x, aux = method.sample(state, rng, 16)
  # balanced over the generators, in random order
  np.testing.assert_array_equal(np.bincount(np.asarray(aux["component"])),
                                [2] * 8)
  batch = ds.sample(rng, (1, c.train.batch_size))
  new, metrics = jax.jit(method.train_step)(state, batch, rng)
  chex.assert_tree_all_finite(metrics)


def test_ldagan_estep_delay_in_epochs():
  from configs import ldagan

  c = ldagan.get_config("cifar10")
  c.data.source = "random"  # 1,024 images: 16 steps of 64 an epoch
  ds = data_lib.make_dataset(c.data)
  method = methods.make_method(c, ds)
  assert method.estep_start == 100 * (1024 // 64)  # Appendix E: 100 epochs


def test_ldagan_hinge_needs_the_sigmoid_critic_asked_for():
  from configs import ldagan
  from gan_mixtures import validation

  c = ldagan.get_config("cifar10_resnet")
  c.method.loss = "hinge"
  with pytest.raises(validation.ConfigError, match="sigmoid_critic"):
    validation.validate_config(c, num_devices=1)
  c = ldagan.get_config("cifar10_resnet,reference_code")
  validation.validate_config(c, num_devices=1)
  assert c.method.estep_likelihood == "sigmoid_critic" and c.train.n_disc == 4


def test_ldagan_reference_code_g_loss_gives_each_generator_one_kth():
  """solver.py: w_G = w / w.sum(axis=0): every generator's weights over the
  batch sum to 1 (then / K); Eq. 9's omega / M weighs generators by their
  responsibility."""
  from gan_mixtures.methods import ldagan as ldagan_method

  omega = jax.nn.softmax(jax.random.normal(jax.random.PRNGKey(0), (12, 5)) * 2)
  ref = ldagan_method.g_loss_weights(omega, "per_generator")
  np.testing.assert_allclose(ref.sum(0), 1 / 5, rtol=1e-6)
  w = np.asarray(omega)
  np.testing.assert_allclose(ref, w / w.sum(0) / 5, rtol=1e-6)
  paper = ldagan_method.g_loss_weights(omega, "omega")
  np.testing.assert_allclose(paper, w / 12, rtol=1e-6)
  assert np.ptp(np.asarray(paper.sum(0))) > 1e-3  # not 1/K each


def test_ldagan_reference_code_carries_the_reference_settings():
  from configs import ldagan

  c = ldagan.get_config("cifar10_resnet,reference_code")
  mc = c.method
  assert (mc.loss, c.train.n_disc, mc.alpha_init, mc.g_weighting) == (
      "hinge", 4, 1.0, "per_generator")
  assert mc.estep_warm_start and mc.d_fakes_per_generator == 6
  assert (c.g_opt.lr, c.g_opt.b1, c.g_opt.b2, mc.alpha_lr) == (
      2e-4, 0.5, 0.999, 2e-4)
  assert ldagan.get_config("cifar10").method.alpha_lr == 1e-4  # G's lr
  assert ldagan.get_config("cifar10_resnet").method.alpha_lr == 2e-4


def test_ldagan_warm_start_carries_omega_between_steps():
  c, ds, method = _build("ldagan", "ring8")
  c.method.estep_warm_start = True
  method = methods.make_method(c, ds)
  rng = jax.random.PRNGKey(0)
  state = method.init(rng, ds.example_batch(2))
  np.testing.assert_allclose(state.aux.omega, 1 / 8)
  batch = ds.sample(rng, (1, c.train.batch_size))
  new, metrics = jax.jit(method.train_step)(state, batch, rng)
  assert new.aux.omega.shape == (c.method.fakes_per_generator, 8)
  assert float(jax.numpy.abs(new.aux.omega - 1 / 8).max()) > 1e-3
  assert float(metrics["estep_residual"]) < c.method.estep_tol


def test_ldagan_minimax_g_terms_are_log_one_minus_d():
  c, ds, method = _build("ldagan", "ring8")
  c.method.loss = "minimax"
  critic = jax.numpy.asarray([[-1.0, 0.5], [2.0, 0.0]])
  want = np.log1p(np.exp(np.asarray(critic)))  # -log(1 - sigmoid)
  np.testing.assert_allclose(method.log_likelihood_terms(critic), want,
                             rtol=1e-5)
