"""HME-GAN / ME-GAN (mixtures of generators) on 2D data.

Variants: `spiral` (default: z 1-D Gaussian, depth-3 tree, linear leaves),
`grid25` (z 2-D). Options: `me` (flat softmax gate, 8 leaves), `constant`
(constant leaves). Training as the thesis: WGAN-GP (two-sided, lambda 10),
5 D steps per G step, Adam(1e-4, 0.5, 0.999) with AMSGrad, batch 128,
layer norm in D.

  python -m experiments.main --config=configs/hmegan.py:spiral   # ~2 min CPU
"""

from configs import default, variants


def get_config(arg: str | None = None):
  c = default.get_config()
  c.method.name = "hmegan"
  c.method.loss = "wgan_gp"
  c.method.gp_weight = 10.0
  c.method.gate = "hme"
  c.method.depth = 3
  c.method.leaf = "linear"
  c.model.z_dist = "normal"
  c.model.d_hidden = (128, 128)
  c.model.d_norm = "layer"
  c.g_opt.name = c.d_opt.name = "amsgrad"
  c.g_opt.lr = c.d_opt.lr = 1e-4
  c.train.batch_size = 128
  c.train.n_disc = 5
  c.train.num_steps = 10_000
  c.train.log_every = 1000
  c.checkpoint.every_steps = 5000
  tokens = variants.parse(arg, "spiral")
  for token in tokens:
    if token == "spiral":
      variants.apply_data(c, variants.DATA_2D["spiral"])
      c.model.z_dim = 1
    elif token == "grid25":
      variants.apply_data(c, variants.DATA_2D["grid25"])
      c.model.z_dim = 2
    elif token == "me":
      c.method.gate = "me"
      c.method.num_leaves = 8
    elif token == "constant":
      c.method.leaf = "constant"
    else:
      raise variants.unknown(token, ("spiral", "grid25", "me", "constant"))
  c.name = "hmegan:" + ",".join(tokens)
  return c
