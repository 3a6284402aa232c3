"""Predictions at positions that do not exist: every ``predict(rows, cols)`` refuses them by name.

A negative index used to wrap (``predict([-1], [0])`` gave the last user's rating), a row past
the end raised NumPy's IndexError or, for the global mean, was answered; a float index, a length
mismatch or no position at all got an error that named nothing. Every model now checks its
positions with ``core.validation.check_pairs`` first; the composites call ``predict_checked``
on positions they built themselves.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cfgmm_lib import em, init, scale
from cfgmm_lib.core.validation import check_pairs
from cfgmm_lib.evaluation import evaluate, fit_bias, fit_means, fit_mixture
from cfgmm_lib.evaluation.neighbours import fit_neighbours
from cfgmm_lib.evaluation.uncertainty import predictive
from cfgmm_lib.factorization import fit_als, fit_neural

from test_hostile_inputs import refused

RNG = np.random.default_rng(3)
N, D = 30, 6
X = RNG.integers(0, 6, size=(N, D)).astype(float)
X[:, 0] = RNG.integers(1, 6, size=N)  # every user has a rating
MIX, _ = init(X, 2, 0)

MODELS = {
    "global_mean": lambda: fit_means(X, "global"),
    "user_mean": lambda: fit_means(X, "user"),
    "movie_mean": lambda: fit_means(X, "movie"),
    "bias": lambda: fit_bias(X, iters=2),
    "mixture": lambda: fit_mixture(X, 2, seeds=[0]),
    "bias_aware_mixture": lambda: fit_mixture(X, 2, seeds=[0], mask=X != 0, offset=fit_bias(X, iters=2)),
    "neighbours": lambda: fit_neighbours(X, k=2),
    "als": lambda: fit_als(X, rank=2, iters=1),
    "neural": lambda: fit_neural(X, rank=2, epochs=1),
}


@pytest.fixture(scope="module", params=sorted(MODELS))
def model(request):
    return MODELS[request.param]()


BAD = [
    (lambda: ([-1], [0]), ValueError, ["rows", "[0, 30)", "negative index", "-1"]),
    (lambda: ([0], [-1]), ValueError, ["cols", "[0, 6)", "negative index"]),
    (lambda: ([N], [0]), ValueError, ["rows", "[0, 30)", "30"]),
    (lambda: ([0], [D]), ValueError, ["cols", "[0, 6)"]),
    (lambda: ([0.0], [0]), TypeError, ["rows", "integer indices", "float64"]),
    (lambda: ([0], [1.5]), TypeError, ["cols", "integer indices"]),
    (lambda: ([True], [0]), TypeError, ["rows", "integer indices", "bool"]),
    (lambda: (["0"], [0]), TypeError, ["rows", "integer indices"]),
    (lambda: ([[0]], [[0]]), ValueError, ["rows", "1-D"]),
    (lambda: ([0, 1], [0]), ValueError, ["rows and cols", "one length", "2 and 1"]),
    (lambda: ([], []), ValueError, ["rows and cols are empty"]),
]


@pytest.mark.parametrize("positions,error,fragments", BAD)
def test_every_model_refuses_positions_outside_its_matrix(model, positions, error, fragments):
    rows, cols = positions()
    refused(lambda: model.predict(rows, cols), error, *fragments)


@pytest.mark.parametrize("positions,error,fragments", BAD)
@pytest.mark.parametrize("dense", [True, False])
def test_em_and_scale_predict_refuse_positions_outside_x(positions, error, fragments, dense):
    data = X if dense else sp.csr_matrix(X)
    rows, cols = positions()
    refused(lambda: em.predict(data, MIX, rows, cols), error, *fragments)
    refused(lambda: scale.predict(data, MIX, rows, cols), error, *fragments)


def test_the_global_mean_refuses_a_row_past_the_end_too():
    """It predicts the same number everywhere, and used to predict it anywhere, row 10**9 included."""
    model = fit_means(X, "global")
    refused(lambda: model.predict([N], [0]), ValueError, "rows", "[0, 30)")
    refused(lambda: model.predict([10**9], [0]), ValueError, "rows")
    assert model.predict([N - 1], [D - 1]) == pytest.approx(X[X != 0].mean())


def test_every_model_still_predicts_the_last_row_and_column(model):
    rows, cols = np.array([0, N - 1]), np.array([D - 1, 0])
    pred = model.predict(rows, cols)
    assert pred.shape == (2,) and np.isfinite(pred).all()
    np.testing.assert_array_equal(model.predict_checked(rows, cols), pred)
    assert model.predict([N - 1], [D - 1]).shape == (1,)  # lists and NumPy integers of any width
    assert model.predict(np.array([N - 1], np.int32), np.array([D - 1], np.uint8)).shape == (1,)


def test_predict_does_not_change_the_callers_positions(model):
    rows, cols = np.array([3, 1], dtype=np.int32), np.array([2, 0], dtype=np.int32)
    model.predict(rows, cols)
    np.testing.assert_array_equal(rows, [3, 1])
    np.testing.assert_array_equal(cols, [2, 0])
    assert rows.dtype == np.int32


def test_predictive_refuses_as_predict_does():
    model = fit_mixture(X, 2, seeds=[0])
    refused(lambda: predictive(model, [-1], [0]), ValueError, "rows", "negative index")
    refused(lambda: predictive(model, [0], [D]), ValueError, "cols")


def test_check_pairs_returns_the_callers_intp_arrays_unchanged():
    rows, cols = np.array([1, 2], dtype=np.intp), np.array([0, 1], dtype=np.intp)
    r, c = check_pairs(rows, cols, (3, 2))
    assert r is rows and c is cols


def test_evaluate_predicts_its_own_positions_without_checking_them_again(monkeypatch):
    """``evaluate`` builds the split's positions itself: its models take them through ``predict_checked``."""
    from cfgmm_lib.evaluation import baselines

    def refuse(*args):
        raise AssertionError("evaluate called the checking predict")

    monkeypatch.setattr(baselines.MeanModel, "predict", refuse)
    monkeypatch.setattr(baselines.BiasModel, "predict", refuse)
    out = evaluate(X, models=["global_mean", "bias_baseline"], grid={"bias_reg": [1.0]}, blend=False)
    assert set(out["rmse"]) == {"global_mean", "bias_baseline"}
