"""GM-GAN (learnable GMM noise prior, no PCM): the PCM GAN's baseline on the
same data variants (configs/pcmgan.py: mnist, fashion_mnist,
mnist_imbalanced, flowers10, digits).

  python -m experiments.main --config=configs/gmgan.py:mnist_imbalanced
"""

from configs import pcmgan

ARGS = pcmgan.build_args("gmgan", pcmgan.modifier_args(("ns", "diagonal")))


def get_config(arg: str | None = None):
  return ARGS.build(arg)
