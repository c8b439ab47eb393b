"""MMGAN: mixed-membership GAN over n data distributions (Eq. 8, 11).

K shared components are one conditional generator G(z, c = k); data set i is
the mixture p_gi = sum_k alpha_k^(i) p_Gk with alpha^(i) = softmax(omega^(i))
(Eq. 5, 9). n discriminators and a K-way classifier C share one encoder
(C with one more hidden layer). Per step, on a batch [1, B, n, H, W, C]
(B real examples of every set) and `per_component_batch` fakes of every
component:

  D, C: max V = 1/n sum_i E_{d_i} log D_i(x)
                + 1/n sum_i sum_k alpha_k^(i) E_{G_k} log(1 - D_i(x))
        and min lambda * CE, CE = -1/K sum_k E_{G_k} log C(k | x)
  G:    min the fake term + lambda CE: log(1 - D_i) as Eq. 8 / 11
        (`loss='minimax'`, the default) or the non-saturating -log D_i
        ('ns', what the project's earlier digits and MNIST tables used)
  omega: min the fake term of V (log(1 - D_i), Eq. 8) with its own
        optimiser (`omega_optimizer` adam | sgd, lr `omega_lr`, Adam betas
        `omega_b1`, `omega_b2`), from step `omega_start_step` on

Table 2's two readings: "we fix mixture weights with true priors" (section 4)
is `fix_weights` (alpha = the true priors of the sets' regions, not
learned; components tied to regions), "initialized with priors" (section 5)
is `omega_init='priors'` with learned weights; `omega_init='uniform'`
starts every set at 1 / K.
"""

import functools
from typing import Any

import flax
import jax
import jax.numpy as jnp
import numpy as np
import optax

from gan_mixtures import nets
from gan_mixtures.data import splits
from gan_mixtures.methods.base import GANMethod, Metrics
from gan_mixtures.state import GANState

LOG_EPS = 1e-12
OMEGA_INITS = ("uniform", "priors")
OMEGA_OPTIMIZERS = ("adam", "sgd")


def mixture_fake_term(alpha: jax.Array, per_pair: jax.Array) -> jax.Array:
  """1/n sum_i sum_k alpha[i, k] per_pair[i, k]; alpha, per_pair [n, K]."""
  return jnp.mean(jnp.sum(alpha * per_pair, axis=1))


def component_ce(logits: jax.Array) -> jax.Array:
  """-1/K sum_k E log C(k | x) for classifier logits [K, m, K] of G_k's
  samples."""
  k = logits.shape[0]
  log_p = jax.nn.log_softmax(logits, -1)  # [K, m, K]
  return -jnp.mean(log_p[jnp.arange(k), :, jnp.arange(k)])


class MMAux(flax.struct.PyTreeNode):
  """MMGAN's state extras."""

  omega: jax.Array  # [n sets, K] the weights' logits, alpha = softmax (Eq. 9)
  omega_opt: optax.OptState  # omega's optimizer


class MMGAN(GANMethod):
  """K shared components, n weightings of them, n D heads + classifier."""

  evaluators = ("component_rows", "weight_trajectory", "component_labels",
                "regions")
  config_keys = ("num_components", "omega_lr", "omega_start_step",
                 "omega_init", "omega_optimizer", "omega_b1", "omega_b2",
                 "disjoint_weight", "fix_weights", "per_component_batch",
                 "classifier_hidden", "used_weight")

  def __init__(self, config, data):
    self.config, self.data = config, data
    mc = config.method
    if not isinstance(data, splits.MultiSetDataset):
      raise ValueError("mmgan needs several data sets: set data.split_case or"
                       " data.label_sets")
    self.n = data.num_sets
    self.k = int(mc.num_components) or 2**self.n - 1
    self.g_net = nets.make_conditional_generator(config.model,
                                                 data.example_shape, self.k)
    self.d_net = nets.make_encoder_heads(config.model, self.n, self.k,
                                         mc.classifier_hidden)
    if mc.omega_optimizer == "sgd":
      self.omega_tx = optax.sgd(mc.omega_lr)
    else:
      self.omega_tx = optax.adam(mc.omega_lr, b1=mc.omega_b1, b2=mc.omega_b2)
    self.gp_weight = 0.0

  # ---- state ----------------------------------------------------------------
  def init_generator(self, rng: jax.Array, z: jax.Array) -> Any:
    return self.g_net.init(rng, z, jnp.zeros(z.shape[0], jnp.int32))

  def init_aux(self, rng: jax.Array) -> MMAux:
    del rng
    mc = self.config.method
    if mc.fix_weights or mc.omega_init == "priors":
      omega = jnp.log(jnp.maximum(jnp.asarray(self.data.priors, jnp.float32),
                                  LOG_EPS))
    else:
      omega = jnp.zeros((self.n, self.k))
    return MMAux(omega=omega, omega_opt=self.omega_tx.init(omega))

  @staticmethod
  def alpha(state: GANState) -> jax.Array:
    """alpha^(i) = softmax(omega^(i)) (Eq. 9); [n, K]."""
    return jax.nn.softmax(state.aux.omega, axis=-1)

  # ---- generation -----------------------------------------------------------
  def generate(self, g_params, z: jax.Array, c: jax.Array) -> jax.Array:
    return self.g_net.apply(g_params, z, c)

  def all_components(self, g_params, rng: jax.Array, m: int) -> jax.Array:
    """m samples of every component; [K, m, H, W, C]."""
    c = jnp.repeat(jnp.arange(self.k), m)
    x = self.generate(g_params, self.noise(rng, self.k * m), c)
    return x.reshape((self.k, m) + x.shape[1:])

  def discriminate(self, d_params, x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(D logits [..., n], classifier logits [..., K]) of x [..., H, W, C]."""
    lead = x.shape[:-3]
    d, c = self.d_net.apply(d_params, x.reshape((-1,) + x.shape[-3:]))
    return d.reshape(lead + (self.n,)), c.reshape(lead + (self.k,))

  # ---- losses ---------------------------------------------------------------
  def d_loss(self, d_params, g_params, alpha, real, rng):
    """-V + lambda CE for real [B, n, H, W, C]."""
    m = self.config.method.per_component_batch
    fake = jax.lax.stop_gradient(self.all_components(g_params, rng, m))
    d_real, _ = self.discriminate(d_params, real)  # [B, n, n]
    own = jnp.diagonal(d_real, axis1=1, axis2=2)  # [B, n]: D_i on set i
    d_fake, c_fake = self.discriminate(d_params, fake)  # [K, m, n], [K, m, K]
    real_term = jnp.mean(jax.nn.log_sigmoid(own))
    per_pair = jnp.mean(jax.nn.log_sigmoid(-d_fake), axis=1).T  # [n, K]
    value = real_term + mixture_fake_term(alpha, per_pair)
    ce = component_ce(c_fake)
    loss = -value + self.config.method.disjoint_weight * ce
    return loss, {"d_value": value, "d_ce": ce}

  def g_terms(self, g_params, d_params, alpha, rng):
    """G's adversarial term, its CE term (unweighted) and, stopped, the
    per-(i, k) log(1 - D_i(G_k)) [n, K] for omega and D's outputs d_fake
    [K, m, n] on G's samples."""
    m = self.config.method.per_component_batch
    fake = self.all_components(g_params, rng, m)
    d_fake, c_fake = self.discriminate(d_params, fake)
    log_1m_d = jnp.mean(jax.nn.log_sigmoid(-d_fake), axis=1).T  # [n, K]
    if self.config.method.loss == "minimax":
      adv = mixture_fake_term(alpha, log_1m_d)
    else:  # non-saturating: -log D_i(G_k(z))
      adv = mixture_fake_term(
          alpha, jnp.mean(-jax.nn.log_sigmoid(d_fake), axis=1).T
      )
    return (adv, component_ce(c_fake), jax.lax.stop_gradient(log_1m_d),
            jax.lax.stop_gradient(d_fake))

  def g_loss(self, g_params, d_params, alpha, rng):
    """Fake term + lambda CE; also the per-(i, k) log(1 - D_i(G_k)) for
    omega and the alpha-weighted mean D(G(z)) (how saturated the minimax
    term is)."""
    adv, ce, log_1m_d, d_fake = self.g_terms(g_params, d_params, alpha, rng)
    loss = adv + self.config.method.disjoint_weight * ce
    # D_i(G_k) weighted as the adversarial term weights it (alpha = 0 pairs
    # are in neither player's loss)
    d_of_fake = mixture_fake_term(
        alpha, jnp.mean(jax.nn.sigmoid(d_fake), axis=1).T)
    return loss, {"g_ce": ce, "log_1m_d": log_1m_d, "d_of_fake": d_of_fake}

  @functools.cached_property
  def _term_gradient_norms(self):
    """Jitted (g, d params, alpha, rng) -> the two norms: one forward pass,
    a backward pass per term."""
    lam = self.config.method.disjoint_weight

    def norms(g_params, d_params, alpha, rng):
      adv, ce = jax.jacrev(
          lambda p: self.g_terms(p, d_params, alpha, rng)[:2])(g_params)
      return optax.global_norm(adv), lam * optax.global_norm(ce)

    return jax.jit(norms)

  def term_gradient_norms(self, state: GANState, rng: jax.Array
                          ) -> dict[str, float]:
    """The global norms of G's gradient from its adversarial term and from
    lambda x its CE term, apart, at `state` (one batch): which term moves G
    (ME1: log(1 - D) saturates when D(G(z)) ~ 0)."""
    adv, ce = self._term_gradient_norms(state.g.params, state.d.params,
                                        self.alpha(state), rng)
    return {"g_adv_grad_norm": float(adv), "g_ce_grad_norm": float(ce)}

  def omega_step(self, omega, opt_state, log_1m_d):
    """One Adam step of omega on the fake term of V (a minimiser, Eq. 7)."""
    loss = lambda w: mixture_fake_term(jax.nn.softmax(w, -1), log_1m_d)
    grad = jax.grad(loss)(omega)
    updates, opt_state = self.omega_tx.update(grad, opt_state, omega)
    return optax.apply_updates(omega, updates), opt_state

  # ---- the step -------------------------------------------------------------
  def d_step_loss(self, d_params, state: GANState, real, rng, rng_g):
    del rng_g
    return self.d_loss(d_params, state.g.params, self.alpha(state), real, rng)

  def g_step_loss(self, params, state: GANState, d_state, batch, rng):
    del batch
    return self.g_loss(params[0], d_state.params, self.alpha(state), rng)

  def after_g_step(self, state: GANState, d_state, trained, batch, rng_g,
                   metrics: Metrics):
    """omega's step on the fake term (unless `fix_weights`, or before
    `omega_start_step`)."""
    del batch, rng_g
    metrics = dict(metrics)
    log_1m_d = metrics.pop("log_1m_d")
    omega, omega_opt = state.aux.omega, state.aux.omega_opt
    if not self.config.method.fix_weights:
      stepped = self.omega_step(omega, omega_opt, log_1m_d)
      learn = state.step >= self.config.method.omega_start_step
      omega, omega_opt = jax.tree.map(
          lambda new, old: jnp.where(learn, new, old), stepped,
          (omega, omega_opt)
      )
    alpha = jax.nn.softmax(omega, -1)
    return (trained[0], d_state, MMAux(omega=omega, omega_opt=omega_opt),
            {**metrics, "alpha_max": alpha.max(), "alpha_min": alpha.min()})

  # ---- sampling -------------------------------------------------------------
  def sample_sets(self, state: GANState, rng: jax.Array, sets: jax.Array,
                  use_ema: bool = True):
    """One sample of data set sets[j] each: k ~ Cat(alpha^(i)), x = G(z, k)."""
    rng_k, rng_z = jax.random.split(rng)
    log_alpha = jnp.log(self.alpha(state) + 1e-30)  # [n, K]
    k = jax.random.categorical(rng_k, log_alpha[sets])  # [N]
    x = self.generate(self.generator_params(state, use_ema),
                      self.noise(rng_z, sets.shape[0]), k)
    return x, k

  def sample(self, state: GANState, rng: jax.Array, n: int,
             use_ema: bool = True):
    """The union of the n sets: i uniform, then k ~ Cat(alpha^(i))."""
    rng_i, rng_x = jax.random.split(rng)
    sets = jax.random.randint(rng_i, (n,), 0, self.n)
    x, k = self.sample_sets(state, rng_x, sets, use_ema)
    return x, {"component": k, "data_set": sets}

  def sample_components(self, state: GANState, rng: jax.Array, m: int,
                        use_ema: bool = True) -> jax.Array:
    """m samples of every component; [K, m, H, W, C]."""
    return self.all_components(self.generator_params(state, use_ema), rng, m)

  def component_titles(self, state: GANState) -> list[str]:
    """G<k>: the component's weight in every set (the paper's Fig. 2)."""
    alpha = np.asarray(jax.device_get(self.alpha(state)))
    return [f"G{k + 1}: " + " ".join(f"d{i + 1}={alpha[i, k]:.2f}"
                                     for i in range(self.n))
            for k in range(self.k)]

  # ---- diagnostics --------------------------------------------------------
  def periodic_metrics(self, state: GANState,
                       rng: jax.Array) -> dict[str, float]:
    """Every set's weights (`alpha_<i>_<k>`: the alpha trajectory) and the
    norms of G's gradient from each of its terms (`term_gradient_norms`);
    how the components map to digits is the component_labels evaluator's."""
    alpha = np.asarray(jax.device_get(self.alpha(state)))
    out = {f"alpha_{i}_{k}": float(alpha[i, k])
           for i in range(self.n) for k in range(self.k)}
    out.update(self.term_gradient_norms(state, jax.random.fold_in(rng, 1)))
    return out

  # ---- evaluation -----------------------------------------------------------
  def state_metrics(self, state: GANState) -> dict[str, Any]:
    alpha = np.asarray(jax.device_get(self.alpha(state)))
    return {
        "alpha": alpha.round(4).tolist(),
        "true_priors": np.asarray(self.data.priors).round(4).tolist(),
        "weights_fixed": bool(self.config.method.fix_weights),
    }

  def region_table(self) -> tuple[list[tuple[int, ...]], list[str]]:
    """Classes of every region (splits.region_order) and names r1..rK."""
    classes = splits.regions(self.data.label_sets)
    patterns = splits.region_order(self.n)
    return ([classes.get(p, ()) for p in patterns],
            [f"r{i + 1}" for i in range(len(patterns))])

  @classmethod
  def validate_config(cls, config) -> None:
    mc, dc = config.method, config.data
    if not (dc.split_case or len(dc.label_sets)):
      raise ValueError(
          "mmgan needs data.split_case (A | B | C) or data.label_sets")
    n = len(splits.resolve_label_sets(dc.split_case, dc.label_sets))
    if mc.num_components < 0 or (0 < mc.num_components < n):
      raise ValueError(
          f"method.num_components={mc.num_components} must be 0 (= 2^n - 1) or"
          f" >= the {n} data sets"
      )
    if mc.fix_weights and mc.num_components not in (0, 2**n - 1):
      raise ValueError(
          f"method.fix_weights needs K = 2^n - 1 = {2**n - 1} components, got"
          f" method.num_components={mc.num_components}"
      )
    if config.model.name != "dcgan":
      raise ValueError("mmgan needs model.name='dcgan' (a conditional DCGAN G)")
    if config.model.g_condition not in nets.dcgan.CONDITIONINGS:
      raise ValueError(f"model.g_condition={config.model.g_condition!r}: choose"
                       f" from {nets.dcgan.CONDITIONINGS}")
    if (not mc.omega_lr > 0 or mc.per_component_batch < 1
        or mc.disjoint_weight < 0 or mc.omega_start_step < 0):
      raise ValueError("method.omega_lr must be > 0, per_component_batch >= 1,"
                       " disjoint_weight >= 0, omega_start_step >= 0")
    if mc.loss not in ("ns", "minimax"):
      raise ValueError(f"mmgan losses: ns, minimax; got {mc.loss!r}")
    if (mc.omega_init not in OMEGA_INITS
        or mc.omega_optimizer not in OMEGA_OPTIMIZERS):
      raise ValueError(f"method.omega_init must be one of {OMEGA_INITS} and"
                       f" omega_optimizer one of {OMEGA_OPTIMIZERS}")
