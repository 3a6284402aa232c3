"""Build and check the notebook pairs (``make notebooks``).

    python tools/notebooks.py build [NAME ...]   # .py -> executed .ipynb (needs the course data)
    python tools/notebooks.py check              # every pair has the same cells (types and sources)
    python tools/notebooks.py run [NAME ...]     # execute the .py sources, write nothing

The ``py:percent`` scripts are the source of truth. ``build`` reads each one with jupytext,
executes it top to bottom in a fresh kernel started from the notebooks' folder, and writes the
``.ipynb`` without timing metadata or widget state, so that rebuilding an unchanged notebook
changes only what really varies (widget ids in the slider cells): a cell keeps the id it had in
the last build when its type and source are unchanged.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def sources() -> list[Path]:
    """The notebooks' ``.py`` sources, in series order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def cells(nb) -> list[tuple[str, str]]:
    """What must agree between the two sides of a pair: each cell's type and source."""
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def pair_differences(py: Path) -> list[str]:
    """Differences between ``py`` and its ``.ipynb`` (empty when they agree)."""
    ipynb = py.with_suffix(".ipynb")
    if not ipynb.exists():
        return [f"{ipynb.name} is missing: run `make notebooks`"]
    a, b = cells(jupytext.read(py)), cells(nbformat.read(ipynb, as_version=4))
    problems = []
    if len(a) != len(b):
        problems.append(f"{py.name} has {len(a)} cells, {ipynb.name} has {len(b)}")
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            what = "type" if x[0] != y[0] else "source"
            first = (x[1].splitlines() or [""])[0][:60]
            problems.append(f"cell {i} ({first!r}) differs in {what}")
            break
    return problems


def with_parameters(py: Path, parameters: dict[str, str] | None = None):
    """The notebook source ``py``, with ``parameters`` (name -> Python source of its value) set in a cell
    right after the parameters cell, as a learner would edit that cell (papermill's "injected-parameters")."""
    nb = jupytext.read(py)
    nb.metadata.pop("widgets", None)
    if parameters:
        unknown = [k for k in parameters if not re.search(rf"^{re.escape(k)} = ", nb.cells[0].source, re.M)]
        if unknown:
            raise ValueError(f"{py.stem}'s parameters cell sets no {unknown}")
        cell = nbformat.v4.new_code_cell("\n".join(f"{k} = {v}" for k, v in parameters.items()))
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(1, cell)
    return nb


def execute(py: Path, timeout: int = 600, parameters: dict[str, str] | None = None):
    """Run a notebook source top to bottom; returns the executed notebook and its run time.

    ``parameters`` (name -> Python source of its value) are set in a cell run right after the
    parameters cell, as a learner would edit that cell (papermill's "injected-parameters").
    """
    nb = with_parameters(py, parameters)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False, store_widget_state=False,
    )
    t0 = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - t0


def _strip(nb) -> None:
    """Drop what varies between runs and says nothing: timing, widget state, execution metadata."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)


def _keep_ids(nb, old_path: Path) -> None:
    """Give each cell the id it had in the last build, when a cell of that type and source was there.

    jupytext makes new random ids on every read; without this, every rebuild rewrites them all.
    """
    if not old_path.exists():
        return
    old_ids: dict[tuple[str, str], list[str]] = {}
    for cell in nbformat.read(old_path, as_version=4).cells:
        if "id" in cell:
            old_ids.setdefault((cell.cell_type, cell.source), []).append(cell.id)
    for cell in nb.cells:
        ids = old_ids.get((cell.cell_type, cell.source))
        if ids:
            cell.id = ids.pop(0)


def build(names: list[str] | None = None, allow_standin: bool = False) -> None:
    sys.path.insert(0, str(ROOT))
    from cfgmm_lib import data

    if not allow_standin and (data.using_standins() if not data.require_course_data() else False):
        raise SystemExit(
            "make notebooks executes the series on the course data, which is not installed here "
            "(see data/README.md, or set CFGMM_DATA). Use --allow-standin to build on the stand-ins anyway."
        )
    os.environ.setdefault("PYTHONHASHSEED", "0")
    for py in sources():
        if names and py.stem not in names:
            continue
        nb, seconds = execute(py)
        _strip(nb)
        _keep_ids(nb, py.with_suffix(".ipynb"))
        nbformat.write(nb, py.with_suffix(".ipynb"))
        print(f"{py.stem}: executed in {seconds:.1f} s -> {py.with_suffix('.ipynb').name}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute the .py sources and write the .ipynb files")
    b.add_argument("names", nargs="*", help="notebook stems (default: all)")
    b.add_argument("--allow-standin", action="store_true")
    sub.add_parser("check", help="check that every pair agrees")
    r = sub.add_parser("run", help="execute the .py sources without writing")
    r.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.names, args.allow_standin)
    elif args.command == "run":
        for py in sources():
            if not args.names or py.stem in args.names:
                print(f"{py.stem}: {execute(py)[1]:.1f} s")
    else:
        bad = {py.name: pair_differences(py) for py in sources()}
        for name, problems in bad.items():
            for p in problems:
                print(f"{name}: {p}")
        return 1 if any(bad.values()) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
