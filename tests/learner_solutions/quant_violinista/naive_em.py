# Written for cfgmm's tests after the approach of https://github.com/quant-violinista/MITx-6.86x-project_3,
# netflix/naive_em.py (commit 5e17e6606f8ec66df5d6c1ca71075fe14be60ba1): fully broadcast (n, K, d)
# E-step with densities, not logs; broadcast M-step; run doing one E/M pass before a while loop on the
# signed relative change (new - old) / |new| > 1e-6, returning the last log-likelihood.
# Not that repository's code.
from typing import Tuple

import numpy as np

from .common import GaussianMixture


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    d = X.shape[1]
    sq = ((X[:, None, :] - mixture.mu[None, :, :]) ** 2).sum(axis=2)
    dens = np.exp(-sq / (2 * mixture.var)) / (2 * np.pi * mixture.var) ** (d / 2)
    joint = dens * mixture.p
    total = joint.sum(axis=1)
    return joint / total[:, None], np.log(total).sum()


def mstep(X: np.ndarray, post: np.ndarray) -> GaussianMixture:
    n, d = X.shape
    nj = post.sum(axis=0)
    mu = post.T @ X / nj[:, None]
    sq = ((X[:, None, :] - mu[None, :, :]) ** 2).sum(axis=2)
    var = (post * sq).sum(axis=0) / (d * nj)
    return GaussianMixture(mu=mu, var=var, p=nj / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    post, before = estep(X, mixture)
    mixture = mstep(X, post)
    change = 1.0
    while change > 1e-6:
        post, after = estep(X, mixture)
        mixture = mstep(X, post)
        change = (after - before) / abs(after)
        before = after
    return mixture, post, before
