"""Analyses of a trained state that are not part of a run's evaluation:
HME-GAN / ME-GAN interpretability (what every tree node draws) and MMGAN's
Eq. 11 under a refitted D and C. Used by experiments/analyze.py and the
MMGAN study (benchmarks/mmgan_experiment.py)."""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from gan_mixtures.methods.base import apply_update


def hme_analysis(method, state, rng: jax.Array, n: int) -> dict[str, Any]:
  """An HME / ME generator's n samples with their node soft counts, the
  soft-count-weighted mean sample of every node, the leaf-gate covariance
  and the 5 most likely samples of every leaf."""
  z = method.noise(rng, n)
  x, gates = method.mixture.apply(method.generator_params(state), z)
  counts = method.node_soft_counts(state, z)  # [n, nodes]
  weights = counts / jnp.maximum(counts.sum(0, keepdims=True), 1e-12)
  node_means = jnp.tensordot(weights.T, x, axes=1)  # [nodes, ...]
  top = jnp.argsort(-gates, axis=0)[:5].T  # [K, 5]
  return {
      "samples": x, "gates": gates, "soft_counts": counts,
      "node_means": node_means, "gate_cov": jnp.cov(gates.T),
      "top_samples": x[top], "top_z": z[top],
  }


def refit_objective(method, state, steps: int, rng: jax.Array,
                    fresh: bool = True,
                    eval_batches: int = 20) -> dict[str, Any]:
  """Eq. 11 of an MMGAN's trained G under a refitted D and C: G and alpha
  frozen, D and C (fresh, or `fresh=False` from the checkpoint's) trained
  `steps` steps on their loss on the method's data, then V, the classifier
  term CE and V + lambda * CE (what G minimises) averaged over
  `eval_batches` batches. Lower for one of two trained G's means it is the
  better solution of the paper's own objective."""
  mc, t = method.config.method, method.config.train
  alpha = method.alpha(state)
  g_params = jax.lax.stop_gradient(state.g.params)
  d_state = state.d
  if fresh:
    from flax.training import train_state as ts_lib

    params = method.d_net.init(jax.random.fold_in(rng, 1),
                               jnp.asarray(method.data.example_batch(2)))
    d_state = ts_lib.TrainState.create(apply_fn=method.d_net.apply,
                                       params=params, tx=state.d.tx)
  loss = lambda p, real, r: method.d_loss(p, g_params, alpha, real, r)
  step = jax.jit(
      lambda d, real, r: apply_update(d, lambda p: loss(p, real, r), "d"))
  value = jax.jit(lambda p, real, r: loss(p, real, r)[1])
  shape = (t.batch_size,)
  for i in range(steps):
    real = jnp.asarray(method.data.host_batch(10_000_000 + i, shape))
    d_state, _ = step(d_state, real, jax.random.fold_in(rng, 100 + i))
  rows = [value(d_state.params,
                jnp.asarray(method.data.host_batch(20_000_000 + i, shape)),
                jax.random.fold_in(rng, 10**6 + i))
          for i in range(eval_batches)]
  v = float(np.mean([r["d_value"] for r in rows]))
  ce = float(np.mean([r["d_ce"] for r in rows]))
  return {"refit_steps": steps, "refit_from": "fresh" if fresh else "saved",
          "V": v, "ce": ce, "lambda_ce": mc.disjoint_weight * ce,
          "objective": v + mc.disjoint_weight * ce}
