"""A new method and a new evaluator, defined here, train and evaluate with
nothing but their own registry lines (added at run time): train.py,
evaluate.py and configs/default.py stay as they are."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_mixtures import evaluators, methods, train
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


class ToyEvaluator(evaluators.Evaluator):
  """Counts its calls and reports the mean of 100 samples' first coordinate
  (metrics), the step (periodic) and a marker file (pictures)."""

  @classmethod
  def applies(cls, config, data):
    return data.kind == "2d"

  def metrics(self, method, state, rng):
    x, _ = method.sample(state, rng, 100)
    return {"toy_mean_x": float(jnp.mean(x[:, 0]))}

  def periodic(self, method, state, rng):
    return {"toy_step": float(state.step)}

  def pictures(self, method, state, rng, sample_path):
    with open(sample_path + ".toy", "w") as f:
      f.write(str(int(state.step)))


def test_an_evaluator_defined_in_a_test_reports_through_its_line(
    tmp_path, monkeypatch):
  monkeypatch.setitem(evaluators.EVALUATORS, "toy", ToyEvaluator)
  monkeypatch.setattr(ToyLeastSquaresGAN, "evaluators", ("toy",),
                      raising=False)
  monkeypatch.setitem(methods.METHODS, "toy_lsgan", ToyLeastSquaresGAN)
  c = tiny_config("vanilla", num_steps=10, log_every=5)
  c.method.name = "toy_lsgan"
  results = train.train_and_evaluate(c, str(tmp_path))
  assert np.isfinite(results["metrics"]["toy_mean_x"])
  rows = [json.loads(l) for l in (tmp_path / "metrics.jsonl").read_text()
          .splitlines()]
  assert [r["diag/toy_step"] for r in rows if "diag/toy_step" in r] == [5, 10]
  assert (tmp_path / "samples" / "step_10.png.toy").read_text() == "10"


def test_a_method_naming_an_unregistered_evaluator_fails_before_training(
    monkeypatch):
  monkeypatch.setattr(ToyLeastSquaresGAN, "evaluators", ("nonesuch",),
                      raising=False)
  monkeypatch.setitem(methods.METHODS, "toy_lsgan", ToyLeastSquaresGAN)
  c = tiny_config("vanilla")
  c.method.name = "toy_lsgan"
  with pytest.raises(ValueError, match="nonesuch.*registered: "):
    train.build_experiment(c)
