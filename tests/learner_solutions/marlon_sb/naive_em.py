# Written for cfgmm's tests after the approach of https://github.com/marlon-sb/gaussian-netflix-recommender,
# netflix/naive_em.py (commit c856072f2aaa8dd55728794c8c316c9682eb2563): E-step looping over points and
# components, multiplying weights by densities (a module helper exponentiating the log density), adding
# log P(x) only where it is positive and giving a uniform 1/K posterior where every density underflows;
# M-step looping over components; run as a while loop until new - old <= 1e-6 |new|, printing the
# log-likelihood after the first E-step. Not that repository's code.
from typing import Tuple

import numpy as np

from .common import GaussianMixture


def density(x: np.ndarray, centre: np.ndarray, var: float) -> float:
    k = len(x)
    return np.exp(-k / 2 * np.log(2 * np.pi * var) - ((x - centre) ** 2).sum() / (2 * var))


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    n = X.shape[0]
    K = mixture.mu.shape[0]
    post = np.zeros((n, K))
    total_ll = 0.0
    for i in range(n):
        for j in range(K):
            post[i, j] = mixture.p[j] * density(X[i], mixture.mu[j], mixture.var[j])
        s = post[i].sum()
        if s > 0:
            total_ll += np.log(s)
            post[i] /= s
        else:
            post[i] = 1.0 / K
    return post, total_ll


def mstep(X: np.ndarray, post: np.ndarray) -> GaussianMixture:
    n, d = X.shape
    K = post.shape[1]
    nj = post.sum(axis=0)
    mu = np.zeros((K, d))
    var = np.zeros(K)
    for j in range(K):
        w = post[:, j]
        mu[j] = (w[:, None] * X).sum(axis=0) / nj[j]
        var[j] = w @ ((X - mu[j]) ** 2).sum(axis=1) / (d * nj[j])
    return GaussianMixture(mu, var, nj / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    old = new = None
    while old is None or new - old > 1e-6 * np.abs(new):
        first = old is None and new is None
        old = new
        post, new = estep(X, mixture)
        if first:
            print("log-likelihood after the first E-step:", round(new, 4))
        mixture = mstep(X, post)
    return mixture, post, new
