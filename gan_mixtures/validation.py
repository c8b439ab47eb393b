"""Config checks that run before anything is built or compiled."""

import jax

from gan_mixtures import data as data_lib
from gan_mixtures import eval_setup, losses, methods, nets
from gan_mixtures.kernels import conv
from gan_mixtures.state import OPTIMIZERS, SCHEDULES


NOISE = ("uniform", "normal")  # methods.base.sample_noise


class ConfigError(ValueError):
  """A config value is invalid; the message names the key."""


def _positive(name: str, value) -> None:
  if not value > 0:
    raise ConfigError(f"{name} must be > 0, got {value}")


def validate_config(config, num_devices: int | None = None) -> None:
  """Raises ConfigError with a one-line message for a bad config.

  Nothing here starts a JAX backend unless `num_devices` is None (then the
  device count is queried for the batch divisibility check).
  """
  try:
    method_cls = methods.get_method_class(config.method.name)
    if config.data.name not in data_lib.DATASETS:
      raise ConfigError(
          f"unknown dataset {config.data.name!r}; choose from"
          f" {data_lib.DATASETS}"
      )
    if config.model.name not in nets.NETS:
      raise ConfigError(
          f"unknown model {config.model.name!r}; choose from {nets.NETS}"
      )
    if config.model.dtype not in ("float32", "bfloat16"):
      raise ConfigError(
          "model.dtype must be float32 or bfloat16, got"
          f" {config.model.dtype!r}")
    if config.model.conv_impl not in conv.IMPLEMENTATIONS:
      raise ConfigError(
          f"model.conv_impl must be one of {conv.IMPLEMENTATIONS}, got"
          f" {config.model.conv_impl!r}")
    if config.model.z_dist not in NOISE:
      raise ConfigError(
          f"unknown noise distribution {config.model.z_dist!r}; choose from"
          f" {NOISE}"
      )
    for opt in ("g_opt", "d_opt"):
      oc = config[opt]
      _positive(f"{opt}.lr", oc.lr)
      if oc.name not in OPTIMIZERS or oc.schedule not in SCHEDULES:
        raise ConfigError(
            f"{opt}: name must be one of {OPTIMIZERS} and schedule one of"
            f" {SCHEDULES}, got {oc.name!r}, {oc.schedule!r}"
        )
      for b in ("b1", "b2"):
        if not 0 <= oc[b] < 1:
          raise ConfigError(f"{opt}.{b} must be in [0, 1), got {oc[b]}")
    t = config.train
    for key in ("num_steps", "batch_size", "n_disc", "log_every"):
      _positive(f"train.{key}", t[key])
    if not 0 <= t.ema_decay < 1:
      raise ConfigError(f"train.ema_decay must be in [0, 1), got {t.ema_decay}")
    n_dev = num_devices or jax.device_count()
    if t.batch_size % n_dev:
      raise ConfigError(
          f"train.batch_size={t.batch_size} is not divisible by the"
          f" {n_dev} devices"
      )
    if config.data.get("device_cache_mb", 0) < 0:
      raise ConfigError("data.device_cache_mb must be >= 0 (0 = off), got"
                        f" {config.data.device_cache_mb}")
    validate_eval(config)
    _positive("checkpoint.every_steps", config.checkpoint.every_steps)
    validate_dispatch(config)
    _positive("checkpoint.max_to_keep", config.checkpoint.max_to_keep)
    if config.model.g_first_init not in nets.shared.FIRST_INITS:
      raise ConfigError(f"model.g_first_init must be one of"
                        f" {nets.shared.FIRST_INITS}, got"
                        f" {config.model.g_first_init!r}")
    if config.method.gp_norm not in losses.GP_NORMS:
      raise ConfigError(f"method.gp_norm must be one of {losses.GP_NORMS},"
                        f" got {config.method.gp_norm!r}")
    validate_method_keys(config)
    method_cls.validate_config(config)
  except ConfigError:
    raise
  except ValueError as e:
    raise ConfigError(str(e)) from None


def validate_method_keys(config) -> None:
  """A `method.*` key that another method reads, set away from its default
  on this method, would be ignored: refused, naming what this one reads."""
  from gan_mixtures import defaults

  name, default = config.method.name, defaults.get_config().method
  own = set(methods.owned_keys(name))
  for key, value in config.method.items():
    if key not in own and key in default and value != default[key]:
      raise ConfigError(
          f"method.{key}={value!r} is a setting of"
          f" {', '.join(methods.owners(key)) or 'no method'}, not {name};"
          f" {name} reads method."
          f"{', '.join(k for k in methods.owned_keys(name) if k != 'name')}")


def validate_dispatch(config) -> None:
  """Every step count the loop acts on is a multiple of steps_per_dispatch."""
  t = config.train
  n = t.steps_per_dispatch
  _positive("train.steps_per_dispatch", n)
  _positive("train.num_seeds", t.num_seeds)
  if t.num_seeds > 1 and t.init_from:
    raise ConfigError(
        "train.init_from is not supported with train.num_seeds > 1")
  if t.sample_every < -1:
    raise ConfigError(f"train.sample_every must be >= -1 (-1 = every tenth of"
                      f" the run), got {t.sample_every}")
  counts = {"train.num_steps": t.num_steps, "train.log_every": t.log_every,
            "checkpoint.every_steps": config.checkpoint.every_steps,
            "train.sample_every": max(t.sample_every, 0),
            "train.eval_every": t.eval_every}
  bad = [k for k, v in counts.items() if v % n]
  if bad:
    raise ConfigError(
        f"{', '.join(bad)} must be multiples of train.steps_per_dispatch={n}")


def validate_eval(config) -> None:
  """The `eval` group's values (before anything is built)."""
  from gan_mixtures.metrics import feature_metrics, inception_fid

  e = config.eval
  _positive("eval.num_samples", e.num_samples)
  for key in ("knn_k", "pr_k", "dc_k", "kid_subsets", "is_splits"):
    _positive(f"eval.{key}", e[key])
  _positive("eval.posthoc_batch", e.posthoc_batch)
  for key in ("num_real", "num_fake", "num_samples_large", "posthoc_steps"):
    if e[key] < 0:
      raise ConfigError(f"eval.{key} must be >= 0, got {e[key]}")
  if e.kid_subset_size < 2:
    raise ConfigError(
        f"eval.kid_subset_size must be >= 2, got {e.kid_subset_size}")
  if e.profile not in eval_setup.PROFILES:
    raise ConfigError(f"eval.profile must be one of {eval_setup.PROFILES},"
                      f" got {e.profile!r}")
  if not e.reference_split:
    raise ConfigError("eval.reference_split must name a split ('test',"
                      " 'train', or a tfds split such as 'test[:1000]')")
  if e.resize not in inception_fid.RESIZE_MODES:
    raise ConfigError("eval.resize must be one of"
                      f" {inception_fid.RESIZE_MODES}, got {e.resize!r}")
  if config.data.name in data_lib.IMAGE_SETS:
    need = feature_metrics.min_samples(e)
    n = min(e.num_samples, e.num_fake or e.num_samples)
    if n < need:
      raise ConfigError(
          f"eval.num_samples / num_fake = {n}: the feature metrics need at"
          f" least {need} samples (the largest k + 1)")


def make_dataset_or_fail(config):
  """The config's data set; a bad data key or a missing path -> ConfigError."""
  try:
    return data_lib.make_dataset(config.data, seed=config.seed)
  except (ValueError, FileNotFoundError) as e:
    raise ConfigError(str(e)) from None
