"""Multi-process jobs: start-up, and the preemption notice (SIGTERM).

`initialize(...)` calls jax.distributed.initialize with the given
coordinator address, process count and id, or none of them (JAX then finds
them itself on SLURM, TPU pods and Open MPI), with a bounded heartbeat: when
a process dies, the coordination service stops the others within about
`heartbeat_timeout_s`. CPU processes exchange their collectives over gloo.
JAX's preemption service is switched on, so a SIGTERM to any process (what
SLURM and preemptible VMs send before the kill) is propagated to all of them
and they agree on one step to checkpoint at (`preempted`).

One process: `install_sigterm_handler()` turns SIGTERM (and a first
Ctrl-C) into a flag that the trainer reads after every step; it then saves
a checkpoint and stops. `stop_on_signals()` makes them stop at once (with
`Stopped`) where there is no step to wait for: the evaluation, pictures.
"""

import contextlib
import logging
import signal
from typing import Iterator

import jax

_SIGTERM = {"received": False, "name": "SIGTERM"}
EXIT_CODES = {"SIGTERM": 143, "SIGINT": 130}  # 128 + the signal's number


def initialize(coordinator_address: str | None = None,
               num_processes: int | None = None, process_id: int | None = None,
               heartbeat_timeout_s: int = 30) -> None:
  """jax.distributed.initialize with the preemption service on."""
  jax.config.update("jax_enable_preemption_service", True)
  jax.config.update("jax_cpu_collectives_implementation", "gloo")
  jax.distributed.initialize(
      coordinator_address=coordinator_address, num_processes=num_processes,
      process_id=process_id, heartbeat_timeout_seconds=heartbeat_timeout_s,
  )
  logging.info("process %d of %d, %d local / %d global devices",
               jax.process_index(), jax.process_count(),
               jax.local_device_count(), jax.device_count())


def is_chief() -> bool:
  """Whether this process writes the run's files (config.json, metrics,
  pictures, results.json): process 0. Checkpoints are written by all."""
  return jax.process_index() == 0


def is_multiprocess() -> bool:
  return jax.process_count() > 1


def install_sigterm_handler() -> None:
  """One process: SIGTERM, and a first Ctrl-C, set a flag instead of
  killing the process: the trainer checkpoints at the next step and stops
  (a second Ctrl-C stops at once). In a multi-process job JAX's preemption
  service handles SIGTERM."""
  if is_multiprocess():
    return

  def handler(signum, frame):
    del frame
    name = signal.Signals(signum).name
    if name == "SIGINT" and _SIGTERM["received"]:
      raise KeyboardInterrupt
    if name == "SIGINT":
      logging.warning("Ctrl-C: saving a checkpoint after this step, then"
                      " stopping (Ctrl-C again to stop at once)")
    _SIGTERM.update(received=True, name=name)

  signal.signal(signal.SIGTERM, handler)
  if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, handler)


def signal_name() -> str:
  """The signal that asked to stop (SIGTERM or SIGINT)."""
  return _SIGTERM["name"]


class Stopped(Exception):
  """A signal stopped the program where nothing was left to save."""

  def __init__(self, message: str, signal_name: str):
    super().__init__(message)
    self.exit_code = EXIT_CODES.get(signal_name, 1)


@contextlib.contextmanager
def stop_on_signals(message: str) -> Iterator[None]:
  """Inside, SIGTERM and Ctrl-C raise Stopped(`message` + which signal)
  at once (a checkpoint is already saved); the handlers are restored
  after."""
  def handler(signum, frame):
    del frame
    name = signal.Signals(signum).name
    raise Stopped(f"{message} ({name})", name)

  previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
  for s in previous:
    signal.signal(s, handler)
  try:
    yield
  finally:
    for s, h in previous.items():
      signal.signal(s, h)


def preempted(step: int) -> bool:
  """Whether to checkpoint at `step` and stop: every process answers the
  same at the same step (the preemption service's sync point), or, in one
  process, whether SIGTERM arrived."""
  if is_multiprocess():
    from jax.experimental import multihost_utils

    return multihost_utils.reached_preemption_sync_point(step)
  return _SIGTERM["received"]


class Preempted(Exception):
  """Training stopped on a preemption notice after saving a checkpoint."""

  def __init__(self, step: int, directory: str, signal_name: str = "SIGTERM"):
    what = ("preempted (SIGTERM)" if signal_name == "SIGTERM"
            else "interrupted (Ctrl-C)")
    super().__init__(
        f"{what} at step {step}: checkpoint saved in {directory};"
        " rerun the same command to resume")
    self.exit_code = EXIT_CODES.get(signal_name, 1)
    self.step = step
