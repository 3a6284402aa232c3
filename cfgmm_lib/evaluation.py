"""Scoring a completed ratings matrix honestly: which entries, against which baselines.

Introduced in ``notebooks/04_matrix_completion.py``.
"""

from __future__ import annotations

import numpy as np

from .common import check_matrix

__all__ = [
    "observed", "rmse_on", "mae_on", "predict_global_mean", "predict_user_mean",
    "predict_movie_mean", "rating_shares",
]


def observed(X) -> np.ndarray:
    """The handout's convention: an entry is observed when it is not 0. Bool array of X's shape."""
    return check_matrix(X) != 0


def _entries(pred, truth, where):
    pred = check_matrix(pred, "pred")
    truth = check_matrix(truth, "truth")
    where = np.asarray(where, dtype=bool)
    if not (pred.shape == truth.shape == where.shape):
        raise ValueError(f"pred, truth and where must have one shape, got {pred.shape}, {truth.shape}, {where.shape}")
    if not where.any():
        raise ValueError("no entry is selected by `where`: nothing to score")
    return pred[where] - truth[where]


def rmse_on(pred, truth, where) -> float:
    """Root mean squared error over the entries where ``where`` is True.

    Parameters
    ----------
    pred, truth : arrays of shape (n, d)
    where : bool array of shape (n, d)

    Returns
    -------
    float
    """
    err = _entries(pred, truth, where)
    return float(np.sqrt(np.mean(err * err)))


def mae_on(pred, truth, where) -> float:
    """Mean absolute error over the entries where ``where`` is True (shapes as ``rmse_on``)."""
    return float(np.mean(np.abs(_entries(pred, truth, where))))


def _means(X, mask, axis):
    X = check_matrix(X)
    mask = observed(X) if mask is None else np.asarray(mask, dtype=bool)
    if not mask.any():
        raise ValueError("the matrix has no observed entry")
    total = np.where(mask, X, 0.0).sum(axis=axis)
    count = mask.sum(axis=axis)
    glob = np.where(mask, X, 0.0).sum() / mask.sum()
    return np.where(count > 0, total / np.maximum(count, 1), glob), glob, X.shape


def predict_global_mean(X, mask=None) -> np.ndarray:
    """Every entry predicted by the mean of all observed ratings.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given).
    mask : bool array of shape (n, d), optional

    Returns
    -------
    array of shape (n, d)
    """
    _, glob, shape = _means(X, mask, axis=0)
    return np.full(shape, glob)


def predict_user_mean(X, mask=None) -> np.ndarray:
    """Each row predicted by that user's mean observed rating (the global mean for a user with none).

    Shapes as ``predict_global_mean``.
    """
    means, _, shape = _means(X, mask, axis=1)
    return np.broadcast_to(means[:, None], shape).copy()


def predict_movie_mean(X, mask=None) -> np.ndarray:
    """Each column predicted by that movie's mean observed rating (the global mean for a movie with none).

    Shapes as ``predict_global_mean``.
    """
    means, _, shape = _means(X, mask, axis=0)
    return np.broadcast_to(means[None, :], shape).copy()


def rating_shares(values, levels=(1, 2, 3, 4, 5)) -> dict:
    """Share of each star level among ``values`` (rounded to the nearest level first).

    Parameters
    ----------
    values : array
        Ratings (any shape); predictions are rounded to the nearest level.
    levels : tuple of int

    Returns
    -------
    dict
        level -> share in [0, 1].
    """
    v = np.clip(np.rint(np.asarray(values, dtype=float).ravel()), min(levels), max(levels))
    return {lv: float(np.mean(v == lv)) for lv in levels}
