# Written for cfgmm's tests after the approach of https://github.com/wigilm/Collaborative-filtering-via-gaussian-mixtures,
# netflix/kmeans.py (commit 336ff4c68c27610f9f441d01e6af9848e5b839b5): E-step looping over points, each
# assigned to the mean with the least squared distance; M-step looping over clusters, returning the
# mixture and the summed squared-distance cost. Not that repository's code.
from typing import Tuple

import numpy as np

from .common import GaussianMixture


def estep(X: np.ndarray, mixture: GaussianMixture) -> np.ndarray:
    n = X.shape[0]
    post = np.zeros((n, mixture.mu.shape[0]))
    for i in range(n):
        dist = ((mixture.mu - X[i]) ** 2).sum(axis=1)
        post[i, dist.argmin()] = 1
    return post


def mstep(X: np.ndarray, post: np.ndarray) -> Tuple[GaussianMixture, float]:
    n, d = X.shape
    K = post.shape[1]
    size = post.sum(axis=0)
    mu = np.zeros((K, d))
    var = np.zeros(K)
    total = 0
    for j in range(K):
        mu[j] = X.T @ post[:, j] / size[j]
        err = post[:, j] @ ((X - mu[j]) ** 2).sum(axis=1)
        var[j] = err / (d * size[j])
        total += err
    return GaussianMixture(mu, var, size / n), total
