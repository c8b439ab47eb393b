"""gan_mixtures: a JAX/Flax experiment framework for mixture-model GANs.

The core (kernels, nets, methods, the train step, metrics) imports and runs
without TensorFlow; TensorFlow is only used, when present, for clu's
TensorBoard writers and `tfds.load`.
"""

__version__ = "0.1.0"

from gan_mixtures import xla_defaults as _xla_defaults

_xla_defaults.apply()
