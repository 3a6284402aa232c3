# Written for cfgmm's tests after the approach of https://github.com/wigilm/Collaborative-filtering-via-gaussian-mixtures,
# netflix/em.py (commit 336ff4c68c27610f9f441d01e6af9848e5b839b5): log-domain E-step looping over
# components and users with log(p + 1e-16) and logsumexp, its log-likelihood summed as
# sum(post * (f - log post)); vectorised means kept where support is below 1, variances in a loop over
# components floored at min_variance; run as a while loop until new - old <= 1e-6 |new|; fill_matrix
# with the same loops for the posterior and a double loop over missing entries. Not that repository's code.
from typing import Tuple

import numpy as np
from scipy.special import logsumexp

from .common import GaussianMixture


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    n = X.shape[0]
    K = mixture.mu.shape[0]
    f = np.zeros((n, K))
    for j in range(K):
        v = mixture.var[j]
        for i in range(n):
            keep = X[i] != 0
            r = X[i, keep] - mixture.mu[j, keep]
            f[i, j] = np.log(mixture.p[j] + 1e-16) - keep.sum() / 2 * np.log(2 * np.pi * v) - (r @ r) / (2 * v)
    log_post = f - logsumexp(f, axis=1)[:, None]
    post = np.exp(log_post)
    return post, np.sum(post * (f - log_post))


def mstep(X: np.ndarray, post: np.ndarray, mixture: GaussianMixture,
          min_variance: float = .25) -> GaussianMixture:
    n = X.shape[0]
    K = post.shape[1]
    mask = X != 0
    support = post.T @ mask
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.where(support >= 1, (post.T @ X) / support, mixture.mu)
    var = np.zeros(K)
    for j in range(K):
        sq = ((X - mu[j]) * mask) ** 2
        var[j] = max((post[:, j] @ sq).sum() / (post[:, j] @ mask).sum(), min_variance)
    return GaussianMixture(mu, var, post.sum(axis=0) / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    old = new = None
    while old is None or new - old > 1e-6 * abs(new):
        old = new
        post, new = estep(X, mixture)
        mixture = mstep(X, post, mixture)
    return mixture, post, new


def fill_matrix(X: np.ndarray, mixture: GaussianMixture) -> np.ndarray:
    n, d = X.shape
    K = mixture.mu.shape[0]
    f = np.zeros((n, K))
    for j in range(K):
        v = mixture.var[j]
        for i in range(n):
            keep = X[i] != 0
            r = X[i, keep] - mixture.mu[j, keep]
            f[i, j] = np.log(mixture.p[j] + 1e-16) - keep.sum() / 2 * np.log(2 * np.pi * v) - (r @ r) / (2 * v)
    post = np.exp(f - logsumexp(f, axis=1)[:, None])
    filled = X.copy()
    for i in range(n):
        for c in range(d):
            if X[i, c] == 0:
                filled[i, c] = post[i] @ mixture.mu[:, c]
    return filled
