"""Known wrong versions of the steps a learner writes, each a mistake learners really make.

One module, used twice: the checker (``cfgmm_lib.check``) runs these variants on the same cases
as the learner's function and names the one whose output matches, and the tests show that each
is caught. ``MISTAKES`` maps each mistake's id to its one-line explanation; ``VARIANTS`` maps each
step (``"em.estep"``, ...) to its ``(id, function)`` pairs, with the learner's signatures::

    kmeans.estep(X, mixture) -> post          kmeans.mstep(X, post) -> (mixture, cost)
    naive_em.estep(X, mixture) -> (post, ll)  naive_em.mstep(X, post) -> mixture
    naive_em.run(X, mixture, post) -> (mixture, post, ll)
    em.estep(X, mixture) -> (post, ll)        em.mstep(X, post, mixture, min_variance=0.25) -> mixture
    em.run(X, mixture, post) -> (mixture, post, ll)
    em.fill_matrix(X, mixture) -> X_pred      common.bic(X, mixture, log_likelihood) -> float
    common.rmse(X, Y) -> float

Each variant is one switch away from the right equation, so that the right one (every switch
off) is here too, and the tests check that it agrees with the library. They are small-data code
(the ``unobserved-in-distance`` variants build an ``(n, K, d)`` array, as learners do).
"""

from __future__ import annotations

from functools import partial

import numpy as np
from scipy.special import logsumexp

from ..common import GaussianMixture, RunResult

__all__ = ["MISTAKES", "VARIANTS", "explain"]

#: Every known mistake: its id and the one line the checker prints when it recognises it.
MISTAKES = {
    "normaliser-uses-d": "the Gaussian's normaliser uses d instead of the observed count |C_u| "
                         "(write -|C_u|/2 log(2 pi var), counting each row's observed entries)",
    "normaliser-without-2pi": "the Gaussian's normaliser has lost its 2 pi (log(var) instead of log(2 pi var)): "
                              "the posteriors are right, since the constant cancels, but every row's "
                              "log-likelihood is off by (its count)/2 log(2 pi), which is why the grader gives "
                              "only part of the E-step's credit",
    "variance-old-mean": "the variance update uses the means from before the M-step "
                         "(compute the new means first, then the variances around them)",
    "variance-divides-by-d": "the variance divides by n_j d instead of the posterior-weighted observed counts "
                             "sum_u post[u, j] |C_u|",
    "mean-update-threshold": "the mean-update rule is not the handout's: update mu[j, l] where the soft count "
                             "sum_u post[u, j] [l in C_u] is >= 1 (1 itself included), keep the old mean "
                             "where it is below 1",
    "no-variance-floor": "min_variance is not applied (var = max(var, min_variance))",
    "weights-without-eps": "log(p) instead of log(p + 1e-16): a component of weight 0 can never take a row back",
    "not-log-domain": "probabilities are multiplied directly and underflow to 0 on long rows "
                      "(work with logs and logsumexp)",
    "mutates-input": "an argument (X, post or the mixture) is changed in place: work on copies",
    "unobserved-in-distance": "unobserved entries (the zeros) are counted in the distance or the mean",
    "fill-overwrites-observed": "fill_matrix changes observed entries: only the zeros are to be filled",
    "bic-parameter-count": "the BIC counts the free parameters wrongly: K*d means + K variances + (K - 1) weights",
    "stopping-rule": "the convergence rule is not the handout's: stop when new_ll - old_ll <= 1e-6 * abs(new_ll) "
                     "(new minus old, relative to the new log-likelihood, which grows: not an absolute 1e-6, "
                     "not K-means' 1e-4, not old - new)",
    "variance-forgets-d": "the variance divides by n_j instead of n_j d (each point has d coordinates)",
    "rmse-without-root": "the square root is missing: that is the mean squared error",
}


def explain(mistake: str) -> str:
    """The one-line explanation of a mistake id."""
    return MISTAKES[mistake]


def _parts(mixture):
    mu, var, p = mixture.mu, mixture.var, mixture.p
    return np.asarray(mu, float), np.asarray(var, float), np.asarray(p, float)


def _sq_distances(X, M, mu):
    """``||x_{C_u} - mu[j]_{C_u}||^2`` for all u, j (M = mask of the entries counted)."""
    return (X * X * M).sum(axis=1)[:, None] - 2 * (X * M) @ mu.T + M @ (mu ** 2).T


# --------------------------------------------------------------------------
# K-means
# --------------------------------------------------------------------------

def kmeans_estep(X, mixture):
    mu = _parts(mixture)[0]
    d2 = ((X[:, None, :] - mu[None]) ** 2).sum(axis=2)
    post = np.zeros(d2.shape)
    post[np.arange(len(X)), d2.argmin(axis=1)] = 1
    return post


def kmeans_mstep(X, post, *, forget_d=False):
    n, d = X.shape
    n_hat = post.sum(axis=0)
    mu = post.T @ X / n_hat[:, None]
    sse = (post * ((X[:, None, :] - mu[None]) ** 2).sum(axis=2)).sum(axis=0)
    var = sse / (n_hat if forget_d else d * n_hat)
    return GaussianMixture(mu, var, n_hat / n), float(sse.sum())


# --------------------------------------------------------------------------
# E-steps (naive: complete data; em: 0 = missing)
# --------------------------------------------------------------------------

def _estep(X, mixture, *, complete, eps, normaliser_d=False, full_distance=False, log_domain=True, two_pi=True,
           fallback=False):
    """The E-step; without ``log_domain``, ``fallback`` gives a row whose densities all underflow a uniform
    post and no log-likelihood (as learners guard a 0/0), instead of nan."""
    mu, var, p = _parts(mixture)
    n, d = X.shape
    M = np.ones_like(X) if complete or full_distance else (X != 0).astype(float)
    counts = np.full(n, float(d)) if complete or normaliser_d else (X != 0).sum(axis=1).astype(float)
    sq = _sq_distances(X, M, mu)
    with np.errstate(divide="ignore"):
        log_p = np.log(p + eps)
    f = log_p - counts[:, None] / 2 * np.log((2 * np.pi if two_pi else 1.0) * var) - sq / (2 * var)
    if log_domain:
        total = logsumexp(f, axis=1)
        return np.exp(f - total[:, None]), float(total.sum())
    with np.errstate(all="ignore"):
        joint = np.exp(f)
        total = joint.sum(axis=1)
        if fallback:
            lost = total == 0
            joint[lost], total[lost] = 1.0 / joint.shape[1], 1.0
        return joint / total[:, None], float(np.log(total).sum())


naive_estep = partial(_estep, complete=True, eps=0.0)
em_estep = partial(_estep, complete=False, eps=1e-16)


# --------------------------------------------------------------------------
# M-steps
# --------------------------------------------------------------------------

def naive_mstep(X, post, *, forget_d=False):
    n, d = X.shape
    n_hat = post.sum(axis=0)
    mu = post.T @ X / n_hat[:, None]
    sq = _sq_distances(X, np.ones_like(X), mu)
    var = (post * sq).sum(axis=0) / (n_hat if forget_d else d * n_hat)
    return GaussianMixture(mu, var, n_hat / n)


def em_mstep(X, post, mixture, min_variance=0.25, *, old_means=False, divide_by_d=False, threshold="keep",
             floor=True, ignore_mask=False, in_place=False):
    """The missing-data M-step; ``threshold`` is "keep" (right: update where w >= 1), "strict" (where w > 1),
    "any" (where w > 0) or "none"."""
    n, d = X.shape
    M = np.ones_like(X) if ignore_mask else (X != 0).astype(float)
    n_hat = post.sum(axis=0)
    old_mu = np.array(mixture.mu, dtype=float)
    mu = mixture.mu if in_place else old_mu.copy()
    PX, PM = post.T @ (X * M), post.T @ M
    with np.errstate(all="ignore"):
        if threshold == "none":
            mu[...] = PX / PM
        else:
            update = {"keep": PM >= 1, "strict": PM > 1, "any": PM > 0}[threshold]
            mu[update] = PX[update] / PM[update]
    sq = _sq_distances(X, M, old_mu if old_means else mu)
    den = d * n_hat if divide_by_d else post.T @ M.sum(axis=1)
    var = (post * sq).sum(axis=0) / den
    if floor:
        var = np.maximum(var, min_variance)
    return GaussianMixture(mu, var, n_hat / n)


# --------------------------------------------------------------------------
# run, fill_matrix, bic, rmse
# --------------------------------------------------------------------------

def _stop_right(new, old):
    return new - old <= 1e-6 * abs(new)


def _stop_absolute(new, old):
    return new - old <= 1e-6


def _stop_kmeans(new, old):
    return new - old <= 1e-4  # K-means' rule, copied


def _stop_reversed(new, old):
    return old - new <= 1e-6 * abs(new)  # K-means' order (old - new) on a score that grows: stops on the 2nd step


def _run(X, mixture, post, *, estep, mstep, stop=_stop_right, max_iterations=3000):
    """The handout's loop. (Forgetting ``abs`` in the rule makes it endless: the checker's time limit shows that.)

    Returns a ``RunResult``: em.run's triple, with ``estep_mixture``, the mixture the handout's own
    loop returns, so that the checker recognises the mistake in either way of writing ``run``.
    """
    old = None
    for n_iter in range(1, max_iterations + 1):
        post, ll = estep(X, mixture)
        before, mixture = mixture, mstep(X, post, mixture)
        if old is not None and stop(ll, old):
            return RunResult(mixture, post, ll, n_iter=n_iter, converged=True, estep_mixture=before)
        old = ll
    raise RuntimeError(f"no convergence in {max_iterations} iterations")


def _naive_m(X, post, mixture, **kw):
    return naive_mstep(X, post, **kw)


def fill_matrix(X, mixture, *, estep=em_estep, overwrite=False, in_place=False):
    mu = _parts(mixture)[0]
    post, _ = estep(X, mixture)
    guess = post @ mu
    if overwrite:
        return guess
    out = X if in_place else X.copy()
    out[X == 0] = guess[X == 0]
    return out


def bic(X, mixture, log_likelihood, *, count=lambda K, d: K * d + K + K - 1):
    n, d = X.shape
    K = np.shape(mixture.mu)[0]
    return float(log_likelihood - 0.5 * count(K, d) * np.log(n))


def rmse(X, Y, *, root=True):
    mse = float(np.mean((X - Y) ** 2))
    return float(np.sqrt(mse)) if root else mse


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------

_EM_ESTEP_WRONG = [
    ("normaliser-uses-d", partial(em_estep, normaliser_d=True)),
    ("unobserved-in-distance", partial(em_estep, full_distance=True)),
    ("unobserved-in-distance", partial(em_estep, full_distance=True, normaliser_d=True)),
    ("weights-without-eps", partial(_estep, complete=False, eps=0.0)),
    ("not-log-domain", partial(em_estep, log_domain=False)),
    ("normaliser-without-2pi", partial(em_estep, two_pi=False)),
]
_EM_MSTEP_WRONG = [
    ("variance-old-mean", partial(em_mstep, old_means=True)),
    ("variance-divides-by-d", partial(em_mstep, divide_by_d=True)),
    ("mean-update-threshold", partial(em_mstep, threshold="any")),
    ("mean-update-threshold", partial(em_mstep, threshold="none")),
    ("mean-update-threshold", partial(em_mstep, threshold="strict")),
    ("no-variance-floor", partial(em_mstep, floor=False)),
    ("unobserved-in-distance", partial(em_mstep, ignore_mask=True)),
    ("mutates-input", partial(em_mstep, in_place=True)),
]
_NAIVE_ESTEP_WRONG = [("not-log-domain", partial(naive_estep, log_domain=False)),
                      ("not-log-domain", partial(naive_estep, log_domain=False, fallback=True)),
                      ("normaliser-without-2pi", partial(naive_estep, two_pi=False))]
_NAIVE_MSTEP_WRONG = [("variance-forgets-d", partial(naive_mstep, forget_d=True))]
_STOPS_WRONG = [("stopping-rule", _stop_absolute), ("stopping-rule", _stop_kmeans), ("stopping-rule", _stop_reversed)]


def _runs(estep, mstep, estep_wrong, mstep_wrong):
    """Wrong runs: a wrong stopping rule, and the right loop around each wrong step."""
    out = [(mid, partial(_run, estep=estep, mstep=mstep, stop=stop)) for mid, stop in _STOPS_WRONG]
    out += [(mid, partial(_run, estep=e, mstep=mstep)) for mid, e in estep_wrong]
    out += [(mid, partial(_run, estep=estep, mstep=m)) for mid, m in mstep_wrong if mid != "mutates-input"]
    return out


#: step -> list of (mistake id, wrong function with the learner's signature)
VARIANTS = {
    "kmeans.estep": [],
    "kmeans.mstep": [("variance-forgets-d", partial(kmeans_mstep, forget_d=True))],
    "naive_em.estep": _NAIVE_ESTEP_WRONG,
    "naive_em.mstep": _NAIVE_MSTEP_WRONG,
    "naive_em.run": _runs(naive_estep, _naive_m, _NAIVE_ESTEP_WRONG,
                          [(mid, partial(_naive_m, forget_d=True)) for mid, _ in _NAIVE_MSTEP_WRONG]),
    "common.bic": [
        ("bic-parameter-count", partial(bic, count=lambda K, d: K * d + 2 * K)),
        ("bic-parameter-count", partial(bic, count=lambda K, d: K * d + K - 1)),
        ("bic-parameter-count", partial(bic, count=lambda K, d: K * d)),
        ("bic-parameter-count", partial(bic, count=lambda K, d: K * d + K)),
    ],
    "em.estep": _EM_ESTEP_WRONG,
    "em.mstep": _EM_MSTEP_WRONG,
    "em.run": _runs(em_estep, em_mstep, _EM_ESTEP_WRONG, _EM_MSTEP_WRONG),
    "em.fill_matrix": [
        ("fill-overwrites-observed", partial(fill_matrix, overwrite=True)),
        ("mutates-input", partial(fill_matrix, in_place=True)),
    ] + [(mid, partial(fill_matrix, estep=e)) for mid, e in _EM_ESTEP_WRONG],
    "common.rmse": [("rmse-without-root", partial(rmse, root=False))],
}

#: The right versions (every switch off), which the tests compare with the library.
RIGHT = {
    "kmeans.estep": kmeans_estep,
    "kmeans.mstep": kmeans_mstep,
    "naive_em.estep": naive_estep,
    "naive_em.mstep": naive_mstep,
    "naive_em.run": partial(_run, estep=naive_estep, mstep=_naive_m),
    "common.bic": bic,
    "em.estep": em_estep,
    "em.mstep": em_mstep,
    "em.run": partial(_run, estep=em_estep, mstep=em_mstep),
    "em.fill_matrix": fill_matrix,
    "common.rmse": rmse,
}
