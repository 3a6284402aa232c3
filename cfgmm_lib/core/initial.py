"""The course's start of every run (``common.init``) on checked data, dense or sparse.

``initial_mixture`` is what ``common.init`` computes once its arguments are checked: K distinct
rows drawn with ``np.random.RandomState(seed).choice(n, K, replace=False)`` as the means, the
mean squared difference of all n*d entries from each as its variance, equal weights. A sparse X
gives the same numbers without densifying. ``sweep`` calls it for every seed after checking X once.
Introduced in ``notebooks/01_kmeans.py``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse import issparse

from .mixture import GaussianMixture

__all__ = ["initial_mixture"]


def initial_mixture(X, K: int, seed: int) -> tuple[GaussianMixture, np.ndarray]:
    """``common.init`` on checked arguments (a dense array, or a csr_matrix from ``check_sparse``).

    Parameters
    ----------
    X : array or csr_matrix of shape (n, d)
    K : int
        Checked: ``1 <= K <= n``.
    seed : int
        Checked: a seed of NumPy's legacy generator.

    Returns
    -------
    mixture : GaussianMixture
        ``mu`` (K, d), ``var`` (K,), ``p`` (K,) = 1/K.
    post : array of shape (n, K)
        1/K everywhere.
    """
    n = X.shape[0]
    rng = np.random.RandomState(seed)
    if issparse(X):
        mu, var = _sparse_moments(X, rng.choice(n, K, replace=False))
    else:
        mu = X[rng.choice(n, K, replace=False)].copy()
        # one (n, d) temporary at a time: no (K, n, d) array, same arithmetic as the course
        var = np.array([((X - mu[j]) ** 2).mean() for j in range(K)])
    if (var == 0).any():
        raise ValueError("every row of X is the same, so init's variance 0 would make a degenerate mixture")
    p = np.full(K, 1.0 / K)
    post = np.full((n, K), 1.0 / K)
    return GaussianMixture(mu, var, p), post


def _sparse_moments(X: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``common.init``'s means and variances on a sparse X, without densifying it.

    ``mu`` = the chosen rows (zeros where nothing is stored, as the course's dense init sees them);
    ``var[j]`` = mean over all n*d entries of ``(X - mu[j])**2``
    ``= (sum x^2 - 2 colsum(X) . mu[j] + n |mu[j]|^2) / (n d)``.

    Returns
    -------
    mu : array of shape (K, d)
    var : array of shape (K,)
    """
    n, d = X.shape
    mu = X[rows].toarray()
    colsum = np.asarray(X.sum(axis=0)).ravel()
    total = float(X.data @ X.data)
    var = (total - 2.0 * (mu @ colsum) + n * np.einsum("jl,jl->j", mu, mu)) / (n * d)
    return mu, var
