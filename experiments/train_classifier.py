r"""Trains the project's digit classifier (metrics and domain features).

  python -m experiments.train_classifier --dataset=mnist
  python -m experiments.train_classifier --dataset=digits --epochs=20

Reads MNIST from --mnist_dir / $MNIST_DIR / ../shared/data/mnist (offline),
saves to --workdir (default: classifier_<dataset> in the per-user cache,
$GAN_MIXTURES_CACHE or ~/.cache/gan_mixtures, where runs look for it) and
prints `test_acc=<value>` last.
"""

import os
import time

from absl import app, flags, logging

_DATASET = flags.DEFINE_enum("dataset", "mnist",
                             ["mnist", "fashion_mnist", "digits"], "Data set.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Output folder.")
_EPOCHS = flags.DEFINE_integer("epochs", 4, "Training epochs.")
_MNIST_DIR = flags.DEFINE_string("mnist_dir", "", "MNIST IDX folder.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed.")


def main(argv):
  del argv
  from gan_mixtures import paths
  from gan_mixtures.metrics import classifier

  t0 = time.time()
  workdir = _WORKDIR.value or paths.classifier_dir(_DATASET.value)
  try:
    test_acc = classifier.train_and_save(
        _DATASET.value, workdir, epochs=_EPOCHS.value,
        mnist_dir=_MNIST_DIR.value, seed=_SEED.value, log=logging.info)
  except FileNotFoundError as e:
    raise SystemExit(f"error: {e}")
  print(f"saved: {os.path.abspath(workdir)} ({time.time() - t0:.0f} s)")
  print(f"test_acc={test_acc:.4f}")


if __name__ == "__main__":
  app.run(main)
