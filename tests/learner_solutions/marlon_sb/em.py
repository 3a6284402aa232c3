# Written for cfgmm's tests after the approach of https://github.com/marlon-sb/gaussian-netflix-recommender,
# netflix/em.py (commit 05c9307f3cc12b476761ccbc00d4602c5fda0b15): a module helper for the log density of
# a row's observed entries (variance floored at 1e-10); E-step looping over users and components with
# log(p + 1e-16), a logsumexp per user and the log-likelihood summed in the loop; M-step looping over
# components and movies, starting from the old means and updating one only where its support is at
# least 1, variance from the accumulated squared errors floored at min_variance; run as a while loop until
# new - old <= 1e-6 |new|; fill_matrix looping over users. Not that repository's code.
from typing import Tuple

import numpy as np
from scipy.special import logsumexp

from .common import GaussianMixture


def log_density(x: np.ndarray, centre: np.ndarray, var: float) -> float:
    var = max(var, 1e-10)
    return -len(x) / 2 * np.log(2 * np.pi * var) - ((x - centre) ** 2).sum() / (2 * var)


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    n = X.shape[0]
    K = mixture.mu.shape[0]
    post = np.zeros((n, K))
    total_ll = 0.0
    for i in range(n):
        keep = X[i] != 0
        for j in range(K):
            post[i, j] = np.log(mixture.p[j] + 1e-16) + log_density(X[i, keep], mixture.mu[j, keep],
                                                                     mixture.var[j])
        row = logsumexp(post[i])
        total_ll += row
        post[i] = np.exp(post[i] - row)
    return post, total_ll


def mstep(X: np.ndarray, post: np.ndarray, mixture: GaussianMixture,
          min_variance: float = .25) -> GaussianMixture:
    n, d = X.shape
    K = post.shape[1]
    mu = mixture.mu.copy()
    var = np.zeros(K)
    for j in range(K):
        err = 0.0
        weight = 0.0
        for c in range(d):
            rated = X[:, c] != 0
            w = post[rated, j]
            if w.sum() >= 1:
                mu[j, c] = X[rated, c] @ w / w.sum()
            err += w @ (X[rated, c] - mu[j, c]) ** 2
            weight += w.sum()
        var[j] = max(err / weight, min_variance)
    return GaussianMixture(mu, var, post.sum(axis=0) / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    old = new = None
    while old is None or new - old > 1e-6 * np.abs(new):
        old = new
        post, new = estep(X, mixture)
        mixture = mstep(X, post, mixture)
    return mixture, post, new


def fill_matrix(X: np.ndarray, mixture: GaussianMixture) -> np.ndarray:
    K = mixture.mu.shape[0]
    out = X.copy()
    for i in range(X.shape[0]):
        keep = X[i] != 0
        logs = np.array([np.log(mixture.p[j] + 1e-16)
                         + log_density(X[i, keep], mixture.mu[j, keep], mixture.var[j]) for j in range(K)])
        post = np.exp(logs - logsumexp(logs))
        out[i, ~keep] = post @ mixture.mu[:, ~keep]
    return out
