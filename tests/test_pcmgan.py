"""PCM GAN and GM-GAN: weighted consistency, clustering scores, the four
updates, responsibilities, interpolation, configs."""

import itertools
import sys

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from configs import gmgan as gmgan_config
from configs import pcmgan as pcmgan_config
from configs import variants
from gan_mixtures import data as data_lib
from gan_mixtures import methods, validation
from gan_mixtures.kernels import gmm, pcm
from gan_mixtures.methods import pcmgan
from gan_mixtures.metrics import clustering
from tests.helpers import SMALL_IMAGE, shrink


def tiny(module=pcmgan_config, variant="digits", **method):
  # d_norm none: the per-example loops below need no batch statistics in D
  return shrink(module.get_config(variant), SMALL_IMAGE, {
      "model.d_norm": "none", "model.z_dim": 6, "method.num_gaussians": 4,
      "train.batch_size": 4}, group="method", **method)


def build(c):
  ds = data_lib.make_dataset(c.data, seed=c.seed)
  method = methods.make_method(c, ds)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  return ds, method, state


# ---- kernel: weighted pairs --------------------------------------------------
def test_weighted_joint_matches_brute_force_and_drops_zero_weights():
  rng = np.random.RandomState(0)
  p, q = rng.dirichlet(np.ones(3), 6), rng.dirichlet(np.ones(3), 6)
  w = rng.rand(6)
  want = sum(w[b] * np.outer(p[b], q[b]) for b in range(6)) / w.sum()
  np.testing.assert_allclose(gmm.joint_distribution(p, q, w),
                             (want + want.T) / 2, rtol=1e-5)
  np.testing.assert_allclose(gmm.joint_distribution(p, q, np.ones(6)),
                             gmm.joint_distribution(p, q), rtol=1e-6)
  w0 = np.array([1, 1, 0, 1, 0, 0.0])
  keep = w0 > 0
  for kind in gmm.CONSISTENCY:
    np.testing.assert_allclose(gmm.consistency(p, q, kind, w0),
                               gmm.consistency(p[keep], q[keep], kind),
                               rtol=1e-5)


def test_weighted_pairs_layout():
  q_real = jnp.array([[0.9, 0.1], [0.2, 0.8]])
  q_fake = jnp.arange(8.0).reshape(2, 2, 2)
  p, q, w = pcm.weighted_pairs(q_real, q_fake)
  np.testing.assert_allclose(p,
                             [[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.2, 0.8]])
  np.testing.assert_allclose(q, np.arange(8.0).reshape(4, 2))
  np.testing.assert_allclose(w, [0.9, 0.1, 0.2, 0.8])


# ---- clustering scores -------------------------------------------------------
def test_cluster_accuracy_equals_best_permutation():
  rng = np.random.RandomState(1)
  labels = rng.randint(0, 4, 300)
  clusters = np.where(rng.rand(300) < 0.7, (labels + 1) % 4,
                      rng.randint(0, 4, 300))
  best = max(np.mean(np.asarray(perm)[clusters] == labels)
             for perm in itertools.permutations(range(4)))
  np.testing.assert_allclose(clustering.cluster_accuracy(labels, clusters),
                             best)
  assert clustering.cluster_accuracy(labels, (labels + 2) % 4) == 1.0


def test_nmi_matches_sklearn():
  rng = np.random.RandomState(2)
  labels = rng.randint(0, 5, 500)
  clusters = np.where(rng.rand(500) < 0.5, labels, rng.randint(0, 7, 500))
  np.testing.assert_allclose(clustering.nmi(labels, clusters),
                             normalized_mutual_info_score(labels, clusters),
                             rtol=1e-10)
  np.testing.assert_allclose(clustering.nmi(labels, labels), 1.0)


# ---- the method --------------------------------------------------------------
@pytest.mark.parametrize("variant", [
    "digits", "digits,separate", "digits,js", "digits,no_pcm",
    "digits,d_per_component", "digits,separate,d_per_component,xz_prior_none",
])
def test_pcm_step_finite_and_moves_every_part(variant):
  c = tiny(variant=variant)
  ds, method, state = build(c)
  batch = jnp.asarray(ds.host_batch(0, (1, 4)))
  new, metrics = jax.jit(method.train_step)(state, batch, jax.random.PRNGKey(1))
  for v in metrics.values():
    chex.assert_shape(v, ())
    assert np.isfinite(v)
  assert ("c_xz_loss" in metrics) == ("no_pcm" not in variant)
  assert ("c_xx_loss" in metrics) == ("no_pcm" not in variant)
  moved = lambda a, b: not all(np.array_equal(x, y) for x, y in zip(
      jax.tree.leaves(a), jax.tree.leaves(b)))
  assert moved(new.g.params, state.g.params)
  assert moved(new.d.params, state.d.params)
  assert moved(new.aux.prior.params, state.aux.prior.params)
  if "separate" in variant:
    assert moved(new.aux.c_params, state.aux.c_params)
  r = method.responsibilities(new, ds.example_batch(7))
  chex.assert_shape(r, (7, 4))
  np.testing.assert_allclose(r.sum(1), 1.0, rtol=1e-5)


def test_pair_logits_one_output_or_one_per_component():
  rng = np.random.RandomState(4)
  d_real, d_fake = rng.randn(3, 1), rng.randn(3, 4, 1)
  r, f = pcm.pair_logits(jnp.asarray(d_real), jnp.asarray(d_fake))
  for i, k in itertools.product(range(3), range(4)):
    assert r[i, k] == d_real[i, 0] and f[i, k] == d_fake[i, k, 0]
  d_real, d_fake = rng.randn(3, 4), rng.randn(3, 4, 4)
  r, f = pcm.pair_logits(jnp.asarray(d_real), jnp.asarray(d_fake))
  for i, k in itertools.product(range(3), range(4)):  # pair (i, k): output k
    assert r[i, k] == d_real[i, k] and f[i, k] == d_fake[i, k, k]


def test_per_component_d_has_one_output_per_gaussian():
  for variant in ("digits,d_per_component", "digits,separate,d_per_component"):
    ds, method, state = build(tiny(variant=variant))
    d_out = method.discriminate(state.d.params, ds.example_batch(5))
    chex.assert_shape(d_out, (5, 4))
  ds, method, state = build(tiny())
  chex.assert_shape(method.discriminate(state.d.params, ds.example_batch(5)),
                    (5, 1))


def test_g_side_loss_is_eq6_with_output_k_for_pair_k():
  """With a per-component D, L_adv of (G, prior, C) equals a loop over the
  pairs of 1/K sum_k C(x_i)_k (log D_k(x_i) - log D_k(x^_i^k)) (the
  non-saturating G term), the real term included."""
  ds, method, state = build(tiny(variant="digits,d_per_component,ns"))
  real = jnp.asarray(ds.example_batch(3))
  prior, d = state.aux.prior.params, state.d.params
  rng = jax.random.PRNGKey(6)
  loss, _ = method.g_side_loss((state.g.params, prior, d), d, real, rng)
  w = np.asarray(method.classify(d, real))  # [3, 4]
  fake = method.fakes(state.g.params, prior, rng, 3)[1]  # [3, 4, ...]
  d_real = np.asarray(method.discriminate(d, real))  # [3, 4]
  log_sig = lambda v: -np.log1p(np.exp(-v))
  want = 0.0
  for i, k in itertools.product(range(3), range(4)):
    d_fake = np.asarray(method.discriminate(d, fake[i, k][None]))[0, k]
    want += w[i, k] * (log_sig(d_real[i, k]) - log_sig(d_fake)) / 4 / 3
  np.testing.assert_allclose(loss, want, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("path", pcmgan.XZ_PRIOR_GRAD)
def test_xz_prior_grad_paths(path):
  """'none': L_xz leaves mu, sigma alone; 'responsibility': their gradient is
  that of consistency(p(k | z(mu, sigma)), C(G(z))) with C(G(z)) a constant;
  'full' adds the path through G."""
  c = tiny(xz_prior_grad=path, xx_weight=0.0)
  ds, method, state = build(c)
  real = jnp.asarray(ds.example_batch(4))
  prior, c_params = state.aux.prior.params, state.d.params
  rng = jax.random.PRNGKey(5)
  grad = jax.grad(lambda p: method.xz_loss(
      (p, c_params), state.g.params, real, rng)[0])(prior)
  q = method.classify(c_params, method.fakes(state.g.params, prior, rng, 4)[1]
                      .reshape((16,) + real.shape[1:]))

  def resp_only(p):
    z = method.draw_all(p, rng, 4).reshape(16, -1)
    return gmm.consistency(gmm.responsibilities_batch(z, p), q, "mi",
                           symmetric=False)

  want = jax.grad(resp_only)(prior)
  if path == "none":
    chex.assert_trees_all_close(grad, jax.tree.map(jnp.zeros_like, grad))
  elif path == "responsibility":
    chex.assert_trees_all_close(grad, want, atol=1e-6, rtol=1e-5)
  else:
    diff = max(float(jnp.abs(a - b).max()) for a, b in zip(
        jax.tree.leaves(grad), jax.tree.leaves(want)))
    assert diff > 1e-6


def test_shared_c_optimizer_never_moves_the_d_head():
  c = tiny()
  _, method, state = build(c)
  params = state.d.params
  grads = jax.tree.map(jnp.ones_like, params)
  updates, _ = method.c_tx.update(grads, method.c_tx.init(params), params)
  flat = {"/".join(k): v for k, v in
          __import__("flax").traverse_util.flatten_dict(
              updates["params"]).items()}
  for name, u in flat.items():
    if name.startswith("d_head"):
      assert not np.any(u), name
    else:
      assert np.any(u), name


def test_interpolation_endpoints_are_the_components():
  c = tiny()
  _, method, state = build(c)
  rng = jax.random.PRNGKey(3)
  eye = jnp.eye(4)
  x = method.interpolate(state, rng, eye)
  prior = state.aux.prior.params
  eps = jax.random.normal(rng, prior["means"].shape[1:])
  z = prior["means"] + jnp.einsum("kij,j->ki", prior["scales"], eps)
  want = method.g_net.apply(state.g_ema_params, z)
  chex.assert_trees_all_close(x, want, atol=1e-5)
  from gan_mixtures.evaluators.components import triangle_weights
  w = triangle_weights(4, 5)
  np.testing.assert_allclose(np.asarray(w).sum(1), 1.0, rtol=1e-6)
  assert (np.asarray(w) >= -1e-7).all() and np.all(np.asarray(w)[:, 3] == 0)


def test_gmgan_step_trains_the_prior_through_the_reparameterisation():
  c = tiny(gmgan_config)
  ds, method, state = build(c)
  batch = jnp.asarray(ds.host_batch(0, (1, 4)))
  new, metrics = jax.jit(method.train_step)(state, batch, jax.random.PRNGKey(0))
  assert all(np.isfinite(v) for v in metrics.values())
  for key in ("means", "scales"):
    assert not np.array_equal(new.aux.prior.params[key],
                              state.aux.prior.params[key])
  _, aux = method.sample(new, jax.random.PRNGKey(1), 4000)
  share = np.bincount(np.asarray(aux["component"]), minlength=4) / 4000
  np.testing.assert_allclose(share, 0.25, atol=0.03)


@pytest.mark.parametrize("module, change, message", [
    (pcmgan_config, {"method.consistency": "l2"}, "consistency"),
    (pcmgan_config, {"method.xx_weight": -1.0}, "xx_weight"),
    (pcmgan_config, {"method.xz_prior_grad": "g_only"}, "xz_prior_grad"),
    (gmgan_config, {"method.num_gaussians": 0}, "num_gaussians"),
    (gmgan_config, {"method.prior_scale_init": 0.0}, "prior_scale_init"),
    (gmgan_config, {"eval.posthoc_steps": -1}, "posthoc_steps"),
    (pcmgan_config, {"eval.posthoc_batch": 0}, "posthoc_batch"),
])
def test_bad_config_is_a_clear_error(module, change, message):
  c = shrink(tiny(module), change)
  with pytest.raises(validation.ConfigError, match=message):
    validation.validate_config(c, num_devices=1)


def test_every_variant_builds():
  for module in (pcmgan_config, gmgan_config):
    for v in variants.IMAGE_DATA:
      validation.validate_config(module.get_config(v), num_devices=1)
  c = pcmgan_config.get_config("mnist_imbalanced,separate,kl")
  assert c.data.major_class == 1 and not c.method.shared_encoder
  assert c.method.consistency == "kl"


def test_scale_gradient_keeps_values_and_scales_gradients():
  x = jnp.array([0.3, -1.2])
  f = lambda v, s: jnp.sum(pcm.scale_gradient(v, s) ** 2)
  np.testing.assert_allclose(pcm.scale_gradient(x, 0.25), x)
  np.testing.assert_allclose(jax.grad(f)(x, 0.25), 0.25 * 2 * x, rtol=1e-6)
  np.testing.assert_allclose(jax.grad(f)(x, 0.0), 0.0)


def test_vanilla_baseline_on_the_image_presets():
  from configs import vanilla
  c = vanilla.get_config("mnist_imbalanced")
  validation.validate_config(c, num_devices=1)
  assert c.model.name == "dcgan" and c.data.major_class == 1


def test_small_is_one_size_for_the_pcm_gan_and_both_baselines():
  from configs import vanilla
  full = pcmgan_config.get_config("mnist_imbalanced")
  for module in (pcmgan_config, gmgan_config, vanilla):
    c = module.get_config("mnist_imbalanced,small")
    validation.validate_config(c, num_devices=1)
    assert ((c.model.g_width, c.model.d_width, c.train.batch_size)
            == (32, 32, 16))
    assert c.model.z_dim == full.model.z_dim and c.data.major_class == 1
  assert full.train.batch_size == 64 and full.model.d_width == 64
  assert vanilla.get_config("small,mnist").train.batch_size == 16  # any order


def test_imbalanced_histogram_row_and_fakes_per_step():
  import importlib.util
  spec = importlib.util.spec_from_file_location(
      "pcm_imbalanced", "benchmarks/pcm_imbalanced.py")
  tool = importlib.util.module_from_spec(spec)
  sys.path.insert(0, "benchmarks")
  try:
    spec.loader.exec_module(tool)
  finally:
    sys.path.remove("benchmarks")
  share = [0.005, 0.43, 0.08, 0.07, 0.009, 0.1, 0.1, 0.1, 0.056, 0.05]
  row = tool.histogram_row({"digit_share": share, "label_kl_data": 0.2,
                            "fid_domain": 9.0})
  assert row["ones"] == 0.43 and row["missing"] == [0, 4]
  assert row["digits_present"] == 8 and row["smallest_digit"] == 0
  pcm = pcmgan_config.get_config("mnist_imbalanced,small")
  gm = gmgan_config.get_config("mnist_imbalanced,small")
  assert tool.fakes_per_step(pcm) == 16 * 10 and tool.fakes_per_step(gm) == 16


def test_image_grid_enlarges_small_images(tmp_path):
  from PIL import Image

  from gan_mixtures import viz
  path = str(tmp_path / "g.png")
  viz.image_grid(path, np.zeros((4, 8, 8, 1)), ncol=2)
  assert Image.open(path).size == (2 * 33 + 1, 2 * 33 + 1)  # 8 px -> 32 px


# ---- the losses of Algorithm 1 against loops over the pairs ------------------

def _np_softmax(a):
  e = np.exp(a - a.max(-1, keepdims=True))
  return e / e.sum(-1, keepdims=True)


def test_d_and_g_adversarial_losses_are_eq6_by_loop():
  """Scalar D, minimax: D maximises 1/K sum_k C(x_i)_k (log D(x_i) +
  log(1 - D(x^_i^k))); G, C minimise the same with G's term log(1 - D)."""
  ds, method, state = build(tiny())
  real = jnp.asarray(ds.example_batch(3))
  prior, d = state.aux.prior.params, state.d.params
  rng = jax.random.PRNGKey(7)
  w = np.asarray(method.classify(d, real))
  fake = method.fakes(state.g.params, prior, rng, 3)[1]
  d_real = np.asarray(method.discriminate(d, real))[:, 0]
  log_sig = lambda v: -np.log1p(np.exp(-v))
  l_adv = 0.0
  for i, k in itertools.product(range(3), range(4)):
    d_fake = float(np.asarray(method.discriminate(d, fake[i, k][None]))[0, 0])
    l_adv += w[i, k] * (log_sig(d_real[i]) + log_sig(-d_fake)) / 4 / 3
  d_loss, _ = method.d_loss_pcm(d, state.g.params, prior, None, real, rng)
  np.testing.assert_allclose(d_loss, -l_adv, rtol=1e-4, atol=1e-6)
  g_loss, _ = method.g_side_loss((state.g.params, prior, d), d, real, rng)
  np.testing.assert_allclose(g_loss, l_adv, rtol=1e-4, atol=1e-6)


def test_xz_kl_form_is_minus_log_c_k_when_the_gaussians_are_apart():
  c = tiny(consistency="kl", prior_mean_init=50.0, prior_scale_init=0.01)
  ds, method, state = build(c)
  real = jnp.asarray(ds.example_batch(3))
  prior, d = state.aux.prior.params, state.d.params
  rng = jax.random.PRNGKey(8)
  loss, _ = method.xz_loss((prior, d), state.g.params, real, rng)
  fake = method.fakes(state.g.params, prior, rng, 3)[1]
  q = np.asarray(
      method.classify(d, fake.reshape((12,) + real.shape[1:]))).reshape(3, 4, 4)
  want = np.mean([-np.log(q[i, k, k]) for i in range(3) for k in range(4)])
  np.testing.assert_allclose(loss, want, rtol=1e-4)


def test_xx_weighted_default_is_the_weighted_pair_mi_by_loop():
  """The default L_xx: -I of the joint sum_{i,k} C(x_i)_k C(x_i) C(x^_ik)^T
  / sum C(x_i)_k over the B x K (real, fake of Gaussian k) pairs."""
  c = tiny()
  assert c.method.xx_form == "weighted" and not c.method.mi_symmetric
  ds, method, state = build(c)
  real = jnp.asarray(ds.example_batch(3))
  prior, d = state.aux.prior.params, state.d.params
  rng = jax.random.PRNGKey(11)
  loss, _ = method.xx_loss(d, state.g.params, prior, real, rng)
  fake = method.fakes(state.g.params, prior, rng, 3)[1]  # [3, K, ...]
  q_r = np.asarray(method.classify(d, real), np.float64)
  joint, total = np.zeros((4, 4)), 0.0
  for i, k in itertools.product(range(3), range(4)):
    q_f = np.asarray(method.classify(d, fake[i, k][None]), np.float64)[0]
    joint += q_r[i, k] * np.outer(q_r[i], q_f)
    total += q_r[i, k]
  joint /= total
  row, col = joint.sum(1), joint.sum(0)
  mi = sum(joint[a, b] * np.log(joint[a, b] / (row[a] * col[b]))
           for a in range(4) for b in range(4))
  np.testing.assert_allclose(loss, -mi * c.method.xx_weight, rtol=1e-4,
                             atol=1e-7)


def test_xx_match_is_kl_of_the_batch_means_by_loop():
  ds, method, state = build(tiny(xx_form="match"))
  real = jnp.asarray(ds.example_batch(3))
  prior, d = state.aux.prior.params, state.d.params
  rng = jax.random.PRNGKey(9)
  loss, _ = method.xx_loss(d, state.g.params, prior, real, rng)
  fake = method.fakes(state.g.params, prior, rng, 3)[1]
  q_f = np.asarray(method.classify(d, fake.reshape((12,) + real.shape[1:])))
  q_r = np.asarray(method.classify(d, real))
  p_bar = sum(q_f[j] for j in range(12)) / 12
  r_bar = sum(q_r[i] for i in range(3)) / 3
  want = sum(p_bar[k] * np.log(p_bar[k] / r_bar[k]) for k in range(4))
  np.testing.assert_allclose(loss, want, rtol=1e-4, atol=1e-7)


def test_match_gradient_at_a_collapsed_c_and_at_a_balanced_one():
  """The failure mode: C gives every real one component while its
  predictions on the fakes (one per Gaussian) are spread. The new L_xx
  pushes C's real logits back; the weighted batch-joint MI has no gradient
  there. A balanced C that matches the fakes' distribution gets none."""
  k = 4
  # spread
  fake_logits = jnp.asarray(np.log(np.eye(k) * 0.9 + 0.1 / k)).repeat(3, 0)
  collapsed = jnp.tile(jnp.asarray([6.0, 0.0, 0.0, 0.0]), (5, 1))
  match = lambda r: gmm.distribution_match(jax.nn.softmax(fake_logits),
                                           jax.nn.softmax(r))
  g = jax.grad(match)(collapsed)
  assert float(jnp.abs(g).max()) > 1e-2
  assert float(g[:, 0].mean()) > 0  # descending lowers the dominant logit

  def weighted(r):
    q_real = jax.nn.softmax(r)[:3]
    q_fake = jax.nn.softmax(fake_logits).reshape(3, k, k)
    p, q, w = pcm.weighted_pairs(q_real, q_fake)
    return gmm.consistency(p, q, "mi", jax.lax.stop_gradient(w),
                           symmetric=False)

  np.testing.assert_allclose(jax.grad(weighted)(collapsed), 0.0, atol=1e-6)
  balanced = jnp.asarray(np.log(np.eye(k) * 0.9 + 0.1 / k))  # = the fakes' mean
  np.testing.assert_allclose(jax.grad(match)(balanced), 0.0, atol=1e-6)


def test_full_covariance_responsibilities_equal_scipy():
  from scipy.stats import multivariate_normal

  rs = np.random.RandomState(3)
  k, dz = 3, 4
  means = rs.randn(k, dz)
  scales = rs.randn(k, dz, dz) * 0.5 + 2 * np.eye(dz)
  z = rs.randn(6, dz) * 2
  logp = np.stack(
      [multivariate_normal(means[j], scales[j] @ scales[j].T).logpdf(z)
       for j in range(k)], -1)
  want = _np_softmax(logp)
  prior = {"means": jnp.asarray(means, jnp.float32),
           "scales": jnp.asarray(scales, jnp.float32)}
  np.testing.assert_allclose(gmm.log_normal_full(jnp.asarray(z, jnp.float32),
                                                 prior["means"],
                                                 prior["scales"]),
                             logp, rtol=1e-4, atol=1e-3)
  np.testing.assert_allclose(
      gmm.responsibilities_batch(jnp.asarray(z, jnp.float32), prior), want,
      atol=1e-5)
  draws = jax.vmap(lambda r: gmm.draw(r, prior))(
      jax.random.split(jax.random.PRNGKey(0), 20000))
  np.testing.assert_allclose(np.cov(np.asarray(draws[:, 1]).T),
                             scales[1] @ scales[1].T, atol=0.25)


def test_algorithm_1_defaults_and_the_paper_parameter_difference():
  """The default is Algorithm 1: one D output, log(1 - D), Table I's
  encoder, full covariances; the GM-GAN prior has K Dz + K Dz^2 parameters
  (Table III: GM-GAN - vanilla = 101,000 at K = 10, Dz = 100)."""
  c = pcmgan_config.get_config("mnist")
  assert c.method.loss == "minimax" and not c.method.d_per_component
  assert c.method.prior_covariance == "full" and c.model.d_kernels == (5, 4)
  assert c.model.d_layers == 2 and c.model.d_norm == "batch"
  assert c.train.num_steps == 200 * 60_000 // 64
  c.data.source = "random"
  ds = data_lib.make_dataset(c.data)
  m = methods.make_method(c, ds)
  prior = m.init_prior(jax.random.PRNGKey(0))
  assert sum(v.size for v in jax.tree.leaves(prior)) == 101_000


# ---- anchoring C's labels to the components ----------------------------------
def _run(c, steps):
  from gan_mixtures import train

  c.train.num_steps = steps
  exp = train.build_experiment(c)
  state, step = exp.init_state(), exp.make_train_step()
  rows = []
  for _, batch in zip(range(steps), exp.batches(0)):
    state, m = step(state, batch, exp.base_rng)
    rows.append(jax.device_get(m))
  return state, rows


def test_best_permutation_is_a_brute_force():
  import itertools

  from gan_mixtures.kernels import gmm

  m = jnp.asarray(np.random.RandomState(0).rand(5, 5))
  sigma = np.asarray(gmm.best_permutation(m))
  best = max(itertools.permutations(range(5)),
             key=lambda p: sum(float(m[k, p[k]]) for k in range(5)))
  np.testing.assert_array_equal(sigma, best)
  batched = jax.vmap(gmm.best_permutation)(jnp.stack([m, m.T]))
  np.testing.assert_array_equal(batched[0], best)


def test_anchoring_puts_the_best_matching_on_m_diagonal():
  """After an anchoring step C's output k is the class it gives component
  k's samples: M's diagonal holds its best-permutation mass (unanchored,
  the mutual information leaves the diagonal near chance)."""
  c = pcmgan_config.get_config("digits,small")
  c.method.anchor_every = 50
  c.train.tensorboard = False
  state, rows = _run(c, 120)
  assert sorted(np.asarray(state.aux.c_perm).tolist()) == list(range(10))
  after = rows[-1]  # 70 steps after the anchoring at step 100
  assert after["m_diagonal"] > 0.9 * after["m_best"]
  assert rows[99]["m_best"] > 0.2  # a matching worth anchoring to


@pytest.mark.slow
def test_anchored_digits_run_has_m_diagonal_above_0_9():
  c = pcmgan_config.get_config("digits,small")
  c.method.anchor_every = 100
  c.train.tensorboard = False
  _, rows = _run(c, 1000)
  assert rows[-1]["m_diagonal"] > 0.9


def test_loss_weights_are_switches_sequentially_and_weights_jointly():
  """Sequential lines 13-15 each have their own Adam (scale-invariant but
  for its epsilon, 1e-8, next to gradients that small): xz_weight 1 and 10
  give C the same update to within 1 % of its size. 'joint': one Adam per
  parameter set on the weighted sum: the update changes by tens of %."""
  def c_update(update: str, xz_weight: float):
    c = tiny(xz_weight=xz_weight, pcm_update=update)
    ds, method, state = build(c)
    batch = jnp.asarray(ds.host_batch(0, (1, 4)))
    new, _ = jax.jit(method.train_step)(state, batch, jax.random.PRNGKey(1))
    flat = lambda s: np.concatenate(
        [np.ravel(v) for v in jax.tree.leaves(method.c_params(s))])
    return flat(new) - flat(state)

  for update, (lo, hi) in (("sequential", (0, 0.01)), ("joint", (0.1, 10))):
    a, b = c_update(update, 1.0), c_update(update, 10.0)
    change = np.abs(a - b).mean() / np.abs(a).mean()
    assert lo <= change < hi, (update, change)


# ---- the post-hoc comparator (metrics/posthoc.py) ----------------------------
def test_posthoc_cross_entropy_is_minus_log_softmax_by_loop():
  from gan_mixtures.metrics import posthoc

  rng = np.random.RandomState(0)
  logits, labels = rng.randn(7, 5), rng.randint(0, 5, 7)
  loop = np.mean(
      [-(l[k] - np.log(np.sum(np.exp(l)))) for l, k in zip(logits, labels)])
  np.testing.assert_allclose(
      posthoc.cross_entropy(jnp.asarray(logits), jnp.asarray(labels)), loop,
      rtol=1e-5)


def _square_images(labels: np.ndarray, noise: np.ndarray) -> np.ndarray:
  """8 x 8 images with a bright 2 x 2 square at the label's place (4 places)."""
  x = 0.3 * noise - 1.0
  for i, k in enumerate(labels):
    r, c = divmod(int(k), 2)
    x[i, 4 * r:4 * r + 2, 4 * c:4 * c + 2, 0] = 1.0
  return x.astype(np.float32)


@pytest.mark.parametrize("informative", [True, False])
def test_posthoc_classifier_clusters_only_when_draws_carry_the_label(
    informative):
  from gan_mixtures.metrics import posthoc
  from gan_mixtures.nets.classifier import PCMClassifier

  labels = jnp.tile(jnp.arange(4), 8)  # [32]

  def draw(rng):  # components draw squares at 4 places (or at random places)
    r_img, r_perm = jax.random.split(rng)
    where = labels if informative else jax.random.permutation(r_perm, labels)
    rows, cols = where // 2, where % 2
    yy, xx = jnp.meshgrid(jnp.arange(8), jnp.arange(8), indexing="ij")
    inside = ((yy[None] // 4 == rows[:, None, None]) & (yy[None] % 4 < 2)
              & (xx[None] // 4 == cols[:, None, None]) & (xx[None] % 4 < 2))
    noise = 0.3 * jax.random.normal(r_img, (32, 8, 8)) - 1.0
    return jnp.where(inside, 1.0, noise)[..., None], labels

  rng = np.random.RandomState(0)
  y = rng.randint(0, 4, 400)
  # digits y at place y + 1
  x = _square_images((y + 1) % 4, rng.randn(400, 8, 8, 1))
  out = posthoc.posthoc_scores(PCMClassifier(4, hidden=32), draw,
                               jax.random.PRNGKey(0), 150, x, y)
  if informative:
    assert out["cluster_acc_posthoc"] == 1.0 and out["nmi_posthoc"] > 0.99
    assert out["posthoc_fit_loss"] < 0.05
  else:  # labels independent of the images: nothing to learn
    assert out["posthoc_fit_loss"] > 1.2  # log 4 = 1.39
  assert out["posthoc_steps"] == 150


@pytest.mark.parametrize("module", [gmgan_config, pcmgan_config])
def test_the_evaluators_give_the_posthoc_clustering(module):
  from gan_mixtures import evaluators

  c = tiny(module)
  c.eval.posthoc_steps, c.eval.posthoc_batch = 3, 8
  c.eval.cluster_num, c.eval.kmeans_floor = 40, False
  ds, method, state = build(c)
  evaluated = lambda: evaluators.metrics(
      evaluators.from_config(c, ds, method), method, state,
      jax.random.PRNGKey(2))
  out = evaluated()
  assert 0.1 <= out["cluster_acc_posthoc"] <= 1.0
  assert 0.0 <= out["nmi_posthoc"] <= 1.0 and out["posthoc_steps"] == 3
  assert ("cluster_acc" in out) == (module is pcmgan_config)
  c.eval.posthoc_steps = 0
  assert "cluster_acc_posthoc" not in evaluated()
  assert module.get_config("mnist,small").eval.posthoc_steps == 600


@pytest.mark.parametrize("method", [{}, {"pcm_update": "joint",
                                         "anchor_every": 5}])
def test_a_checkpoint_with_the_untyped_aux_restores_into_the_typed_one(
    tmp_path, method):
  """Checkpoints written while aux was a dict (its set members) restore
  into PCMAux with the same values; the unused members stay None."""
  import dataclasses

  from gan_mixtures import checkpoint

  _, _, state = build(tiny(**method))
  members = {f.name: getattr(state.aux, f.name)
             for f in dataclasses.fields(state.aux)}
  old = state.replace(aux={k: v for k, v in members.items() if v is not None})
  assert len(old.aux) < len(members)  # some members unused in both configs
  ckpt = checkpoint.Checkpointer(str(tmp_path), 1, 1)
  ckpt.save(3, old)
  template = jax.tree.map(jnp.zeros_like, state)
  restored = ckpt.restore(template)
  assert isinstance(restored.aux, pcmgan.PCMAux)
  chex.assert_trees_all_equal(restored, state)
  assert restored.aux.c_params is None  # C shares D's encoder here
  with pytest.raises(checkpoint.CheckpointError, match="does not match"):
    ckpt.restore(template.replace(  # a member the checkpoint does not hold
        aux=template.aux.replace(c_params=template.d.params)))


def test_a_member_saved_as_none_does_not_restore_into_one_in_use(tmp_path):
  """A state saved without anchoring (c_perm None) is refused by a template
  that anchors, instead of restoring c_perm as None."""
  from gan_mixtures import checkpoint

  _, _, state = build(tiny())
  assert state.aux.c_perm is None
  ckpt = checkpoint.Checkpointer(str(tmp_path), 1, 1)
  ckpt.save(1, state)
  anchored = state.replace(aux=state.aux.replace(
      c_perm=jnp.arange(4, dtype=jnp.int32)))
  with pytest.raises(checkpoint.CheckpointError, match="structure differs"):
    ckpt.restore(anchored)
  chex.assert_trees_all_equal(ckpt.restore(state), state)


@pytest.mark.slow
def test_fig7_diagnostics_of_an_anchored_run(tmp_path, monkeypatch):
  """pcm_imbalanced's Fig. 7 trajectory on a 4-step anchored run of
  imbalanced MNIST: a point at every kept checkpoint, its numbers in range,
  M's masses read from the run's log at that step."""
  import importlib.util
  import json
  import os

  from gan_mixtures import eval_setup, train
  from gan_mixtures.data import sources
  from gan_mixtures.metrics import classifier

  if not os.path.isdir(sources.mnist_dir("")):
    pytest.skip("needs MNIST in ../shared/data/mnist (or MNIST_DIR)")
  c = shrink(pcmgan_config.get_config("mnist_imbalanced,small,ns,anchored"),
             SMALL_IMAGE, {
                 "train.num_steps": 4, "train.log_every": 2,
                 "checkpoint.every_steps": 2, "checkpoint.max_to_keep": 3,
                 "train.sample_every": 0, "train.tensorboard": False,
                 "method.anchor_every": 2, "eval.num_samples": 200,
                 "eval.num_fake": 200, "eval.num_real": 200,
                 "eval.kid_subset_size": 100, "eval.inception": False,
                 "eval.cluster_num": 300, "eval.posthoc_steps": 5})
  # a classifier of 500 MNIST images in this test's own cache (the digits
  # are only read, not judged)
  monkeypatch.setenv("GAN_MIXTURES_CACHE", str(tmp_path / "cache"))
  src = sources.local_mnist(sources.mnist_dir(""), "train")
  x = src.images(np.arange(500)).astype(np.float32) / 127.5 - 1.0
  model, params = classifier.train_classifier(
      x, src.labels(np.arange(500)), num_classes=10, epochs=1,
      batch_size=100, log=lambda *_: None)
  classifier.save_classifier(eval_setup.classifier_dir(c), model, params,
                             {"dataset": "mnist", "image_size": 28,
                              "channels": 1})
  workdir = str(tmp_path / "run")
  train.train_and_evaluate(c, workdir)
  spec = importlib.util.spec_from_file_location(
      "pcm_imbalanced", "benchmarks/pcm_imbalanced.py")
  tool = importlib.util.module_from_spec(spec)
  monkeypatch.syspath_prepend("benchmarks")
  spec.loader.exec_module(tool)
  points = tool.fig7_trajectory(workdir)
  assert [p["step"] for p in points] == [2, 4]
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    logged = {r["step"]: r for r in map(json.loads, f) if "m_diagonal" in r}
  k = c.method.num_gaussians
  for p in points:
    assert 0 <= p["ones_component"] < k
    assert 0 <= p["components_mostly_ones"] <= k
    for key in ("ones_in_component", "eq6_weight_on_ones_component",
                "c_mass_on_ones_component", "ones_in_samples"):
      assert 0.0 <= p[key] <= 1.0, key
    assert p["m_diagonal"] == logged[p["step"]]["m_diagonal"]
    assert p["m_best"] == logged[p["step"]]["m_best"]
