"""The test suite.

Tests check logic, and numbers against references, not speed: XLA:CPU's
backend at optimisation level 0 compiles in about half the time of the
default level (an LDAGAN image step: 14.5 s against 29.9 s), so the suite
runs there. GAN_MIXTURES_TEST_XLA_OPT=1 keeps the default level. Set here,
before any test module starts a JAX backend (pytest imports this package
before conftest.py; `python -m tests.<module>` too).
"""

import os

TEST_XLA_FLAG = "--xla_backend_optimization_level=0"

_flags = os.environ.get("XLA_FLAGS", "")
if (os.environ.get("GAN_MIXTURES_TEST_XLA_OPT", "0") != "1"
    and "xla_backend_optimization_level" not in _flags):
  os.environ["XLA_FLAGS"] = " ".join([_flags, TEST_XLA_FLAG]).strip()
