r"""Reference numbers of the metrics on real data (what a perfect G scores).

  python -m experiments.eval_real --num=10000 --inception_num=1000
  python -m experiments.eval_real --inception_num=10000 --inception_backend=torch

FID and 5-NN between MNIST train and test images on the classifier's
("domain") features and on Inception features, and Stacked MNIST modes / KL
of real stacked digits. Needs the classifier (experiments.train_classifier).
"""

import json
import time

import numpy as np
from absl import app, flags

_NUM = flags.DEFINE_integer("num", 10000, "Images per side (domain features).")
_INCEPTION_NUM = flags.DEFINE_integer(
    "inception_num", 1000, "Images per side for Inception FID (slow on CPU)."
)
_CLASSIFIER = flags.DEFINE_string("classifier_dir", "runs/classifier_mnist", "")
_MNIST_DIR = flags.DEFINE_string("mnist_dir", "", "MNIST IDX folder.")
_BACKEND = flags.DEFINE_enum(
    "inception_backend", "flax", ["flax", "torch"],
    "Inception network: the Flax port, or the TorchScript original (needs"
    " torch; faster on CPU, same features to 5e-6).",
)


def main(argv):
  del argv
  from configs import default
  from gan_mixtures import data as data_lib
  from gan_mixtures.metrics import classifier, digits, fid, inception_fid, knn

  dc = default.get_config().data
  dc.update(dict(name="mnist", image_size=28, resize="none", mnist_dir=_MNIST_DIR.value))
  train, test = (data_lib.make_dataset(dc, split=s) for s in ("train", "test"))
  n = _NUM.value
  x_train, _ = train.real_examples(n)
  x_test, _ = test.real_examples(n)
  clf = classifier.load_classifier(_CLASSIFIER.value)
  out = {"num": n}
  out.update(digits.domain_feature_metrics(x_train, x_test, clf))
  weights = inception_fid.default_weights_path()
  if weights:
    t = time.time()
    m = _INCEPTION_NUM.value
    ext = (inception_fid.TorchInceptionFeatures if _BACKEND.value == "torch"
           else inception_fid.InceptionFeatures)(weights)
    f_a, f_b = ext(x_train[:m]), ext(x_test[:m])
    out["fid_inception"] = fid.fid_from_features(f_a, f_b)
    out.update({f"{k}_inception": v for k, v in knn.knn_two_sample(f_a, f_b).items()})
    out["inception_num"], out["inception_s"] = m, time.time() - t
    out["inception_backend"] = _BACKEND.value
  dc.name = "stacked_mnist"
  stacked = data_lib.make_dataset(dc, split="train")
  x_st, y_st = stacked.real_examples(26000)
  out["stacked_real"] = digits.stacked_mnist_metrics(x_st, clf)
  out["stacked_true_label_modes"] = int(len(np.unique(y_st)))
  out["stacked_true_label_kl"] = digits.label_kl_to_uniform(y_st, 1000)
  print(json.dumps(out, indent=2))


if __name__ == "__main__":
  app.run(main)
