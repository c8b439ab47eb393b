"""XLA options the project sets for the CPU before JAX starts a backend.

`--xla_cpu_experimental_ynn_fusion_type=` (no YNNPACK fusions): with them,
XLA:CPU of jaxlib 0.10 ran the Inception network's convolutions at 5.9
images/s against 13.7 without (batch 50, 2 cores), the HME thesis' and
LDAGAN's DCGAN steps 15-25 % slower, the MD-GAN and MGAN steps 2-3 %
faster (docs/speed.md). XLA refuses flags it does not know, so the option
is added only for the jaxlib versions it was measured on, only where the
user's XLA_FLAGS does not set it, and not with GAN_MIXTURES_XLA_DEFAULTS=0.
It must be in the environment before the backend starts: gan_mixtures'
import adds it (a backend started earlier keeps its options).
"""

import importlib.metadata
import os

FLAGS = ("--xla_cpu_experimental_ynn_fusion_type=",)
JAXLIB_VERSIONS = ("0.10.",)  # measured with 0.10.2


def jaxlib_version() -> str:
  try:
    return importlib.metadata.version("jaxlib")
  except importlib.metadata.PackageNotFoundError:
    return ""


def apply() -> list[str]:
  """Adds FLAGS to $XLA_FLAGS where they apply; returns those added."""
  if os.environ.get("GAN_MIXTURES_XLA_DEFAULTS", "1") == "0":
    return []
  if not jaxlib_version().startswith(JAXLIB_VERSIONS):
    return []
  current = os.environ.get("XLA_FLAGS", "")
  added = [f for f in FLAGS if f.split("=")[0] not in current]
  if added:
    os.environ["XLA_FLAGS"] = " ".join([current, *added]).strip()
  return added
