"""The evaluators' contract: methods name registered evaluators and read no
data sets, classifiers or files themselves; the post-hoc comparator and the
component pictures work through the methods' pure functions."""

import inspect
import re

import numpy as np
import pytest

from gan_mixtures import evaluators, methods
from gan_mixtures.evaluators import components

# What reading a data set, a classifier or a file looks like in source.
READS = re.compile(r"make_dataset|load_classifier|classifier_dir|eval_setup"
                   r"|metrics\.jsonl|\bopen\(|real_examples|reference_examples")


@pytest.mark.parametrize("name", sorted(methods.METHODS))
def test_methods_name_registered_evaluators_and_read_nothing(name):
  cls = methods.METHODS[name]
  assert set(cls.evaluators) <= set(evaluators.EVALUATORS), name
  source = inspect.getsource(inspect.getmodule(cls))
  assert not READS.findall(source), (name, READS.findall(source))


def test_the_source_check_would_see_a_read():
  assert READS.findall("x, y = test.real_examples(10)\nopen(path)")


def test_flat_components_keeps_the_component_of_every_image():
  x = np.arange(3 * 2 * 4).reshape(3, 2, 4)  # [K=3, m=2, 4]
  flat, labels = components.flat_components(x)
  assert flat.shape == (6, 4)
  for i in range(6):  # brute force: image i is x[labels[i]][i % 2]
    np.testing.assert_array_equal(flat[i], x[labels[i], i % 2])


def test_triangle_weights_are_barycentric_on_components_0_to_2():
  w = np.asarray(components.triangle_weights(5, 4))
  assert w.shape == (16, 5)
  np.testing.assert_allclose(w.sum(1), 1.0, rtol=1e-6)
  assert (w >= -1e-7).all() and not w[:, 3:].any()
  np.testing.assert_allclose(w[0], [1, 0, 0, 0, 0])  # the first corner


def test_from_config_keeps_the_methods_order_and_what_applies():
  class Data:
    kind = "image"

  class Method:
    evaluators = ("posthoc", "component_rows", "clustering")

  from configs import default

  c = default.get_config()
  c.eval.posthoc_steps = 0  # posthoc does not apply
  names = [type(e).__name__ for e in
           evaluators.from_config(c, Data(), Method())]
  assert names == ["ComponentRows", "Clustering"]
  c.eval.posthoc_steps = 5
  names = [type(e).__name__ for e in
           evaluators.from_config(c, Data(), Method())]
  assert names == ["Posthoc", "ComponentRows", "Clustering"]
  Data.kind = "2d"
  assert evaluators.from_config(c, Data(), Method()) == []
