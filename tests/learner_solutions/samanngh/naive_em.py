# Written for cfgmm's tests after the approach of https://github.com/Samanngh/netflix-em-collaborative-filtering,
# naive_em.py (commit 64e325782b93088993886f181ba2a220d4445b85): E-step with densities, not logs (a loop
# over components, vectorised over points), M-step with vectorised means and a variance loop, run as a
# for loop of at most 100 iterations that breaks when |new - old| <= 1e-6 |new|. Not that repository's code.
from typing import Tuple

import numpy as np

from .common import GaussianMixture


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    n, d = X.shape
    K = mixture.mu.shape[0]
    joint = np.empty((n, K))
    for j in range(K):
        v = mixture.var[j]
        dist2 = ((X - mixture.mu[j]) ** 2).sum(axis=1)
        joint[:, j] = mixture.p[j] * np.exp(-dist2 / (2 * v)) / (2 * np.pi * v) ** (d / 2)
    px = joint.sum(axis=1, keepdims=True)
    return joint / px, np.log(px).sum()


def mstep(X: np.ndarray, post: np.ndarray) -> GaussianMixture:
    n, d = X.shape
    K = post.shape[1]
    nj = post.sum(axis=0)
    mu = post.T @ X / nj[:, None]
    var = np.empty(K)
    for j in range(K):
        var[j] = post[:, j] @ ((X - mu[j]) ** 2).sum(axis=1) / (d * nj[j])
    return GaussianMixture(mu, var, nj / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    old = None
    for _ in range(100):
        post, ll = estep(X, mixture)
        mixture = mstep(X, post)
        if old is not None and abs(ll - old) <= 1e-6 * abs(ll):
            break
        old = ll
    return mixture, post, ll
