"""KID, precision / recall, density / coverage and the Inception Score
against independent references: the `prdc` package, numpy transcriptions of
the papers' reference code, closed forms."""

import numpy as np
import pytest

from gan_mixtures.metrics import feature_metrics, fid, kid, logits, manifold
from tests.helpers import eval_config


def clean_fid_kid(real, fake, idx_real, idx_fake):
  """clean-fid's kernel_distance (float64), with the given subsets."""
  n = real.shape[1]
  vals = []
  for ir, jf in zip(idx_real, idx_fake):
    x, y = fake[jf].astype(np.float64), real[ir].astype(np.float64)
    m = len(ir)
    a = (x @ x.T / n + 1) ** 3 + (y @ y.T / n + 1) ** 3
    b = (x @ y.T / n + 1) ** 3
    vals.append(((a.sum() - np.diag(a).sum()) / (m - 1) - b.sum() * 2 / m) / m)
  return np.asarray(vals)


def features(seed, n, d=64, shift=0.0):
  rs = np.random.RandomState(seed)
  return (rs.randn(n, d) + shift).astype(np.float32)


def test_kid_equals_clean_fid_on_the_same_subsets():
  real, fake = features(0, 300), features(1, 280, shift=0.2)
  got = kid.kernel_inception_distance(real, fake, num_subsets=7,
                                      subset_size=100)
  idx_real, idx_fake = kid.subset_indices(300, 280, 100, 7, 0)
  want = clean_fid_kid(real, fake, idx_real, idx_fake)
  assert got["kid"] == pytest.approx(want.mean(), abs=1e-6)
  assert got["kid_std"] == pytest.approx(want.std(), abs=1e-6)
  assert got["kid_subset_size"] == 100


def test_kid_of_whole_sets_is_the_unbiased_mmd():
  real, fake = features(2, 50, 8), features(3, 50, 8, shift=1.0)
  got = kid.kernel_inception_distance(real, fake, num_subsets=3,
                                      subset_size=999)
  # every subset is a permutation of all 50: one value, std 0
  x, y = real.astype(np.float64), fake.astype(np.float64)
  k = lambda a, b: (a @ b.T / 8 + 1) ** 3
  m = 50
  want = ((k(x, x).sum() - np.trace(k(x, x))) / (m * (m - 1))
          + (k(y, y).sum() - np.trace(k(y, y))) / (m * (m - 1))
          - 2 * k(x, y).mean())
  assert got["kid"] == pytest.approx(want, rel=1e-6)  # float32 sums
  assert got["kid_std"] < 1e-6 * max(1.0, got["kid"])  # float32 sum order
  # another sample of the real distribution: near 0 (unbiased), far below
  same = kid.kernel_inception_distance(real, features(4, 50, 8), num_subsets=3,
                                       subset_size=999)
  assert abs(same["kid"]) < 0.05 * got["kid"]


@pytest.mark.parametrize("n_real,n_fake,d", [(300, 250, 64), (200, 200, 16)])
def test_precision_recall_density_coverage_equal_prdc(n_real, n_fake, d):
  prdc = pytest.importorskip("prdc", reason="prdc absent: pip install prdc")
  real, fake = features(4, n_real, d), features(5, n_fake, d, shift=0.3)
  got = manifold.manifold_metrics(real, fake, k_pr=3, k_dc=5, chunk=64)
  pr = prdc.compute_prdc(real, fake, nearest_k=3)
  dc = prdc.compute_prdc(real, fake, nearest_k=5)
  assert got["precision"] == pytest.approx(pr["precision"], abs=1e-6)
  assert got["recall"] == pytest.approx(pr["recall"], abs=1e-6)
  assert got["density"] == pytest.approx(dc["density"], abs=1e-6)
  assert got["coverage"] == pytest.approx(dc["coverage"], abs=1e-6)
  assert 0 < got["precision"] < 1 and 0 < got["coverage"] < 1


def test_manifold_metrics_brute_force():
  """The papers' definitions as loops, on a small set."""
  real, fake = features(6, 40, 4), features(7, 30, 4, shift=0.5)
  dist = lambda a, b: np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
  def radii(x, k):
    d = dist(x, x)
    return np.sort(d, 1)[:, k]  # column 0 is the point itself
  r3, r5, f3 = radii(real, 3), radii(real, 5), radii(fake, 3)
  d = dist(fake, real)  # [M, N]
  precision = np.mean(
      [any(d[j, i] <= r3[i] for i in range(40)) for j in range(30)])
  recall = np.mean(
      [any(d[j, i] <= f3[j] for j in range(30)) for i in range(40)])
  density = sum(
      d[j, i] < r5[i] for j in range(30) for i in range(40)) / (5 * 30)
  coverage = np.mean([d[:, i].min() < r5[i] for i in range(40)])
  got = manifold.manifold_metrics(real, fake, k_pr=3, k_dc=5, chunk=8)
  assert got == pytest.approx(dict(precision=precision, recall=recall,
                                   density=density, coverage=coverage),
                              abs=1e-6)


def test_identical_sets_score_one():
  x = features(8, 100, 8)
  got = manifold.manifold_metrics(x, x.copy(), k_pr=3, k_dc=5)
  assert got["precision"] == got["recall"] == got["coverage"] == 1.0
  assert 0.9 < got["density"] < 1.5  # near 1 in expectation (Naeem et al.)


def openai_inception_score(logits_, splits=10):
  """openai/improved-gan inception_score.py on softmax(logits), float64."""
  preds = np.exp(logits_ - logits_.max(1, keepdims=True))
  preds /= preds.sum(1, keepdims=True)
  scores = []
  for i in range(splits):
    part = preds[
        (i * preds.shape[0] // splits):((i + 1) * preds.shape[0] // splits), :]
    kl = part * (np.log(part) - np.log(np.expand_dims(np.mean(part, 0), 0)))
    scores.append(np.exp(np.mean(np.sum(kl, 1))))
  return np.mean(scores), np.std(scores)


def test_inception_score_equals_the_reference_code():
  rs = np.random.RandomState(9)
  pool3 = np.abs(rs.randn(500, logits.POOL3)).astype(np.float32) * 0.3
  layer = {"kernel":
           rs.randn(logits.POOL3, logits.NUM_LOGITS).astype(np.float32) * 0.05}
  lg = logits.logits(layer, pool3)
  want = openai_inception_score(
      pool3.astype(np.float64) @ layer["kernel"].astype(np.float64))
  got = fid.inception_score(lg, splits=10)
  assert got == pytest.approx(want, rel=1e-4)
  assert 1.0 < got[0] < logits.NUM_LOGITS


def test_inception_score_closed_forms_of_logits():
  assert (fid.inception_score(np.zeros((40, 1008)), splits=4)[0]
          == pytest.approx(1.0))
  same = np.tile(np.random.RandomState(0).randn(1, 1008), (40, 1))  # identical
  assert fid.inception_score(same, splits=4)[0] == pytest.approx(1.0)
  n = 25
  onehot = np.eye(1008)[np.tile(np.arange(n), 8)] * 60.0  # n balanced classes
  assert fid.inception_score(onehot, splits=1)[0] == pytest.approx(n, rel=1e-6)


def test_logits_layer_from_files(tmp_path):
  w = np.random.RandomState(1).randn(
      logits.NUM_LOGITS, logits.POOL3).astype(np.float32)
  logits.save_logits_layer({"kernel": w.T}, str(tmp_path / "fc.npz"))
  np.testing.assert_array_equal(
      logits.load_logits_layer(str(tmp_path / "fc.npz"))["kernel"], w.T)
  # a state dict as torch lays it out ([out, in], under 'fc.weight')
  assert logits._find_kernel(
      {"conv.weight": np.zeros((3, 3)), "fc.weight": w}) is not None
  np.testing.assert_array_equal(
      logits._find_kernel(
          {"net": {"output": {"weight": w, "bias": np.zeros(1008)}}}), w.T)
  np.savez(str(tmp_path / "bad.npz"), kernel=np.zeros((10, 10)))
  with pytest.raises(ValueError, match="2048 x 1008"):
    logits.load_logits_layer(str(tmp_path / "bad.npz"))


def test_feature_metrics_keys_and_too_few_samples():
  ec = eval_config()
  out = feature_metrics.feature_metrics(features(0, 60), features(1, 50), ec,
                                        suffix="_domain")
  assert {"fid_domain", "kid_domain", "precision_domain", "recall_domain",
          "density_domain", "coverage_domain", "knn_real_acc_domain",
          "knn_fake_acc_domain"} <= set(out)
  with pytest.raises(ValueError, match="at least 6 samples"):
    feature_metrics.feature_metrics(features(0, 5), features(1, 50), ec)


def test_best_match_accuracy_is_a_brute_force_over_permutations():
  import itertools

  from gan_mixtures.metrics import components as comp_lib

  rs = np.random.RandomState(0)
  comps, labels = rs.randint(0, 4, 300), rs.randint(0, 4, 300)
  labels[comps == 2] = 1  # component 2 draws 1s
  want = max(np.mean(np.asarray(perm)[comps] == labels)
             for perm in itertools.permutations(range(4)))
  assert comp_lib.best_match_accuracy(comps, labels, 4) == pytest.approx(want)


def test_component_metrics_mark_a_generator_that_draws_one_digit_or_noise():
  """Purity is 1.0 when every component draws the same digit; the matching
  accuracy is 1 / K then. Noise images: the classifier's features put them
  far from the digits (component_fid_domain), beside whatever the label
  metrics say."""
  from gan_mixtures.metrics import components as comp_lib

  k, m = 5, 40
  comps = np.repeat(np.arange(k), m)
  one_digit = np.zeros((k * m, 10))
  one_digit[:, 7] = 1.0
  out = comp_lib.component_label_metrics(comps, one_digit)
  assert out["component_purity"] == 1.0
  assert out["component_digit_acc"] == pytest.approx(1 / k)
  distinct = np.eye(10)[comps]
  assert comp_lib.component_label_metrics(comps, distinct)[
      "component_digit_acc"] == 1.0

  class Clf:  # features: the mean and spread of the pixels
    def features(self, x):
      x = x.reshape(len(x), -1)
      return np.stack([x.mean(1), x.std(1), (x > 0).mean(1)], 1)

  rs = np.random.RandomState(1)
  digits_like = np.where(rs.rand(400, 8, 8, 1) < 0.2, 1.0, -1.0)
  noise = rs.uniform(-1, 1, (200, 8, 8, 1))
  real = Clf().features(digits_like)
  fid_noise = comp_lib.realism(Clf(), noise, real)["component_fid_domain"]
  fid_real = comp_lib.realism(Clf(), digits_like[:200], real)[
      "component_fid_domain"]
  assert fid_noise > 100 * max(fid_real, 1e-3)
