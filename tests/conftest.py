"""Shared fixtures: the course data (skips without it, fails when CI requires it)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from hypothesis import settings

from cfgmm_lib import data

# Property tests are reproducible in CI: there (CI=true or CFGMM_REQUIRE_COURSE_DATA=1) hypothesis
# is derandomised, so every run tries the same examples; elsewhere it explores new ones, and on a
# failure prints the blob that replays it (@reproduce_failure). Loaded here, before any test module
# builds its own settings on top of the profile.
settings.register_profile("ci", derandomize=True, print_blob=True, database=None)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI", "") not in ("", "0", "false") or data.require_course_data()
                      else "dev")


# The longest files of `make test` (seconds on one worker, measured on 2 CPUs), first in the run:
# the Makefile turns off xdist's own order (most tests first), which left the browser tests to run
# alone at the end while the other worker sat idle. A file not listed keeps its place after these.
RUN_FIRST = [
    "tests/test_browser.py",                  # about 110 s: JupyterLab in Chromium (01, 02, 06: 55-60 s; 08: 55 s)
    "notebooks/05_beyond_the_handout.ipynb",  # 55-70 s: evaluate on the course matrix
    "tests/test_notebooks.py",                # 34-46 s: every notebook on the stand-ins
    "notebooks/06_black_hole_imaging.ipynb",  # 27-29 s
]


def pytest_collection_modifyitems(config, items):
    """Longest files first (see RUN_FIRST); a stable sort, so each file's items keep their order."""
    rank = {name: i for i, name in enumerate(RUN_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(RUN_FIRST)))


@pytest.fixture(scope="session")
def course():
    """``course(name)`` returns a fresh copy of a verified course file.

    Skips with a reason when the files are not installed, and fails instead
    when ``CFGMM_REQUIRE_COURSE_DATA=1`` (as in CI).
    """
    try:
        for name in data.COURSE_FILES:
            data.find(name)
    except data.CourseDataMissing as exc:
        reason = (f"course data not installed ({exc.name} is not in {', '.join(map(str, exc.looked))}); "
                  "install it with `python -m cfgmm_lib.data install netflix.tar.gz` or set CFGMM_DATA "
                  "(see data/README.md)")
        if data.require_course_data():
            pytest.fail(f"CFGMM_REQUIRE_COURSE_DATA=1 but {reason}")
        pytest.skip(reason)
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = data.load(name)
        value = cache[name]
        return value.copy() if isinstance(value, np.ndarray) else value

    return get


@pytest.fixture(scope="session")
def small():
    """A planted ratings matrix (bias + rank 3 + noise), 30 % missing, small enough to fit everything in seconds.

    Tests that change it work on a copy (the fixture is shared by the whole session).
    """
    rng = np.random.default_rng(7)
    n, d = 120, 80
    truth = np.clip(np.rint(3.5 + rng.normal(0, 0.5, (n, 1)) + rng.normal(0, 0.4, (1, d))
                            + rng.normal(0, 0.6, (n, 3)) @ rng.normal(0, 0.6, (3, d)) + rng.normal(0, 0.3, (n, d))), 1, 5)
    return np.where(rng.random((n, d)) < 0.3, 0.0, truth)


@pytest.fixture
def rng():
    """A local generator (tests never touch NumPy's global state)."""
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    """``plot`` registers its figures with pyplot in a script that imported it (as the course's
    ``plot`` does); close them after each test, as a script's exit would."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
