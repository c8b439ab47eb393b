"""Class-split multi-distribution data sets (MMGAN, Table 1).

n data distributions are defined by label sets S_1..S_n. Every example of a
class c goes to exactly one of the sets that contain c (the class's examples
are shuffled with a seed and dealt out in equal shares), so no example is in
two sets.
"""

import numpy as np

# The paper's cases: label sets of the n distributions.
CASES: dict[str, tuple[tuple[int, ...], ...]] = {
    "A": ((0, 1, 2, 3, 4, 5, 6), (3, 4, 5, 6, 7, 8, 9)),
    "B": ((0, 3, 5, 6), (1, 4, 5, 6), (2, 3, 4, 6)),
    "C": (tuple(range(10)), (3, 4, 5, 6, 7, 8, 9), (6, 7, 8, 9)),
}


def disjoint_class_splits(
    labels: np.ndarray, label_sets: tuple[tuple[int, ...], ...], seed: int = 0
) -> list[np.ndarray]:
  """Indices of the n data sets; disjoint, each within its label set.

  Args:
    labels: [N] labels of the pool.
    label_sets: the classes of each of the n distributions.
    seed: seed of the per-class shuffles.

  Returns:
    n sorted index arrays.
  """
  rs = np.random.RandomState(seed)
  parts: list[list[np.ndarray]] = [[] for _ in label_sets]
  for c in sorted(set().union(*label_sets)):
    owners = [i for i, s in enumerate(label_sets) if c in s]
    members = rs.permutation(np.flatnonzero(labels == c))
    for owner, share in zip(owners, np.array_split(members, len(owners))):
      parts[owner].append(share)
  return [np.sort(np.concatenate(p)) if p else np.zeros(0, np.int64)
          for p in parts]


def regions(
    label_sets: tuple[tuple[int, ...], ...]
) -> dict[tuple[int, ...], tuple[int, ...]]:
  """The classes of every non-empty region: membership pattern -> classes.

  A pattern is the tuple of set indices a class belongs to (e.g. (0,) is
  S1 \\ S2 \\ ..., (0, 1) is (S1 & S2) \\ S3 ...); the K = 2^n - 1 components
  of MMGAN correspond to these patterns.
  """
  out: dict[tuple[int, ...], list[int]] = {}
  for c in sorted(set().union(*label_sets)):
    pattern = tuple(i for i, s in enumerate(label_sets) if c in s)
    out.setdefault(pattern, []).append(c)
  return {k: tuple(v) for k, v in out.items()}


def resolve_label_sets(case: str, label_sets) -> tuple[tuple[int, ...], ...]:
  """The label sets of `data.label_sets` (explicit) or `data.split_case`."""
  if len(label_sets):
    return tuple(tuple(int(c) for c in s) for s in label_sets)
  if case not in CASES:
    raise ValueError(
        f"unknown data.split_case {case!r}; choose from {sorted(CASES)}")
  return CASES[case]


def region_order(n: int) -> list[tuple[int, ...]]:
  """Membership patterns of the K = 2^n - 1 regions in the paper's order.

  Table 2: case A r1 = S1\\S2, r2 = S2\\S1, r3 = S1&S2; 3 sets: r1..r3 the
  singletons, r4 = S1&S3, r5 = S2&S3, r6 = S1&S2, r7 = all three. Other n:
  by size, then lexicographic.
  """
  if n == 3:
    return [(0,), (1,), (2,), (0, 2), (1, 2), (0, 1), (0, 1, 2)]
  subsets = [
      tuple(i for i in range(n) if mask >> i & 1) for mask in range(1, 2**n)
  ]
  return sorted(subsets, key=lambda s: (len(s), s))


def true_priors(
    labels: np.ndarray, parts: list[np.ndarray], label_sets
) -> np.ndarray:
  """alpha*[i, r]: the share of data set i's examples in region r; [n, K].

  Regions follow `region_order(n)`; K = 2^n - 1.
  """
  patterns = region_order(len(label_sets))
  classes_of = regions(label_sets)
  out = np.zeros((len(parts), len(patterns)))
  for i, idx in enumerate(parts):
    lab = labels[idx]
    for r, pat in enumerate(patterns):
      out[i, r] = np.isin(lab, classes_of.get(pat, ())).sum() / max(len(idx), 1)
  return out


class MultiSetDataset:
  """n image data sets with disjoint examples (MMGAN's distributions).

  `host_batch(step, shape)` -> [*shape, n, H, W, C]: the n sets' batches of
  a step side by side (the batch axis stays where the trainer shards it).
  Evaluation views (`example_batch`, `real_examples`) are the union, an
  equal share from every set.
  """

  kind = "image"
  on_device = False
  means = None

  def __init__(self, sets: list, label_sets, priors: np.ndarray):
    self.sets = sets
    self.label_sets = label_sets
    self.priors = priors  # [n, K]
    base = sets[0]
    self.name, self.image_size = base.name, base.image_size
    self.num_classes, self.split_name = base.num_classes, base.split_name
    self.example_shape = base.example_shape

  @property
  def num_sets(self) -> int:
    return len(self.sets)

  @property
  def size(self) -> int:
    return sum(s.size for s in self.sets)

  @property
  def batch_tail(self) -> tuple[int, ...]:
    """[n sets, H, W, C]: every set's example of a batch position."""
    return (self.num_sets,) + tuple(self.example_shape)

  def cache_key(self) -> dict:
    return {"sets": [s.cache_key() for s in self.sets],
            "label_sets": [list(map(int, ls)) for ls in self.label_sets]}

  def batch_with_labels(self, step: int, shape: tuple[int, ...],
                        rows: slice | None = None):
    parts = [s.batch_with_labels(step, shape, rows) for s in self.sets]
    axis = len(shape)
    return (np.stack([p[0] for p in parts], axis),
            np.stack([p[1] for p in parts], axis))

  def host_batch(self, step: int, shape: tuple[int, ...],
                 rows: slice | None = None) -> np.ndarray:
    return self.batch_with_labels(step, shape, rows)[0]

  def example_batch(self, n: int) -> np.ndarray:
    return self.sets[0].example_batch(n)

  def real_examples(self, n: int, seed: int = 1):
    """n examples of the union, an equal share from every set."""
    return self._union(n, lambda s, m: s.real_examples(m, seed))

  def reference_examples(self, n: int):
    """As real_examples, from every set's seed-independent reference draw."""
    return self._union(n, lambda s, m: s.reference_examples(m))

  def _union(self, n: int, draw):
    shares = np.array_split(np.arange(n), self.num_sets)
    xs, ys = zip(*(draw(s, len(a)) for s, a in zip(self.sets, shares)))
    return np.concatenate(xs), np.concatenate(ys)
