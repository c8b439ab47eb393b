"""What the command-line tools share: quiet start-up logs, one readable line
for a misspelt config key, --help that exits 0, and the config a command
line names."""

import difflib
import logging
import os
import sys

# Start-up noise that turns a one-line error into three: TensorFlow's C++
# INFO lines (oneDNN) and the absl::InitializeLog banner, JAX's search for a
# TPU, matplotlib's font cache.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow only writes TensorBoard summaries here (clu's writer imports
# it); its oneDNN note at import ignores TF_CPP_MIN_LOG_LEVEL and goes away
# with its oneDNN ops, which no computation of ours uses.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
QUIET_LOGGERS = ("jax._src.xla_bridge", "matplotlib", "matplotlib.font_manager",
                 "absl.testing", "orbax")
HELP_FLAGS = ("--help", "-h", "--helpfull", "-?", "--helpshort")


def quiet_logs() -> None:
  """Start-up INFO lines of other libraries down to WARNING."""
  for name in QUIET_LOGGERS:
    logging.getLogger(name).setLevel(logging.WARNING)


def config_spec(argv: list[str], flag: str = "config") -> str | None:
  """The value of --<flag>=SPEC (or --<flag> SPEC) in argv."""
  for i, arg in enumerate(argv):
    if arg.startswith(f"--{flag}="):
      return arg.split("=", 1)[1]
    if arg == f"--{flag}" and i + 1 < len(argv):
      return argv[i + 1]
  return None


def flat_keys(config) -> list[str]:
  """Every leaf key of a ConfigDict as 'group.key'."""
  out = []
  for k, v in config.items():
    if hasattr(v, "items"):
      out += [f"{k}.{sub}" for sub in flat_keys(v)]
    else:
      out.append(k)
  return out


def unknown_key_message(argv: list[str], flag: str = "config") -> str | None:
  """'unknown config key 'train.num_step'; did you mean 'train.num_steps'?'
  for the first --config.<key> override that the config lacks (None if
  every key exists or the config cannot be loaded)."""
  from experiments import manifest

  spec = config_spec(argv, flag)
  if spec is None:
    return None
  try:
    keys = flat_keys(manifest.load_config(spec))
  except Exception:  # noqa: BLE001 - the config's own error is reported
    return None
  for arg in argv:
    if not arg.startswith(f"--{flag}."):
      continue
    key = arg[len(flag) + 3:].split("=", 1)[0]
    if key not in keys:
      close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
      hint = f"; did you mean '{close[0]}'?" if close else (
          "; `--print_config` lists every key")
      return f"unknown config key '{key}'{hint}"
  return None


def wants_help(argv: list[str]) -> bool:
  return any(a in HELP_FLAGS for a in argv[1:])


def print_help(doc: str, module) -> None:
  """The tool's docstring and its own flags, on stdout."""
  from absl import flags

  print(doc.strip() + "\n")
  print("Flags:")
  print(flags.FLAGS.module_help(module))
  sys.stdout.flush()
