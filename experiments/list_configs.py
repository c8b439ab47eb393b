r"""Lists every config file's arguments (configs/args.py), a line each.

  python -m experiments.list_configs            # every config file
  python -m experiments.list_configs hmegan     # one
  python -m experiments.list_configs --markdown # README's table
"""

import importlib
import pkgutil
import sys

import configs
from configs import args


def tables() -> dict[str, args.Table]:
  """file name -> its argument table, for every config file that has one."""
  out = {}
  for info in sorted(pkgutil.iter_modules(configs.__path__),
                     key=lambda i: i.name):
    table = getattr(importlib.import_module(f"configs.{info.name}"),
                    "ARGS", None)
    if isinstance(table, args.Table):
      out[info.name] = table
  return out


def markdown(all_tables: dict[str, args.Table]) -> str:
  """One row a config file: data sets (default first), options, named."""
  lines = ["| config | data (default first) | options | named |",
           "| --- | --- | --- | --- |"]
  for name, t in all_tables.items():
    data = [t.default_data] + [d for d in t.data if d != t.default_data]
    if len(data) > 12:  # the thesis' grids: families, not every cell
      data = data[:6] + [f"... ({len(data)} in all: `:help`)"]
    named = [f"{n}=" + (f" / {p.prefix}N" if p.prefix else "")
             for n, p in t.params.items()]
    cell = lambda items: ", ".join(f"`{i}`" if "..." not in i else i
                                   for i in items) or "-"
    lines.append(f"| `configs/{name}.py` | {cell(data)} |"
                 f" {cell(list(t.options))}"
                 f" | {cell(named)} |")
  return "\n".join(lines)


def main(argv: list[str]) -> None:
  all_tables = tables()
  if "--markdown" in argv:
    print(markdown(all_tables))
    return
  names = [a for a in argv if not a.startswith("-")] or list(all_tables)
  unknown = [n for n in names if n not in all_tables]
  if unknown:
    raise SystemExit(f"error: no config file {unknown[0]!r}; choose from"
                     f" {', '.join(all_tables)}")
  print("\n\n".join(f"configs/{n}.py\n{all_tables[n].listing()}"
                    for n in names))


if __name__ == "__main__":
  main(sys.argv[1:])
