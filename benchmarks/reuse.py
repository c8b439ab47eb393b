"""What the benchmark scripts share: a run in its own workdir, trained once
and reused when its results.json says it finished."""

import json
import os


def read_results(workdir: str, steps: int) -> dict | None:
  """WORKDIR/results.json when it holds a run of `steps` steps, else None."""
  path = os.path.join(workdir, "results.json")
  if not os.path.exists(path):
    return None
  with open(path) as f:
    results = json.load(f)
  return results if results.get("step") == steps else None


def train_or_reuse(config, workdir: str) -> dict:
  """The results of `config` in `workdir`: read if finished, else trained
  (resuming from the workdir's last checkpoint)."""
  from gan_mixtures import train

  results = read_results(workdir, int(config.train.num_steps))
  return results or train.train_and_evaluate(config, workdir)


def metrics_rows(workdir: str, key: str) -> list[dict]:
  """The rows of WORKDIR/metrics.jsonl that hold `key`."""
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    rows = [json.loads(line) for line in f]
  return [r for r in rows if key in r]
