"""What the benchmark scripts share: a run in its own workdir, trained once
and reused when its results.json says it finished."""

import json
import os

import experiments  # noqa: F401 (puts the checkout's configs/ on sys.path)


def train_or_reuse(config, workdir: str) -> dict:
  """The results of `config` in `workdir`: read if finished, else trained
  (resuming from the workdir's last checkpoint)."""
  from gan_mixtures import evaluate, train

  results = evaluate.finished_results(workdir, int(config.train.num_steps))
  return results or train.train_and_evaluate(config, workdir)


def short_run(c, seed: int, steps: int, log_every: int):
  """Config `c` as a benchmark arm: `seed`, `steps` long, metrics every
  `log_every` steps, a checkpoint half-way and at the end, no sample
  pictures or TensorBoard. Returns c."""
  c.seed = seed
  c.train.num_steps = steps
  c.train.log_every = log_every
  c.checkpoint.every_steps = max(1, steps // 2)
  c.train.sample_every = 0
  c.train.tensorboard = False
  return c


def metrics_rows(workdir: str, key: str) -> list[dict]:
  """The rows of WORKDIR/metrics.jsonl that hold `key`, one per step in step
  order: a run resumed from a checkpoint logs again the steps after it, and
  the later row is kept."""
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    by_step = {r["step"]: r for r in map(json.loads, f) if key in r}
  return [by_step[s] for s in sorted(by_step)]


def print_and_save(result: dict, path: str | None) -> None:
  """Prints a benchmark's JSON and, given a path, writes it there too."""
  text = json.dumps(result, indent=2)
  print(text)
  if path:
    with open(path, "w") as f:
      f.write(text + "\n")
