"""HME-GAN / ME-GAN (mixtures of generators).

2D variants: `spiral` (default: depth-3 tree, linear leaves, z 4-D
Gaussian), `grid25`. Options: `z1` (1-D noise, as the thesis' Fig. 5.4:
the samples then lie on a curve, and on the noisy spiral a fake's nearest
neighbours are fakes whatever the fit: 5-NN 0.98 / 1.00), `z2`, `me` (flat
softmax gate, 8 leaves), `constant` (constant leaves), `direct` (the mixture
is the 2D sample itself, no MLP on top). On 2D data the mixture is G's
first hidden layer (128 wide, the thesis' pipeline: a mixture layer, then a
shared network) under a 128-unit hidden layer; D is an MLP of three
512-unit layers without normalisation (layer norm after a Dense on a 2D
input keeps only the input's direction, not its radius: measured, it held
the gradient penalty near 0.7 and G never reached the spiral), the
gradient penalty weighs 0.1 (GP_WEIGHT_2D) and the learning rate is 2e-4,
decayed linearly to 0.

Image variants (DCGAN trunk after a 4x4xC mixture map, z 100-D Gaussian,
32x32 MNIST / Fashion-MNIST padded, CelebA 64x64): `mnist_hme_l4` (depth
4, linear leaves), `mnist_me_l16` (16 leaves, softmax gate), `mnist_hme_5`
(depth 5, constant leaves), `fashion_mnist_hme_l5`, `fashion_mnist_me_l16`,
`celeba_hme_l4`, `celeba_me_l16`; hours on a GPU. Training as the thesis:
WGAN-GP (two-sided, lambda 10), 5 D steps per G step, Adam(1e-4, 0.5,
0.999) with AMSGrad, batch 128, layer norm in D.

  python -m experiments.main --config=configs/hmegan.py:spiral   # CPU, minutes
"""

from configs import default, variants

OPTIONS = ("spiral", "grid25", "me", "constant", "z1", "z2", "direct")
# 2D training. Gradient penalty: the WGAN-GP paper's own toy setting
# ("smaller lambda seems to help for toy tasks"); on the spiral (z 2-D,
# 10k steps, lr 1e-4) 5-NN real / fake was 0.75 / 0.78 with lambda 10,
# 0.68 / 0.73 with 1 and 0.60 / 0.66 with 0.1. Learning rate 2e-4 decayed
# linearly to 0: 0.58 / 0.62 (1e-4 decayed: 0.61 / 0.63).
GP_WEIGHT_2D = 0.1
LR_2D = 2e-4
# 2D noise size. Spiral, 5-NN mean of real / fake over 8 evaluation draws of
# 2,500 samples: z 2-D 0.609 +- 0.014 (seed 1: 0.609 +- 0.009), 4-D 0.576 +-
# 0.009 (seed 1: 0.567 +- 0.005; fewer samples off the arms), 8-D 0.634
# (the centre of the spiral left empty).
Z_DIM_2D = 4
# variant: (data preset, gate, depth or leaves, leaf)
IMAGE_VARIANTS = {
    "mnist_hme_l4": ("mnist", "hme", 4, "linear"),
    "mnist_me_l16": ("mnist", "me", 16, "linear"),
    "mnist_hme_5": ("mnist", "hme", 5, "constant"),
    "fashion_mnist_hme_l5": ("fashion_mnist", "hme", 5, "linear"),
    "fashion_mnist_me_l16": ("fashion_mnist", "me", 16, "linear"),
    "celeba_hme_l4": ("celeba", "hme", 4, "linear"),
    "celeba_me_l16": ("celeba", "me", 16, "linear"),
}
IMAGE_DATA = {
    "mnist": dict(name="mnist", image_size=32, resize="pad"),
    "fashion_mnist": dict(name="fashion_mnist", image_size=32, resize="pad"),
    "celeba": dict(name="celeb_a", image_size=64, resize="resize", crop=148),
}


def _image_setup(c, data: str, gate: str, size: int, leaf: str) -> None:
  variants.image_training(
      c, IMAGE_DATA[data], batch_size=128, z_dim=100, ema_decay=0.999
  )
  c.method.gate, c.method.leaf = gate, leaf
  if gate == "hme":
    c.method.depth = size
  else:
    c.method.num_leaves = size
  c.model.g_norm = "none"  # the thesis: no normalisation in G
  c.model.d_norm = "layer"


def get_config(arg: str | None = None):
  c = default.get_config()
  c.method.name = "hmegan"
  c.method.loss = "wgan_gp"
  c.method.gp_weight = 10.0
  c.method.gate = "hme"
  c.method.depth = 3
  c.method.leaf = "linear"
  c.model.z_dist = "normal"
  c.model.g_hidden = (128, 128)  # mixture layer width, then the shared MLP
  c.model.g_out_scale = 0.0
  c.model.d_hidden = (512, 512, 512)
  c.model.d_norm = "none"  # images: layer norm (_image_setup)
  c.g_opt.name = c.d_opt.name = "amsgrad"
  c.g_opt.lr = c.d_opt.lr = 1e-4
  c.train.batch_size = 128
  c.train.n_disc = 5
  c.train.num_steps = 10_000
  c.train.log_every = 1000
  c.checkpoint.every_steps = 5000
  tokens = variants.parse(arg, "spiral")
  for token in tokens:
    if token in IMAGE_VARIANTS:
      _image_setup(c, *IMAGE_VARIANTS[token])
    elif token in ("spiral", "grid25"):
      variants.apply_data(c, variants.DATA_2D[token])
      c.model.z_dim = Z_DIM_2D
      c.method.gp_weight = GP_WEIGHT_2D
      c.g_opt.lr = c.d_opt.lr = LR_2D
      c.g_opt.schedule = c.d_opt.schedule = "linear"
    elif token == "z1":  # the thesis' Fig. 5.4: samples on a curve
      c.model.z_dim = 1
    elif token == "me":
      c.method.gate = "me"
      c.method.num_leaves = 8
    elif token == "constant":
      c.method.leaf = "constant"
    elif token == "z2":
      c.model.z_dim = 2
    elif token == "direct":
      c.model.g_hidden = ()
    else:
      raise variants.unknown(token, (*OPTIONS, *IMAGE_VARIANTS))
  c.name = "hmegan:" + ",".join(tokens)
  return c
