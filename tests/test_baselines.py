"""MADGAN, MGAN and MEGAN: the thesis' parameter counts, each objective
against a hand-written version, and that generator k's samples are what D
scores as generator k."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from configs import madgan, megan, mgan
from gan_mixtures import data as data_lib
from gan_mixtures import losses, methods
from gan_mixtures.kernels import gating
from tests.helpers import first_layer_count, thesis_format, tiny_config


# Table 5.8 (MNIST, 32 px) and Table 5.10 (CelebA, 64 px) as printed
TABLE_5_8 = {"madgan": ["1.68M", "3.37M", "6.75M", "13.50M"],
             "mgan": ["1.68M", "3.37M", "6.75M", "13.50M"],
             "megan": ["2.09M", "3.79M", "7.18M", "14.01M"]}
TABLE_5_10 = {"madgan": ["3.37M", "6.75M", "13.50M", "27.00M"],
              "mgan": ["3.37M", "6.75M", "13.50M", "27.00M"],
              "megan": ["4.19M", "7.57M", "14.34M", "27.92M"]}
MODULES = {"madgan": madgan, "mgan": mgan, "megan": megan}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_parameter_counts_are_the_thesis_tables(name):
  for k, want in zip((4, 8, 16, 32), TABLE_5_8[name]):
    assert thesis_format(
        first_layer_count(MODULES[name], f"mnist_k{k}")) == want
  for k, want in zip((4, 8, 16, 32), TABLE_5_10[name]):
    assert thesis_format(
        first_layer_count(MODULES[name], f"celeba_k{k}")) == want
  exact = first_layer_count(MODULES[name], "mnist_k4")
  assert exact == {
      "madgan": 1_687_552, "mgan": 1_687_552, "megan": 2_099_256}[name]


def _ce(logits, labels):
  logits = np.asarray(logits, np.float64)
  logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
  return -np.mean([logp[i, y] for i, y in enumerate(labels)])


def test_madgan_losses_by_hand():
  rs = np.random.RandomState(0)
  real, fake = rs.randn(5, 4), rs.randn(6, 4)  # K = 3: classes 0 (real), 1..3
  labels = np.array([0, 0, 1, 1, 2, 2])
  want_d = _ce(real, [0] * 5) + _ce(fake, labels + 1)
  got_d = losses.madgan_d_loss(jnp.asarray(real), jnp.asarray(fake),
                               jnp.asarray(labels))
  assert float(got_d) == pytest.approx(want_d, rel=1e-5)
  p_real = np.exp(fake[:, 0]) / np.exp(fake).sum(-1)
  assert float(losses.madgan_g_loss(jnp.asarray(fake))) == pytest.approx(
      -np.mean(np.log(p_real)), rel=1e-5)


def test_mgan_losses_by_hand():
  c = tiny_config("mgan", "grid25")
  c.method.diversity_weight = 0.7
  ds = data_lib.make_dataset(c.data)
  m = methods.make_method(c, ds)
  rs = np.random.RandomState(1)
  d_real, d_fake = rs.randn(4, 1), rs.randn(6, 1)
  c_fake = rs.randn(6, 8)
  labels = np.array([0, 1, 2, 5, 6, 7])
  sp = lambda x: np.log1p(np.exp(x))
  ce = _ce(c_fake, labels)
  want_d = np.mean(sp(-d_real)) + np.mean(sp(d_fake)) + 0.7 * ce
  got, _ = m.d_objective_k((jnp.asarray(d_real), None),
                           (jnp.asarray(d_fake), jnp.asarray(c_fake)),
                           jnp.asarray(labels))
  assert float(got) == pytest.approx(want_d, rel=1e-5)
  got, _ = m.g_objective_k((jnp.asarray(d_fake), jnp.asarray(c_fake)),
                           jnp.asarray(labels))
  assert float(got) == pytest.approx(np.mean(sp(-d_fake)) + 0.7 * ce, rel=1e-5)


def test_load_balance_by_hand_and_zero_when_uniform():
  rs = np.random.RandomState(2)
  soft = rs.dirichlet(np.ones(5), size=7)
  p = soft.sum(0) / soft.sum()
  want = np.mean((p - 0.2) ** 2)
  assert float(losses.load_balance(jnp.asarray(soft))) == pytest.approx(
      want, rel=1e-5)
  assert float(losses.load_balance(jnp.full((4, 5), 0.2))) == pytest.approx(
      0.0, abs=1e-9)


def test_straight_through_gumbel_is_one_hot_forward_soft_backward():
  logits = jnp.asarray([[0.3, -1.0, 2.0], [1.0, 1.5, -0.5]])
  rng = jax.random.PRNGKey(3)
  soft = gating.gumbel_softmax(rng, logits)
  hard = gating.straight_through(soft)
  chex.assert_trees_all_close(hard.sum(-1), jnp.ones(2))
  assert set(np.unique(np.asarray(hard))) <= {0.0, 1.0}
  w = jnp.asarray([1.0, 2.0, 3.0])
  g_st = jax.grad(lambda l: jnp.sum(gating.straight_through(
      gating.gumbel_softmax(rng, l)) * w))(logits)
  g_soft = jax.grad(
      lambda l: jnp.sum(gating.gumbel_softmax(rng, l) * w))(logits)
  np.testing.assert_allclose(g_st, g_soft, atol=1e-6)
  # the Gumbel draws: argmax of logits + g is a sample of softmax(logits)
  keys = jax.random.split(jax.random.PRNGKey(4), 20000)
  picks = jax.vmap(
      lambda r: jnp.argmax(gating.gumbel_softmax(r, logits[0])))(keys)
  freq = np.bincount(np.asarray(picks), minlength=3) / 20000
  np.testing.assert_allclose(freq, jax.nn.softmax(logits[0]), atol=0.015)


@pytest.mark.parametrize("kind", ["madgan", "mgan"])
def test_generator_k_fakes_carry_label_k(kind):
  c = tiny_config(kind, "grid25")
  ds = data_lib.make_dataset(c.data)
  m = methods.make_method(c, ds)
  state = m.init(jax.random.PRNGKey(0), ds.sample(jax.random.PRNGKey(0), (4,)))
  rng = jax.random.PRNGKey(5)
  x, labels = m.generator_fakes(state.g.params, rng, 3)
  per = m.all_generators(state.g.params, m.noise(rng, 3))  # [K, 3, 2]
  for k in range(m.k):
    np.testing.assert_array_equal(np.asarray(x[labels == k]),
                                  np.asarray(per[k]))


def test_megan_picks_one_generator_per_sample_and_balances():
  c = tiny_config("megan", "grid25")
  ds = data_lib.make_dataset(c.data)
  m = methods.make_method(c, ds)
  state = m.init(jax.random.PRNGKey(0), ds.sample(jax.random.PRNGKey(0), (4,)))
  x, logits, choice = m.generate(state.g.params, jax.random.PRNGKey(1), 16)
  chex.assert_shape((x, logits, choice), ((16, 2), (16, 8), (16, 8)))
  np.testing.assert_array_equal(np.asarray(choice).sum(-1), 1.0)
  # the chosen generator's own output: run generator k alone on the same z
  z = m.noise(jax.random.split(jax.random.PRNGKey(1))[0], 16)
  p = state.g.params["params"]
  h = jax.nn.relu(jnp.einsum("bd,kdf->kbf", z, p["heads"]["first_kernel"])
                  + p["heads"]["first_bias"][:, None])
  k = np.asarray(jnp.argmax(choice, -1))
  trunk_in = h[k, jnp.arange(16)]
  want = m.g_net.trunk.apply({"params": p["trunk"]}, trunk_in)
  np.testing.assert_allclose(np.asarray(x), np.asarray(want), atol=1e-5)
  # the load-balancing step moves the gate alone
  batch = ds.sample(jax.random.PRNGKey(2), (c.train.n_disc, c.train.batch_size))
  new, metrics = jax.jit(m.train_step)(state, batch, jax.random.PRNGKey(3))
  assert np.isfinite(float(metrics["balance_loss"]))
  labels = m.balance_tx.update  # the optimizer masks every non-gate leaf
  grads = jax.grad(m.balance_loss)(state.g.params, jax.random.PRNGKey(3), 8)
  upd, _ = labels(grads, state.aux.balance_opt, state.g.params)
  assert float(jnp.abs(upd["params"]["heads"]["first_kernel"]).max()) == 0.0
  assert float(jnp.abs(upd["params"]["gate"]["kernel"]).max()) > 0.0


def test_run_lengths_are_the_thesis_codes_g_steps():
  """50 epochs of train_size // (128 x D steps) G steps: MEGAN's 5 D steps
  each take a batch (train_megan.py's loop_per_epoch), 4,650 G steps on
  MNIST; MADGAN and MGAN one batch a step, 23,400."""
  assert megan.get_config("mnist_k4").train.num_steps == 4_650
  assert megan.get_config("mnist_k4").train.n_disc == 5
  for module in (madgan, mgan):
    c = module.get_config("mnist_k8")
    assert (c.train.num_steps, c.train.n_disc) == (23_400, 1)
