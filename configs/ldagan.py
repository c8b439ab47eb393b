"""LDAGAN (Pan, Cheng, Liu, Ren and Xu, "Latent Dirichlet Allocation in
Generative Adversarial Networks", arXiv:1812.06571, 2018).

2D variants (Sec. 6.1): `ring8` (default: 8 Gaussians on a circle of
radius 2, cov 0.08 I), `lda_mixture` (data from the LDA process, alpha =
[8, 4, 8, 4, 8, 4, 8, 4]), `small_ring` (LDA-weighted like the second,
radius 0.5, cov 0.02 I). 8 generators, alpha init 2 (Sec. 6.1). G: "an
input layer with 256 units" and "one fully connected hidden layer with 128
ReLU units" (Sec. 6.1), read as a per-generator 256-unit layer, a shared
128-unit layer, the 2D output. The noise is not given: 10-D
Gaussian (with 2-D noise the generators do not specialise: docs/ldagan.md).
D, optimiser and steps are not given: D 2 x 128, Adam 1e-3, batch 512,
10,000 steps.

Image variants (K generators sharing all but the first layer):
- DCGAN, Tables 2 / 3: `cifar10`, `cifar100` (K = 10, 4x4 kernels),
  `imagenet32` (K = 20, 5x5 transposed convs in G's layers 2-4). z
  U[-1, 1]^100; G: the unshared first layer (a 4x4 transposed conv on the
  1x1 noise, i.e. a Dense) to 4x4x512 with its own batch norm per generator,
  then 256, 128, 3 (tanh), batch norm without centre in every G layer
  (Sec. 6.2.2), weights N(0, 0.08); D: 5x5 stride-2 convs 128, 256, 512,
  batch norm on layers 2-3, LeakyReLU 0.2, a 4x4 conv (a Dense) to 1,
  weights N(0, 0.02); Adam(1e-4, 0.5, 0.999); 64 real images.
- SN-ResNet, Tables 4 / 5 / 8: `cifar10_resnet`, `cifar100_resnet`,
  `imagenet32_resnet` (K = 10 on all three, Sec. 6.2.3), `celeba128` (K =
  5, 32 real, 6 per generator). z N(0, I)^128, Xavier uniform (gain sqrt 2)
  everywhere, the unshared Linear included; Adam(2e-4, 0, 0.9); 64 real.
- alpha initialised to 8 for every image variant (section 6.2: the
  sentence follows the ResNet ones; we read it as every real-data model).
- alpha's optimiser is not stated: Adam with G's learning rate and betas
  (0, 0.9), the reference code's (solver.py: its alpha_Adam steps with the
  GAN's lr). `ring8` keeps 1e-4, measured there (docs/ldagan.md).
Where the paper is silent or contradicts itself, the choices:
- samples per generator: the tables' 12 (CIFAR) and 24 (ImageNet, Table 3)
  where the text (Sec. 6.2.3) has them swapped; D sees the same number of
  every generator (Appendix F's "fixed number of real and fake samples"),
  so K x 12 fakes against 64 reals, as MGAN's code which the tables follow;
- the SN-ResNet loss and D steps are not stated: Algorithm 1's log D and one
  D step per G step (`ns`), so the E-step's D(G_k(z')) is the probability
  the paper defines. The published SN numbers (Tables 4, 5, 8) came from
  the reference code (Sumching/LDAGAN, cifar10.yml / solver.py), whose
  settings `reference_code` carries: hinge loss, 4 D steps per G step, 6
  fakes per generator for D and 12 for G, alpha initialised to 1, Adam(2e-4,
  0.5, 0.999) for G and D (the paper's tables say (0, 0.9)), sigmoid(critic)
  as the E-step's likelihood (method.estep_likelihood='sigmoid_critic': not
  the paper's), G's loss with omega renormalised per generator
  (method.g_weighting='per_generator'), the E-step warm-started from the
  previous step (method.estep_warm_start), and 500,000 D steps = 125,000 G
  steps. Not carried: its 10 % linear lr decay and its G-step-first order;
- E-step delay (Appendix E): CIFAR-10 100 epochs, the run behind the
  reported FID 24.3 (App. E); ImageNet 4 epochs (the FID 28.9 of Table 1);
  CIFAR-100 and the SN models are not stated: 100 and 0. `delay<N>` sets N
  epochs;
- length: not stated; the figures reach epoch 250 on CIFAR (App. G, Fig.
  6: 195,250 steps of 64 reals) and 8 on ImageNet (Fig. 8: 160,144 steps);
  the SN models the same;
- evaluation: IS and FID on 50,000 samples (Table 1's first FID column; its
  second is 5,000: `--config.eval.num_fake=5000`) against the 50,000
  training images (the reference set is not stated; the usual CIFAR one).
Options: `untie2` (Table 6: generators unshared in layers 1-2), `k<N>` (Table
7: N generators), `delay<N>`, `reference_code`.

  python -m experiments.main --config=configs/ldagan.py:ring8   # 0.5 min*
  python -m experiments.main --config=configs/ldagan.py:cifar10  # GPU

* Training time on the 2-core CPU: steps x the step time measured by
  benchmarks/efficiency.py on 2026-12-07 (benchmarks/results/
  efficiency_cpu.json); compilation and the evaluation come on top.
"""

import math

from configs import args, default, variants

DATA = {
    "ring8": dict(name="ring", num_modes=8, radius=2.0, std=math.sqrt(0.08)),
    "small_ring": dict(name="lda_mixture", num_modes=8, radius=0.5,
                       std=math.sqrt(0.02), lda_alpha=(8, 4, 8, 4, 8, 4, 8, 4)),
    "lda_mixture": dict(name="lda_mixture", num_modes=8, radius=2.0,
                        std=math.sqrt(0.08),
                        lda_alpha=(8, 4, 8, 4, 8, 4, 8, 4)),
}

CIFAR10 = variants.CIFAR10
CIFAR100 = variants.CIFAR100
IMAGENET32 = dict(name="imagenet32", image_size=32, resize="resize")
CELEBA128 = variants.at_size(variants.CELEBA, 128)
EPOCH_STEPS = {"cifar10": 50_000 // 64, "cifar100": 50_000 // 64,
               "imagenet32": 1_281_167 // 64, "celeb_a": 162_770 // 32}
# variant: (data, nets, K, real batch, per generator, E-step delay epochs,
# epochs)
IMAGES = {
    "cifar10": (CIFAR10, "dcgan", 10, 64, 12, 100, 250),
    "cifar100": (CIFAR100, "dcgan", 10, 64, 12, 100, 250),
    "imagenet32": (IMAGENET32, "dcgan", 20, 64, 24, 4, 8),
    "cifar10_resnet": (CIFAR10, "resnet", 10, 64, 12, 0, 250),
    "cifar100_resnet": (CIFAR100, "resnet", 10, 64, 12, 0, 250),
    "imagenet32_resnet": (IMAGENET32, "resnet", 10, 64, 12, 0, 8),
    "celeba128": (CELEBA128, "resnet", 5, 32, 6, 0, 50),
}


def _dcgan_nets(c, kernel: int) -> None:
  """Tables 2 / 3."""
  m = c.model
  m.name = "dcgan"
  m.z_dim, m.z_dist = 100, "uniform"
  m.g_width = 128  # 4x4x512 -> 256 -> 128 -> 3
  m.g_norm = m.g_first_norm = "batch_scale"  # "center fixed to zero"
  m.g_kernel = kernel
  m.g_init_std = 0.08
  m.d_width = 128  # 128, 256, 512
  m.d_kernels = (5, 5, 5)
  m.d_norm, m.d_norm_first = "batch", False
  m.d_activation = "leaky_relu"
  m.d_init_std = 0.02
  c.g_opt.lr = c.d_opt.lr = 1e-4
  c.g_opt.b1 = c.d_opt.b1 = 0.5
  c.g_opt.b2 = c.d_opt.b2 = 0.999


def _image_setup(c, data: dict, nets: str, k: int, batch: int, per_gen: int,
                 delay: int, epochs: int) -> None:
  """The paper's image settings (module docstring)."""
  variants.image_training(c, data, batch_size=batch, z_dim=128, ema_decay=0.0)
  c.method.num_generators = k
  c.method.fakes_per_generator = per_gen
  c.method.d_fakes_per_generator = 0  # the same number for D
  c.method.alpha_init = 8.0
  c.method.estep_delay_epochs = float(delay)
  c.method.loss = "ns"
  c.train.n_disc = 1
  c.train.num_steps = epochs * EPOCH_STEPS[data["name"]]
  if nets == "dcgan":
    _dcgan_nets(c, 5 if data["name"] == "imagenet32" else 4)
  else:  # Tables 4 / 8
    c.model.name = "resnet"
    c.model.z_dist = "normal"
    c.g_opt.lr = c.d_opt.lr = 2e-4
    c.g_opt.b1 = c.d_opt.b1 = 0.0
    c.g_opt.b2 = c.d_opt.b2 = 0.9
  c.method.alpha_lr = c.g_opt.lr  # tied to G's, as the reference code
  c.eval.num_fake = c.eval.num_samples = c.eval.num_real = 50_000
  c.eval.reference_split = "train"
  c.method.sample_mode = "ancestral"
  c.checkpoint.every_steps = c.train.sample_every = 5000


def _reference_code(c) -> None:
  """Sumching/LDAGAN's SN-ResNet settings (cifar10.yml, solver.py; not the
  paper's where they differ: module docstring)."""
  c.method.loss = "hinge"
  c.method.estep_likelihood = "sigmoid_critic"
  c.train.n_disc = 4
  c.train.num_steps = 500_000 // 4  # max_step counts D steps
  c.method.d_fakes_per_generator = 6
  c.method.alpha_init = 1.0
  c.method.g_weighting = "per_generator"
  c.method.estep_warm_start = True
  c.g_opt.lr = c.d_opt.lr = c.method.alpha_lr = 2e-4
  c.g_opt.b1 = c.d_opt.b1 = 0.5
  c.g_opt.b2 = c.d_opt.b2 = 0.999


DATA_HELP = {
    "ring8": "8 Gaussians on a circle of radius 2 (variance 0.08; Sec. 6.1)",
    "small_ring": "8 LDA-mixed Gaussians on a circle of radius 0.5",
    "lda_mixture": "8 LDA-mixed Gaussians (alpha 8, 4, ...) on a circle of"
                   " radius 2",
}
IMAGE_HELP = {
    "cifar10": "CIFAR-10, DCGAN, K 10 (Table 2)",
    "cifar100": "CIFAR-100, DCGAN, K 10 (Table 2)",
    "imagenet32": "ImageNet 32 px, DCGAN, K 20 (Table 2)",
    "cifar10_resnet": "CIFAR-10, ResNet, K 10 (Table 3)",
    "cifar100_resnet": "CIFAR-100, ResNet, K 10 (Table 3)",
    "imagenet32_resnet": "ImageNet 32 px, ResNet, K 10 (Table 3)",
    "celeba128": "CelebA 128 px, ResNet, K 5",
}


def _base() -> args.Config:
  c = default.get_config()
  c.method.name = "ldagan"
  c.method.num_generators = 8
  c.method.alpha_init = 2.0
  # A slow alpha keeps every generator alive on ring8 (measured:
  # docs/ldagan.md). `lda_mixture`, where learning alpha is the point, keeps
  # 1e-3.
  c.method.alpha_lr = 1e-4
  c.model.z_dim = 10
  c.model.z_dist = "normal"
  c.model.g_hidden = (256, 128)  # per generator 256, shared 128
  c.model.d_hidden = (128, 128)
  c.model.g_out_scale = 0.0
  c.g_opt.lr = c.d_opt.lr = 1e-3
  c.train.batch_size = 512
  c.method.fakes_per_generator = 64
  c.train.num_steps = 10_000
  c.train.log_every = 1000
  c.checkpoint.every_steps = 5000
  return c


def _data(token: str) -> args.Option:
  def apply(c: args.Config) -> None:
    variants.apply_data(c, DATA[token])
    if token != "ring8":
      c.method.alpha_lr = 1e-3
  return args.Option(DATA_HELP[token], apply)


ARGS = args.Table(
    method="ldagan", base=_base, default_data="ring8",
    data={**{t: _data(t) for t in DATA},
          **{t: args.Option(IMAGE_HELP[t],
                            lambda c, t=t: _image_setup(c, *IMAGES[t]))
             for t in IMAGES}},
    options={
        "untie2": args.Option("the first 2 layers per generator, shared"
                              " after (Table 6)",
                              args.setter(**{"model.g_unshared": 2})),
        "reference_code": args.Option(
            "the authors' code's settings (hinge, 4 D steps, ...)",
            _reference_code)},
    params={
        "k": args.key_param("generators (Table 7)", int,
                            "method.num_generators", "k"),
        "delay": args.key_param("epochs before the first E-step (App. E)",
                                float, "method.estep_delay_epochs", "delay")})


def get_config(arg: str | None = None):
  return ARGS.build(arg)
