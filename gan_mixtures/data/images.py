"""Image data sets read on the host with deterministic per-step indices.

The examples of step s are a pure function of (seed, s): every epoch is a
fresh permutation drawn from (seed, stream, epoch), so a resumed run sees the
same batches as an uninterrupted one. Images are scaled to [-1, 1] and
padded / resized / centre-cropped as the config says. Stacked MNIST draws
three independent index streams and stacks the digits as RGB (1000 modes,
label = 100 d0 + 10 d1 + d2).
"""

import concurrent.futures
import dataclasses
import math
from typing import Any, Iterator

import numpy as np
from PIL import Image

RESIZE_MODES = ("none", "pad", "resize")


def to_unit_range(images: np.ndarray) -> np.ndarray:
  """uint8 [..., H, W, C] -> float32 in [-1, 1]."""
  return images.astype(np.float32) / 127.5 - 1.0


def _resize_one(img: np.ndarray, size: int, crop: int) -> np.ndarray:
  """Centre-crops to `crop` (if > 0), then resizes to size x size (bilinear)."""
  h, w, c = img.shape
  if crop > 0:
    top, left = (h - crop) // 2, (w - crop) // 2
    img = img[top : top + crop, left : left + crop]
  pil = Image.fromarray(img[..., 0] if c == 1 else img)
  out = np.asarray(pil.resize((size, size), Image.BILINEAR))
  return out[..., None] if out.ndim == 2 else out


def preprocess(images: np.ndarray | list[np.ndarray], size: int, channels: int,
               mode: str, crop: int) -> np.ndarray:
  """uint8 [n, h, w, c] -> float32 [n, size, size, channels] in [-1, 1].

  A list of images of different sizes (e.g. oxford_flowers102) needs
  mode 'resize'.
  """
  return to_unit_range(preprocess_uint8(images, size, channels, mode, crop))


def preprocess_uint8(images: np.ndarray | list[np.ndarray], size: int,
                     channels: int, mode: str, crop: int) -> np.ndarray:
  """uint8 [n, h, w, c] -> uint8 [n, size, size, channels] (see preprocess)."""
  if isinstance(images, list):
    if mode != "resize":
      raise ValueError("images of different sizes need data.resize='resize'")
    images = np.stack([_resize_one(im, size, crop) for im in images])
    mode, crop = "none", 0
  n, h, w, c = images.shape
  if mode == "pad" and (h, w) != (size, size):
    ph, pw = (size - h) // 2, (size - w) // 2
    if ph < 0 or pw < 0:
      raise ValueError(f"cannot pad {h}x{w} images to {size}")
    images = np.pad(
        images, ((0, 0), (ph, size - h - ph), (pw, size - w - pw), (0, 0)))
  elif mode == "resize" and ((h, w) != (size, size) or crop > 0):
    images = np.stack([_resize_one(im, size, crop) for im in images])
  elif mode not in RESIZE_MODES:
    raise ValueError(
        f"unknown resize mode {mode!r}; choose from {RESIZE_MODES}")
  if images.shape[-1] != channels:
    if images.shape[-1] == 1:
      images = np.repeat(images, channels, axis=-1)
    else:
      raise ValueError(
          f"cannot turn {images.shape[-1]} channels into {channels}")
  return images


@dataclasses.dataclass
class ImageDataset:
  """Images from a random-access source, optionally `stack`ed as channels.

  Attributes:
    name: data set name.
    source: has len() and examples(idx) -> (uint8 [n, h, w, c], labels [n]).
    image_size: output height = width.
    channels: output channels per stacked image.
    resize: 'none' | 'pad' | 'resize'.
    crop: centre crop before resizing (0 = none).
    seed: seed of the epoch permutations.
    stack: images stacked along channels (3 for Stacked MNIST).
    num_classes: label classes (10 ** stack for a stacked digit set).
    split_name: the split the source reads (names cached statistics).
    source_key: the source's kind and class filters (a JSON-able value that
      enters `cache_key`).
  """

  name: str
  source: Any
  image_size: int
  channels: int
  resize: str = "none"
  crop: int = 0
  seed: int = 0
  stack: int = 1
  num_classes: int = 10
  split_name: str = "train"
  source_key: Any = ()  # what selects the source's examples (cache keys)

  kind = "image"
  on_device = False
  means = None

  @property
  def example_shape(self) -> tuple[int, int, int]:
    return (self.image_size, self.image_size, self.channels * self.stack)

  @property
  def batch_tail(self) -> tuple[int, ...]:
    """What follows the batch axes of a host batch: one example's shape."""
    return self.example_shape

  @property
  def size(self) -> int:
    """Examples in the split (after class filters)."""
    return len(self.source)

  def cache_key(self) -> dict[str, Any]:
    """Every option that changes this set's evaluation images: name, split,
    size, channels, stacking, resize and crop, the source and its filters."""
    return {
        "name": self.name, "split": self.split_name, "size": self.size,
        "image_size": self.image_size, "channels": self.channels,
        "stack": self.stack, "resize": self.resize, "crop": self.crop,
        "source": self.source_key,
    }

  def __post_init__(self):
    self._perms: dict[tuple[int, int], np.ndarray] = {}

  def _permutation(self, stream: int, epoch: int) -> np.ndarray:
    key = (stream, epoch)
    if key not in self._perms:
      if len(self._perms) >= 8:  # a step spans at most two epochs per stream
        self._perms.pop(next(iter(self._perms)))
      self._perms[key] = np.random.default_rng(
          [self.seed, stream, epoch]
      ).permutation(len(self.source))
    return self._perms[key]

  def indices(self, step: int, n: int, stream: int = 0) -> np.ndarray:
    """Source indices of the n examples of `step` in `stream`; [n]."""
    size = len(self.source)
    pos = step * n + np.arange(n)
    epochs, offsets = pos // size, pos % size
    out = np.empty(n, np.int64)
    for e in np.unique(epochs):
      sel = epochs == e
      out[sel] = self._permutation(stream, int(e))[offsets[sel]]
    return out

  def _load(
      self, idx_per_stream: list[np.ndarray]
  ) -> tuple[np.ndarray, np.ndarray]:
    imgs, labels = [], np.zeros(len(idx_per_stream[0]), np.int64)
    for idx in idx_per_stream:
      raw, raw_labels = self.source.examples(idx)
      imgs.append(
          preprocess(raw, self.image_size, self.channels, self.resize,
                     self.crop)
      )
      labels = labels * 10 + raw_labels
    return np.concatenate(imgs, axis=-1), labels

  def batch_with_labels(
      self, step: int, shape: tuple[int, ...], rows: slice | None = None
  ) -> tuple[np.ndarray, np.ndarray]:
    """Images [*shape, H, W, C] and labels [*shape] of train step `step`;
    with `rows`, only those positions of shape's last axis (the batch axis a
    process's devices hold: the other examples are not read)."""
    idx = self.step_indices(step, shape, rows)
    part = idx[0].shape
    x, y = self._load([i.ravel() for i in idx])
    return x.reshape(part + self.example_shape), y.reshape(part)

  def step_indices(self, step: int, shape: tuple[int, ...],
                   rows: slice | None = None) -> list[np.ndarray]:
    """Per stream, the source indices [*shape] of train step `step` (with
    `rows`, only those positions of shape's last axis)."""
    n = math.prod(shape)
    idx = [self.indices(step, n, s).reshape(shape) for s in range(self.stack)]
    return idx if rows is None else [i[..., rows] for i in idx]

  def host_batch(self, step: int, shape: tuple[int, ...],
                 rows: slice | None = None) -> np.ndarray:
    return self.batch_with_labels(step, shape, rows)[0]

  def example_batch(self, n: int) -> np.ndarray:
    return self.host_batch(0, (n,))

  def all_examples(self) -> tuple[np.ndarray, np.ndarray]:
    """The whole split in source order (single-image sets), for small sets."""
    return self._load([np.arange(len(self.source))] * self.stack)

  def real_examples(
      self, n: int, seed: int = 1
  ) -> tuple[np.ndarray, np.ndarray]:
    """n examples (and labels) drawn without replacement for evaluation."""
    return self._draw(n, np.random.default_rng([self.seed, 10_000 + seed]))

  def reference_examples(self, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n real examples the feature metrics compare with: the same
    whatever the run's seed (so cached features serve every seed); the whole
    split in source order when n covers it."""
    if n >= self.size and self.stack == 1:
      return self._load([np.arange(self.size)])
    return self._draw(n, np.random.default_rng([0, 20_000]))

  def _draw(self, n: int, rs: np.random.Generator):
    size = len(self.source)
    streams = [rs.choice(size, n, replace=n > size) for _ in range(self.stack)]
    return self._load(streams)


class Prefetcher:
  """Produces host batches for the coming steps in a background thread."""

  def __init__(self, fn, start: int, stop: int, depth: int = 2):
    self._fn, self._next, self._stop = fn, start, stop
    self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    self._queue: list = []
    for _ in range(depth):
      self._submit()

  def _submit(self) -> None:
    if self._next < self._stop:
      self._queue.append(self._pool.submit(self._fn, self._next))
      self._next += 1

  def __iter__(self) -> Iterator[np.ndarray]:
    while self._queue:
      batch = self._queue.pop(0).result()
      self._submit()
      yield batch

  def close(self) -> None:
    self._pool.shutdown(wait=False, cancel_futures=True)
