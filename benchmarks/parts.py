"""A method's own work in one training step, timed alone by step_time.py
(`PARTS[method name](method, batch_size)` -> {name: (fn, args)}): the parts
that set a method's step apart from a vanilla GAN's."""

from collections.abc import Callable

import jax
import jax.numpy as jnp

# name -> (fn, args): fn(*args) is one part's work
Parts = dict[str, tuple[Callable, tuple]]


def mdgan_parts(method, batch_size: int) -> Parts:
  """MD-GAN's SGMM work of one step: lk and its gradient for the
  embeddings of every D step (real + fake) and of the G step."""
  n = batch_size * (2 * method.config.train.n_disc + 1)
  d_out = jax.random.normal(jax.random.PRNGKey(0), (n, method.embed_dim))
  fn = jax.value_and_grad(
      lambda o: jnp.sum(jnp.log(method.likelihood(o) + method.eps)))
  return {"sgmm_likelihood_fwd_bwd": (fn, (d_out,))}


def ldagan_parts(method, batch_size: int) -> Parts:
  """LDAGAN's E-step of one step: M noise samples x K generators."""
  del batch_size
  mc = method.config.method
  critic = jax.random.normal(jax.random.PRNGKey(0),
                             (method.k, mc.fakes_per_generator))
  alpha = jnp.full((method.k,), float(mc.alpha_init))
  fn = lambda c: method.e_step(c, alpha, jnp.asarray(1 << 30))[:2]
  return {"e_step": (fn, (critic,))}


def hmegan_parts(method, batch_size: int) -> Parts:
  """HME / ME gating + leaf mixing of one step (fwd + bwd): every D step
  and the G step each generate a batch."""
  n = batch_size * (method.config.train.n_disc + 1)
  z = method.noise(jax.random.PRNGKey(0), n)
  params = method.gated_leaves.init(jax.random.PRNGKey(1), z)
  fn = jax.grad(lambda p: jnp.sum(method.gated_leaves.apply(p, z)[0] ** 2))
  return {"gating_and_mixing_fwd_bwd": (fn, (params,))}


PARTS: dict[str, Callable[..., Parts]] = {
    "mdgan": mdgan_parts, "ldagan": ldagan_parts, "hmegan": hmegan_parts}


