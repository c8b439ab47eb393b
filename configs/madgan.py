"""MADGAN (Ghosh et al. 2018): K generators, D with K + 1 outputs, as the HME
thesis ran it (configs/thesis.py has the pipeline and every choice where it
is silent).

Variants: 2D `spiral` (default, the thesis' Fig. 5.5), `grid25`, `ring8`
(8 generators, sized like the other methods' 2D configs; 10,000 steps train
in 2.3 min*);
images `<data>_k<K>`: data mnist | fashion_mnist | celeba | flowers | utzap,
K 4 | 8 | 16 | 32 (Tables 5.8-5.12; mnist_k4: 23,400 steps, 12.4 h*).

  python -m experiments.main --config=configs/madgan.py:spiral
  python -m experiments.main --config=configs/madgan.py:mnist_k4

* Training time on the 2-core CPU: steps x the step time measured by
  benchmarks/efficiency.py on 2026-12-07 (benchmarks/results/
  efficiency_cpu.json); compilation and the evaluation come on top.
"""

from configs import thesis


ARGS = thesis.baseline_args("madgan")


def get_config(arg: str | None = None):
  return ARGS.build(arg)
