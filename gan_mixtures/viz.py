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
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c=components, cmap="tab20", label="fake")
  ax.set_aspect("equal")
  ax.set_title(title, fontsize=9)
  ax.legend(loc="upper right", fontsize=7, markerscale=4)
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)


def image_grid(path: str, images: np.ndarray, ncol: int | None = None) -> None:
  """Writes images [N, H, W, C] in [-1, 1] as one PNG grid."""
  n, h, w, c = images.shape
  ncol = ncol or int(np.ceil(np.sqrt(n)))
  nrow = int(np.ceil(n / ncol))
  grid = np.ones((nrow * (h + 1) + 1, ncol * (w + 1) + 1, c), np.float32)
  for i, img in enumerate(images):
    r, q = divmod(i, ncol)
    grid[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + q * (w + 1) : 1 + q * (w + 1) + w] = (
        img + 1
    ) / 2
  pixels = (np.clip(grid, 0, 1) * 255).astype(np.uint8)
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  Image.fromarray(pixels[..., 0] if c == 1 else pixels).save(path)
