"""Orbax checkpoints of the GANState, and the saved config of a workdir."""

import contextlib
import dataclasses
import json
import logging
import os
from typing import Any, Iterator

import jax
import orbax.checkpoint as ocp
from absl import logging as absl_logging


@contextlib.contextmanager
def quiet_orbax() -> Iterator[None]:
  """Orbax logs dozens of INFO lines per save; keep only warnings meanwhile."""
  level = absl_logging.get_verbosity()
  absl_logging.set_verbosity(absl_logging.WARNING)
  try:
    yield
  finally:
    absl_logging.set_verbosity(level)


class CheckpointError(RuntimeError):
  """A checkpoint could not be restored (missing, corrupt or from another
  config)."""


class Checkpointer:
  """Saves every `every_steps` and at the end; keeps `max_to_keep`."""

  def __init__(self, directory: str, every_steps: int, max_to_keep: int):
    self.directory = os.path.abspath(directory)
    self.every_steps = every_steps
    with quiet_orbax():
      self.manager = ocp.CheckpointManager(
          self.directory,
          options=ocp.CheckpointManagerOptions(
              max_to_keep=max_to_keep,
              create=True,
              enable_async_checkpointing=False,
          ),
      )

  def latest_step(self) -> int | None:
    with quiet_orbax():
      return self.manager.latest_step()

  def restore(self, template: Any, step: int | None = None) -> Any:
    """Restores `step` (default: latest) into the structure of `template`.

    Raises:
      CheckpointError: with the path, when there is no checkpoint or `step`
        was not saved, or the files are unreadable or do not match the
        template. Nothing on disk is changed.
    """
    with quiet_orbax():
      saved = sorted(self.manager.all_steps())
    if not saved:
      raise CheckpointError(f"no checkpoint under {self.directory}")
    step = saved[-1] if step is None else step
    if step not in saved:
      raise CheckpointError(
          f"no checkpoint at step {step} in {self.directory}; saved steps:"
          f" {saved}"
      )
    try:
      return self._restore(step, template)
    except Exception as e:  # orbax raises many types for unreadable files
      untyped = _with_dict_aux(template)
      if untyped is not None:  # written before the aux was typed?
        with contextlib.suppress(Exception):
          restored = self._restore(step, untyped)
          return _same_structure(
              restored.replace(aux=type(template.aux)(**restored.aux)),
              template)
      msg = str(e).splitlines()[0] if str(e) else type(e).__name__
      raise CheckpointError(
          f"checkpoint {self.directory}/{step} is corrupt or does not match"
          f" this config ({type(e).__name__}: {msg[:300]}); move it away or"
          " use another --workdir"
      ) from e

  def _restore(self, step: int, template: Any) -> Any:
    abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, template)
    with quiet_orbax():
      restored = self.manager.restore(step,
                                      args=ocp.args.StandardRestore(abstract))
    return _same_structure(restored, template)

  def save(self, step: int, state: Any) -> None:
    with quiet_orbax():
      self.manager.save(step, args=ocp.args.StandardSave(state), force=True)
      self.manager.wait_until_finished()
    logging.info("saved checkpoint %d in %s", step, self.directory)

  def close(self) -> None:
    with quiet_orbax():
      self.manager.close()


def _same_structure(restored: Any, template: Any) -> Any:
  """`restored`, which must have the template's tree structure: orbax fills
  a member saved as None (unused by the saving run's config) with None
  where the template holds an array, without an error."""
  if jax.tree.structure(restored) != jax.tree.structure(template):
    raise ValueError("the saved state's structure differs from this"
                     " config's (a member one of them does not use)")
  return restored


def _with_dict_aux(template: Any) -> Any:
  """`template` (a GANState) with its typed aux as the dict that checkpoints
  written before the aux was typed hold: the members that are set (None
  members were absent). None when the template has no typed aux."""
  aux = getattr(template, "aux", None)
  if not dataclasses.is_dataclass(aux):
    return None
  members = {f.name: getattr(aux, f.name) for f in dataclasses.fields(aux)}
  return template.replace(
      aux={k: v for k, v in members.items() if v is not None})


# Config groups that must not change when a workdir is resumed.
_FROZEN_GROUPS = ("method", "model", "data", "seed")
_FROZEN_TRAIN_KEYS = ("batch_size", "n_disc", "num_seeds")


def _leaves(tree: Any, prefix: str = "") -> dict[str, str]:
  """{'a.b': JSON of the value} of every leaf of a nested dict."""
  if not isinstance(tree, dict):
    return {prefix: json.dumps(tree, sort_keys=True)}
  out: dict[str, str] = {}
  for k, v in tree.items():
    out.update(_leaves(v, f"{prefix}.{k}" if prefix else k))
  return out


def over_defaults(saved: dict, defaults: dict) -> dict:
  """`saved` (a config as JSON) written over `defaults`, recursively: a key
  added to the defaults since the run was saved takes its default value."""
  out = dict(defaults)
  for k, v in saved.items():
    d = defaults.get(k)
    nested = isinstance(v, dict) and isinstance(d, dict)
    out[k] = over_defaults(v, d) if nested else v
  return out


def _compared(config_dict: dict,
              method_keys: tuple[str, ...] | None) -> dict:
  """The parts of a config a resumed run must keep: without model.conv_impl
  (how convs compute does not shape the state) and, given `method_keys`,
  only those of the method group."""
  keep = {"model": lambda k: k != "conv_impl",
          "method": lambda k: method_keys is None or k in method_keys}
  return {**config_dict, **{
      group: {k: v for k, v in config_dict.get(group, {}).items() if kept(k)}
      for group, kept in keep.items()}}


def check_saved_config(workdir: str, config_dict: dict,
                       defaults: dict | None = None,
                       write: bool = True,
                       method_keys: tuple[str, ...] | None = None) -> None:
  """Checks a resumed run against WORKDIR/config.json, then (`write`: the
  chief process of a multi-process job only) writes it, atomically so that
  another process never reads half a file.

  The saved config is read over `defaults` (today's default config), so a
  key added since the run was saved counts as its default: resuming with it
  at the default passes, at another value is refused. `method_keys`: the
  `method.*` keys the run's method reads (methods.owned_keys); only they
  are compared (another method's setting never shaped this run).

  Raises:
    ValueError: when a key that shapes the state or the data differs.
  """
  path = os.path.join(workdir, "config.json")
  if os.path.exists(path):
    with open(path) as f:
      saved = over_defaults(json.load(f), defaults or {})
    saved, current = (_compared(d, method_keys)
                      for d in (saved, config_dict))
    diffs = [
        k for k in _FROZEN_GROUPS
        if _leaves(saved.get(k)) != _leaves(current.get(k))
    ]
    diffs += [
        f"train.{k}"
        for k in _FROZEN_TRAIN_KEYS
        if saved.get("train", {}).get(k) != config_dict["train"].get(k)
    ]
    if diffs:
      raise ValueError(
          f"workdir {workdir} holds a run with a different config"
          f" ({', '.join(diffs)} differ); use another --workdir"
      )
  os.makedirs(workdir, exist_ok=True)
  if not write:
    return
  tmp = f"{path}.tmp{os.getpid()}"
  with open(tmp, "w") as f:
    json.dump(config_dict, f, indent=2, sort_keys=True)
  os.replace(tmp, path)
