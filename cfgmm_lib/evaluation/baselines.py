"""The baselines every recommender must beat: global, user and movie means, and the regularised bias model.

Introduced in ``notebooks/04_matrix_completion.py`` (means) and ``notebooks/05_beyond_the_handout.py`` (biases).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import issparse

from ..core.validation import check_fillable, check_ratings, check_scalar
from ..core.predictor import Predictor
from ..scale import heldout as sparse_heldout

__all__ = ["predict_global_mean", "predict_user_mean", "predict_movie_mean", "MeanModel", "fit_means",
           "BiasModel", "fit_bias"]


def _means(X, mask, axis):
    return _means_checked(*check_ratings(X, mask), axis)  # a sparse X: stored entries = observed (notebook 07)


def _means_checked(X, mask, axis):
    """Per-row (axis=1) or per-column (axis=0) means of the observed ratings, the global mean, X's shape."""
    if issparse(X):
        return sparse_heldout.means(X, axis)
    if not mask.any():
        raise ValueError("the matrix has no observed entry")
    total = np.where(mask, X, 0.0).sum(axis=axis)
    count = mask.sum(axis=axis)
    glob = np.where(mask, X, 0.0).sum() / mask.sum()
    return np.where(count > 0, total / np.maximum(count, 1), glob), glob, X.shape


def _dense_shape(shape, X, kind: str) -> tuple[int, int]:
    """The (n, d) of a prediction matrix, refused when a sparse X is too large to fill."""
    if issparse(X):
        check_fillable(shape, f"predict_{kind}_mean",
                       f"predict only the entries you need with fit_means(X, {kind!r}).predict(rows, cols)")
    return shape


def predict_global_mean(X, mask=None) -> np.ndarray:
    """Every entry predicted by the mean of all observed ratings.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given); or a ``scipy.sparse`` matrix whose
        stored entries are the ratings (refused when the (n, d) result would exceed
        ``scale.MAX_FILL_ENTRIES``: use ``fit_means(X, kind).predict(rows, cols)`` there).
    mask : bool array of shape (n, d), optional

    Returns
    -------
    array of shape (n, d)
    """
    _, glob, shape = _means(X, mask, axis=0)
    return np.full(_dense_shape(shape, X, "global"), glob)


def predict_user_mean(X, mask=None) -> np.ndarray:
    """Each row predicted by that user's mean observed rating (the global mean for a user with none).

    Shapes as ``predict_global_mean``.
    """
    means, _, shape = _means(X, mask, axis=1)
    return np.broadcast_to(means[:, None], _dense_shape(shape, X, "user")).copy()


def predict_movie_mean(X, mask=None) -> np.ndarray:
    """Each column predicted by that movie's mean observed rating (the global mean for a movie with none).

    Shapes as ``predict_global_mean``.
    """
    means, _, shape = _means(X, mask, axis=0)
    return np.broadcast_to(means[None, :], _dense_shape(shape, X, "movie")).copy()


@dataclass
class MeanModel(Predictor):
    """A constant, a per-user or a per-movie mean; ``kind`` is "global", "user" or "movie".

    Attributes
    ----------
    kind : str
    values : array
        The global mean (0-D), or one mean per user (n,) or per movie (d,).
    shape : (n, d)
        The shape of the matrix it was fitted on: the positions it can predict.
    """

    kind: str
    values: np.ndarray
    shape: tuple


    def predict_checked(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``predict`` at positions already checked with ``check_pairs``; ``evaluate`` calls it."""
        if self.kind == "global":
            return np.full(len(rows), float(self.values))
        return self.values[rows if self.kind == "user" else cols]


def fit_means(X, kind: str, mask=None) -> MeanModel:
    """The global, user or movie mean of the observed ratings (the global mean where a row or column has none)."""
    if not isinstance(kind, str) or kind not in ("global", "user", "movie"):
        raise ValueError(f"kind must be 'global', 'user' or 'movie', got {kind!r}")
    means, glob, shape = _means(X, mask, axis=1 if kind == "user" else 0)
    return MeanModel(kind, np.array(glob) if kind == "global" else means, tuple(shape))


def fit_means_checked(X, M, kind: str) -> MeanModel:
    """``fit_means`` on checked arguments (``M``: the bool mask of observed entries; None for a sparse X)."""
    means, glob, shape = _means_checked(X, M, axis=1 if kind == "user" else 0)
    return MeanModel(kind, np.array(glob) if kind == "global" else means, tuple(shape))


@dataclass
class BiasModel(Predictor):
    """``mu + b_user[u] + b_movie[i]``: the regularised bias baseline."""

    mu: float
    b_user: np.ndarray
    b_movie: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(n, d): the positions the model can predict."""
        return len(self.b_user), len(self.b_movie)


    def predict_checked(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``predict`` at positions already checked with ``check_pairs``; ``evaluate`` calls it."""
        return self.mu + self.b_user[rows] + self.b_movie[cols]

    def matrix(self) -> np.ndarray:
        return self.mu + self.b_user[:, None] + self.b_movie[None, :]


def fit_bias(X, reg_user: float = 10.0, reg_movie: float = 10.0, iters: int = 20, mask=None) -> BiasModel:
    """Global mean plus user and movie biases, by alternating ridge updates on the observed entries.

    ``b_user[u] = sum_i (r_ui - mu - b_movie[i]) / (reg_user + |R(u)|)``, then the same for the
    movies, ``iters`` times (each update is exact given the other, so the loss never rises).

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given); or a ``scipy.sparse`` matrix whose
        stored entries are the ratings.
    reg_user, reg_movie : float
        Ridge penalties; they shrink the biases of users and movies with few ratings.
    iters : int
    mask : bool array of shape (n, d), optional

    Returns
    -------
    BiasModel
    """
    reg_user = check_scalar(reg_user, "reg_user", low=0.0)
    reg_movie = check_scalar(reg_movie, "reg_movie", low=0.0)
    iters = check_scalar(iters, "iters", int, low=1)
    return fit_bias_checked(*check_ratings(X, mask), reg_user, reg_movie, iters)  # sparse: stored = observed


def fit_bias_checked(X, M, reg_user: float, reg_movie: float, iters: int = 20) -> BiasModel:
    """``fit_bias`` on checked arguments (``M``: the bool mask of observed entries; None for a sparse X)."""
    if issparse(X):
        return _bias_from_sums(*sparse_heldout.bias_sums(X), reg_user, reg_movie, iters)
    if not M.any():
        raise ValueError("X has no observed entry: nothing to fit")
    Mf = M.astype(float)
    mu = float(X[M].mean())
    R = np.where(M, X - mu, 0.0)
    return _bias_from_sums(mu, R.sum(axis=1), R.sum(axis=0), Mf.sum(axis=1), Mf.sum(axis=0), Mf.__matmul__,
                           Mf.__rmatmul__, reg_user, reg_movie, iters)


def _bias_from_sums(mu, r_user, r_movie, n_user, n_movie, M_dot, MT_dot, reg_user, reg_movie, iters) -> BiasModel:
    """The alternating ridge updates, from the residual sums and counts and products with the 0/1 mask."""
    b_user, b_movie = np.zeros(len(n_user)), np.zeros(len(n_movie))
    for _ in range(iters):
        b_user = (r_user - M_dot(b_movie)) / (reg_user + n_user + 1e-12)
        b_movie = (r_movie - MT_dot(b_user)) / (reg_movie + n_movie + 1e-12)
    return BiasModel(mu, b_user, b_movie)
