"""An image set held on the device: the whole split, preprocessed, as uint8.

The host then hands a step only the source indices of its examples (the
same (seed, step) indices the host pipeline reads, images.ImageDataset.
indices), and the step gathers and scales its batch on the device
(`decode`): no image decoding, resizing or host-to-device copy of images
per step. The decoded batch equals the host pipeline's batch bit for bit
(tests/test_device_cache.py).

Sets whose table fits under `data.device_cache_mb` MiB (MNIST, Fashion-MNIST,
digits, Stacked MNIST, CIFAR-10 / 100 at their sizes) are cached;
ImageNet 32 or CelebA at 64 stay on the host path. Multi-set data
(MMGAN's class splits) stays on the host path too.
"""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from gan_mixtures.data import images

_CHUNK = 8192  # examples preprocessed at a time while the table is built
_UNIT_RANGE = images.to_unit_range(np.arange(256, dtype=np.uint8))  # [256]


def table_bytes(data: images.ImageDataset) -> int:
  """Bytes of the uint8 table [N, H, W, C] of one stream's examples."""
  return data.size * data.image_size ** 2 * data.channels


def build_table(data: images.ImageDataset) -> np.ndarray:
  """Every example of the split in source order, preprocessed as the host
  pipeline does it; uint8 [N, H, W, C]."""
  parts = []
  for lo in range(0, data.size, _CHUNK):
    idx = np.arange(lo, min(lo + _CHUNK, data.size))
    parts.append(images.preprocess_uint8(
        data.source.images(idx), data.image_size, data.channels, data.resize,
        data.crop))
  return np.concatenate(parts)


def decode(table: jax.Array, idx: jax.Array) -> jax.Array:
  """uint8 table [N, H, W, C], indices [..., stack] -> float32 [..., H, W,
  stack * C] in [-1, 1]: the host batch (streams concatenated along
  channels, stream 0 first, as ImageDataset._load)."""
  x = table[idx]  # [..., stack, H, W, C]
  x = jnp.moveaxis(x, -4, -2)  # [..., H, W, stack, C]
  x = x.reshape(x.shape[:-2] + (x.shape[-2] * x.shape[-1],))
  # A look-up of the host's own values (XLA may turn x / 127.5 into a
  # multiplication, which rounds differently)
  return jnp.asarray(_UNIT_RANGE)[x]


class DeviceImages:
  """`base` (an ImageDataset) with its train batches gathered on the device.

  `host_batch(step, shape, rows)` is what the host hands the step: int32
  indices [*shape, stack]; the train step turns them into images with
  `decode(table, batch)`. Everything else (evaluation views, labels, cache
  keys, `example_batch`) is the base set's.
  """

  device_cached = True

  def __init__(self, base: images.ImageDataset, sharding: Any):
    self.base, self._sharding, self._table = base, sharding, None

  def __getattr__(self, name: str) -> Any:
    if name.startswith("__"):  # copy / pickle probes: not the base's
      raise AttributeError(name)
    return getattr(self.base, name)

  @property
  def table(self) -> jax.Array:
    """uint8 [N, H, W, C] on every device (replicated; each process builds
    its copy from the same source), built at first use."""
    if self._table is None:
      host = build_table(self.base)
      self._table = jax.make_array_from_callback(
          host.shape, self._sharding, lambda index: host[index])
    return self._table

  @property
  def batch_tail(self) -> tuple[int, ...]:
    """What follows the batch axes of a host batch: the stream indices."""
    return (self.base.stack,)

  def host_batch(self, step: int, shape: tuple[int, ...],
                 rows: slice | None = None) -> np.ndarray:
    """Source indices [*shape, stack] of train step `step` (int32); with
    `rows`, only those positions of shape's last axis."""
    idx = self.base.step_indices(step, shape, rows)
    return np.stack(idx, axis=-1).astype(np.int32)

  def decode(self, table: jax.Array, batch: jax.Array) -> jax.Array:
    return decode(table, batch)

  def example_batch(self, n: int) -> np.ndarray:
    return self.base.example_batch(n)


def maybe_cache(data: Any, cache_mb: float, sharding: Any) -> Any:
  """`data` as DeviceImages when it is a single image set whose table fits
  in `cache_mb` MiB (0 turns the cache off); else `data` itself."""
  if not isinstance(data, images.ImageDataset) or cache_mb <= 0:
    return data
  if table_bytes(data) > cache_mb * 2 ** 20:
    return data
  return DeviceImages(data, sharding)
