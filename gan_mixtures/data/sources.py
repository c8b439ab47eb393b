"""Random-access image sources: tfds `data_source`, local MNIST IDX files, and
scikit-learn's digits. A source has `len()`,
`images(idx) -> uint8 [n, H, W, C]`, `labels(idx) -> int [n]` and
`examples(idx) -> (images, labels)` (one read of each item); none of them
needs TensorFlow.
"""

import gzip
import os
import struct
import zlib

import numpy as np

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def read_idx(path: str) -> np.ndarray:
  """Reads an IDX file (optionally gzip-compressed) into a numpy array."""
  opener = gzip.open if path.endswith(".gz") else open
  try:
    with opener(path, "rb") as f:
      data = f.read()
  except (EOFError, OSError, zlib.error) as e:  # truncated / not gzip
    raise ValueError(f"{path} is truncated or corrupt ({type(e).__name__}:"
                     f" {e}); replace the file") from None
  if len(data) < 4 or data[0] != 0 or data[1] != 0:
    raise ValueError(f"{path} is not an IDX file")
  dtype_code, ndim = data[2], data[3]
  if dtype_code != 0x08:
    raise ValueError(f"{path}: only unsigned-byte IDX files are supported")
  shape = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
  arr = np.frombuffer(data, np.uint8, offset=4 + 4 * ndim)
  if arr.size != int(np.prod(shape)):
    raise ValueError(f"{path}: expected {shape} values, found {arr.size}")
  return arr.reshape(shape)


class ArraySource:
  """A source over in-memory arrays."""

  def __init__(self, images: np.ndarray, labels: np.ndarray):
    if images.ndim == 3:
      images = images[..., None]
    if len(images) != len(labels):
      raise ValueError("images and labels differ in length")
    self._images, self._labels = images, labels.astype(np.int64)

  def __len__(self) -> int:
    return len(self._images)

  def images(self, idx: np.ndarray) -> np.ndarray:
    return self._images[idx]

  def labels(self, idx: np.ndarray) -> np.ndarray:
    return self._labels[idx]

  def examples(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return self.images(idx), self.labels(idx)

  @property
  def all_labels(self) -> np.ndarray:
    return self._labels


def mnist_dir(config_dir: str) -> str:
  """The MNIST folder: the config's, else $MNIST_DIR, else
  ../shared/data/mnist."""
  here = os.path.dirname(os.path.abspath(__file__))
  shared = os.path.join(here, "..", "..", "..", "shared", "data", "mnist")
  return config_dir or os.environ.get("MNIST_DIR") or os.path.normpath(shared)


def local_mnist(folder: str, split: str) -> ArraySource:
  """Real MNIST from IDX files in `folder` (same output as tfds 'mnist')."""
  if split not in MNIST_FILES:
    raise ValueError(
        f"local MNIST has splits 'train' and 'test', not {split!r}")
  img_name, lbl_name = MNIST_FILES[split]
  paths = [os.path.join(folder, n) for n in (img_name, lbl_name)]
  for p in paths:
    if not (os.path.exists(p) or os.path.exists(p[:-3])):
      raise FileNotFoundError(
          f"MNIST file {p} not found; set data.mnist_dir or MNIST_DIR"
      )
  paths = [p if os.path.exists(p) else p[:-3] for p in paths]
  return ArraySource(read_idx(paths[0]), read_idx(paths[1]))


def sklearn_digits(split: str, test_fraction: float = 0.2) -> ArraySource:
  """scikit-learn's 8x8 digits (values 0..16 scaled to 0..255), split 80/20."""
  from sklearn.datasets import load_digits

  if split not in ("train", "test"):
    raise ValueError(f"digits has splits 'train' and 'test', not {split!r}")
  d = load_digits()
  images = np.round(d.images * (255.0 / 16.0)).astype(np.uint8)
  perm = np.random.RandomState(0).permutation(len(images))
  n_test = int(len(images) * test_fraction)
  idx = perm[n_test:] if split == "train" else perm[:n_test]
  return ArraySource(images[idx], d.target[idx])


def random_images(shape: tuple[int, int, int], num_classes: int, n: int = 1024,
                  seed: int = 0) -> ArraySource:
  """n uniform random uint8 images [H, W, C] with random labels: stands in
  for a data set that is not on the machine where only speed matters
  (benchmarks/step_time.py on a GPU machine without tfds)."""
  rng = np.random.default_rng(seed)
  images = rng.integers(0, 256, (n,) + tuple(shape), dtype=np.uint8)
  return ArraySource(images, rng.integers(0, num_classes, n))


IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


class FolderSource:
  """Images in a folder tree (any size; label 0), split by a seeded
  permutation into the last `test_size` files ('test') and the rest
  ('train'). Read and decoded on demand."""

  def __init__(self, folder: str, split: str, test_size: int, seed: int = 0):
    if not os.path.isdir(folder):
      raise FileNotFoundError(
          f"image folder {folder!r} not found (data.image_dir)")
    files = sorted(
        os.path.join(root, f) for root, _, names in os.walk(folder)
        for f in names if f.lower().endswith(IMAGE_EXTENSIONS))
    if len(files) <= test_size:
      raise ValueError(f"{folder} has {len(files)} images, not more than the"
                       f" {test_size} held out (data.folder_test_size)")
    perm = np.random.RandomState(seed).permutation(len(files))
    if split not in ("train", "test"):
      raise ValueError(
          f"an image folder has splits 'train' and 'test', not {split!r}")
    idx = perm[:test_size] if split == "test" else perm[test_size:]
    self._files = [files[i] for i in np.sort(idx)]

  def __len__(self) -> int:
    return len(self._files)

  def images(self, idx: np.ndarray) -> list[np.ndarray]:
    from PIL import Image

    out = []
    for i in np.asarray(idx).ravel():
      with Image.open(self._files[int(i)]) as im:
        out.append(np.asarray(im.convert("RGB")))
    return out

  def labels(self, idx: np.ndarray) -> np.ndarray:
    return np.zeros(len(np.asarray(idx).ravel()), np.int64)

  def examples(self, idx: np.ndarray):
    return self.images(idx), self.labels(idx)

  @property
  def all_labels(self) -> np.ndarray:
    return np.zeros(len(self), np.int64)


class TfdsSource:
  """A tfds `data_source` (array_record, random access, no TensorFlow)."""

  def __init__(self, name: str, split: str, data_dir: str | None,
               download: bool):
    import tensorflow_datasets as tfds

    if download:
      tfds.builder(name, data_dir=data_dir).download_and_prepare()
    try:
      # download=False: tfds.data_source's default (True) would try the
      # network for a set that is not prepared, even with data.download off
      self._src = tfds.data_source(name, split=split, data_dir=data_dir,
                                   download=False)
    except Exception as e:  # DatasetNotFoundError, ... : say what to do
      raise FileNotFoundError(
          f"tfds data set {name!r} ({split}) is not prepared under"
          f" {data_dir or 'the default tfds data_dir'} and data.download is"
          f" False ({type(e).__name__})"
      ) from e
    self._label_cache: np.ndarray | None = None

  def __len__(self) -> int:
    return len(self._src)

  def _items(self, idx: np.ndarray) -> list[dict]:
    return [self._src[int(i)] for i in np.asarray(idx).ravel()]

  @staticmethod
  def _images_of(items: list[dict]) -> np.ndarray | list[np.ndarray]:
    """uint8 [n, h, w, c], or a list of [h_i, w_i, c] for variable sizes."""
    imgs = [np.asarray(it["image"]) for it in items]
    imgs = [im[..., None] if im.ndim == 2 else im for im in imgs]
    if len({im.shape for im in imgs}) == 1:
      return np.stack(imgs)
    return imgs

  @staticmethod
  def _labels_of(items: list[dict]) -> np.ndarray:
    return np.asarray([int(it.get("label", 0)) for it in items])

  def images(self, idx: np.ndarray) -> np.ndarray | list[np.ndarray]:
    return self._images_of(self._items(idx))

  def labels(self, idx: np.ndarray) -> np.ndarray:
    return self._labels_of(self._items(idx))

  def examples(self, idx: np.ndarray):
    """Images and labels from one read (and decode) of every item."""
    items = self._items(idx)
    return self._images_of(items), self._labels_of(items)

  @property
  def all_labels(self) -> np.ndarray:
    if self._label_cache is None:
      self._label_cache = self.labels(np.arange(len(self)))
    return self._label_cache


class SubsetSource:
  """A view of `source` restricted to `indices` (class filters, imbalance)."""

  def __init__(self, source, indices: np.ndarray):
    self._source, self._indices = source, np.asarray(indices, np.int64)
    self._labels = source.all_labels[self._indices]

  def __len__(self) -> int:
    return len(self._indices)

  def images(self, idx: np.ndarray) -> np.ndarray:
    return self._source.images(self._indices[idx])

  def labels(self, idx: np.ndarray) -> np.ndarray:
    return self._labels[idx]

  def examples(self, idx: np.ndarray):
    return self.images(idx), self.labels(idx)  # labels are cached: one read

  @property
  def all_labels(self) -> np.ndarray:
    return self._labels


def class_subset(
    labels: np.ndarray,
    classes: tuple[int, ...] = (),
    major: int = -1,
    minor_count: int = 0,
    seed: int = 0,
) -> np.ndarray:
  """Indices of a class-filtered and/or imbalanced view, in source order.

  Args:
    labels: [N] labels of the source.
    classes: keep only these classes (empty: all).
    major: if >= 0, this class is kept whole and every other kept class is cut
      to its first `minor_count` examples of a seeded permutation.
    minor_count: examples kept per minor class.
    seed: seed of the permutation that picks the minor examples.
  """
  keep = (np.isin(labels, classes) if len(classes)
          else np.ones(len(labels), bool))
  if major >= 0:
    rs = np.random.RandomState(seed)
    for c in np.unique(labels[keep]):
      if c == major:
        continue
      members = np.flatnonzero(keep & (labels == c))
      drop = rs.permutation(members)[minor_count:]
      keep[drop] = False
  idx = np.flatnonzero(keep)
  if len(idx) == 0:
    raise ValueError(f"no examples left after keeping classes {classes}")
  return idx
