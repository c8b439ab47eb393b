"""Progress lines of long loops (training, feature extraction, the digit
classifier, studies): a line every `every_secs` seconds and at the end with
the count done, the rate (from `start()`, so a first, compiling call is not
in it), the time elapsed and an ETA. Plain log lines, readable in a
terminal and in a file. The cadence follows clu's PeriodicAction (what
flax's examples use for ReportProgress), written out here because
clu.periodic_actions imports TensorFlow, which the core runs without."""

import logging
import time
from typing import Callable

DEFAULT_EVERY_SECS = 30.0
_DEFAULT = object()  # every_secs: DEFAULT_EVERY_SECS (read when built)


def format_secs(secs: float) -> str:
  """12.3 -> '12s', 754 -> '12m34s', 7260 -> '2h01m'."""
  secs = max(float(secs), 0.0)
  if secs < 60:
    return f"{secs:.0f}s"
  if secs < 3600:
    return f"{int(secs // 60)}m{int(secs % 60):02d}s"
  return f"{int(secs // 3600)}h{int(secs % 3600 // 60):02d}m"


class Progress:
  """Call with the count done after every unit of work (or dispatch):
  returns whether it logged a line (every `every_secs`, and at `total`)."""

  def __init__(self, what: str, total: int, *, unit: str = "steps",
               every_secs=_DEFAULT,
               log: Callable[[str], None] = logging.info):
    self.what, self.total, self.unit, self.log = what, int(total), unit, log
    self.every_secs = (DEFAULT_EVERY_SECS if every_secs is _DEFAULT
                       else every_secs)
    self._t0 = time.monotonic()
    self._origin: tuple[int, float] | None = None
    self._previous_step: int | None = None
    self._previous_time: float | None = None

  def start(self, done: int = 0) -> None:
    """The rate and ETA count from here (call after a first, compiling
    call; without it they count from the first call)."""
    now = time.monotonic()
    if self._previous_step is None:
      self._previous_step, self._previous_time = done, now
    self._origin = (done, now)

  def __call__(self, done: int, t: float | None = None) -> bool:
    t = time.monotonic() if t is None else t
    if self._previous_step is None:  # the first call never logs
      self._previous_step, self._previous_time = done, t
      return False
    due = done != self._previous_step and (
        done == self.total or (self.every_secs is not None
                               and t - self._previous_time > self.every_secs))
    if due:
      self.log(self.line(done, t))
      self._previous_step, self._previous_time = done, t
    return due

  def mark(self, done: int, t: float | None = None) -> None:
    """The caller logged `line(done)` itself (a log step's line with its
    metrics): the next progress line is due `every_secs` from now."""
    self._previous_step = done
    self._previous_time = time.monotonic() if t is None else t

  def rate(self, done: int, t: float | None = None) -> float | None:
    """Units per second since start(); None before any was timed."""
    t = time.monotonic() if t is None else t
    step0, t_origin = self._origin or (self._previous_step, self._previous_time)
    if step0 is None or done <= step0 or t <= t_origin:
      return None
    return (done - step0) / (t - t_origin)

  def eta(self, done: int, t: float | None = None) -> float | None:
    rate = self.rate(done, t)
    return None if rate is None else (self.total - done) / rate

  def line(self, done: int, t: float | None = None) -> str:
    """'<what>: 120/500 steps (24%), 3.1 steps/s, 40s elapsed, ETA 2m03s'."""
    t = time.monotonic() if t is None else t
    parts = [f"{self.what}: {done}/{self.total} {self.unit}"
             f" ({100 * done / max(self.total, 1):.0f}%)"]
    rate = self.rate(done, t)
    if rate is not None:
      parts.append(f"{rate:.3g} {self.unit}/s")
    parts.append(f"{format_secs(t - self._t0)} elapsed")
    eta = self.eta(done, t)
    if eta is not None and done < self.total:
      parts.append(f"ETA {format_secs(eta)}")
    return ", ".join(parts)


def counted(items, what: str, total: int, unit: str = "items",
            every_secs=_DEFAULT, size=lambda x: 1,
            log: Callable[[str], None] = logging.info):
  """Yields `items`, reporting a Progress of `size(item)` units each; the
  rate counts from the first item's end (its compile)."""
  progress = Progress(what, total, unit=unit, every_secs=every_secs, log=log)
  done, first = 0, True
  for item in items:
    yield item
    done += size(item)
    if first:
      progress.start(done)
      first = False
    progress(done)
