"""Mode metrics and the k-NN two-sample test vs brute force / scikit-learn."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from gan_mixtures.data import synthetic
from gan_mixtures.metrics import knn, modes


def test_mode_metrics_hand_made():
  means = synthetic.ring_means(4, 1.0)
  stds = np.full(4, 0.1)
  w = np.full(4, 0.25)
  # 3 points at mode 0, 1 at mode 1, 1 within 3 std of mode 2 (0.29), 1 far.
  x = np.array([
      means[0], means[0] + 0.05, means[0] - 0.05, means[1],
      means[2] + [0.29, 0], [5.0, 5.0],
  ])
  m = modes.mode_metrics(x, means, stds, w)
  assert m["modes_covered"] == 3 and m["num_modes"] == 4
  assert m["hq_fraction"] == pytest.approx(5 / 6)
  hist = np.array([3, 1, 1, 0]) / 5
  nz = hist > 0
  assert m["mode_kl"] == pytest.approx(
      np.sum(hist[nz] * np.log(hist[nz] / 0.25)))
  # >= 1 % of 6 samples means >= 0.06, so every covered mode counts.
  assert m["modes_covered_1pct"] == 3


def test_perfect_samples_have_zero_kl():
  ds = synthetic.GaussianMixture2D(
      "g", synthetic.grid_means(5, 2.0), np.full(25, 0.05), np.full(25, 1 / 25)
  )
  x = np.repeat(ds.means, 40, axis=0)
  m = modes.mode_metrics(x, ds.means, ds.stds, ds.weights)
  assert m["modes_covered"] == 25 and m["hq_fraction"] == 1.0
  assert m["mode_kl"] == pytest.approx(0.0, abs=1e-12)


def brute_knn(real, fake, k):
  x = np.concatenate([real, fake])
  y = np.r_[np.zeros(len(real)), np.ones(len(fake))]
  nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(x)
  _, idx = nn.kneighbors(x)
  idx = idx[:, 1:]  # drop the point itself
  pred = y[idx].sum(1) > k // 2
  return np.mean(~pred[: len(real)]), np.mean(pred[len(real) :])


@pytest.mark.parametrize("shift", [0.0, 0.5, 3.0])
def test_knn_matches_sklearn(shift):
  rs = np.random.RandomState(1)
  real = rs.randn(700, 2)
  fake = rs.randn(500, 2) + shift
  got = knn.knn_two_sample(real, fake, k=5, chunk=256)
  want = brute_knn(real, fake, 5)
  assert got["knn_real_acc"] == pytest.approx(want[0])
  assert got["knn_fake_acc"] == pytest.approx(want[1])
  avg = thesis_nn_accuracy(real, fake, 5)
  assert got["knn_real_acc_avg"] == pytest.approx(avg[0])
  assert got["knn_fake_acc_avg"] == pytest.approx(avg[1])


def thesis_nn_accuracy(real, fake, k):
  """The HME thesis code's utils.nn_accuracy, as a hand loop: each sample's
  decision is the share of reals among its k nearest others; the real
  accuracy is the mean decision of the reals, the fake accuracy (size -
  sum of decisions) / size of the fakes."""
  x = np.concatenate([real, fake])
  d = ((x[:, None] - x[None]) ** 2).sum(-1)
  np.fill_diagonal(d, np.inf)
  decisions = []
  for i in range(len(x)):
    nearest = np.argsort(d[i], kind="stable")[:k]
    decisions.append(sum(1 for j in nearest if j < len(real)) / k)
  decisions = np.array(decisions)
  fake_dec = decisions[len(real):]
  return (decisions[:len(real)].mean(),
          (len(fake_dec) - fake_dec.sum()) / len(fake_dec))


def test_knn_identical_distributions_near_half_and_far_near_one():
  rs = np.random.RandomState(2)
  same = knn.knn_two_sample(rs.randn(2000, 2), rs.randn(2000, 2))
  assert 0.4 < same["knn_real_acc"] < 0.6 and 0.4 < same["knn_fake_acc"] < 0.6
  far = knn.knn_two_sample(rs.randn(500, 2), rs.randn(500, 2) + 20)
  assert far["knn_real_acc"] == 1.0 and far["knn_fake_acc"] == 1.0


def test_knn_even_k_rejected():
  with pytest.raises(ValueError, match="odd"):
    knn.knn_two_sample(np.zeros((3, 2)), np.ones((3, 2)), k=4)
