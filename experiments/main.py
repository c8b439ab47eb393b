r"""Trains and evaluates one config.

  python -m experiments.main --config=configs/mdgan.py
  python -m experiments.main --config=configs/vanilla.py:ring8 \
      --workdir=/tmp/v --config.train.num_steps=2000
  python -m experiments.main --config=configs/mdgan.py:ring8 --print_config

Prints what it will do, progress (steps/s, elapsed, ETA, losses), a sample
picture before the evaluation, then the path of results.json and a
one-line summary of the main metrics. Every key of configs/default.py can
be set with --config.<group>.<key>=VALUE; --print_config prints them all.
"""

import datetime
import os
import sys

from absl import app, flags
from ml_collections import config_flags

from experiments import cli

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Config file, optionally `path.py:variant`.",
    lock_config=True
)
_WORKDIR = flags.DEFINE_string(
    "workdir", None, "Output folder (default: a new folder under ./runs/)."
)
_DISTRIBUTED = flags.DEFINE_bool(
    "distributed", False,
    "A multi-process job: jax.distributed.initialize(), which finds the"
    " coordinator, process count and id itself on SLURM, TPU pods and Open"
    " MPI (implied by --coordinator_address).",
)
_COORDINATOR = flags.DEFINE_string(
    "coordinator_address", None, "host:port of process 0 (multi-process).")
_NUM_PROCESSES = flags.DEFINE_integer("num_processes", None,
                                      "Processes of the job.")
_PROCESS_ID = flags.DEFINE_integer("process_id", None, "This process's index.")
_HEARTBEAT = flags.DEFINE_integer(
    "heartbeat_timeout", 30,
    "Seconds without a heartbeat before the job's other processes stop"
    " (a process that died).")
_PRINT_CONFIG = flags.DEFINE_bool(
    "print_config", False, "Print the resolved config (every key, what would"
    " run) and exit.")
flags.mark_flags_as_required(["config"])

def default_workdir(config_name: str) -> str:
  stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
  safe = config_name.replace(":", "_").replace(",", "_").replace("/", "_")
  return os.path.join("runs", f"{safe}_{stamp}")


def parse_flags(argv: list[str]) -> list[str]:
  """absl flag parsing with a one-line error for a bad config or override;
  --help prints the tool's help and exits 0."""
  cli.quiet_logs()
  if cli.wants_help(argv):
    cli.print_help(__doc__, sys.modules[__name__])
    sys.exit(0)
  try:
    return flags.FLAGS(argv)
  except Exception as e:  # flags.Error, or AttributeError for an unknown key
    message = cli.unknown_key_message(argv)
    if message is None:
      lines = [l.strip() for l in str(e).strip().splitlines() if l.strip()]
      message = lines[-1] if lines else type(e).__name__
    sys.exit(f"error: {message}")


def shortened(config, argv: list[str]) -> bool:
  """Whether train.num_steps was set on the command line below the value
  of the config file (and variant) it names."""
  from experiments import manifest

  spec = cli.config_spec(argv)
  try:
    return int(config.train.num_steps) < int(
        manifest.load_config(spec).train.num_steps)
  except Exception:  # noqa: BLE001 - no comparison: not shortened
    return False


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  # Imported here so --help stays fast and flags parse before JAX starts.
  import jax

  from gan_mixtures import (checkpoint, data, distributed, eval_setup, train,
                            validation)

  if _DISTRIBUTED.value or _COORDINATOR.value:
    distributed.initialize(_COORDINATOR.value, _NUM_PROCESSES.value,
                           _PROCESS_ID.value, _HEARTBEAT.value)
  try:
    config = _CONFIG.value
    name = config.name  # touching the config raises if its file failed
  except OSError:  # the config file failed to load (config_flags is lazy)
    path = config_flags.get_config_filename(flags.FLAGS["config"])
    sys.exit(f"error: cannot load config file {path!r}")
  if (config.eval.profile == "auto" and config.data.name in data.IMAGE_SETS
      and shortened(config, sys.argv)):
    config.eval.profile = "quick"  # a shortened run: a short evaluation
  if _PRINT_CONFIG.value:
    print(config)
    return
  try:  # bad values stop here, before JAX starts a backend or logs anything
    validation.validate_config(config, num_devices=1)
    # ... and so does what the run is built from and the evaluation needs
    # (the data, the reference split, the classifier, the Inception
    # weights): prepared once, handed to the trainer
    prepared = train.prepare(config)
  except (validation.ConfigError, eval_setup.EvalSetupError) as e:
    sys.exit(f"error: {e}")
  if jax.process_count() > 1 and not _WORKDIR.value:
    sys.exit("error: a multi-process job needs --workdir (one folder for all"
             " processes)")
  workdir = _WORKDIR.value or default_workdir(name)
  try:
    results = train.train_and_evaluate(config, workdir, prepared)
  except (distributed.Preempted, distributed.Stopped) as e:
    print(f"stopped: {e}", flush=True)
    sys.exit(e.exit_code)  # 128 + the signal, as a killed job
  except (
      validation.ConfigError,
      checkpoint.CheckpointError,
      train.NonFiniteError,
  ) as e:
    sys.exit(f"error: {e}")
  except ValueError as e:  # e.g. a resumed workdir with another config
    sys.exit(f"error: {e}")
  # e.g. another process of the job died
  except jax.errors.JaxRuntimeError as e:
    first = (str(e).strip().splitlines()[0] if str(e).strip()
             else type(e).__name__)
    print(f"error: the step failed in XLA ({first[:400]}); if another process"
          " of the job stopped, rerun the job to resume from its last"
          " checkpoint", file=sys.stderr, flush=True)
    # Not sys.exit: at exit jax.distributed waits for the dead process at its
    # shutdown barrier, then aborts with a stack dump.
    os._exit(1)
  print(f"results: {os.path.join(os.path.abspath(workdir), 'results.json')}")
  from gan_mixtures import evaluate

  print(evaluate.summary_line(results))


if __name__ == "__main__":
  app.run(main, flags_parser=parse_flags)
