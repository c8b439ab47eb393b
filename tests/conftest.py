import os
import sys

# Tests import `configs` and `tests.helpers` from the repo root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Classifiers and cached real features go to a cache of this test session,
# not the user's (gan_mixtures/paths.py); a test may set its own.
if "GAN_MIXTURES_CACHE" not in os.environ:
  import tempfile

  os.environ["GAN_MIXTURES_CACHE"] = tempfile.mkdtemp(prefix="gm_test_cache_")
