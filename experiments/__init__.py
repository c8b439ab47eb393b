"""Command-line tools: training, evaluation, the reproduction manifest,
sweeps.

The configs are files of the checkout (`--config=configs/mdgan.py`), not an
installed package: importing `experiments` from a checkout installed with
`pip install -e` (README) puts the checkout's root, the folder that holds
`configs/` beside `experiments/`, on sys.path, so the config files and the
tools that read them (`from configs import default`) work from any working
directory and from scripts such as `python benchmarks/bench_images.py`.
"""

import os
import sys

import gan_mixtures  # noqa: F401 (its XLA options, before JAX starts)

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if (os.path.isfile(os.path.join(CHECKOUT, "configs", "__init__.py"))
    and CHECKOUT not in sys.path):
  sys.path.insert(0, CHECKOUT)
