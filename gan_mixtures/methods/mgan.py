"""MGAN: mixture GAN (Hoang et al. 2018), as the HME thesis ran it.

K generators share every layer but the first. D has two parallel heads on a
shared trunk: a real/fake logit and a K-way classifier C of the generator
index, which sees only fakes (the thesis: "two parallel fully-connected
layers"). Per step, with `method.fakes_per_generator` fakes of every
generator (B / K in the thesis' code, so B fakes in all):

  D, C: min BCE(D(x), 1) + BCE(D(G_k(z)), 0) + beta CE(C(G_k(z)), k)
  G:    min BCE(D(G_k(z)), 1) + beta CE(C(G_k(z)), k)

beta = `method.diversity_weight` (1 in the thesis' code; the MGAN paper's
code defaults to 0.01). The non-saturating loss, as the thesis.
"""

import jax

from gan_mixtures import losses, nets
from gan_mixtures.methods.base import Metrics
from gan_mixtures.methods.multi_generator import MultiGeneratorGAN


class MGAN(MultiGeneratorGAN):
  """K generators; D with a real/fake head and a generator classifier."""

  config_keys = MultiGeneratorGAN.config_keys + ("diversity_weight",)

  def __init__(self, config, data):
    super().__init__(config, data)
    self.d_net = nets.make_encoder_heads(config.model, 1, self.k)
    self.beta = float(config.method.diversity_weight)

  def d_objective_k(self, real_out, fake_out,
                    labels) -> tuple[jax.Array, Metrics]:
    (d_real, _), (d_fake, c_fake) = real_out, fake_out
    ce = losses.class_cross_entropy(c_fake, labels)
    loss = losses.d_loss("ns", d_real, d_fake) + self.beta * ce
    return loss, {"d_real": d_real.mean(), "d_fake": d_fake.mean(), "d_ce": ce}

  def g_objective_k(self, fake_out, labels) -> tuple[jax.Array, Metrics]:
    d_fake, c_fake = fake_out
    ce = losses.class_cross_entropy(c_fake, labels)
    return losses.g_loss("ns", d_fake) + self.beta * ce, {"g_ce": ce}

  @classmethod
  def validate_config(cls, config) -> None:
    super().validate_config(config)
    if config.method.diversity_weight < 0:
      raise ValueError("method.diversity_weight must be >= 0, got"
                       f" {config.method.diversity_weight}")
