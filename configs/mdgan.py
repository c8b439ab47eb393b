"""MD-GAN (Mixture Density GAN, Eghbal-zadeh et al., CVPR 2019).

SGMM on D's embedding: d = 9 (n_gmm = 10 components), var = 0.25 (the
paper's defaults), D's embedding squashed into (-2.5, 2.5)^d.

2D variants: `grid25` (default: 25 Gaussians on {-4..4 step 2}^2, std 0.05)
and `ring8` (8 Gaussians on a circle of radius 2, std 0.02). z ~ U(-1, 1)^2,
G output 6 tanh, D an MLP of 2 x 128 (LeakyReLU 0.2), Adam(1e-3, 0.5, 0.999),
batch 500, one D step per G step, as the reference code. Two departures,
both measured (docs/mdgan.md; README, "MD-GAN results"): G has 4 hidden
layers of 128 (the reference's 2 leave bridges of samples between the 25
modes within the CPU budget), and the learning rates decay linearly to 0
while samples are drawn from an EMA (0.999) of G. `paper_nets` restores G =
2 x 128, constant lr and no EMA.

  python -m experiments.main --config=configs/mdgan.py           # 1.8 min*
  python -m experiments.main --config=configs/mdgan.py:ring8     # 2.1 min*

Image variants. The slides give no image nets, optimiser or length, and the
reference code (eghbalz/mdgan) is the 2D demo only, so the image runs use
the nets of the protocols the slides' tables compare with (PacGAN's code
has them: nets/plans.py), D's last layer giving the d-dim embedding, and
the 2D SGMM (d = 9, var 0.25: the only published values):
- Stacked MNIST (Table 3; 1000 modes, 28x28x3; modes and KL to uniform of
  25,000 samples, the slides' count (VEEGAN used 26,000, PacGAN's unrolled
  protocol 25,600), reference the train split):
  `stacked_mnist` ("B", the VEEGAN protocol's DCGAN: 5x5 kernels, 2x2x512
  -> 28x28x3, D 64-512 with batch norm; z U(-1, 1)^100; Adam 2e-4 (0.5,
  0.999), batch 64, 100,000 steps; PacGAN's code takes two G steps per D
  step and a fixed set of 128,000 stacked images of train + test: we take
  one, and fresh stacks of train digits),
  `stacked_mnist_s2`, `stacked_mnist_s4` ("S 1/2", "S 1/4", the Unrolled-GAN
  protocol: G 4x4x64 -> 28x28x8 -> conv to 3, D 3x3 convs of 4-8-16 or
  2-4-8 channels with batch norm everywhere; z N(0, I)^256; Adam D 2e-4,
  G 1e-4, (0.5, 0.99), batch 128, 500,000 steps). Sampling as PacGAN's
  samplers: "B" with fixed batch-norm statistics (model.bn_sampling =
  'population', for its moving averages), "S" with the batch's.
- FID table (Table 4): `mnist`, `fashion_mnist` (28 px), `cifar10` (32 px),
  `celeba` (crop 148 -> 64 px) with the "B" DCGAN family sized to each
  set (tfdcgan), z U(-1, 1)^100, Adam 2e-4 (0.5, 0.999), batch 64,
  100,000 steps, FID on 10,000 samples against the test split. No EMA (the
  slides name none).

  python -m experiments.main --config=configs/mdgan.py:stacked_mnist  # GPU

* Training time on the 2-core CPU: steps x the step time measured by
  benchmarks/efficiency.py on 2026-12-07 (benchmarks/results/
  efficiency_cpu.json); compilation and the evaluation come on top.
"""

from configs import args, default, variants

STACKED = variants.STACKED_MNIST
IMAGE_VARIANTS = {  # data, nets, D width
    "mnist": (variants.MNIST, "tfdcgan", 64),
    "fashion_mnist": (variants.FASHION_MNIST, "tfdcgan", 64),
    "cifar10": (variants.CIFAR10, "tfdcgan", 64),
    "celeba": (variants.CELEBA, "tfdcgan", 64),
    "stacked_mnist": (STACKED, "tfdcgan", 64),
    "stacked_mnist_s2": (STACKED, "unrolled", 4),
    "stacked_mnist_s4": (STACKED, "unrolled", 2),
}


def _image_setup(c, preset: dict, nets: str, d_width: int) -> None:
  variants.image_training(c, preset, batch_size=64, z_dim=100, ema_decay=0.0)
  c.model.name = nets
  c.model.g_width, c.model.d_width = 64, d_width
  c.model.z_dist = "uniform"
  c.g_opt.lr = c.d_opt.lr = 2e-4
  c.g_opt.b1 = c.d_opt.b1 = 0.5
  c.g_opt.b2 = c.d_opt.b2 = 0.999
  c.g_opt.schedule = c.d_opt.schedule = "constant"
  # PacGAN's samplers: moving averages for "B", the batch's for "S"
  c.model.bn_sampling = "population" if nets == "tfdcgan" else "batch"
  if nets == "unrolled":  # Metz et al.'s protocol as PacGAN runs it
    c.model.z_dim, c.model.z_dist = 256, "normal"
    c.g_opt.lr = 1e-4
    c.g_opt.b2 = c.d_opt.b2 = 0.99
    c.train.batch_size = 128
    c.train.num_steps = 500_000
  if preset["name"] == "stacked_mnist":
    c.eval.num_samples = c.eval.num_fake = 25_000  # the slides' count
    c.eval.reference_split = "train"


IMAGE_HELP = {
    "mnist": "MNIST, the slides' \"B\" DCGAN (tfdcgan), 100k steps",
    "fashion_mnist": "Fashion-MNIST, the \"B\" DCGAN, 100k steps",
    "cifar10": "CIFAR-10, the \"B\" DCGAN, 100k steps",
    "celeba": "CelebA 64 px (crop 148), the \"B\" DCGAN, 100k steps",
    "stacked_mnist": "Stacked MNIST (1,000 modes), the \"B\" DCGAN",
    "stacked_mnist_s2": "Stacked MNIST, the Unrolled-GAN nets, D 1/2 (Table 3)",
    "stacked_mnist_s4": "Stacked MNIST, the Unrolled-GAN nets, D 1/4 (Table 3)",
}


def _base() -> args.Config:
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
  return c


def _paper_nets(c: args.Config) -> None:
  c.model.g_hidden = (128, 128)
  c.train.ema_decay = 0.0
  c.g_opt.schedule = c.d_opt.schedule = "constant"


ARGS = args.Table(
    method="mdgan", base=_base, default_data="grid25",
    data={"grid25": variants.data_2d("grid25"),
          "ring8": variants.data_2d("ring8"),
          **{t: args.Option(IMAGE_HELP[t],
                            lambda c, t=t: _image_setup(c, *IMAGE_VARIANTS[t]))
             for t in IMAGE_VARIANTS}},
    options={"paper_nets": args.Option(
        "2D: the slides' nets (G 2 x 128), no EMA, constant learning rate",
        _paper_nets)})


def get_config(arg: str | None = None):
  return ARGS.build(arg)
