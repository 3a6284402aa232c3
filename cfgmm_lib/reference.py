"""Plain loop-per-user versions of the EM equations, for teaching and checking.

These follow the handout's equations line by line, one user at a time. They
are slow on purpose: the tests check the vectorised ``naive_em`` and ``em``
against them, the benchmark measures how much faster the vectorised code is,
and the notebooks show them next to the library calls. Do not use them for
real work. Introduced in ``notebooks/02_em.py`` and ``notebooks/04_matrix_completion.py``.
"""

from __future__ import annotations

import math

import numpy as np

from .common import GaussianMixture

__all__ = ["naive_estep_loop", "em_estep_loop", "em_mstep_loop"]


def _estep_loop(X, mixture: GaussianMixture, observed: np.ndarray, eps: float) -> tuple[np.ndarray, float]:
    """E-step one user at a time, scoring each user on the entries where ``observed`` is True."""
    n = X.shape[0]
    K = mixture.mu.shape[0]
    post = np.zeros((n, K))
    ll = 0.0
    for u in range(n):
        c = observed[u].sum()
        f = np.empty(K)
        for j in range(K):
            diff = X[u, observed[u]] - mixture.mu[j, observed[u]]
            weight = mixture.p[j] + eps
            f[j] = ((math.log(weight) if weight > 0 else -math.inf)
                    - c / 2 * math.log(2 * math.pi * mixture.var[j]) - diff @ diff / (2 * mixture.var[j]))
        top = f.max()
        total = top + math.log(np.exp(f - top).sum())
        post[u] = np.exp(f - total)
        ll += total
    return post, ll


def naive_estep_loop(X, mixture: GaussianMixture) -> tuple[np.ndarray, float]:
    """Naive E-step (complete data), one user and one component at a time.

    Parameters
    ----------
    X : array of shape (n, d)
    mixture : GaussianMixture

    Returns
    -------
    post : array of shape (n, K)
    ll : float
    """
    return _estep_loop(X, mixture, np.ones(X.shape, dtype=bool), eps=0.0)


def em_estep_loop(X, mixture: GaussianMixture) -> tuple[np.ndarray, float]:
    """E-step with missing entries (0 = missing), one user and one component at a time.

    Parameters
    ----------
    X : array of shape (n, d)
    mixture : GaussianMixture

    Returns
    -------
    post : array of shape (n, K)
    ll : float
    """
    return _estep_loop(X, mixture, X != 0, eps=1e-16)


def em_mstep_loop(X, post, mixture: GaussianMixture, min_variance: float = 0.25) -> GaussianMixture:
    """M-step with missing entries (0 = missing), one user at a time.

    Parameters
    ----------
    X : array of shape (n, d)
    post : array of shape (n, K)
    mixture : GaussianMixture
        Means whose soft count is below 1 keep their values from it.
    min_variance : float, default 0.25

    Returns
    -------
    GaussianMixture
    """
    n, d = X.shape
    K = post.shape[1]
    weighted_sum = np.zeros((K, d))
    weight = np.zeros((K, d))
    for u in range(n):
        observed = (X[u] != 0).astype(float)
        for j in range(K):
            weighted_sum[j] += post[u, j] * X[u] * observed
            weight[j] += post[u, j] * observed
    mu = mixture.mu.copy()
    update = weight >= 1
    mu[update] = weighted_sum[update] / weight[update]
    num = np.zeros(K)
    den = np.zeros(K)
    for u in range(n):
        observed = X[u] != 0
        for j in range(K):
            diff = X[u, observed] - mu[j, observed]
            num[j] += post[u, j] * (diff @ diff)
            den[j] += post[u, j] * observed.sum()
    var = mixture.var.copy()
    var[den > 0] = num[den > 0] / den[den > 0]
    return GaussianMixture(mu, np.maximum(var, min_variance), post.sum(axis=0) / n)
