"""HME-GAN analysis: node soft counts and pictures of a trained workdir."""

import jax
import numpy as np

from gan_mixtures import train
from tests.helpers import run_module, tiny_config


def test_analyse_consistency():
  c = tiny_config("hmegan", "grid25")
  exp = train.build_experiment(c)
  state = exp.init_state()
  a = jax.device_get(exp.method.analyse(state, jax.random.PRNGKey(0), 300))
  assert a["soft_counts"].shape == (300, 15)  # depth 3: 7 internal + 8 leaves
  np.testing.assert_allclose(a["soft_counts"][:, -8:], a["gates"], rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(a["node_means"][0], a["samples"].mean(0), rtol=1e-4, atol=1e-5)
  assert a["gate_cov"].shape == (8, 8) and a["top_samples"].shape == (8, 5, 2)
  # the top sample of a leaf is the one whose gate for that leaf is largest
  best = np.argmax(a["gates"][:, 3])
  np.testing.assert_allclose(a["top_samples"][3, 0], a["samples"][best])


def test_analyze_cli_writes_pictures(tmp_path):
  train.train_and_evaluate(tiny_config("hmegan", "spiral", num_steps=10), str(tmp_path))
  proc = run_module("experiments.analyze", f"--workdir={tmp_path}", "--num_samples=500")
  assert proc.returncode == 0, proc.stderr[-3000:]
  out = tmp_path / "analysis"
  for name in ("node_regions.png", "gate_cov.png", "gate_cov.npy", "top_per_leaf.png"):
    assert (out / name).exists(), name
  assert np.load(out / "gate_cov.npy").shape == (8, 8)
