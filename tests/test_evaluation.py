"""Scores on chosen entries and the simple baselines."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import evaluation as ev

X = np.array([[5.0, 0.0, 3.0], [0.0, 0.0, 0.0], [1.0, 2.0, 0.0]])


def test_baseline_predictions():
    glob = (5 + 3 + 1 + 2) / 4
    np.testing.assert_allclose(ev.predict_global_mean(X), glob, rtol=1e-15)  # means of a few integers
    np.testing.assert_allclose(ev.predict_user_mean(X)[:, 0], [4.0, glob, 1.5], rtol=1e-15)  # empty row: global mean
    np.testing.assert_allclose(ev.predict_movie_mean(X)[0], [3.0, 2.0, 3.0], rtol=1e-15)
    X2 = X.copy()
    X2[:, 1] = 0
    assert ev.predict_movie_mean(X2)[0, 1] == pytest.approx((5 + 3 + 1) / 3, rel=1e-15)  # never rated: global mean


def test_baselines_with_an_explicit_mask_allow_zero_ratings():
    R = np.array([[0.0, 1.0], [-1.0, 0.0]])
    mask = np.array([[True, True], [True, False]])
    np.testing.assert_allclose(ev.predict_user_mean(R, mask)[:, 0], [0.5, -1.0], rtol=1e-15)


def test_rmse_and_mae_on_selected_entries():
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    truth = np.array([[1.0, 0.0], [0.0, 8.0]])
    where = np.array([[True, False], [False, True]])
    assert ev.rmse_on(pred, truth, where) == pytest.approx(np.sqrt(8), rel=1e-15)
    assert ev.mae_on(pred, truth, where) == 2.0  # exact in binary
    with pytest.raises(ValueError, match="nothing to score"):
        ev.rmse_on(pred, truth, np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="one shape"):
        ev.rmse_on(pred, truth, np.ones((3, 2), bool))


def test_mean_models_predict_like_the_full_matrices():
    rows, cols = np.array([0, 1, 2, 2]), np.array([2, 0, 1, 2])
    for kind, full in (("global", ev.predict_global_mean(X)), ("user", ev.predict_user_mean(X)),
                       ("movie", ev.predict_movie_mean(X))):
        np.testing.assert_array_equal(ev.fit_means(X, kind).predict(rows, cols), full[rows, cols])  # same numbers, looked up
    with pytest.raises(ValueError, match="kind must be"):
        ev.fit_means(X, "genre")


def test_rating_shares():
    shares = ev.rating_shares([1, 1, 5, 4.6, 3.2])
    assert shares == {1: 0.4, 2: 0.0, 3: 0.2, 4: 0.0, 5: 0.4}


def test_nothing_observed_is_an_error():
    with pytest.raises(ValueError, match="no observed entry"):
        ev.predict_user_mean(np.zeros((2, 2)))


# ----- the held-out protocol -----

from cfgmm_lib.data import synthetic  # noqa: E402
from cfgmm_lib.evaluation import (MODELS, evaluate, fit_bias, fit_mixture, heldout_log_likelihood,  # noqa: E402
                                  holdout_split, score)


def test_holdout_split_hides_a_fixed_share_and_changes_nothing(small):
    before = small.copy()
    X_train, rows, cols, ratings = holdout_split(small, 0.1, seed=3)
    np.testing.assert_array_equal(small, before)
    n_obs = (small != 0).sum()
    assert len(ratings) == round(0.1 * n_obs)
    assert (X_train[rows, cols] == 0).all() and (small[rows, cols] == ratings).all() and (ratings > 0).all()
    assert (X_train != 0).sum() == n_obs - len(ratings)
    again = holdout_split(small, 0.1, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((X_train, rows, cols, ratings), again))
    other = holdout_split(small, 0.1, seed=4)
    assert not np.array_equal(rows, other[1]) or not np.array_equal(cols, other[2])


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5, float("nan")])
def test_holdout_fraction_must_be_inside_0_1(small, fraction):
    with pytest.raises(ValueError, match="fraction must be strictly between 0 and 1"):
        holdout_split(small, fraction)


def test_holdout_needs_observed_entries():
    with pytest.raises(ValueError, match="^X has no observed entry"):  # names the argument
        holdout_split(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="nothing to fit or to score"):
        holdout_split(np.eye(3), 0.01)


def test_score_clips_to_the_rating_scale():
    s = score(np.array([6.0, 0.0, 3.0]), np.array([5.0, 1.0, 4.0]))
    assert s["rmse"] == pytest.approx(np.sqrt(1 / 3), rel=1e-15) and s["mae"] == pytest.approx(1 / 3, rel=1e-15)
    assert score(np.array([6.0]), np.array([5.0]), clip=None)["rmse"] == 1.0
    with pytest.raises(ValueError, match="1-D arrays"):
        score(np.ones(3), np.ones(2))


def test_score_clip_is_a_pair_low_high_each_named_in_its_message():
    # clip=(3, 3) is allowed (low <= high): every prediction becomes 3, errors 0 and -1
    s = score(np.array([1.0, 5.0]), np.array([3.0, 4.0]), clip=(3.0, 3.0))
    assert s["rmse"] == pytest.approx(np.sqrt(0.5), rel=1e-15) and s["mae"] == 0.5
    p, y = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    for bad in [(1.0, 3.0, 5.0), "15"]:
        with pytest.raises(TypeError, match=r"^clip must be a pair \(low, high\) or None, got "):
            score(p, y, clip=bad)
    with pytest.raises(TypeError, match=r"^clip\[0\] must be a real number, got str"):
        score(p, y, clip=("1", 5.0))
    with pytest.raises(ValueError, match=r"^clip\[1\] must be finite, got nan"):
        score(p, y, clip=(1.0, float("nan")))
    with pytest.raises(ValueError, match=r"^predicted holds 1 non-finite value"):
        score(np.array([1.0, np.nan]), y)
    with pytest.raises(ValueError, match=r"^ratings holds 1 non-finite value"):
        score(p, np.array([np.inf, 2.0]))


def test_fit_mixture_allows_K_up_to_the_number_of_rows_and_names_bad_arguments():
    from scipy.sparse import csr_matrix

    from cfgmm_lib import em, init

    tall = np.array([[1.0, 2.0], [2.0, 1.0], [5.0, 4.0], [4.0, 5.0], [3.0, 3.0], [1.0, 5.0]])
    model = fit_mixture(tall, 3, seeds=[0])  # K = 3 > d = 2 is fine: K counts rows (users)
    expected = em.run(tall, *init(tall, 3, 0)).mixture  # the protocol: the course's EM from init
    np.testing.assert_array_equal(model.mixture.mu, expected.mu)
    with pytest.raises(ValueError, match=r"^seeds is empty"):
        fit_mixture(tall, 2, seeds=[])
    with pytest.raises(TypeError, match=r"^offset must be a BiasModel \(from fit_bias\) or None, got str$"):
        fit_mixture(tall, 2, offset="bias")
    with pytest.raises(ValueError, match=r"^offset was fitted on a matrix of another shape than X \(6, 2\)$"):
        fit_mixture(tall, 2, offset=fit_bias(tall[:5]))
    with pytest.raises(ValueError, match=r"^mask= is for a dense X; in a sparse X the stored entries are the obs"):
        fit_mixture(csr_matrix(tall), 2, mask=tall != 0)
    with pytest.raises(ValueError, match=r"^iters must be a positive integer \(>= 1\), got 0$"):
        fit_bias(tall, iters=0)


def test_bias_baseline_fits_an_exact_bias_matrix():
    rng = np.random.default_rng(0)
    exact = 3 + rng.normal(0, 0.5, (30, 1)) + rng.normal(0, 0.5, (1, 20))
    model = fit_bias(exact, 0.0, 0.0, iters=200)
    np.testing.assert_allclose(model.matrix(), exact, atol=1e-9)  # 200 sweeps converge far below 1e-9


def test_bias_baseline_beats_the_global_mean_on_held_out(small):
    X_train, rows, cols, ratings = holdout_split(small, 0.2, seed=0)
    bias = score(fit_bias(X_train).predict(rows, cols), ratings)["rmse"]
    glob = score(np.full(len(ratings), X_train[X_train != 0].mean()), ratings)["rmse"]
    assert bias < glob


def test_bias_aware_mixture_models_residuals(small):
    X_train, rows, cols, ratings = holdout_split(small, 0.2, seed=0)
    bias = fit_bias(X_train)
    model = fit_mixture(X_train, 3, seeds=range(2), offset=bias)
    pred = model.predict(rows, cols)
    assert pred.shape == ratings.shape and np.isfinite(pred).all()
    assert np.abs(model.mixture.mu).max() < 3  # residual means, not ratings
    assert score(pred, ratings)["rmse"] <= score(bias.predict(rows, cols), ratings)["rmse"] + 0.02


def test_heldout_log_likelihood_equals_a_loop(small):
    X_train, rows, cols, ratings = holdout_split(small, 0.2, seed=1)
    model = fit_mixture(X_train, 2, seeds=[0])
    mix = model.mixture
    from cfgmm_lib import em as em_mod

    post, _ = em_mod.estep(X_train, mix)
    total = 0.0
    for u in np.unique(rows):
        sel = rows == u
        terms = []
        for j in range(len(mix.p)):
            diff = ratings[sel] - mix.mu[j, cols[sel]]
            terms.append(post[u, j] * np.prod(np.exp(-diff**2 / (2 * mix.var[j])) / np.sqrt(2 * np.pi * mix.var[j])))
        total += np.log(sum(terms))
    assert heldout_log_likelihood(X_train, mix, rows, cols, ratings) == pytest.approx(total, rel=1e-9)


SMALL_GRID = {"bias_reg": [1.0, 10.0], "K": [1, 3], "rank_reg": [(3, 5.0), (5, 10.0)], "epochs": 5}


def test_evaluate_fits_every_model_and_chooses_on_validation(small):
    before = small.copy()
    result = evaluate(small, 0.1, seed=0, seeds=range(2), grid=SMALL_GRID, keep_models=True)
    np.testing.assert_array_equal(small, before)
    assert set(result["rmse"]) == set(MODELS) | {"blend"} == set(result["mae"])
    assert all(0 < v < 2 for v in result["rmse"].values())
    assert result["choices"]["course_mixture"]["K"] in (1, 3)
    assert result["choices"]["neural"]["rank"] == result["choices"]["matrix_factorization"]["rank"]
    assert result["rmse"]["bias_baseline"] < result["rmse"]["global_mean"]
    assert set(result["validation"]["course_mixture"]) == {"1", "3"}
    # which setting wins, and that the hidden ratings reach no choice: tests/test_protocol.py
    X_train = result["split"][0]
    assert (X_train[result["split"][1], result["split"][2]] == 0).all()


def test_evaluate_rejects_unknown_models(small):
    with pytest.raises(ValueError, match="unknown models"):
        evaluate(small, models=["svd"])


def test_command_line_writes_the_json(small, tmp_path, monkeypatch, capsys):
    from cfgmm_lib import data, evaluation

    monkeypatch.setattr(data, "load_or_standin", lambda name: (small, False))
    monkeypatch.setattr(evaluation.experiment, "GRID", {**evaluation.experiment.GRID, **SMALL_GRID})
    path = tmp_path / "out.json"
    assert evaluation.main(["--splits", "1", "--fraction", "0.1", "--seed", "0", "--json", str(path)]) == 0
    out = capsys.readouterr()
    assert "held-out ratings" in out.out and "bias_aware_mixture" in out.out
    assert "13/13 models, 0 left" in out.err  # a progress bar while it fits
    import json

    result = json.loads(path.read_text())
    assert set(result["rmse"]) == {"global_mean", "user_mean", "movie_mean", "bias_baseline", "item_neighbours", "course_mixture",
                                   "partition_mixture", "bias_aware_mixture", "bias_aware_partition_mixture",
                                   "matrix_factorization", "neural", "neural_implicit", "blend"}
    assert result["fraction"] == 0.1 and result["standin"] is False
    assert evaluation.main(["--fraction", "1.5"]) == 2
    assert "fraction must be strictly between 0 and 1" in capsys.readouterr().err


def test_standin_matrix_supports_the_protocol():
    X = synthetic("netflix_incomplete")
    X_train, rows, cols, ratings = holdout_split(X, 0.1, 0)
    assert len(ratings) == round(0.1 * (X != 0).sum())
