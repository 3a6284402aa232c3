"""The held-out protocol cannot leak, and it chooses what the validation scores say.

* The hidden ratings reach nothing but the final score: garbage in their place changes no
  choice, no validation score and no fitted model.
* Selection is tested on stand-in models whose validation scores are known in advance
  (a model that predicts the truth plus a constant ``delta`` has RMSE ``|delta|``), so that
  picking the wrong setting, or scoring on the wrong entries, fails.
* ``fit_bias`` with unequal penalties equals its closed form (the normal equations);
  ``fit_mixture`` predicts with the posteriors of its final mixture (the handout's
  ``fill_matrix``); the network's early stopping keeps the best epoch.

Only public names are used, and the fits are replaced where ``evaluate`` looks them up
(its module), wherever that module lives.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from cfgmm_lib import GaussianMixture, em, init
from cfgmm_lib.evaluation import MODELS, evaluate, fit_bias, fit_mixture, holdout_split, score
from cfgmm_lib.factorization import fit_neural

SMALL_GRID = {"bias_reg": [1.0, 10.0], "K": [1, 3], "rank_reg": [(3, 5.0), (5, 10.0)]}


# ----- 1. the hidden ratings reach nothing but the final score -----

@pytest.fixture  # per test, so that make mutation sees each test call evaluate (about 0.5 s each)
def with_garbage(small):
    """``evaluate`` on the matrix, and on a copy whose hidden ratings are all replaced by other ratings."""
    _, rows, cols, ratings = holdout_split(small, 0.1, seed=0)
    garbage = small.copy()
    garbage[rows, cols] = (ratings + 1) % 5 + 1  # 1->3, 2->4, 3->5, 4->1, 5->2: every one changed, still observed
    assert (garbage[rows, cols] != ratings).all()
    kwargs = dict(fraction=0.1, seed=0, seeds=range(2), grid=SMALL_GRID, keep_models=True)
    return evaluate(small, **kwargs), evaluate(garbage, **kwargs)


def test_hidden_ratings_change_no_choice_and_no_validation_score(with_garbage):
    clean, dirty = with_garbage
    assert set(clean["choices"]) == {"bias_baseline", "item_neighbours", "course_mixture", "partition_mixture",
                                     "bias_aware_mixture",
                                     "bias_aware_partition_mixture", "matrix_factorization", "neural", "blend"}
    assert dirty["choices"] == clean["choices"]
    assert dirty["validation"] == clean["validation"]  # exactly: same data, same arithmetic
    assert dirty["validation_rmse"] == clean["validation_rmse"]


def test_hidden_ratings_change_no_fitted_model(with_garbage):
    clean, dirty = with_garbage
    np.testing.assert_array_equal(dirty["split"][0], clean["split"][0])  # the training matrix
    for a, b in zip(dirty["validation_split"], clean["validation_split"]):
        np.testing.assert_array_equal(a, b)
    _, rows, cols, _ = clean["split"]
    for name in MODELS:
        np.testing.assert_array_equal(dirty["models"][name].predict(rows, cols),
                                      clean["models"][name].predict(rows, cols), err_msg=name)


def test_hidden_ratings_do_reach_the_final_score(with_garbage):
    """The other side of the same check: the garbage is seen, by the score and only there."""
    clean, dirty = with_garbage
    for name in MODELS:
        assert dirty["rmse"][name] > clean["rmse"][name] + 0.5, name


def test_validation_split_is_carved_out_of_the_training_ratings(with_garbage):
    clean, _ = with_garbage
    X_train, rows, cols, _ = clean["split"]
    X_fit, vrows, vcols, vratings = clean["validation_split"]
    assert (X_train[vrows, vcols] == vratings).all() and (vratings > 0).all()  # training ratings
    assert (X_fit[vrows, vcols] == 0).all()
    hidden = set(zip(rows.tolist(), cols.tolist()))
    assert hidden.isdisjoint(zip(vrows.tolist(), vcols.tolist()))
    assert (X_fit != 0).sum() == (X_train != 0).sum() - len(vratings)


# ----- 2. selection on stand-in models with known validation scores -----

# validation RMSE of each setting = |delta| (predictions = truth + delta, never clipped)
BIAS = {1.0: 0.30, 5.0: 0.10, 10.0: 0.20, 25.0: 0.40}  # best 5.0, worst 25.0
MIXTURE = {1: 0.35, 4: 0.15, 8: 0.05, 12: 0.25, 16: 0.45}  # best 8
AWARE = {1: 0.12, 4: 0.32, 8: 0.22, 12: 0.42, 16: 0.02}  # best 16
ALS = {(10, 10.0): 0.33, (20, 10.0): 0.23, (20, 20.0): 0.03, (40, 20.0): 0.43, (40, 40.0): 0.13}  # best (20, 20)
NEURAL_HISTORY = [0.5, 0.3, 0.2, 0.25, 0.4]  # best epoch: 3
GRID = {"bias_reg": list(BIAS), "K": list(MIXTURE), "rank_reg": list(ALS)}


class Known:
    """A stand-in model: predicts the true rating plus ``delta``; remembers what it was fitted on."""

    def __init__(self, truth, delta, n_observed, **info):
        self.truth, self.delta, self.n_observed, self.info = truth, delta, n_observed, info
        self.seed = 0

    def predict(self, rows, cols):
        return self.truth[np.asarray(rows), np.asarray(cols)] + self.delta

    predict_checked = predict  # evaluate passes positions it has checked

    def matrix(self):
        return self.truth + self.delta


@pytest.fixture
def known(monkeypatch):
    rng = np.random.default_rng(11)
    truth = rng.integers(2, 5, size=(60, 40)).astype(float)  # 2..4: truth + delta stays inside [1, 5]
    X = np.where(rng.random(truth.shape) < 0.25, 0.0, truth)
    calls = []

    def n_obs(A):
        return int((np.asarray(A) != 0).sum())

    def fake_bias(A, reg_user=10.0, reg_movie=10.0, iters=20, mask=None):
        calls.append(("bias", n_obs(A), reg_user, reg_movie))
        return Known(truth, BIAS[reg_user], n_obs(A), reg=reg_user)

    def fake_mixture(A, K, seeds=range(5), mask=None, offset=None, min_variance=0.25):
        calls.append(("mixture", n_obs(A), K, None if offset is None else (offset.info["reg"], offset.n_observed)))
        return Known(truth, (MIXTURE if offset is None else AWARE)[K], n_obs(A), K=K)

    def fake_als(A, rank=20, reg=10.0, reg_bias=5.0, iters=10, seed=0, mask=None):
        calls.append(("als", n_obs(A), rank, reg))
        return Known(truth, ALS[(rank, reg)], n_obs(A))

    def fake_neural(A, rank=20, reg=10.0, reg_bias=5.0, epochs=15, seed=0, validation=None, **kw):
        calls.append(("neural", n_obs(A), rank, reg, epochs, validation is not None))
        model = Known(truth, 0.07, n_obs(A))
        model.history = list(NEURAL_HISTORY) if validation is not None else []
        return model

    def fake_bias_checked(A, M, reg_user, reg_movie, iters=20):  # evaluate checks once, then calls the private fit
        return fake_bias(A, reg_user, reg_movie, iters)

    def fake_mixture_checked(A, M, K, seeds, offset, min_variance=0.25, init="course"):
        return fake_mixture(A, K, seeds, offset=offset, min_variance=min_variance)

    def triplet_matrix(T, shape):  # the matrix of the observed triplets, for the fakes above
        A = np.zeros(shape)
        A[T[0], T[1]] = T[2]
        return A

    def fake_als_checked(T, shape, rank, reg, reg_bias=5.0, iters=10, seed=0):
        return fake_als(triplet_matrix(T, shape), rank, reg, reg_bias, iters, seed)

    def fake_neural_checked(T, shape, rank, reg, reg_bias=5.0, epochs=15, seed=0, validation=None, **kw):
        return fake_neural(triplet_matrix(T, shape), rank, reg, reg_bias, epochs, seed, validation, **kw)

    module = sys.modules[evaluate.__module__]  # where evaluate looks its fits up, wherever it lives
    for name, fake in (("fit_bias_checked", fake_bias_checked), ("fit_mixture_checked", fake_mixture_checked),
                       ("fit_als_checked", fake_als_checked), ("fit_neural_checked", fake_neural_checked)):
        assert hasattr(module, name), f"evaluate no longer calls {name} by that name: update this test"
        monkeypatch.setattr(module, name, fake)
    result = evaluate(X, 0.1, seed=0, seeds=range(2), grid=GRID)
    X_train, *_ = holdout_split(X, 0.1, 0)
    n_train = int((X_train != 0).sum())
    n_fit = n_train - int(round(0.1 * n_train))
    return result, calls, n_train, n_fit


def test_selection_picks_the_lowest_validation_rmse(known):
    result, *_ = known
    assert result["choices"]["bias_baseline"] == {"reg": 5.0}
    assert result["choices"]["course_mixture"]["K"] == 8
    assert result["choices"]["bias_aware_mixture"]["K"] == 16
    assert result["choices"]["matrix_factorization"] == {"rank": 20, "reg": 20.0}
    assert result["choices"]["neural"] == {"rank": 20, "reg": 20.0, "epochs": 3}


def test_validation_scores_are_the_known_ones(known):
    result, *_ = known
    rel = dict(rel=1e-12)  # sqrt(mean(delta**2)) = |delta| up to rounding
    assert result["validation"]["bias_baseline"] == pytest.approx({str(k): v for k, v in BIAS.items()}, **rel)
    assert result["validation"]["course_mixture"] == pytest.approx({str(k): v for k, v in MIXTURE.items()}, **rel)
    assert result["validation"]["bias_aware_mixture"] == pytest.approx({str(k): v for k, v in AWARE.items()}, **rel)
    assert result["validation"]["matrix_factorization"] == pytest.approx(
        {f"{r},{lam}": v for (r, lam), v in ALS.items()}, **rel)
    assert result["validation"]["neural"] == {str(e + 1): h for e, h in enumerate(NEURAL_HISTORY)}  # passed through
    known_rmse = {"bias_baseline": 0.10, "course_mixture": 0.05, "partition_mixture": 0.05, "bias_aware_mixture": 0.02,
                  "bias_aware_partition_mixture": 0.02, "matrix_factorization": 0.03, "neural": 0.2}
    assert {k: result["validation_rmse"][k] for k in known_rmse} == pytest.approx(known_rmse, **rel)


def test_the_chosen_setting_is_refitted_on_all_training_ratings_and_scored_once(known):
    result, calls, n_train, n_fit = known
    # final scores: |delta| of the chosen setting, on the hidden ratings
    known_rmse = {"bias_baseline": 0.10, "course_mixture": 0.05, "partition_mixture": 0.05, "bias_aware_mixture": 0.02,
                  "bias_aware_partition_mixture": 0.02, "matrix_factorization": 0.03, "neural": 0.07}
    assert {k: result["rmse"][k] for k in known_rmse} == pytest.approx(known_rmse, rel=1e-12)
    finals = [c for c in calls if c[1] == n_train]
    search = [c for c in calls if c[1] == n_fit]
    assert len(finals) + len(search) == len(calls)  # every fit is on the training or the fitting split
    assert ("bias", n_train, 5.0, 5.0) in finals
    assert ("mixture", n_train, 8, None) in finals
    assert ("mixture", n_train, 16, (5.0, n_train)) in finals  # the final bias model is the offset
    assert ("als", n_train, 20, 20.0) in finals
    assert [c for c in finals if c[0] == "neural"] == [("neural", n_train, 20, 20.0, 3, False)]  # early-stopped epochs
    # the search: every setting once, on the fitting split; the bias-aware offset uses the chosen penalty
    assert sorted(c[2] for c in search if c[0] == "bias" and c[2] in BIAS) == sorted([*BIAS, 5.0])
    assert {c[2] for c in search if c[0] == "mixture" and c[3] is None} == set(MIXTURE)
    assert {c[3] for c in search if c[0] == "mixture" and c[3] is not None} == {(5.0, n_fit)}
    assert [c for c in search if c[0] == "neural"] == [("neural", n_fit, 20, 20.0, 15, True)]


# ----- 3. the fits themselves -----

def _bias_closed_form(X, reg_user, reg_movie):
    """Minimise sum_obs (r - mu - b_u - b_i)^2 + reg_user |b_user|^2 + reg_movie |b_movie|^2 (mu = the mean):
    the normal equations, solved directly."""
    n, d = X.shape
    r, c = np.nonzero(X)
    y = X[r, c] - X[r, c].mean()
    A = np.zeros((len(y), n + d))
    A[np.arange(len(y)), r] = 1.0
    A[np.arange(len(y)), n + c] = 1.0
    G = A.T @ A + np.diag(np.r_[np.full(n, reg_user), np.full(d, reg_movie)])
    b = np.linalg.solve(G, A.T @ y)
    return X[r, c].mean(), b[:n], b[n:]


def test_fit_bias_with_unequal_penalties_equals_its_closed_form():
    # 7 users x 4 movies, users with 1 to 4 ratings: the two penalties pull differently
    X = np.array([[5, 3, 0, 1], [4, 0, 0, 1], [1, 1, 0, 5], [0, 1, 5, 4], [0, 0, 5, 0], [2, 0, 3, 0], [3, 4, 0, 2.0]])
    for reg_user, reg_movie in ((2.0, 7.0), (7.0, 2.0), (0.5, 3.0)):
        mu, b_user, b_movie = _bias_closed_form(X, reg_user, reg_movie)
        model = fit_bias(X, reg_user, reg_movie, iters=3000)
        assert model.mu == pytest.approx(mu, rel=1e-15)
        # converged alternating ridge vs one linear solve: 1e-9 (the code adds 1e-12 to each denominator)
        np.testing.assert_allclose(model.b_user, b_user, atol=1e-9)
        np.testing.assert_allclose(model.b_movie, b_movie, atol=1e-9)
        swapped = _bias_closed_form(X, reg_movie, reg_user)
        assert np.abs(swapped[1] - b_user).max() > 0.01  # the case tells the two penalties apart


def test_fit_mixture_predicts_like_fill_matrix_of_its_final_mixture(small):
    """SPEC: a missing entry is predicted by sum_j post[u, j] mu[j, l], post from the E-step on X."""
    X_train, rows, cols, _ = holdout_split(small, 0.2, seed=2)
    model = fit_mixture(X_train, 3, seeds=range(2))
    filled = em.fill_matrix(X_train, model.mixture)
    np.testing.assert_allclose(model.predict(rows, cols), filled[rows, cols], rtol=1e-13)
    bias = fit_bias(X_train, 5.0, 5.0)
    aware = fit_mixture(X_train, 3, seeds=range(2), offset=bias)
    M = X_train != 0
    residual = np.where(M, X_train - bias.matrix(), 0.0)
    filled = em.fill_matrix(residual, aware.mixture, mask=M)
    np.testing.assert_allclose(aware.predict(rows, cols), bias.predict(rows, cols) + filled[rows, cols], rtol=1e-13)


def test_network_early_stopping_keeps_the_best_epoch_not_the_last(small):
    X_train, rows, cols, ratings = holdout_split(small, 0.2, seed=0)
    # a large step and no penalty to speak of: the validation RMSE turns up again before the end
    model = fit_neural(X_train, rank=8, reg=1e-3, reg_bias=1e-3, epochs=12, lr=0.05, decay=1.0, batch=256,
                       validation=(rows, cols, ratings))
    history = np.array(model.history)
    best = int(np.argmin(history))
    assert best < len(history) - 1 and history[-1] > history[best] + 1e-3  # the case needs early stopping
    assert score(model.predict(rows, cols), ratings)["rmse"] == pytest.approx(history[best], rel=1e-12)


def test_fit_mixture_is_the_handouts_em_from_each_seed_with_the_default_floor(small):
    """fit_mixture = init(X, K, seed) then em.run (floor 0.25), keeping the seed of the highest likelihood."""
    X_train, *_ = holdout_split(small, 0.2, seed=2)
    runs = {}
    for seed in (0, 1, 2):
        start, post = init(X_train, 3, seed)
        runs[seed] = em.run(X_train, start, post)
    best_seed = max(runs, key=lambda s: runs[s][2])
    model = fit_mixture(X_train, 3, seeds=(0, 1, 2))
    assert model.seed == best_seed and model.ll == runs[best_seed][2]
    for a, b in zip(model.mixture, runs[best_seed][0]):
        np.testing.assert_array_equal(a, b)
    # a single later seed is that seed's run, not seed 0's
    model = fit_mixture(X_train, 3, seeds=[2])
    assert model.seed == 2
    np.testing.assert_array_equal(model.mixture.mu, runs[2][0].mu)


def test_fit_mixture_keeps_the_first_seed_on_a_tie(small):
    # K = 1: after the first M-step every start is the same mixture, so every seed ties to the bit
    model = fit_mixture(small, 1, seeds=range(3))
    assert model.seed == 0


def test_bias_aware_mixture_is_em_on_the_residuals_with_their_mask(small):
    X_train, rows, cols, _ = holdout_split(small, 0.2, seed=2)
    bias = fit_bias(X_train, 5.0, 5.0)
    M = X_train != 0
    residual = np.where(M, X_train - bias.matrix(), 0.0)  # zeros where nothing is observed, as init sees them
    start, post = init(residual, 3, 1)
    mixture, _, ll = em.run(residual, start, post, mask=M)
    model = fit_mixture(X_train, 3, seeds=[1], offset=bias)
    assert model.ll == ll
    np.testing.assert_array_equal(model.mixture.mu, mixture.mu)


def test_fits_with_an_explicit_mask_ignore_what_lies_outside_it(small):
    """With mask=, entries outside it are ignored whatever they hold: garbage there changes nothing."""
    X_train, rows, cols, _ = holdout_split(small, 0.2, seed=2)
    M = X_train != 0
    garbage = np.where(M, X_train, 7.5)
    a, b = fit_bias(X_train, 2.0, 3.0), fit_bias(garbage, 2.0, 3.0, mask=M)
    assert a.mu == b.mu
    np.testing.assert_allclose(b.b_user, a.b_user, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(b.b_movie, a.b_movie, rtol=1e-12, atol=1e-15)
    # the mixture: init sees the data as given, so compare against em.run on the same start
    start, post = init(garbage, 2, 0)
    mixture, _, ll = em.run(np.where(M, X_train, 0.0), start, post, mask=M)
    model = fit_mixture(garbage, 2, seeds=[0], mask=M)
    assert model.ll == pytest.approx(ll, rel=1e-13, abs=0)
    np.testing.assert_allclose(model.mixture.mu, mixture.mu, rtol=1e-12)
    expected = em.fill_matrix(np.where(M, X_train, 0.0), mixture, mask=M)
    np.testing.assert_allclose(model.predict(rows, cols), expected[rows, cols], rtol=1e-12)


def test_fit_bias_refuses_a_negative_penalty_on_either_side():
    X = np.array([[1.0, 2.0], [3.0, 0.0]])
    for reg_user, reg_movie, name in ((-1.0, 1.0, "reg_user"), (1.0, -1.0, "reg_movie")):
        with pytest.raises(ValueError, match=f"^{name} must be a non-negative number"):
            fit_bias(X, reg_user, reg_movie)
    with pytest.raises(ValueError, match="^X has no observed entry"):
        fit_bias(np.zeros((2, 2)))


def test_score_wants_two_1d_arrays_of_one_length():
    for p, y in ((np.ones((2, 2)), np.ones((2, 2))), (np.ones(3), np.ones(2)), (np.ones(0), np.ones(0))):
        with pytest.raises(ValueError, match="1-D arrays"):
            score(p, y)
    s = score([1, 5, 3], [2, 5, 3])  # lists of ints are fine
    assert s == {"rmse": pytest.approx(np.sqrt(1 / 3), rel=1e-15), "mae": pytest.approx(1 / 3, rel=1e-15)}


def test_documented_defaults(small):
    """The defaults the docstrings and the SPEC state: penalties 10 and 10, 20 sweeps; split seed 0; floor 0.25."""
    a, b = fit_bias(small), fit_bias(small, 10.0, 10.0, iters=20)
    np.testing.assert_array_equal(a.b_user, b.b_user)
    np.testing.assert_array_equal(a.b_movie, b.b_movie)
    c = fit_bias(small, 10.0, 10.0, iters=21)
    assert not np.array_equal(a.b_user, c.b_user)  # 20 sweeps are not yet converged: the count shows
    for x, y in zip(holdout_split(small, 0.1), holdout_split(small, 0.1, 0)):
        np.testing.assert_array_equal(x, y)
    X_train, *_ = holdout_split(small, 0.2, seed=2)
    start, post = init(X_train, 2, 0)
    for floor in (0.25, 0.6):
        mixture, _, ll = em.run(X_train, start, post, min_variance=floor)
        kwargs = {} if floor == 0.25 else {"min_variance": floor}
        model = fit_mixture(X_train, 2, seeds=[0], **kwargs)
        assert model.ll == ll, floor
        np.testing.assert_array_equal(model.mixture.var, mixture.var)


def test_em_mstep_keeps_the_variance_of_a_component_that_sees_nothing():
    X = np.array([[1.0, 2.0], [3.0, 0.0], [0.0, 6.0]])
    mixture = GaussianMixture(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.7, 1.9]), np.full(2, 0.5))
    post = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])  # component 1: no responsibility at all
    new = em.mstep(X, post, mixture)
    assert new.var[1] == 1.9 and new.p[1] == 0.0  # SPEC: kept, not floored
    np.testing.assert_array_equal(new.mu[1], mixture.mu[1])
