"""Every image variant of every config builds, initialises and runs one
train step on CPU at its full size (random images of its data set's shape,
the smallest batch), and draws samples. Slow (minutes per large variant):
marked, run by `python -m pytest -m slow`."""

import chex
import jax
import numpy as np
import pytest

from configs import (hmegan, ldagan, madgan, mdgan, megan, mgan, mmgan, pcmgan,
                     thesis)
from gan_mixtures import train
from tests.helpers import shrink_method

ALL_IMAGE_VARIANTS = (
    [(hmegan, v) for v in hmegan.IMAGE_VARIANTS]
    + [(ldagan, v) for v in ldagan.IMAGES]
    + [(ldagan, v) for v in ("cifar10,untie2", "cifar100,k30", "imagenet32,k27",
                             "cifar10_resnet,reference_code")]
    + [(mdgan, v) for v in mdgan.IMAGE_VARIANTS]
    + [(m, v) for m in (madgan, mgan, megan) for v in thesis.BASELINE_VARIANTS]
    + [(mmgan, v) for v in mmgan.VARIANTS]
    + [(pcmgan, v) for v in ("mnist", "fashion_mnist", "flowers10", "digits")]
)


def one_step_config(module, variant):
  c = module.get_config(variant)
  c.data.source = "random"
  n_dev = jax.device_count()
  if c.method.name != "mmgan":  # mmgan: batch per set
    c.train.batch_size = 2 * n_dev
  shrink_method(c, fakes_per_generator=min(c.method.fakes_per_generator, 2),
                d_fakes_per_generator=min(c.method.d_fakes_per_generator, 2),
                per_component_batch=2)
  c.train.num_steps = 1
  c.train.tensorboard = False
  return c


@pytest.mark.slow
@pytest.mark.parametrize("module,variant", ALL_IMAGE_VARIANTS)
def test_every_image_variant_runs_one_step(module, variant):
  c = one_step_config(module, variant)
  exp = train.build_experiment(c)
  state = exp.init_state()
  batch = next(exp.batches(0))
  new, metrics = exp.make_train_step()(state, batch, exp.base_rng)
  chex.assert_tree_all_finite(metrics)
  assert int(new.step) == 1
  x, _ = exp.method.jitted_sample(new, jax.random.PRNGKey(0), n=4, use_ema=True)
  assert x.shape == (4,) + tuple(exp.data.example_shape)
  assert np.all(np.abs(np.asarray(x)) <= 1.0)
