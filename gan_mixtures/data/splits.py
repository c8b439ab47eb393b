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
  return [np.sort(np.concatenate(p)) if p else np.zeros(0, np.int64) for p in parts]


def regions(label_sets: tuple[tuple[int, ...], ...]) -> dict[tuple[int, ...], tuple[int, ...]]:
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
