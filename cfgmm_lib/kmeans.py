"""The course's K-means variant, which returns a Gaussian mixture (handout's ``kmeans.py``).

Introduced in ``notebooks/01_kmeans.py``.

Algorithm (step numbers as in the notebook):

1. initialise with ``common.init`` (K distinct rows as means);
2a. assign each row to its nearest mean (squared Euclidean distance, ties to
    the lowest index): ``post`` is one-hot;
2b. update ``p = n_hat / n``, ``mu[j]`` = mean of its rows,
    ``var[j] = SSE_j / (d * n_hat[j])``, ``cost = sum_j SSE_j``;
2c. stop when ``previous_cost - cost <= 1e-4``.

Empty clusters: a cluster that loses all its rows keeps its previous mean and
variance and gets ``p = 0``; it adds nothing to the cost. Nothing is NaN.
"""

from __future__ import annotations

import numpy as np

from .core.logdomain import squared_distances
from .core.loop import MAX_ITER, Loop, RunResult, handout_cost_rule
from .core.mixture import GaussianMixture
from .core.model_checks import check_step_args
from .core.validation import check_max_iter

__all__ = ["estep", "mstep", "run", "squared_distances"]


def estep(X, mixture: GaussianMixture) -> np.ndarray:
    """Step 2a: assign each row to its nearest mean.

    Parameters
    ----------
    X : array of shape (n, d)
    mixture : GaussianMixture
        Only ``mu`` of shape (K, d) is used.

    Returns
    -------
    post : array of shape (n, K)
        One-hot; ties go to the lowest component index.
    """
    X, mixture, _ = check_step_args(X, mixture, zero_variance=True)
    return _assign(X, mixture.mu)


def _assign(X: np.ndarray, mu: np.ndarray) -> np.ndarray:
    nearest = np.argmin(squared_distances(X, mu), axis=1)  # argmin: first index on ties
    post = np.zeros((X.shape[0], mu.shape[0]))
    post[np.arange(X.shape[0]), nearest] = 1.0
    return post


def mstep(X, post, mixture: GaussianMixture | None = None) -> tuple[GaussianMixture, float]:
    """Step 2b: recompute the mixture from a hard assignment.

    Parameters
    ----------
    X : array of shape (n, d)
    post : array of shape (n, K)
        One-hot assignment from ``estep``.
    mixture : GaussianMixture, optional
        The previous mixture; an empty cluster keeps its mean and variance from
        it. Without it, an empty cluster raises ``ValueError``.

    Returns
    -------
    mixture : GaussianMixture
        ``mu`` (K, d), ``var`` (K,), ``p`` (K,).
    cost : float
        Total squared distance of rows to their cluster's mean.
    """
    X, mixture, post = check_step_args(X, mixture, post, zero_variance=True, need_post=True, need_mixture=False)
    K, d = post.shape[1], X.shape[1]
    if mixture is None and (post.sum(axis=0) == 0).any():
        raise ValueError("a cluster has no rows; pass the previous mixture so it can keep its mean and variance")
    prev = mixture if mixture is not None else GaussianMixture(np.zeros((K, d)), np.ones(K), np.full(K, 1 / K))
    return _update(X, post, prev)


def _update(X: np.ndarray, post: np.ndarray, prev: GaussianMixture) -> tuple[GaussianMixture, float]:
    n, d = X.shape
    K = post.shape[1]
    n_hat = post.sum(axis=0)
    p = n_hat / n
    mu = prev.mu.copy()
    var = prev.var.copy()
    cost = 0.0
    for j in range(K):  # loop over components only; same arithmetic as the course
        if n_hat[j] == 0:
            continue  # empty cluster: keep mean and variance, p = 0, no cost
        mu[j] = post[:, j] @ X / n_hat[j]
        sse = ((mu[j] - X) ** 2).sum(axis=1) @ post[:, j]
        cost += sse
        var[j] = sse / (d * n_hat[j])
    return GaussianMixture(mu, var, p), float(cost)


def run(X, mixture: GaussianMixture, post=None, *, max_iter: int | None = MAX_ITER) -> RunResult:
    """Run K-means from ``mixture`` until the cost stops decreasing by more than 1e-4.

    Parameters
    ----------
    X : array of shape (n, d)
    mixture : GaussianMixture
        Initial mixture (``mu`` of shape (K, d)), e.g. from ``common.init``.
    post : object, optional
        Unused, as in the course's ``run``, which overwrites it before reading
        it: anything is accepted (the ``post`` of ``init``, a ``0``, None).
    max_iter : int or None, default ``common.MAX_ITER``
        Cap on the iterations; reaching it issues a ``NotConvergedWarning``.

    Returns
    -------
    RunResult
        Unpacks as the handout's ``(mixture, post, cost)``:
        ``mixture`` after the last update; ``post`` (n, K) the one-hot assignment
        that update used; ``cost`` the distortion of the returned mixture.
        Also ``.n_iter`` and ``.converged``.

    Notes
    -----
    Introduced in ``notebooks/01_kmeans.py``.
    """
    X, mixture, _ = check_step_args(X, mixture, zero_variance=True)
    return run_checked(X, mixture, check_max_iter(max_iter))


def run_checked(X: np.ndarray, mixture: GaussianMixture, max_iter: int | None) -> RunResult:
    """``run`` on checked arguments (X float64 (n, d), the mixture against it, the cap): ``sweep`` calls it per seed."""
    def step(m):
        post = _assign(X, m.mu)
        new, cost = _update(X, post, m)
        return post, cost, new

    return Loop(step, mixture, converged=handout_cost_rule, max_iter=max_iter, name="kmeans.run").run()
