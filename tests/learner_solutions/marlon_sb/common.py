# Written for cfgmm's tests after the approach of https://github.com/marlon-sb/gaussian-netflix-recommender,
# netflix/common.py (commit 2e656ca7f9513c514a3bb83b448c81b621d4b69d): the handout's GaussianMixture,
# rmse, bic counting K*d + K + (K - 1) parameters. Not that repository's code.
from typing import NamedTuple

import numpy as np


class GaussianMixture(NamedTuple):
    mu: np.ndarray
    var: np.ndarray
    p: np.ndarray


def rmse(X, Y):
    return np.sqrt(np.mean((X - Y) ** 2))


def bic(X: np.ndarray, mixture: GaussianMixture, log_likelihood: float) -> float:
    n, d = X.shape
    K = mixture.mu.shape[0]
    k_free = K * d + K + (K - 1)
    return log_likelihood - 0.5 * k_free * np.log(n)
