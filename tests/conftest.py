import os
import sys

# Tests import `configs` and `tests.helpers` from the repo root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
