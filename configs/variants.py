"""Shared variant parsing and 2D data presets for the method configs."""

import ml_collections

from configs import args

# 2D data presets of the shared 2D evaluation (modes covered, % of samples
# within 3 std of a mode): the 25-Gaussian grid and the 8-Gaussian ring of
# the MD-GAN paper's mode-collapse tables (Tables 1, 2, after VEEGAN) and
# the spiral of the HME-GAN thesis' toy example (Sec. 5.3).
DATA_2D = {
    "grid25": dict(name="grid", grid_size=5, spacing=2.0, std=0.05),
    "ring8": dict(name="ring", num_modes=8, radius=2.0, std=0.02),
    "spiral": dict(name="spiral", spiral_turns=1.5, radius=2.0, std=0.05),
}


# One definition per image set (the `data` group's keys at the set's own
# size); a paper's preset derives from it (`at_size`: the HME thesis' 32 px
# MNIST, LDAGAN's 128 px CelebA).
MNIST = dict(name="mnist", image_size=28, resize="none")
FASHION_MNIST = dict(name="fashion_mnist", image_size=28, resize="none")
STACKED_MNIST = dict(name="stacked_mnist", image_size=28, resize="none")
DIGITS = dict(name="digits", image_size=8, resize="none")
CIFAR10 = dict(name="cifar10", image_size=32, resize="none")
CIFAR100 = dict(name="cifar100", image_size=32, resize="none")
CELEBA = dict(name="celeb_a", image_size=64, resize="resize", crop=148)
FLOWERS = dict(name="oxford_flowers102", image_size=64, resize="resize")


def at_size(preset: dict, size: int, **more) -> dict:
  """`preset` resized to `size` px (and `more` keys)."""
  return {**preset, "image_size": size, "resize": "resize", **more}


# Image presets of the GMM-prior methods (PCM GAN, GM-GAN) and their vanilla
# baseline: data, and the training epochs of the PCM paper's Table II.
IMAGE_DATA = {
    "mnist": MNIST,
    "fashion_mnist": FASHION_MNIST,
    "mnist_imbalanced": {**MNIST, "major_class": 1, "minor_count": 1000},
    "flowers10": {**FLOWERS, "classes": tuple(range(10))},
    "digits": DIGITS,
}
# training examples of each preset (steps = epochs * examples // batch)
IMAGE_EXAMPLES = {"mnist": 60_000, "fashion_mnist": 60_000,
                  "mnist_imbalanced": 6_742 + 9 * 1_000, "flowers10": 100}
PCM_EPOCHS = {"flowers10": 10_000}  # Table II; 200 for the others


# Size modifiers of the image presets: (group, key, value). `small` is the
# CPU-sized PCM experiment (widths 32, batch 16) for the PCM GAN and its
# GM-GAN / vanilla baselines alike.
IMAGE_SIZES = {
    "small": (("model", "g_width", 32), ("model", "d_width", 32),
              ("train", "batch_size", 16)),
}


def apply_sizes(c, tokens: list[str]) -> None:
  """Applies the IMAGE_SIZES modifiers among `tokens` to config `c` (call
  it after the data preset, which sets the batch size)."""
  for token in tokens:
    for group, key, value in IMAGE_SIZES.get(token, ()):
      setattr(c[group], key, value)


def image_data_setup(c, token: str) -> None:
  """The PCM paper's image setup (Tables I, II), for the GMM-prior methods
  and its vanilla baseline: D is Table I's encoder (a 5x5 stride-2 conv to
  64 channels, LeakyReLU; a 4x4 stride-2 conv to 128 with batch norm,
  LeakyReLU; flatten) and one linear output; Eq. 2 / 6's minimax loss; K =
  the number of classes; Adam lr 2e-4 (Table II); 200 epochs (Flowers
  10,000). Not given, our choices: G (Table I's G rows are missing from the
  text) the project's DCGAN G with batch norm; Adam betas (0.5, 0.999);
  batch 64 (Flowers 32); z ~ N(0, I)^100. `digits` (scikit-learn 8x8) is the
  CPU proxy: z 32, batch 32, 5,000 steps, the earlier small-image G."""
  apply_data(c, IMAGE_DATA[token])
  m = c.model
  m.name = "dcgan"
  m.z_dist = "normal"
  m.d_width = 64
  m.d_kernels, m.d_layers, m.d_norm, m.d_norm_first = (5, 4), 2, "batch", False
  m.d_activation = "leaky_relu"
  c.method.num_gaussians = 10
  c.method.loss = "minimax"
  c.g_opt.lr = c.d_opt.lr = 2e-4
  c.eval.num_samples_large = 0
  if token == "digits":
    m.z_dim = 32
    m.g_width = 64
    m.g_out_conv = True
    c.train.batch_size = 32
    c.train.num_steps = 5000
    c.train.log_every = 250
    c.checkpoint.every_steps = 2500
    c.eval.num_samples = 2000
    c.eval.inception = False
    return
  m.z_dim = 100
  c.train.batch_size = 32 if token == "flowers10" else 64
  epochs = PCM_EPOCHS.get(token, 200)
  c.train.num_steps = epochs * IMAGE_EXAMPLES[token] // c.train.batch_size
  c.train.log_every = 500
  c.train.sample_every = 5000
  c.checkpoint.every_steps = 5000
  c.eval.num_samples = 10_000
  c.eval.inception = token == "flowers10"  # digits: the classifier's features
  if token == "mnist_imbalanced":  # the test split is not imbalanced alike
    c.eval.reference_split = "train"
  if token == "flowers10":
    c.eval.num_samples = 5000  # the paper's IS / FID sample count
    c.eval.kmeans_floor = False


def apply_data(config: ml_collections.ConfigDict, preset: dict) -> None:
  """Overrides config.data with a preset's values."""
  for key, value in preset.items():
    setattr(config.data, key, value)


def image_training(
    config: ml_collections.ConfigDict,
    preset: dict,
    *,
    batch_size: int,
    z_dim: int,
    ema_decay: float,
) -> None:
  """The settings every GPU-scale image variant shares (DCGAN nets, 100k
  steps, pictures and checkpoints every 5k steps, 10k evaluation samples)."""
  apply_data(config, preset)
  config.model.name = "dcgan"
  config.model.z_dim = z_dim
  config.model.z_dist = "normal"
  config.train.batch_size = batch_size
  config.train.num_steps = 100_000
  config.train.ema_decay = ema_decay
  config.train.log_every = 500
  config.train.sample_every = 5000
  config.checkpoint.every_steps = 5000
  config.eval.num_samples = 10_000
  config.eval.num_samples_large = 0


# ---- the same presets as config arguments (configs/args.py) ---------------
DATA_2D_HELP = {"grid25": "5 x 5 grid of Gaussians (std 0.05)",
                "ring8": "8 Gaussians on a circle of radius 2 (std 0.02)",
                "spiral": "a noisy spiral (1.5 turns)"}
IMAGE_DATA_HELP = {
    "mnist": "MNIST 28 x 28, the PCM paper's setup (Tables I, II)",
    "fashion_mnist": "Fashion-MNIST 28 x 28, the PCM paper's setup",
    "mnist_imbalanced": "MNIST with 1s major, 1,000 of each other digit (PCM"
                        " Fig. 7)",
    "flowers10": "Oxford Flowers, 10 classes, 64 px (PCM Table III)",
    "digits": "scikit-learn's 8 x 8 digits, the CPU proxy (5,000 steps)",
}


def data_2d(token: str) -> args.Option:
  """The 2D preset `token` as a data argument."""
  return args.Option(DATA_2D_HELP[token],
                     lambda c: apply_data(c, DATA_2D[token]))


DATA_2D_ARGS = {t: data_2d(t) for t in DATA_2D}
IMAGE_DATA_ARGS = {t: args.Option(IMAGE_DATA_HELP[t],
                                  lambda c, t=t: image_data_setup(c, t))
                   for t in IMAGE_DATA}
IMAGE_SIZE_ARGS = {"small": args.Option(
    "widths 32, batch 16 (after an image preset: the PCM GAN's CPU size)",
    lambda c: apply_sizes(c, ["small"]))}
