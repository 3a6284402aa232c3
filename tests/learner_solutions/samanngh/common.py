# Written for cfgmm's tests after the approach of https://github.com/Samanngh/netflix-em-collaborative-filtering,
# common.py (commit 64e325782b93088993886f181ba2a220d4445b85): the handout's GaussianMixture, rmse as
# the root of the mean squared difference, bic counting K*d + K + (K - 1) free parameters.
# Not that repository's code.
from typing import NamedTuple

import numpy as np


class GaussianMixture(NamedTuple):
    mu: np.ndarray
    var: np.ndarray
    p: np.ndarray


def rmse(X, Y):
    return np.sqrt(((X - Y) ** 2).mean())


def bic(X: np.ndarray, mixture: GaussianMixture, log_likelihood: float) -> float:
    n = X.shape[0]
    K, d = mixture.mu.shape
    free = K * d + K + (K - 1)
    return log_likelihood - free * np.log(n) / 2
