"""Every reference number of SPEC.md and test_solutions.txt, from our functions."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import bic, em, init, kmeans, naive_em, rmse
from cfgmm_lib.checkpoints import agrees_to_printed
from cfgmm_lib.sweep import sweep

pytestmark = pytest.mark.course_data
# Tolerances are what the printed digits support, never a relative 1e-9 (which on -1.4e6 would
# accept 1.4e-3). pytest.approx(rel=, abs=) accepts the LARGER of the two, so each check uses one.

# SPEC.md, toy data, seeds 0-4, best seed per K
TOY = {  # K: (kmeans min cost, seed), (naive EM max ll, seed), BIC of that ll
    1: ((5462.297452340, 0), (-1307.223431760, 0), -1315.505623137),
    2: ((1684.907950296, 0), (-1175.714629367, 2), -1195.039742579),
    3: ((1329.594867154, 3), (-1138.890899687, 0), -1169.258934736),
    4: ((1035.499826539, 4), (-1138.601175700, 4), -1180.012132583),
}
# SPEC.md, Netflix log-likelihoods, seeds 0-4
NETFLIX = {
    1: [-1521060.9539852] * 5,
    12: [-1399803.0466569, -1390234.4223469, -1416862.4011513, -1393521.3929898, -1416733.8083764],
}
# The SPEC prints these to 9 (toy) and 7 (Netflix) decimals: half a unit of the last digit for the
# rounding, and as much again for a different summation order in the SPEC's own computation
# (measured: at most 5.2e-10 and 4.9e-8).
TOY_ABS = 1e-9
NETFLIX_ABS = 1e-7
#: Numbers the SPEC prints in full (repr of a float64): a few ulps of summation order.
FULL_REL = 1e-13


@pytest.fixture(scope="module")
def toy(course):
    return course("toy_data")


@pytest.fixture(scope="module")
def toy_kmeans(toy):
    return sweep(toy, [1, 2, 3, 4], range(5), method="kmeans")


@pytest.fixture(scope="module")
def toy_em(toy):
    return sweep(toy, [1, 2, 3, 4], range(5), method="naive_em")


@pytest.mark.parametrize("K", [1, 2, 3, 4])
def test_toy_kmeans_best_cost(toy_kmeans, K):
    (cost, seed), _, _ = TOY[K]
    best = toy_kmeans.best(K)
    assert isinstance(best.score, float)
    assert best.score == pytest.approx(cost, rel=0, abs=TOY_ABS)
    assert best.seed == seed


@pytest.mark.parametrize("K", [1, 2, 3, 4])
def test_toy_kmeans_variances_weights_and_cost(toy, toy_kmeans, K):
    """Checked against a plain loop over the clusters of the returned assignment (SPEC's K-means update)."""
    best = toy_kmeans.best(K)
    n, d = toy.shape
    labels = best.post.argmax(axis=1)
    assert (best.post.sum(axis=1) == 1).all() and set(np.unique(best.post)) <= {0.0, 1.0}
    total = 0.0
    for j in range(K):
        rows = toy[labels == j]
        mean = rows.mean(axis=0)
        sse = float(((rows - mean) ** 2).sum())
        total += sse
        np.testing.assert_allclose(best.mixture.mu[j], mean, rtol=1e-13)
        assert best.mixture.var[j] == pytest.approx(sse / (d * len(rows)), rel=1e-13)
        assert best.mixture.p[j] == len(rows) / n
    assert best.score == pytest.approx(total, rel=1e-13)
    # the assignment is a K-means fixed point: every row is nearest to its own mean
    dist = ((toy[:, None, :] - best.mixture.mu[None]) ** 2).sum(axis=2)
    assert (dist[np.arange(n), labels] <= dist.min(axis=1)).all()


def test_toy_kmeans_k3_seeds_3_and_4_tie_to_the_last_bit(toy_kmeans):
    scores = toy_kmeans.scores(3)
    assert scores[3] == scores[4]


@pytest.mark.parametrize("K", [1, 2, 3, 4])
def test_toy_naive_em_best_ll_and_bic(toy, toy_em, K):
    _, (ll, seed), ref_bic = TOY[K]
    best = toy_em.best(K)
    assert isinstance(best.score, float)
    assert best.score == pytest.approx(ll, rel=0, abs=TOY_ABS)
    assert best.seed == seed
    value = bic(toy, best.mixture, best.score)
    assert isinstance(value, float)
    assert value == pytest.approx(ref_bic, rel=0, abs=TOY_ABS)
    assert toy_em.bic(K) == value


def test_best_K_by_bic_is_3(toy_em):
    assert toy_em.best_K_by_bic() == 3


def test_first_estep_ll_on_toy(toy):
    mixture, _ = init(toy, 3, seed=0)
    _, ll_naive = naive_em.estep(toy, mixture)
    _, ll_missing = em.estep(toy, mixture)
    assert isinstance(ll_naive, float) and isinstance(ll_missing, float)
    # printed to 10 decimals (measured difference 3.1e-11)
    assert ll_naive == pytest.approx(-1388.0818000441, rel=0, abs=1e-10)
    assert ll_missing == pytest.approx(-1388.0818000441, rel=0, abs=1e-10)


# ----- the 20 x 5 test case, against every array of test_solutions.txt -----

@pytest.fixture(scope="module")
def case(course):
    X = course("test_incomplete")
    sol = course("test_solutions")
    return X, sol


def test_solutions_input_is_the_test_matrix(case):
    X, sol = case
    assert agrees_to_printed(X, sol["input"]["X"])
    assert sol["input"]["K"] == 4


def test_init_matches(case):
    X, sol = case
    mixture, post = init(X, 4, seed=0)
    assert np.array_equal(mixture.mu, X[[18, 1, 19, 8]])
    assert agrees_to_printed(mixture.mu, sol["input"]["Mu"])
    assert agrees_to_printed(mixture.var, sol["input"]["Var"])
    assert agrees_to_printed(mixture.p, sol["input"]["P"])
    assert np.allclose(post, 0.25)


def test_first_estep_matches(case):
    X, sol = case
    mixture, _ = init(X, 4, seed=0)
    post, ll = em.estep(X, mixture)
    assert isinstance(ll, float)
    assert ll == pytest.approx(-152.16319226209848, rel=FULL_REL)
    assert agrees_to_printed(ll, sol["first_estep"]["LL"])
    assert agrees_to_printed(post, sol["first_estep"]["post"])


def test_first_mstep_matches(case):
    X, sol = case
    mixture, _ = init(X, 4, seed=0)
    post, _ = em.estep(X, mixture)
    new = em.mstep(X, post, mixture)
    for ours, key in ((new.mu, "Mu"), (new.var, "Var"), (new.p, "P")):
        assert agrees_to_printed(ours, sol["first_mstep"][key]), key
    np.testing.assert_allclose(new.mu[0], [2.38279095, 4.64102716, 3.73583539, 4.28989488, 2.17237898], atol=5e-9)


def test_run_matches(case):
    X, sol = case
    mixture, post = init(X, 4, seed=0)
    mixture, post, ll = em.run(X, mixture, post)
    assert isinstance(ll, float)
    assert ll == pytest.approx(-84.98451993042474, rel=FULL_REL)
    ref = sol["run"]
    for ours, key in ((mixture.mu, "Mu"), (mixture.var, "Var"), (mixture.p, "P"), (post, "post")):
        assert agrees_to_printed(ours, ref[key]), key
    np.testing.assert_allclose(mixture.var, [0.25, 0.25, 0.44961685, 0.27930039], atol=5e-9)


def test_fill_matrix_and_rmse_match(case, course):
    X, sol = case
    X_gold = course("test_complete")
    assert agrees_to_printed(X_gold, sol["run"]["X_gold"])
    mixture, post = init(X, 4, seed=0)
    mixture, _, _ = em.run(X, mixture, post)
    X_pred = em.fill_matrix(X, mixture)
    assert agrees_to_printed(X_pred, sol["run"]["X_pred"])
    value = rmse(X_pred, X_gold)
    assert isinstance(value, float)
    assert value == pytest.approx(0.3152301205749675, rel=FULL_REL)
    assert agrees_to_printed(value, sol["run"]["RMSE"])


# ----- Netflix -----

@pytest.fixture(scope="module")
def netflix_sweep(course):
    return sweep(course("netflix_incomplete"), [1, 12], range(5), method="em")


@pytest.mark.parametrize("K", [1, 12])
def test_netflix_log_likelihoods(netflix_sweep, K):
    scores = netflix_sweep.scores(K)
    for seed, ref in enumerate(NETFLIX[K]):
        assert isinstance(scores[seed], float)
        assert scores[seed] == pytest.approx(ref, rel=0, abs=NETFLIX_ABS), (K, seed)


def test_netflix_best_and_rmse(netflix_sweep, course):
    best = max((netflix_sweep.best(K) for K in (1, 12)), key=lambda f: f.score)
    assert (best.K, best.seed) == (12, 1)
    X = course("netflix_incomplete")
    value = rmse(em.fill_matrix(X, best.mixture), course("netflix_complete"))
    assert value == pytest.approx(0.48049085054007, rel=0, abs=1e-14)  # printed to 14 decimals


def test_netflix_k1_predicts_movie_means(netflix_sweep, course):
    """SPEC: K = 1 gives exactly the movie means of the observed ratings."""
    X = course("netflix_incomplete")
    mu = netflix_sweep.best(1).mixture.mu[0]
    observed = X != 0
    movie_means = (X * observed).sum(0) / observed.sum(0)
    np.testing.assert_allclose(mu, movie_means, rtol=1e-12)
