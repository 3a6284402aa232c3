"""Matrix factorisation by ALS, the network, and the network's gradient."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.evaluation import holdout_split, score
from cfgmm_lib.factorization import EmbeddingNet, fit_als, fit_neural, observed_triplets


@pytest.fixture(scope="module")
def lowrank():
    rng = np.random.default_rng(3)
    n, d, r = 60, 40, 2
    full = 3 + rng.normal(0, 0.3, (n, 1)) + rng.normal(0, 0.3, (1, d)) + rng.normal(0, 0.7, (n, r)) @ rng.normal(0, 0.7, (r, d))
    X = np.where(rng.random((n, d)) < 0.25, 0.0, full)
    return X, full


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    net = EmbeddingNet(7, 5, 3, seed=1, mu=3.0)
    for k in ("b_user", "b_movie"):
        net.params[k] = rng.normal(size=net.params[k].shape)
    users, movies = rng.integers(0, 7, 20), rng.integers(0, 5, 20)
    ratings = rng.uniform(1, 5, 20)
    args = (users, movies, ratings, 0.7, 0.3, 50)
    _, grads = net.loss_and_grads(*args)
    h = 1e-6
    for name, value in net.params.items():
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + h
            up, _ = net.loss_and_grads(*args)
            value[idx] = old - h
            down, _ = net.loss_and_grads(*args)
            value[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_one_hot_layer_is_a_lookup():
    net = EmbeddingNet(6, 4, 2, seed=0)
    users = np.array([5, 0, 5, 2])
    U = net.one_hot(users, 6)
    assert U.shape == (4, 6) and U.sum() == 4
    np.testing.assert_array_equal(U @ net.params["P"], net.params["P"][users])
    # the backward pass builds U.T directly: the same matrix
    np.testing.assert_array_equal(net._lookup_transpose(users, 6).toarray(), U.T.toarray())


def test_network_with_als_weights_predicts_like_als(lowrank):
    X, _ = lowrank
    model = fit_als(X, rank=2, reg=1.0, iters=5)
    net = EmbeddingNet(*X.shape, 2)
    net.params.update(mu=np.array([model.mu]), b_user=model.b_user, b_movie=model.b_movie, P=model.P, Q=model.Q)
    rows, cols, _ = observed_triplets(X)
    np.testing.assert_allclose(net.forward(rows, cols)[0], model.predict(rows, cols), rtol=1e-12)
    np.testing.assert_allclose(model.matrix()[rows, cols], model.predict(rows, cols), rtol=1e-12)


def test_als_recovers_a_low_rank_matrix_and_its_loss_never_rises(lowrank):
    X, full = lowrank
    before = X.copy()
    model = fit_als(X, rank=2, reg=0.1, reg_bias=0.1, iters=30)
    np.testing.assert_array_equal(X, before)
    assert np.all(np.diff(model.history) <= 1e-9 * np.abs(model.history[1:]))
    missing = X == 0
    err = model.matrix()[missing] - full[missing]
    assert np.sqrt(np.mean(err**2)) < 0.15


def test_vectorised_ridge_step_equals_each_users_own_regression(lowrank):
    """All users' normal equations from two products equal one ridge regression per user."""
    from cfgmm_lib.factorization import _ridge_rows

    X, _ = lowrank
    rng = np.random.default_rng(1)
    Q, b_movie, mu = rng.normal(size=(X.shape[1], 2)), rng.normal(size=X.shape[1]), 3.0
    P, b_user = _ridge_rows((X != 0).astype(float), X - mu - b_movie[None, :], Q, 2.0, 1.0, block=7)
    for u in range(X.shape[0]):  # a plain loop, for the check
        obs = X[u] != 0
        F = np.hstack([Q[obs], np.ones((obs.sum(), 1))])
        x = np.linalg.solve(F.T @ F + np.diag([2.0, 2.0, 1.0 + 1e-12]), F.T @ (X[u, obs] - mu - b_movie[obs]))
        np.testing.assert_allclose(np.r_[P[u], b_user[u]], x, rtol=1e-9, atol=1e-12)


def test_network_learns_and_early_stopping_keeps_the_best_epoch(lowrank):
    X, _ = lowrank
    X_train, rows, cols, ratings = holdout_split(X, 0.2, seed=0)
    model = fit_neural(X_train, rank=2, reg=1.0, epochs=12, lr=0.05, batch=64, validation=(rows, cols, ratings))
    assert len(model.history) == 12
    best = min(model.history)
    assert score(model.predict(rows, cols), ratings)["rmse"] == pytest.approx(best, rel=1e-12)
    assert best < model.history[0]
    plain = fit_neural(X_train, rank=2, reg=1.0, epochs=5, lr=0.05, batch=64)
    assert plain.history[-1] < plain.history[0]  # the training loss falls


@pytest.mark.parametrize("kwargs,error,match", [
    ({"rank": 0}, ValueError, "rank must be a positive integer"),
    ({"rank": 2.5}, TypeError, "rank must be an integer"),
    ({"reg": 0.0}, ValueError, r"reg must be a positive number \(> 0\)"),
])
def test_bad_hyper_parameters(lowrank, kwargs, error, match):
    X, _ = lowrank
    for fit in (fit_als, fit_neural):
        with pytest.raises(error, match=match):
            fit(X, **kwargs)


def test_nothing_observed_is_an_error():
    for fit in (fit_als, fit_neural):
        with pytest.raises(ValueError, match="no observed entry"):
            fit(np.zeros((4, 3)))
