"""MMGAN class splits: disjoint, right labels, sizes; regions."""

import numpy as np
import pytest

from gan_mixtures.data import splits


@pytest.mark.parametrize("case", sorted(splits.CASES))
def test_splits_disjoint_and_within_label_sets(case):
  labels = np.random.RandomState(0).randint(0, 10, 5000)
  sets = splits.CASES[case]
  parts = splits.disjoint_class_splits(labels, sets, seed=1)
  assert len(parts) == len(sets)
  all_idx = np.concatenate(parts)
  assert len(all_idx) == len(set(all_idx.tolist()))  # no example in two sets
  for part, s in zip(parts, sets):
    assert set(labels[part]) == set(s)
  # every example of a used class is placed, shares differ by at most one
  used = np.isin(labels, sorted(set().union(*sets)))
  assert len(all_idx) == used.sum()
  for c in range(10):
    owners = [i for i, s in enumerate(sets) if c in s]
    if not owners:
      continue
    sizes = [np.sum(labels[parts[i]] == c) for i in owners]
    assert max(sizes) - min(sizes) <= 1


def test_regions_case_a():
  r = splits.regions(splits.CASES["A"])
  assert r == {(0,): (0, 1, 2), (0, 1): (3, 4, 5, 6), (1,): (7, 8, 9)}


def test_split_is_seeded():
  labels = np.repeat(np.arange(10), 20)
  a = splits.disjoint_class_splits(labels, splits.CASES["B"], seed=3)
  b = splits.disjoint_class_splits(labels, splits.CASES["B"], seed=3)
  c = splits.disjoint_class_splits(labels, splits.CASES["B"], seed=4)
  assert all(np.array_equal(x, y) for x, y in zip(a, b))
  assert not all(np.array_equal(x, y) for x, y in zip(a, c))
