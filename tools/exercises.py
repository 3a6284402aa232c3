"""Exercise notebooks made from the series (``make exercises``), and the answers as a course folder.

    python tools/exercises.py build            # notebooks/NN_*.py -> notebooks/exercises/NN_*_exercise.ipynb
    python tools/exercises.py check            # exit 1 when an exercise notebook is stale
    python tools/exercises.py course-folder D  # the answers, as the handout's common/kmeans/naive_em/em.py in D

The ``py:percent`` notebooks stay the single source. A code cell tagged ``solution`` holds the
learner's work: one or more functions with the handout's signatures and docstrings. In the
exercise version each such function keeps its signature and docstring and its body becomes
``raise NotImplementedError``; the check cell that follows it (``check.em_estep(estep)``...) is
kept, and prints "not written yet" until the learner has written the function. Every other cell
is copied as it is (without nbval markers), unexecuted, with fixed cell ids, so that building
twice gives the same bytes and a test can tell when an exercise notebook is stale, except:

- a cell tagged ``answer`` (a loop version of a step the learner writes, a demonstration that
  spells out part of an answer) is left out; one short note stands where a run of them was;
- the markdown cell that opens the section "## Write it yourself" is replaced by one that speaks
  to the learner (``write_it_yourself``);
- the notebook opens with a header for the learner (``_header``) and ends with the one pointer to
  the solved notebook (``_footer``).

``course-folder`` writes the same answers as a learner's folder in the course's layout
(``common.py`` with ``bic`` and ``rmse``, ``kmeans.py``, ``naive_em.py``, ``em.py``), which the
tests give to ``python -m cfgmm_lib.check``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = NOTEBOOKS / "exercises"
TAG = "solution"
ANSWER = "answer"  # a cell that shows part of an answer: left out of the exercise
SECTION = "## Write it yourself"
STUB = "raise NotImplementedError"

#: Which of the handout's files each notebook's answers belong to (rmse and bic live in common.py).
MODULE_OF = {"01": "kmeans", "02": "naive_em", "03": "common", "04": "em"}
COMMON_FUNCTIONS = {"bic", "rmse"}

#: What each course file starts with (the handout's imports and, in common.py, the mixture type).
HEADERS = {
    "common": '"""Mixture model for matrix completion (the answers of notebooks 03-04)."""\n'
              "from typing import NamedTuple\n\nimport numpy as np\n\n\n"
              "class GaussianMixture(NamedTuple):\n"
              '    """Tuple holding a gaussian mixture"""\n'
              "    mu: np.ndarray  # (K, d) array - each row corresponds to a gaussian component mean\n"
              "    var: np.ndarray  # (K, ) array - each row corresponds to the variance of a component\n"
              "    p: np.ndarray  # (K, ) array = each row corresponds to the weight of a component\n",
    "kmeans": '"""Mixture model based on kmeans (the answers of notebook 01)."""\n'
              "import numpy as np\n\nfrom common import GaussianMixture\n",
    "naive_em": '"""Mixture model using EM (the answers of notebook 02)."""\n'
                "import numpy as np\nfrom scipy.special import logsumexp\n\nfrom common import GaussianMixture\n",
    "em": '"""Mixture model for matrix completion (the answers of notebook 04)."""\n'
          "import numpy as np\nfrom scipy.special import logsumexp\n\nfrom common import GaussianMixture\n",
}


def sources() -> list[Path]:
    """The series' sources that hold at least one ``solution`` cell."""
    return [p for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")) if solution_cells(jupytext.read(p))]


def solution_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and TAG in c.metadata.get("tags", [])]


def exercise_path(py: Path) -> Path:
    return EXERCISES / f"{py.stem}_exercise.ipynb"


def stub(source: str) -> str:
    """Each top-level function of ``source`` reduced to its signature, its docstring and the stub."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        first = node.body[0]
        has_doc = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
            and isinstance(first.value.value, str)
        keep_to = first.end_lineno if has_doc else first.lineno - 1
        indent = " " * first.col_offset
        out.append("\n".join(lines[node.lineno - 1:keep_to] + [indent + STUB]))
    if not out:
        raise ValueError(f"a cell tagged {TAG!r} must define at least one function:\n{source[:200]}")
    return "\n\n\n".join(out)


def _header(py: Path):
    return nbformat.v4.new_markdown_cell(
        f"# Exercise: `{py.stem}`\n\n"
        "This is your working copy of the notebook. Save it under your own name first (File > Save\n"
        "Notebook As...): `make exercises` rewrites this file.\n\n"
        "Read and run it from the top. In the section **Write it yourself** you will find each function\n"
        "you write, with its signature, its docstring and `raise NotImplementedError` as its body.\n"
        "Replace that line with your code and run the check cell under it: the checker runs your\n"
        "function on the handout's cases and on adversarial ones, compares it with the library, and\n"
        "tells you the first value that differs and, when it recognises it, which mistake it is. It never\n"
        "shows you more of the answer than that. Where the worked notebook shows part of an answer\n"
        "(a loop version of a step you write, for instance), the cell is left out here and a note says so."
    )


def write_it_yourself(py: Path, names: list[str]) -> str:
    """The learner's opening of the section "Write it yourself", naming the functions to write."""
    module = MODULE_OF[py.stem[:2]]
    quoted = [f"`{n}`" for n in names]
    where = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
    given = ("The handout gives you `kmeans.py` already written; writing its two steps yourself is\n"
             "practice for the EM steps of notebooks 02 and 04, and the checker treats them the same way.\n\n"
             if module == "kmeans" else "")
    return (f"{SECTION}\n\n{given}"
            f"Now write {where} yourself (in the course's files they belong in "
            f"`{'common' if set(names) <= COMMON_FUNCTIONS else module}.py`"
            f"{', with `rmse` in `common.py`' if 'rmse' in names and module != 'common' else ''}).\n"
            "Each function below has its signature and docstring, and `raise NotImplementedError` as its\n"
            "body: replace that line with your code, then run the check cell under it. Until you do, the\n"
            "check says \"not written yet\". When every check passes, copy the functions into your course\n"
            "files; `python -m cfgmm_lib.check PATH` checks the whole folder (see the README).")


def _footer(py: Path):
    name = py.stem
    return nbformat.v4.new_markdown_cell(
        "## When you are done\n\n"
        f"Once your checks pass (or when you are stuck), compare your functions with the worked notebook\n"
        f"beside this folder, `../{name}.ipynb`: its section **Write it yourself** holds short,\n"
        "vectorised answers, and the cells left out here are in it too."
    )


_OMITTED = ("*A cell of the worked notebook is left out here: it shows part of an answer you write in\n"
            "the section **Write it yourself**.*")


def exercise(py: Path):
    """The exercise notebook made from the series notebook ``py``."""
    src = jupytext.read(py)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {k: copy.deepcopy(v) for k, v in src.metadata.items() if k == "kernelspec"}
    nb.cells.append(_header(py))
    names = [n.name for c in solution_cells(src) for n in ast.parse(c.source).body if isinstance(n, ast.FunctionDef)]
    for cell in src.cells:
        source = cell.source
        tags = list(cell.metadata.get("tags", []))
        if ANSWER in tags:
            if nb.cells[-1].source != _OMITTED:
                nb.cells.append(nbformat.v4.new_markdown_cell(_OMITTED))
            continue
        if cell.cell_type == "code" and TAG in tags:
            source = stub(source)
            tags = [t for t in tags if t != TAG] + ["exercise"]
        elif cell.cell_type == "code":
            source = "\n".join(ln for ln in source.splitlines() if ln.strip() != "# NBVAL_CHECK_OUTPUT")
        elif source.startswith(SECTION):
            source = write_it_yourself(py, names)
        new = (nbformat.v4.new_code_cell(source) if cell.cell_type == "code"
               else nbformat.v4.new_markdown_cell(source))
        if tags:
            new.metadata["tags"] = tags
        nb.cells.append(new)
    nb.cells.append(_footer(py))
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:03d}"
    return nb


def render(nb) -> str:
    return nbformat.writes(nb) + "\n"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def stale() -> list[str]:
    """The exercise notebooks that are missing or differ from what ``build`` makes now."""
    problems = []
    for py in sources():
        path = exercise_path(py)
        if not path.exists():
            problems.append(f"{_shown(path)} is missing: run `make exercises`")
        elif path.read_text(encoding="utf-8") != render(exercise(py)):
            problems.append(f"{_shown(path)} is stale: run `make exercises`")
    made = {exercise_path(py).name for py in sources()}
    for path in sorted(EXERCISES.glob("*_exercise.ipynb")):
        if path.name not in made:
            problems.append(f"{_shown(path)} has no source with {TAG!r} cells: delete it")
    return problems


def build() -> list[Path]:
    EXERCISES.mkdir(exist_ok=True)
    written = []
    for py in sources():
        path = exercise_path(py)
        path.write_text(render(exercise(py)), encoding="utf-8")
        written.append(path)
    return written


def answers() -> dict[str, list[str]]:
    """The solution cells' sources, grouped by the course file they belong to."""
    out = {m: [] for m in HEADERS}
    for py in sources():
        module = MODULE_OF[py.stem[:2]]
        for cell in solution_cells(jupytext.read(py)):
            names = {n.name for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)}
            out["common" if names <= COMMON_FUNCTIONS else module].append(cell.source.strip())
    return out


def course_folder(dest) -> list[Path]:
    """Write the answers as the handout's four files in ``dest`` (created if needed)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for module, cells in answers().items():
        path = dest / f"{module}.py"
        path.write_text(HEADERS[module] + "".join("\n\n" + c + "\n" for c in cells), encoding="utf-8")
        written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="write notebooks/exercises/NN_*_exercise.ipynb")
    sub.add_parser("check", help="exit 1 when an exercise notebook is stale")
    f = sub.add_parser("course-folder", help="write the answers as common.py, kmeans.py, naive_em.py, em.py")
    f.add_argument("dest")
    args = parser.parse_args(argv)
    if args.command == "build":
        for path in build():
            print(f"wrote {_shown(path)}")
    elif args.command == "check":
        problems = stale()
        for p in problems:
            print(p)
        return 1 if problems else 0
    else:
        for path in course_folder(args.dest):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
