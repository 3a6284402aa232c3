# Written for cfgmm's tests after the approach of https://github.com/quant-violinista/MITx-6.86x-project_3,
# netflix/common.py (commit 5e17e6606f8ec66df5d6c1ca71075fe14be60ba1): the handout's GaussianMixture,
# rmse as the root of the mean squared difference, bic counting K + K*d + K - 1 parameters.
# Not that repository's code.
from typing import NamedTuple

import numpy as np


class GaussianMixture(NamedTuple):
    mu: np.ndarray
    var: np.ndarray
    p: np.ndarray


def rmse(X, Y):
    return np.sqrt(np.mean(np.square(X - Y)))


def bic(X: np.ndarray, mixture: GaussianMixture, log_likelihood: float) -> float:
    K, d = mixture.mu.shape
    n_params = K + K * d + K - 1
    return log_likelihood - n_params / 2 * np.log(len(X))
