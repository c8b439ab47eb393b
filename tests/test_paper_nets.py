"""The papers' networks: the HME thesis' parameter counts (Tables 5.3-5.12)
and layer shapes (Tables 5.1, 5.2), LDAGAN's layer shapes (Tables 2-4)."""

import re

import jax
import jax.numpy as jnp
import pytest

from configs import hmegan, ldagan
from gan_mixtures import data as data_lib
from gan_mixtures import methods
from tests.helpers import first_layer_count, thesis_format

# (model, printed at 32 px, printed at 64 px): Tables 5.3-5.7 and 5.8-5.12
THESIS_COUNTS = [
    ("fc", "413K", "827K"),
    ("hme_5", "134K", "265K"), ("hme_6", "268K", "530K"),
    ("hme_7", "537K", "1.06M"), ("hme_8", "1.07M", "2.12M"),
    ("me_32", "134K", "265K"), ("me_64", "268K", "530K"),
    ("me_128", "537K", "1.06M"), ("me_256", "1.07M", "2.12M"),
    ("hme_l2", "1.65M", "3.30M"), ("hme_l3", "3.31M", "6.61M"),
    ("hme_l4", "6.62M", "13.23M"), ("hme_l5", "13.24M", "26.47M"),
    ("me_l4", "1.65M", "3.30M"), ("me_l8", "3.31M", "6.61M"),
    ("me_l16", "6.62M", "13.23M"), ("me_l32", "13.24M", "26.47M"),
]


@pytest.mark.parametrize("model,small,large", THESIS_COUNTS)
def test_hme_me_fc_counts_are_the_thesis_tables(model, small, large):
  for data, want in (("mnist", small), ("fashion_mnist", small),
                     ("celeba", large), ("flowers", large), ("utzap", large)):
    got = first_layer_count(hmegan, f"{data}_{model}")
    assert thesis_format(got) == want, (data, model, got)


def test_exact_counts_of_the_thesis_formulas():
  f = 4 * 4 * 256  # 32 px first map
  assert first_layer_count(hmegan, "mnist_fc") == 100 * f + f  # 413,696
  assert first_layer_count(hmegan, "mnist_hme_l4") == 16 * 101 * f + 15 * 101
  assert first_layer_count(hmegan, "mnist_me_l16") == 16 * 101 * f + 16 * 101
  assert first_layer_count(hmegan, "mnist_hme_5") == 32 * f + 31 * 101


def _layers(params, dense_first: bool):
  """Shapes of every kernel in network order: convs by their index, the
  dense layers first (G) or last (D); Flax sorts the tree by name."""
  flat = jax.tree_util.tree_leaves_with_path(params)
  rows = [(jax.tree_util.keystr(p), tuple(v.shape)) for p, v in flat
          if "kernel" in jax.tree_util.keystr(p)]

  def key(row):
    conv = re.search(r"Conv(?:Transpose)?_(\d+)", row[0])
    if conv:
      return (1, int(conv.group(1)))
    return (0 if dense_first else 2, 0)

  return [shape for _, shape in sorted(rows, key=key)]


def _nets(module, variant):
  c = module.get_config(variant)
  c.data.source = "random"
  ds = data_lib.make_dataset(c.data)
  m = methods.make_method(c, ds)
  z = jnp.zeros((2, c.model.z_dim))
  g = jax.eval_shape(m.init_generator, jax.random.PRNGKey(0), z)["params"]
  d = jax.eval_shape(m.d_net.init, jax.random.PRNGKey(0),
                     jnp.zeros((2,) + tuple(ds.example_shape)))["params"]
  return c, _layers(g, True), _layers(d, False)


def test_thesis_table_5_1_and_5_2_shapes():
  _, g, d = _nets(hmegan, "mnist_fc")
  assert g == [(100, 4096), (4, 4, 256, 128), (4, 4, 128, 64),
                               (4, 4, 64, 1)]
  assert d == [(4, 4, 1, 64), (4, 4, 64, 128), (4, 4, 128, 256),
                               (4096, 1)]
  _, g, d = _nets(hmegan, "celeba_fc")
  assert g == [(100, 8192), (4, 4, 512, 256), (4, 4, 256, 128),
                               (4, 4, 128, 64), (4, 4, 64, 3)]
  assert d == [(4, 4, 3, 64), (4, 4, 64, 128), (4, 4, 128, 256),
                               (4, 4, 256, 512), (8192, 1)]


def test_ldagan_table_2_and_3_shapes():
  c, g, d = _nets(ldagan, "cifar10")
  # per generator: z 100 -> 4x4x512 (the 4x4 stride-1 ConvT on 1x1 = Dense)
  assert g[0] == (10, 100, 4 * 4 * 512)
  assert g[1:] == [(4, 4, 512, 256), (4, 4, 256, 128),
                                   (4, 4, 128, 3)]
  assert d == [(5, 5, 3, 128), (5, 5, 128, 256), (5, 5, 256, 512),
                               (4 * 4 * 512, 1)]
  assert c.model.z_dist == "uniform" and c.model.z_dim == 100
  c, g, _ = _nets(ldagan, "imagenet32")
  assert g[0] == (20, 100, 4 * 4 * 512)
  assert g[1:] == [(5, 5, 512, 256), (5, 5, 256, 128), (5, 5, 128, 3)]


def test_ldagan_table_4_shapes():
  c, g, d = _nets(ldagan, "cifar10_resnet")
  assert g[0] == (10, 128, 4 * 4 * 256)  # the unshared Linear
  assert g.count((3, 3, 256, 256)) == 6  # 3 GenResBlocks 256 -> 256
  assert g.count((3, 3, 256, 3)) == 1  # Conv(Tanh) 256 -> 3
  assert d.count((128, 1)) == 1 and d.count((3, 3, 3, 128)) == 1
  assert d.count((3, 3, 128, 128)) == 7  # optimised block + 3 DisResBlocks
  assert c.model.z_dim == 128 and c.model.z_dist == "normal"
