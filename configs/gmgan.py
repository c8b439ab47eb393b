"""GM-GAN (learnable GMM noise prior, no PCM): the PCM GAN's baseline on the
same data variants (configs/pcmgan.py: mnist, fashion_mnist,
mnist_imbalanced, flowers10, digits).

  python -m experiments.main --config=configs/gmgan.py:mnist_imbalanced
"""

from configs import pcmgan


def get_config(arg: str | None = None):
  return pcmgan.build("gmgan", arg, {"ns": dict(loss="ns"),
                                     "diagonal": dict(prior_covariance="diagonal")})
