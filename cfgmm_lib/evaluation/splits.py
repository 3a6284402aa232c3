"""Which observed ratings a held-out test hides: a uniform random share, or a share shaped like the gaps.

The course matrix's gaps are far from random: some users rate nearly every movie and others a
few dozen, some movies nearly everyone rated. A uniform split (``how="random"``) tests a model
on ratings like the observed ones; ``how="gaps"`` hides ratings where the matrix's own gaps fall
(users who rate little, movies rated by few), which is where a recommender has to predict.

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import issparse

from ..core.validation import check_data, check_scalar, check_seed
from ..scale import heldout as sparse_heldout

__all__ = ["holdout_split", "SPLITS", "check_fraction", "check_how", "holdout_split_checked", "gap_weights"]

#: The ways ``holdout_split`` chooses the hidden ratings.
SPLITS = ("random", "gaps")


def holdout_split(X, fraction: float = 0.1, seed: int = 0, how: str = "random"):
    """Hide a fixed share of the observed ratings.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing; or a ``scipy.sparse`` matrix whose stored entries are the ratings.
    fraction : float in (0, 1), default 0.1
        Share of the observed entries to hide.
    seed : int, default 0
        Seed of the local generator that picks them: the same seed gives the same split.
    how : {"random", "gaps"}, default "random"
        ``"random"``: every observed rating is equally likely to be hidden (a uniform sample
        without replacement). ``"gaps"``: missing not at random, shaped like the matrix's own
        gaps: rating (u, i) is drawn with weight ``gap_weights`` = (share of user u's row that
        is missing) x (share of movie i's column that is missing), smoothed so that no weight
        is 0, without replacement (Efraimidis-Spirakis keys). Light users and rarely rated
        movies are hidden far more often than under ``"random"``.

    Returns
    -------
    X_train : array of shape (n, d)
        A copy of X with the hidden entries set to 0 (X itself is not changed); a sparse X gives
        a new sparse matrix without them.
    rows, cols : int arrays of shape (m,)
        Where the hidden entries are, in row-major order.
    ratings : array of shape (m,)
        Their true ratings.
    """
    # a sparse X: its stored entries are the observed ones, in the row-major order of np.nonzero (notebook 07)
    return holdout_split_checked(check_data(X), check_fraction(fraction), check_seed(seed), check_how(how))


def check_fraction(fraction) -> float:
    """The share of observed ratings to hide: a number strictly between 0 and 1."""
    if isinstance(fraction, (float, np.floating)) and np.isnan(fraction):
        f = float("nan")
    else:
        f = check_scalar(fraction, "fraction", float)
    if not 0.0 < f < 1.0:  # NaN fails this too
        raise ValueError(f"fraction must be strictly between 0 and 1, got {fraction!r}")
    return f


def check_how(how, name: str = "how") -> str:
    """One of ``SPLITS``."""
    if not isinstance(how, str) or how not in SPLITS:
        raise ValueError(f"{name} must be one of {SPLITS}, got {how!r}")
    return how


def gap_weights(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The ``"gaps"`` split's weight of each observed entry, shape (N,) for entries (rows, cols) of an (n, d) matrix.

    ``(missing_u + 1) / (d + 1) * (missing_i + 1) / (n + 1)``: the shares of user u's row and of
    movie i's column that are missing, each with one pseudo-gap so that a full row or column
    still has a small weight.
    """
    n, d = shape
    missing_user = d - np.bincount(rows, minlength=n)
    missing_movie = n - np.bincount(cols, minlength=d)
    return (missing_user[rows] + 1.0) / (d + 1.0) * (missing_movie[cols] + 1.0) / (n + 1.0)


def holdout_split_checked(X, f: float, seed: int, how: str = "random"):
    """``holdout_split`` on checked arguments (a dense array, or a checked sparse matrix); ``evaluate`` calls it."""
    sparse = issparse(X)
    if sparse:
        total = X.nnz
    else:
        r, c = np.nonzero(X)
        total = r.size
    if total == 0:
        raise ValueError("X has no observed entry: there is nothing to hide")
    m = int(round(f * total))
    if m == 0 or m == total:
        raise ValueError(f"fraction {f} of {total} observed entries hides {m}: nothing to fit or to score")
    rng = np.random.default_rng(seed)
    if how == "random":
        idx = np.sort(rng.choice(total, m, replace=False))
    else:
        if sparse:
            r, c = sparse_heldout.stored_rows(X), X.indices
        # weighted sampling without replacement: the m smallest keys E / w, E ~ Exponential(1)
        keys = rng.exponential(size=total) / gap_weights(r, c, X.shape)
        idx = np.sort(np.argpartition(keys, m - 1)[:m])
    if sparse:  # the same entries as on the dense matrix; X_train is sparse, without them
        return sparse_heldout.hide(X, idx)
    rows, cols = r[idx], c[idx]
    X_train = X.copy()
    X_train[rows, cols] = 0.0
    return X_train, rows, cols, X[rows, cols].copy()
