"""Command-line tools: training, evaluation, the reproduction manifest,
sweeps."""

import gan_mixtures  # noqa: F401 (its XLA options, before JAX starts)
