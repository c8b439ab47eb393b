"""The one generic training loop (every method, every data set, any devices).

`train_and_evaluate(config, workdir)`: validate the config (before anything
compiles), build data + method, restore the latest checkpoint, run the jitted
`train_step` with RNG `fold_in(base_rng, step)` on a 1-D ('data',) mesh,
check every step's losses and gradient norms for NaN/inf, write metrics,
checkpoints, sample pictures and periodic evaluations, and finally
`results.json`.
"""

import dataclasses
import json
import logging
import os
import time
from typing import Any

import jax
import ml_collections
import numpy as np

from gan_mixtures import checkpoint as ckpt_lib
from gan_mixtures import distributed, eval_setup
from gan_mixtures import evaluate as eval_lib
from gan_mixtures import evaluators as evaluators_lib
from gan_mixtures import methods, progress, runs, writers
from gan_mixtures.experiment import Experiment, build_experiment, named_rng


class NonFiniteError(RuntimeError):
  """A loss or gradient became NaN/inf; training stopped."""


def workdir_checkpointer(workdir: str, config) -> ckpt_lib.Checkpointer:
  """The checkpoint manager of WORKDIR/checkpoints for `config.checkpoint`."""
  return ckpt_lib.Checkpointer(
      os.path.join(workdir, "checkpoints"), config.checkpoint.every_steps,
      config.checkpoint.max_to_keep,
  )


def restore_or_init(exp: Experiment, ckpt: ckpt_lib.Checkpointer, state=None):
  """The latest checkpoint if there is one; else the latest checkpoint of
  `train.init_from` (another run's workdir: a warm start, its step counted
  on); else a fresh state (`state`, default exp.init_state())."""
  state = exp.init_state() if state is None else state
  if ckpt.latest_step() is not None:
    state = jax.device_put(ckpt.restore(state), exp.replicated)
    logging.info("restored step %d from %s", runs.state_step(state),
                 ckpt.directory)
  elif exp.config.train.init_from:
    source = workdir_checkpointer(exp.config.train.init_from, exp.config)
    state = jax.device_put(source.restore(state), exp.replicated)
    source.close()
    logging.info("started from step %d of %s", int(state.step),
                 source.directory)
  return state


def cpu_devices_need_sync() -> bool:
  """Whether every step must finish before the next is dispatched: on
  several CPU devices of one process (--xla_force_host_platform_device_count)
  a run that dispatches steps ahead deadlocks in an all-reduce once the
  steps are large enough: XLA's CPU rendezvous waits for a device program
  that never starts, apparently because the host threads are held by the
  programs of the steps queued behind it (seen with the README's main job
  on 2 and 4 devices; with one step in flight the participants meet)."""
  return jax.devices()[0].platform == "cpu" and jax.local_device_count() > 1


def check_finite(
    first_step: int, rows: list[dict], last_good: int | None
) -> None:
  """Raises NonFiniteError naming the first step and quantity that is
  NaN/inf."""
  for i, row in enumerate(rows):
    bad = sorted(k for k, v in row.items() if not np.all(np.isfinite(v)))
    if bad:
      kept = "none yet" if last_good is None else f"step {last_good}"
      raise NonFiniteError(
          f"non-finite {', '.join(bad)} at step {first_step + i}; training"
          f" stopped, the last good checkpoint is kept ({kept})"
      )


def periodic_metrics(exp: Experiment, state) -> dict[str, float]:
  """The method's diagnostics of `state` and its evaluators' (metrics.jsonl
  `diag/` keys at every log step)."""
  rng = named_rng(exp.base_rng, "diag")
  return {**exp.method.periodic_metrics(state, rng),
          **evaluators_lib.periodic(exp.evaluators, exp.method, state, rng)}


def seed_group(config) -> runs.SeedGroup:
  """The train.num_seeds experiments of `config` (one, built from it, when
  num_seeds is 1)."""
  if config.train.num_seeds == 1:
    return runs.SeedGroup([build_experiment(config)])
  return runs.SeedGroup([build_experiment(runs.seed_config(config, s))
                         for s in range(config.train.num_seeds)])


def sample_every(config) -> int:
  """train.sample_every: -1 = every tenth of the run (a multiple of
  steps_per_dispatch), 0 = only the picture before the final evaluation."""
  t = config.train
  if t.sample_every >= 0:
    return t.sample_every
  n = t.steps_per_dispatch
  return max(t.num_steps // 10 // n * n, n)


def save_pictures(group: runs.SeedGroup, state, workdir: str, writer,
                  step: int) -> None:
  """Every run's sample grid (and its evaluators' pictures), and the
  first run's grid in TensorBoard."""
  for s, e in enumerate(group.exps):
    pixels = eval_lib.save_samples_picture(
        e.method, group.seed_state(state, s), e.data, e.config,
        named_rng(e.base_rng, "eval"),
        runs.sample_path(workdir, step, s, group.size), e.evaluators)
    if s == 0 and pixels is not None:
      writer.write_images(step, {"samples": pixels[None]})


def announce(config, start: int, profile_note: str | None) -> None:
  """The first lines of a run: what will be trained and evaluated."""
  t, ec = config.train, config.eval
  todo = t.num_steps - start
  what = (f"{config.name}: {todo} steps to train" + (f" (resuming at step"
          f" {start} of {t.num_steps})" if start else "")
          + f", batch {t.batch_size}, {t.n_disc} D step(s) per G step")
  logging.info("%s; then an evaluation of %d generated samples (profile"
               " %s)", what, max(ec.num_samples, ec.num_fake), ec.profile)
  if profile_note:
    logging.info("%s", profile_note)


def evaluate_seeds(group: runs.SeedGroup, state, workdir: str,
                   resources: eval_setup.EvalResources, is_chief: bool = True,
                   ) -> list[dict[str, Any]]:
  """Every run's metrics; the pictures of the samples from the chief only."""
  step = runs.state_step(state)
  return [eval_lib.evaluate(
      e.method, group.seed_state(state, s), e.data, e.config,
      named_rng(e.base_rng, "eval"),
      sample_path=(runs.sample_path(workdir, step, s, group.size)
                   if is_chief else None),
      resources=resources, evaluators=e.evaluators,
  ) for s, e in enumerate(group.exps)]


@dataclasses.dataclass(frozen=True)
class Prepared:
  """What a run is built from, checked once: the experiments (config
  validated, data built) and what the evaluation reads."""

  group: runs.SeedGroup
  resources: eval_setup.EvalResources
  profile_note: str | None


def prepare(config) -> Prepared:
  """Resolves the evaluation profile, validates, builds every seed's
  experiment and gathers the evaluation's needs, before any step compiles.

  Raises:
    validation.ConfigError, eval_setup.EvalSetupError: naming what is wrong.
  """
  # the profile first: every seed's config is a copy of this one
  profile_note = eval_setup.apply_profile(config, jax.default_backend())
  group = seed_group(config)
  resources = eval_setup.prepare(config, group.exps[0].data)
  return Prepared(group, resources, profile_note)


def train_and_evaluate(config, workdir: str,
                       prepared: Prepared | None = None) -> dict[str, Any]:
  """Trains (resuming from WORKDIR's latest checkpoint) and evaluates;
  `prepared`: what `prepare(config)` gave (prepared here when None).

  Returns:
    The results dict also written to WORKDIR/results.json.
  """
  t_start = time.time()
  prepared = prepared or prepare(config)
  group, resources = prepared.group, prepared.resources
  profile_note = prepared.profile_note
  exp = group.exps[0]  # the step, the data checks: the same for every seed
  workdir = os.path.abspath(workdir)
  is_chief = distributed.is_chief()
  ckpt_lib.check_saved_config(
      workdir, config.to_dict(), default_config_dict(), write=is_chief,
      method_keys=methods.owned_keys(config.method.name))
  c, t = config, config.train
  ckpt = workdir_checkpointer(workdir, c)
  try:
    state = restore_or_init(exp, ckpt, group.init_state())
  except BaseException:
    ckpt.close()  # no orbax thread left behind by a refused restore
    raise
  last_good = ckpt.latest_step()
  writer = writers.make_writer(workdir, t.tensorboard, is_chief)
  n, seeds = t.steps_per_dispatch, group.size
  train_step = exp.make_train_step(n, seeds)
  sync_every_step = cpu_devices_need_sync()
  distributed.install_sigterm_handler()

  start = runs.state_step(state)
  if start % n:
    raise ValueError(f"the run resumes at step {start}, not a multiple of"
                     f" train.steps_per_dispatch={n}")
  announce(c, start, profile_note)
  logging.info("workdir %s", workdir)
  pic_every = sample_every(c)
  report = progress.Progress(f"train {c.name}", t.num_steps)
  pending: list = []  # metrics not yet fetched from the device
  window: list = []  # rows since the last logged step: what it averages
  compile_s, t_loop, steps_timed = None, time.time(), 0
  t_log, step_log = time.time(), start
  for step, batch in zip(range(start, t.num_steps, n), group.batches(start, n)):
    state, metrics = train_step(state, batch, group.base_rng)
    if sync_every_step:
      jax.block_until_ready(metrics)
    pending.append(metrics)
    done = step + n
    if compile_s is None:
      jax.block_until_ready(metrics)
      compile_s = time.time() - t_loop
      t_loop, steps_timed = time.time(), 0
      report.start(done)
      logging.info("compiled the step in %.1f s", compile_s)
    else:
      steps_timed += n
    is_last = done == t.num_steps
    preempted = distributed.preempted(done) and not is_last
    save = done % c.checkpoint.every_steps == 0 or is_last or preempted
    log = done % t.log_every == 0 or is_last
    periodic_eval = (t.eval_every > 0 and done % t.eval_every == 0
                     and not is_last)
    periodic_pic = pic_every > 0 and done % pic_every == 0 and not is_last
    if not (save or log or periodic_eval or periodic_pic):
      if report(done):  # a progress line every 30 s between log steps
        jax.block_until_ready(metrics)
      continue
    rows = runs.per_step_rows(jax.device_get(pending), n, seeds)
    pending = []
    check_finite(done - len(rows) + 1, rows, last_good)
    window.extend(rows)
    if log:  # with S seeds: the mean over the runs
      means = {k: float(np.mean([r[k] for r in window])) for k in window[0]}
      window = []
      rate = (done - step_log) / max(time.time() - t_log, 1e-9)
      t_log, step_log = time.time(), done
      diag = runs.mean_numbers([
          periodic_metrics(e, group.seed_state(state, s))
          for s, e in enumerate(group.exps)])
      means.update({f"diag/{k}": v for k, v in diag.items()})
      writer.write_scalars(done, {**means, "steps_per_s": rate})
      logging.info(
          "%s  %s", report.line(done),
          "  ".join(f"{k}={v:.4g}" for k, v in sorted(means.items())),
      )
      report.mark(done)
    if save:
      ckpt.save(done, state)
      last_good = done
    if periodic_eval:
      m = runs.mean_numbers(evaluate_seeds(group, state, workdir, resources,
                                           is_chief))
      writer.write_scalars(done, runs.scalars(m, "eval/"))
    elif periodic_pic and is_chief:
      save_pictures(group, state, workdir, writer, done)
    writer.flush()
    if preempted:
      writer.close()
      ckpt.close()
      raise distributed.Preempted(done, ckpt.directory,
                                  distributed.signal_name())
  train_s = time.time() - t_loop

  step = runs.state_step(state)
  stopped = (f"stopped during the evaluation of step {step}: its checkpoint"
             f" is kept in {ckpt.directory}; evaluate it with `python -m"
             f" experiments.evaluate --workdir={workdir}`")
  with distributed.stop_on_signals(stopped):
    if is_chief:  # a picture before the evaluation, whatever happens to it
      save_pictures(group, state, workdir, writer, step)
    per_seed = evaluate_seeds(group, state, workdir, resources, is_chief)
  evaluation = runs.seed_results(group, per_seed)
  writer.write_scalars(runs.state_step(state),
                       runs.scalars(evaluation["metrics"], "eval/"))
  writer.close()
  ckpt.close()
  results = {
      "method": c.method.name,
      "dataset": c.data.name,
      "config": c.name,
      "step": runs.state_step(state),
      "seed": int(c.seed),
      "num_seeds": seeds,
      **evaluation,
      "eval_protocol": eval_lib.protocol(c, exp.data, resources),
      "wall_s": time.time() - t_start,
      "compile_s": compile_s,
      "train_steps_per_s": steps_timed / train_s if steps_timed else None,
      "workdir": workdir,
      **runs.device_info(),
  }
  if is_chief:
    eval_lib.write_results(workdir, results)
  return results


def default_config_dict() -> dict[str, Any]:
  """Today's default config (gan_mixtures/defaults.py) as a dict."""
  from gan_mixtures import defaults

  return defaults.get_config().to_dict()


def load_workdir(workdir: str, step: int | None = None, seed_index: int = 0):
  """(Experiment, state) of a finished or running workdir's checkpoint.

  The config comes from WORKDIR/config.json, over today's defaults (a key
  added since the run takes its default; another method's `method.*` key,
  which the run never read, too); `step` defaults to the latest. Of a
  train.num_seeds run: run `seed_index`'s experiment and state.
  """
  defaults_dict = default_config_dict()
  with open(os.path.join(workdir, "config.json")) as f:
    saved = ckpt_lib.over_defaults(json.load(f), defaults_dict)
  own = methods.owned_keys(saved["method"]["name"])
  saved["method"] = {k: v if k in own else defaults_dict["method"][k]
                     for k, v in saved["method"].items()}
  config = ml_collections.ConfigDict(saved)
  group = seed_group(config)
  ckpt = workdir_checkpointer(workdir, config)
  try:
    state = ckpt.restore(group.init_state(), step)
  finally:
    ckpt.close()
  exp = group.exps[seed_index]
  return exp, jax.device_put(group.seed_state(state, seed_index),
                             exp.replicated)
