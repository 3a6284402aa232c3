"""Scores of predictions on chosen entries: RMSE and MAE on a mask, of held-out ratings, rating shares.

Introduced in ``notebooks/04_matrix_completion.py`` and ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_matrix, check_scalar, check_values

__all__ = ["rmse_on", "mae_on", "rating_shares", "score"]


def _entries(pred, truth, where):
    pred = check_matrix(pred, "pred")
    truth = check_matrix(truth, "truth")
    if np.iscomplexobj(where):
        raise TypeError("where must be a boolean array, got a complex array")
    where = np.asarray(where)
    if where.dtype != bool and not (where.dtype != object and np.isin(where, (0, 1)).all()):
        raise ValueError("where must be a boolean array (True = scored) or hold only 0 and 1")
    where = where.astype(bool)
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
    v = check_values(np.ravel(values), "values")
    v = np.clip(np.rint(v), min(levels), max(levels))
    return {lv: float(np.mean(v == lv)) for lv in levels}


def score(predicted, ratings, clip=(1.0, 5.0)) -> dict:
    """RMSE and MAE of predictions of held-out ratings, clipped to the rating scale first.

    Parameters
    ----------
    predicted, ratings : arrays of shape (m,)
    clip : (float, float) or None
        Predictions outside are moved to the nearest end (a model may predict 5.3 stars).

    Returns
    -------
    dict
        ``{"rmse": float, "mae": float}``
    """
    p = check_values(predicted, "predicted")
    y = check_values(ratings, "ratings")
    if p.shape != y.shape or p.ndim != 1 or p.size == 0:
        raise ValueError(f"predicted and ratings must be 1-D arrays of one non-zero length, got {p.shape}, {y.shape}")
    if clip is not None:
        if not (isinstance(clip, (tuple, list)) and len(clip) == 2):
            raise TypeError(f"clip must be a pair (low, high) or None, got {clip!r}")
        lo, hi = check_scalar(clip[0], "clip[0]"), check_scalar(clip[1], "clip[1]")
        if lo > hi:
            raise ValueError(f"clip must be (low, high) with low <= high, got {clip!r}")
        p = np.clip(p, lo, hi)
    err = p - y
    return {"rmse": float(np.sqrt(np.mean(err * err))), "mae": float(np.mean(np.abs(err)))}



