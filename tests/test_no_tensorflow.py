"""The core imports and trains with TensorFlow made unimportable."""

import json
import subprocess
import sys

from tests.helpers import REPO

SCRIPT = r"""
import importlib.machinery
import sys

# Hide TensorFlow exactly as if it were not installed: the path finder does
# not find it, so `import tensorflow` fails and find_spec returns None.
class HideTensorFlow(importlib.machinery.PathFinder):
  @classmethod
  def find_spec(cls, name, path=None, target=None):
    if name == "tensorflow" or name.startswith("tensorflow."):
      return None
    return importlib.machinery.PathFinder.find_spec(name, path, target)

sys.meta_path = [
    HideTensorFlow if f is importlib.machinery.PathFinder else f
    for f in sys.meta_path
]
try:
  import tensorflow
  raise SystemExit("TensorFlow was not hidden")
except ImportError:
  pass
sys.path.insert(0, ".")
import jax
from gan_mixtures import train
from tests.helpers import tiny_config

c = tiny_config("mdgan")
c.train.tensorboard = True  # must fall back to metrics.jsonl
exp = train.build_experiment(c)
state = exp.init_state()
state, metrics = exp.make_train_step()(state, None, exp.base_rng)
assert int(state.step) == 1, state.step
results = train.train_and_evaluate(c, sys.argv[1])
assert "tensorflow" not in sys.modules
print("OK", results["step"])
"""


def test_train_without_tensorflow(tmp_path):
  proc = subprocess.run(
      [sys.executable, "-c", SCRIPT, str(tmp_path)],
      cwd=REPO, capture_output=True, text=True, timeout=300,
  )
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert "OK 20" in proc.stdout
  assert (tmp_path / "metrics.jsonl").exists()
  assert json.loads((tmp_path / "results.json").read_text())["step"] == 20
