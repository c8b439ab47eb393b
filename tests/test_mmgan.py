"""MMGAN: multi-set data, objective pieces, weights, sampling, component
accuracy, config checks, and a tiny train run on scikit-learn digits."""

import itertools
import json

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from configs import mmgan as mmgan_config
from gan_mixtures import data as data_lib
from gan_mixtures import methods, validation
from gan_mixtures.data import splits
from gan_mixtures.methods import mmgan
from gan_mixtures.metrics import components
from tests.helpers import SMALL_IMAGE, shrink


def tiny(variant="digits_a", **method):
  return shrink(mmgan_config.get_config(variant), SMALL_IMAGE, {
      "model.z_dim": 8, "method.classifier_hidden": 16,
      "method.per_component_batch": 4, "train.batch_size": 4,
      "train.num_steps": 4, "eval.num_samples": 64}, group="method", **method)


def build(c):
  ds = data_lib.make_dataset(c.data, seed=c.seed)
  return ds, methods.make_method(c, ds)


# ---- data -------------------------------------------------------------------
@pytest.mark.parametrize("case", ["A", "B", "C"])
def test_multi_set_batches_disjoint_and_labelled(case):
  c = tiny(f"digits_{case.lower()}")
  ds = data_lib.make_dataset(c.data)
  n = len(splits.CASES[case])
  x, y = ds.batch_with_labels(3, (2, 16))
  assert x.shape == (2, 16, n, 8, 8, 1) and y.shape == (2, 16, n)
  assert x.min() >= -1 and x.max() <= 1
  for i, s in enumerate(splits.CASES[case]):
    assert set(y[:, :, i].ravel()) <= set(s)
  # the sets' underlying examples are disjoint
  idx = [set(d.source._indices.tolist()) for d in ds.sets]
  for a, b in itertools.combinations(idx, 2):
    assert not a & b
  np.testing.assert_array_equal(ds.host_batch(3, (2, 16)), x)  # deterministic


def test_true_priors_by_hand():
  labels = np.repeat(np.arange(10), 10)  # 10 of every digit
  parts = splits.disjoint_class_splits(labels, splits.CASES["A"])
  p = splits.true_priors(labels, parts, splits.CASES["A"])
  # S1: 30 of {0,1,2} + 20 of {3..6} (each split 5/5); regions r1, r2, r3
  np.testing.assert_allclose(p, [[0.6, 0.0, 0.4], [0.0, 0.6, 0.4]])
  assert splits.region_order(2) == [(0,), (1,), (0, 1)]
  assert splits.region_order(3)[3:] == [(0, 2), (1, 2), (0, 1), (0, 1, 2)]


# ---- objective pieces -------------------------------------------------------
def test_component_ce_and_mixture_term_match_loops():
  rng = np.random.RandomState(0)
  k, m, n = 3, 5, 2
  logits = rng.randn(k, m, k).astype(np.float32)
  log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
  want = -np.mean([log_p[j, b, j] for j in range(k) for b in range(m)])
  np.testing.assert_allclose(mmgan.component_ce(jnp.asarray(logits)), want,
                             rtol=1e-5)
  alpha = rng.dirichlet(np.ones(k), n)
  terms = rng.randn(n, k)
  want = np.mean(
      [sum(alpha[i, j] * terms[i, j] for j in range(k)) for i in range(n)])
  np.testing.assert_allclose(mmgan.mixture_fake_term(alpha, terms), want,
                             rtol=1e-6)


def test_losses_shapes_and_alpha_on_simplex():
  c = tiny()
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  batch = jnp.asarray(ds.host_batch(0, (1, 4)))
  d_out, c_out = method.discriminate(state.d.params, batch[0])
  chex.assert_shape(d_out, (4, 2, 2))  # [B, set, D head]
  chex.assert_shape(c_out, (4, 2, 3))  # [B, set, K]
  fakes = method.all_components(state.g.params, jax.random.PRNGKey(1), 5)
  chex.assert_shape(fakes, (3, 5, 8, 8, 1))
  step = jax.jit(method.train_step)
  for i in range(3):
    state, metrics = step(state, batch, jax.random.PRNGKey(i))
  for v in metrics.values():
    chex.assert_shape(v, ())
    assert np.isfinite(v)
  alpha = np.asarray(method.alpha(state))
  chex.assert_shape(alpha, (2, 3))
  np.testing.assert_allclose(alpha.sum(1), 1.0, rtol=1e-6)
  assert (alpha > 0).all()
  assert not np.allclose(alpha, 1 / 3)  # omega was updated


def test_omega_gradient_moves_weight_to_the_fooling_component():
  c = tiny()
  _, method = build(c)
  omega = jnp.zeros((2, 3))
  opt = method.omega_tx.init(omega)
  # component 1 fools D_1 (log(1 - D) very negative) -> its weight grows
  log_1m_d = jnp.array([[-0.1, -3.0, -0.1], [-0.1, -0.1, -0.1]])
  for _ in range(20):
    omega, opt = method.omega_step(omega, opt, log_1m_d)
  alpha = np.asarray(jax.nn.softmax(omega, -1))
  assert alpha[0, 1] > alpha[0, 0] and alpha[0, 1] > alpha[0, 2]
  # equal terms: no change
  np.testing.assert_allclose(alpha[1], 1 / 3, atol=1e-6)


def test_fixed_weights_stay_true_priors_and_ema():
  c = tiny(fix_weights=True)
  c.train.ema_decay = 0.5
  c.train.ema_warmup = False
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  np.testing.assert_allclose(method.alpha(state), ds.priors, atol=1e-6)
  batch = jnp.asarray(ds.host_batch(0, (1, 4)))
  new, _ = jax.jit(method.train_step)(state, batch, jax.random.PRNGKey(0))
  np.testing.assert_array_equal(new.aux.omega, state.aux.omega)
  want = jax.tree.map(lambda e, p: 0.5 * e + 0.5 * p, state.g_ema_params,
                      new.g.params)
  chex.assert_trees_all_close(new.g_ema_params, want, rtol=1e-5, atol=1e-7)


def test_omega_waits_for_its_start_step():
  c = tiny(omega_start_step=2)
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  step = jax.jit(method.train_step)
  omegas = []
  for i in range(3):
    state, _ = step(state, jnp.asarray(ds.host_batch(i, (1, 4))),
                    jax.random.PRNGKey(i))
    omegas.append(np.asarray(state.aux.omega))
  np.testing.assert_array_equal(omegas[0], 0.0)  # steps 0, 1: not learned
  np.testing.assert_array_equal(omegas[1], 0.0)
  assert np.abs(omegas[2]).max() > 0  # step 2 on: Adam steps omega


@pytest.mark.parametrize("condition", ["batchnorm", "input"])
def test_conditional_generator_depends_on_the_component(condition):
  c = tiny()
  c.model.g_condition = condition
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  z = jax.random.normal(jax.random.PRNGKey(1), (6, c.model.z_dim))
  # perturbed: conditional batch norm starts with equal per-class gains
  leaves, tree = jax.tree.flatten(state.g.params)
  keys = jax.random.split(jax.random.PRNGKey(2), len(leaves))
  params = jax.tree.unflatten(tree, [
      p + 0.1 * jax.random.normal(k, p.shape) for p, k in zip(leaves, keys)])
  x = [method.generate(params, z, jnp.full(6, k)) for k in range(3)]
  chex.assert_shape(x, (6,) + ds.example_shape)
  assert float(jnp.abs(x[0] - x[1]).max()) > 1e-3  # same z, other component


def test_sampling_respects_alpha():
  c = tiny()
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  omega = jnp.log(jnp.array([[0.7, 0.1, 0.2], [0.05, 0.05, 0.9]]))
  state = state.replace(aux=state.aux.replace(omega=omega))
  for i, want in enumerate(np.exp(np.asarray(omega))):
    _, k = method.sample_sets(state, jax.random.PRNGKey(i), jnp.full(4000, i))
    share = np.bincount(np.asarray(k), minlength=3) / 4000
    np.testing.assert_allclose(share, want, atol=0.03)


# ---- component accuracy -----------------------------------------------------
def test_match_components_recovers_a_permutation():
  priors = np.array([[0.6, 0.0, 0.4], [0.0, 0.6, 0.4]])
  perm = np.array([2, 0, 1])
  alpha = priors[:, perm] + 0.02  # component k models region perm[k]
  np.testing.assert_array_equal(components.match_components(alpha, priors),
                                perm)


def test_component_accuracy_counts_labels_in_regions():
  region_classes = [(0, 1, 2), (7, 8, 9), (3, 4, 5, 6)]
  labels = {0: np.array([0, 1, 2, 7]), 1: np.array([8, 9]), 2: np.array([3, 0])}
  out = components.component_accuracy(labels, np.array([0, 1, 2]),
                                      region_classes, ["r1", "r2", "r3"])
  assert out["component_acc_per_region"] == {"r1": 0.75, "r2": 1.0, "r3": 0.5}
  np.testing.assert_allclose(out["component_acc"], 0.75)
  # union baseline: uniform labels hit 3/10, 3/10, 4/10 of the regions
  uniform = np.repeat(np.arange(10), 10)
  np.testing.assert_allclose(components.union_baseline(uniform, region_classes),
                             1 / 3)
  # what component 0 draws, region by region (counted by hand), sums to 1
  shares = components.region_shares(labels[0], region_classes + [()],
                                     ["r1", "r2", "r3", "r4"])
  assert shares == {"r1": 0.75, "r2": 0.25, "r3": 0.0}



def test_as_sets_imply_needs_content_and_users_to_agree():
  patterns, names = [(0,), (1,), (0, 1)], ["r1", "r2", "r3"]
  alpha = np.array([[0.5, 0.0, 0.5, 0.2], [0.0, 0.6, 0.4, 0.0]])  # [n=2, K=4]
  shares = {
      0: {"r1": 0.9, "r2": 0.0, "r3": 0.1},  # r1, used by S1 only: yes
      1: {"r1": 0.0, "r2": 0.5, "r3": 0.5},  # no region drawn clearly: no
      2: {"r1": 0.1, "r2": 0.1, "r3": 0.8},  # r3, used by S1 and S2: yes
      3: {"r1": 0.0, "r2": 0.1, "r3": 0.9},  # r3 but S1 alone uses it: no
  }
  got = components.as_sets_imply(alpha, shares, patterns, names)
  assert got == {0: "r1", 2: "r3"}


@pytest.mark.parametrize("case, want", [("A", 0.5), ("B", 0.25), ("C", 0.61)])
def test_random_baseline_is_table_2s(case, want):
  got = components.random_baseline(splits.CASES[case])
  np.testing.assert_allclose(got, want, atol=0.005)


# ---- config -----------------------------------------------------------------
@pytest.mark.parametrize("change, message", [
    (dict(num_components=1), "num_components"),
    (dict(num_components=5, fix_weights=True), "fix_weights"),
    (dict(omega_lr=0.0), "omega_lr"),
    (dict(omega_start_step=-1), "omega_start_step"),
])
def test_bad_config_is_a_clear_error(change, message):
  c = tiny(**change)
  with pytest.raises(validation.ConfigError, match=message):
    validation.validate_config(c, num_devices=1)


def test_needs_split_and_dcgan():
  c = tiny()
  c.data.split_case = ""
  with pytest.raises(validation.ConfigError, match="split_case"):
    validation.validate_config(c, num_devices=1)
  c = tiny()
  c.model.name = "mlp"
  with pytest.raises(validation.ConfigError, match="dcgan"):
    validation.validate_config(c, num_devices=1)
  c = tiny()
  c.model.g_condition = "film"
  with pytest.raises(validation.ConfigError, match="g_condition"):
    validation.validate_config(c, num_devices=1)
  with pytest.raises(ValueError, match="unknown data.split_case"):
    splits.resolve_label_sets("Z", ())


def test_every_variant_builds():
  for v in mmgan_config.VARIANTS:
    c = mmgan_config.get_config(v + ",fixed")
    validation.validate_config(c, num_devices=1)
    assert c.method.fix_weights and c.data.split_case == v[-1].upper()


# ---- Table 2's two readings, the loss, the refit of Eq. 11 -------------------

def test_omega_init_priors_starts_at_the_priors_and_moves():
  c = tiny(omega_init="priors")
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  np.testing.assert_allclose(method.alpha(state), ds.priors, atol=1e-6)
  step = jax.jit(method.train_step)
  for i in range(3):
    state, _ = step(state, jnp.asarray(ds.host_batch(i, (1, 4))),
                    jax.random.PRNGKey(i))
  assert float(jnp.abs(method.alpha(state) - ds.priors).max()) > 1e-4  # learned
  fixed = tiny(fix_weights=True)
  ds, method = build(fixed)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  for i in range(3):
    state, _ = jax.jit(method.train_step)(
        state, jnp.asarray(ds.host_batch(i, (1, 4))), jax.random.PRNGKey(i))
  np.testing.assert_allclose(method.alpha(state), ds.priors, atol=1e-6)  # kept


def test_default_g_loss_is_the_papers_log_one_minus_d():
  assert mmgan_config.get_config("mnist_a").method.loss == "minimax"
  assert mmgan_config.get_config("mnist_a,ns").method.loss == "ns"
  c = tiny()
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  rng = jax.random.PRNGKey(3)
  alpha = method.alpha(state)
  loss, aux = method.g_loss(state.g.params, state.d.params, alpha, rng)
  fake = method.all_components(state.g.params, rng,
                               c.method.per_component_batch)
  d_fake, c_fake = method.discriminate(state.d.params, fake)
  log_1m_d = np.asarray(jax.nn.log_sigmoid(-d_fake)).mean(1).T  # [n, K]
  want = np.mean(np.sum(np.asarray(alpha) * log_1m_d, 1))
  want += c.method.disjoint_weight * float(mmgan.component_ce(c_fake))
  np.testing.assert_allclose(loss, want, rtol=1e-5)


def test_refit_leaves_g_untouched_and_reports_eq11():
  from experiments import analysis

  c = tiny()
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  before = jax.device_get(state.g.params)
  out = analysis.refit_objective(method, state, steps=3,
                                 rng=jax.random.PRNGKey(1), eval_batches=2)
  chex.assert_trees_all_equal(jax.device_get(state.g.params), before)
  assert out["objective"] == pytest.approx(out["V"] + 0.5 * out["ce"])
  assert np.isfinite(out["V"]) and out["refit_steps"] == 3


def test_sgd_omega_and_the_alpha_trajectory_in_the_diagnostics():
  c = tiny(omega_optimizer="sgd", omega_lr=0.5)
  c.eval.classifier_metrics = False
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  diag = method.periodic_metrics(state, jax.random.PRNGKey(0))
  assert diag["alpha_0_0"] == pytest.approx(1 / method.k)
  assert len([k for k in diag if k.startswith("alpha_")]) == method.n * method.k


def test_a_run_draws_its_alpha_trajectory(tmp_path):
  from gan_mixtures import train

  c = tiny(omega_optimizer="sgd", omega_lr=0.5)
  c.eval.classifier_metrics = False
  c.train.log_every = 2
  c.checkpoint.every_steps = 4
  train.train_and_evaluate(c, str(tmp_path))
  lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
  rows = [r for r in map(json.loads, lines) if "diag/alpha_0_0" in r]
  assert [r["step"] for r in rows] == [2, 4]  # every set's weights, per log
  assert (tmp_path / "samples" / "step_4_alpha.png").stat().st_size > 5_000


def test_component_acc_without_its_classifier_names_the_command(tmp_path):
  from gan_mixtures import evaluators

  c = tiny()
  c.eval.classifier_dir = str(tmp_path / "none")
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  regions = evaluators.Regions(c, ds, evaluators.Shared(c))
  with pytest.raises(FileNotFoundError, match="train_classifier"):
    regions.metrics(method, state, jax.random.PRNGKey(1))


def test_component_acc_of_an_untrained_g_comes_with_its_realism():
  """An untrained G draws noise; component_acc still labels it, so the same
  output carries the realism of those samples (the classifier's confidence
  and the components' domain FID against real digits), which marks it."""
  from gan_mixtures import eval_setup, evaluators

  c = tiny()
  ds, method = build(c)
  eval_setup.ensure_classifier(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  out = evaluators.metrics(evaluators.from_config(c, ds, method), method,
                          state, jax.random.PRNGKey(1))
  assert "component_acc" in out
  for key in ("component_digit_acc", "component_confidence",
              "component_fid_domain"):
    assert np.isfinite(out[key]), key
  assert out["component_fid_domain"] > 100.0  # real digits against real: ~0
  assert out["component_confidence"] < 0.6  # a trained G: near 1


@pytest.mark.parametrize("loss,lam", [("minimax", 1.0), ("ns", 0.0)])
def test_term_gradient_norms_split_g_loss_gradient(loss, lam):
  """The two norms are those of the adversarial and lambda x CE gradients,
  which add up to g_loss's gradient; lambda = 0 gives a CE norm of 0."""
  c = tiny(loss=loss, disjoint_weight=lam)
  ds, method = build(c)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  rng, alpha = jax.random.PRNGKey(3), method.alpha(state)
  got = method.term_gradient_norms(state, rng)
  g, d = state.g.params, state.d.params
  adv = jax.grad(lambda p: method.g_terms(p, d, alpha, rng)[0])(g)
  ce = jax.grad(lambda p: lam * method.g_terms(p, d, alpha, rng)[1])(g)
  total = jax.grad(lambda p: method.g_loss(p, d, alpha, rng)[0])(g)
  norm = lambda t: np.sqrt(sum(float(np.sum(np.square(x)))
                               for x in jax.tree.leaves(t)))
  np.testing.assert_allclose(got["g_adv_grad_norm"], norm(adv), rtol=1e-4)
  np.testing.assert_allclose(got["g_ce_grad_norm"], norm(ce), rtol=1e-4,
                             atol=1e-12)
  chex.assert_trees_all_close(jax.tree.map(jnp.add, adv, ce), total,
                              rtol=1e-4, atol=1e-7)
  assert got["g_adv_grad_norm"] > 0
  assert (got["g_ce_grad_norm"] == 0) == (lam == 0)
