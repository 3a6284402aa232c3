"""The item-based neighbourhood model equals its formula, written out one entry at a time."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cfgmm_lib.evaluation import fit_bias, fit_neighbours


def _by_hand(X, k, shrink, reg, u, i):
    """The docstring's formula for one entry, with plain loops."""
    M = X != 0
    bias = fit_bias(X, reg, reg)
    B = bias.matrix()
    E = np.where(M, X - B, 0.0)
    d = X.shape[1]
    sims = np.full(d, -np.inf)
    for j in range(d):
        if j == i:
            continue
        both = M[:, i] & M[:, j]
        n = both.sum()
        if n == 0:
            sims[j] = 0.0
            continue
        num = (E[both, i] * E[both, j]).sum()
        den = np.sqrt((E[M[:, j], i] ** 2).sum() * (E[M[:, i], j] ** 2).sum())
        sims[j] = (num / den if den > 0 else 0.0) * n / (n + shrink)
    neighbours = np.argsort(-sims, kind="stable")[:k]
    rated = [j for j in neighbours if M[u, j]]
    weight = sum(abs(sims[j]) for j in rated)
    corr = sum(sims[j] * E[u, j] for j in rated) / weight if weight > 1e-12 else 0.0
    return B[u, i] + corr


def test_neighbours_predict_the_formula(small):
    X = small[:40, :25]
    model = fit_neighbours(X, k=6, shrink=10.0, reg=2.0)
    rng = np.random.default_rng(0)
    for u, i in zip(rng.integers(0, 40, 25), rng.integers(0, 25, 25)):
        assert model.predict([u], [i])[0] == pytest.approx(_by_hand(X, 6, 10.0, 2.0, u, i), abs=1e-9)


def test_neighbours_beat_the_bias_baseline_on_planted_taste(small):
    from cfgmm_lib.evaluation import holdout_split, score

    X_train, rows, cols, ratings = holdout_split(small, 0.2, seed=1)
    knn = score(fit_neighbours(X_train, k=20).predict(rows, cols), ratings)["rmse"]
    base = score(fit_bias(X_train, 5.0, 5.0).predict(rows, cols), ratings)["rmse"]
    assert knn < base - 0.01


def test_neighbours_take_more_than_d_minus_1_as_all_and_name_bad_arguments(small):
    X = small[:30, :10]
    before = X.copy()
    np.testing.assert_allclose(fit_neighbours(X, k=9).correction, fit_neighbours(X, k=500).correction)
    np.testing.assert_array_equal(X, before)
    with pytest.raises(ValueError, match="^k must"):
        fit_neighbours(X, k=0)
    with pytest.raises(ValueError, match="^shrink must"):
        fit_neighbours(X, shrink=-1.0)
    with pytest.raises(TypeError, match="dense X"):
        fit_neighbours(sp.csr_matrix(X))
