"""The notebook series: pairs agree, structure holds, and every notebook runs on the stand-ins.

nbval (`make test` runs `pytest notebooks --nbval-lax ...`) checks the printed checkpoints on the
course data; this file runs every notebook where that data is *not* used, so the series works
for a newcomer without the course files.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import notebooks as nbtools  # noqa: E402  (tools/notebooks.py)

SOURCES = nbtools.sources()
NAMES = [p.stem for p in SOURCES]
# Notebooks that use the course files, with their banner (06 uses none: its images are synthetic, nbval always runs it).
COURSE = [p for p in SOURCES if "data_banner(" in p.read_text()]


def test_the_series_is_all_there():
    assert NAMES == ["00_start_here", "01_kmeans", "02_em", "03_bic", "04_matrix_completion"] + \
        [n for n in NAMES if n >= "05"]


@pytest.mark.parametrize("py", SOURCES, ids=NAMES)
def test_pair_has_the_same_cells(py):
    assert nbtools.pair_differences(py) == []


def test_pair_check_notices_a_difference(tmp_path):
    py = tmp_path / "99_x.py"
    py.write_text("# %%\nx = 1\n\n# %% [markdown]\n# hello\n")
    nb = jupytext.read(py)
    nbformat.write(nb, py.with_suffix(".ipynb"))
    assert nbtools.pair_differences(py) == []
    py.write_text("# %%\nx = 2\n\n# %% [markdown]\n# hello\n")
    assert nbtools.pair_differences(py) == ["cell 0 ('x = 2') differs in source"]
    py.write_text("# %% [markdown]\n# x = 1\n\n# %% [markdown]\n# hello\n")
    assert "differs in type" in nbtools.pair_differences(py)[0]
    py.with_suffix(".ipynb").unlink()
    assert "missing" in nbtools.pair_differences(py)[0]


@pytest.mark.parametrize("py", SOURCES, ids=NAMES)
def test_structure(py):
    nb = jupytext.read(py)
    first = nb.cells[0]
    assert first.cell_type == "code" and "parameters" in first.metadata.get("tags", []), \
        "the first cell is the parameters cell"
    checked = [c for c in nb.cells if c.cell_type == "code" and "# NBVAL_CHECK_OUTPUT" in c.source]
    assert checked, "at least one checkpoint cell is checked by nbval"
    for c in nb.cells:
        if c.cell_type == "code" and "explorer(" in c.source and "def " not in c.source:
            assert "nbval-ignore-output" in c.metadata.get("tags", []), "widget cells are not compared"
    assert nb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"


@pytest.mark.parametrize("py", SOURCES, ids=NAMES)
def test_committed_notebook_is_executed_without_errors_or_timings(py):
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell was executed"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not [c for c in code if "execution" in c.metadata], "timing metadata is stripped"
    text = str(nb)
    assert "Synthetic stand-in data" not in text, "committed notebooks are executed on the course data"


def _outputs_text(nb) -> str:
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            parts.append(o.get("text", ""))
            parts.extend(str(v) for k, v in o.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


# Smaller settings for the stand-in runs, set as a learner would edit the parameters cell: every
# cell and code path still runs (nbval runs the notebook with its own settings on the course data).
QUICK = {
    "04_matrix_completion": {"K_VALUES": "[1, 4]", "SEEDS": "range(2)"},  # 7 s -> 5 s
    "05_beyond_the_handout": {  # 40 s -> about 8 s: two EM starts, two settings per model, 3 epochs
        "SEEDS": "range(2)",
        "K_RANGE": "[1, 2, 4]",  # K = 2 is fitted by the notebook itself, 1 and 4 come from evaluate's fits
        "GRID": '{"bias_reg": [5.0, 25.0], "K": [1, 4], "rank_reg": [(10, 10.0), (20, 20.0)], "epochs": 3}',
    },
    "07_netflix_scale": {"N_RATINGS": "200_000"},  # 9 s -> 6 s
}


def test_quick_settings_are_parameters_of_their_notebooks():
    for name, parameters in QUICK.items():
        first = jupytext.read(ROOT / "notebooks" / f"{name}.py").cells[0].source
        assert all(f"\n{k} = " in "\n" + first for k in parameters), name
    with pytest.raises(ValueError, match="sets no"):
        nbtools.execute(SOURCES[0], parameters={"NOT_A_PARAMETER": "1"})


@pytest.mark.parametrize("py", COURSE, ids=[p.stem for p in COURSE])
def test_notebook_runs_on_the_standins(py, monkeypatch):
    """Without the course data every notebook runs top to bottom, with a visible banner."""
    monkeypatch.setenv("CFGMM_FORCE_STANDIN", "1")
    monkeypatch.delenv("CFGMM_REQUIRE_COURSE_DATA", raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb, _ = nbtools.execute(py, timeout=300, parameters=QUICK.get(py.stem))  # raises CellExecutionError on any error
    text = _outputs_text(nb)
    assert text.count("Synthetic stand-in data") == 1, "one banner"
    # each message once: no stand-in warning on stderr repeats the banner about the same file
    banner = next(o for c in nb.cells for o in c.get("outputs", []) if "Synthetic stand-in data" in str(o.get("data")))
    listed = str(banner["data"]["text/html"]).split("course files (", 1)[1].split(")", 1)[0].split(", ")
    warned = [line for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"
              for line in o["text"].splitlines() if "synthetic stand-in for" in line]
    repeated = [w for w in warned if any(f"stand-in for {name}.txt" in w for name in listed)]
    assert not repeated, f"the banner names these files, and a warning repeats it: {repeated}"
    # the banner agrees with what the notebook printed: CFGMM_FORCE_STANDIN=1 is the reason, not missing files
    assert "CFGMM_FORCE_STANDIN=1</code> is set" in text and "not installed" not in text
    if "checkpoint(" in py.read_text():
        assert "applies to the course data only" in text
        assert "| agree" not in text  # nothing is claimed to agree with the handout on stand-ins
