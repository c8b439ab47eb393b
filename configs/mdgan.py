"""MD-GAN (Mixture Density GAN, CVPR 2019) on 2D data.

Variants: `grid25` (default: 25 Gaussians on {-4..4 step 2}^2, std 0.05) |
`ring8` (8 Gaussians on a circle of radius 2, std 0.02). Paper settings:
d = 9 (n_gmm = 10 components), var = 0.25, MLP G and D (2 x 128), z ~ U(-1,1)^2,
G output 6 tanh, Adam(1e-3, 0.5, 0.999), batch 500, one D step per G step.

  python -m experiments.main --config=configs/mdgan.py
  python -m experiments.main --config=configs/mdgan.py:ring8

Expected time: 1 to 2 minutes on a 2-core CPU.
"""

from configs import default, variants

VARIANTS = ("grid25", "ring8")


def get_config(arg: str | None = None):
  c = default.get_config()
  c.method.name = "mdgan"
  c.method.n_gmm = 10
  c.method.var = 0.25
  c.train.batch_size = 500
  c.train.n_disc = 1
  c.train.num_steps = 10000
  c.train.log_every = 1000
  c.checkpoint.every_steps = 2500
  tokens = variants.parse(arg, "grid25")
  for token in tokens:
    if token not in VARIANTS:
      raise variants.unknown(token, VARIANTS)
    variants.apply_data(c, variants.DATA_2D[token])
  c.name = "mdgan:" + ",".join(tokens)
  return c
