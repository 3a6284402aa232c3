"""Exercise notebooks (make exercises): up to date, complete, and their check cells behave.

Handed out, each check cell prints its "not written yet" verdict (no traceback); with the
answers of the series put back, each prints PASS. Both runs execute the "Write it yourself"
section of every exercise notebook, in order, in one kernel per run (the rest of each notebook
is the series' own code, which tests/test_notebooks.py and nbval run).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import exercises  # noqa: E402  (tools/exercises.py)

EXPECTED = {
    "01_kmeans": ["estep", "mstep"],
    "02_em": ["estep", "mstep", "run"],
    "03_bic": ["bic"],
    "04_matrix_completion": ["estep", "mstep", "run", "fill_matrix", "rmse"],
}
CHECK_OF = {"01_kmeans": "kmeans_", "02_em": "naive_", "04_matrix_completion": "em_"}


def test_the_exercise_notebooks_are_up_to_date():
    assert exercises.stale() == []


def test_make_exercises_builds_them():
    assert re.search(r"^exercises: .*\n\t.*tools/exercises.py build$", (ROOT / "Makefile").read_text(), re.M)


def test_a_stale_or_stray_exercise_notebook_is_noticed(tmp_path, monkeypatch):
    monkeypatch.setattr(exercises, "EXERCISES", tmp_path)
    exercises.build()
    assert exercises.stale() == []
    first = sorted(tmp_path.glob("*.ipynb"))[0]
    first.write_text(first.read_text().replace("raise NotImplementedError", "return 0", 1))
    (tmp_path / "99_old_exercise.ipynb").write_text("{}")
    problems = exercises.stale()
    assert any(first.name in p and "stale" in p for p in problems)
    assert any("99_old_exercise" in p and "delete" in p for p in problems)
    first.unlink()
    assert any(first.name in p and "missing" in p for p in exercises.stale())


def test_stub_keeps_signature_and_docstring_only():
    source = ('def f(X,\n      mixture, min_variance=.25):\n    """Doc.\n\n    More.\n    """\n    return X\n\n\n'
              "def g(a):\n    return a + 1\n")
    assert exercises.stub(source) == ('def f(X,\n      mixture, min_variance=.25):\n    """Doc.\n\n    More.\n    """\n'
                                      "    raise NotImplementedError\n\n\ndef g(a):\n    raise NotImplementedError")
    with pytest.raises(ValueError, match="at least one function"):
        exercises.stub("x = 1\n")


def _answers(nb) -> list[str]:
    return [n.name for c in exercises.solution_cells(nb) for n in __import__("ast").parse(c.source).body
            if n.__class__.__name__ == "FunctionDef"]


def test_every_function_the_handout_asks_for_is_an_exercise_with_a_check_cell():
    got = {py.stem: _answers(jupytext.read(py)) for py in exercises.sources()}
    assert got == EXPECTED
    for py in exercises.sources():
        ex = nbformat.read(exercises.exercise_path(py), as_version=4)
        cells = ex.cells
        stubs = [i for i, c in enumerate(cells) if "exercise" in c.metadata.get("tags", [])]
        assert len(stubs) == len(EXPECTED[py.stem])
        for i, name in zip(stubs, EXPECTED[py.stem]):
            assert "raise NotImplementedError" in cells[i].source and '"""' in cells[i].source
            assert "return" not in cells[i].source.split('"""')[-1], "no answer is left in the stub"
            check_call = cells[i + 1].source.strip()
            prefix = "" if name in ("bic", "rmse", "fill_matrix") else CHECK_OF[py.stem]
            assert check_call == f"check.{prefix}{name}({name})", check_call
        assert not [c for c in cells if c.cell_type == "code" and c.get("outputs")], "handed out unexecuted"
        assert "jupytext" not in ex.metadata, "not paired: a learner's save writes no .py beside it"


def _section(nb) -> list:
    """The cells of the 'Write it yourself' section."""
    start = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                 and c.source.startswith("## Write it yourself"))
    end = next((i for i in range(start + 1, len(nb.cells)) if nb.cells[i].cell_type == "markdown"
                and re.match(r"#{1,2} ", nb.cells[i].source)), len(nb.cells))
    return nb.cells[start:end]


def _run_sections(answers_back: bool):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    checks = []
    for py in exercises.sources():
        ex = nbformat.read(exercises.exercise_path(py), as_version=4)
        solutions = iter(exercises.solution_cells(jupytext.read(py)))
        for cell in _section(ex):
            if cell.cell_type != "code":
                continue
            cell = nbformat.v4.new_code_cell(cell.source, metadata=dict(cell.metadata))
            if answers_back and "exercise" in cell.metadata.get("tags", []):
                cell.source = next(solutions).source
            if cell.source.startswith("check."):
                checks.append((py.stem, cell))
            nb.cells.append(cell)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(exercises.EXERCISES)}}).execute()
    return nb, checks


def _text(cell) -> str:
    assert all(o.output_type == "stream" and o.name == "stdout" for o in cell.outputs), cell.outputs
    return "".join(o.text for o in cell.outputs)


def test_handed_out_every_check_cell_says_not_written_yet():
    nb, checks = _run_sections(answers_back=False)
    assert len(checks) == sum(map(len, EXPECTED.values()))
    for stem, cell in checks:
        text = _text(cell)
        assert re.match(r"TODO  \S+ +not written yet: replace `raise NotImplementedError`", text), (stem, text)
        assert "Traceback" not in text


def test_with_the_answers_put_back_every_check_cell_passes():
    nb, checks = _run_sections(answers_back=True)
    assert len(checks) == sum(map(len, EXPECTED.values()))
    for stem, cell in checks:
        text = _text(cell)
        assert re.match(r"PASS  \S+ +all \d+ cases agree with the library", text), (stem, text)
