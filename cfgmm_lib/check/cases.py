"""The cases the checker runs each step on: the handout's data and adversarial cases of our own.

Each case is a name and the arguments of one call, in the learner's signature. The handout's
cases use the course files when they are installed and otherwise their synthetic stand-ins
(``notes()`` then says so). The adversarial cases are built here, with a fixed seed:

- ``gaps``: a 9 x 6 ratings matrix with a row with nothing observed, a column never observed,
  a component of weight 0 that is the only one near the data (so ``log(p)`` without the 1e-16
  loses it), soft counts below 1 and variances that fall under the 0.25 floor;
- ``long rows``: 12 users who each rated about 800 of 1000 movies, where a product of
  densities underflows to 0 (as it does on the Netflix matrix).

A case the course itself never poses (naive EM on rows of 1000 entries, a component of weight
exactly 0) carries ``beyond``: why it is harder and why it matters. Such a case never turns a
verdict into a failure; a difference there is reported as a note BEYOND THE COURSE. The other
cases hold the handout's data or the handout's own rules at their edges (a soft count below 1,
exactly 1, the variance floor), and decide PASS or FAIL.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .. import em, kmeans, naive_em
from ..common import GaussianMixture, init
from ..data import ENV_FORCE_STANDIN, forced_standins, load_or_standin

__all__ = ["Case", "cases", "notes"]


class Case(NamedTuple):
    """One call: ``name`` says what it is, ``args`` are the arguments (never modified by the checker).

    ``beyond`` is empty for a case of the course; for a harder one it says what makes it harder
    and why that matters, for the note BEYOND THE COURSE.
    """

    name: str
    args: tuple
    beyond: str = ""


#: Why each harder case matters, in the note BEYOND THE COURSE.
NAIVE_LONG_ROWS = ("the course runs naive EM on 2-D points only, where a product of densities never underflows; "
                   "on rows of 1000 entries each density is below 1e-300 and their sum is 0, so post is 0/0 "
                   "(nan) or a guessed fallback, and ll loses those rows. The Netflix matrix has 1200 columns: "
                   "it is why em.estep must work with logs (logsumexp)")
WEIGHT_ZERO = ("no mixture of the course has a weight of exactly 0, but one does once a component loses all its "
               "rows (a badly placed start, or K larger than the data needs): log(0) = -inf then shuts that "
               "component out for good. The handout's log(p + 1e-16) lets it take rows back")


@lru_cache(maxsize=None)
def _data(name: str) -> tuple[np.ndarray, bool]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, standin = load_or_standin(name)
    X.setflags(write=False)
    return X, standin


_USED: set[str] = set()


def _load(name: str) -> np.ndarray:
    _USED.add(name)
    return _data(name)[0]


def notes() -> list[str]:
    """One line per course file that the cases built so far could not use (a stand-in took its place), with why:
    the file is not installed, or ``CFGMM_FORCE_STANDIN=1`` (then the file may well be installed)."""
    if forced_standins():
        return [f"{ENV_FORCE_STANDIN}=1: the cases of {name}.txt ran on a synthetic stand-in of the same shape "
                f"(unset {ENV_FORCE_STANDIN} to use the course file)" for name in sorted(_USED) if _data(name)[1]]
    return [f"{name}.txt is not installed: its cases ran on a synthetic stand-in of the same shape "
            "(install the course data: see data/README.md)" for name in sorted(_USED) if _data(name)[1]]


def _label(name: str, text: str) -> str:
    return text + (" (stand-in)" if _data(name)[1] else "")


@lru_cache(maxsize=None)
def _gaps() -> tuple[np.ndarray, GaussianMixture]:
    rng = np.random.default_rng(13)
    n, d = 9, 6
    X = rng.integers(1, 6, size=(n, d)).astype(float)
    X[rng.random((n, d)) < 0.3] = 0.0
    X[2] = 0.0          # a user who rated nothing
    X[:, 4] = 0.0       # a movie nobody rated
    X[5, :4] = [3.0, 3.0, 3.1, 2.9]
    X[6, :4] = [3.0, 2.9, 3.0, 3.1]
    X[7, [0, 1, 3]] = [4.0, 4.1, 3.9]
    X[[5, 6], 5] = 0.0  # column 5: rated only by users that component 2 barely owns (soft count < 1)
    mu = np.vstack([np.full(d, 40.0), np.full(d, -30.0), np.array([3.0, 3.0, 3.0, 3.0, 3.0, 3.0])])
    # component 2 sits on the data but has weight 0; the others are far away with tiny variances
    mixture = GaussianMixture(mu, np.array([0.3, 0.26, 0.27]), np.array([0.6, 0.4, 0.0]))
    return X, mixture


@lru_cache(maxsize=None)
def _gaps_post() -> np.ndarray:
    X, _ = _gaps()
    rng = np.random.default_rng(14)
    post = rng.dirichlet([5.0, 5.0, 0.2], size=X.shape[0])  # component 2: soft counts below 1
    post[[5, 6], :] = [0.02, 0.03, 0.95]                    # ... except where it owns two close rows
    post /= post.sum(axis=1, keepdims=True)
    return post


@lru_cache(maxsize=None)
def _exact_post() -> np.ndarray:
    """Posteriors giving component 2 a soft count of exactly 1 on column 5 (rated by rows 0, 3, 7, 8).

    The handout updates a mean where the soft count is ``>= 1``: here mu[2, 5] moves to 5, and a
    rule written ``> 1`` keeps it at 3.
    """
    post = _gaps_post().copy()
    post[[0, 3]] = [0.25, 0.25, 0.5]
    post[[7, 8]] = [0.5, 0.5, 0.0]
    return post


@lru_cache(maxsize=None)
def _long_rows(complete: bool) -> tuple[np.ndarray, GaussianMixture]:
    rng = np.random.default_rng(15)
    X = rng.integers(1, 6, size=(12, 1000)).astype(float)
    if not complete:
        X[rng.random(X.shape) < 0.2] = 0.0
    return X, init(X, 3, seed=0)[0]


@lru_cache(maxsize=None)
def _test_case():
    X = _load("test_incomplete")
    mixture, post = init(X, 4, seed=0)
    post1, _ = em.estep(X, mixture)
    hist = em.history(X, mixture)
    late = hist[-1]
    return X, mixture, post, post1, late


def cases(step: str) -> list[Case]:
    """The cases for one step (``"em.estep"``, ...), in a fixed order."""
    return _CASES[step]()


def _kmeans_estep():
    toy = _load("toy_data")
    ties = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -3.0]])
    tie_mixture = GaussianMixture(np.array([[1.0, 0.0], [-1.0, 0.0], [5.0, 5.0]]), np.ones(3), np.full(3, 1 / 3))
    return [
        Case(_label("toy_data", "toy data, K = 3, seed 0"), (toy, init(toy, 3, seed=0)[0])),
        Case(_label("toy_data", "toy data, K = 4, seed 4"), (toy, init(toy, 4, seed=4)[0])),
        Case("points equally far from two means (ties go to the lower index)", (ties, tie_mixture)),
    ]


def _kmeans_mstep():
    toy = _load("toy_data")
    test = _load("test_complete")
    out = []
    for X, K, seed, name in ((toy, 3, 0, "toy_data"), (toy, 4, 4, "toy_data"), (test, 4, 0, "test_complete")):
        post = kmeans.estep(X, init(X, K, seed=seed)[0])
        label = "toy data" if name == "toy_data" else "test case 20 x 5 (complete)"
        out.append(Case(_label(name, f"{label}, K = {K}, seed {seed}, after one assignment"), (X, post)))
    return out


def _naive_estep():
    toy = _load("toy_data")
    test = _load("test_complete")
    X, mixture = _long_rows(True)
    return [
        Case(_label("toy_data", "toy data, K = 3, seed 0"), (toy, init(toy, 3, seed=0)[0])),
        Case(_label("test_complete", "test case 20 x 5 (complete), K = 4, seed 0"), (test, init(test, 4, seed=0)[0])),
        Case("long rows (12 x 1000): densities underflow", (X, mixture), NAIVE_LONG_ROWS),
    ]


def _naive_mstep():
    out = []
    for c in _naive_estep()[:2]:
        X, mixture = c.args
        out.append(Case(c.name + ", after one E-step", (X, naive_em.estep(X, mixture)[0])))
    return out


def _naive_run():
    toy = _load("toy_data")
    return [
        Case(_label("toy_data", f"toy data, K = {K}, seed {seed}"), (toy, *init(toy, K, seed=seed)))
        for K, seed in ((3, 0), (2, 2), (4, 4))
    ]


def _bic():
    toy = _load("toy_data")
    out = []
    for K, seed in ((1, 0), (3, 0), (4, 4)):
        mixture, _ = init(toy, K, seed=seed)
        out.append(Case(_label("toy_data", f"toy data, K = {K}"), (toy, mixture, naive_em.estep(toy, mixture)[1])))
    X, mixture, *_ = _test_case()
    out.append(Case(_label("test_incomplete", "test case 20 x 5, K = 4"), (X, mixture, em.estep(X, mixture)[1])))
    return out


def _em_estep():
    toy = _load("toy_data")
    X, mixture, _, _, late = _test_case()
    G, gm = _gaps()
    L, lm = _long_rows(False)
    return [
        Case(_label("toy_data", "toy data (complete), K = 3, seed 0"), (toy, init(toy, 3, seed=0)[0])),
        Case(_label("test_incomplete", "test case 20 x 5, K = 4, seed 0"), (X, mixture)),
        Case(_label("test_incomplete", "test case 20 x 5, last mixture of the run"), (X, late.mixture)),
        Case("long rows (12 x 1000, like the Netflix matrix's 1200): densities underflow", (L, lm)),
        Case("gaps: empty row, unrated column, weight-0 component", (G, gm), WEIGHT_ZERO),
    ]


def _em_mstep():
    X, mixture, _, post1, late = _test_case()
    G, gm = _gaps()
    return [
        Case(_label("test_incomplete", "test case 20 x 5, K = 4, seed 0, first M-step"), (X, post1, mixture)),
        Case(_label("test_incomplete", "test case 20 x 5, last M-step of the run (variance floor)"),
             (X, late.post, late.estep_mixture)),
        Case("gaps: empty row, unrated column, soft counts below 1", (G, _gaps_post(), gm)),
        Case("gaps, with min_variance = 0.4, a soft count of exactly 1", (G, _exact_post(), gm, 0.4)),
    ]


@lru_cache(maxsize=None)
def _slow_ratings() -> np.ndarray:
    """120 users of 3 tastes over 40 movies, blurred by noise of 2.5 stars, a third of the ratings missing.

    EM converges slowly on it and its log-likelihood is in the thousands, so the handout's relative
    stopping rule and an absolute one (or K-means' 1e-4) stop at clearly different mixtures, with or
    without the course data.
    """
    rng = np.random.default_rng(23)
    tastes = rng.integers(1, 6, size=(3, 40)).astype(float)
    X = np.clip(np.rint(tastes[rng.integers(0, 3, 120)] + rng.normal(0, 2.5, (120, 40))), 1, 5)
    X[rng.random(X.shape) < 0.33] = 0.0
    return X


def _em_run():
    X = _load("test_incomplete")
    S = _slow_ratings()
    return [Case(_label("test_incomplete", f"test case 20 x 5, K = {K}, seed {seed}"), (X, *init(X, K, seed=seed)))
            for K, seed in ((4, 0), (3, 1))] + [Case("slowly converging (120 x 40), K = 3, seed 0",
                                                    (S, *init(S, 3, seed=0)))]


def _fill_matrix():
    X, mixture, *_ = _test_case()
    final = em.run(X, mixture, np.full((X.shape[0], 4), 0.25))[0]
    G, gm = _gaps()
    return [
        Case(_label("test_incomplete", "test case 20 x 5, K = 4, the mixture after run"), (X, final)),
        Case(_label("test_incomplete", "test case 20 x 5, K = 4, seed 0, before any step"), (X, mixture)),
        Case("long rows (12 x 1000, like the Netflix matrix's 1200): densities underflow", _long_rows(False)),
        Case("gaps: empty row, unrated column, weight-0 component", (G, gm), WEIGHT_ZERO),
    ]


def _rmse():
    X = _load("test_incomplete")
    Y = _load("test_complete")
    rng = np.random.default_rng(16)
    return [
        Case(_label("test_complete", "test case 20 x 5: incomplete against complete"), (X, Y)),
        Case("random 7 x 3 matrices", (rng.normal(size=(7, 3)), rng.normal(size=(7, 3)))),
    ]


_CASES = {
    "kmeans.estep": _kmeans_estep, "kmeans.mstep": _kmeans_mstep,
    "naive_em.estep": _naive_estep, "naive_em.mstep": _naive_mstep, "naive_em.run": _naive_run,
    "common.bic": _bic, "em.estep": _em_estep, "em.mstep": _em_mstep, "em.run": _em_run,
    "em.fill_matrix": _fill_matrix, "common.rmse": _rmse,
}
