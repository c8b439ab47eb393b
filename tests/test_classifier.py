"""Classifier save/load round trip, digit metrics against brute force."""

import os

import numpy as np
import pytest
import scipy.stats

from gan_mixtures.data import sources
from gan_mixtures.data.images import to_unit_range
from gan_mixtures.metrics import classifier, digits, feature_metrics
from tests.helpers import eval_config

FIXTURE = os.path.join(os.path.dirname(__file__), "testdata", "mnist_small")


class MeanClassifier:
  """A test double: the 'digit' of an image is round(9 * mean pixel in [0, 1]).
  """

  def predict(self, x):
    return np.round(
        9 * (np.asarray(x).reshape(len(x), -1).mean(1) + 1) / 2).astype(int)

  def features(self, x):
    return np.asarray(x).reshape(len(x), -1)[:, :20]


def test_label_kl_to_uniform():
  assert digits.label_kl_to_uniform(np.arange(10), 10) == pytest.approx(0.0)
  assert digits.label_kl_to_uniform(np.zeros(5, int), 10) == pytest.approx(
      np.log(10))


def test_stacked_labels_brute_force():
  rs = np.random.RandomState(0)
  levels = rs.randint(0, 10, size=(50, 3))
  imgs = np.broadcast_to(
      (levels / 9 * 2 - 1)[:, None, None, :], (50, 4, 4, 3)).copy()
  labels = digits.stacked_labels(imgs, MeanClassifier())
  np.testing.assert_array_equal(labels, levels @ [100, 10, 1])
  m = digits.stacked_mnist_metrics(imgs, MeanClassifier())
  assert m["modes_covered"] == len({tuple(l) for l in levels})


def test_digit_histogram_and_domain_metrics():
  imgs = np.full((100, 4, 4, 1), -1.0)
  imgs[:60] = 1.0  # 60 % nines, 40 % zeros
  h = digits.digit_histogram(imgs, MeanClassifier())
  assert h["digits_present"] == 2 and h["digit_share"][9] == pytest.approx(0.6)
  assert "label_kl_data" not in h
  # against real labels 20 % nines, 80 % zeros: KL(0.6, 0.4 || q) by scipy,
  # q the real counts plus 0.5 each
  real = np.array([9] * 20 + [0] * 80)
  h = digits.digit_histogram(imgs, MeanClassifier(), real)
  q = np.full(10, 0.5)
  q[9], q[0] = 20.5, 80.5
  p = np.zeros(10)
  p[9], p[0] = 0.6, 0.4
  want = scipy.stats.entropy(p, q)
  assert h["label_kl_data"] == pytest.approx(want, rel=1e-9)
  assert h["digit_share_data"][9] == pytest.approx(0.2)
  real = np.array([9] * 6000 + [0] * 4000)  # the samples' shares
  same = digits.digit_histogram(imgs, MeanClassifier(), real)
  assert same["label_kl_data"] < 1e-3  # only the 0.5-count smoothing
  clf = MeanClassifier()
  same = feature_metrics.feature_metrics(
      clf.features(imgs), clf.features(imgs.copy()), eval_config(), "_domain")
  assert same["fid_domain"] == pytest.approx(0.0, abs=1e-6)


def test_train_save_load_round_trip(tmp_path):
  src = sources.local_mnist(FIXTURE, "train")
  x = to_unit_range(src.images(np.arange(200)))
  y = src.labels(np.arange(200))
  model, params = classifier.train_classifier(
      x, y, num_classes=10, epochs=2, batch_size=50, log=lambda *_: None
  )
  meta = {"dataset": "mnist", "image_size": 28, "channels": 1}
  classifier.save_classifier(str(tmp_path / "clf"), model, params, meta)
  loaded = classifier.load_classifier(str(tmp_path / "clf"))
  original = classifier.Classifier(model, params, {**meta, "num_classes": 10})
  np.testing.assert_allclose(loaded.logits(x[:16]), original.logits(x[:16]),
                             rtol=1e-5, atol=1e-5)
  # Padded 32x32 images are cropped back to the classifier's 28x28.
  padded = np.pad(x[:16], ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1)
  np.testing.assert_array_equal(loaded.predict(padded), loaded.predict(x[:16]))
  assert loaded.features(x[:4]).shape == (4, 256)


def test_missing_classifier_names_the_command(tmp_path):
  with pytest.raises(FileNotFoundError, match="train_classifier"):
    classifier.load_classifier(str(tmp_path))
