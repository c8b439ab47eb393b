"""2D convolutions for XLA's CPU backend: the same functions as
lax.conv_general_dilated (to float rounding; tests/test_conv.py), computed
the ways that were faster on the 2-core CI machine (docs/speed.md).
Winograd's rounding is coarser: relative error ~1e-5 of the output's scale
in float32, against ~1e-7. The custom VJPs support reverse mode to any order
(the gradient penalty), not forward mode (jax.jvp) on the CPU.

- The kernel gradient (XLA:CPU ran it at a third of the forward pass's
  rate, docs/speed.md) as what it is,
    dK[i, j] = sum_{b, h, w} x_pad[b, h + i, w + j, :]^T g[b, h, w, :],
  one [Cin, N] @ [N, F] matmul per tap (N = B H W), or one im2col matmul for
  few input channels; the input gradient is the conv of g with the flipped,
  transposed kernel, through the same function, so the gradient penalty's
  second derivative takes the same path.
- Winograd F(4x4, 3x3) and F(4x4, 2x2) (kernels/winograd.py) for wide
  convs on maps of >= 16 px.
- Few output channels (G's conv to the image): one matmul to every tap's
  products, then their shifted sum.
- Stride-2 convs as stride-1 convs over 2x2 space-to-depth cells
  (stride2_conv), and a 3x3 conv followed by 2x2 average pooling as one such
  4x4 conv (pooled_kernel).
- Kernels larger than the map (XLA:CPU's naive loop) as one im2col matmul,
  and stride-2 transposed convs (input-dilated convs) as one stride-1 conv
  per output phase (dilated_conv).

`conv2d(x [B, H, W, Cin], kernel [kh, kw, Cin, F], ((top, bottom), (left,
right)))`, each pad in [0, k - 1]; `conv_general_dilated` is a drop-in for
lax's (Flax `nn.Conv(conv_general_dilated=...)`) that takes these paths for
stride-1, stride-2 and input-dilated NHWC / HWIO convs, lax's for the rest.

The paths apply on the CPU backend only (`cpu_paths()`); on other backends,
and inside `with implementation("lax"):` (a trace-time switch, e.g. to count
the standard algorithm's FLOPs or to compare), every function here and the
nets' layers built on them compute with lax's convolutions.
"""

from collections.abc import Iterator, Sequence
import contextlib
import contextvars
import functools

import jax
import jax.numpy as jnp

from gan_mixtures.kernels import winograd

Padding = tuple[tuple[int, int], tuple[int, int]]
DIMS = ("NHWC", "HWIO", "NHWC")
# Below these widths XLA's own kernel gradient was as fast or faster
# (one output channel group of 3: 4.4 GFLOP/s against 2.3 for the taps).
MIN_FEATURES = 16
# Below this many input channels the taps' matmuls are too thin: one
# im2col matmul instead (3 -> 128 channels at 32 px: 36 GFLOP/s vs 16).
MIN_TAP_CHANNELS = 64


IMPLEMENTATIONS = ("auto", "lax")
_IMPLEMENTATION = contextvars.ContextVar("conv_implementation", default="auto")


@contextlib.contextmanager
def implementation(name: str) -> Iterator[None]:
  """Convs traced inside use `name`: 'auto' (this module's paths on the
  CPU) or 'lax' (lax's convolutions everywhere). A trace-time switch: a
  function jitted and traced before keeps what it was traced with."""
  token = _IMPLEMENTATION.set(_checked(name))
  try:
    yield
  finally:
    _IMPLEMENTATION.reset(token)


def use_implementation(name: str) -> None:
  """Makes `name` the implementation of every conv traced from now on in
  this thread (outside an `implementation` block); `model.conv_impl`."""
  _IMPLEMENTATION.set(_checked(name))


def _checked(name: str) -> str:
  if name not in IMPLEMENTATIONS:
    raise ValueError(f"unknown conv implementation {name!r}; choose from"
                     f" {', '.join(IMPLEMENTATIONS)}")
  return name


def cpu_paths() -> bool:
  """Whether this module's CPU paths apply (the CPU backend, 'auto')."""
  return _IMPLEMENTATION.get() == "auto" and jax.default_backend() == "cpu"


def _lax_conv(x: jax.Array, kernel: jax.Array, padding: Padding) -> jax.Array:
  return jax.lax.conv_general_dilated(
      x, kernel, (1, 1), padding, dimension_numbers=DIMS)


def _taps(x: jax.Array, kernel_hw: tuple[int, int], padding: Padding,
          out_hw: tuple[int, int]) -> list[jax.Array]:
  """x's windows, one per tap (i, j) in row-major order: [B, Ho, Wo, Cin]."""
  (kh, kw), (ho, wo) = kernel_hw, out_hw
  xp = jnp.pad(x, ((0, 0), padding[0], padding[1], (0, 0)))
  return [xp[:, i:i + ho, j:j + wo, :] for i in range(kh) for j in range(kw)]


def kernel_grad(x: jax.Array, g: jax.Array, kernel_hw: tuple[int, int],
                padding: Padding) -> jax.Array:
  """d<g, conv2d(x, K)>/dK: x [B, H, W, Cin], g [B, Ho, Wo, F] ->
  [kh, kw, Cin, F], as matmuls over N = B Ho Wo."""
  (kh, kw), c, f = kernel_hw, x.shape[-1], g.shape[-1]
  taps = _taps(x, kernel_hw, padding, g.shape[1:3])
  g2 = g.reshape(-1, f)  # [N, F]
  if c < MIN_TAP_CHANNELS:  # one matmul of the im2col matrix [N, kh kw Cin]
    cols = jnp.concatenate(taps, axis=-1).reshape(-1, kh * kw * c)
    return (cols.T @ g2).reshape(kh, kw, c, f)
  grads = [t.reshape(-1, c).T @ g2 for t in taps]  # kh kw x [Cin, F]
  return jnp.stack(grads).reshape(kh, kw, c, f)


def transpose_kernel(kernel: jax.Array) -> jax.Array:
  """The kernel of the input gradient: flipped in space, in / out swapped."""
  return jnp.flip(kernel, (0, 1)).transpose(0, 1, 3, 2)


def transpose_padding(kernel_hw: tuple[int, int], padding: Padding) -> Padding:
  return tuple((k - 1 - lo, k - 1 - hi)
               for k, (lo, hi) in zip(kernel_hw, padding))  # type: ignore


def conv2d(x: jax.Array, kernel: jax.Array, padding: Padding) -> jax.Array:
  """Stride-1 conv: x [B, H, W, Cin], kernel [kh, kw, Cin, F] ->
  [B, H + top + bottom - kh + 1, W + left + right - kw + 1, F]; Winograd
  F(4x4, r x r) (r = 2, 3) where it is faster (winograd.applies), a matmul
  for few outputs, else lax's forward pass with the matmul kernel gradient.
  On other backends lax's conv (cuDNN and the TPU's convolutions have their
  own algorithms)."""
  if not cpu_paths():
    return _lax_conv(x, kernel, padding)
  if not _valid_padding(padding, kernel.shape[:2]):
    raise ValueError(f"conv2d padding {padding} is not in [0, k - 1] for a"
                     f" {kernel.shape[:2]} kernel")
  if kernel_exceeds_map(x, kernel):
    return im2col_conv(x, kernel, (1, 1), padding)
  if winograd.applies(x, kernel, padding):
    if kernel.shape[0] == 3:  # autodiff: both gradients in Winograd's domain
      return winograd.conv(x, kernel, padding)
    return _winograd_taps(x, kernel, padding)
  if few_outputs_applies(kernel):
    return conv_few_outputs(x, kernel, padding)
  return _conv2d_taps(x, kernel, padding)


def kernel_exceeds_map(x: jax.Array, kernel: jax.Array) -> bool:
  """Whether the kernel is larger than the input map on an axis. XLA:CPU's
  conv falls back to a naive loop there: a 5x5 conv of 256 -> 256 channels
  on 4x4 maps ran at 1.7 GFLOP/s against 86-144 at 5x5 and up (batch 64,
  docs/speed.md)."""
  return kernel.shape[0] > x.shape[1] or kernel.shape[1] > x.shape[2]


def im2col_conv(x: jax.Array, kernel: jax.Array, strides: tuple[int, int],
                padding: Padding) -> jax.Array:
  """A conv as one matmul of the im2col matrix [B Ho Wo, kh kw Cin] with the
  kernel [kh kw Cin, F]; autodiff gives matmuls and the slices' transposes
  (pads) in both gradients, to any order. For small maps, where the matrix
  is small. x [B, H, W, Cin], kernel [kh, kw, Cin, F] -> [B, Ho, Wo, F]."""
  kh, kw, c, f = kernel.shape
  (sh, sw) = strides
  xp = jnp.pad(x, ((0, 0), padding[0], padding[1], (0, 0)))
  ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
  taps = [xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :]
          for i in range(kh) for j in range(kw)]  # kh kw x [B, Ho, Wo, Cin]
  cols = jnp.concatenate(taps, axis=-1)  # [B, Ho, Wo, kh kw Cin]
  return jnp.einsum("bhwk,kf->bhwf", cols, kernel.reshape(kh * kw * c, f))


# A conv to a few output channels (G's last conv to the image: 256 -> 3)
# ran at ~10 GFLOP/s in XLA's conv (fwd + bwd 0.72 s, batch 120, 32 px);
# as one [N, Cin] @ [Cin, kh kw F] matmul and shifted sums of its small
# result it is matmuls in both directions.
FEW_OUTPUTS = 32  # kh kw F at most
FEW_OUTPUTS_MIN_CHANNELS = 32


def few_outputs_applies(kernel: jax.Array) -> bool:
  kh, kw, c, f = kernel.shape
  return kh * kw * f <= FEW_OUTPUTS and c >= FEW_OUTPUTS_MIN_CHANNELS


def conv_few_outputs(x: jax.Array, kernel: jax.Array,
                     padding: Padding) -> jax.Array:
  """y[p] = sum_{i, j} (x_pad[p + (i, j)] @ K[i, j]): every pixel's products
  with every tap first (z = x @ K, [B, H, W, kh, kw, F]), then the shifted
  sum of z padded as x would be (a zero pixel's products are zero)."""
  kh, kw, _, f = kernel.shape
  ho = x.shape[1] + sum(padding[0]) - kh + 1
  wo = x.shape[2] + sum(padding[1]) - kw + 1
  z = jnp.einsum("bhwc,ijcf->bhwijf", x, kernel,
                 preferred_element_type=jnp.float32)  # summed in float32
  z = jnp.pad(z, ((0, 0), padding[0], padding[1], (0, 0), (0, 0), (0, 0)))
  y = functools.reduce(jnp.add, [
      z[:, i:i + ho, j:j + wo, i, j] for i in range(kh) for j in range(kw)])
  return y.astype(x.dtype)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _conv2d_taps(x: jax.Array, kernel: jax.Array,
                 padding: Padding) -> jax.Array:
  return _lax_conv(x, kernel, padding)


def _conv2d_fwd(x, kernel, padding):
  return _lax_conv(x, kernel, padding), (x, kernel)


def _conv2d_bwd(padding, res, g):
  x, kernel = res
  kernel_hw = kernel.shape[:2]
  dx = conv2d(g, transpose_kernel(kernel),
              transpose_padding(kernel_hw, padding))
  if min(kernel.shape[2:]) < MIN_FEATURES:
    dk = jax.vjp(lambda k: _lax_conv(x, k, padding), kernel)[1](g)[0]
  else:
    dk = kernel_grad(x, g, kernel_hw, padding)
  return dx, dk.astype(kernel.dtype)


_conv2d_taps.defvjp(_conv2d_fwd, _conv2d_bwd)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _winograd_taps(x: jax.Array, kernel: jax.Array,
                   padding: Padding) -> jax.Array:
  """Winograd forward, conv2d's backward (2x2 phase kernels: autodiff
  through their four Winograd transforms was slower than this; measured,
  docs/speed.md)."""
  return winograd.conv(x, kernel, padding)


_winograd_taps.defvjp(
    lambda x, kernel, padding: (winograd.conv(x, kernel, padding), (x, kernel)),
    _conv2d_bwd)


def _valid_padding(padding, kernel_hw) -> bool:
  return all(0 <= lo <= k - 1 and 0 <= hi <= k - 1
             for k, (lo, hi) in zip(kernel_hw, padding))


def conv_general_dilated(
    lhs: jax.Array, rhs: jax.Array, window_strides: Sequence[int],
    padding, lhs_dilation=None, rhs_dilation=None, dimension_numbers=None,
    feature_group_count: int = 1, precision=None, **kwargs,
) -> jax.Array:
  """lax.conv_general_dilated, through this module's paths where they apply
  (NHWC / HWIO, ungrouped, no kernel dilation): stride 1 -> conv2d;
  stride 2 -> stride2_conv; input dilation 2 at stride 1 (a stride-2
  transposed conv, lax.conv_transpose) -> dilated_conv. The rest, and
  every conv on other backends, -> lax."""
  lax_conv = lambda: jax.lax.conv_general_dilated(
      lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
      dimension_numbers, feature_group_count, precision=precision, **kwargs)
  if lhs.ndim != 4 or not cpu_paths():
    return lax_conv()
  dims = jax.lax.conv_dimension_numbers(lhs.shape, rhs.shape, DIMS)
  given = None
  if dimension_numbers is not None:
    given = jax.lax.conv_dimension_numbers(lhs.shape, rhs.shape,
                                           dimension_numbers)
  strides = tuple(window_strides)
  dilation = tuple(lhs_dilation or (1, 1))
  kernel_hw = tuple(rhs.shape[:2])
  plain = (given == dims and all(d == 1 for d in (rhs_dilation or (1, 1)))
           and feature_group_count == 1 and precision is None and not kwargs)
  if not plain:
    return lax_conv()
  if isinstance(padding, str):
    if dilation != (1, 1):
      return lax_conv()
    padding = jax.lax.padtype_to_pads(lhs.shape[1:3], kernel_hw, strides,
                                      padding)
  pads = tuple(tuple(int(p) for p in pair) for pair in padding)
  if strides == (1, 1) and dilation == (1, 1) and _valid_padding(pads,
                                                                 kernel_hw):
    return conv2d(lhs, rhs, pads)
  if strides == (2, 2) and dilation == (1, 1) and _nonnegative(pads):
    if kernel_hw[0] % 2 and kernel_hw == kernel_hw[::-1]:
      # odd kernels: the cells would read (k + 1)^2 taps, im2col k^2
      return im2col_conv(lhs, rhs, strides, pads)
    return stride2_conv(lhs, rhs, pads)
  out = [2 * n + lo + hi - k
         for n, (lo, hi), k in zip(lhs.shape[1:3], pads, kernel_hw)]
  if strides == (1, 1) and dilation == (2, 2) and min(kernel_hw) >= 2 \
      and _nonnegative(pads) and min(out) >= 2:
    return dilated_conv(lhs, rhs, pads)
  return lax_conv()


def _nonnegative(padding) -> bool:
  return all(p >= 0 for pair in padding for p in pair)


def space_to_depth(x: jax.Array) -> jax.Array:
  """[B, H, W, C] (H, W even) -> 2x2 cells [B, H/2, W/2, (ph pw C)]."""
  b, h, w, c = x.shape
  cells = x.reshape(b, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 2, 4, 5)
  return cells.reshape(b, h // 2, w // 2, 4 * c)


def stride2_conv(x: jax.Array, kernel: jax.Array,
                 padding: Padding | int) -> jax.Array:
  """A stride-2 conv, x padded by `padding` ((top, bottom), (left, right));
  an int p means p before and whatever the last window needs after (4x4
  'SAME' on even sizes: 1, torch's k=5, p=2: 2). Computed as a stride-1
  conv of ceil(k / 2) taps over the 2x2 cells of the padded input: every
  tap of the kernel read once (16 multiply-adds per output of a 4x4, not
  the 36 of a 3x3 cell conv). Any H, W (odd sizes: TF's 'SAME' 7 -> 4).
  x [B, H, W, Cin], kernel [k, k, Cin, F] -> [B, Ho, Wo, F]."""
  b, h, w, c = x.shape
  k, f = kernel.shape[0], kernel.shape[-1]
  if kernel.shape[1] != k:
    raise ValueError(f"stride2_conv needs a square kernel, got {kernel.shape}")
  if isinstance(padding, int):
    if h % 2 or w % 2:
      raise ValueError(f"stride2_conv with an int padding needs even H and W,"
                       f" got {h}x{w}")
    padding = ((padding, k - 2 - padding),) * 2  # out = H / 2
  if not cpu_paths():
    return jax.lax.conv_general_dilated(x, kernel, (2, 2), padding,
                                        dimension_numbers=DIMS)
  kc = -(-k // 2)  # taps over cells
  out = [(n + lo + hi - k) // 2 + 1 for n, (lo, hi) in zip((h, w), padding)]
  # padded to the 2 (out + kc - 1) entries the last window's cells end at
  # (negative: rows no window reads are cropped)
  pads = [(0, 0, 0)] + [(lo, 2 * (o + kc - 1) - n - lo, 0)
                        for n, (lo, _), o in zip((h, w), padding, out)]
  xp = jax.lax.pad(x, jnp.zeros((), x.dtype), pads + [(0, 0, 0)])
  cells = space_to_depth(xp)  # [B, out + kc - 1, ..., 4 Cin]
  kernel = jnp.pad(kernel, ((0, 2 * kc - k), (0, 2 * kc - k), (0, 0), (0, 0)))
  kernel = kernel.reshape(kc, 2, kc, 2, c, f).transpose(0, 2, 1, 3, 4, 5)
  return conv2d(cells, kernel.reshape(kc, kc, 4 * c, f), ((0, 0), (0, 0)))


def dilated_conv(x: jax.Array, kernel: jax.Array,
                 padding: Padding) -> jax.Array:
  """lax.conv_general_dilated(x, kernel, (1, 1), padding, lhs_dilation=(2,
  2)), i.e. lax.conv_transpose(x, kernel, (2, 2), padding) (a stride-2
  transposed conv, any kernel, padding and size), as one stride-1 conv2d
  per output phase, interleaved. Along an axis, output o = 2m + r reads the
  dilated input at o + i - lo, which holds x[(o + i - lo) / 2] where that
  is even: the taps i = i0, i0 + 2, ... (i0 = (lo - r) mod 2) over
  x[m + d + t], d = (r + i0 - lo) / 2. XLA:CPU ran the dilated conv 8-400x
  slower than these stride-1 convs (docs/speed.md).
  x [B, H, W, Cin], kernel [kh, kw, Cin, F] -> [B, Ho, Wo, F]."""
  sizes = x.shape[1:3]
  out = [2 * (n - 1) + 1 + lo + hi - k + 1
         for n, (lo, hi), k in zip(sizes, padding, kernel.shape[:2])]

  def phase(axis: int, r: int):
    """(first tap, taps, x's padding (negative: cropped), outputs) of phase
    r along `axis`."""
    (lo, _), k, n = padding[axis], kernel.shape[axis], sizes[axis]
    i0 = (lo - r) % 2
    taps = -(-(k - i0) // 2)
    d = (r + i0 - lo) // 2
    count = -(-(out[axis] - r) // 2)
    return i0, taps, (-d, d + count + taps - 1 - n), count

  rows = []
  half = [-(-o // 2) for o in out]  # outputs of phase 0
  for rh in (0, 1):
    ih, th, pad_h, nh = phase(0, rh)
    cols = []
    for rw in (0, 1):
      iw, tw, pad_w, nw = phase(1, rw)
      # crop what no output reads; pad inside conv2d (XLA folds a pad into
      # the conv, so conv2d must see the map before padding), or before it
      # where the padding exceeds the taps
      inner = [(max(lo, 0), max(hi, 0)) for lo, hi in (pad_h, pad_w)]
      outer = [(min(lo, 0), min(hi, 0)) for lo, hi in (pad_h, pad_w)]
      if not _valid_padding(inner, (th, tw)):
        outer, inner = [pad_h, pad_w], [(0, 0), (0, 0)]
      xp = jax.lax.pad(x, jnp.zeros((), x.dtype),
                       [(0, 0, 0), (*outer[0], 0), (*outer[1], 0), (0, 0, 0)])
      y = conv2d(xp, kernel[ih::2, iw::2], tuple(inner))  # [B, nh, nw, F]
      cols.append(jnp.pad(y, ((0, 0), (0, half[0] - nh), (0, half[1] - nw),
                              (0, 0))))
    rows.append(jnp.stack(cols, axis=3))  # [B, H2, W2, 2 (rw), F]
  y = jnp.stack(rows, axis=2)  # [B, H2, 2 (rh), W2, 2 (rw), F]
  b, f = y.shape[0], y.shape[-1]
  y = y.reshape(b, 2 * half[0], 2 * half[1], f)
  return y[:, :out[0], :out[1]]


def pooled_kernel(kernel: jax.Array) -> jax.Array:
  """The 4x4 stride-2 kernel of a 3x3 SAME conv followed by 2x2 average
  pooling: K4[t] = (K3[t] + K3[t - 1]) / 2 on each axis (out of range 0);
  [3, 3, Cin, F] -> [4, 4, Cin, F], for stride2_conv with pad_lo 1."""
  rows = jnp.pad(kernel, ((0, 1), (0, 0), (0, 0), (0, 0)))
  rows = 0.5 * (rows + jnp.roll(rows, 1, axis=0))
  cols = jnp.pad(rows, ((0, 0), (0, 1), (0, 0), (0, 0)))
  return 0.5 * (cols + jnp.roll(cols, 1, axis=1))
