"""GMM-responsibility GAN with a posterior consistency module (Huang, Xu,
Jiang, Liang and Oppermann, "GAN-based Gaussian Mixture Model Responsibility
Learning", ICPR 2020).

The GM-GAN prior (gmgan.py; full covariances by default, Sec. II-D) plus a
classifier C(x) -> p(k|x) over the K Gaussians, either a linear softmax head
on D's encoder (`shared_encoder`, Table I "shared") or a separate CNN
(nets.classifier.PCMClassifier). Every real x_i is paired with K fakes
x^_i^k = G(z_i^k), z_i^k = mu_k + S_k eps (Algorithm 1, lines 3-8). One step
runs Algorithm 1's four updates in order (lines 12-15), each with its own
Adam state (`method.pcm_update='sequential'`, the default), all on one draw
of the noise (the algorithm computes its losses from one set of fakes):

  12. D        max L_adv = E_i 1/K sum_k C(x_i)_k (log D(x_i)
                                + log(1 - D(x^_i^k)))            (Eq. 6)
  13. G, C (and mu, S: Sec. II-D)  min L_adv, G's term log(1 - D(x^)) as Eq. 6
      (`loss='minimax'`; 'ns': -log D(x^)); C's gradient here is scaled by
      `c_adv_weight` (1 = Algorithm 1 as written)
  14. C        min L_{x^,x}                                      (Eq. 5)
  15. C, mu, S min L_{x^,z}: consistency of p(k | z_i^k) (Eq. 3) and
               C(x^_i^k)                                         (Eq. 4)

Because lines 13-15 each have their own Adam, which is invariant to the
scale of its gradient, `c_adv_weight`, `xx_weight` and `xz_weight` act as
switches there: any positive value gives the same run (0 turns the term
off). `pcm_update='joint'` makes them weights: one Adam per parameter set
(G, C, the prior) on the weighted sum L_adv + xx_weight L_{x^,x} + xz_weight
L_{x^,z}, every term at the same point (after D's update), G moved by L_adv
alone as in Algorithm 1.

L_{x^,x} (`xx_form`): Eq. 5 as typeset sums I(C(x_i), C(x^)) over k with no
k inside, so it is ill-defined; its stated purpose (section II) is that C's
distribution on the fakes looks like its distribution on the data. Two
readings: 'weighted' (the configs' default, configs/pcmgan.py): the
consistency of C(x_i) and C(x^_i^k) over the pairs, weighted by C(x_i)_k;
'match': KL(mean_{i,k} C(x^_i^k) || mean_i C(x_i)) (kernels/gmm.py
distribution_match), which does not vanish when C gives every real one
component.

C's labels and the components. Eq. 6 weighs pair (i, k) by C(x_i)_k, so C's
output k must mean component k. The batch-joint mutual information of
L_{x^,z} is invariant to permuting C's outputs, so under 'mi' C learns the
components up to a permutation; M[k, j] = mean_i C(x^_i^k)_j (logged as
`m_diagonal`, the mass on M's diagonal / K, and `m_best`, the mass on its
best permutation) shows it. `anchor_every` N > 0 re-indexes C's outputs
every N steps by the best matching of M (the Hungarian algorithm), so that
output k is the class C gives component k's samples: a permutation of C's
outputs (`aux.c_perm`), which leaves the MI unchanged. The 'kl' and 'js'
forms compare p(k | z_i^k) and C(x^_i^k) pair by pair and anchor by
themselves. L_{x^,z} (`consistency`): 'mi' maximises the mutual information
of the batch joint of the pairs (the paper's default), 'kl' is the KL form
Sec. II-A allows, KL(p(k|z_i^k) || C(x^_i^k)) per pair: -log C(x^_i^k)_k when
the Gaussians are apart (p(k|z_i^k) one-hot), which does not vanish at a
collapsed C; 'js' the JS divergence. The joint of 'mi' is not symmetrised
(`mi_symmetric`): the symmetrised joint of two different predictors has a
degenerate optimum where C predicts one constant class (kernels/gmm.py).

D has one output as Eq. 6 and Table I's parameter counts have it. Ours, not
the paper's: `d_per_component` (D outputs K logits and pair (i, k) is judged
by output k; the paper has no such D), `xz_prior_grad` (how L_{x^,z} moves
mu, S: 'full' through p(k | z) and G(z), what autodiff of line 15 gives;
'responsibility' through p(k | z) alone; 'none'). With both consistency
weights 0 lines 14-15 are skipped (the "no PCM" ablation). With a shared
encoder, C's updates move the encoder and the C head, never D's head.
"""

from typing import Any

import flax
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training import train_state

from gan_mixtures import nets
from gan_mixtures.kernels import gmm
from gan_mixtures.kernels.pcm import pair_logits, scale_gradient, weighted_pairs
from gan_mixtures.methods.base import Metrics, apply_update, joint_update
from gan_mixtures.methods.gmgan import GMGAN, with_prior_metrics
from gan_mixtures.nets.classifier import PCMClassifier
from gan_mixtures.state import GANState, make_optimizer

# How L_{x^,z} moves the prior: through p(k | z) and G(z) (Algorithm 1, by
# autodiff), through p(k | z) alone, or not at all.
XZ_PRIOR_GRAD = ("full", "responsibility", "none")
XX_FORMS = ("match", "weighted")  # L_{x^,x}: module docstring
PCM_UPDATES = ("sequential", "joint")  # module docstring


class PCMAux(flax.struct.PyTreeNode, kw_only=True):
  """PCM's state extras (fields in name order, as the dict they replace);
  the members a config does not use are None."""

  c_opt_adv: optax.OptState  # C's optimizer on line 13 (every line if joint)
  c_opt_xx: optax.OptState | None = None  # line 14's (sequential)
  c_opt_xz: optax.OptState | None = None  # line 15's (sequential)
  c_params: Any = None  # C's own parameters (None: C shares D's encoder)
  c_perm: jax.Array | None = None  # [K] the anchoring of C's outputs
  prior: train_state.TrainState  # the GMM prior (GM-GAN's)
  prior_opt_xz: optax.OptState | None = None  # the prior's on line 15


class PCMGAN(GMGAN):
  """GM-GAN prior + classifier C trained for posterior consistency."""

  evaluators = ("component_rows", "interpolation", "clustering", "posthoc",
                "component_labels")
  config_keys = GMGAN.config_keys + (
      "shared_encoder", "d_per_component", "xz_prior_grad", "consistency",
      "xx_weight", "xx_form", "xz_weight", "c_adv_weight", "mi_symmetric",
      "pcm_update", "anchor_every")

  def __init__(self, config, data):
    mc = config.method
    # D's outputs: one, or one per Gaussian (Table I: D's last layer -> K)
    self.d_out_dim = int(mc.num_gaussians) if mc.d_per_component else 1
    super().__init__(config, data)
    self.shared = bool(mc.shared_encoder)
    if self.shared:
      self.d_net = nets.make_encoder_heads(config.model, self.d_out_dim, self.k)
    else:
      self.c_net = PCMClassifier(self.k)
    c_opt = make_optimizer(config.g_opt, config.train.num_steps)
    if self.shared:  # C = encoder + C head; D's head is never moved by C
      labels = lambda params: flax.traverse_util.path_aware_map(
          lambda path, _: "frozen" if "d_head" in path else "c", params
      )
      c_opt = optax.multi_transform(
          {"c": c_opt, "frozen": optax.set_to_zero()}, labels)
    self.c_tx = c_opt
    self._classify_jit = jax.jit(self.classify)

  # ---- networks -------------------------------------------------------------
  def discriminate(self, d_params, x: jax.Array) -> jax.Array:
    """D logits [B, O] of images x [B, ...] (O = d_out_dim)."""
    out = self.d_net.apply(d_params, x)
    return out[0] if self.shared else out

  def classify(self, c_params, x: jax.Array,
               perm: jax.Array | None = None) -> jax.Array:
    """p(k | x) = C(x) [B, K]; c_params are D's params when shared; with
    `perm` [K] (the anchoring), C's outputs re-indexed: output k is C's
    output perm[k]."""
    if self.shared:
      q = jax.nn.softmax(self.d_net.apply(c_params, x)[1], -1)
    else:
      q = jax.nn.softmax(self.c_net.apply(c_params, x), -1)
    return q if perm is None else q[..., perm]

  def c_params(self, state: GANState):
    return state.d.params if self.shared else state.aux.c_params

  @staticmethod
  def c_perm(state: GANState) -> jax.Array | None:
    """The anchoring permutation of C's outputs (None without anchoring)."""
    return state.aux.c_perm

  def generate(self, g_params, z: jax.Array) -> jax.Array:
    """G of z [B, K, Dz]; [B, K, H, W, C]."""
    x = self.g_net.apply(g_params, z.reshape((-1, z.shape[-1])))
    return x.reshape(z.shape[:2] + x.shape[1:])

  def fakes(self, g_params, prior, rng: jax.Array, b: int):
    """(z [B, K, Dz], x^ [B, K, H, W, C]): one fake of every component per
    real."""
    z = self.draw_all(prior, rng, b)
    return z, self.generate(g_params, z)

  # ---- state ----------------------------------------------------------------
  def init(self, rng: jax.Array, sample_batch: jax.Array) -> GANState:
    state = super().init(rng, sample_batch)
    prior = state.aux.prior
    own = (None if self.shared else
           self.c_net.init(jax.random.fold_in(rng, 2), sample_batch))
    c_opt = lambda: self.c_tx.init(state.d.params if self.shared else own)
    sequential = lambda make: None if self.joint else make()  # lines 14, 15
    anchored = self.config.method.anchor_every > 0
    return state.replace(aux=PCMAux(
        c_opt_adv=c_opt(), c_opt_xx=sequential(c_opt),
        c_opt_xz=sequential(c_opt), c_params=own,
        c_perm=jnp.arange(self.k, dtype=jnp.int32) if anchored else None,
        prior=prior,
        prior_opt_xz=sequential(lambda: prior.tx.init(prior.params))))

  @property
  def joint(self) -> bool:
    return self.config.method.pcm_update == "joint"

  def c_train_state(self, params, opt_state, step) -> train_state.TrainState:
    return train_state.TrainState(step=step, apply_fn=None, params=params,
                                  tx=self.c_tx, opt_state=opt_state)

  # ---- losses ---------------------------------------------------------------
  def pair_logits_of(self, d_params, real, fake) -> tuple[jax.Array, jax.Array]:
    """D's logits of the pairs (x_i, x^_i^k): real [B, ...], fake [B, K, ...]
    -> ([B, K], [B, K]) (pair_logits)."""
    b = real.shape[0]
    d_real = self.discriminate(d_params, real)  # [B, O]
    d_fake = self.discriminate(d_params, fake.reshape((-1,) + fake.shape[2:]))
    return pair_logits(d_real, d_fake.reshape(b, self.k, -1))

  def d_loss_pcm(self, d_params, g_params, prior, c_params, real, rng,
                 perm=None):
    """-L_adv (Eq. 6) for D; C's weights and the fakes are constants."""
    b = real.shape[0]
    w = jax.lax.stop_gradient(self.classify(
        d_params if self.shared else c_params, real, perm))
    _, fake = self.fakes(g_params, prior, rng, b)
    d_real, d_fake = self.pair_logits_of(
        d_params, real, jax.lax.stop_gradient(fake))
    pair = jax.nn.log_sigmoid(d_real) + jax.nn.log_sigmoid(-d_fake)  # [B, K]
    l_adv = jnp.mean(jnp.sum(w * pair, -1)) / self.k
    return -l_adv, {"l_adv": l_adv, "d_real": d_real.mean(),
                    "d_fake": d_fake.mean()}

  def g_side_loss(self, params, d_params, real, rng, perm=None):
    """L_adv for (G, prior, C), D fixed: G's term is log(1 - D(x^)) or, by
    default, the non-saturating -log D(x^); the real term log D(x_i) reaches
    C alone (with one D output it is the same for every k, so C's weights,
    which sum to 1, get nothing from it)."""
    g_params, prior, c_params = params
    b = real.shape[0]
    w = scale_gradient(self.classify(c_params, real, perm),
                       self.config.method.c_adv_weight)
    _, fake = self.fakes(g_params, prior, rng, b)
    d_real, d_fake = self.pair_logits_of(d_params, real, fake)  # [B, K] each
    if self.config.method.loss == "minimax":
      fake_term = jax.nn.log_sigmoid(-d_fake)  # log(1 - D)
    else:
      fake_term = -jax.nn.log_sigmoid(d_fake)  # -log D
    pair = jax.nn.log_sigmoid(d_real) + fake_term
    return jnp.mean(jnp.sum(w * pair, -1)) / self.k, {}

  def xx_loss(self, c_params, g_params, prior, real, rng, perm=None):
    """xx_weight * L_{x^,x} for C (line 14); the fakes are constants."""
    mc = self.config.method
    b = real.shape[0]
    _, fake = self.fakes(g_params, prior, rng, b)
    fake = jax.lax.stop_gradient(fake.reshape((-1,) + fake.shape[2:]))
    q_fake = self.classify(c_params, fake, perm)  # [B*K, K]
    q_real = self.classify(c_params, real, perm)  # [B, K]
    if mc.xx_form == "match":
      l_xx = gmm.distribution_match(q_fake, q_real)
    else:
      p, q, weights = weighted_pairs(q_real, q_fake.reshape(b, self.k, self.k))
      l_xx = gmm.consistency(p, q, mc.consistency,
                             jax.lax.stop_gradient(weights),
                             symmetric=mc.mi_symmetric)
    return mc.xx_weight * l_xx, {"l_xx": l_xx}

  def xz_loss(self, params, g_params, real, rng, perm=None):
    """xz_weight * L_{x^,z} for (prior, C) (line 15); aux `m`: M [K, K],
    M[k, j] = mean_i C(x^_i^k)_j."""
    prior, c_params = params
    mc = self.config.method
    b = real.shape[0]
    if mc.xz_prior_grad == "none":
      prior = jax.lax.stop_gradient(prior)
    z = self.draw_all(prior, rng, b)  # [B, K, Dz]
    # 'responsibility': mu, S move by p(k | z) alone, not through G
    through_g = mc.xz_prior_grad != "responsibility"
    fake = self.generate(g_params, z if through_g else jax.lax.stop_gradient(z))
    p_z = gmm.responsibilities_batch(z.reshape(b * self.k, -1),
                                     prior)  # [B*K, K]
    q_fake = self.classify(c_params, fake.reshape((-1,) + fake.shape[2:]),
                           perm)  # [B*K, K]
    l_xz = gmm.consistency(p_z, q_fake, mc.consistency,
                           symmetric=mc.mi_symmetric)
    m = jax.lax.stop_gradient(q_fake.reshape(b, self.k, self.k).mean(0))
    return mc.xz_weight * l_xz, {"l_xz": l_xz, "m": m}

  def joint_loss(self, params, d_params, real, rng, perm=None):
    """`pcm_update='joint'`: L_adv + xx_weight L_{x^,x} + xz_weight
    L_{x^,z} for (G, prior, C) at one point; L_{x^,x} and L_{x^,z} do not
    move G (lines 14-15 update C and the prior only)."""
    g_params, prior, c_params = params
    mc = self.config.method
    loss, metrics = self.g_side_loss(params, d_params, real, rng, perm)
    g_fixed = jax.lax.stop_gradient(g_params)
    if mc.xx_weight > 0:
      xx, xx_metrics = self.xx_loss(c_params, g_fixed,
                                    jax.lax.stop_gradient(prior), real, rng,
                                    perm)
      loss, metrics = loss + xx, {**metrics, **xx_metrics}
    if mc.xz_weight > 0:
      xz, xz_metrics = self.xz_loss((prior, c_params), g_fixed, real, rng,
                                    perm)
      loss, metrics = loss + xz, {**metrics, **xz_metrics}
    return loss, metrics

  # ---- the step -------------------------------------------------------------
  # Algorithm 1, lines 12-15, on one draw of the noise (the G step's rng):
  # GANMethod.train_step's D steps are line 12, its G step line 13 (or
  # 13-15 joint), after_g_step lines 14 and 15.
  def step_rngs(self, rng: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(the D steps' rng, the one draw of the noise of lines 12-15)."""
    return rng, jax.random.fold_in(rng, 0)

  def d_step_loss(self, d_params, state: GANState, real, rng, rng_g):
    del rng  # line 12 judges the step's one draw of fakes
    c_fixed = None if self.shared else state.aux.c_params
    return self.d_loss_pcm(d_params, state.g.params, self.prior_params(state),
                           c_fixed, real, rng_g, self.c_perm(state))

  def g_states(self, state: GANState, d_state):
    """G, the prior and C (C's params are D's when shared: after line 12)."""
    c_params = d_state.params if self.shared else state.aux.c_params
    return (state.g, state.aux.prior,
            self.c_train_state(c_params, state.aux.c_opt_adv, state.step))

  def g_step_loss(self, params, state: GANState, d_state, batch, rng):
    side_loss = self.joint_loss if self.joint else self.g_side_loss
    return side_loss(params, d_state.params, batch[-1], rng, self.c_perm(state))

  def after_g_step(self, state: GANState, d_state, trained, batch, rng_g,
                   metrics: Metrics):
    """Lines 14 and 15 (sequential updates), the anchoring of C's labels."""
    mc, perm = self.config.method, self.c_perm(state)
    g_state, prior_ts, c_ts = trained
    real, metrics = batch[-1], dict(metrics)
    aux = state.aux.replace(c_opt_adv=c_ts.opt_state)
    if mc.xx_weight > 0 and not self.joint:  # 14.
      c_ts = c_ts.replace(opt_state=aux.c_opt_xx)
      c_ts, xx_metrics = apply_update(
          c_ts, lambda p: self.xx_loss(p, g_state.params, prior_ts.params, real,
                                       rng_g, perm), "c_xx")
      aux = aux.replace(c_opt_xx=c_ts.opt_state)
      metrics.update(xx_metrics)
    if mc.xz_weight > 0 and not self.joint:  # 15.
      xz_prior = prior_ts.replace(opt_state=aux.prior_opt_xz)
      c_ts = c_ts.replace(opt_state=aux.c_opt_xz)
      (xz_prior, c_ts), xz_metrics = joint_update(
          (xz_prior, c_ts),
          lambda ps: self.xz_loss(ps, g_state.params, real, rng_g, perm),
          "c_xz")
      aux = aux.replace(prior_opt_xz=xz_prior.opt_state,
                        c_opt_xz=c_ts.opt_state)
      prior_ts = prior_ts.replace(params=xz_prior.params)
      metrics.update(xz_metrics)
    if "m" in metrics:
      m_metrics, c_perm = self.anchoring(metrics.pop("m"), state.step, perm)
      metrics.update(m_metrics)
      aux = aux.replace(c_perm=c_perm)
    if self.shared:
      d_state = d_state.replace(params=c_ts.params)
    else:
      aux = aux.replace(c_params=c_ts.params)
    return (g_state, d_state, aux.replace(prior=prior_ts),
            with_prior_metrics(metrics, prior_ts.params))

  def anchoring(self, m: jax.Array, step: jax.Array,
                perm: jax.Array | None) -> tuple[Metrics, jax.Array | None]:
    """(M's diagonal mass and best-permutation mass (/ K), the anchoring
    permutation after this step): with anchoring, every `anchor_every`
    steps C's outputs are re-indexed by M's best matching."""
    sigma = gmm.best_permutation(m)  # component k -> C's output sigma[k]
    out = {"m_diagonal": jnp.trace(m) / self.k,
           "m_best": m[jnp.arange(self.k), sigma].sum() / self.k}
    every = self.config.method.anchor_every
    if every > 0:
      due = (step + 1) % every == 0
      perm = jnp.where(due, perm[sigma], perm)
    return out, perm

  # ---- after training -------------------------------------------------------
  def responsibilities(self, state: GANState, images: np.ndarray,
                       batch: int = 500) -> np.ndarray:
    """p(k | x) for images [N, H, W, C] (assigns unseen images); [N, K]."""
    params, perm = self.c_params(state), self.c_perm(state)
    return np.concatenate([
        np.asarray(self._classify_jit(params,
                                      jnp.asarray(images[i : i + batch]),
                                      perm))
        for i in range(0, len(images), batch)
    ])

  @classmethod
  def validate_config(cls, config) -> None:
    super().validate_config(config)
    mc = config.method
    if mc.consistency not in gmm.CONSISTENCY:
      raise ValueError(f"method.consistency must be one of {gmm.CONSISTENCY},"
                       f" got {mc.consistency!r}")
    if mc.xz_prior_grad not in XZ_PRIOR_GRAD:
      raise ValueError(f"method.xz_prior_grad must be one of {XZ_PRIOR_GRAD},"
                       f" got {mc.xz_prior_grad!r}")
    if mc.xx_weight < 0 or mc.xz_weight < 0:
      raise ValueError("method.xx_weight and xz_weight must be >= 0")
    if mc.xx_form not in XX_FORMS:
      raise ValueError(
          f"method.xx_form must be one of {XX_FORMS}, got {mc.xx_form!r}")
    if mc.pcm_update not in PCM_UPDATES:
      raise ValueError(f"method.pcm_update must be one of {PCM_UPDATES}, got"
                       f" {mc.pcm_update!r}")
    if mc.anchor_every < 0:
      raise ValueError(
          f"method.anchor_every must be >= 0, got {mc.anchor_every}")
    if config.model.name != "dcgan":
      raise ValueError("pcmgan needs model.name='dcgan' (image data)")
