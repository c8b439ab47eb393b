"""Where batch norm takes its statistics: the batch's (training, and by
default sampling too), or fixed ones recorded from a calibration draw.

The nets' batch norms (dcgan.BatchStatNorm, CondBatchStatNorm,
shared.per_generator_norm) keep no running averages: the state stays the
parameters. The papers' code (the HME thesis', MGAN's, PacGAN's "B"
sampler) samples with running averages, so a sample does not depend on the
others drawn with it. `population_statistics` gives that: a trace-time
switch under which a first draw of a method's sampler records every batch
norm's statistics (in call order) and a second draw uses them, so every
sample is normalised by the statistics of one fixed calibration draw of the
current G (the population statistics that running averages estimate, as
"precise BN" computes them), whatever the size and content of the sample
batch."""

import contextlib
import contextvars
from typing import Callable, Iterator

import jax
import jax.numpy as jnp

_MODE = contextvars.ContextVar("bn_statistics", default=None)


def statistics(
    x: jax.Array, axes: tuple[int, ...]
) -> tuple[jax.Array, jax.Array]:
  """(mean, var) of x over `axes` (keepdims): the batch's, recorded when
  recording, or the next recorded pair when fixed."""
  mode = _MODE.get()
  if mode is not None and mode[0] == "fixed":
    try:
      return next(mode[1])
    except StopIteration:
      raise RuntimeError("more batch norms than the calibration draw"
                         " recorded") from None
  mean = jnp.mean(x, axis=axes, keepdims=True)
  var = jnp.var(x, axis=axes, keepdims=True)
  if mode is not None:
    mode[1].append((mean, var))
  return mean, var


@contextlib.contextmanager
def _mode(value) -> Iterator[None]:
  token = _MODE.set(value)
  try:
    yield
  finally:
    _MODE.reset(token)


def population_statistics(draw: Callable, calibrate: Callable):
  """draw() with every batch norm using the statistics recorded by
  calibrate() (both trace the same nets in the same order)."""
  recorded: list = []
  with _mode(("record", recorded)):
    calibrate()
  with _mode(("fixed", iter(recorded))):
    return draw()
