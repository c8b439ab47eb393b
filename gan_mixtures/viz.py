"""Pictures: 2D scatter plots and image grids as PNG."""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402


def scatter_2d(
    path: str,
    real: np.ndarray,
    fake: np.ndarray,
    components: np.ndarray | None = None,
    title: str = "",
) -> None:
  """Real (grey) vs fake points, fakes coloured by component when given."""
  fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
  ax.scatter(real[:, 0], real[:, 1], s=2, c="0.7", label="real")
  if components is None:
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:blue", label="fake")
  else:
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c=components, cmap="tab20",
               label="fake")
  ax.set_aspect("equal")
  ax.set_title(title, fontsize=9)
  ax.legend(loc="upper right", fontsize=7, markerscale=4)
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)


def scatter_panels(path: str, panels: list, ncol: int = 3,
                   margin: float = 0.25) -> None:
  """One 2D scatter per (title, real, fake, components or None) panel, all
  on the real data's box widened by `margin` of its size (the same axes in
  every panel; fakes outside it are not drawn)."""
  nrow = -(-len(panels) // ncol)
  fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 3.2 * nrow),
                           dpi=100, squeeze=False)
  for ax in axes.ravel():
    ax.axis("off")
  for ax, (title, real, fake, comp) in zip(axes.ravel(), panels):
    ax.scatter(real[:, 0], real[:, 1], s=1, c="0.75")
    if comp is None:
      ax.scatter(fake[:, 0], fake[:, 1], s=1, c="tab:blue")
    else:
      ax.scatter(fake[:, 0], fake[:, 1], s=1, c=comp, cmap="tab10")
    ax.set_title(title, fontsize=9)
    lo, hi = real.min(0), real.max(0)
    pad = margin * (hi - lo)
    ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
    ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    ax.set_aspect("equal")
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)


def image_grid(path: str, images: np.ndarray, ncol: int | None = None) -> None:
  """Writes images [N, H, W, C] in [-1, 1] as one PNG grid (images under 32
  px are enlarged by pixel repetition)."""
  pixels = grid_pixels(images, ncol)
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1
                  else pixels).save(path)


def grid_pixels(images: np.ndarray, ncol: int | None = None) -> np.ndarray:
  """images [N, H, W, C] in [-1, 1] as one uint8 grid [H', W', C]."""
  scale = max(1, 32 // images.shape[1])
  images = np.repeat(np.repeat(images, scale, axis=1), scale, axis=2)
  n, h, w, c = images.shape
  ncol = ncol or int(np.ceil(np.sqrt(n)))
  nrow = int(np.ceil(n / ncol))
  grid = np.ones((nrow * (h + 1) + 1, ncol * (w + 1) + 1, c), np.float32)
  for i, img in enumerate(images):
    r, q = divmod(i, ncol)
    grid[1 + r * (h + 1) : 1 + r * (h + 1) + h,
         1 + q * (w + 1) : 1 + q * (w + 1) + w] = (img + 1) / 2
  return (np.clip(grid, 0, 1) * 255).astype(np.uint8)


def _to_image(x: np.ndarray) -> np.ndarray:
  img = np.clip((x + 1) / 2, 0, 1)
  return img[..., 0] if img.shape[-1] == 1 else img


def node_tree(path: str, node_means: np.ndarray, depth: int) -> None:
  """Mean image of every tree node, one row per level (root on top)."""
  fig = plt.figure(figsize=(max(2**depth, 4) * 0.9, (depth + 1) * 1.0), dpi=100)
  for level in range(depth + 1):
    count, first = 2**level, 2**level - 1
    for i in range(count):
      # centre each level's nodes under their parents
      ax = fig.add_axes([(i + 0.05) / count, 1 - (level + 0.95) / (depth + 1),
                         0.9 / count, 0.9 / (depth + 1)])
      ax.imshow(_to_image(node_means[first + i]), cmap="gray", vmin=0, vmax=1)
      ax.axis("off")
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  fig.savefig(path)
  plt.close(fig)


def node_regions_2d(path: str, samples: np.ndarray, soft_counts: np.ndarray,
                    depth: int) -> None:
  """2D samples coloured by their most likely node, one panel per level."""
  fig, axes = plt.subplots(1, depth, figsize=(4 * depth, 4), dpi=100,
                           squeeze=False)
  for level in range(1, depth + 1):
    first = 2**level - 1
    node = np.argmax(soft_counts[:, first : first + 2**level], axis=1)
    ax = axes[0, level - 1]
    ax.scatter(samples[:, 0], samples[:, 1], s=2, c=node, cmap="tab20")
    ax.set_title(f"level {level}: {2**level} nodes", fontsize=9)
    ax.set_aspect("equal")
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)


def matrix(path: str, m: np.ndarray, title: str = "") -> None:
  fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
  im = ax.imshow(m, cmap="RdBu_r", vmin=-np.abs(m).max(), vmax=np.abs(m).max())
  fig.colorbar(im, ax=ax, fraction=0.046)
  ax.set_title(title, fontsize=9)
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)


def component_rows(path: str, images: np.ndarray, titles: list[str]) -> None:
  """One row of samples per component, each titled (e.g. with its weights).

  images [K, m, H, W, C] in [-1, 1].
  """
  k, m = images.shape[:2]
  fig, axes = plt.subplots(k, 1, figsize=(m * 0.6, k * 0.85), dpi=100,
                           squeeze=False)
  for i in range(k):
    row = np.concatenate([_to_image(x) for x in images[i]], axis=1)
    axes[i, 0].imshow(row, cmap="gray", vmin=0, vmax=1)
    axes[i, 0].set_title(titles[i], fontsize=7, loc="left")
    axes[i, 0].axis("off")
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)


def alpha_trajectories(path: str, steps: np.ndarray, alpha: np.ndarray) -> None:
  """Every set's mixture weights over training: one panel per set, a line
  per component; alpha [T, n, K]."""
  _, n, k = alpha.shape
  fig, axes = plt.subplots(1, n, figsize=(4 * n, 3), dpi=100, squeeze=False)
  for i in range(n):
    ax = axes[0, i]
    for c in range(k):
      ax.plot(steps, alpha[:, i, c], label=f"G{c + 1}")
    ax.set_ylim(0, 1)
    ax.set_title(f"set {i + 1}", fontsize=9)
    ax.set_xlabel("step", fontsize=8)
  axes[0, 0].set_ylabel("alpha", fontsize=8)
  axes[0, -1].legend(fontsize=6, loc="upper right")
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)
