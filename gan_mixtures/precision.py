"""Mixed precision (`model.dtype = 'bfloat16'`): the nets compute in bf16
while their parameters, the optimizer states and everything outside the nets
(losses, the E-step, the SGMM likelihood, the GMM prior, the MMGAN / LDAGAN
weights) stay float32. As jmp's policy: a net's float parameters and inputs
are cast to the compute dtype when it is applied, its float outputs (and
mutated batch statistics) back to float32, so gradients reach the float32
parameters through the cast. Gates inside a net (HME / ME, MEGAN) compute in
the net's dtype. Every Flax module a method holds is wrapped, whatever its
attribute's name (G, D, C, HME's sampling mixture, ...).
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


def cast_floats(tree: Any, dtype) -> Any:
  """Every floating array of `tree` as `dtype`; everything else untouched."""
  def cast(x):
    if isinstance(x, jax.Array) and jnp.issubdtype(x.dtype, jnp.floating):
      return x.astype(dtype)
    return x
  return jax.tree.map(cast, tree)


class MixedPrecisionNet:
  """A Flax module whose `apply` computes in `dtype` (init stays float32)."""

  def __init__(self, module, dtype):
    self.module, self.dtype = module, dtype

  def init(self, *args, **kwargs):
    return self.module.init(*args, **kwargs)

  def apply(self, variables, *args, **kwargs):
    args, kwargs = cast_floats((args, kwargs), self.dtype)
    out = self.module.apply(cast_floats(variables, self.dtype), *args, **kwargs)
    return cast_floats(out, jnp.float32)

  def __getattr__(self, name: str):
    return getattr(self.module, name)


def apply_policy(method, dtype_name: str):
  """The method with every net it holds (each attribute that is a Flax
  module) computing in `dtype_name` (float32: as is)."""
  if dtype_name == "float32":
    return method
  for name, value in list(vars(method).items()):
    if isinstance(value, nn.Module):
      setattr(method, name, MixedPrecisionNet(value, DTYPES[dtype_name]))
  return method
