"""Shared variant parsing and 2D data presets for the method configs."""

import ml_collections

# 2D data presets of METHODS.md's evaluation protocol.
DATA_2D = {
    "grid25": dict(name="grid", grid_size=5, spacing=2.0, std=0.05),
    "ring8": dict(name="ring", num_modes=8, radius=2.0, std=0.02),
    "spiral": dict(name="spiral", spiral_turns=1.5, radius=2.0, std=0.05),
}


def parse(arg: str | None, default: str) -> list[str]:
  """Splits a variant argument like 'ring8,hinge' into tokens."""
  return [t for t in (arg or default).split(",") if t]


def apply_data(config: ml_collections.ConfigDict, preset: dict) -> None:
  """Overrides config.data with a preset's values."""
  for key, value in preset.items():
    setattr(config.data, key, value)


def image_training(
    config: ml_collections.ConfigDict,
    preset: dict,
    *,
    batch_size: int,
    z_dim: int,
    ema_decay: float,
) -> None:
  """The settings every GPU-scale image variant shares (DCGAN nets, 100k
  steps, pictures and checkpoints every 5k steps, 10k evaluation samples)."""
  apply_data(config, preset)
  config.model.name = "dcgan"
  config.model.z_dim = z_dim
  config.model.z_dist = "normal"
  config.train.batch_size = batch_size
  config.train.num_steps = 100_000
  config.train.ema_decay = ema_decay
  config.train.log_every = 500
  config.train.sample_every = 5000
  config.checkpoint.every_steps = 5000
  config.eval.num_samples = 10_000
  config.eval.num_samples_large = 0


def unknown(token: str, known) -> ValueError:
  return ValueError(f"unknown variant {token!r}; choose from {sorted(known)}")
