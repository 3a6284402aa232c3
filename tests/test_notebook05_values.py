"""Notebook 05's section-3 checkpoint values, derived again without the code that printed them.

The notebook counts them with ``cfgmm_lib.diagnostics`` and ``em.fill_matrix``. Here the handout's
K = 12, seed 1 mixture (whose log-likelihood ``test_reference`` checks against the SPEC) is
inspected with plain NumPy: the posteriors from the SPEC's E-step formula, one component at a
time; the effective number of users ``(sum_u post)^2 / sum_u post^2``; the floor; the means still
equal to ``init``'s zeros; the missing entries predicted below half a star.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from cfgmm_lib import em, init

pytestmark = pytest.mark.course_data

# the values notebook 05 asserts (section 3, "Inside the handout's K = 12 mixture")
NOTEBOOK = {"carried_by_few": 7, "at_floor": 7, "healthy": 5, "untouched_zero_means": 2199, "near_zero": 2289}


@pytest.fixture(scope="module")
def handout_k12(course):
    X = course("netflix_incomplete")
    initial, post0 = init(X, 12, seed=1)
    mixture, _, ll = em.run(X, initial, post0)
    assert ll == pytest.approx(-1390234.4223469, rel=0, abs=1e-7)  # SPEC: this is the handout's best run
    return X, initial, mixture


def _posteriors(X, mixture):
    """SPEC's E-step, written out: f(u, j) = log(p_j + 1e-16) - |C_u|/2 log(2 pi var_j) - ||x_Cu - mu_j,Cu||^2 / (2 var_j)."""
    M = X != 0
    counts = M.sum(axis=1)
    f = np.empty((X.shape[0], len(mixture.p)))
    for j in range(len(mixture.p)):
        sq = (((X - mixture.mu[j]) ** 2) * M).sum(axis=1)
        f[:, j] = np.log(mixture.p[j] + 1e-16) - counts / 2 * np.log(2 * np.pi * mixture.var[j]) \
            - sq / (2 * mixture.var[j])
    return np.exp(f - logsumexp(f, axis=1, keepdims=True))


def test_notebook05_component_counts(handout_k12):
    X, initial, mixture = handout_k12
    post = _posteriors(X, mixture)
    soft = post.sum(axis=0)
    effective = soft**2 / (post**2).sum(axis=0)
    few = effective < 3  # carried by one or two users
    floor = mixture.var == 0.25  # the M-step's max(var, 0.25) leaves the floor exact
    empty = soft < 0.5
    assert few.sum() == NOTEBOOK["carried_by_few"]
    assert floor.sum() == NOTEBOOK["at_floor"]
    assert (~(few | floor | empty)).sum() == NOTEBOOK["healthy"]
    # each memorised component is the one init started on a user's row, and still holds that user
    rows = np.random.RandomState(1).choice(X.shape[0], 12, replace=False)  # SPEC: init's draw
    for j in np.flatnonzero(few):
        assert post[rows[j], j] > 0.99
    # means never updated: equal to init's row, where that row has no rating (0)
    untouched_zero = (mixture.mu == X[rows]) & (X[rows] == 0)
    assert untouched_zero.sum() == NOTEBOOK["untouched_zero_means"]
    assert not untouched_zero[~few].any()  # all of them in the memorised components


def test_notebook05_predictions_near_zero(handout_k12):
    X, _, mixture = handout_k12
    post = _posteriors(X, mixture)
    predicted = post @ mixture.mu  # SPEC: a missing entry is sum_j post[u, j] mu[j, l]
    assert int(((predicted < 0.5) & (X == 0)).sum()) == NOTEBOOK["near_zero"]
