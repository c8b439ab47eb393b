"""The Method interface, and the shared single-generator GAN template.

A method is an object built from (config, dataset); `Method` below is the
whole contract train.py, evaluate.py and the evaluators use: pure functions
of its state (init, train_step, sample, the diagnostics) and the names of
the evaluators that apply to it (gan_mixtures/evaluators). Methods with
components add what those evaluators call (`sample_components`,
`component_titles`, and per method `component_draw`, `interpolate`,
`responsibilities`, `alpha`, `region_table`). A method does not read data
sets, classifiers or files.

`GANMethod.train_step` is the one step of every method: n_disc D steps in
order, one G step, the method's updates after it, the EMA of G. A subclass
says how D's outputs become losses (`d_objective`, `g_objective`) and what D
outputs (`d_out_dim`); methods with richer structure (priors, classifiers,
learned weights) fill the step's hooks: `step_rngs`, `d_step_loss`,
`g_states` (what the G step moves), `g_step_loss` and `after_g_step`.
"""

import functools
from typing import Any, Callable, Protocol

import jax
import jax.numpy as jnp
import optax
from flax.training import train_state

from gan_mixtures import losses, nets
from gan_mixtures.nets import bn
from gan_mixtures.state import (GANState, NoAux, ema_decay_at, ema_update,
                                make_optimizer)

Metrics = dict[str, jax.Array]
# `method.*` keys of every method (the name, the loss and its penalty)
COMMON_KEYS = ("name", "loss", "gp_weight", "gp_one_sided", "gp_norm")
# model.bn_sampling='population': the calibration draw's size and seed
BN_CALIBRATION = 2048
BN_SEED = 2**31 - 1


class Method(Protocol):
  """What train.py, evaluate.py and the evaluators use of a method."""

  evaluators: tuple[str, ...]  # names in evaluators.EVALUATORS
  config_keys: tuple[str, ...]  # the method.* keys it reads (+ COMMON_KEYS)

  def init(self, rng: jax.Array, sample_batch: jax.Array) -> GANState:
    ...

  def train_step(
      self, state: GANState, batch: jax.Array, rng: jax.Array
  ) -> tuple[GANState, Metrics]:
    ...

  def sample(
      self, state: GANState, rng: jax.Array, n: int, use_ema: bool = True
  ) -> tuple[jax.Array, dict[str, jax.Array]]:
    ...

  @property
  def jitted_sample(self) -> Callable:
    """`sample`, compiled (called with n= as a keyword)."""
    ...

  def state_metrics(self, state: GANState) -> dict[str, Any]:
    """Learned quantities for results.json."""
    ...

  def periodic_metrics(self, state: GANState,
                       rng: jax.Array) -> dict[str, float]:
    """The state's diagnostics at every log step (metrics.jsonl)."""
    ...

  @classmethod
  def validate_config(cls, config) -> None:
    """Raises ValueError for method-specific config errors."""
    ...


def sample_noise(rng: jax.Array, n: int, z_dim: int, dist: str) -> jax.Array:
  """[n, z_dim] latent noise: 'uniform' U(-1, 1) or 'normal' N(0, I)."""
  if dist == "uniform":
    return jax.random.uniform(rng, (n, z_dim), minval=-1.0, maxval=1.0)
  if dist == "normal":
    return jax.random.normal(rng, (n, z_dim))
  raise ValueError(f"unknown noise distribution {dist!r}")


def poison_if(loss: jax.Array, step: jax.Array, at_step: int) -> jax.Array:
  """Test hook: makes `loss` and its gradients NaN at `step == at_step`.

  Multiplies (rather than jnp.where) so the NaN reaches the gradients and the
  parameters, as a real divergence would. Never fires when at_step < 0.
  """
  if at_step < 0:
    return loss
  return loss * jnp.where(step == at_step, jnp.nan, 1.0)


def apply_update(
    ts: train_state.TrainState,
    loss_fn: Callable[[Any], tuple[jax.Array, Metrics]],
    prefix: str,
) -> tuple[train_state.TrainState, Metrics]:
  """One optimizer step of `ts` on `loss_fn(params) -> (loss, metrics)`.

  Returns the new TrainState and metrics (with `<prefix>_loss` and
  `<prefix>_grad_norm`, the quantities the trainer checks for NaN).
  """
  (new,), metrics = joint_update((ts,), lambda p: loss_fn(p[0]), prefix)
  return new, metrics


def joint_update(
    states: tuple[train_state.TrainState, ...],
    loss_fn: Callable[[tuple], tuple[jax.Array, Metrics]],
    prefix: str,
) -> tuple[tuple[train_state.TrainState, ...], Metrics]:
  """One gradient of loss_fn(tuple of params) applied to every TrainState.

  Returns the new states and metrics with `<prefix>_loss` and
  `<prefix>_grad_norm` (over all of them).
  """
  params = tuple(s.params for s in states)
  (loss, metrics), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
  new = tuple(s.apply_gradients(grads=g) for s, g in zip(states, grads))
  return new, {**metrics, f"{prefix}_loss": loss,
               f"{prefix}_grad_norm": optax.global_norm(grads)}


def _bind(fn: Callable, *args) -> Callable:
  """p -> fn(p, *args)."""
  return lambda p: fn(p, *args)


def run_d_steps(
    d_loss: Callable[[Any, jax.Array, jax.Array], tuple[jax.Array, Metrics]],
    d_state: train_state.TrainState,
    batch: jax.Array,
    rng: jax.Array,
) -> tuple[train_state.TrainState, Metrics]:
  """One D update on `d_loss(d_params, real [B, ...], rng)` per slice of
  batch [n_disc, B, ...], in order.

  Returns the final D state and the metrics averaged over the D steps.
  A Python loop (n_disc is small and static), not lax.scan: inside XLA:CPU's
  while loop the convolutions run much slower, and scan(unroll=True) keeps
  the loop (measured: docs/speed.md, "Why the code says so").
  """
  rngs = jax.random.split(rng, batch.shape[0])
  steps = []
  for real, r in zip(batch, rngs):  # [B, ...], key
    d_state, metrics = apply_update(d_state, _bind(d_loss, real, r), "d")
    steps.append(metrics)
  return d_state, jax.tree.map(lambda *m: jnp.mean(jnp.stack(m), axis=0),
                               *steps)


class GANMethod:
  """One generator, one discriminator; subclasses define the objectives."""

  def __init__(self, config, data):
    self.config = config
    self.data = data
    self.g_net = nets.make_generator(config.model, tuple(data.example_shape))
    self.d_net = nets.make_discriminator(config.model, self.d_out_dim)
    self.gp_weight = float(config.method.gp_weight) if self.uses_gp else 0.0

  # ---- what a subclass says -------------------------------------------------
  d_out_dim: int = 1
  evaluators: tuple[str, ...] = ()  # gan_mixtures/evaluators, in this order
  # the `method.*` keys this method reads beyond COMMON_KEYS; a key of
  # another method set on it is an error (validation.py), and only these
  # are compared when a run resumes
  config_keys: tuple[str, ...] = ()

  @property
  def uses_gp(self) -> bool:
    return False

  def d_objective(
      self, real_out: jax.Array, fake_out: jax.Array
  ) -> tuple[jax.Array, Metrics]:
    raise NotImplementedError

  def g_objective(self, fake_out: jax.Array) -> tuple[jax.Array, Metrics]:
    raise NotImplementedError

  def init_aux(self, rng: jax.Array) -> Any:
    """Per-method state extras (learnable priors, ...), a flax.struct
    dataclass of the method's; none by default."""
    del rng
    return NoAux()

  def state_metrics(self, state: GANState) -> dict[str, Any]:
    """Learned quantities worth reporting in results.json (LDAGAN's
    alpha...)."""
    del state
    return {}

  def sample_aux(self, state: GANState, x: jax.Array) -> dict[str, jax.Array]:
    """Per-sample extras returned by `sample` (component ids, ...)."""
    del state, x
    return {}

  def periodic_metrics(self, state: GANState,
                       rng: jax.Array) -> dict[str, float]:
    """Diagnostics of the state worth a line of metrics.jsonl at every log
    step (MMGAN's weights); none by default."""
    del state, rng
    return {}

  def component_titles(self, state: GANState) -> list[str]:
    """The row titles of the per-component picture."""
    del state
    return [f"component {k}" for k in range(self.k)]

  def init_generator(self, rng: jax.Array, z: jax.Array) -> Any:
    """G's parameters from a noise batch z [B, Dz]."""
    return self.g_net.init(rng, z)

  # ---- the shared machinery -------------------------------------------------
  def noise(self, rng: jax.Array, n: int) -> jax.Array:
    m = self.config.model
    return sample_noise(rng, n, m.z_dim, m.z_dist)

  def init(self, rng: jax.Array, sample_batch: jax.Array) -> GANState:
    rng_g, rng_d, rng_z = jax.random.split(rng, 3)
    z = self.noise(rng_z, sample_batch.shape[0])
    g_params = self.init_generator(rng_g, z)
    d_params = self.d_net.init(rng_d, sample_batch)
    return GANState(
        step=jnp.zeros((), jnp.int32),
        g=train_state.TrainState.create(
            apply_fn=self.g_net.apply,
            params=g_params,
            tx=make_optimizer(self.config.g_opt, self.config.train.num_steps),
        ),
        d=train_state.TrainState.create(
            apply_fn=self.d_net.apply,
            params=d_params,
            tx=make_optimizer(
                self.config.d_opt,
                self.config.train.num_steps * self.config.train.n_disc,
            ),
        ),
        g_ema_params=jax.tree.map(jnp.copy, g_params),
        aux=self.init_aux(rng),
    )

  def d_loss(self, d_params, g_params, real: jax.Array, rng: jax.Array):
    rng_z, rng_gp = jax.random.split(rng)
    fake = jax.lax.stop_gradient(
        self.g_net.apply(g_params, self.noise(rng_z, real.shape[0]))
    )
    real_out = self.d_net.apply(d_params, real)  # [B, d_out_dim]
    fake_out = self.d_net.apply(d_params, fake)
    loss, metrics = self.d_objective(real_out, fake_out)
    if self.gp_weight > 0:
      critic = lambda x: self.d_net.apply(d_params, x)[:, 0]
      gp = losses.gradient_penalty(
          critic, real, fake, rng_gp, one_sided=self.config.method.gp_one_sided,
          norm=self.config.method.gp_norm)
      loss = loss + self.gp_weight * gp
      metrics = {**metrics, "gp": gp}
    return loss, metrics

  def g_loss(self, g_params, d_params, n: int, rng: jax.Array):
    fake = self.g_net.apply(g_params, self.noise(rng, n))
    return self.g_objective(self.d_net.apply(d_params, fake))

  # ---- the step: one template, hooks for what differs ----------------------
  def train_step(
      self, state: GANState, batch: jax.Array, rng: jax.Array
  ) -> tuple[GANState, Metrics]:
    """n_disc D steps (one per slice of batch [n_disc, B, ...]), one G step
    on the states `g_states` names (poisoned at train.debug_nan_step), the
    method's updates after it (`after_g_step`), the EMA of G."""
    rng_d, rng_g = self.step_rngs(rng)
    d_state, d_metrics = run_d_steps(
        lambda p, real, r: self.d_step_loss(p, state, real, r, rng_g),
        state.d, batch, rng_d)

    def g_loss_fn(params: tuple):
      loss, metrics = self.g_step_loss(params, state, d_state, batch, rng_g)
      return (poison_if(loss, state.step, self.config.train.debug_nan_step),
              metrics)

    trained, g_metrics = joint_update(self.g_states(state, d_state), g_loss_fn,
                                      "g")
    g_state, d_state, aux, metrics = self.after_g_step(
        state, d_state, trained, batch, rng_g, {**d_metrics, **g_metrics})
    new_state = state.replace(step=state.step + 1, g=g_state, d=d_state,
                              g_ema_params=self.next_ema(state, g_state.params),
                              aux=aux)
    return new_state, metrics

  def step_rngs(self, rng: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(rng of the D steps, rng of the G step) of a step's rng."""
    return tuple(jax.random.split(rng))

  def d_step_loss(self, d_params, state: GANState, real: jax.Array,
                  rng: jax.Array,
                  rng_g: jax.Array) -> tuple[jax.Array, Metrics]:
    """D's loss on one D step's real batch [B, ...] (`rng`: this D step's;
    `rng_g`: the G step's, for methods that share the fakes)."""
    del rng_g
    return self.d_loss(d_params, state.g.params, real, rng)

  def g_states(self, state: GANState,
               d_state) -> tuple[train_state.TrainState, ...]:
    """The TrainStates the G step moves (G first); D after its steps."""
    del d_state
    return (state.g,)

  def g_step_loss(self, params: tuple, state: GANState, d_state,
                  batch: jax.Array,
                  rng: jax.Array) -> tuple[jax.Array, Metrics]:
    """The G step's loss of the `g_states` parameters, D after its steps."""
    del state
    return self.g_loss(params[0], d_state.params, batch.shape[1], rng)

  def after_g_step(self, state: GANState, d_state, trained: tuple,
                   batch: jax.Array, rng_g: jax.Array, metrics: Metrics):
    """(G's state, D's state, aux, metrics) after the G step moved
    `trained` (the `g_states`): the method's other updates."""
    del batch, rng_g
    return trained[0], d_state, state.aux, metrics

  def next_ema(self, state: GANState, g_params: Any) -> Any:
    """The EMA of G after this step's update of G to `g_params`
    (`train.ema_decay`, warmed up with `train.ema_warmup`)."""
    t = self.config.train
    decay = ema_decay_at(t.ema_decay, state.step, t.ema_warmup)
    return ema_update(state.g_ema_params, g_params, decay)

  @functools.cached_property
  def jitted_sample(self) -> Callable:
    """`sample` compiled once per (n, use_ema); call with n= keyword. With
    model.bn_sampling='population', every batch norm normalises with the
    statistics of a fixed calibration draw of `BN_CALIBRATION` samples
    (nets/bn.py), not the sample batch's."""
    if self.config.model.get("bn_sampling", "batch") != "population":
      return jax.jit(self.sample, static_argnames=("n", "use_ema"))

    def sample(state, rng, n, use_ema=True):
      return bn.population_statistics(
          lambda: self.sample(state, rng, n, use_ema),
          lambda: self.sample(state, jax.random.PRNGKey(BN_SEED),
                              BN_CALIBRATION, use_ema))

    return jax.jit(sample, static_argnames=("n", "use_ema"))

  def generator_params(self, state: GANState, use_ema: bool = True) -> Any:
    return state.g_ema_params if use_ema else state.g.params

  def sample(
      self, state: GANState, rng: jax.Array, n: int, use_ema: bool = True
  ) -> tuple[jax.Array, dict[str, jax.Array]]:
    x = self.g_net.apply(self.generator_params(state, use_ema),
                         self.noise(rng, n))
    return x, self.sample_aux(state, x)

  @classmethod
  def validate_config(cls, config) -> None:
    """Raises ValueError for method-specific config errors."""
    del config
