"""Frechet distance vs scipy's sqrtm formula; singular covariances."""

import numpy as np
import pytest
from scipy import linalg

from gan_mixtures.metrics import fid


def scipy_fid(mu1, s1, mu2, s2):
  covmean = linalg.sqrtm(s1 @ s2)
  return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
               - 2 * np.trace(np.real(covmean)))


def random_spd(rs, d):
  a = rs.randn(d, d)
  return a @ a.T + 0.1 * np.eye(d)


@pytest.mark.parametrize("d", [1, 3, 16, 64])
def test_matches_scipy_on_random_gaussians(d):
  rs = np.random.RandomState(d)
  mu1, mu2 = rs.randn(d), rs.randn(d)
  s1, s2 = random_spd(rs, d), random_spd(rs, d)
  got = fid.frechet_distance(mu1, s1, mu2, s2)
  want = scipy_fid(mu1, s1, mu2, s2)
  assert got == pytest.approx(want, rel=1e-6, abs=1e-6)


def test_closed_form_for_scaled_identity():
  # N(0, a I) vs N(m, b I): |m|^2 + d (sqrt(a) - sqrt(b))^2.
  d, a, b = 5, 4.0, 1.0
  m = np.arange(d, dtype=float)
  got = fid.frechet_distance(np.zeros(d), a * np.eye(d), m, b * np.eye(d))
  assert got == pytest.approx(m @ m + d * (2 - 1) ** 2, rel=1e-12)


def test_singular_covariances_are_stable():
  rs = np.random.RandomState(0)
  x = rs.randn(20, 64)  # 20 samples in 64-d: rank-19 covariance
  y = rs.randn(20, 64) + 0.5
  assert fid.fid_from_features(x, x) == pytest.approx(0.0, abs=1e-6)
  v = fid.fid_from_features(x, y)
  assert np.isfinite(v) and v > 0
  mu1, s1 = fid.gaussian_stats(x)
  mu2, s2 = fid.gaussian_stats(y)
  assert v == pytest.approx(scipy_fid(mu1, s1, mu2, s2), rel=1e-5)


def test_dimension_mismatch():
  with pytest.raises(ValueError):
    fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


def test_inception_score_closed_forms():
  k = 10
  onehot = np.eye(k)[np.tile(np.arange(k), 20)] * 50.0  # confident, balanced
  mean, std = fid.inception_score(onehot, splits=2)
  assert mean == pytest.approx(k, rel=1e-6) and std < 1e-6
  uniform = np.zeros((100, k))  # p(y|x) = p(y): IS = 1
  assert fid.inception_score(uniform, splits=5)[0] == pytest.approx(1.0)


def test_inception_score_brute_force():
  rs = np.random.RandomState(0)
  logits = rs.randn(30, 4)
  p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
  py = p.mean(0)
  want = np.exp(np.mean([np.sum(pi * np.log(pi / py)) for pi in p]))
  assert fid.inception_score(logits, splits=1)[0] == pytest.approx(
      want, rel=1e-10)
