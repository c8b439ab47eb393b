"""MD-GAN (Mixture Density GAN, Eghbal-zadeh et al., CVPR 2019).

SGMM on D's embedding: d = 9 (n_gmm = 10 components), var = 0.25 (the
paper's defaults), D's embedding squashed into (-2.5, 2.5)^d.

2D variants: `grid25` (default: 25 Gaussians on {-4..4 step 2}^2, std 0.05)
and `ring8` (8 Gaussians on a circle of radius 2, std 0.02). z ~ U(-1, 1)^2,
G output 6 tanh, D an MLP of 2 x 128 (LeakyReLU 0.2), Adam(1e-3, 0.5, 0.999),
batch 500, one D step per G step, as the reference code. Two departures,
both measured (README, "MD-GAN results"): G has 4 hidden layers of 128 (the
reference's 2 leave bridges of samples between the 25 modes within the CPU
budget), and the learning rates decay linearly to 0 while samples are drawn
from an EMA (0.999) of G. `paper_nets` restores G = 2 x 128, constant lr and
no EMA.

  python -m experiments.main --config=configs/mdgan.py           # ~2 min CPU
  python -m experiments.main --config=configs/mdgan.py:ring8     # ~2 min CPU

Image variants (DCGAN nets, z ~ N(0, I)^100, Adam(2e-4, 0.5, 0.999), batch
64): `mnist`, `fashion_mnist`, `stacked_mnist` (1000 modes, 28x28x3),
`cifar10`, `celeba` (centre crop 148 -> 64). MNIST is read from the local IDX
files (data.mnist_dir / $MNIST_DIR / ../shared/data/mnist), the others from
tfds (prepared under data.tfds_data_dir; set data.download=True to fetch).
Hours on a GPU:

  python -m experiments.main --config=configs/mdgan.py:stacked_mnist
"""

from configs import default, variants

IMAGE_VARIANTS = {
    "mnist": dict(name="mnist", image_size=28, resize="none"),
    "fashion_mnist": dict(name="fashion_mnist", image_size=28, resize="none"),
    "stacked_mnist": dict(name="stacked_mnist", image_size=28, resize="none"),
    "cifar10": dict(name="cifar10", image_size=32, resize="none"),
    "celeba": dict(name="celeb_a", image_size=64, resize="resize", crop=148),
}
OPTIONS = ("paper_nets",)


def _image_setup(c, preset: dict) -> None:
  variants.image_training(c, preset, batch_size=64, z_dim=100, ema_decay=0.999)
  c.g_opt.lr = c.d_opt.lr = 2e-4


def get_config(arg: str | None = None):
  c = default.get_config()
  c.method.name = "mdgan"
  c.method.n_gmm = 10
  c.method.var = 0.25
  c.model.g_hidden = (128, 128, 128, 128)
  c.model.d_hidden = (128, 128)
  c.train.batch_size = 500
  c.train.n_disc = 1
  c.train.num_steps = 25_000
  c.train.ema_decay = 0.999
  c.g_opt.schedule = c.d_opt.schedule = "linear"
  c.train.log_every = 2500
  c.checkpoint.every_steps = 5000
  tokens = variants.parse(arg, "grid25")
  for token in tokens:
    if token in ("grid25", "ring8"):
      variants.apply_data(c, variants.DATA_2D[token])
    elif token in IMAGE_VARIANTS:
      _image_setup(c, IMAGE_VARIANTS[token])
      if token == "stacked_mnist":
        c.eval.num_samples = 26_000  # the protocol's sample count
    elif token == "paper_nets":
      c.model.g_hidden = (128, 128)
      c.train.ema_decay = 0.0
      c.g_opt.schedule = c.d_opt.schedule = "constant"
    else:
      raise variants.unknown(token, ("grid25", "ring8", *IMAGE_VARIANTS, *OPTIONS))
  c.name = "mdgan:" + ",".join(tokens)
  return c
