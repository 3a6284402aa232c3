"""Edge cases give finite answers: empty rows, unobserved columns, empty clusters."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import GaussianMixture, em, init, kmeans, naive_em


def test_row_with_nothing_observed_gets_the_weights(rng):
    X = rng.integers(1, 6, size=(30, 6)).astype(float)
    X[4] = 0.0
    mixture, post = init(X, 3, seed=1)
    mixture = mixture._replace(p=np.array([0.2, 0.3, 0.5]))
    post, ll = em.estep(X, mixture)
    np.testing.assert_allclose(post[4], [0.2, 0.3, 0.5], rtol=1e-12)
    # that row adds log(sum p) ~ 0 to ll
    _, ll_without = em.estep(np.delete(X, 4, axis=0), mixture)
    assert ll == pytest.approx(ll_without, abs=1e-12)
    mixture, post, ll = em.run(X, mixture, post)
    assert np.isfinite(ll) and np.isfinite(post).all()
    X_pred = em.fill_matrix(X, mixture)
    assert np.isfinite(X_pred).all()
    np.testing.assert_allclose(X_pred[4], mixture.p @ mixture.mu, rtol=1e-12)  # the weights' average


def test_column_never_observed_keeps_its_means(rng):
    X = rng.integers(1, 6, size=(40, 5)).astype(float)
    X[:, 2] = 0.0
    mixture, post = init(X, 3, seed=0)
    mixture = mixture._replace(mu=mixture.mu + np.array([0, 0, 7.0, 0, 0]))  # recognisable
    post, _ = em.estep(X, mixture)
    new = em.mstep(X, post, mixture)
    np.testing.assert_array_equal(new.mu[:, 2], mixture.mu[:, 2])
    final, _, ll = em.run(X, mixture, post)
    np.testing.assert_array_equal(final.mu[:, 2], mixture.mu[:, 2])
    assert np.isfinite(ll) and np.isfinite(final.var).all()


def test_em_mean_with_soft_count_below_one_keeps_its_value():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 5.0]])
    mixture = GaussianMixture(np.array([[1.5, 9.0], [3.0, 9.0]]), np.array([1.0, 1.0]), np.array([0.5, 0.5]))
    post = np.array([[1.0, 0.0], [1.0, 0.0], [0.6, 0.4]])  # column 1: w = 0.6 and 0.4
    new = em.mstep(X, post, mixture)
    np.testing.assert_array_equal(new.mu[:, 1], [9.0, 9.0])
    assert new.mu[0, 0] == pytest.approx((1 + 2 + 0.6 * 3) / 2.6, rel=1e-15)  # one division: 1 ulp


def test_em_variance_floor():
    X = np.array([[1.0, 1.0], [1.0, 1.0], [5.0, 5.0], [5.0, 5.0]])
    mixture = GaussianMixture(np.array([[1.0, 1.0], [5.0, 5.0]]), np.array([4.0, 4.0]), np.array([0.5, 0.5]))
    final, _, _ = em.run(X, mixture, np.full((4, 2), 0.5), min_variance=0.3)
    np.testing.assert_array_equal(final.var, [0.3, 0.3])  # each cluster is exact: floored


def test_em_component_with_no_responsibility_stays_finite():
    X = np.array([[1.0, 2.0], [1.2, 2.1], [0.9, 1.8]])
    mixture = GaussianMixture(np.array([[1.0, 2.0], [50.0, 50.0]]), np.array([1.0, 1.0]), np.array([1.0, 0.0]))
    post, ll = em.estep(X, mixture)
    assert np.isfinite(post).all() and np.isfinite(ll)
    new = em.mstep(X, post, mixture)
    assert np.isfinite(new.mu).all() and np.isfinite(new.var).all()


def test_kmeans_empty_cluster_keeps_mean_and_variance():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.1, 10.0]])
    # the third mean is far from every point: its cluster is empty from the start
    mixture = GaussianMixture(np.array([[0.0, 0.0], [10.0, 10.0], [100.0, -100.0]]),
                              np.array([1.0, 1.0, 3.0]), np.full(3, 1 / 3))
    post0 = np.full((4, 3), 1 / 3)
    final, post, cost = kmeans.run(X, mixture, post0)
    np.testing.assert_array_equal(final.mu[2], [100.0, -100.0])
    assert final.var[2] == 3.0 and final.p[2] == 0.0
    assert post[:, 2].sum() == 0
    assert cost == pytest.approx(2 * 0.05**2 * 2, rel=1e-14)  # a few roundings
    assert np.isfinite(final.mu).all() and np.isfinite(final.var).all()


def test_kmeans_cluster_that_loses_its_points_during_the_run():
    # two means start on the same point; ties go to the first, so the second is empty at once
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [9.0, 9.0], [9.0, 8.0]])
    mixture = GaussianMixture(np.array([[0.0, 0.0], [0.0, 0.0], [9.0, 9.0]]), np.array([1.0, 2.0, 1.0]),
                              np.full(3, 1 / 3))
    post = kmeans.estep(X, mixture)
    assert post[:, 1].sum() == 0
    new, cost = kmeans.mstep(X, post, mixture)
    np.testing.assert_array_equal(new.mu[1], [0.0, 0.0])
    assert new.var[1] == 2.0 and new.p[1] == 0.0 and np.isfinite(cost)
    with pytest.raises(ValueError, match="a cluster has no rows"):
        kmeans.mstep(X, post)
    # the kept mean may win rows back later; the run stays finite either way
    final, post, cost = kmeans.run(X, mixture, np.full((5, 3), 1 / 3))
    assert np.isfinite(final.mu).all() and np.isfinite(final.var).all() and np.isfinite(cost)
    assert np.isclose(final.p.sum(), 1.0)


def test_init_refuses_data_without_spread():
    with pytest.raises(ValueError, match="variance 0"):
        init(np.zeros((4, 3)), 2)


def test_kmeans_ties_go_to_the_lowest_index():
    X = np.array([[0.0, 0.0], [2.0, 0.0]])
    mixture = GaussianMixture(np.array([[1.0, 1.0], [1.0, -1.0]]), np.ones(2), np.full(2, 0.5))
    post = kmeans.estep(X, mixture)
    np.testing.assert_array_equal(post, [[1, 0], [1, 0]])


def test_naive_em_zero_responsibility_keeps_component():
    X = np.array([[0.0, 0.0], [0.5, 0.1], [0.2, 0.3]])
    mixture = GaussianMixture(np.array([[0.2, 0.1], [1e4, 1e4]]), np.array([1.0, 1.0]), np.array([0.5, 0.5]))
    post, ll = naive_em.estep(X, mixture)
    assert post[:, 1].sum() == 0.0 and np.isfinite(ll)
    new = naive_em.mstep(X, post, mixture)
    np.testing.assert_array_equal(new.mu[1], mixture.mu[1])
    assert new.p[1] == 0.0
    with pytest.raises(ValueError, match="component 1 has no responsibility"):
        naive_em.mstep(X, post)


def test_naive_em_collapse_is_a_clear_error():
    X = np.array([[1.0, 1.0], [1.0, 1.0], [5.0, 5.0]])
    post = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="component 0 collapsed"):
        naive_em.mstep(X, post)
    # ... and says why there is no result and what to try
    with pytest.raises(ValueError, match=r"likelihood is unbounded there; try another seed or fewer components$"):
        naive_em.mstep(X, post)


def test_K_equals_n_is_allowed(rng):
    X = rng.normal(size=(5, 2))
    mixture, post = init(X, 5, seed=3)
    assert sorted(map(tuple, mixture.mu)) == sorted(map(tuple, X))


def test_init_draws_what_the_course_draws_without_touching_global_state():
    X = np.arange(40.0).reshape(20, 2)
    state = np.random.get_state()
    mixture, _ = init(X, 4, seed=7)
    after = np.random.get_state()
    assert all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b for a, b in zip(state, after))
    np.random.seed(7)
    rows = np.random.choice(20, 4, replace=False)
    np.random.set_state(state)
    np.testing.assert_array_equal(mixture.mu, X[rows])
