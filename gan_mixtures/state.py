"""The training state shared by every method."""

from typing import Any

import flax
import jax
import jax.numpy as jnp
import optax
from flax.training import train_state


class GANState(flax.struct.PyTreeNode):
  """Everything a resumed run needs; no RNG key (keys come from the step).

  Attributes:
    step: number of completed train steps (scalar int32).
    g: generator TrainState (params + its own optimizer state).
    d: discriminator TrainState.
    g_ema_params: exponential moving average of the generator params.
    aux: per-method extras, a flax.struct dataclass the method defines
      (LDAGAN's alpha, GM-GAN's prior, ...); NoAux without extras.
  """

  step: jax.Array
  g: train_state.TrainState
  d: train_state.TrainState
  g_ema_params: Any
  aux: Any


class NoAux(flax.struct.PyTreeNode):
  """The aux of a method without state extras."""


SCHEDULES = ("constant", "linear", "cosine")
OPTIMIZERS = ("adam", "amsgrad")


def learning_rate(opt_config, num_updates: int) -> optax.Schedule | float:
  """The lr, constant or decayed to 0 over `num_updates` optimizer steps."""
  lr, kind = opt_config.lr, opt_config.schedule
  if kind == "constant":
    return lr
  if kind == "linear":
    return optax.linear_schedule(lr, 0.0, num_updates)
  if kind == "cosine":
    return optax.cosine_decay_schedule(lr, num_updates)
  raise ValueError(f"unknown schedule {kind!r}; choose from {SCHEDULES}")


def make_optimizer(
    opt_config, num_updates: int
) -> optax.GradientTransformation:
  """Adam or AMSGrad from an `*_opt` config group.

  Args:
    opt_config: group with name, lr, b1, b2, schedule.
    num_updates: how many times this optimizer steps in the run (the decay
      horizon of a non-constant schedule).
  """
  lr = learning_rate(opt_config, num_updates)
  if opt_config.name == "adam":
    return optax.adam(lr, b1=opt_config.b1, b2=opt_config.b2)
  if opt_config.name == "amsgrad":
    return optax.amsgrad(lr, b1=opt_config.b1, b2=opt_config.b2)
  raise ValueError(
      f"unknown optimizer {opt_config.name!r}; choose from {OPTIMIZERS}"
  )


def ema_decay_at(decay: float, step: jax.Array, warmup: bool) -> jax.Array:
  """The EMA decay after `step` completed updates: `decay`, or with warm-up
  min(decay, (1 + step) / (10 + step)), so early averages follow G instead of
  keeping its initial weights (tf.train.ExponentialMovingAverage's schedule
  with num_updates: 0.1 at step 0, `decay` from step (10 decay - 1) /
  (1 - decay) on, 8,990 for 0.999)."""
  if not warmup or decay == 0.0:
    return jnp.asarray(decay, jnp.float32)
  t = step.astype(jnp.float32)
  return jnp.minimum(decay, (1.0 + t) / (10.0 + t))


def ema_update(ema_params: Any, params: Any, decay: float | jax.Array) -> Any:
  """ema <- decay * ema + (1 - decay) * params (decay 0 copies params)."""
  return jax.tree.map(
      lambda e, p: decay * e + (1.0 - decay) * p, ema_params, params
  )
