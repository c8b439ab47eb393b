"""The runs of one invocation: `train.num_seeds` S experiments that differ
only in their seed (seed .. seed + S - 1), trained as one stacked state by
one vmapped step, and `train.steps_per_dispatch` N steps per jitted call.

With S = 1 every function here is the identity of the one-run path: the
state, key and batches of the one experiment, unstacked.
"""

import dataclasses
import itertools
import os
from typing import Any, Iterator

import jax
import jax.numpy as jnp
import numpy as np


def dispatches(batches: Iterator, steps: int) -> Iterator:
  """The batches of `steps` consecutive steps stacked [steps, ...] (None
  stays None: on-device data); `batches` itself when steps is 1."""
  if steps == 1:
    yield from batches
    return
  while True:
    group = list(itertools.islice(batches, steps))
    if len(group) < steps:
      return
    yield None if group[0] is None else jnp.stack(group)


def per_step_rows(
    fetched: list[dict], steps: int, seeds: int = 1
) -> list[dict]:
  """Host metrics of each step from dispatches of `steps` stacked steps
  (with `seeds` S > 1 every value is the array of the S runs' values)."""
  if steps == 1:
    return fetched
  pick = (lambda v, i: v[i]) if seeds == 1 else (lambda v, i: v[:, i])
  return [{k: pick(v, i) for k, v in row.items()} for row in fetched
          for i in range(steps)]


def seed_config(config, s: int):
  """The config of run s of train.num_seeds: seed + s, one seed."""
  c = config.copy_and_resolve_references()
  c.seed = int(config.seed) + s
  c.train.num_seeds = 1
  return c


def stack(trees: list) -> Any:
  """The trees' leaves stacked [S, ...] in the first tree's structure (each
  run's TrainState holds its own, equal, apply_fn and optimizer)."""
  leaves = [jax.tree.leaves(t) for t in trees]
  return jax.tree.unflatten(jax.tree.structure(trees[0]),
                            [jnp.stack(xs) for xs in zip(*leaves)])


def _is_number(v: Any) -> bool:
  return isinstance(v, (int, float, np.number)) and not isinstance(v, bool)


def mean_numbers(dicts: list[dict]) -> dict[str, Any]:
  """Key by key: the mean of numbers over the dicts, else the first's value."""
  return {k: float(np.mean([d[k] for d in dicts])) if _is_number(v) else v
          for k, v in dicts[0].items()}


def std_numbers(dicts: list[dict]) -> dict[str, float]:
  """The std over the dicts of every numeric key they all have."""
  return {k: float(np.std([d[k] for d in dicts])) for k, v in dicts[0].items()
          if _is_number(v) and all(k in d for d in dicts)}


def state_step(state) -> int:
  """The step of a state (of S stacked runs: theirs, all equal)."""
  return int(np.asarray(jax.device_get(state.step)).ravel()[0])


def sample_path(workdir: str, step: int, s: int, num_seeds: int) -> str:
  suffix = f"_seed{s}" if num_seeds > 1 else ""
  return os.path.join(workdir, "samples", f"step_{step}{suffix}.png")


@dataclasses.dataclass
class SeedGroup:
  """S experiments (experiment.Experiment) of one config, seed by seed."""

  exps: list

  @property
  def size(self) -> int:
    return len(self.exps)

  @property
  def base_rng(self) -> jax.Array:
    """The key of the step: [S, key] for S runs."""
    if self.size == 1:
      return self.exps[0].base_rng
    return jnp.stack([e.base_rng for e in self.exps])

  def init_state(self) -> Any:
    """Each run's initial state (the one of a single run of its seed)."""
    if self.size == 1:
      return self.exps[0].init_state()
    return jax.device_put(stack([e.init_state() for e in self.exps]),
                          self.exps[0].replicated)

  def seed_state(self, state: Any, s: int) -> Any:
    """Run s's state out of the stacked one."""
    return state if self.size == 1 else jax.tree.map(lambda x: x[s], state)

  def batches(self, start: int, steps: int) -> Iterator:
    """Per dispatch: [S, (steps,) n_disc, B, ...] of each run's own batches
    (None for on-device sets)."""
    streams = [dispatches(e.batches(start), steps) for e in self.exps]
    if self.size == 1:
      yield from streams[0]
      return
    for group in zip(*streams):
      yield None if group[0] is None else jnp.stack(group)


def seed_results(group: SeedGroup, per_seed: list[dict]) -> dict[str, Any]:
  """results.json's `metrics` (the run's; with S seeds every number is their
  mean) and, with S seeds, `metrics_std` and `seeds` (each run's metrics)."""
  if group.size == 1:
    return {"metrics": per_seed[0]}
  return {"metrics": mean_numbers(per_seed),
          "metrics_std": std_numbers(per_seed),
          "seeds": [{"seed": int(e.config.seed), "metrics": m}
                    for e, m in zip(group.exps, per_seed)]}


def scalars(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
  """The numeric entries of a metrics dict (lists and notes are skipped)."""
  return {prefix + k: float(v) for k, v in metrics.items() if _is_number(v)}


def device_info() -> dict[str, Any]:
  """results.json's device keys: device count, kind, platform, jax version."""
  dev = jax.devices()[0]
  return {
      "num_devices": jax.device_count(),
      "device_kind": dev.device_kind,
      "platform": dev.platform,
      "jax_version": jax.__version__,
  }
