"""The HME-GAN thesis' experimental pipeline (Ahmetoglu, "Hierarchical
Mixtures of Generators in Generative Adversarial Networks", M.S. thesis,
Bogazici University, 2019), shared by its own models (configs/hmegan.py) and
its baselines (FC there; configs/madgan.py, mgan.py, megan.py).

Nets (Tables 5.1 / 5.2): G's first layer (FC, ME, HME, or one FC per
generator) maps z ~ N(0, I)^100 to 4x4x256 (32 px) or 4x4x512 (64 px), then
transposed convs (4x4, stride 2, padding 1) halve the channels down to the
image (no extra output conv), tanh; D: convs (4x4, stride 2) of 64, 128,
256 (, 512) channels, LeakyReLU(0.2), then one fully-connected output.
MNIST and Fashion-MNIST are resized to 32 x 32 (Sec. 5.1); CelebA centre-cropped
to 148 and resized to 64; Oxford Flowers and UTZap50K resized to 64.

Training (section 5.2.3): Adam 1e-4, betas (0.5, 0.999), AMSGrad, batch
128. ME-GAN, HME-GAN (and the FC baseline, which shares their tables):
WGAN-GP (two-sided, lambda 10), 5 D steps per G step, no normalisation in
G, layer norm in D. MADGAN, MGAN, MEGAN: the non-saturating loss, batch
norm in G and D.

Where the thesis is silent (its section 7 list in docs/hmegan.md), these
choices, from the author's thesis code (alper111/sdt-generative) unless
said otherwise:
- length: 250 epochs for the WGAN-GP models (run.sh; 5 real batches per G
  step: 23,250 G steps on MNIST), 50 for the baselines (mad.sh, mgan.sh,
  megan.sh), counted as the code counts them: train_size // (batch x D
  steps per G step) G steps an epoch (MADGAN, MGAN one batch a step: 23,400
  on MNIST; MEGAN 5: 4,650, train_megan.py's loop_per_epoch);
- D's activation LeakyReLU(0.2) (the code; the text's "ReLU in the hidden
  layers" reads as G's); layer norm over C x H x W after every D conv, the
  first included (the code's LayerNorm([C, H, W])); batch norm after every
  D conv for the baselines; G output tanh (the thesis names none; data lie
  in [-1, 1]); a ReLU after G's first layer (Sec. 5.4 for FC; the same
  for ME / HME);
- normalisation before the activation everywhere (the code puts the
  baselines' batch norms after it);
- initialisation as the code: conv, transposed-conv and dense kernels
  N(0, 0.02); the baselines' K first layers (and MEGAN's projector and
  gate) He normal; HME / ME gates and leaves in configs/hmegan.py. Biases
  start at zero (the code draws its conv and dense biases from N(0, 0.02));
- no EMA of G (never mentioned);
- sampling with fixed batch-norm statistics (model.bn_sampling =
  'population', nets/bn.py), as the code samples in eval mode with running
  averages;
- MADGAN, MGAN one D step per G step (their scripts have none other);
  MEGAN 5 (megan.sh as first committed, with batch norm);
- evaluation: FID and 5-NN on Inception pool3 features against the whole
  held-out set (MNIST, Fashion-MNIST 10,000; CelebA 10,000 random of the
  test split; UTZap50K 5,000; Flowers 1,000) and as many generated images
  (the number is silent; the code uses as many as real); 5-NN as the code
  computes it (utils.nn_accuracy, every version: the neighbours' labels
  averaged, results.json's knn_*_acc_avg; the majority vote is knn_*_acc);
- the gradient penalty: Gulrajani's per-example norm, as the text; the
  code's per-pixel channel norm (`gradients.norm(2, dim=1)` on [B, C, H,
  W]) with --config.method.gp_norm=pixel.
"""

from collections.abc import Callable

from configs import args, default, variants

# data set: (data preset, training steps of 250 / 50 epochs, held-out size)
DATA = {
    "mnist": (variants.at_size(variants.MNIST, 32), 60_000, 10_000),
    "fashion_mnist": (variants.at_size(variants.FASHION_MNIST, 32),
                      60_000, 10_000),
    "celeba": (variants.CELEBA, 162_770, 10_000),
    "flowers": (variants.at_size(variants.FLOWERS, 64,
                                 split="train+validation+test[1000:]"),
                7_189, 1_000),
    "utzap": (dict(name="utzap50k", image_size=64, resize="resize",
                   source="folder"), 45_025, 5_000),
}
# the held-out split where the set's own 'test' is not the thesis' one
REFERENCE = {"flowers": "test[:1000]"}
BATCH = 128


def epochs_to_steps(train_size: int, epochs: int, n_disc: int) -> int:
  """G steps of `epochs` passes when each G step consumes n_disc batches."""
  return epochs * (train_size // (BATCH * n_disc))


def image_setup(c, data: str, family: str, n_disc: int = 1) -> None:
  """The thesis' image pipeline for `family`: 'wgan' (FC, ME-GAN, HME-GAN;
  5 D steps) or 'ns' (MADGAN, MGAN, MEGAN; `n_disc` D steps, each on its own
  batch)."""
  preset, train_size, held_out = DATA[data]
  variants.image_training(c, preset, batch_size=BATCH, z_dim=100, ema_decay=0.0)
  c.model.name = "dcgan"
  c.model.g_width = c.model.d_width = 64  # 4x4x256 (32 px), 4x4x512 (64 px)
  c.model.g_out_conv = False
  c.model.d_activation = "leaky_relu"
  c.model.d_norm_first = True
  c.model.g_init_std = c.model.d_init_std = 0.02  # the code's N(0, 0.02)
  c.g_opt.name = c.d_opt.name = "amsgrad"
  c.g_opt.lr = c.d_opt.lr = 1e-4
  c.g_opt.b1 = c.d_opt.b1 = 0.5
  c.g_opt.b2 = c.d_opt.b2 = 0.999
  if family == "wgan":
    c.method.loss = "wgan_gp"
    c.method.gp_weight = 10.0
    c.method.gp_one_sided = False
    c.train.n_disc = 5
    c.model.g_norm = "none"
    c.model.d_norm = "layer_chw"
    c.train.num_steps = epochs_to_steps(train_size, 250, 5)
  else:
    c.method.loss = "ns"
    c.model.g_norm = "batch"
    c.model.g_first_norm = "unit"  # a BatchNorm1d per generator (the counts)
    c.model.g_first_init = "he"  # the code's K first layers
    c.model.bn_sampling = "population"  # the code samples in eval mode
    c.model.d_norm = "batch"
    c.train.n_disc = n_disc
    c.train.num_steps = epochs_to_steps(train_size, 50, n_disc)
  c.eval.num_real = c.eval.num_fake = c.eval.num_samples = held_out
  c.eval.reference_split = REFERENCE.get(data, "test")
  c.eval.num_samples_large = 0
  c.checkpoint.every_steps = 2500
  c.train.sample_every = 2500


# ---- the mixture-of-generators baselines (MADGAN, MGAN, MEGAN) --------------

KS = (4, 8, 16, 32)
BASELINE_VARIANTS = tuple(f"{d}_k{k}" for d in DATA for k in KS)
# 2D: sized like the other methods' 2D configs (8 generators with a first
# layer of 128 each and a shared hidden layer of 128, D 2 x 128, z 4-D
# Gaussian as HME's 2D G, Adam 1e-3, batch 512, 10,000 steps)
BASELINES_2D = ("grid25", "ring8", "spiral")


def _baseline_base(method: str) -> Callable[[], args.Config]:
  def base() -> args.Config:
    c = default.get_config()
    c.method.name = method
    c.method.loss = "ns"
    c.method.num_generators = 8
    c.model.z_dist = "normal"
    c.model.z_dim = 4
    c.model.g_hidden = (128, 128)
    c.model.d_hidden = (128, 128)
    c.model.g_out_scale = 0.0
    c.g_opt.lr = c.d_opt.lr = 1e-3
    c.train.batch_size = 512
    c.train.num_steps = 10_000
    c.train.log_every = 1000
    c.checkpoint.every_steps = 5000
    return c
  return base


def _baseline_image(method: str, token: str) -> args.Option:
  data, k = token.rsplit("_k", 1)

  def apply(c: args.Config) -> None:
    # MEGAN: 5 D steps (megan.sh as first committed, with batch norm)
    image_setup(c, data, "ns", n_disc=5 if method == "megan" else 1)
    c.method.num_generators = int(k)
  return args.Option("<data>_k<K>: the thesis' pipeline on a data set of"
                     " DATA with K generators (Tables 5.8-5.12)", apply)


def _baseline_finish(method: str) -> Callable[[args.Config], None]:
  def finish(c: args.Config) -> None:
    # fakes of every generator per step, as the thesis' code: MADGAN feeds
    # the whole batch of noise to every generator, MGAN B / K to each
    # (MEGAN's gate picks one generator a sample: no such setting)
    k, b = c.method.num_generators, c.train.batch_size
    if method == "madgan":
      c.method.fakes_per_generator = b
    elif method == "mgan":
      c.method.fakes_per_generator = max(b // k, 1)
  return finish


def baseline_args(method: str) -> args.Table:
  """The arguments of baseline `method` (madgan | mgan | megan): images
  `<data>_k<K>` or a 2D data set (default `spiral`, Fig. 5.5)."""
  return args.Table(
      method=method, base=_baseline_base(method), default_data="spiral",
      data={**{t: variants.data_2d(t) for t in BASELINES_2D},
            **{t: _baseline_image(method, t) for t in BASELINE_VARIANTS}},
      finish=_baseline_finish(method))
