"""Reads the parameters of a TorchScript archive (.pt zip) without torch.

A TorchScript archive holds `<root>/data.pkl` (the module tree, pickled, with
tensors as persistent references) and `<root>/data/<key>` (raw storages).
We unpickle it with stand-ins for torch's classes and return the module tree
as nested dicts: tensors become numpy arrays, other attributes stay as they
are, and submodules become dicts.
"""

import collections
import pickle
import zipfile
from typing import Any

import numpy as np

_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64,
    "HalfStorage": np.float16, "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _Module:
  """Stand-in for a scripted module; keeps its pickled state."""

  def __init__(self, *args):
    self.state: dict = {}

  def __setstate__(self, state):
    self.state = state if isinstance(state, dict) else {"_state": state}


def _rebuild_tensor(storage, offset, size, stride, *unused):
  item = storage.itemsize
  view = np.lib.stride_tricks.as_strided(
      storage[offset:], tuple(size), tuple(s * item for s in stride)
  )
  return np.array(view)


class _Unpickler(pickle.Unpickler):

  def __init__(self, file, archive: zipfile.ZipFile, root: str):
    super().__init__(file)
    self._archive, self._root = archive, root

  def find_class(self, module: str, name: str):
    if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
      return _rebuild_tensor
    if module == "torch" and name.endswith("Storage"):
      return name
    if module == "torch.jit._pickle" and name.startswith("build_"):
      return lambda x: x  # build_intlist, build_doublelist, ...
    if module == "collections" and name == "OrderedDict":
      return collections.OrderedDict
    if module.startswith("__torch__"):
      return type(name, (_Module,), {})
    raise pickle.UnpicklingError(f"unexpected class {module}.{name} in archive")

  def persistent_load(self, pid):
    _, storage_type, key, _, _ = pid
    raw = self._archive.read(f"{self._root}/data/{key}")
    return np.frombuffer(raw, _DTYPES[storage_type])


def _to_tree(obj: Any) -> Any:
  if isinstance(obj, _Module):
    return {k: _to_tree(v) for k, v in obj.state.items()}
  return obj


def load_module_tree(path: str) -> dict[str, Any]:
  """The module tree of a TorchScript archive as nested dicts of numpy arrays.

  Raises:
    ValueError: when `path` is not a TorchScript archive.
  """
  try:
    archive = zipfile.ZipFile(path)
  except zipfile.BadZipFile as e:
    raise ValueError(f"{path} is not a TorchScript archive (not a zip)") from e
  with archive:
    pkls = [n for n in archive.namelist() if n.endswith("/data.pkl")]
    if not pkls:
      raise ValueError(f"{path} has no data.pkl: not a TorchScript archive")
    root = pkls[0][: -len("/data.pkl")]
    with archive.open(pkls[0]) as f:
      return _to_tree(_Unpickler(f, archive, root).load())
