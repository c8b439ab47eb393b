"""What a run is made of, built from a config: the data, the method, its
evaluators, the device mesh, the jitted train step and the host batches
(train.py runs it; tools build it with `build_experiment`)."""

import dataclasses
import itertools
import zlib
from typing import Any, Callable, Iterator

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from gan_mixtures import evaluators as evaluators_lib
from gan_mixtures import methods, validation
from gan_mixtures.data import device_cache, images
from gan_mixtures.kernels import conv


def named_rng(rng: jax.Array, name: str) -> jax.Array:
  """A key for `name`, independent of the other names' keys."""
  return jax.random.fold_in(rng, zlib.crc32(name.encode()) & 0x7FFFFFFF)


def make_mesh() -> Mesh:
  """A 1-D mesh over every device (all hosts); params are replicated."""
  return Mesh(np.asarray(jax.devices()), ("data",))


def strong_type(leaf: Any) -> jax.Array:
  """The array with its dtype made explicit (weak_type False)."""
  return jnp.asarray(leaf, dtype=jnp.result_type(leaf))


@dataclasses.dataclass
class Experiment:
  """What a run is made of, built from a config (also used by tools)."""

  config: Any
  data: Any
  method: Any
  # what the evaluation adds for this method (gan_mixtures/evaluators)
  evaluators: list[evaluators_lib.Evaluator]
  mesh: Mesh
  base_rng: jax.Array

  @property
  def replicated(self) -> NamedSharding:
    return NamedSharding(self.mesh, P())

  def init_state(self):
    sample = self.data.example_batch(2)
    # Jitted (op by op, a deep net's initialisation compiles every op), with
    # weak types made strong: a weakly typed leaf (a Python-scalar step or
    # fill) comes back strong from the first step and the step would compile
    # a second time.
    init = lambda rng, x: jax.tree.map(strong_type, self.method.init(rng, x))
    state = jax.jit(init)(named_rng(self.base_rng, "init"), sample)
    return jax.device_put(state, self.replicated)

  @property
  def batch_sharding(self) -> NamedSharding:
    return NamedSharding(self.mesh, P(None, "data"))  # [n_disc, B, ...]

  def make_train_step(self, steps: int = 1, seeds: int = 1) -> Callable:
    """jit(state, batch, base_rng) -> (state, metrics).

    `batch` is a host batch [n_disc, B, ...] (image sets; of a set cached on
    the device, its indices, gathered in the step), or None for on-device
    sets, whose batch is drawn inside the step. With `steps` N > 1
    one call runs N steps (`lax.scan`): batch [N, n_disc, B, ...] (or None),
    metrics stacked [N]; the same states as N calls of the one-step function.
    With `seeds` S > 1 the whole is vmapped over S runs: state, batch,
    base_rng and metrics gain a leading axis [S].
    """
    t = self.config.train
    cached = getattr(self.data, "device_cached", False)  # batch = indices

    def step(state, batch, base_rng, table):
      rng = jax.random.fold_in(base_rng, state.step)
      if batch is None:
        batch = self.data.sample(
            named_rng(rng, "data"), (t.n_disc, t.batch_size)
        )
      elif cached:
        batch = self.data.decode(table, batch)
      batch = jax.lax.with_sharding_constraint(batch, self.batch_sharding)
      return self.method.train_step(state, batch, named_rng(rng, "step"))

    def several(state, batches, base_rng, table):
      body = lambda s, b: step(s, b, base_rng, table)
      return jax.lax.scan(body, state, batches, length=steps)

    fn = step if steps == 1 else several
    jitted = jax.jit(
        fn if seeds == 1 else jax.vmap(fn, in_axes=(0, 0, 0, None)),
        donate_argnums=0,
        out_shardings=(self.replicated, self.replicated),
    )
    table = self.data.table if cached else None
    return lambda state, batch, base_rng: jitted(state, batch, base_rng, table)

  def host_rows(self) -> slice:
    """The positions of the global batch axis this process's devices hold
    (contiguous: the mesh lists each process's devices together)."""
    t = self.config.train
    shape = (t.n_disc, t.batch_size) + tuple(self.data.batch_tail)
    spans = [
        idx[1] for idx in
        self.batch_sharding.addressable_devices_indices_map(shape).values()]
    lo = min(s.start or 0 for s in spans)
    hi = max(t.batch_size if s.stop is None else s.stop for s in spans)
    return slice(lo, hi)

  def batches(self, start: int) -> Iterator:
    """Host batches of steps start.. as global sharded arrays (None on device).

    The examples of a step are a function of (seed, step), the same for
    every number of processes; each process reads and decodes only the rows
    its own devices hold (`host_rows`) and hands every device its slice.
    """
    if self.data.on_device:
      yield from itertools.repeat(None)
      return
    t = self.config.train
    shape = (t.n_disc, t.batch_size)
    rows = self.host_rows()
    prefetch = images.Prefetcher(
        lambda s: self.data.host_batch(s, shape, rows), start, t.num_steps,
        self.config.data.prefetch,
    )
    global_shape = shape + tuple(self.data.batch_tail)
    index_map = self.batch_sharding.addressable_devices_indices_map(
        global_shape)
    try:
      for part in prefetch:  # [n_disc, rows, ...]
        arrays = [
            jax.device_put(part[(idx[0], _shift(idx[1], rows.start))], device)
            for device, idx in index_map.items()
        ]
        yield jax.make_array_from_single_device_arrays(
            global_shape, self.batch_sharding, arrays)
    finally:
      prefetch.close()


def _shift(s: slice, offset: int) -> slice:
  """Slice s of the global batch axis as a slice of a process's rows."""
  start = (s.start or 0) - offset
  return slice(start, None if s.stop is None else s.stop - offset)


def build_experiment(config) -> Experiment:
  """Validates the config (no compilation before this passes) and builds."""
  validation.validate_config(config)
  # the convs of every step, sample and evaluation traced from here on
  conv.use_implementation(config.model.conv_impl)
  mesh = make_mesh()
  data = device_cache.maybe_cache(validation.make_dataset_or_fail(config),
                                  config.data.device_cache_mb,
                                  NamedSharding(mesh, P()))
  method = methods.make_method(config, data)
  return Experiment(
      config=config,
      data=data,
      method=method,
      evaluators=evaluators_lib.from_config(config, data, method),
      mesh=mesh,
      base_rng=jax.random.PRNGKey(config.seed),
  )
