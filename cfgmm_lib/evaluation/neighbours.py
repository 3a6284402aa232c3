"""The item-based neighbourhood model of the Netflix Prize: a movie is predicted from the user's ratings of similar movies.

On the bias baseline's residuals ``e_uj = r_uj - (mu + b_u + b_j)``, two movies are similar when
the users who rated both deviate from the baseline the same way:

    s_ij = (sum_u e_ui e_uj) / sqrt(sum_u e_ui^2 [u rated j] * sum_u e_uj^2 [u rated i]) * n_ij / (n_ij + shrink)

over the users u who rated both (``n_ij`` of them; the last factor shrinks similarities that rest
on few users towards 0). Each movie keeps its ``k`` most similar movies, and

    r_ui ~ mu + b_u + b_i + sum_{j in N_k(i), u rated j} s_ij e_uj / sum_{j in N_k(i), u rated j} |s_ij| .

This is Koren's "kNN baseline" (2008, 2010), with the neighbours chosen once per movie (the k most
similar of all movies) instead of among each user's rated movies: on the course matrix a user
has rated three quarters of the movies, so the two are close, and the whole prediction is then
two matrix products. Its errors differ from a factorisation's, which is what a blend needs.

Introduced in ``notebooks/05_beyond_the_handout.py`` (section 11).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.validation import check_ratings, check_scalar
from ..core.predictor import Predictor
from .baselines import BiasModel, fit_bias_checked

__all__ = ["NeighbourModel", "fit_neighbours", "fit_neighbours_checked"]


@dataclass
class NeighbourModel(Predictor):
    """A fitted item-based neighbourhood model.

    Attributes
    ----------
    bias : BiasModel
        The baseline whose residuals the neighbours correct.
    correction : array of shape (n, d)
        ``sum_j s_ij e_uj / sum_j |s_ij|`` over the neighbours j of i that u rated (0 where none).
    k : int
    shrink : float
    """

    bias: BiasModel
    correction: np.ndarray
    k: int
    shrink: float

    @property
    def shape(self) -> tuple[int, int]:
        """(n, d): the positions the model can predict."""
        return self.correction.shape


    def predict_checked(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``predict`` at positions already checked with ``check_pairs``; ``evaluate`` calls it."""
        return self.bias.predict_checked(rows, cols) + self.correction[rows, cols]


def fit_neighbours(X, k: int = 40, shrink: float = 100.0, reg: float = 5.0, mask=None) -> NeighbourModel:
    """Fit the item-based neighbourhood model on the observed ratings of a dense X.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given).
    k : int, default 40
        Neighbours kept per movie (more than d - 1: every other movie).
    shrink : float, default 100
        Shrinkage of similarities supported by few users (``n_ij / (n_ij + shrink)``).
    reg : float, default 5.0
        Ridge penalty of the bias baseline (``fit_bias``, both sides).
    mask : bool array of shape (n, d), optional

    Returns
    -------
    NeighbourModel
    """
    X, M = check_ratings(X, mask)
    if M is None:
        raise TypeError("fit_neighbours needs a dense X (its similarity products are (n, d) arrays)")
    k = check_scalar(k, "k", int, low=1)
    shrink = check_scalar(shrink, "shrink", low=0.0)
    reg = check_scalar(reg, "reg", low=0.0)
    return fit_neighbours_checked(X, M, fit_bias_checked(X, M, reg, reg), k, shrink)


def fit_neighbours_checked(X, M, bias: BiasModel, k: int, shrink: float) -> NeighbourModel:
    """``fit_neighbours`` on checked arguments, with the baseline already fitted; ``evaluate`` calls it."""
    Mf = M.astype(float)
    E = np.where(M, X - bias.matrix(), 0.0)  # (n, d) residuals on the observed entries
    co = Mf.T @ Mf  # n_ij
    num = E.T @ E
    A = (E * E).T @ Mf  # A[i, j] = sum_u e_ui^2 [u rated j]
    with np.errstate(invalid="ignore", divide="ignore"):
        S = np.where(co > 0, num / np.sqrt(A * A.T), 0.0) * co / (co + shrink)
    S = np.nan_to_num(S)
    np.fill_diagonal(S, -np.inf)  # a movie is not its own neighbour
    k_kept = max(min(k, S.shape[0] - 1), 1)
    keep = np.argpartition(-S, k_kept - 1, axis=1)[:, :k_kept]  # (d, k): each movie's k most similar
    W = np.zeros_like(S)
    rows = np.arange(S.shape[0])[:, None]
    W[rows, keep] = np.where(np.isfinite(S[rows, keep]), S[rows, keep], 0.0)
    numerator = E @ W.T  # (n, d): sum_j s_ij e_uj over i's neighbours (E is 0 where u did not rate j)
    denominator = Mf @ np.abs(W).T
    correction = np.where(denominator > 1e-12, numerator / np.maximum(denominator, 1e-12), 0.0)
    return NeighbourModel(bias, correction, k, shrink)
