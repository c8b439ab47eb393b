"""A new method, defined here, trains and is evaluated with nothing but its
own registry line (added at run time): train.py, evaluate.py and
configs/default.py stay as they are."""

import json

import jax
import jax.numpy as jnp
import numpy as np

from gan_mixtures import methods, train
from gan_mixtures.methods.base import GANMethod
from tests.helpers import tiny_config


class ToyLeastSquaresGAN(GANMethod):
  """LSGAN (Mao et al. 2017): D regresses reals to 1 and fakes to 0, G
  pushes its fakes to 1; written against the step template's objectives."""

  d_out_dim = 1

  def d_objective(self, real_out, fake_out):
    loss = 0.5 * jnp.mean((real_out - 1.0) ** 2) + 0.5 * jnp.mean(fake_out**2)
    return loss, {"d_real": real_out.mean(), "d_fake": fake_out.mean()}

  def g_objective(self, fake_out):
    return 0.5 * jnp.mean((fake_out - 1.0) ** 2), {}


def test_a_method_defined_in_a_test_trains_and_is_evaluated(tmp_path,
                                                            monkeypatch):
  monkeypatch.setitem(methods.METHODS, "toy_lsgan", ToyLeastSquaresGAN)
  c = tiny_config("vanilla", num_steps=30)
  c.method.name = "toy_lsgan"
  results = train.train_and_evaluate(c, str(tmp_path))
  saved = json.loads((tmp_path / "results.json").read_text())
  assert saved["method"] == "toy_lsgan" and saved["step"] == 30
  assert saved["metrics"] == results["metrics"]
  assert 0 <= saved["metrics"]["modes_covered"] <= 25
  rows = [json.loads(l) for l in (tmp_path / "metrics.jsonl").read_text()
          .splitlines()]
  logged = [r for r in rows if "d_loss" in r]
  assert logged and all(np.isfinite(r["d_loss"]) for r in logged)
  # the run's D loss is the toy's (numpy on a checkpoint's D outputs)
  exp, state = train.load_workdir(str(tmp_path), step=10)
  out = exp.method.d_net.apply(state.d.params, exp.data.sample(
      jax.random.PRNGKey(0), (64,)))
  loss, _ = exp.method.d_objective(out, jnp.zeros_like(out))
  np.testing.assert_allclose(
      loss, 0.5 * np.mean((np.asarray(out) - 1) ** 2), rtol=1e-6)
