"""How sure is a mixture of each prediction? Its predictive distribution of a missing rating.

Given user u's observed ratings, the mixture's posterior ``post[u, k]`` says how likely each
component is; under component k a rating of movie i is ``N(mu[k, i], var[k])``. So the mixture
predicts a missing rating with a **mixture of Gaussians**, per entry:

    p(x_ui | observed) = sum_k post[u, k] N(x; mu[k, i] (+ offset), var[k]),

whose mean is the usual prediction ``sum_k post[u, k] mu[k, i]`` and whose variance is
``sum_k post[u, k] (var[k] + mu[k, i]^2) - mean^2`` (the components' own spread plus their
disagreement). A central interval at level ``q`` runs between the mixture's ``(1 - q)/2`` and
``(1 + q)/2`` quantiles (found by bisection on its CDF, for every entry at once).
``coverage`` measures calibration: the share of held-out ratings inside each interval, which a
well-calibrated model makes close to ``q``.

Ratings are whole stars and the mixture is continuous: a rating of 4 is inside an interval
(3.6, 4.4) but not inside (4.1, 4.9), so coverage is measured on the ratings as they are.

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import ndtr

from ..core.validation import check_pairs, check_scalar
from .mixtures import MixtureModel

__all__ = ["Predictive", "predictive", "predictive_interval", "coverage", "pit"]


class Predictive(NamedTuple):
    """The predictive distribution's mean and standard deviation at each chosen entry.

    Attributes
    ----------
    mean, sd : arrays of shape (m,)
    """

    mean: np.ndarray
    sd: np.ndarray


def _check_entries(model: MixtureModel, rows, cols) -> tuple[np.ndarray, np.ndarray]:
    """The model's type, and positions inside its (n, d) matrix (``core.validation.check_pairs``)."""
    if not isinstance(model, MixtureModel):
        raise TypeError(f"model must be a MixtureModel (evaluation.fit_mixture), got {type(model).__name__}")
    return check_pairs(rows, cols, model.shape)


def _components(model: MixtureModel, rows: np.ndarray, cols: np.ndarray):
    """Per entry and component: weights (m, K), means (m, K), standard deviations (K,)."""
    w = model.post[rows]
    means = model.mixture.mu[:, cols].T
    if model.offset is not None:
        means = means + model.offset.predict_checked(rows, cols)[:, None]
    return w, means, np.sqrt(model.mixture.var)


def predictive(model: MixtureModel, rows, cols) -> Predictive:
    """Mean and standard deviation of the predictive distribution at ``(rows[m], cols[m])``.

    Parameters
    ----------
    model : MixtureModel
        From ``evaluation.fit_mixture`` (dense or sparse training data; with or without a bias offset).
    rows, cols : int arrays of shape (m,)

    Returns
    -------
    Predictive
        ``mean`` equals ``model.predict(rows, cols)``.
    """
    rows, cols = _check_entries(model, rows, cols)
    w, means, sd = _components(model, rows, cols)
    mean = np.sum(w * means, axis=1)
    second = np.sum(w * (sd**2 + means**2), axis=1)
    return Predictive(mean, np.sqrt(np.maximum(second - mean**2, 0.0)))


def _quantiles(w: np.ndarray, means: np.ndarray, sd: np.ndarray, q: float, iters: int = 60) -> np.ndarray:
    """The q-quantile of each entry's Gaussian mixture, by bisection on its CDF (all entries at once)."""
    lo = (means - 10 * sd).min(axis=1)
    hi = (means + 10 * sd).max(axis=1)
    for _ in range(iters):  # a loop over bisection steps; each is vectorised over every entry and component
        mid = 0.5 * (lo + hi)
        below = np.sum(w * ndtr((mid[:, None] - means) / sd), axis=1) < q
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def predictive_interval(model: MixtureModel, rows, cols, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """The central interval holding ``level`` of each entry's predictive distribution.

    Parameters
    ----------
    model : MixtureModel
    rows, cols : int arrays of shape (m,)
    level : float in (0, 1), default 0.9

    Returns
    -------
    low, high : arrays of shape (m,)
    """
    rows, cols = _check_entries(model, rows, cols)
    level = check_scalar(level, "level", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    w, means, sd = _components(model, rows, cols)
    return _quantiles(w, means, sd, (1 - level) / 2), _quantiles(w, means, sd, (1 + level) / 2)


def pit(model: MixtureModel, rows, cols, ratings) -> np.ndarray:
    """Each rating's place in its own predictive distribution: ``F(rating)``, the probability integral transform.

    A rating lies inside the central interval of level q exactly when ``|F(rating) - 1/2| <= q / 2``,
    so one evaluation of the predictive distribution function per rating gives the coverage at
    every level (``coverage``). A calibrated model's values are uniform on [0, 1].

    Parameters
    ----------
    model : MixtureModel
    rows, cols : int arrays of shape (m,)
    ratings : array of shape (m,)

    Returns
    -------
    array of shape (m,), in [0, 1]
    """
    rows, cols = _check_entries(model, rows, cols)
    ratings = np.asarray(ratings, dtype=float)
    if ratings.shape != rows.shape or not np.isfinite(ratings).all():
        raise ValueError(f"ratings must be finite, one per entry ({rows.size}), got shape {ratings.shape}")
    w, means, sd = _components(model, rows, cols)
    return np.clip(np.sum(w * ndtr((ratings[:, None] - means) / sd), axis=1), 0.0, 1.0)


def coverage(model: MixtureModel, rows, cols, ratings, levels=(0.5, 0.9)) -> dict:
    """The share of ``ratings`` inside the central predictive interval at each level (calibration).

    Parameters
    ----------
    model : MixtureModel
    rows, cols : int arrays of shape (m,)
    ratings : array of shape (m,)
        The held-out ratings at those entries.
    levels : sequence of float in (0, 1)

    Returns
    -------
    dict of level to float in [0, 1]
        From ``pit``: one evaluation per rating, whatever the number of levels.
    """
    levels = [check_scalar(q, "levels[i]", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
              for q in levels]
    distance = np.abs(pit(model, rows, cols, ratings) - 0.5)
    return {q: float(np.mean(distance <= q / 2)) for q in levels}
