"""Metric writers: clu's TensorBoard writer where TensorFlow is present, and
always a JSON-lines file (`metrics.jsonl`) that tools read without TensorFlow.
"""

import json
import logging
import os
from typing import Any, Mapping

import numpy as np


class JsonlWriter:
  """Appends one JSON object per `write_scalars` call to
  WORKDIR/metrics.jsonl."""

  def __init__(self, workdir: str):
    self.path = os.path.join(workdir, "metrics.jsonl")
    self._f = open(self.path, "a")

  def write_scalars(self, step: int, scalars: Mapping[str, Any]) -> None:
    row = {"step": int(step), **{k: float(v) for k, v in scalars.items()}}
    self._f.write(json.dumps(row) + "\n")

  def write_images(self, step: int, images: Mapping[str, np.ndarray]) -> None:
    del step, images  # images go to samples/*.png

  def flush(self) -> None:
    self._f.flush()

  def close(self) -> None:
    self._f.close()


class MultiWriter:
  """Forwards every call to each writer."""

  def __init__(self, writers: list):
    self.writers = writers

  def write_scalars(self, step: int, scalars: Mapping[str, Any]) -> None:
    for w in self.writers:
      w.write_scalars(step, scalars)

  def write_images(self, step: int, images: Mapping[str, np.ndarray]) -> None:
    for w in self.writers:
      w.write_images(step, images)

  def flush(self) -> None:
    for w in self.writers:
      w.flush()

  def close(self) -> None:
    for w in self.writers:
      w.close()


def make_writer(
    workdir: str, tensorboard: bool, is_chief: bool = True
) -> MultiWriter:
  """JSON-lines writer plus clu's TensorBoard writer when asked and possible."""
  if not is_chief:
    return MultiWriter([])
  writers: list = [JsonlWriter(workdir)]
  if tensorboard:
    try:
      from clu import metric_writers  # imports TensorFlow

      writers.append(metric_writers.SummaryWriter(workdir))
    except ImportError as e:
      logging.warning("TensorBoard writer unavailable (%s); metrics.jsonl only",
                      e)
  return MultiWriter(writers)
