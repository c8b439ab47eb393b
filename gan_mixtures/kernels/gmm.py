"""GMM prior of the GMM-responsibility GAN with a posterior consistency
module (PCM): reparameterised draws from every component, responsibilities
p(k|z) (Eq. 3) and the consistency between two categorical predictions
(mutual information, IIC style; KL; JS).

A prior is a dict of arrays: {'means' [K, Dz], 'scales' [K, Dz, Dz]} (full:
z_k = mu_k + S_k eps, covariance S_k S_k^T, the paper's "standard
deviations ... sigma in R^{K x Dz x Dz}", Sec. II-D) or {'means',
'log_scales' [K, Dz]} (diagonal).
"""

import jax
import jax.numpy as jnp
import numpy as np

EPS = 1e-10
CONSISTENCY = ("mi", "kl", "js")


def sample_components(
    rng: jax.Array, means: jax.Array, log_scales: jax.Array
) -> jax.Array:
  """One draw z_k = mu_k + sigma_k * eps from every diagonal component;
  [K, Dz]."""
  eps = jax.random.normal(rng, means.shape, means.dtype)
  return means + jnp.exp(log_scales) * eps


def sample_components_full(
    rng: jax.Array, means: jax.Array, scales: jax.Array
) -> jax.Array:
  """As sample_components with full covariances Sigma_k = S_k S_k^T;
  S [K, Dz, Dz]."""
  eps = jax.random.normal(rng, means.shape, means.dtype)
  return means + jnp.einsum("kij,kj->ki", scales, eps)


PRIOR_COVARIANCES = ("full", "diagonal")


def init_prior(rng: jax.Array, k: int, dz: int, covariance: str,
               mean_init: float, scale_init: float) -> dict[str, jax.Array]:
  """means U(-mean_init, mean_init)^Dz and scale_init * I (or its diagonal)."""
  means = jax.random.uniform(rng, (k, dz), minval=-mean_init, maxval=mean_init)
  if covariance == "full":
    return {"means": means,
            "scales": jnp.tile(scale_init * jnp.eye(dz), (k, 1, 1))}
  if covariance == "diagonal":
    return {"means": means,
            "log_scales": jnp.full((k, dz), jnp.log(scale_init))}
  raise ValueError(f"unknown prior covariance {covariance!r}; choose from"
                   f" {PRIOR_COVARIANCES}")


def draw(rng: jax.Array, prior: dict[str, jax.Array]) -> jax.Array:
  """One reparameterised draw from every component of `prior`; [K, Dz]."""
  if "scales" in prior:
    return sample_components_full(rng, prior["means"], prior["scales"])
  return sample_components(rng, prior["means"], prior["log_scales"])


def combine(
    eps: jax.Array, weights: jax.Array, prior: dict[str, jax.Array]
) -> jax.Array:
  """z = sum_k w_k (mu_k + S_k eps) for one eps [Dz] and weights [N, K]."""
  if "scales" in prior:
    z_k = prior["means"] + jnp.einsum("kij,j->ki", prior["scales"], eps)
  else:
    z_k = prior["means"] + jnp.exp(prior["log_scales"]) * eps
  return weights @ z_k  # [N, Dz]


def _inverse_logdet(scale: jax.Array) -> tuple[jax.Array, jax.Array]:
  """S^-1 and log |det S| for one S [Dz, Dz].

  One matrix per LAPACK call on purpose: a batched call splits its batch
  over the CPU intra-op thread pool (ParallelBatchMap), and with two or more
  CPU devices each running its program on that pool, the split waits for
  threads that never come free (a deadlock seen at K 10, Dz 100).
  """
  return jnp.linalg.inv(scale), jnp.linalg.slogdet(scale)[1]


def log_normal_full(
    z: jax.Array, means: jax.Array, scales: jax.Array
) -> jax.Array:
  """log N(z_n; mu_k, S_k S_k^T) for z [N, Dz]; [N, K]. S_k is inverted
  once for all N points."""
  inv, logdet = jax.lax.map(_inverse_logdet, scales)  # [K, Dz, Dz], [K]
  y = jnp.einsum("kij,nkj->nki", inv,
                 z[:, None, :] - means[None])  # [N, K, Dz]
  dz = z.shape[-1]
  return (-0.5 * jnp.sum(y**2, -1) - logdet[None]
          - 0.5 * dz * jnp.log(2.0 * jnp.pi))


def responsibilities_batch(
    z: jax.Array, prior: dict[str, jax.Array]
) -> jax.Array:
  """p(k | z_n) (Eq. 3, equal weights) for z [N, Dz] under `prior`; [N, K]."""
  if "scales" in prior:
    return jax.nn.softmax(
        log_normal_full(z, prior["means"], prior["scales"]), -1)
  return jax.vmap(
      lambda zz: responsibilities(zz, prior["means"], prior["log_scales"]))(z)


def mean_scale(prior: dict[str, jax.Array]) -> jax.Array:
  """The prior's mean per-dimension standard deviation (reporting)."""
  if "scales" in prior:
    s = prior["scales"]
    return jnp.mean(jnp.sqrt(jnp.sum(s**2, -1)))  # row norms: std of z_k's dims
  return jnp.mean(jnp.exp(prior["log_scales"]))


def log_normal_diag(
    z: jax.Array, means: jax.Array, log_scales: jax.Array
) -> jax.Array:
  """log N(z; mu_k, diag(sigma_k^2)) for every component; [K]."""
  var = jnp.exp(2.0 * log_scales)  # [K, Dz]
  return -0.5 * jnp.sum(
      ((z[None] - means) ** 2 / var + 2.0 * log_scales
       + jnp.log(2.0 * jnp.pi)), -1
  )


def responsibilities(
    z: jax.Array,
    means: jax.Array,
    log_scales: jax.Array,
    log_weights: jax.Array | None = None,
) -> jax.Array:
  """p(k | z) (Eq. 3; equal weights unless log_weights [K]); [K]."""
  logits = log_normal_diag(z, means, log_scales)
  if log_weights is not None:
    logits = logits + log_weights
  return jax.nn.softmax(logits)


def _pair_weights(p: jax.Array, weights: jax.Array | None) -> jax.Array:
  """Pair weights [B] summing to 1 (uniform when None)."""
  if weights is None:
    return jnp.full(p.shape[:1], 1.0 / p.shape[0])
  return weights / jnp.sum(weights)


def joint_distribution(
    p: jax.Array,
    q: jax.Array,
    weights: jax.Array | None = None,
    symmetric: bool = True,
) -> jax.Array:
  """Batch joint P = sum_b w_b p_b q_b^T of p, q [B, K] (w uniform, or
  `weights` [B] normalised), symmetrised (P + P^T) / 2 if `symmetric`; [K, K].
  """
  if weights is None:
    joint = jnp.einsum("bi,bj->ij", p, q) / p.shape[0]
  else:
    joint = jnp.einsum("b,bi,bj->ij", _pair_weights(p, weights), p, q)
  return (joint + joint.T) / 2.0 if symmetric else joint


def mutual_information(
    p: jax.Array,
    q: jax.Array,
    weights: jax.Array | None = None,
    symmetric: bool = True,
) -> jax.Array:
  """I(P) = sum P log(P / (P_row P_col)) of the joint of p, q [B, K] (IIC).

  Symmetrising suits exchangeable pairs (IIC's x and a transformed x). For
  pairs from two different predictors it has a degenerate optimum: p
  one-hot over K balanced classes and q one constant one-hot give
  (K-1)/K log(2K/(K+1)) + 1/K log(4K/(K+1)^2) > 0 (0.4274 for K = 10),
  where the plain joint gives 0.
  """
  joint = jnp.clip(joint_distribution(p, q, weights, symmetric), EPS)
  row = joint.sum(1, keepdims=True)
  col = joint.sum(0, keepdims=True)
  return jnp.sum(joint * (jnp.log(joint) - jnp.log(row) - jnp.log(col)))


def _kl(p: jax.Array, q: jax.Array) -> jax.Array:
  return jnp.sum(
      p * (jnp.log(jnp.clip(p, EPS)) - jnp.log(jnp.clip(q, EPS))), -1)


def consistency(
    p: jax.Array,
    q: jax.Array,
    kind: str,
    weights: jax.Array | None = None,
    symmetric: bool = True,
) -> jax.Array:
  """A loss to MINIMISE that is low when p, q [B, K] agree.

  'mi': -I(P) (maximise mutual information); 'kl': mean KL(p || q);
  'js': mean Jensen-Shannon divergence. `weights` [B] weigh the pairs
  (uniform when None); `symmetric` applies to 'mi' (see mutual_information).
  """
  w = _pair_weights(p, weights)
  if kind == "mi":
    return -mutual_information(p, q, weights, symmetric)
  if kind == "kl":
    return jnp.sum(w * _kl(p, q))
  if kind == "js":
    m = (p + q) / 2.0
    return jnp.sum(w * (0.5 * _kl(p, m) + 0.5 * _kl(q, m)))
  raise ValueError(f"unknown consistency {kind!r}; choose from {CONSISTENCY}")


def best_permutation(m: jax.Array) -> jax.Array:
  """The permutation sigma [K] maximising sum_k m[k, sigma(k)] of a [K, K]
  matrix (the Hungarian algorithm, scipy's, on the host through
  jax.pure_callback; seed by seed under vmap)."""
  from scipy.optimize import linear_sum_assignment

  def host(m):
    m = np.asarray(m)
    rows, cols = linear_sum_assignment(-m)
    out = np.empty(m.shape[0], np.int32)
    out[rows] = cols
    return out

  return jax.pure_callback(host, jax.ShapeDtypeStruct(m.shape[:1], jnp.int32),
                           m, vmap_method="sequential")


def distribution_match(q_fake: jax.Array, q_real: jax.Array) -> jax.Array:
  """KL(mean_n q_fake[n] || mean_b q_real[b]) of two batches of categorical
  predictions [N, K], [B, K]: zero when C's average over the fakes equals its
  average over the data (the PCM paper's stated purpose of L_{x^,x}, its
  Sec. I-A). Unlike a batch-joint MI it does not vanish when C gives every
  real image one class while the fakes' predictions are spread."""
  p = jnp.mean(q_fake, axis=0)
  q = jnp.mean(q_real, axis=0)
  return _kl(p, q)
