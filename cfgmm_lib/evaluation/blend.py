"""The Netflix Prize's lesson: a linear blend of several models' predictions.

The Prize (2006-2009) was won by a team, BellKor's Pragmatic Chaos, whose final submission
blended the predictions of hundreds of models (factorisations, neighbourhood models, restricted
Boltzmann machines, ...). No single model came close: models that are each good make different
errors, and a weighted sum of their predictions averages part of those errors away.

The blend here is the simplest kind that the Prize teams used ("probe blending"): the
weights are fitted by least squares on a validation split, where every model was fitted
without those ratings; then each model is refitted on all training ratings and the same
weights are applied to its predictions of the hidden ratings. The hidden ratings are seen only
by the final score.

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from ..core.validation import check_scalar, check_values

__all__ = ["Blend", "fit_blend", "fit_blend_checked"]


@dataclass(frozen=True)
class Blend:
    """``intercept + sum_k weights[k] * clip(predictions[:, k], 1, 5)``.

    Attributes
    ----------
    names : tuple of str
        The blended models, in the order of the columns of the predictions.
    weights : array of shape (k,)
    intercept : float
    clip : (float, float)
        The rating scale: each model's predictions are clipped to it first (as ``score`` does).
    """

    names: tuple
    weights: np.ndarray
    intercept: float
    clip: tuple = (1.0, 5.0)

    def predict(self, P) -> np.ndarray:
        """The blend of predictions ``P`` of shape (m, k), one column per model of ``names``: shape (m,)."""
        P = check_values(P, "P")
        if P.ndim != 2 or P.shape[1] != len(self.names):
            raise ValueError(f"P must have shape (m, {len(self.names)}) (one column per model of {self.names}), "
                             f"got {P.shape}")
        return self.intercept + np.clip(P, *self.clip) @ self.weights

    def as_dict(self) -> dict:
        return {"intercept": float(self.intercept), "weights": dict(zip(self.names, map(float, self.weights)))}


def fit_blend(P, ratings, names, reg: float = 1e-3) -> Blend:
    """Least-squares weights that blend the columns of ``P`` into predictions of ``ratings``.

    Parameters
    ----------
    P : array of shape (m, k)
        Each model's predictions of m validation ratings (one column per model).
    ratings : array of shape (m,)
        The validation ratings.
    names : sequence of k str
    reg : float, default 1e-3
        Ridge penalty per rating on the weights (not the intercept): ``reg * m * |w|^2``. It only
        steadies the solve when two models predict nearly the same (a global mean and the
        intercept, say); at 1e-3 it changes the blend's RMSE by less than 1e-4.

    Returns
    -------
    Blend
    """
    P = check_values(P, "P")
    y = check_values(ratings, "ratings")
    names = tuple(names)
    if P.ndim != 2 or y.ndim != 1 or P.shape[0] != y.shape[0] or P.shape[0] == 0:
        raise ValueError(f"P must be (m, k) and ratings (m,) with m > 0, got {P.shape} and {y.shape}")
    if len(names) != P.shape[1] or not all(isinstance(s, str) for s in names):
        raise ValueError(f"names must give one str per column of P ({P.shape[1]}), got {names!r}")
    return fit_blend_checked(P, y, names, check_scalar(reg, "reg", low=0.0, low_inclusive=False))


def fit_blend_checked(P: np.ndarray, y: np.ndarray, names: tuple, reg: float = 1e-3) -> Blend:
    """``fit_blend`` on checked arguments; ``evaluate`` calls it with its validation predictions."""
    blend = Blend(names, np.zeros(P.shape[1]), 0.0)
    Z = np.clip(P, *blend.clip)
    # centre, so that the intercept is not penalised: w = (Zc'Zc + reg m I)^-1 Zc'yc, by Cholesky
    zbar, ybar = Z.mean(axis=0), y.mean()
    Zc = Z - zbar
    G = Zc.T @ Zc + reg * len(y) * np.eye(Z.shape[1])
    w = cho_solve(cho_factor(G), Zc.T @ (y - ybar))
    return Blend(names, w, float(ybar - zbar @ w))
