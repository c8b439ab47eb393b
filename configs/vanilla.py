"""Vanilla GAN (the thesis' FC baseline) on 2D data.

Variants (comma-separated): data `grid25` (default) | `ring8` | `spiral`, or
an image preset of configs/variants.py IMAGE_DATA (`mnist`,
`mnist_imbalanced`, `digits`, ...: the PCM GAN's baseline with DCGAN nets);
loss `ns` (default) | `minimax` | `hinge` | `wgan_gp`; `small` (widths 32,
batch 16, with an image preset: the PCM GAN's CPU-sized baseline).

  python -m experiments.main --config=configs/vanilla.py:grid25
  python -m experiments.main --config=configs/vanilla.py:ring8,wgan_gp

Expected time: 5,000 steps train in 0.3 min*.

* Training time on the 2-core CPU: steps x the step time measured by
  benchmarks/efficiency.py on 2026-12-07 (benchmarks/results/
  efficiency_cpu.json); compilation and the evaluation come on top.
"""

from configs import args, default, variants

LOSSES = ("ns", "minimax", "hinge", "wgan_gp")
LOSS_HELP = {"ns": "non-saturating -log D(G(z)) (the 2D default)",
             "minimax": "log(1 - D(G(z))), Goodfellow et al.'s Eq. 1 (the image"
                        " default)",
             "hinge": "hinge loss", "wgan_gp": "WGAN-GP: 5 D steps, Adam"
             " 1e-4 (0.5, 0.9)"}


def _base() -> args.Config:
  c = default.get_config()
  c.method.name = "vanilla"
  return c


def _finish(c: args.Config) -> None:
  if c.method.loss == "wgan_gp":
    c.train.n_disc = 5
    c.g_opt.lr = c.d_opt.lr = 1e-4
    c.g_opt.b1 = c.d_opt.b1 = 0.5


ARGS = args.Table(
    method="vanilla", base=_base, default_data="grid25",
    data={**variants.DATA_2D_ARGS, **variants.IMAGE_DATA_ARGS},
    options={**{loss: args.Option(LOSS_HELP[loss],
                                  args.setter(**{"method.loss": loss}), "loss")
                for loss in LOSSES},
             **variants.IMAGE_SIZE_ARGS},
    finish=_finish)


def get_config(arg: str | None = None):
  return ARGS.build(arg)
