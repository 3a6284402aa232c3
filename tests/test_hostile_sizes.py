"""Sizes and scales: refused at once with what they would need, and the sparse path as strict as the dense one.

``fit_als`` and ``fit_neural`` with a huge rank started allocating (a MemoryError, or minutes of
swapping); a stored rating of 1e200 in a sparse X went into EM, whose sums of squares overflow,
while the dense path refused anything beyond 1e150; ``scale.predict`` with no pairs on a sparse X
failed inside NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cfgmm_lib import common, em, factorization, init, scale
from cfgmm_lib.core.validation import MAX_ABS_VALUE
from cfgmm_lib.factorization import fit_als, fit_neural
from cfgmm_lib.scale import netflix_like
from cfgmm_lib.sweep import sweep

from test_hostile_inputs import refused

RNG = np.random.default_rng(5)
X = RNG.integers(0, 6, size=(30, 6)).astype(float)
X[:, 0] = RNG.integers(1, 6, size=30)
MIX, POST = init(X, 2, 0)


# ----- ranks too large to fit -----

@pytest.mark.parametrize("fit,kwargs,fragments", [
    (fit_als, dict(rank=10**6), ["fit_als", "rank = 1,000,000", "30 x 6", "GB", "min(n, d) = 6"]),
    (fit_neural, dict(rank=10**9), ["fit_neural", "rank = 1,000,000,000", "GB"]),
    (fit_neural, dict(rank=10**8, implicit=True), ["fit_neural", "GB"]),
])
def test_a_huge_rank_is_refused_at_once_with_the_memory_it_would_need(fit, kwargs, fragments, monkeypatch):
    for name in ("fit_als_checked", "fit_neural_checked"):
        monkeypatch.setattr(factorization, name, lambda *a, **k: pytest.fail("the fit started"))
    refused(lambda: fit(X, **kwargs), ValueError, *fragments)


def test_a_huge_rank_is_refused_on_a_sparse_x_too():
    refused(lambda: fit_neural(sp.csr_matrix(X), rank=10**9), ValueError, "fit_neural", "GB")


def test_a_rank_above_the_matrix_dimensions_that_fits_still_works():
    assert fit_als(X, rank=20, iters=1).P.shape == (30, 20)  # the default rank on a 30 x 6 matrix
    assert fit_neural(X, rank=20, epochs=1).Q.shape == (6, 20)


def test_netflix_like_names_a_negative_seed():
    refused(lambda: netflix_like(50, 40, 200, seed=-1), ValueError, "seed", "non-negative", "-1")


@pytest.mark.parametrize("data", [X, sp.csr_matrix(X)])
def test_scale_predict_with_no_pairs_says_so(data):
    refused(lambda: scale.predict(data, MIX, [], []), ValueError, "rows and cols are empty")
    refused(lambda: scale.predict(data, MIX, np.array([], int), np.array([], int)), ValueError, "empty")


# ----- the sparse path refuses what the dense path refuses -----

def _with(value, sparse):
    Y = X.copy()
    Y[2, 1] = value
    return sp.csr_matrix(Y) if sparse else Y


CALLS = {
    "common.init": lambda data: common.init(data, 2, 0),
    "em.estep": lambda data: em.estep(data, MIX),
    "em.run": lambda data: em.run(data, MIX, POST),
    "em.fill_matrix": lambda data: em.fill_matrix(data, MIX),
    "sweep": lambda data: sweep(data, [2], seeds=[0], method="em"),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("value", [1e200, -1e200, 2 * MAX_ABS_VALUE])
def test_a_rating_whose_square_overflows_is_refused_on_both_paths(call, sparse, value):
    refused(lambda: CALLS[call](_with(value, sparse)), ValueError, "X", "overflow", "1e+150")


@pytest.mark.parametrize("sparse", [False, True])
def test_a_rating_at_the_limit_is_accepted_on_both_paths(sparse):
    mixture, post = common.init(_with(MAX_ABS_VALUE, sparse), 2, 0)
    assert np.isfinite(mixture.mu).all()


def test_the_sparse_check_leaves_the_callers_matrix_alone():
    S = _with(1e200, True)
    before = S.data.copy()
    with pytest.raises(ValueError):
        common.init(S, 2, 0)
    np.testing.assert_array_equal(S.data, before)
