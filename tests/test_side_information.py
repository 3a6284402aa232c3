"""The handout's third challenge: SVD++'s implicit feedback in the network of factorization."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cfgmm_lib.evaluation import holdout_split, score
from cfgmm_lib.factorization import EmbeddingNet, fit_neural, implicit_matrix, observed_triplets


def test_implicit_matrix_is_the_normalised_rated_set():
    rows, cols = np.array([0, 0, 0, 0, 2]), np.array([0, 1, 2, 3, 1])
    N = implicit_matrix(rows, cols, (3, 4))
    np.testing.assert_allclose(N, [[0.5] * 4, [0.0] * 4, [0, 1.0, 0, 0]])
    assert sp.issparse(implicit_matrix(rows, cols, (5000, 5000)))


@pytest.mark.parametrize("dense", [True, False])
def test_gradients_with_implicit_feedback_match_finite_differences(dense):
    rng = np.random.default_rng(0)
    n, d, rank = 6, 5, 3
    rated = rng.random((n, d)) < 0.6
    rows, cols = np.nonzero(rated)
    N = implicit_matrix(rows, cols, (n, d))
    net = EmbeddingNet(n, d, rank, seed=1, mu=3.0, implicit=N if dense else sp.csr_matrix(N))
    net.params["Y"] = rng.normal(0, 0.3, (d, rank))
    users, movies, y = rows[:7], cols[:7], rng.integers(1, 6, 7).astype(float)
    loss, grads = net.loss_and_grads(users, movies, y, reg=0.7, reg_bias=0.3, N=20)
    assert set(grads) == {"mu", "b_user", "b_movie", "P", "Q", "Y"}
    eps = 1e-6
    for name in ("Y", "P", "Q"):
        for idx in [(0, 0), (2, 1), (4, 2)]:
            old = net.params[name][idx]
            net.params[name][idx] = old + eps
            up = net.loss_and_grads(users, movies, y, 0.7, 0.3, 20)[0]
            net.params[name][idx] = old - eps
            down = net.loss_and_grads(users, movies, y, 0.7, 0.3, 20)[0]
            net.params[name][idx] = old
            assert grads[name][idx] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8), (name, idx)


def test_the_implicit_model_learns_and_folds_y_into_the_user_vectors():
    rng = np.random.default_rng(3)
    n, d = 150, 60
    taste = rng.normal(0, 1, (n, 2)) @ rng.normal(0, 1, (2, d))
    X = np.clip(np.rint(3.5 + taste), 1, 5)
    # which movies a user rates depends on their taste: the rated set carries information
    X[rng.random((n, d)) < 1 / (1 + np.exp(taste))] = 0.0
    X_train, rows, cols, ratings = holdout_split(X, 0.2, seed=0)
    model = fit_neural(X_train, rank=2, reg=1.0, epochs=15, lr=0.05, batch=128, implicit=True,
                       validation=(rows, cols, ratings))
    assert min(model.history) < model.history[0]
    assert score(model.predict(rows, cols), ratings)["rmse"] == pytest.approx(min(model.history), rel=1e-12)
    plain = fit_neural(X_train, rank=2, reg=1.0, epochs=15, lr=0.05, batch=128, validation=(rows, cols, ratings))
    assert np.isfinite(plain.history).all()
    # a sparse X gives the same triplets and the same model
    r, c, v = observed_triplets(sp.csr_matrix(X_train))
    r2, c2, v2 = observed_triplets(X_train)
    np.testing.assert_array_equal(np.c_[r, c, v], np.c_[r2, c2, v2])
    again = fit_neural(sp.csr_matrix(X_train), rank=2, reg=1.0, epochs=3, lr=0.05, batch=128, implicit=True)
    dense = fit_neural(X_train, rank=2, reg=1.0, epochs=3, lr=0.05, batch=128, implicit=True)
    np.testing.assert_allclose(again.P, dense.P, rtol=1e-10)
