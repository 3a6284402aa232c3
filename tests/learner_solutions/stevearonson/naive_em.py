# Written for cfgmm's tests after the approach of https://github.com/stevearonson/MITx-6.86-Machine-Learning,
# netflix/naive_em.py (commit ef51020c04466311c9977021b3b2ed8630ba3cca): a (K, n) array of weighted
# densities (not logs) filled in a loop over components with np.linalg.norm, transposed on return; an
# M-step with a variance loop; run as a while loop until |old - new| < 1e-6 |new|. The repository's
# common.py is not stored, so GaussianMixture is cfgmm_lib.common's. Not that repository's code.
from typing import Tuple

import numpy as np

from cfgmm_lib.common import GaussianMixture


def estep(X: np.ndarray, mixture: GaussianMixture) -> Tuple[np.ndarray, float]:
    n, d = X.shape
    K = mixture.mu.shape[0]
    dens = np.zeros((K, n))
    for j in range(K):
        v = mixture.var[j]
        r = np.linalg.norm(X - mixture.mu[j], axis=1)
        dens[j] = mixture.p[j] * np.exp(-r ** 2 / (2 * v)) / (2 * np.pi * v) ** (d / 2)
    col = dens.sum(axis=0)
    return (dens / col).T, np.sum(np.log(col))


def mstep(X: np.ndarray, post: np.ndarray) -> GaussianMixture:
    n, d = X.shape
    K = post.shape[1]
    nj = post.sum(axis=0)
    mu = post.T @ X / nj[:, None]
    var = np.zeros(K)
    for j in range(K):
        var[j] = np.sum(post[:, j] * np.linalg.norm(X - mu[j], axis=1) ** 2) / (d * nj[j])
    return GaussianMixture(mu, var, nj / n)


def run(X: np.ndarray, mixture: GaussianMixture,
        post: np.ndarray) -> Tuple[GaussianMixture, np.ndarray, float]:
    old = new = None
    while old is None or abs(old - new) >= 1e-6 * abs(new):
        old = new
        post, new = estep(X, mixture)
        mixture = mstep(X, post)
    return mixture, post, new
