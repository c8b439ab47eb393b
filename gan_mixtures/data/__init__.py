"""Data sets, chosen by `config.data.name`.

A data set has `name`, `kind` ('2d'), `example_shape` and
`sample(rng, shape) -> [*shape, *example_shape]` (jittable, on device); 2D sets
also expose `means`, `stds`, `weights` (None where there are no modes).
"""

from typing import Callable

from gan_mixtures.data import synthetic

DATASETS: dict[str, Callable] = {
    "ring": synthetic.make_ring,
    "grid": synthetic.make_grid,
    "spiral": synthetic.make_spiral,
    "lda_mixture": synthetic.make_lda_mixture,
}


def make_dataset(data_config):
  """Builds the data set named by `data_config.name`."""
  try:
    factory = DATASETS[data_config.name]
  except KeyError:
    raise ValueError(
        f"unknown dataset {data_config.name!r}; choose from {sorted(DATASETS)}"
    ) from None
  return factory(data_config)
