"""MADGAN: multi-agent diverse GAN (Ghosh et al. 2018), as the HME thesis ran
it (its Chapter 3 and section 5.2; the author's code alper111/sdt-generative).

K generators share every layer but the first (one batched first layer). D is
a (K + 1)-way classifier: class 0 for real data, class k + 1 for generator k,
so to fool D a generator must look real, and to be told apart each must
stay in a region of its own. Per step: D on B reals and
`method.fakes_per_generator` fakes of every generator (the same noise for
all of them, B by default: the thesis' code feeds every z to all K), cross
entropy over the K + 1 classes (the mean over the reals plus the mean over
the fakes); G: the non-saturating -log D_real(G_k(z)).
"""

import jax

from gan_mixtures import losses
from gan_mixtures.methods.base import Metrics
from gan_mixtures.methods.multi_generator import MultiGeneratorGAN


class MADGAN(MultiGeneratorGAN):
  """K generators, one D with K + 1 outputs."""

  @property
  def d_out_dim(self) -> int:
    return int(self.config.method.num_generators) + 1

  def d_objective_k(self, real_out, fake_out,
                    labels) -> tuple[jax.Array, Metrics]:
    loss = losses.madgan_d_loss(real_out, fake_out, labels)
    real_p = jax.nn.softmax(real_out, -1)[:, 0]
    fake_p = jax.nn.softmax(fake_out, -1)[:, 0]
    return loss, {"d_real": real_p.mean(), "d_fake": fake_p.mean()}

  def g_objective_k(self, fake_out, labels) -> tuple[jax.Array, Metrics]:
    del labels
    return losses.madgan_g_loss(fake_out), {}
