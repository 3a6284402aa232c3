"""Deterministic synthetic stand-ins for the course matrices, used (and announced) when the course files are missing.

Introduced in ``notebooks/00_start_here.py``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from . import registry
from .readers import load
from .registry import ENV_FORCE_STANDIN, ENV_REQUIRE, CourseDataMissing, canonical, find

__all__ = ["StandinWarning", "synthetic", "load_or_standin", "using_standins", "forced_standins", "require_course_data"]


class StandinWarning(UserWarning):
    """The course files are missing (or stand-ins were forced): synthetic data are used, whose
    numbers will not match the handout."""


def _ratings(n: int, d: int, k: int, missing: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A planted-mixture ratings matrix: (complete, incomplete), integer ratings 1..5."""
    rng = np.random.default_rng(seed)
    movie = rng.normal(3.6, 0.45, size=d)
    profiles = movie + rng.normal(0.0, 0.7, size=(k, d))
    types = rng.choice(k, size=n, p=rng.dirichlet(np.full(k, 4.0)))
    user = rng.normal(0.0, 0.35, size=(n, 1))
    complete = np.clip(np.rint(profiles[types] + user + rng.normal(0.0, 0.75, size=(n, d))), 1, 5)
    hidden = rng.random((n, d)) < missing
    hidden[np.arange(n), rng.integers(0, d, size=n)] = False  # every user keeps a rating
    incomplete = np.where(hidden, 0.0, complete)
    return complete, incomplete


def _toy(seed: int = 686) -> np.ndarray:
    rng = np.random.default_rng(seed)
    means = np.array([[-3.0, 2.5], [4.5, -1.5], [6.0, 3.0], [0.5, -4.0]])
    sds = np.array([1.4, 1.2, 1.0, 1.6])
    comp = rng.choice(4, size=250, p=[0.35, 0.3, 0.2, 0.15])
    return np.round(means[comp] + rng.normal(size=(250, 2)) * sds[comp, None], 3)


def synthetic(name: str) -> np.ndarray:
    """A deterministic synthetic stand-in for a course matrix file.

    Same shape and value range as the course file, drawn from a planted
    mixture with a fixed seed (the same arrays on every machine). There is no
    stand-in for ``test_solutions``: its numbers only make sense on the course data.

    Parameters
    ----------
    name : str
        A course matrix file name (with or without ``.txt``).

    Returns
    -------
    array of shape of the course file
    """
    cf = canonical(name)
    stem = cf.name[:-4]
    if cf.shape is None:
        raise ValueError(f"there is no synthetic stand-in for {cf.name}: its numbers only exist for the course data")
    if stem == "toy_data":
        return _toy()
    if stem.startswith("test_"):
        complete, incomplete = _ratings(20, 5, 3, 0.19, seed=20_5)
    else:
        complete, incomplete = _ratings(1200, 1200, 8, 0.228, seed=1200)
    return complete if stem.endswith("_complete") else incomplete


def _switch(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def require_course_data() -> bool:
    """True when ``CFGMM_REQUIRE_COURSE_DATA=1``: missing course data is then an error."""
    return _switch(ENV_REQUIRE)


def _forced_standins() -> bool:
    """``CFGMM_FORCE_STANDIN=1``, unless ``CFGMM_REQUIRE_COURSE_DATA=1``: the requirement wins.

    CI sets the requirement; were the force to win, an environment variable could turn
    every course-data check of CI into a stand-in run that asserts nothing.
    """
    if not _switch(ENV_FORCE_STANDIN):
        return False
    if require_course_data():
        warnings.warn(f"{ENV_FORCE_STANDIN}=1 is ignored because {ENV_REQUIRE}=1: the course data is required",
                      stacklevel=3)
        return False
    return True


def forced_standins() -> bool:
    """True when ``CFGMM_FORCE_STANDIN=1`` makes ``load_or_standin`` give stand-ins, installed files or not
    (never with ``CFGMM_REQUIRE_COURSE_DATA=1``, which wins)."""
    return _forced_standins()


def using_standins() -> bool:
    """True when ``load_or_standin`` will give stand-ins (forced, or course files missing).

    Raises
    ------
    CourseDataMissing
        When files are missing and ``CFGMM_REQUIRE_COURSE_DATA=1``.
    """
    if _forced_standins():
        return True
    for name in registry.COURSE_FILES:
        try:
            find(name)
        except CourseDataMissing:
            if require_course_data():
                raise
            return True
    return False


def load_or_standin(name: str, warn: bool = True) -> tuple[np.ndarray, bool]:
    """The course file if installed, else its synthetic stand-in (with a warning, unless ``warn=False``).

    Parameters
    ----------
    name : str
        A course file's name, with or without ``.txt``.
    warn : bool, default True
        ``False`` when the caller says so itself: a notebook shows ``checkpoints.data_banner`` right after,
        and the warning would be the same message a second time (on stderr, a pink box above the banner).

    Returns
    -------
    X : array, or for ``test_solutions`` the parsed dict (None when stand-ins are used)
    is_standin : bool
        True when X is synthetic: numbers computed from it will not match the handout.

    Raises
    ------
    CourseDataMissing
        Instead of falling back, when ``CFGMM_REQUIRE_COURSE_DATA=1``.

    Notes
    -----
    ``CFGMM_FORCE_STANDIN=1`` uses the stand-ins even where the course files
    are installed (the tests run every notebook that way), except when
    ``CFGMM_REQUIRE_COURSE_DATA=1`` is also set: the requirement wins.
    """
    cf = canonical(name)
    if _forced_standins():
        why = f"{ENV_FORCE_STANDIN}=1"
    else:
        try:
            return load(name), False
        except CourseDataMissing:
            if require_course_data():
                raise
            why = f"course file {cf.name} not found"
    if cf.shape is None:
        return None, True
    if warn:
        warnings.warn(f"{why}: using a synthetic stand-in for {cf.name}; numbers will not match the handout",
                      StandinWarning, stacklevel=2)
    return synthetic(name), True
