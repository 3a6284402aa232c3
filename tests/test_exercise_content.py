"""The exercise notebooks hold no answer, speak to the learner, and point to the worked notebook at their end only."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import exercises  # noqa: E402  (tools/exercises.py)

SOURCES = exercises.sources()
IDS = [p.stem for p in SOURCES]


def _exercise(py):
    return nbformat.read(exercises.exercise_path(py), as_version=4)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _answer_lines(py) -> list[str]:
    """The code lines of each solution function's body (its docstring and comments left out)."""
    lines = []
    for cell in exercises.solution_cells(jupytext.read(py)):
        source = cell.source.splitlines()
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef):
                body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
                for stmt in body:
                    for line in source[stmt.lineno - 1:stmt.end_lineno]:
                        code = line.split("#")[0].strip()
                        if len(code) >= 20:
                            lines.append(_squeezed(code))
    return lines


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_no_answer_line_is_left_in_the_exercise(py):
    text = "\n".join(_squeezed(c.source) for c in _exercise(py).cells if c.cell_type == "code")
    for exercise_py in SOURCES:  # no exercise notebook holds any notebook's answers
        left = [line for line in _answer_lines(exercise_py) if line in text]
        assert left == [], (py.stem, exercise_py.stem, left)


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_cells_tagged_answer_are_left_out(py):
    src = jupytext.read(py)
    answers = [c for c in src.cells if exercises.ANSWER in c.metadata.get("tags", [])]
    text = "\n".join(c.source for c in _exercise(py).cells)
    for cell in answers:
        assert cell.source not in text
    if answers:
        assert "left out here" in text


def test_the_masked_products_of_the_vectorised_steps_appear_in_no_exercise():
    # 02 once showed 04's vectorised E-step under other names (X_netflix @ mu.T, rated @ (mu**2).T)
    pattern = re.compile(r"@\s*mu\.T|@\s*\(\s*mu\s*\*\*\s*2\s*\)\.T|post\.T\s*@")
    for py in SOURCES:
        for cell in _exercise(py).cells:
            if cell.cell_type == "code" and "exercise" not in cell.metadata.get("tags", []):
                assert not pattern.search(cell.source), (py.stem, cell.source[:200])


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_the_worked_notebook_is_named_at_the_end_only(py):
    cells = _exercise(py).cells
    link = f"../{py.stem}.ipynb"
    assert link in cells[-1].source and cells[-1].source.startswith("## When you are done")
    assert not [i for i, c in enumerate(cells[:-1]) if link in c.source or f"{py.stem}.ipynb" in c.source]


@pytest.mark.parametrize("py", SOURCES, ids=IDS)
def test_the_exercise_speaks_to_the_learner(py):
    cells = _exercise(py).cells
    assert cells[0].source.startswith("# Exercise") and "your" in cells[0].source
    section = [c for c in cells if c.cell_type == "markdown" and c.source.startswith("## Write it yourself")]
    assert len(section) == 1
    assert "Now write" in section[0].source and "exercise version" not in section[0].source
