"""Vanilla single-generator GAN (the thesis' "FC" baseline).

Losses: non-saturating ('ns'), 'minimax', 'hinge', 'wgan' and 'wgan_gp'
(gradient penalty with weight `method.gp_weight`, two-sided by default).
"""

import jax

from gan_mixtures import losses
from gan_mixtures.methods.base import GANMethod, Metrics


class VanillaGAN(GANMethod):
  """G and D with one of the standard adversarial losses."""

  d_out_dim = 1

  @property
  def uses_gp(self) -> bool:
    return self.config.method.loss == "wgan_gp"

  def d_objective(self, real_out, fake_out) -> tuple[jax.Array, Metrics]:
    loss = losses.d_loss(self.config.method.loss, real_out, fake_out)
    return loss, {"d_real": real_out.mean(), "d_fake": fake_out.mean()}

  def g_objective(self, fake_out) -> tuple[jax.Array, Metrics]:
    return losses.g_loss(self.config.method.loss, fake_out), {}

  @classmethod
  def validate_config(cls, config) -> None:
    if config.method.loss not in losses.LOSSES:
      raise ValueError(
          f"unknown method.loss {config.method.loss!r}; choose from"
          f" {losses.LOSSES}"
      )
