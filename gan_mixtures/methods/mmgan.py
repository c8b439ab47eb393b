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
import json
import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gan_mixtures import nets, viz
from gan_mixtures.data import splits
from gan_mixtures.methods.base import GANMethod, Metrics, apply_update
from gan_mixtures.metrics import components as comp_lib
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


class MMGAN(GANMethod):
  """K shared components, n weightings of them, n D heads + classifier."""

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

  def init_aux(self, rng: jax.Array) -> dict[str, Any]:
    del rng
    mc = self.config.method
    if mc.fix_weights or mc.omega_init == "priors":
      omega = jnp.log(jnp.maximum(jnp.asarray(self.data.priors, jnp.float32),
                                  LOG_EPS))
    else:
      omega = jnp.zeros((self.n, self.k))
    return {"omega": omega, "omega_opt": self.omega_tx.init(omega)}

  @staticmethod
  def alpha(state: GANState) -> jax.Array:
    """alpha^(i) = softmax(omega^(i)) (Eq. 9); [n, K]."""
    return jax.nn.softmax(state.aux["omega"], axis=-1)

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
    omega, omega_opt = state.aux["omega"], state.aux["omega_opt"]
    if not self.config.method.fix_weights:
      stepped = self.omega_step(omega, omega_opt, log_1m_d)
      learn = state.step >= self.config.method.omega_start_step
      omega, omega_opt = jax.tree.map(
          lambda new, old: jnp.where(learn, new, old), stepped,
          (omega, omega_opt)
      )
    alpha = jax.nn.softmax(omega, -1)
    return (trained[0], d_state, {"omega": omega, "omega_opt": omega_opt},
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
                        use_ema: bool = True) -> np.ndarray:
    """m samples of every component; [K, m, H, W, C] (numpy)."""
    return np.asarray(self.all_components(
        self.generator_params(state, use_ema), rng, m))

  # ---- diagnostics --------------------------------------------------------
  def periodic_metrics(self, state: GANState,
                       rng: jax.Array) -> dict[str, float]:
    """Every set's weights (`alpha_<i>_<k>`: the alpha trajectory) and how
    the components split by class under the digit classifier, 64 samples
    each (comp_lib.component_label_metrics: `component_purity`,
    `component_digit_acc`, `component_confidence`), and the norms of G's
    gradient from each of its terms (`term_gradient_norms`)."""
    alpha = np.asarray(jax.device_get(self.alpha(state)))
    out = {f"alpha_{i}_{k}": float(alpha[i, k])
           for i in range(self.n) for k in range(self.k)}
    out.update(self.term_gradient_norms(state, jax.random.fold_in(rng, 1)))
    clf = self.diagnostic_classifier()
    if clf is not None:
      x = self.sample_components(state, rng, 64, self.config.eval.use_ema)
      probs = clf.probabilities(x.reshape((-1,) + x.shape[2:]))
      out.update(comp_lib.component_label_metrics(
          np.repeat(np.arange(self.k), 64), probs))
    return out

  def diagnostic_classifier(self):
    """The digit classifier, loaded once (None where there is none)."""
    if not hasattr(self, "_clf"):
      from gan_mixtures import eval_setup
      from gan_mixtures.metrics import classifier as clf_lib

      directory = eval_setup.classifier_dir(self.config)
      self._clf = (clf_lib.load_classifier(directory)
                   if directory and clf_lib.read_meta(directory) else None)
    return self._clf

  def refit_objective(self, state: GANState, steps: int, rng: jax.Array,
                      fresh: bool = True,
                      eval_batches: int = 20) -> dict[str, Any]:
    """Eq. 11 of the trained G under a refitted D and C: G and alpha frozen,
    D and C (fresh, or `fresh=False` from the checkpoint's) trained `steps`
    steps on their loss, then V, the classifier term CE and
    V + lambda * CE (what G minimises) averaged over `eval_batches` batches.
    Lower for one of two trained G's means it is the better solution of the
    paper's own objective."""
    mc, t = self.config.method, self.config.train
    alpha = self.alpha(state)
    g_params = jax.lax.stop_gradient(state.g.params)
    d_state = state.d
    if fresh:
      from flax.training import train_state as ts_lib

      params = self.d_net.init(jax.random.fold_in(rng, 1),
                               jnp.asarray(self.data.example_batch(2)))
      d_state = ts_lib.TrainState.create(apply_fn=self.d_net.apply,
                                         params=params, tx=state.d.tx)
    loss = lambda p, real, r: self.d_loss(p, g_params, alpha, real, r)
    step = jax.jit(
        lambda d, real, r: apply_update(d, lambda p: loss(p, real, r), "d"))
    value = jax.jit(lambda p, real, r: loss(p, real, r)[1])
    shape = (t.batch_size,)
    for i in range(steps):
      real = jnp.asarray(self.data.host_batch(10_000_000 + i, shape))
      d_state, _ = step(d_state, real, jax.random.fold_in(rng, 100 + i))
    rows = [value(d_state.params,
                  jnp.asarray(self.data.host_batch(20_000_000 + i, shape)),
                  jax.random.fold_in(rng, 10**6 + i))
            for i in range(eval_batches)]
    v = float(np.mean([r["d_value"] for r in rows]))
    ce = float(np.mean([r["d_ce"] for r in rows]))
    return {"refit_steps": steps, "refit_from": "fresh" if fresh else "saved",
            "V": v, "ce": ce, "lambda_ce": mc.disjoint_weight * ce,
            "objective": v + mc.disjoint_weight * ce}

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

  def extra_metrics(self, state: GANState, data, config,
                    rng: jax.Array) -> dict[str, Any]:
    """Component accuracy (Table 2) with the project's digit classifier."""
    from gan_mixtures import eval_setup
    from gan_mixtures.metrics import classifier as clf_lib

    directory = eval_setup.classifier_dir(config)
    if directory is None:  # eval.classifier_metrics off
      return {"component_acc_skipped": "eval.classifier_metrics is False"}
    clf = clf_lib.load_classifier(directory)
    alpha = np.asarray(jax.device_get(self.alpha(state)))
    region_classes, names = self.region_table()
    if config.method.fix_weights:
      region_of = (np.arange(self.k) if self.k == len(names)
                   else np.full(self.k, -1))
    else:
      region_of = comp_lib.match_components(alpha, np.asarray(data.priors))
    per_comp = max(config.eval.num_samples // self.k, 64)
    x = self.sample_components(state, rng, per_comp, config.eval.use_ema)
    used = alpha.max(0) > config.method.used_weight
    labels = {k: clf.predict(x[k]) for k in range(self.k) if used[k]}
    out = comp_lib.component_accuracy(labels, region_of, region_classes, names)
    union, union_labels = data.real_examples(2000)
    # how real the samples behind component_acc are (noise scores too)
    flat = x.reshape((-1,) + x.shape[2:])
    out.update(comp_lib.component_label_metrics(
        np.repeat(np.arange(self.k), x.shape[1]), clf.probabilities(flat)))
    out.update(comp_lib.realism(clf, flat, clf.features(union)))
    out["component_acc_random"] = comp_lib.random_baseline(data.label_sets)
    out["component_acc_union"] = comp_lib.union_baseline(
        union_labels, [c for c in region_classes if c]
    )
    out["component_region"] = {int(k): names[r] if r >= 0 else None
                               for k, r in enumerate(region_of)}
    shares = {k: comp_lib.region_shares(lab, region_classes, names)
              for k, lab in labels.items()}
    out["component_region_share"] = {
        int(k): {r: round(v, 4) for r, v in by_region.items()}
        for k, by_region in shares.items()
    }
    implied = comp_lib.as_sets_imply(
        alpha, shares, splits.region_order(self.n), names
    )
    out["regions_as_sets_imply"] = len(set(implied.values()))
    out["component_implied_region"] = {int(k): r for k, r in implied.items()}
    out["components_used"] = int(used.sum())
    return out

  def extra_pictures(self, state: GANState, data, config, rng: jax.Array,
                     sample_path: str) -> None:
    """Per-component rows of samples with their weights (paper Fig. 2)."""
    x = self.sample_components(state, rng, 12, config.eval.use_ema)
    alpha = np.asarray(jax.device_get(self.alpha(state)))
    titles = [
        f"G{k + 1}: " + " ".join(f"d{i + 1}={alpha[i, k]:.2f}"
                                 for i in range(self.n))
        for k in range(self.k)
    ]
    root, ext = os.path.splitext(sample_path)
    viz.component_rows(root + "_components" + ext, x, titles)
    # the alpha trajectory of the run so far (metrics.jsonl beside samples/)
    jsonl = os.path.join(os.path.dirname(os.path.dirname(sample_path)),
                         "metrics.jsonl")
    if os.path.exists(jsonl):
      rows = [json.loads(l) for l in open(jsonl)]
      rows = [r for r in rows if "diag/alpha_0_0" in r]
      if rows:
        steps = np.asarray([r["step"] for r in rows])
        traj = np.asarray([[[r[f"diag/alpha_{i}_{k}"] for k in range(self.k)]
                            for i in range(self.n)] for r in rows])  # [T, n, K]
        viz.alpha_trajectories(root + "_alpha" + ext, steps, traj)

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
