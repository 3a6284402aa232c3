"""nbval runs the notebooks only where the course data is: their checked outputs are the handout's numbers.

(At the project's root, not among the lessons in notebooks/: it configures `make test`'s run of notebooks/.)

Without the course data each notebook's items skip, saying why (tests/test_notebooks.py still runs
every notebook on the synthetic stand-ins). With CFGMM_REQUIRE_COURSE_DATA=1, as in CI, missing data
fails the run instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cfgmm_lib import data  # noqa: E402

# The exercise notebooks (make exercises) are handed out unexecuted, with the answers taken out:
# tests/test_exercises.py checks them (staleness, and their check cells with and without answers).
collect_ignore_glob = ["notebooks/exercises/*"]


def _uses_course_data(item) -> bool:
    """True for a notebook that reads the course files (06 uses none, so it runs everywhere)."""
    source = item.path.with_suffix(".py")
    return "data_banner(" in (source.read_text() if source.exists() else item.path.read_text())


# Why a notebook's cells must fail: the course data is required (CI) but missing.
_REQUIRED_BUT_MISSING = pytest.StashKey[str]()


def pytest_collection_modifyitems(config, items):
    nbval_items = [item for item in items if item.path.suffix == ".ipynb" and _uses_course_data(item)]
    if not nbval_items:
        return
    try:
        missing = data.using_standins()
    except data.CourseDataMissing as exc:
        # Each cell fails with the reason (pytest_runtest_setup), as the tests needing the `course`
        # fixture do. Not a UsageError here: under pytest-xdist this hook runs in the workers, and a
        # worker that stops on one leaves the controller an INTERNALERROR that names neither.
        reason = f"CFGMM_REQUIRE_COURSE_DATA=1 but the course data is missing: {exc}"
        for item in nbval_items:
            item.stash[_REQUIRED_BUT_MISSING] = reason
        return
    if missing:
        reason = ("the notebooks' checked outputs are the handout's numbers, which need the course data "
                  "(not installed, or CFGMM_FORCE_STANDIN=1); see data/README.md")
        for item in nbval_items:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item):
    """Fail a course-data notebook's cell, before its kernel starts, when the data is required but missing."""
    reason = item.stash.get(_REQUIRED_BUT_MISSING, None)
    if reason is not None:
        pytest.fail(reason, pytrace=False)
