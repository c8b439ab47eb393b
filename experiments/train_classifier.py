r"""Trains the project's digit classifier (metrics and domain features).

  python -m experiments.train_classifier --dataset=mnist
  python -m experiments.train_classifier --dataset=digits --epochs=20

Reads MNIST from --mnist_dir / $MNIST_DIR / ../shared/data/mnist (offline),
saves to --workdir (default runs/classifier_<dataset>, the default of
eval.classifier_dir) and prints `test_acc=<value>` last.
"""

import os
import time

from absl import app, flags, logging

_DATASET = flags.DEFINE_enum("dataset", "mnist", ["mnist", "fashion_mnist", "digits"], "Data set.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Output folder.")
_EPOCHS = flags.DEFINE_integer("epochs", 4, "Training epochs.")
_MNIST_DIR = flags.DEFINE_string("mnist_dir", "", "MNIST IDX folder.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed.")


def main(argv):
  del argv
  from configs import default
  from gan_mixtures import data as data_lib
  from gan_mixtures.metrics import classifier

  t0 = time.time()
  dc = default.get_config().data
  dc.name = _DATASET.value
  dc.mnist_dir = _MNIST_DIR.value
  dc.image_size = 28 if dc.name != "digits" else 8
  dc.resize = "none"
  splits = {}
  for split in ("train", "test"):
    splits[split] = data_lib.make_dataset(dc, split=split).all_examples()
  model, params = classifier.train_classifier(
      *splits["train"], num_classes=10, epochs=_EPOCHS.value, seed=_SEED.value,
      log=logging.info,
  )
  meta = {"dataset": dc.name, "image_size": dc.image_size, "channels": 1}
  clf = classifier.Classifier(model, params, {**meta, "num_classes": 10})
  test_acc = clf.accuracy(*splits["test"])
  workdir = _WORKDIR.value or os.path.join("runs", f"classifier_{dc.name}")
  classifier.save_classifier(
      workdir, model, params,
      {**meta, "test_acc": test_acc, "train_s": time.time() - t0},
  )
  print(f"saved: {os.path.abspath(workdir)} ({time.time() - t0:.0f} s)")
  print(f"test_acc={test_acc:.4f}")


if __name__ == "__main__":
  app.run(main)
