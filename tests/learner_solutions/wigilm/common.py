# Written for cfgmm's tests after the approach of https://github.com/wigilm/Collaborative-filtering-via-gaussian-mixtures,
# netflix/common.py (commit 336ff4c68c27610f9f441d01e6af9848e5b839b5): the handout's GaussianMixture,
# rmse, bic counting K*d + 2K - 1 parameters, and a helper here that naive_em imports: the spherical
# Gaussian density of each row's nonzero entries (densities, not logs), looping over components and rows.
# Not that repository's code.
from typing import NamedTuple

import numpy as np


class GaussianMixture(NamedTuple):
    mu: np.ndarray
    var: np.ndarray
    p: np.ndarray


def rmse(X, Y):
    return np.sqrt(np.mean((X - Y) ** 2))


def bic(X: np.ndarray, mixture: GaussianMixture, log_likelihood: float) -> float:
    K, d = mixture.mu.shape
    count = K * d + 2 * K - 1
    return log_likelihood - 0.5 * count * np.log(X.shape[0])


def observed_density(X, mixture: GaussianMixture):
    n = X.shape[0]
    K = mixture.mu.shape[0]
    out = np.zeros((n, K))
    for j in range(K):
        v = mixture.var[j]
        for i in range(n):
            keep = X[i] != 0
            r = X[i, keep] - mixture.mu[j, keep]
            out[i, j] = np.exp(-(r @ r) / (2 * v)) / (2 * np.pi * v) ** (keep.sum() / 2)
    return out
