# Written for cfgmm's tests after the approach of https://github.com/quant-violinista/MITx-6.86x-project_3,
# netflix/em.py (commit 0b3538f7002fdb1e6706aab9c1b6c192c0f6911d): fully broadcast (n, K, d) code; a
# log-domain E-step with log(p + 1e-16), shifted by the row maximum before logsumexp; an M-step dividing
# by support + 1e-16, keeping means whose support is below 1, flooring variances; run doing one E/M pass
# before a while loop on the signed relative change > 1e-6; fill_matrix recomputing the posterior the same
# way and filling with np.where. Not that repository's code.
from typing import Tuple

import numpy as np
from scipy.special import logsumexp

from .common import GaussianMixture


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    seen = (X != 0).astype(int)
    cnt = seen.sum(axis=1)
    gap = X[:, None, :] - seen[:, None, :] * mixture.mu[None, :, :]
    f = (np.log(mixture.p + 1e-16) - cnt[:, None] / 2 * np.log(2 * np.pi * mixture.var)
         - (gap ** 2).sum(axis=2) / (2 * mixture.var))
    top = f.max(axis=1, keepdims=True)
    row_ll = top + logsumexp(f - top, axis=1, keepdims=True)
    return np.exp(f - row_ll), row_ll.sum()


def mstep(X: np.ndarray, post: np.ndarray, mixture: GaussianMixture,
          min_variance: float = .25) -> GaussianMixture:
    n = X.shape[0]
    seen = (X != 0).astype(int)
    support = post.T @ seen
    mu = post.T @ X / (support + 1e-16)
    mu = np.where(support < 1, mixture.mu, mu)
    sq = (((X[:, None, :] - mu[None, :, :]) ** 2) * seen[:, None, :]).sum(axis=2)
    var = (post * sq).sum(axis=0) / (post.T @ seen.sum(axis=1))
    var = np.where(var < min_variance, min_variance, var)
    return GaussianMixture(mu=mu, var=var, p=post.sum(axis=0) / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    post, before = estep(X, mixture)
    mixture = mstep(X, post, mixture)
    change = 1.0
    while change > 1e-6:
        post, after = estep(X, mixture)
        mixture = mstep(X, post, mixture)
        change = (after - before) / abs(after)
        before = after
    return mixture, post, before


def fill_matrix(X: np.ndarray, mixture: GaussianMixture) -> np.ndarray:
    seen = (X != 0).astype(int)
    cnt = seen.sum(axis=1)
    gap = X[:, None, :] - seen[:, None, :] * mixture.mu[None, :, :]
    f = (np.log(mixture.p + 1e-16) - cnt[:, None] / 2 * np.log(2 * np.pi * mixture.var)
         - (gap ** 2).sum(axis=2) / (2 * mixture.var))
    top = f.max(axis=1, keepdims=True)
    post = np.exp(f - top - logsumexp(f - top, axis=1, keepdims=True))
    return np.where(X == 0, post @ mixture.mu, X)
