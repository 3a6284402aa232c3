"""EM for a spherical Gaussian mixture on complete data (handout's ``naive_em.py``).

Introduced in ``notebooks/02_em.py``.

E-step: ``post[u, j]`` proportional to ``p[j] N(x_u; mu[j], var[j] I_d)``, in
the log domain. M-step: weighted means, weights and spherical variances.
``run`` alternates them until ``ll - previous_ll <= 1e-6 * |ll|`` and returns
the last mixture with the ``post`` and ``ll`` of the E-step before it, as the
handout's reference numbers assume.
"""

from __future__ import annotations

import numpy as np

from .core.logdomain import log_normalize, squared_distances
from .core.loop import MAX_ITER, Loop, RunResult, handout_ll_rule
from .core.mixture import ComponentCollapse, GaussianMixture
from .core.model_checks import check_step_args
from .core.validation import check_max_iter

__all__ = ["estep", "mstep", "run", "log_joint", "trace"]


def log_joint(X: np.ndarray, mixture: GaussianMixture) -> np.ndarray:
    """``log p[j] + log N(x_u; mu[j], var[j] I_d)`` for every row and component.

    Parameters
    ----------
    X : array of shape (n, d)
    mixture : GaussianMixture

    Returns
    -------
    array of shape (n, K)
        ``-inf`` where ``p[j] == 0``.
    """
    d = X.shape[1]
    sq = squared_distances(X, mixture.mu)
    with np.errstate(divide="ignore"):
        log_p = np.log(mixture.p)
    return log_p - 0.5 * d * np.log(2 * np.pi * mixture.var) - sq / (2 * mixture.var)


def _estep(X: np.ndarray, mixture: GaussianMixture) -> tuple[np.ndarray, float]:
    return log_normalize(log_joint(X, mixture))


def estep(X, mixture: GaussianMixture) -> tuple[np.ndarray, float]:
    """E-step: posterior responsibilities and the log-likelihood.

    Parameters
    ----------
    X : array of shape (n, d)
    mixture : GaussianMixture
        ``mu`` (K, d), ``var`` (K,), ``p`` (K,).

    Returns
    -------
    post : array of shape (n, K)
        ``post[u, j] = P(component j | x_u)``; each row sums to 1.
    ll : float
        ``sum_u log sum_j p[j] N(x_u; mu[j], var[j] I_d)``.
    """
    X, mixture, _ = check_step_args(X, mixture)
    return _estep(X, mixture)


def _mstep(X: np.ndarray, post: np.ndarray, prev: GaussianMixture | None) -> GaussianMixture:
    n, d = X.shape
    n_hat = post.sum(axis=0)
    empty = n_hat == 0
    if empty.any() and prev is None:
        j = int(np.argmax(empty))
        raise ValueError(
            f"component {j} has no responsibility left (sum of post[:, {j}] is 0); "
            "pass the previous mixture so it can keep its mean and variance"
        )
    safe = np.where(empty, 1.0, n_hat)
    mu = (post.T @ X) / safe[:, None]
    sq = squared_distances(X, mu)
    var = np.einsum("uj,uj->j", post, sq) / (d * safe)
    if prev is not None:
        mu[empty] = prev.mu[empty]
        var[empty] = prev.var[empty]
    if (var <= 0).any():
        raise ComponentCollapse(int(np.argmax(var <= 0)))
    return GaussianMixture(mu, var, n_hat / n)


def mstep(X, post, mixture: GaussianMixture | None = None) -> GaussianMixture:
    """M-step: the mixture that maximises the expected log-likelihood given ``post``.

    Parameters
    ----------
    X : array of shape (n, d)
    post : array of shape (n, K)
    mixture : GaussianMixture, optional
        The previous mixture. A component whose responsibilities are all 0
        keeps its mean and variance from it (and gets ``p = 0``); without it
        such a component raises ``ValueError``.

    Returns
    -------
    GaussianMixture
        ``p = n_hat / n``, ``mu[j] = post[:, j] @ X / n_hat[j]``,
        ``var[j] = sum_u post[u, j] ||x_u - mu[j]||^2 / (d n_hat[j])``.

    Raises
    ------
    ComponentCollapse
        When a variance comes out as 0 (a component on identical points).
    """
    X, mixture, post = check_step_args(X, mixture, post, need_post=True, need_mixture=False)
    return _mstep(X, post, mixture)


def run(X, mixture: GaussianMixture, post=None, *, max_iter: int | None = MAX_ITER) -> RunResult:
    """Alternate E- and M-steps until the log-likelihood improves by at most 1e-6 * |ll|.

    Parameters
    ----------
    X : array of shape (n, d)
    mixture : GaussianMixture
        Initial mixture, e.g. from ``common.init``.
    post : object, optional
        Unused, as in the course's ``run``, which overwrites it before reading
        it: anything is accepted (the ``post`` of ``init``, a ``0``, None).
    max_iter : int or None, default ``common.MAX_ITER``
        Cap on the iterations; reaching it issues a ``NotConvergedWarning``.

    Returns
    -------
    RunResult
        Unpacks as the handout's ``(mixture, post, ll)``: ``mixture`` after the
        last M-step; ``post`` (n, K) and ``ll`` from the last E-step, that is
        of the mixture *before* the last M-step (the handout's ``post``; the
        posteriors of the returned mixture are ``estep(X, mixture)``). Also
        ``.n_iter``, ``.converged`` and ``.estep_mixture``.

    Raises
    ------
    ComponentCollapse
        When a component shrinks onto identical points.

    Notes
    -----
    Introduced in ``notebooks/02_em.py``.
    """
    X, mixture, _ = check_step_args(X, mixture)
    return run_checked(X, mixture, check_max_iter(max_iter))


def _loop(X: np.ndarray, mixture: GaussianMixture, max_iter: int | None) -> Loop:
    def step(m):
        post, ll = _estep(X, m)
        return post, ll, _mstep(X, post, m)

    return Loop(step, mixture, converged=handout_ll_rule, max_iter=max_iter, name="naive_em.run")


def run_checked(X: np.ndarray, mixture: GaussianMixture, max_iter: int | None) -> RunResult:
    """``run`` on checked arguments (X float64 (n, d), the mixture against it, the cap): ``sweep`` calls it per seed."""
    return _loop(X, mixture, max_iter).run()


def trace(X, mixture: GaussianMixture, *, max_iter: int | None = MAX_ITER) -> list[dict]:
    """Every half-step of ``run`` from ``mixture``, for replaying EM one step at a time.

    Parameters
    ----------
    X : array of shape (n, d)
    mixture : GaussianMixture
        The initial mixture.

    Returns
    -------
    list of dict
        Entry 0 is the start; then alternately an E-step and an M-step. Each
        entry has ``step`` ("init", "E" or "M"), ``iteration`` (1-based, 0 for
        the start), ``mixture`` (current mixture), ``post`` (n, K) (current
        responsibilities) and ``ll`` (log-likelihood of the latest E-step, None
        before the first). The last E-step and M-step are those ``run`` returns.
        If a component collapses, the trace ends with an entry whose ``step``
        is "collapsed" and whose ``error`` says which component.

    Notes
    -----
    Introduced in ``notebooks/02_em.py`` (the EM-iteration slider).
    """
    X, mixture, _ = check_step_args(X, mixture)
    max_iter = check_max_iter(max_iter)
    K = mixture.mu.shape[0]
    post = np.full((X.shape[0], K), 1.0 / K)
    steps = [dict(step="init", iteration=0, mixture=mixture, post=post, ll=None)]
    last = {}

    def step(m):
        last["post"], last["ll"] = _estep(X, m)
        return last["post"], last["ll"], _mstep(X, last["post"], m)

    loop = Loop(step, mixture, converged=handout_ll_rule, max_iter=max_iter, name="naive_em.trace")
    try:
        for before, post, ll, new in loop:
            steps.append(dict(step="E", iteration=loop.n_iter, mixture=before, post=post, ll=ll))
            steps.append(dict(step="M", iteration=loop.n_iter, mixture=new, post=post, ll=ll))
    except ComponentCollapse as exc:
        steps.append(dict(step="collapsed", iteration=loop.n_iter + 1, mixture=steps[-1]["mixture"],
                          post=last["post"], ll=last["ll"], error=str(exc)))
    return steps
