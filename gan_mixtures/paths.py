"""Where the project keeps what it builds once and reuses across runs and
working directories: the digit classifiers and the real images' Inception
features. A per-user cache folder, $GAN_MIXTURES_CACHE, else
$XDG_CACHE_HOME/gan_mixtures, else ~/.cache/gan_mixtures."""

import os

CACHE_ENV = "GAN_MIXTURES_CACHE"


def cache_dir() -> str:
  """The cache folder (not created here)."""
  if os.environ.get(CACHE_ENV):
    return os.path.abspath(os.path.expanduser(os.environ[CACHE_ENV]))
  base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
      os.path.expanduser("~"), ".cache")
  return os.path.join(base, "gan_mixtures")


def classifier_dir(dataset: str) -> str:
  """The default folder of the `dataset` digit classifier."""
  return os.path.join(cache_dir(), f"classifier_{dataset}")


def fid_stats_dir() -> str:
  """The default folder of cached real-image features."""
  return os.path.join(cache_dir(), "fid_stats")
