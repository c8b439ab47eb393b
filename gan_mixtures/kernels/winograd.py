"""Winograd F(m x m, r x r) (Lavin & Gray 2016) for stride-1 convs on the
CPU (kernels/conv.py chooses it): an m x m output tile of an r x r conv
from an (m + r - 1)^2 input tile D with (m + r - 1)^2 multiplies per channel
pair instead of m^2 r^2:
  Y = A^T [(G K G^T) * (B^T D B)] A.
"""

from collections.abc import Sequence
import functools

import jax
import jax.numpy as jnp
import numpy as np

Padding = tuple[tuple[int, int], tuple[int, int]]

TILE = 4
WINOGRAD_POINTS = {3: (0, 1, -1, 2, -2), 2: (0, 1, -1, 2)}  # per kernel size


def matrices(m: int, r: int, points: Sequence[float]):
  """(A^T [m, a], G [a, r], B^T [a, a]), a = m + r - 1, of the Toom-Cook
  construction on a - 1 points and infinity: A^T and G interpolate, B^T
  solves sum_j A^T[i, j] G[j, k] B^T[j, l] = [l == i + k] (exactly: the
  system has full rank). F(4, 3) on (0, +-1, +-2) gives Lavin & Gray's
  matrices (tests/test_conv.py)."""
  a = m + r - 1
  at, g = np.zeros((m, a)), np.zeros((a, r))
  for j, p in enumerate(points):
    at[:, j] = [p**i for i in range(m)]
    norm = np.prod([p - q for q in points if q != p])
    g[j] = [p**k / norm for k in range(r)]
  at[m - 1, a - 1] = g[a - 1, r - 1] = 1.0
  system = np.zeros((m, r, a, a, a))  # (i, k, l) x B^T entries (j, l')
  for i in range(m):
    for k in range(r):
      for l in range(a):
        system[i, k, l, :, l] = at[i] * g[:, k]
  target = np.zeros((m, r, a))
  for i in range(m):
    for k in range(r):
      target[i, k, i + k] = 1.0
  bt = np.linalg.lstsq(system.reshape(-1, a * a), target.ravel(), rcond=None)[0]
  return at, g, np.round(bt.reshape(a, a), 9)


WINOGRAD = {r: matrices(TILE, r, pts)
            for r, pts in WINOGRAD_POINTS.items()}
# Where Winograd ran faster than conv2d's other path on the 2-core CPU
# (fwd + bwd, batch 120, 3x3: 32 px 256 ch 2.35 s vs 4.20, 16 px 0.54 vs
# 1.00, 32 px 128 ch 1.01 vs 1.15; at 8 px it was slower): >= 128 channels
# in and out, maps of >= 16 px, float32.
WINOGRAD_MIN_CHANNELS = 128
WINOGRAD_MIN_SIZE = 16


def applies(x: jax.Array, kernel: jax.Array, padding: Padding) -> bool:
  h, w, c = x.shape[1:]
  kh, kw, _, f = kernel.shape
  out_hw = (h + sum(padding[0]) - kh + 1, w + sum(padding[1]) - kw + 1)
  return (kh == kw and kh in WINOGRAD and x.dtype == jnp.float32
          and kernel.dtype == jnp.float32
          and min(c, f) >= WINOGRAD_MIN_CHANNELS
          and min(h, w) >= WINOGRAD_MIN_SIZE
          and all(n % TILE == 0 for n in out_hw))


def _combine(matrix: np.ndarray, parts: list[jax.Array]) -> list[jax.Array]:
  """[sum_r matrix[i, r] parts[r] for each row i], skipping zeros."""
  out = []
  for row in matrix:
    terms = [p if c == 1 else -p if c == -1 else p * float(c)
             for c, p in zip(row, parts) if c != 0]
    out.append(functools.reduce(jnp.add, terms))
  return out


def _tile_windows(x: jax.Array, axis: int, n: int, a: int) -> list[jax.Array]:
  """The a rows (along `axis`) of n overlapping tiles of stride TILE: slice
  r holds x[TILE t + r] for t < n."""
  return [jax.lax.slice_in_dim(x, r, r + TILE * (n - 1) + 1, TILE, axis)
          for r in range(a)]


def conv(x: jax.Array, kernel: jax.Array, padding: Padding) -> jax.Array:
  """Stride-1 conv by Winograd F(4x4, r x r): x [B, H, W, C], kernel
  [r, r, C, F], output sides multiples of 4 -> [B, Ho, Wo, F]. (a = r + 3)^2
  batched [T, C] @ [C, F] matmuls over the T = B Ho Wo / 16 tiles; the
  transforms are sums of slices, so autodiff gives the backward pass as the
  same kind of matmuls."""
  b, _, _, c = x.shape
  r, f = kernel.shape[0], kernel.shape[-1]
  at, g, bt = WINOGRAD[r]
  a = TILE + r - 1
  xp = jnp.pad(x, ((0, 0), padding[0], padding[1], (0, 0)))
  nh, nw = (xp.shape[1] - r + 1) // TILE, (xp.shape[2] - r + 1) // TILE
  rows = _combine(bt, _tile_windows(xp, 1, nh, a))  # a x [B, nh, Wp, C]
  v = jnp.stack([jnp.stack(_combine(bt, _tile_windows(row, 2, nw, a)))
                 for row in rows])  # [a, a, B, nh, nw, C]
  g = jnp.asarray(g, kernel.dtype)
  u = jnp.einsum("ik,klcf,jl->ijcf", g, kernel, g)  # [a, a, C, F]
  m = jnp.einsum("etc,ecf->etf", v.reshape(a * a, -1, c),
                 u.reshape(a * a, c, f)).reshape(a, a, b, nh, nw, f)
  out_rows = _combine(at, list(m))  # 4 x [a, B, nh, nw, F]
  y = jnp.stack([jnp.stack(_combine(at, list(row)), axis=3)
                 for row in out_rows], axis=2)  # [B, nh, 4, nw, 4, F]
  return y.reshape(b, TILE * nh, TILE * nw, f)
