r"""Evaluates a workdir's latest (EMA) checkpoint and updates results.json.

  python -m experiments.evaluate --workdir=/tmp/md --num_samples=10000
  python -m experiments.evaluate --workdir=W --noinception   # CPU: skip FID
"""

import json
import os

from absl import app, flags

_WORKDIR = flags.DEFINE_string("workdir", None, "A run's workdir.")
_NUM_SAMPLES = flags.DEFINE_integer(
    "num_samples", None, "Samples to evaluate (default: the config's)."
)
_STEP = flags.DEFINE_integer("step", None, "Checkpoint step (default: latest).")
_INCEPTION = flags.DEFINE_bool(
    "inception", None, "Inception FID / 5-NN on image sets (default: the config's)."
)
flags.mark_flags_as_required(["workdir"])


def main(argv):
  del argv
  from gan_mixtures import checkpoint, evaluate, train

  try:
    exp, state = train.load_workdir(_WORKDIR.value, _STEP.value)
  except (checkpoint.CheckpointError, FileNotFoundError, ValueError) as e:
    raise SystemExit(f"error: {e}")
  config = exp.config
  if _NUM_SAMPLES.value:
    config.eval.num_samples = _NUM_SAMPLES.value
  if _INCEPTION.value is not None:
    config.eval.inception = _INCEPTION.value
  metrics = evaluate.evaluate(
      exp.method, state, exp.data, config,
      train.named_rng(exp.base_rng, "eval"),
  )
  path = os.path.join(_WORKDIR.value, "results.json")
  results = {}
  if os.path.exists(path):
    with open(path) as f:
      results = json.load(f)
  results.update(
      method=config.method.name, dataset=config.data.name, config=config.name,
      step=int(state.step), seed=int(config.seed),
  )
  results["metrics"] = {**results.get("metrics", {}), **metrics}
  print(f"results: {evaluate.write_results(_WORKDIR.value, results)}")
  print(json.dumps(metrics, sort_keys=True))


if __name__ == "__main__":
  app.run(main)
