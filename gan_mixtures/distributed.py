"""Multi-process jobs: start-up, and the preemption notice (SIGTERM).

`initialize(...)` calls jax.distributed.initialize with the given
coordinator address, process count and id, or none of them (JAX then finds
them itself on SLURM, TPU pods and Open MPI), with a bounded heartbeat: when
a process dies, the coordination service stops the others within about
`heartbeat_timeout_s`. CPU processes exchange their collectives over gloo.
JAX's preemption service is switched on, so a SIGTERM to any process (what
SLURM and preemptible VMs send before the kill) is propagated to all of them
and they agree on one step to checkpoint at (`preempted`).

One process: `install_sigterm_handler()` turns SIGTERM into a flag that the
trainer reads after every step.
"""

import logging
import signal

import jax

_SIGTERM = {"received": False}


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
  """One process: SIGTERM sets a flag instead of killing the process (JAX's
  preemption service handles it in a multi-process job)."""
  if is_multiprocess():
    return

  def handler(signum, frame):
    del signum, frame
    _SIGTERM["received"] = True

  signal.signal(signal.SIGTERM, handler)


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

  def __init__(self, step: int, directory: str):
    super().__init__(
        f"preempted (SIGTERM) at step {step}: checkpoint saved in {directory};"
        " rerun the same command to resume")
    self.step = step
