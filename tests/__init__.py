"""The test suite.

Tests check logic, and numbers against references, not speed: XLA:CPU's
backend at optimisation level 0 compiles in about half the time of the
default level (an LDAGAN image step: 14.5 s against 29.9 s), so the suite
runs there. GAN_MIXTURES_TEST_XLA_OPT=1 keeps the default level. Set here,
before any test module starts a JAX backend (pytest imports this package
before conftest.py; `python -m tests.<module>` too).

Compiled steps are kept in JAX's persistent compilation cache
($GAN_MIXTURES_TEST_COMPILE_CACHE, default ~/.cache/gan_mixtures/
jax_compile_tests; "0" turns it off): tests that build the same step (most
2D configs) compile it once per machine, across test processes and runs.
The cache is keyed by the computation, the flags and the JAX version, so a
hit runs the executable a compile would have produced.
"""

import os

TEST_XLA_FLAG = "--xla_backend_optimization_level=0"

_flags = os.environ.get("XLA_FLAGS", "")
if (os.environ.get("GAN_MIXTURES_TEST_XLA_OPT", "0") != "1"
    and "xla_backend_optimization_level" not in _flags):
  os.environ["XLA_FLAGS"] = " ".join([_flags, TEST_XLA_FLAG]).strip()

_cache = os.environ.get("GAN_MIXTURES_TEST_COMPILE_CACHE", os.path.join(
    os.path.expanduser("~"), ".cache", "gan_mixtures", "jax_compile_tests"))
if _cache != "0" and "JAX_COMPILATION_CACHE_DIR" not in os.environ:
  os.environ["JAX_COMPILATION_CACHE_DIR"] = _cache
  os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.2")
