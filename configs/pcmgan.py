"""GMM-responsibility GAN with a posterior consistency module (PCM; Huang
et al., "GAN-based Gaussian Mixture Model Responsibility Learning", ICPR
2020).

The default is Algorithm 1 as published (methods/pcmgan.py and
configs/variants.py image_data_setup give the settings and every choice
where the paper is silent): one D output, Eq. 6's log(1 - D) for G, Table
I's encoder, full covariances, lines 13, 14 and 15 as separate updates,
mutual information for L_{x^,z}, 200 epochs; the batch size (64) is not
given. Eq. 5 (L_{x^,x}) is ill-defined as typeset; the default reads it as
pairs weighted by C(x_i)_k (`weighted`), the reading that clustered best in
the decisive experiment (docs/pcmgan.md), against the distribution-matching
reading `match_xx`, KL of the batch means of C(x^) and C(x), which is our
reading of the paper's stated purpose (Sec. I-A). Mutual information is the
default L_{x^,z}: with the KL form (`kl`) and the weighted L_{x^,x}, C
collapsed to one cluster on MNIST (measured: docs/pcmgan.md).

Variants: `mnist`, `fashion_mnist` (28 px, K = 10), `mnist_imbalanced`
(digit 1 kept whole, 1000 of every other digit), `flowers10` (first 10
classes of oxford_flowers102, 64 px; tfds data must be prepared), `digits`
(scikit-learn 8x8, 5,000 steps train in 14 min*). Modifiers: `separate` (C is
its own CNN, Table I "not shared"), `kl` / `js` (the L_{x^,z} consistency;
default mutual information), `match_xx` (L_{x^,x} by distribution matching;
`weighted_xx` names the default), `no_c_adv` (no gradient of L_adv into C:
line 13 without C), `no_pcm` (both consistency weights 0), `ns` (G's
non-saturating -log D), `diagonal` (diagonal covariances), `small` (widths
32, batch 16: the CPU-sized MNIST experiment). Ours, not the paper's:
`d_per_component` (D outputs one logit per Gaussian), `xz_prior_none` /
`xz_prior_resp` (L_{x^,z} does not move the prior / moves it through
p(k | z) alone), `anchored` (C's outputs re-indexed every 100 steps by the
best matching of M[k, j] = mean C(G(z_k))_j, so that C's output k is
component k: the mutual information leaves them a permutation of the
components, which Eq. 6 cannot use; methods/pcmgan.py), `joint` (lines
13-15 as one update per parameter set on the weighted sum). Loss weights
(method.c_adv_weight, xx_weight, xz_weight): with the default sequential
updates, each line with its own Adam, only on (> 0) or off (0) matters.

Clustering of the test split (`cluster_acc`, `nmi`) needs MNIST in
data.mnist_dir / $MNIST_DIR / ../shared/data/mnist.

The paper as typeset is the default (Algorithm 1, one D output, log(1 - D)
for G, mutual information, sequential updates); we have no code of the
authors to compare with. The tables of docs/pcmgan.md: arms A0-A4 of
benchmarks/pcm_experiment.py (A0 the default) on `digits,small` /
`mnist,small`; PE1 A0 against A0 with `ns`.

  python -m experiments.main --config=configs/pcmgan.py:digits   # 14 min*
  python -m experiments.main --config=configs/pcmgan.py:mnist    # 105 h*

* Training time on the 2-core CPU: steps x the step time measured by
  benchmarks/efficiency.py on 2026-12-07 (benchmarks/results/
  efficiency_cpu.json); compilation and the evaluation come on top.
"""

from configs import args, default, variants

# name: (method keys it sets, help, exclusive group)
MODIFIERS = {
    "separate": (dict(shared_encoder=False),
                 "C a separate CNN (Table I \"not shared\")", ""),
    "kl": (dict(consistency="kl"), "L_{x^,z} by KL per pair (Sec. II-A)",
           "consistency"),
    "js": (dict(consistency="js"), "L_{x^,z} by JS per pair", "consistency"),
    "weighted_xx": (dict(xx_form="weighted"),
                    "L_{x^,x}: pairs weighted by C(x_i)_k (the default)",
                    "xx_form"),
    "match_xx": (dict(xx_form="match"),
                 "L_{x^,x}: KL of the batch means of C", "xx_form"),
    "no_c_adv": (dict(c_adv_weight=0.0), "no L_adv gradient into C", ""),
    "no_pcm": (dict(xx_weight=0.0, xz_weight=0.0),
               "without L_{x^,x} and L_{x^,z}", ""),
    "ns": (dict(loss="ns"), "non-saturating G loss -log D(G(z))", ""),
    "diagonal": (dict(prior_covariance="diagonal"),
                 "diagonal prior covariances", ""),
    "d_per_component": (dict(d_per_component=True),
                        "D outputs K logits, pair (i, k) by output k (ours)",
                        ""),
    "xz_prior_none": (dict(xz_prior_grad="none"),
                      "L_{x^,z} does not move the prior", "xz_prior"),
    "xz_prior_resp": (dict(xz_prior_grad="responsibility"),
                      "L_{x^,z} moves the prior through p(k | z) only",
                      "xz_prior"),
    "anchored": (dict(anchor_every=100),
                 "re-index C by the best matching of M every 100 steps", ""),
    "joint": (dict(pcm_update="joint"),
              "one Adam per parameter set on the weighted sum", ""),
}


def modifier_args(names) -> dict[str, args.Option]:
  """The MODIFIERS `names` as options."""
  return {n: args.Option(MODIFIERS[n][1],
                         args.setter(**{f"method.{k}": v
                                        for k, v in MODIFIERS[n][0].items()}),
                         MODIFIERS[n][2]) for n in names}


def build_args(method: str, modifiers: dict[str, args.Option]) -> args.Table:
  """The arguments of the GMM-prior methods: an image preset (default
  digits), `small`, and the method's modifiers."""

  def base() -> args.Config:
    c = default.get_config()
    c.method.name = method
    if method == "pcmgan":
      c.method.xx_form = "weighted"  # Eq. 5's reading (docstring)
    return c

  def finish(c: args.Config) -> None:
    # the comparator of C (issue PE2): a classifier fitted to G's components
    # for 600 steps after training (metrics/posthoc.py)
    c.eval.posthoc_steps = 600

  return args.Table(method=method, base=base, default_data="digits",
                    data=variants.IMAGE_DATA_ARGS,
                    options={**variants.IMAGE_SIZE_ARGS, **modifiers},
                    finish=finish)


ARGS = build_args("pcmgan", modifier_args(MODIFIERS))


def get_config(arg: str | None = None):
  return ARGS.build(arg)
