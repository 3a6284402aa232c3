# Written for cfgmm's tests after the approach of https://github.com/stevearonson/MITx-6.86-Machine-Learning,
# netflix/em.py (commit ef51020c04466311c9977021b3b2ed8630ba3cca): (K, n) log-domain arrays filled in a
# loop over components with log(p) (without the handout's + 1e-16, in estep and fill_matrix alike) and
# logsumexp over components; vectorised means, kept where support is below 1, variances in a loop,
# floored with np.maximum; run as a while loop until |old - new| < 1e-6 |new|; fill_matrix replacing the
# missing entries of post @ mu by a boolean mask. The repository's common.py is not stored, so
# GaussianMixture is cfgmm_lib.common's. Not that repository's code.
from typing import Tuple

import numpy as np
from scipy.special import logsumexp

from cfgmm_lib.common import GaussianMixture


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    K = mixture.mu.shape[0]
    rated = X != 0
    cnt = rated.sum(axis=1)
    logf = np.zeros((K, X.shape[0]))
    for j in range(K):
        v = mixture.var[j]
        sq = (((X - mixture.mu[j]) * rated) ** 2).sum(axis=1)
        logf[j] = np.log(mixture.p[j]) - sq / (2 * v) - cnt / 2 * np.log(2 * np.pi * v)
    norm = logsumexp(logf, axis=0)
    return np.exp(logf - norm).T, np.sum(norm)


def mstep(X: np.ndarray, post: np.ndarray, mixture: GaussianMixture,
          min_variance: float = .25) -> GaussianMixture:
    n = X.shape[0]
    K = post.shape[1]
    rated = X != 0
    cnt = rated.sum(axis=1)
    support = post.T @ rated
    mu = (post.T @ X) / support
    small = support < 1
    mu[small] = mixture.mu[small]
    var = np.zeros(K)
    for j in range(K):
        sq = (((X - mu[j]) * rated) ** 2).sum(axis=1)
        var[j] = np.sum(post[:, j] * sq) / np.sum(post[:, j] * cnt)
    return GaussianMixture(mu, np.maximum(var, min_variance), post.sum(axis=0) / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    old = new = None
    while old is None or abs(old - new) >= 1e-6 * abs(new):
        old = new
        post, new = estep(X, mixture)
        mixture = mstep(X, post, mixture)
    return mixture, post, new


def fill_matrix(X: np.ndarray, mixture: GaussianMixture) -> np.ndarray:
    K = mixture.mu.shape[0]
    rated = X != 0
    cnt = rated.sum(axis=1)
    logf = np.zeros((K, X.shape[0]))
    for j in range(K):
        v = mixture.var[j]
        sq = (((X - mixture.mu[j]) * rated) ** 2).sum(axis=1)
        logf[j] = np.log(mixture.p[j]) - sq / (2 * v) - cnt / 2 * np.log(2 * np.pi * v)
    post = np.exp(logf - logsumexp(logf, axis=0)).T
    guess = post @ mixture.mu
    out = X.copy()
    out[~rated] = guess[~rated]
    return out
