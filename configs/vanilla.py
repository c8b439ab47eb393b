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

from configs import default, variants

LOSSES = ("ns", "minimax", "hinge", "wgan_gp")


def get_config(arg: str | None = None):
  c = default.get_config()
  c.method.name = "vanilla"
  tokens = variants.parse(arg, "grid25")
  for token in tokens:
    if token in variants.DATA_2D:
      variants.apply_data(c, variants.DATA_2D[token])
    elif token in variants.IMAGE_DATA:
      variants.image_data_setup(c, token)
    elif token in variants.IMAGE_SIZES:
      pass  # after the data, whose preset sets the batch size
    elif token in LOSSES:
      c.method.loss = token
    else:
      raise variants.unknown(token, {*variants.DATA_2D, *variants.IMAGE_DATA,
                                     *variants.IMAGE_SIZES, *LOSSES})
  variants.apply_sizes(c, tokens)
  if c.method.loss == "wgan_gp":
    c.train.n_disc = 5
    c.g_opt.lr = c.d_opt.lr = 1e-4
    c.g_opt.b1 = c.d_opt.b1 = 0.5
  c.name = "vanilla:" + ",".join(tokens)
  return c
