"""Every config and variant builds and validates; image variants train a few
steps under tfds.testing.mock_data."""

import json

import pytest

from configs import hmegan, ldagan, madgan, mdgan, megan, mgan, thesis, vanilla
from gan_mixtures import train, validation
from tests.helpers import SMALL_IMAGE, shrink, shrink_method

VARIANTS = [
    (vanilla, v) for v in ("grid25", "ring8", "spiral", "grid25,minimax",
                           "ring8,hinge", "spiral,wgan_gp")
] + [(mdgan, v) for v in ("grid25", "ring8", "ring8,paper_nets",
                          *mdgan.IMAGE_VARIANTS)
] + [(ldagan, v) for v in (*ldagan.DATA, *ldagan.IMAGES)
] + [(hmegan, v) for v in ("spiral", "grid25", "spiral,me", "grid25,constant",
                           "spiral,z1", "spiral,z2", "spiral,direct",
                           *hmegan.IMAGE_VARIANTS)
] + [(m, v) for m in (madgan, mgan, megan)
     for v in (*thesis.BASELINES_2D, *thesis.BASELINE_VARIANTS)]


@pytest.mark.parametrize("module,variant", VARIANTS)
def test_config_validates(module, variant):
  c = module.get_config(variant)
  validation.validate_config(c, num_devices=1)
  assert c.name.endswith(variant)


def test_another_methods_setting_is_refused_naming_what_it_reads():
  c = mdgan.get_config("grid25")
  c.method.num_gaussians = 5  # a GM-GAN / PCM setting: mdgan would ignore it
  with pytest.raises(validation.ConfigError) as e:
    validation.validate_config(c, num_devices=1)
  msg = str(e.value)
  assert "\n" not in msg and "gmgan, pcmgan, not mdgan" in msg
  assert "n_gmm" in msg and "num_gaussians" not in msg.split("reads")[1]
  c.method.num_gaussians = 10  # at its default: nothing set, nothing said
  validation.validate_config(c, num_devices=1)


def test_every_method_key_is_read_by_some_method():
  from gan_mixtures import defaults, methods

  keys = set(defaults.get_config().method)
  read = set(methods.COMMON_KEYS).union(
      *(cls.config_keys for cls in methods.METHODS.values()))
  assert keys == read, (keys - read, read - keys)


def test_unknown_variant_is_rejected():
  with pytest.raises(ValueError,
                     match="unknown argument 'moons'; valid: grid25"):
    mdgan.get_config("moons")


def test_mdgan_default_is_grid25_with_paper_sgmm():
  c = mdgan.get_config()
  assert c.data.name == "grid" and c.data.std == 0.05 and c.data.spacing == 2.0
  assert c.method.n_gmm == 10 and c.method.var == 0.25
  assert c.train.batch_size == 500 and c.g_opt.lr == 1e-3 and c.g_opt.b1 == 0.5


def test_ldagan_alpha_lr_is_slow_except_where_alpha_is_the_point():
  assert ldagan.get_config("ring8").method.alpha_lr == 1e-4
  assert ldagan.get_config("lda_mixture").method.alpha_lr == 1e-3


def test_hmegan_2d_uses_the_toy_gradient_penalty_and_images_the_thesis_one():
  spiral = hmegan.get_config("spiral")
  assert spiral.model.z_dim == hmegan.Z_DIM_2D == 4
  assert spiral.method.gp_weight == hmegan.GP_WEIGHT_2D
  assert hmegan.get_config("spiral,z1").model.z_dim == 1
  assert hmegan.get_config("spiral,z2").model.z_dim == 2
  image = hmegan.get_config("mnist_hme_l4")
  assert image.method.gp_weight == 10.0 and image.model.z_dim == 100


# One of every image family in the default run; the rest are marked slow
# (tests/test_all_variants.py runs every variant at its full size).
FAST = [(mdgan, "stacked_mnist_s2"), (hmegan, "mnist_hme_l4"),
        (ldagan, "cifar10"), (ldagan, "cifar10_resnet"), (madgan, "mnist_k4"),
        (megan, "fashion_mnist_k4")]
SLOW = [(mdgan, v) for v in sorted(mdgan.IMAGE_VARIANTS)
        if v != "stacked_mnist_s2"] + [
    (hmegan, "mnist_me_l16"), (hmegan, "celeba_hme_l4"),
    (hmegan, "fashion_mnist_fc"), (hmegan, "celeba_me_32"),
    (ldagan, "imagenet32"), (ldagan, "celeba128"), (ldagan, "cifar100,untie2"),
    (ldagan, "cifar10_resnet,reference_code"), (mgan, "celeba_k4")]
IMAGE_CASES = FAST + [
    pytest.param(*case, marks=pytest.mark.slow) for case in SLOW]


@pytest.mark.parametrize("module,variant", IMAGE_CASES)
def test_image_variant_trains_under_mock_data(module, variant, tmp_path):
  tfds = pytest.importorskip("tensorflow_datasets")
  c = module.get_config(variant)
  # the FID path: tests/test_inception.py; classifier metrics:
  # tests/test_eval_setup.py
  shrink_method(c, fakes_per_generator=2)
  shrink(c, SMALL_IMAGE, {
      "data.source": "tfds", "model.z_dim": 16, "train.batch_size": 8,
      "train.n_disc": min(c.train.n_disc, 2), "train.num_steps": 2,
      "train.log_every": 1, "train.sample_every": 0,
      "checkpoint.every_steps": 2, "eval.num_samples": 16, "eval.num_fake": 0,
      "eval.inception": False, "eval.classifier_metrics": False})
  with tfds.testing.mock_data(num_examples=24):
    results = train.train_and_evaluate(c, str(tmp_path))
  assert results["step"] == 2
  assert 1 <= results["metrics"].get("components_used", 1) <= 32  # fc: none
  assert results["eval_protocol"]["reference_split"] in ("test", "validation",
                                                        "train")
  assert (tmp_path / "samples" / "step_2.png").exists()
  saved = json.loads((tmp_path / "results.json").read_text())
  assert saved["dataset"] == c.data.name
