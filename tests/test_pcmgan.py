"""PCM GAN and GM-GAN: weighted consistency, clustering scores, the four
updates, responsibilities, interpolation, configs."""

import itertools

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
from gan_mixtures.kernels import gmm
from gan_mixtures.methods import pcmgan
from gan_mixtures.metrics import clustering


def tiny(module=pcmgan_config, variant="digits", **method):
  c = module.get_config(variant)
  c.model.g_width = c.model.d_width = 8
  c.model.z_dim = 6
  c.method.num_gaussians = 4
  c.train.batch_size = 4
  c.train.tensorboard = False
  for k, v in method.items():
    setattr(c.method, k, v)
  return c


def build(c):
  ds = data_lib.make_dataset(c.data, seed=c.seed)
  method = methods.make_method(c, ds)
  state = method.init(jax.random.PRNGKey(0), ds.example_batch(4))
  return ds, method, state


# ---- kernel: weighted pairs ---------------------------------------------------
def test_weighted_joint_matches_brute_force_and_drops_zero_weights():
  rng = np.random.RandomState(0)
  p, q = rng.dirichlet(np.ones(3), 6), rng.dirichlet(np.ones(3), 6)
  w = rng.rand(6)
  want = sum(w[b] * np.outer(p[b], q[b]) for b in range(6)) / w.sum()
  np.testing.assert_allclose(gmm.joint_distribution(p, q, w), (want + want.T) / 2, rtol=1e-5)
  np.testing.assert_allclose(gmm.joint_distribution(p, q, np.ones(6)),
                             gmm.joint_distribution(p, q), rtol=1e-6)
  w0 = np.array([1, 1, 0, 1, 0, 0.0])
  keep = w0 > 0
  for kind in gmm.CONSISTENCY:
    np.testing.assert_allclose(gmm.consistency(p, q, kind, w0),
                               gmm.consistency(p[keep], q[keep], kind), rtol=1e-5)


def test_weighted_pairs_layout():
  q_real = jnp.array([[0.9, 0.1], [0.2, 0.8]])
  q_fake = jnp.arange(8.0).reshape(2, 2, 2)
  p, q, w = pcmgan.weighted_pairs(q_real, q_fake)
  np.testing.assert_allclose(p, [[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.2, 0.8]])
  np.testing.assert_allclose(q, np.arange(8.0).reshape(4, 2))
  np.testing.assert_allclose(w, [0.9, 0.1, 0.2, 0.8])


# ---- clustering scores --------------------------------------------------------
def test_cluster_accuracy_equals_best_permutation():
  rng = np.random.RandomState(1)
  labels = rng.randint(0, 4, 300)
  clusters = np.where(rng.rand(300) < 0.7, (labels + 1) % 4, rng.randint(0, 4, 300))
  best = max(np.mean(np.asarray(perm)[clusters] == labels)
             for perm in itertools.permutations(range(4)))
  np.testing.assert_allclose(clustering.cluster_accuracy(labels, clusters), best)
  assert clustering.cluster_accuracy(labels, (labels + 2) % 4) == 1.0


def test_nmi_matches_sklearn():
  rng = np.random.RandomState(2)
  labels = rng.randint(0, 5, 500)
  clusters = np.where(rng.rand(500) < 0.5, labels, rng.randint(0, 7, 500))
  np.testing.assert_allclose(clustering.nmi(labels, clusters),
                             normalized_mutual_info_score(labels, clusters), rtol=1e-10)
  np.testing.assert_allclose(clustering.nmi(labels, labels), 1.0)


# ---- the method ---------------------------------------------------------------
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
  assert ("c_loss" in metrics) == ("no_pcm" not in variant)
  moved = lambda a, b: not all(np.array_equal(x, y) for x, y in zip(
      jax.tree.leaves(a), jax.tree.leaves(b)))
  assert moved(new.g.params, state.g.params)
  assert moved(new.d.params, state.d.params)
  assert moved(new.aux["prior"].params, state.aux["prior"].params)
  if "separate" in variant:
    assert moved(new.aux["c_params"], state.aux["c_params"])
  r = method.responsibilities(new, ds.example_batch(7))
  chex.assert_shape(r, (7, 4))
  np.testing.assert_allclose(r.sum(1), 1.0, rtol=1e-5)


def test_pair_logits_one_output_or_one_per_component():
  rng = np.random.RandomState(4)
  d_real, d_fake = rng.randn(3, 1), rng.randn(3, 4, 1)
  r, f = pcmgan.pair_logits(jnp.asarray(d_real), jnp.asarray(d_fake))
  for i, k in itertools.product(range(3), range(4)):
    assert r[i, k] == d_real[i, 0] and f[i, k] == d_fake[i, k, 0]
  d_real, d_fake = rng.randn(3, 4), rng.randn(3, 4, 4)
  r, f = pcmgan.pair_logits(jnp.asarray(d_real), jnp.asarray(d_fake))
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
  ds, method, state = build(tiny(variant="digits,d_per_component"))
  real = jnp.asarray(ds.example_batch(3))
  prior, d = state.aux["prior"].params, state.d.params
  rng = jax.random.PRNGKey(6)
  loss, _ = method.g_side_loss((state.g.params, prior, d), d, real, rng, 0)
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
  prior, c_params = state.aux["prior"].params, state.d.params
  rng = jax.random.PRNGKey(5)
  grad = jax.grad(lambda p: method.consistency_loss(
      (p, c_params), state.g.params, real, rng)[0])(prior)
  q = method.classify(c_params, method.fakes(state.g.params, prior, rng, 4)[1]
                      .reshape((16,) + real.shape[1:]))

  def resp_only(p):
    z = method.draw_all(p, rng, 4).reshape(16, -1)
    p_z = jax.vmap(lambda zz: gmm.responsibilities(
        zz, p["means"], p["log_scales"]))(z)
    return gmm.consistency(p_z, q, "mi", symmetric=False)

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
          __import__("flax").traverse_util.flatten_dict(updates["params"]).items()}
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
  prior = state.aux["prior"].params
  eps = jax.random.normal(rng, prior["means"].shape[1:])
  z = prior["means"] + jnp.exp(prior["log_scales"]) * eps
  want = method.g_net.apply(state.g_ema_params, z)
  chex.assert_trees_all_close(x, want, atol=1e-5)
  from gan_mixtures.methods.gmgan import triangle_weights
  w = triangle_weights(4, 5)
  np.testing.assert_allclose(np.asarray(w).sum(1), 1.0, rtol=1e-6)
  assert (np.asarray(w) >= -1e-7).all() and np.all(np.asarray(w)[:, 3] == 0)


def test_gmgan_step_trains_the_prior_through_the_reparameterisation():
  c = tiny(gmgan_config)
  ds, method, state = build(c)
  batch = jnp.asarray(ds.host_batch(0, (1, 4)))
  new, metrics = jax.jit(method.train_step)(state, batch, jax.random.PRNGKey(0))
  assert all(np.isfinite(v) for v in metrics.values())
  for key in ("means", "log_scales"):
    assert not np.array_equal(new.aux["prior"].params[key], state.aux["prior"].params[key])
  _, aux = method.sample(new, jax.random.PRNGKey(1), 4000)
  share = np.bincount(np.asarray(aux["component"]), minlength=4) / 4000
  np.testing.assert_allclose(share, 0.25, atol=0.03)


@pytest.mark.parametrize("module, change, message", [
    (pcmgan_config, dict(consistency="l2"), "consistency"),
    (pcmgan_config, dict(xx_weight=-1.0), "xx_weight"),
    (pcmgan_config, dict(xz_prior_grad="g_only"), "xz_prior_grad"),
    (gmgan_config, dict(num_gaussians=0), "num_gaussians"),
    (gmgan_config, dict(prior_scale_init=0.0), "prior_scale_init"),
])
def test_bad_config_is_a_clear_error(module, change, message):
  c = tiny(module, **change)
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
  f = lambda v, s: jnp.sum(pcmgan.scale_gradient(v, s) ** 2)
  np.testing.assert_allclose(pcmgan.scale_gradient(x, 0.25), x)
  np.testing.assert_allclose(jax.grad(f)(x, 0.25), 0.25 * 2 * x, rtol=1e-6)
  np.testing.assert_allclose(jax.grad(f)(x, 0.0), 0.0)


def test_vanilla_baseline_on_the_image_presets():
  from configs import vanilla
  c = vanilla.get_config("mnist_imbalanced")
  validation.validate_config(c, num_devices=1)
  assert c.model.name == "dcgan" and c.data.major_class == 1


def test_image_grid_enlarges_small_images(tmp_path):
  from PIL import Image

  from gan_mixtures import viz
  path = str(tmp_path / "g.png")
  viz.image_grid(path, np.zeros((4, 8, 8, 1)), ncol=2)
  assert Image.open(path).size == (2 * 33 + 1, 2 * 33 + 1)  # 8 px -> 32 px
