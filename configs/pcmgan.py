"""GMM-responsibility GAN with a posterior consistency module (PCM).

Variants (K = number of classes Gaussians, DCGAN nets, Adam(2e-4, 0.5)):
`mnist` and `fashion_mnist` (28 px, batch 64, K = 10), `mnist_imbalanced`
(digit 1 kept whole, 1000 of every other digit), `flowers10` (first 10
classes of oxford_flowers102, 64 px; tfds data must be prepared), `digits`
(scikit-learn 8x8, small nets, minutes on a 2-core CPU). Modifiers:
`separate` (C is its own CNN, Table I "not shared"), `kl` / `js` (the
consistency divergence; default mutual information), `no_pcm` (both
consistency weights 0: the ablation floor), `d_per_component` (D outputs
one logit per Gaussian, Table I), `xz_prior_none` / `xz_prior_resp` (L_xz
does not move the prior / moves it through p(k | z) alone).

Clustering of the test split (`cluster_acc`, `nmi`) needs MNIST in
data.mnist_dir / $MNIST_DIR / ../shared/data/mnist.

  python -m experiments.main --config=configs/pcmgan.py:digits   # CPU
  python -m experiments.main --config=configs/pcmgan.py:mnist    # GPU

Expected time on a 2-core CPU: `digits` 5,000 steps in about 5 min; `mnist`
about 4.2 s a step (64 reals x 10 fakes), so its 50,000 steps need a GPU.
"""

from configs import default, variants

MODIFIERS = {
    "separate": dict(shared_encoder=False),
    "kl": dict(consistency="kl"),
    "js": dict(consistency="js"),
    "no_pcm": dict(xx_weight=0.0, xz_weight=0.0),
    "d_per_component": dict(d_per_component=True),
    "xz_prior_none": dict(xz_prior_grad="none"),
    "xz_prior_resp": dict(xz_prior_grad="responsibility"),
}


def build(method: str, arg: str | None, modifiers: dict):
  c = default.get_config()
  c.method.name = method
  tokens = variants.parse(arg, "digits")
  if not any(t in variants.IMAGE_DATA for t in tokens):
    tokens.insert(0, "digits")
  for token in tokens:
    if token in variants.IMAGE_DATA:
      variants.image_data_setup(c, token)
    elif token in modifiers:
      for k, v in modifiers[token].items():
        setattr(c.method, k, v)
    else:
      raise variants.unknown(token, (*variants.IMAGE_DATA, *modifiers))
  c.name = f"{method}:" + ",".join(tokens)
  return c


def get_config(arg: str | None = None):
  return build("pcmgan", arg, MODIFIERS)
