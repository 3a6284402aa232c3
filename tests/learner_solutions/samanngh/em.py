# Written for cfgmm's tests after the approach of https://github.com/Samanngh/netflix-em-collaborative-filtering,
# em.py (commit 64e325782b93088993886f181ba2a220d4445b85): log-domain E-step looping over users and
# components with log(p + 1e-16) (a user with no ratings takes the log weights) and logsumexp; M-step
# looping over components and movies, keeping a mean whose support is below 1, variance from a loop over
# users, floored at min_variance; run as a for loop of at most 100 iterations breaking when
# |new - old| <= 1e-6 |new|; fill_matrix with vectorised log posteriors and a double loop over missing
# entries. Not that repository's code.
from typing import Tuple

import numpy as np
from scipy.special import logsumexp

from .common import GaussianMixture


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    n = X.shape[0]
    K = mixture.mu.shape[0]
    logw = np.log(mixture.p + 1e-16)
    f = np.empty((n, K))
    for u in range(n):
        seen = X[u] != 0
        if not seen.any():
            f[u] = logw
            continue
        cnt = seen.sum()
        for j in range(K):
            r = X[u, seen] - mixture.mu[j, seen]
            v = mixture.var[j]
            f[u, j] = logw[j] - cnt / 2 * np.log(2 * np.pi * v) - r @ r / (2 * v)
    lse = logsumexp(f, axis=1, keepdims=True)
    return np.exp(f - lse), lse.sum()


def mstep(X: np.ndarray, post: np.ndarray, mixture: GaussianMixture,
          min_variance: float = .25) -> GaussianMixture:
    n, d = X.shape
    K = post.shape[1]
    mu = np.empty((K, d))
    var = np.empty(K)
    for j in range(K):
        for col in range(d):
            rated = X[:, col] != 0
            w = post[rated, j]
            if w.sum() >= 1:
                mu[j, col] = w @ X[rated, col] / w.sum()
            else:
                mu[j, col] = mixture.mu[j, col]
        num = den = 0.0
        for u in range(n):
            seen = X[u] != 0
            if seen.any():
                num += post[u, j] * ((X[u, seen] - mu[j, seen]) ** 2).sum()
                den += post[u, j] * seen.sum()
        var[j] = max(num / den, min_variance) if den > 0 else min_variance
    return GaussianMixture(mu, var, post.sum(axis=0) / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    old = None
    for _ in range(100):
        post, ll = estep(X, mixture)
        mixture = mstep(X, post, mixture)
        if old is not None and abs(ll - old) <= 1e-6 * abs(ll):
            break
        old = ll
    return mixture, post, ll


def fill_matrix(X: np.ndarray, mixture: GaussianMixture) -> np.ndarray:
    n, d = X.shape
    K = mixture.mu.shape[0]
    seen = X != 0
    cnt = seen.sum(axis=1)
    f = np.empty((n, K))
    for j in range(K):
        v = mixture.var[j]
        dist2 = (((X - mixture.mu[j]) * seen) ** 2).sum(axis=1)
        f[:, j] = np.log(mixture.p[j] + 1e-16) - cnt / 2 * np.log(2 * np.pi * v) - dist2 / (2 * v)
    post = np.exp(f - logsumexp(f, axis=1, keepdims=True))
    out = X.copy()
    for u in range(n):
        for col in range(d):
            if X[u, col] == 0:
                out[u, col] = post[u] @ mixture.mu[:, col]
    return out
