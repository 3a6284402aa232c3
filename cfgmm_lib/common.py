"""The handout's ``common.py``: the mixture type, ``init``, ``bic``, ``rmse`` and the arc-diagram ``plot``.

A learner holding the handout finds its functions here, with the same names and results.
``init``, ``bic`` and ``rmse`` are written here; ``GaussianMixture`` and the loop's types come
from ``cfgmm_lib.core`` and ``plot`` from ``cfgmm_lib.plotting`` (the same objects, so that
``except ComponentCollapse`` and warning filters match wherever they are imported from).

Introduced in ``notebooks/01_kmeans`` (``init``, ``plot``), ``notebooks/03_bic``
(``bic``) and ``notebooks/04_matrix_completion`` (``rmse``).
"""

from __future__ import annotations

import numpy as np

from .core.initial import initial_mixture
from .core.loop import MAX_ITER, Iteration, NotConvergedWarning, RunResult
from .core.mixture import ComponentCollapse, GaussianMixture
from .core.model_checks import check_K, check_mixture
from .core.validation import check_data, check_matrix, check_scalar, check_seed
from .plotting import COURSE_COLORS, plot

# Importable from here as before the move into cfgmm_lib.core (the same objects); not part of the
# handout's names, so `from cfgmm_lib.common import *` leaves them out.
from .core.logdomain import log_normalize, squared_distances  # noqa: E402,F401
from .core.loop import Loop, em_iterations, handout_cost_rule, handout_ll_rule  # noqa: E402,F401
from .core.model_checks import POST_ROW_TOLERANCE, check_post, check_step_args  # noqa: E402,F401
from .core.validation import (MAX_ABS_VALUE, as_real_array, check_entries, check_values,  # noqa: E402,F401
                              observed_mask)
from .plotting import component_colors  # noqa: E402,F401

__all__ = ["GaussianMixture", "ComponentCollapse", "NotConvergedWarning", "RunResult", "Iteration", "init", "bic",
           "rmse", "plot", "COURSE_COLORS"]


def init(X, K: int, seed: int = 0) -> tuple[GaussianMixture, np.ndarray]:
    """Initialise a mixture on K distinct rows of X, as the course does.

    The rows are drawn by ``np.random.RandomState(seed).choice(n, K,
    replace=False)``: the same rows as the course's ``np.random.seed(seed)``
    followed by ``np.random.choice``, without touching NumPy's global random
    state.

    Parameters
    ----------
    X : array or scipy.sparse matrix of shape (n, d)
        The data (for ratings, 0 means missing; ``init`` still uses the zeros,
        as the course does). A sparse X gives the same numbers without
        densifying (its unstored entries are the zeros).
    K : int
        Number of components, ``1 <= K <= n``.
    seed : int, default 0
        Seed of the legacy generator that picks the rows.

    Returns
    -------
    mixture : GaussianMixture
        ``mu`` of shape (K, d) = the chosen rows; ``var`` of shape (K,) with
        ``var[j]`` = mean over all n*d entries of ``(X - mu[j])**2``; ``p`` of
        shape (K,) = 1/K each.
    post : array of shape (n, K)
        1/K everywhere.

    Notes
    -----
    Introduced in ``notebooks/01_kmeans.py``.
    """
    X = check_data(X)  # a sparse X: its stored entries are the ratings (notebook 07); nothing (n, d) is made
    return initial_mixture(X, check_K(K, X.shape[0]), check_seed(seed))


def n_parameters(K: int, d: int) -> int:
    """Free parameters of a spherical mixture: K*d means, K variances, K-1 weights."""
    return K * d + K + (K - 1)


def bic(X, mixture: GaussianMixture, log_likelihood: float) -> float:
    """Bayesian information criterion, in the course's "higher is better" form.

    ``bic = log_likelihood - 0.5 * P * log(n)`` with ``P = K*d + K + (K - 1)``.

    Parameters
    ----------
    X : array of shape (n, d)
        The data the mixture was fitted on (only its shape is used).
    mixture : GaussianMixture
        The fitted mixture (``mu`` of shape (K, d)).
    log_likelihood : float
        Its log-likelihood on X.

    Returns
    -------
    float

    Notes
    -----
    Introduced in ``notebooks/03_bic.py``.
    """
    X = check_data(X)  # only the shape is used
    mixture = check_mixture(mixture, X.shape[1])
    ll = check_scalar(log_likelihood, "log_likelihood")
    return bic_from_counts(ll, X.shape[0], *mixture.mu.shape)


def bic_from_counts(log_likelihood: float, n: int, K: int, d: int) -> float:
    """``bic`` from the counts alone: ``log_likelihood - 0.5 * (K*d + 2K - 1) * log(n)``."""
    return float(log_likelihood - 0.5 * n_parameters(K, d) * np.log(n))


def rmse(X, Y) -> float:
    """Root mean squared error over all entries: ``sqrt(mean((X - Y)**2))``.

    Parameters
    ----------
    X, Y : arrays of shape (n, d)

    Returns
    -------
    float

    Notes
    -----
    Introduced in ``notebooks/04_matrix_completion.py``. It averages over
    every entry, observed or not; see ``cfgmm_lib.evaluation`` for scores
    on held-out entries only.
    """
    X = check_matrix(X, "X")
    Y = check_matrix(Y, "Y")
    if X.shape != Y.shape:
        raise ValueError(f"X and Y must have the same shape, got {X.shape} and {Y.shape}")
    return float(np.sqrt(np.mean((X - Y) ** 2)))
