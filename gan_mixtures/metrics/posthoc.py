"""The post-hoc clustering comparator: a classifier fitted afterwards to a
trained generator's samples labelled by the component that drew them,
(G(z_k), k), and used as a clustering of real images.

It answers whether a method's own classifier (the PCM GAN's C) clusters
better than what any component-structured generator gives for free: GM-GAN
has no C, but a classifier fitted to its components' samples assigns real
images to components as well. Fitting is plain cross entropy with Adam on
fresh draws every step (the generator is fixed), so nothing of the method's
training enters it.
"""

from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from gan_mixtures.metrics import clustering

# rng -> (images [B, H, W, C], component labels [B] int)
DrawFn = Callable[[jax.Array], tuple[jax.Array, jax.Array]]


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
  """Mean -log softmax(logits)[label]; logits [B, K], labels [B]."""
  return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


def fit_component_classifier(net: nn.Module, draw: DrawFn, rng: jax.Array,
                             steps: int, lr: float = 1e-3):
  """Parameters of `net` (images -> K logits) after `steps` Adam steps of
  cross entropy on fresh draws (x, k) = draw(rng_t); and the loss of every
  step [steps]."""
  rng_init, rng_fit = jax.random.split(rng)
  x0, _ = draw(rng_init)
  params = net.init(rng_init, x0)
  tx = optax.adam(lr)

  @jax.jit
  def step(params, opt_state, r):
    x, k = draw(r)
    x = jax.lax.stop_gradient(x)
    loss, grads = jax.value_and_grad(
        lambda p: cross_entropy(net.apply(p, x), k))(params)
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss

  # A Python loop over one jitted step, not lax.scan: inside XLA:CPU's
  # while loop the convolutions run many times slower (methods/base.py
  # run_d_steps says the same of the D steps).
  opt_state, losses = tx.init(params), []
  for r in jax.random.split(rng_fit, steps):
    params, opt_state, loss = step(params, opt_state, r)
    losses.append(loss)
  losses = jnp.stack(losses)
  return params, losses


def assign(net: nn.Module, params, images: np.ndarray,
           batch: int = 500) -> np.ndarray:
  """argmax of the fitted classifier on images [N, H, W, C]; [N] int."""
  apply = jax.jit(lambda x: net.apply(params, x).argmax(-1))
  return np.concatenate([np.asarray(apply(jnp.asarray(images[i:i + batch])))
                         for i in range(0, len(images), batch)])


def posthoc_scores(net: nn.Module, draw: DrawFn, rng: jax.Array, steps: int,
                   images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
  """cluster_acc_posthoc / nmi_posthoc of real images [N, ...] with true
  labels [N] under a classifier fitted to the draws, and its last fitting
  loss (a mean over the last tenth of the steps)."""
  params, losses = fit_component_classifier(net, draw, rng, steps)
  clusters = assign(net, params, images)
  tail = np.asarray(losses)[-max(1, steps // 10):]
  return {"cluster_acc_posthoc": clustering.cluster_accuracy(labels, clusters),
          "nmi_posthoc": clustering.nmi(labels, clusters),
          "posthoc_fit_loss": float(tail.mean()),
          "posthoc_steps": int(steps)}
