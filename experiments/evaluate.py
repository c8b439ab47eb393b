r"""Evaluates a workdir's checkpoint, or scores samples from anywhere.

  python -m experiments.evaluate --workdir=/tmp/md --num_samples=10000
  # the papers' sizes:
  python -m experiments.evaluate --workdir=W --profile=paper
  python -m experiments.evaluate --workdir=W --noinception   # CPU: skip FID
  # another project's samples (a folder of PNGs or an .npz), same protocol:
  python -m experiments.evaluate --samples=PATH --dataset=mnist [--out=m.json]

With --workdir: evaluates the (EMA) checkpoint (latest, or --step) and
updates WORKDIR/results.json (metrics and eval_protocol). With --samples:
compares the images with the reference split of --dataset (the images'
size; data.resize 'resize' when it differs from the set's own) and prints
the metrics and the protocol as JSON (written to --out when given). Any
config key can be set with --config (a config file) and --config.<key>=.
"""

import glob
import json
import os
import sys

import numpy as np
from absl import app, flags, logging
from ml_collections import config_flags

from experiments import cli

_WORKDIR = flags.DEFINE_string("workdir", None, "A run's workdir.")
_SAMPLES = flags.DEFINE_string(
    "samples", None, "A folder of PNG images or an .npz of images to score.")
_DATASET = flags.DEFINE_string(
    "dataset", None, "With --samples: the data set to compare with.")
_OUT = flags.DEFINE_string("out", None, "With --samples: write the JSON here.")
_NUM_SAMPLES = flags.DEFINE_integer(
    "num_samples", None, "Samples to evaluate (default: the config's)."
)
_STEP = flags.DEFINE_integer("step", None, "Checkpoint step (default: latest).")
_INCEPTION = flags.DEFINE_bool(
    "inception", None,
    "Inception metrics on image sets (default: the config's)."
)
_PROFILE = flags.DEFINE_enum(
    "profile", None, ["auto", "paper", "quick"], "eval.profile (default: the"
    " run's): paper = the config's sizes; quick = 2,000 images.")
_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "With --samples: a config whose data / eval groups apply.")


class SamplesError(ValueError):
  """The samples cannot be read or do not fit the data set."""


def _png_images(folder: str) -> np.ndarray:
  files = sorted(glob.glob(os.path.join(folder, "*.png")))
  if not files:
    raise SamplesError(f"no .png files in {folder}")
  from PIL import Image

  images = []
  for f in files:
    try:
      with Image.open(f) as im:
        images.append(np.asarray(im.convert("L" if im.mode in ("L", "1", "I;16")
                                            else "RGB")))
    except OSError as e:
      raise SamplesError(f"cannot read {f}: {e}") from None
  shapes = {im.shape for im in images}
  if len(shapes) > 1:
    raise SamplesError(f"the images in {folder} differ in size:"
                       f" {sorted(shapes)}")
  return np.stack(images)


def _npz_images(path: str) -> np.ndarray:
  try:
    with np.load(path) as f:
      keys = [k for k in ("images", "samples", "x", "arr_0") if k in f.files]
      if not keys and len(f.files) != 1:
        raise SamplesError(f"{path}: no 'images' array (has {f.files})")
      return f[keys[0] if keys else f.files[0]]
  except (OSError, ValueError) as e:
    if isinstance(e, SamplesError):
      raise
    raise SamplesError(f"cannot read {path}: {e}") from None


def load_samples(path: str) -> np.ndarray:
  """Images [N, H, W, C] in [-1, 1] from a PNG folder or an .npz (uint8, or
  floats in [-1, 1]; [N, H, W] gets a channel axis, [N, C, H, W] is
  transposed)."""
  if os.path.isdir(path):
    x = _png_images(path)
  elif path.endswith(".npz") and os.path.isfile(path):
    x = _npz_images(path)
  else:
    raise SamplesError(f"{path} is neither a folder of PNGs nor an .npz file")
  if x.ndim == 3:
    x = x[..., None]
  if x.ndim == 4 and x.shape[1] in (1, 3) and x.shape[-1] not in (1, 3):
    x = x.transpose(0, 2, 3, 1)
  if x.ndim != 4 or x.shape[-1] not in (1, 3):
    raise SamplesError(f"{path}: images must be [N, H, W, 1 or 3], got"
                       f" {x.shape}")
  if x.dtype == np.uint8:
    return x.astype(np.float32) / 127.5 - 1.0
  x = x.astype(np.float32)
  if x.min() < -1.0 - 1e-3 or x.max() > 1.0 + 1e-3:
    raise SamplesError(f"{path}: float images must lie in [-1, 1]"
                       f" (got {x.min():.3g} .. {x.max():.3g}); or save uint8")
  return np.clip(x, -1.0, 1.0)


def samples_config(dataset: str, images: np.ndarray):
  """The config of the comparison: --config's (or the default's) data and
  eval groups, the data set and size of the images."""
  from configs import default
  from gan_mixtures import data as data_lib

  c = _CONFIG.value if _CONFIG.value is not None else default.get_config()
  if dataset not in data_lib.IMAGE_SETS:
    raise SamplesError(f"--dataset={dataset!r} is not an image set; choose"
                       f" from {sorted(data_lib.IMAGE_SETS)}")
  c.data.name = dataset
  size = images.shape[1]
  if _CONFIG.value is None:
    c.data.image_size = size
    c.data.resize = "resize"
  c.eval.num_samples = len(images)
  if _INCEPTION.value is not None:
    c.eval.inception = _INCEPTION.value
  return c


def score_samples(path: str, dataset: str) -> dict:
  """Metrics and protocol of the images at `path` against `dataset`."""
  from gan_mixtures import eval_setup, evaluate, validation
  from gan_mixtures.metrics import feature_metrics, inception_fid

  images = load_samples(path)
  config = samples_config(dataset, images)
  need = feature_metrics.min_samples(config.eval)
  if len(images) < need:
    raise SamplesError(f"{path}: {len(images)} images; the metrics need at"
                       f" least {need} (the largest k + 1)")
  validation.validate_config(config, num_devices=1)
  data = validation.make_dataset_or_fail(config)
  if tuple(images.shape[1:]) != tuple(data.example_shape):
    raise SamplesError(f"{path}: images are {images.shape[1:]}, {dataset} at"
                       f" this config is {tuple(data.example_shape)}")
  resources = eval_setup.prepare(config, data)
  ec = config.eval
  fake = evaluate.quantized(images) if ec.quantize else images
  metrics = evaluate.image_metrics(resources, fake, config)
  if ec.inception:
    metrics.update(
        inception_fid.inception_metrics(resources.reference, fake, ec))
  return {"samples": os.path.abspath(path), "dataset": dataset,
          "num_images": int(len(images)), "metrics": metrics,
          "eval_protocol": evaluate.protocol(config, data, resources)}


def evaluate_workdir() -> None:
  import jax

  from gan_mixtures import checkpoint, eval_setup, evaluate, experiment, train

  try:
    with open(os.path.join(_WORKDIR.value, "config.json")) as f:
      num_seeds = json.load(f).get("train", {}).get("num_seeds", 1)
    if num_seeds > 1:
      raise ValueError(f"{_WORKDIR.value} holds train.num_seeds={num_seeds}"
                       " runs; their evaluation is the run's own results.json")
    exp, state = train.load_workdir(_WORKDIR.value, _STEP.value)
    config = exp.config
    if _PROFILE.value:
      config.eval.profile = _PROFILE.value
    note = eval_setup.apply_profile(config, jax.default_backend())
    if note:
      logging.info("%s", note)
    if _NUM_SAMPLES.value:
      config.eval.num_samples = _NUM_SAMPLES.value
    if _INCEPTION.value is not None:
      config.eval.inception = _INCEPTION.value
    resources = eval_setup.prepare(config, exp.data)
  except (checkpoint.CheckpointError, FileNotFoundError, ValueError) as e:
    raise SystemExit(f"error: {e}")
  metrics = evaluate.evaluate(
      exp.method, state, exp.data, config,
      experiment.named_rng(exp.base_rng, "eval"), resources=resources,
  )
  path = os.path.join(_WORKDIR.value, "results.json")
  results = {}
  if os.path.exists(path):
    with open(path) as f:
      results = json.load(f)
  results.update(
      method=config.method.name, dataset=config.data.name, config=config.name,
      step=int(state.step), seed=int(config.seed),
      eval_protocol=evaluate.protocol(config, exp.data, resources),
  )
  results["metrics"] = {**results.get("metrics", {}), **metrics}
  print(f"results: {evaluate.write_results(_WORKDIR.value, results)}")
  print(json.dumps(metrics, sort_keys=True))


def main(argv):
  del argv
  if bool(_WORKDIR.value) == bool(_SAMPLES.value):
    sys.exit("error: give exactly one of --workdir and --samples")
  if _WORKDIR.value:
    evaluate_workdir()
    return
  if not _DATASET.value:
    sys.exit("error: --samples needs --dataset (the data set to compare with)")
  try:
    out = score_samples(_SAMPLES.value, _DATASET.value)
  except (SamplesError, FileNotFoundError, ValueError) as e:
    sys.exit(f"error: {e}")
  text = json.dumps(out, indent=2, sort_keys=True)
  if _OUT.value:
    with open(_OUT.value, "w") as f:
      f.write(text + "\n")
  print(text)


if __name__ == "__main__":
  cli.quiet_logs()
  app.run(main)
