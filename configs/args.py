"""Config arguments: `--config=configs/X.py:<arg>`, named, typed and
order-free (big_vision's `parse_arg` is the model).

Each config file declares a `Table`: its method's defaults (`base`), the
data sets it runs on (exactly one applies, first, so the method's defaults
for that kind of data come before any option), options (bare words, applied
in the table's order whatever the order typed) and named parameters
(`name=value`, typed; a parameter with a `prefix` also reads the bare
`<prefix><number>`, e.g. `k4` for `k=4`). `data=<name>` names the data set
explicitly. `help` lists them all:

  python -m experiments.main --config=configs/hmegan.py:help
  python -m experiments.main --config=configs/hmegan.py:data=spiral,z_dim=1
  python -m experiments.main --config=configs/hmegan.py:z1,spiral   # the same

An unknown or ambiguous argument is one line naming the valid ones.
"""

import dataclasses
import re
import sys
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import ml_collections

Config = ml_collections.ConfigDict


def _nothing(c: Config) -> None:
  del c


@dataclasses.dataclass(frozen=True)
class Option:
  """A bare word: a line of help and what it sets. Options of one `group`
  exclude each other (e.g. the losses)."""

  help: str
  apply: Callable[[Config], None] = _nothing
  group: str = ""


@dataclasses.dataclass(frozen=True)
class Param:
  """A named argument `name=value` of `type`; with `prefix`, the bare
  `<prefix><number>` too."""

  help: str
  type: type
  apply: Callable[[Config, Any], None]
  prefix: str = ""


class ArgumentError(ValueError):
  """A config argument that names nothing, or too much."""


@dataclasses.dataclass(frozen=True)
class Parsed:
  data: str
  options: tuple[str, ...]  # in the table's order
  params: tuple[tuple[str, Any], ...]  # in the table's order


def _convert(kind: type, name: str, text: str) -> Any:
  if kind is bool:
    if text.lower() in ("1", "true", "yes"):
      return True
    if text.lower() in ("0", "false", "no"):
      return False
    raise ArgumentError(f"{name}={text}: expected true or false")
  try:
    return kind(text)
  except ValueError:
    raise ArgumentError(f"{name}={text}: expected {kind.__name__}") from None


@dataclasses.dataclass(frozen=True)
class Table:
  """The arguments of one config file (see the module docstring)."""

  method: str
  base: Callable[[], Config]
  data: Mapping[str, Option]
  default_data: str
  options: Mapping[str, Option] = dataclasses.field(default_factory=dict)
  params: Mapping[str, Param] = dataclasses.field(default_factory=dict)
  finish: Callable[[Config], None] = _nothing  # after everything

  def __post_init__(self):
    names = [*self.data, *self.options, *self.params, "data", "help"]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
      raise ValueError(f"{self.method}: arguments named twice: {clash}")
    if self.default_data not in self.data:
      raise ValueError(f"{self.method}: default data {self.default_data!r}"
                       " is not one of its data sets")

  # ---- parsing --------------------------------------------------------------
  def valid(self) -> str:
    prefixed = [f"{p.prefix}<N>" for p in self.params.values() if p.prefix]
    return ", ".join([*self.data, *self.options,
                      *(f"{n}=" for n in self.params), *prefixed,
                      "data=", "help"])

  def _bare(self, token: str) -> tuple[str, Any]:
    """('data' | 'option' | param name, value) of a bare token."""
    if token in self.data:
      return "data", token
    if token in self.options:
      return "option", token
    for name, p in self.params.items():
      m = p.prefix and re.fullmatch(re.escape(p.prefix) + r"(-?[0-9.]+)", token)
      if m:
        return name, _convert(p.type, name, m.group(1))
    raise ArgumentError(f"{self.method}: unknown argument {token!r}; valid:"
                        f" {self.valid()}")

  def _named(self, key: str, text: str) -> tuple[str, Any]:
    if key == "data":
      if text not in self.data:
        raise ArgumentError(f"{self.method}: unknown data {text!r}; valid:"
                            f" {', '.join(self.data)}")
      return "data", text
    if key in self.params:
      return key, _convert(self.params[key].type, key, text)
    if key in self.options:  # an option switched by name: opt=true / false
      return ("option", key) if _convert(bool, key, text) else ("off", key)
    raise ArgumentError(f"{self.method}: unknown argument {key!r}; valid:"
                        f" {self.valid()}")

  def parse(self, arg: str | None) -> Parsed:
    """The argument's data set, options and values (`help`: prints the
    listing and exits)."""
    if (arg or "").strip() == "help":
      print(self.listing())
      sys.exit(0)
    data, options, params = [], set(), {}
    for token in (t.strip() for t in (arg or "").split(",")):
      if not token:
        continue
      key, _, text = token.partition("=")
      kind, value = (self._named(key, text) if "=" in token
                     else self._bare(token))
      if kind == "data":
        data.append(value)
      elif kind == "option":
        options.add(value)
      elif kind == "off":
        options.discard(value)
      else:
        if kind in params and params[kind] != value:
          raise ArgumentError(f"{self.method}: {kind} given twice"
                              f" ({params[kind]} and {value})")
        params[kind] = value
    if len(set(data)) > 1:
      raise ArgumentError(f"{self.method}: one data set, got {', '.join(data)}")
    groups: dict[str, list[str]] = {}
    for name in options:
      if self.options[name].group:
        groups.setdefault(self.options[name].group, []).append(name)
    for group, names in groups.items():
      if len(names) > 1:
        raise ArgumentError(f"{self.method}: choose one {group}, got"
                            f" {', '.join(sorted(names))}")
    return Parsed(data[0] if data else self.default_data,
                  tuple(n for n in self.options if n in options),
                  tuple((n, params[n]) for n in self.params if n in params))

  # ---- building -------------------------------------------------------------
  def name(self, parsed: Parsed) -> str:
    """`<method>:<data>,<options>,<params>` in the table's order."""
    text = lambda v: int(v) if isinstance(v, float) and v.is_integer() else v
    params = [f"{self.params[n].prefix}{text(v)}" if self.params[n].prefix
              else f"{n}={text(v)}" for n, v in parsed.params]
    return f"{self.method}:" + ",".join([parsed.data, *parsed.options, *params])

  def build(self, arg: str | None) -> Config:
    parsed = self.parse(arg)
    c = self.base()
    self.data[parsed.data].apply(c)
    for name in parsed.options:
      self.options[name].apply(c)
    for name, value in parsed.params:
      self.params[name].apply(c, value)
    self.finish(c)
    c.name = self.name(parsed)
    return c

  # ---- listing --------------------------------------------------------------
  def listing(self) -> str:
    """Every argument with its line of help (entries of one help together)."""
    lines = [f"{self.method}: arguments (comma-separated, any order)"]

    def section(title: str, entries: Mapping[str, str]) -> None:
      if not entries:
        return
      lines.append(f"  {title}:")
      by_help: dict[str, list[str]] = {}
      for name, text in entries.items():
        by_help.setdefault(text, []).append(name)
      for text, names in by_help.items():
        lines.append(textwrap.fill(f"{' | '.join(names)}: {text}", 79,
                                   initial_indent="    ",
                                   subsequent_indent="      "))

    section(f"data (one; default {self.default_data})",
            {n: o.help for n, o in self.data.items()})
    section("options", {n: o.help + (f" [one {o.group}]" if o.group else "")
                        for n, o in self.options.items()})
    section("named", {f"{n}=<{p.type.__name__}>"
                      + (f" (or {p.prefix}<N>)" if p.prefix else ""): p.help
                      for n, p in self.params.items()})
    return "\n".join(lines)


def setter(**values: Any) -> Callable[[Config], None]:
  """An option that sets dotted keys: setter(**{'method.loss': 'ns'})."""

  return lambda c: c.update_from_flattened_dict(values)


def key_param(help: str, kind: type, key: str, prefix: str = "") -> Param:
  """A parameter that sets one dotted key."""
  return Param(help, kind, lambda c, v: setter(**{key: v})(c), prefix)
