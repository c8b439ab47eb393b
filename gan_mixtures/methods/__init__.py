"""The explicit registry of methods (scenic model_lib style).

A new method is one file here plus one line in METHODS and a config; train.py
does not change.
"""

from gan_mixtures.methods.base import COMMON_KEYS, GANMethod, Method
from gan_mixtures.methods.gmgan import GMGAN
from gan_mixtures.methods.hmegan import HMEGAN
from gan_mixtures.methods.ldagan import LDAGAN
from gan_mixtures.methods.madgan import MADGAN
from gan_mixtures.methods.mdgan import MDGAN
from gan_mixtures.methods.megan import MEGAN
from gan_mixtures.methods.mgan import MGAN
from gan_mixtures.methods.mmgan import MMGAN
from gan_mixtures.methods.pcmgan import PCMGAN
from gan_mixtures.methods.vanilla import VanillaGAN

METHODS: dict[str, type] = {
    "vanilla": VanillaGAN,
    "mdgan": MDGAN,
    "ldagan": LDAGAN,
    "hmegan": HMEGAN,
    "mmgan": MMGAN,
    "gmgan": GMGAN,
    "pcmgan": PCMGAN,
    "madgan": MADGAN,
    "mgan": MGAN,
    "megan": MEGAN,
}


def get_method_class(name: str) -> type:
  try:
    return METHODS[name]
  except KeyError:
    raise ValueError(
        f"unknown method {name!r}; choose from {sorted(METHODS)}"
    ) from None


def owned_keys(name: str) -> tuple[str, ...]:
  """The `method.*` keys method `name` reads: the common ones and its own."""
  return COMMON_KEYS + get_method_class(name).config_keys


def owners(key: str) -> list[str]:
  """The registered methods that read `method.<key>`."""
  return sorted(n for n, cls in METHODS.items() if key in cls.config_keys)


def make_method(config, data) -> Method:
  """Builds the method named by `config.method.name` for data set `data`,
  its nets computing in `config.model.dtype` (precision.py)."""
  from gan_mixtures import precision

  method = get_method_class(config.method.name)(config, data)
  return precision.apply_policy(method, config.model.dtype)


__all__ = ["COMMON_KEYS", "GANMethod", "Method", "METHODS", "get_method_class",
           "make_method", "owned_keys", "owners"]
