"""The project's digit classifier: training, saving (orbax), loading, use.

A classifier folder holds `params/` (orbax) and `meta.json` (data set, image
size, channels, classes, test accuracy). The metrics find it through
`config.eval.classifier_dir`.
"""

import json
import logging
import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp

from gan_mixtures import progress
from gan_mixtures.checkpoint import quiet_orbax
from gan_mixtures.nets.classifier import DigitClassifier


def _loss(params, model, x, y):
  logits = model.apply(params, x)
  return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def train_classifier(
    train_x: np.ndarray,
    train_y: np.ndarray,
    *,
    num_classes: int,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    log=print,
) -> tuple[DigitClassifier, Any]:
  """Adam with cosine decay on (train_x [N, H, W, C] in [-1, 1], train_y
  [N])."""
  model = DigitClassifier(num_classes=num_classes)
  rng = jax.random.PRNGKey(seed)
  params = model.init(rng, train_x[:1])
  steps_per_epoch = len(train_x) // batch_size
  tx = optax.adam(optax.cosine_decay_schedule(lr, epochs * steps_per_epoch))
  opt_state = tx.init(params)

  @jax.jit
  def step(params, opt_state, x, y):
    loss, grads = jax.value_and_grad(_loss)(params, model, x, y)
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss

  rs = np.random.RandomState(seed)
  report = progress.Progress(f"classifier ({epochs} epochs)",
                             epochs * steps_per_epoch, log=log)
  for epoch in range(epochs):
    perm = rs.permutation(len(train_x))
    losses = []
    for i in range(steps_per_epoch):
      idx = perm[i * batch_size : (i + 1) * batch_size]
      params, opt_state, loss = step(params, opt_state, train_x[idx],
                                     train_y[idx])
      losses.append(loss)
      done = epoch * steps_per_epoch + i + 1
      if done == 1:
        jax.block_until_ready(loss)
        report.start(done)  # the rate from after the compile
      elif report(done):
        jax.block_until_ready(loss)
    log(f"epoch {epoch + 1}/{epochs} loss"
        f" {float(np.mean(jax.device_get(losses))):.4f}")
  return model, params


def batched_apply(fn, x: np.ndarray, batch: int = 1000) -> np.ndarray:
  outs = [np.asarray(fn(jnp.asarray(x[i : i + batch])))
          for i in range(0, len(x), batch)]
  return np.concatenate(outs)


class Classifier:
  """A loaded classifier: labels, probabilities and features of images."""

  def __init__(self, model: DigitClassifier, params: Any, meta: dict):
    self.model, self.params, self.meta = model, params, meta
    self._logits_feats = jax.jit(
        lambda x: model.apply(params, self._fit(x), return_features=True)
    )

  def _fit(self, x: jax.Array) -> jax.Array:
    """Brings images to the classifier's size and channels."""
    size, ch = self.meta["image_size"], self.meta["channels"]
    if x.shape[-1] != ch:
      x = jnp.mean(x, axis=-1, keepdims=True) if ch == 1 else x
    if x.shape[1] != size:
      pad = (x.shape[1] - size) // 2
      if pad > 0 and x.shape[1] - 2 * pad == size:  # padded images: crop back
        x = x[:, pad : pad + size, pad : pad + size]
      else:
        x = jax.image.resize(x, (x.shape[0], size, size, x.shape[-1]),
                             "bilinear")
    return x

  def logits(self, x: np.ndarray) -> np.ndarray:
    return batched_apply(lambda b: self._logits_feats(b)[0], x)

  def predict(self, x: np.ndarray) -> np.ndarray:
    return np.argmax(self.logits(x), axis=-1)

  def probabilities(self, x: np.ndarray) -> np.ndarray:
    logits = self.logits(x)
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)

  def features(self, x: np.ndarray) -> np.ndarray:
    return batched_apply(lambda b: self._logits_feats(b)[1], x)

  def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(self.predict(x) == y))


def save_classifier(
    directory: str, model: DigitClassifier, params: Any, meta: dict
) -> None:
  directory = os.path.abspath(directory)
  os.makedirs(directory, exist_ok=True)
  with quiet_orbax():
    ckptr = ocp.StandardCheckpointer()
    ckptr.save(os.path.join(directory, "params"), params, force=True)
    ckptr.wait_until_finished()
  meta = {**meta, "num_classes": model.num_classes}
  with open(os.path.join(directory, "meta.json"), "w") as f:
    json.dump(meta, f, indent=2)


def read_meta(directory: str) -> dict | None:
  """meta.json of a classifier folder, or None when there is none."""
  path = os.path.join(directory, "meta.json")
  if not os.path.exists(path):
    return None
  with open(path) as f:
    return json.load(f)


def train_and_save(dataset: str, directory: str, *, epochs: int,
                   mnist_dir: str = "", seed: int = 0, log=None) -> float:
  """Trains the classifier of `dataset` (mnist | fashion_mnist | digits) on
  its train split, saves it to `directory`, returns its test accuracy."""
  import time

  from gan_mixtures import data as data_lib
  from gan_mixtures import defaults

  t0 = time.time()
  dc = defaults.get_config().data
  dc.name, dc.mnist_dir = dataset, mnist_dir
  dc.image_size = 8 if dataset == "digits" else 28
  dc.resize = "none"
  train_x, train_y = data_lib.make_dataset(dc, split="train").all_examples()
  test_x, test_y = data_lib.make_dataset(dc, split="test").all_examples()
  model, params = train_classifier(train_x, train_y, num_classes=10,
                                   epochs=epochs, seed=seed,
                                   log=log or logging.info)
  meta = {"dataset": dataset, "image_size": dc.image_size, "channels": 1}
  test_acc = Classifier(model, params, {**meta, "num_classes": 10}).accuracy(
      test_x, test_y)
  save_classifier(directory, model, params,
                  {**meta, "test_acc": test_acc, "epochs": epochs,
                   "train_s": time.time() - t0})
  return test_acc


def load_classifier(directory: str) -> Classifier:
  """Loads a classifier folder written by save_classifier.

  Raises:
    FileNotFoundError: with the command that makes one, when it is absent.
  """
  meta = read_meta(directory)
  if meta is None:
    raise FileNotFoundError(
        f"no classifier in {directory!r}; train one with `python -m"
        " experiments.train_classifier --dataset=<its data set>"
        f" --workdir={directory}` (eval.classifier_dir)"
    )
  model = DigitClassifier(num_classes=meta["num_classes"])
  template = model.init(
      jax.random.PRNGKey(0),
      jnp.zeros((1, meta["image_size"], meta["image_size"], meta["channels"])),
  )
  with quiet_orbax():
    params = ocp.StandardCheckpointer().restore(
        os.path.join(os.path.abspath(directory), "params"), template
    )
  return Classifier(model, params, meta)
