# Written for cfgmm's tests after the approach of https://github.com/wigilm/Collaborative-filtering-via-gaussian-mixtures,
# netflix/naive_em.py (commit 336ff4c68c27610f9f441d01e6af9848e5b839b5): E-step multiplying common.py's
# densities of nonzero entries by the weights (densities, not logs); M-step over nonzero entries (a mean
# with no support set to 0, no variance floor); run as a while loop until new - old <= 1e-6 |new|.
# Not that repository's code.
from typing import Tuple

import numpy as np

from .common import GaussianMixture, observed_density


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    joint = observed_density(X, mixture) * mixture.p
    px = joint.sum(axis=1)
    return joint / px[:, None], np.sum(np.log(px))


def mstep(X: np.ndarray, post: np.ndarray) -> GaussianMixture:
    n = X.shape[0]
    K = post.shape[1]
    mask = X != 0
    support = post.T @ mask
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.where(support > 1e-16, (post.T @ X) / support, 0)
    var = np.zeros(K)
    for j in range(K):
        sq = ((X - mu[j]) * mask) ** 2
        var[j] = (post[:, j] @ sq).sum() / (post[:, j] @ mask).sum()
    return GaussianMixture(mu, var, post.sum(axis=0) / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    old = new = None
    while old is None or new - old > 1e-6 * abs(new):
        old = new
        post, new = estep(X, mixture)
        mixture = mstep(X, post)
    return mixture, post, new
