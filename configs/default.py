"""Every config key, with its default (gan_mixtures/defaults.py, the
library's schema). Method configs start from this.

Not meant to be run on its own (it trains a vanilla GAN on the 25-Gaussian
grid); see configs/<method>.py.
"""

from gan_mixtures.defaults import get_config

__all__ = ["get_config"]
