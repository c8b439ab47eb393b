"""Image data: IDX reader, preprocessing, deterministic indices, Stacked MNIST,
tfds data_source pipelines under tfds.testing.mock_data."""

import os

import numpy as np
import pytest

from gan_mixtures import data as data_lib
from gan_mixtures.data import images, sources
from tests.helpers import data_config

FIXTURE = os.path.join(os.path.dirname(__file__), "testdata", "mnist_small")
SHARED_MNIST = sources.mnist_dir("")




def test_idx_reader_on_fixture():
  src = sources.local_mnist(FIXTURE, "train")
  assert len(src) == 200
  np.testing.assert_array_equal(src.labels(np.arange(10)),
                                [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
  img = src.images(np.array([0]))
  assert (img.shape == (1, 28, 28, 1) and img.dtype == np.uint8
          and img.max() == 255)


def test_idx_reader_rejects_garbage(tmp_path):
  p = tmp_path / "bad.idx"
  p.write_bytes(b"\x01\x02\x03\x04garbage")
  with pytest.raises(ValueError, match="not an IDX"):
    sources.read_idx(str(p))


def test_missing_mnist_dir_is_a_clear_error(tmp_path):
  with pytest.raises(FileNotFoundError, match="mnist_dir"):
    data_lib.make_dataset(data_config(name="mnist", mnist_dir=str(tmp_path)))


def test_unprepared_tfds_set_is_a_clear_error_without_network(
    tmp_path, monkeypatch):
  # data.download False: neither the builder's download nor
  # tfds.data_source's own (its default download=True) may be tried.
  import tensorflow_datasets as tfds

  tried = []

  def no_network(*args, **kwargs):
    tried.append(args[1:])
    raise OSError("no network")

  for name in ("download", "download_and_extract"):
    monkeypatch.setattr(tfds.download.DownloadManager, name, no_network)
  with pytest.raises(FileNotFoundError,
                     match="not prepared .* data.download is False"):
    sources.TfdsSource("cifar10", "train", str(tmp_path), download=False)
  assert not tried


def test_preprocess_modes():
  raw = np.full((2, 28, 28, 1), 255, np.uint8)
  padded = images.preprocess(raw, 32, 1, "pad", 0)
  assert padded.shape == (2, 32, 32, 1)
  assert padded[0, 0, 0, 0] == -1.0 and padded[0, 16, 16, 0] == 1.0
  rgb = images.preprocess(raw, 28, 3, "none", 0)
  assert rgb.shape == (2, 28, 28, 3) and rgb.min() == 1.0
  big = np.zeros((1, 218, 178, 3), np.uint8)
  big[:, 35:183, 15:163] = 255  # exactly the centre 148 x 148 crop
  out = images.preprocess(big, 64, 3, "resize", 148)
  assert out.shape == (1, 64, 64, 3) and out.min() > 0.99


def test_indices_are_deterministic_epoch_permutations():
  ds = data_lib.make_dataset(data_config(name="mnist", mnist_dir=FIXTURE),
                             seed=3)
  again = data_lib.make_dataset(data_config(name="mnist", mnist_dir=FIXTURE),
                                seed=3)
  # 200 examples, 50 per step: steps 0-3 are one epoch, every example once.
  epoch = np.concatenate([ds.indices(s, 50) for s in range(4)])
  np.testing.assert_array_equal(np.sort(epoch), np.arange(200))
  # A fresh instance (a resumed run) gives the same batch for any step.
  np.testing.assert_array_equal(ds.indices(7, 50), again.indices(7, 50))
  x1, y1 = ds.batch_with_labels(5, (2, 4))
  x2, y2 = again.batch_with_labels(5, (2, 4))
  assert (x1.shape == (2, 4, 32, 32, 1) and np.array_equal(x1, x2)
          and np.array_equal(y1, y2))
  assert -1.0 <= x1.min() and x1.max() <= 1.0
  other = data_lib.make_dataset(data_config(name="mnist", mnist_dir=FIXTURE),
                                seed=4)
  assert not np.array_equal(ds.indices(0, 50), other.indices(0, 50))


def test_stacked_mnist_labels_match_channels():
  ds = data_lib.make_dataset(data_config(
      name="stacked_mnist", mnist_dir=FIXTURE, image_size=28, resize="none"))
  assert ds.example_shape == (28, 28, 3) and ds.num_classes == 1000
  x, y = ds.batch_with_labels(1, (16,))
  src = sources.local_mnist(FIXTURE, "train")
  idx = [ds.indices(1, 16, s) for s in range(3)]
  for c in range(3):
    np.testing.assert_array_equal(
        x[..., c], images.to_unit_range(src.images(idx[c]))[..., 0])
  want = 100 * src.labels(idx[0]) + 10 * src.labels(idx[1]) + src.labels(idx[2])
  np.testing.assert_array_equal(y, want)


def test_sklearn_digits_source():
  ds = data_lib.make_dataset(data_config(name="digits", image_size=16,
                                         resize="resize"))
  x, y = ds.batch_with_labels(0, (32,))
  assert x.shape == (32, 16, 16, 1) and set(y) <= set(range(10))
  assert len(ds.source) == 1438  # 80 % of 1797


@pytest.mark.skipif(
    not os.path.exists(os.path.join(SHARED_MNIST,
                                    "train-images-idx3-ubyte.gz")),
    reason=f"full MNIST not found at {SHARED_MNIST} (set MNIST_DIR)",
)
def test_full_local_mnist():
  train = sources.local_mnist(SHARED_MNIST, "train")
  test = sources.local_mnist(SHARED_MNIST, "test")
  assert len(train) == 60000 and len(test) == 10000
  np.testing.assert_array_equal(np.bincount(test.all_labels)[:3],
                                [980, 1135, 1032])


@pytest.mark.parametrize(
    "name,size,resize,crop,shape",
    [
        ("mnist", 32, "pad", 0, (32, 32, 1)),
        ("fashion_mnist", 28, "none", 0, (28, 28, 1)),
        ("cifar10", 32, "none", 0, (32, 32, 3)),
        ("celeb_a", 64, "resize", 148, (64, 64, 3)),
        ("stacked_mnist", 28, "none", 0, (28, 28, 3)),
        ("cifar100", 32, "none", 0, (32, 32, 3)),
        ("imagenet32", 32, "resize", 0, (32, 32, 3)),
        ("oxford_flowers102", 64, "resize", 0, (64, 64, 3)),
    ],
)
def test_tfds_pipelines_under_mock_data(name, size, resize, crop, shape):
  tfds = pytest.importorskip("tensorflow_datasets")
  with tfds.testing.mock_data(num_examples=40):
    dc = data_config(name=name, source="tfds", image_size=size, resize=resize,
                     crop=crop)
    ds = data_lib.make_dataset(dc, seed=1)
    x = ds.host_batch(3, (2, 5))
    assert x.shape == (2, 5) + shape and x.dtype == np.float32
    assert -1.0 <= x.min() <= x.max() <= 1.0
    again = data_lib.make_dataset(dc, seed=1).host_batch(3, (2, 5))
    np.testing.assert_array_equal(x, again)
    real, labels = ds.real_examples(7)
    assert real.shape == (7,) + shape and labels.shape == (7,)


@pytest.mark.parametrize(
    "name,size,resize,crop,shape",
    [("cifar10", 32, "none", 0, (32, 32, 3)),
     ("celeb_a", 128, "resize", 148, (128, 128, 3)),
     ("stacked_mnist", 28, "none", 0, (28, 28, 3))],
)
def test_random_source_has_the_sets_shape(name, size, resize, crop, shape):
  # what benchmarks use on a machine without the data set (or tfds)
  dc = data_config(name=name, source="random", image_size=size, resize=resize,
                   crop=crop)
  x = data_lib.make_dataset(dc, seed=1).host_batch(0, (2, 4))
  assert x.shape == (2, 4) + shape and x.dtype == np.float32
  assert -1.0 <= x.min() < 0.0 < x.max() <= 1.0


def test_prefetcher_order():
  pf = images.Prefetcher(lambda s: np.full(2, s), 3, 8, depth=3)
  assert [int(b[0]) for b in pf] == [3, 4, 5, 6, 7]
  pf.close()


def test_class_filtered_and_imbalanced_views():
  labels = np.repeat(np.arange(4), [10, 20, 30, 40])
  idx = sources.class_subset(labels, classes=(1, 3))
  assert set(labels[idx]) == {1, 3} and len(idx) == 60
  imb = sources.class_subset(labels, major=2, minor_count=5)
  counts = np.bincount(labels[imb], minlength=4)
  np.testing.assert_array_equal(counts, [5, 5, 30, 5])
  assert np.all(np.diff(imb) > 0)  # source order, no repeats
  with pytest.raises(ValueError, match="no examples"):
    sources.class_subset(labels, classes=(7,))


def test_imbalanced_mnist_view_on_fixture():
  ds = data_lib.make_dataset(data_config(
      name="mnist", mnist_dir=FIXTURE, major_class=1, minor_count=3))
  counts = np.bincount(ds.source.all_labels, minlength=10)
  full = np.bincount(sources.local_mnist(FIXTURE, "train").all_labels,
                     minlength=10)
  assert counts[1] == full[1] and all(
      counts[c] == 3 for c in range(10) if c != 1)
  x, y = ds.batch_with_labels(0, (8,))
  assert set(y) <= set(range(10)) and x.shape == (8, 32, 32, 1)


def test_tfds_source_reads_each_item_once_per_batch():
  tfds = pytest.importorskip("tensorflow_datasets")
  with tfds.testing.mock_data(num_examples=20):
    src = sources.TfdsSource("mnist", "train", None, False)
    reads = []
    inner = src._src

    class Counting:
      def __len__(self):
        return len(inner)

      def __getitem__(self, i):
        reads.append(i)
        return inner[i]

    src._src = Counting()
    imgs, labels = src.examples(np.arange(5))
    assert len(reads) == 5 and imgs.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(labels, src.labels(np.arange(5)))
