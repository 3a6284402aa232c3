"""Shared fixtures: the course data (skips without it, fails when CI requires it)."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import data


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


@pytest.fixture
def rng():
    """A local generator (tests never touch NumPy's global state)."""
    return np.random.default_rng(12345)
