r"""The metrics of real data against real data: what a perfect generator scores.

  python -m experiments.eval_real --dataset=mnist [--num=10000]
  python -m experiments.eval_real --dataset=mnist --inception_backend=torch \
      --resize=clean,bilinear --out=benchmarks/results/eval_real_mnist_cpu.json

`--num` images of the train split play the generator and are compared with
`--num` images of the test split, through the same evaluation as a run
(evaluate.image_metrics and inception_fid.inception_metrics): FID, KID, IS,
precision / recall, density / coverage and 5-NN on Inception features, for
every --resize mode (`bilinear` with float images is the project's earlier
protocol), and the same on the digit classifier's features (`_domain`).
For MNIST also the Stacked MNIST modes and KL of 26,000 real stacked digits.
"""

import json
import time

import numpy as np
from absl import app, flags

_DATASET = flags.DEFINE_string("dataset", "mnist", "An image set (its train"
                               " and test splits must be readable).")
_NUM = flags.DEFINE_integer("num", 10000, "Images per side.")
_RESIZE = flags.DEFINE_list("resize", ["clean", "bilinear"],
                            "Inception input pipelines to report.")
_MNIST_DIR = flags.DEFINE_string("mnist_dir", "", "MNIST IDX folder.")
_BACKEND = flags.DEFINE_enum(
    "inception_backend", "flax", ["flax", "torch"],
    "Inception network: the Flax port, or the TorchScript original (needs"
    " torch; faster on CPU, same features to 5e-6).",
)
_OUT = flags.DEFINE_string("out", None, "Also write the JSON here.")


def main(argv):
  del argv
  from configs import default
  from gan_mixtures import data as data_lib
  from gan_mixtures import eval_setup, evaluate
  from gan_mixtures.metrics import digits, inception_fid

  c = default.get_config()
  c.data.update(dict(name=_DATASET.value, mnist_dir=_MNIST_DIR.value))
  if _DATASET.value in ("mnist", "fashion_mnist"):
    c.data.update(dict(image_size=28, resize="none"))
  n = _NUM.value
  c.eval.num_samples = c.eval.num_real = n
  try:
    train = data_lib.make_dataset(c.data, split="train")
    resources = eval_setup.prepare(c, train)
  except (FileNotFoundError, ValueError) as e:
    raise SystemExit(f"error: {e}")
  # the train images a generator would produce, drawn as before this
  # protocol (so the bilinear row repeats the earlier numbers)
  x_train, _ = train.real_examples(n)
  out = {"dataset": _DATASET.value, "num": n,
         "reference_split": resources.reference.split_name,
         "inception_backend": _BACKEND.value}
  t = time.time()
  out["domain"] = evaluate.image_metrics(resources, x_train, c)
  out["domain_s"] = time.time() - t
  for mode in _RESIZE.value:
    ec = c.eval.copy_and_resolve_references()
    ec.resize = mode
    quantize = mode != "bilinear"  # the earlier protocol fed float images
    fake = evaluate.quantized(x_train) if quantize else x_train
    t = time.time()
    extractor = inception_fid.make_extractor(ec, _BACKEND.value)
    m = inception_fid.inception_metrics(resources.reference, fake, ec,
                                        extractor)
    out[f"inception_{mode}"] = {**m, "quantized": quantize,
                                "seconds": time.time() - t}
  out["eval_protocol"] = evaluate.protocol(c, train, resources)
  if _DATASET.value == "mnist":
    c.data.name = "stacked_mnist"
    stacked = data_lib.make_dataset(c.data, split="train")
    x_st, y_st = stacked.real_examples(26000)
    clf = resources.classifier_dir and eval_setup.clf_lib.load_classifier(
        resources.classifier_dir)
    if clf:
      out["stacked_real"] = digits.stacked_mnist_metrics(x_st, clf)
    out["stacked_true_label_modes"] = int(len(np.unique(y_st)))
    out["stacked_true_label_kl"] = digits.label_kl_to_uniform(y_st, 1000)
  text = json.dumps(out, indent=2, sort_keys=True, default=float)
  if _OUT.value:
    with open(_OUT.value, "w") as f:
      f.write(text + "\n")
  print(text)


if __name__ == "__main__":
  app.run(main)
