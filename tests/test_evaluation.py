"""Scores on chosen entries and the simple baselines."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import evaluation as ev

X = np.array([[5.0, 0.0, 3.0], [0.0, 0.0, 0.0], [1.0, 2.0, 0.0]])


def test_baseline_predictions():
    glob = (5 + 3 + 1 + 2) / 4
    np.testing.assert_allclose(ev.predict_global_mean(X), glob)
    np.testing.assert_allclose(ev.predict_user_mean(X)[:, 0], [4.0, glob, 1.5])  # empty row: global mean
    np.testing.assert_allclose(ev.predict_movie_mean(X)[0], [3.0, 2.0, 3.0])
    X2 = X.copy()
    X2[:, 1] = 0
    assert ev.predict_movie_mean(X2)[0, 1] == pytest.approx((5 + 3 + 1) / 3)  # never rated: global mean


def test_baselines_with_an_explicit_mask_allow_zero_ratings():
    R = np.array([[0.0, 1.0], [-1.0, 0.0]])
    mask = np.array([[True, True], [True, False]])
    np.testing.assert_allclose(ev.predict_user_mean(R, mask)[:, 0], [0.5, -1.0])


def test_rmse_and_mae_on_selected_entries():
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    truth = np.array([[1.0, 0.0], [0.0, 8.0]])
    where = np.array([[True, False], [False, True]])
    assert ev.rmse_on(pred, truth, where) == pytest.approx(np.sqrt(8))
    assert ev.mae_on(pred, truth, where) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="nothing to score"):
        ev.rmse_on(pred, truth, np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="one shape"):
        ev.rmse_on(pred, truth, np.ones((3, 2), bool))


def test_rating_shares():
    shares = ev.rating_shares([1, 1, 5, 4.6, 3.2])
    assert shares == {1: 0.4, 2: 0.0, 3: 0.2, 4: 0.0, 5: 0.4}


def test_nothing_observed_is_an_error():
    with pytest.raises(ValueError, match="no observed entry"):
        ev.predict_user_mean(np.zeros((2, 2)))
