"""Repeated splits, intervals, the blend, the gap-shaped split and the partition start (issue 26).

* The hidden ratings of every split reach nothing but that split's final score: garbage in them
  changes no choice, no validation score and no blend weight of that split.
* The blend is the least-squares fit of the validation predictions; its weights see no test rating.
* The intervals are Nadeau and Bengio's corrected t intervals (the plain t interval when the
  correction is 0), and differences are paired by split.
* The "gaps" split hides the ratings of light users and rare movies more often, and is the same
  on a dense and a sparse matrix; the partition start makes every component the mean of a group.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from cfgmm_lib import em
from cfgmm_lib.core.observed import observe
from cfgmm_lib.evaluation import (SPLITS, evaluate, evaluate_splits, fit_blend, fit_mixture, holdout_split,
                                  mean_interval, summarise)
from cfgmm_lib.evaluation.cli import ProgressBar, main, verdict
from cfgmm_lib.evaluation.repeated import split_seeds
from cfgmm_lib.evaluation.splits import gap_weights
from cfgmm_lib.starts import INITS, partition_start

SMALL_GRID = {"bias_reg": [1.0, 10.0], "K": [1, 3], "rank_reg": [(3, 5.0), (5, 10.0)], "epochs": 4}
FEW = ["bias_baseline", "partition_mixture", "matrix_factorization", "neural"]


# ----- the protocol over repeated splits -----

@pytest.fixture(scope="module", params=SPLITS)
def garbage_runs(small, request):
    """``evaluate_splits`` on the matrix, and on a copy whose *first* split's hidden ratings are garbage."""
    _, rows, cols, ratings = holdout_split(small, 0.1, seed=split_seeds(0, 3)[0], how=request.param)
    garbage = small.copy()
    garbage[rows, cols] = (ratings + 1) % 5 + 1  # every one changed, still observed
    kwargs = dict(splits=3, seeds=range(2), grid=SMALL_GRID, models=FEW, how=request.param)
    return evaluate_splits(small, **kwargs), evaluate_splits(garbage, **kwargs)


def test_a_splits_hidden_ratings_reach_only_its_final_score(garbage_runs):
    clean, dirty = garbage_runs
    a, b = clean["splits"][0], dirty["splits"][0]
    assert a["choices"] == b["choices"]  # the blend's weights included: they see no test rating
    assert a["validation"] == b["validation"] and a["validation_rmse"] == b["validation_rmse"]
    for name in FEW + ["blend"]:
        assert b["rmse"][name] > a["rmse"][name] + 0.5, name  # the garbage is seen, by the score
    # the other splits train on those ratings, as they should: their results may change
    assert clean["seeds"] == dirty["seeds"] == [0, 2, 4] and clean["how"] == dirty["how"]


def test_summary_pairs_the_splits_and_leaves_the_blend_out_of_best(garbage_runs):
    clean, _ = garbage_runs
    for m in clean["models"]:
        per = [r["rmse"][m] for r in clean["splits"]]
        assert clean["rmse"][m]["per_split"] == per
        assert clean["rmse"][m]["mean"] == pytest.approx(np.mean(per))
    a, b = "matrix_factorization", "bias_baseline"
    d = np.array(clean["rmse"][a]["per_split"]) - np.array(clean["rmse"][b]["per_split"])
    expect = mean_interval(d, clean["test_share"])
    assert clean["differences"][a][b] == pytest.approx(expect)
    assert clean["differences"][b][a]["mean"] == pytest.approx(-expect["mean"])
    assert clean["best"] != "blend" and clean["best"] in clean["models"]
    assert set(clean["coverage"]) == {"partition_mixture"}
    assert 0 < clean["coverage"]["partition_mixture"]["0.9"]["mean"] <= 1


def test_evaluate_splits_names_bad_arguments(small):
    with pytest.raises(ValueError, match="splits"):
        evaluate_splits(small, splits=1)
    with pytest.raises(ValueError, match="how must be one of"):
        evaluate_splits(small, how="popular")
    with pytest.raises(TypeError, match="blend must be True or False"):
        evaluate_splits(small, blend="yes")
    with pytest.raises(ValueError, match="level"):
        evaluate_splits(small, level=1.5)


# ----- the blend -----

def test_blend_recovers_known_weights_and_ignores_a_useless_model():
    rng = np.random.default_rng(0)
    y = rng.integers(1, 6, 5000).astype(float)
    a, b = y + rng.normal(0, 0.6, y.size), y + rng.normal(0, 0.6, y.size)
    useless = np.full(y.size, 3.0)
    blend = fit_blend(np.column_stack([a, b, useless]), y, ["a", "b", "const"], reg=1e-9)
    # two equally good, independent errors: equal weights; least squares on the clipped columns
    Z = np.clip(np.column_stack([a, b]), 1, 5)
    A = np.column_stack([np.ones(y.size), Z])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(blend.weights[:2], coef[1:], atol=1e-6)
    assert blend.weights[2] == pytest.approx(0.0, abs=1e-6)
    assert blend.intercept == pytest.approx(coef[0], abs=1e-5)
    err = blend.predict(np.column_stack([a, b, useless])) - y
    assert np.sqrt(np.mean(err ** 2)) < min(np.sqrt(np.mean((Z - y[:, None]) ** 2, axis=0)))


def test_blend_names_bad_arguments():
    P, y = np.ones((4, 2)), np.ones(4)
    with pytest.raises(ValueError, match="names"):
        fit_blend(P, y, ["a"])
    with pytest.raises(ValueError, match="reg"):
        fit_blend(P, y, ["a", "b"], reg=0.0)
    with pytest.raises(ValueError, match=r"P must be \(m, k\)"):
        fit_blend(P, np.ones(3), ["a", "b"])
    blend = fit_blend(P + np.arange(4)[:, None], y + np.arange(4), ["a", "b"])
    with pytest.raises(ValueError, match="one column per model"):
        blend.predict(np.ones((3, 3)))


def test_evaluate_blends_the_validation_predictions_it_keeps(small):
    r = evaluate(small, seeds=range(2), grid=SMALL_GRID, models=FEW, keep_models=True)
    val, test = r["predictions"]["validation"], r["predictions"]["test"]
    _, vrows, vcols, vratings = r["validation_split"]
    names = tuple(FEW)
    expect = fit_blend(np.column_stack([val[m] for m in names]), vratings, names)
    assert r["choices"]["blend"] == expect.as_dict()
    np.testing.assert_allclose(test["blend"], expect.predict(np.column_stack([test[m] for m in names])))
    # each model's validation predictions are those of its chosen setting fitted without them
    c = r["choices"]["matrix_factorization"]
    kept = r["validation_models"]["matrix_factorization"][f"{c['rank']},{c['reg']}"]
    np.testing.assert_array_equal(val["matrix_factorization"], kept.predict(vrows, vcols))
    best_epoch = int(np.argmin(list(r["validation"]["neural"].values())))
    assert r["choices"]["neural"]["epochs"] == best_epoch + 1
    assert np.sqrt(np.mean((np.clip(val["neural"], 1, 5) - vratings) ** 2)) == pytest.approx(
        r["validation"]["neural"][str(best_epoch + 1)])  # the epoch early stopping kept
    assert "blend" not in evaluate(small, seeds=range(1), grid=SMALL_GRID, models=["bias_baseline"])["rmse"]


# ----- intervals -----

def test_intervals_are_the_corrected_t_intervals():
    v = np.array([0.761, 0.758, 0.763, 0.760, 0.759])
    plain = mean_interval(v, test_share=0.0)
    lo, hi = stats.t.interval(0.95, 4, loc=v.mean(), scale=stats.sem(v))
    assert (plain["low"], plain["high"]) == pytest.approx((lo, hi))
    corrected = mean_interval(v, test_share=0.1 / 0.9)
    factor = np.sqrt((1 / 5 + 0.1 / 0.9) / (1 / 5))
    assert corrected["high"] - corrected["mean"] == pytest.approx(factor * (hi - v.mean()))
    assert verdict({"mean": 0.1, "low": -0.1, "high": 0.3}) == "no difference"
    assert verdict({"mean": -0.2, "low": -0.3, "high": -0.1}) == "better"
    with pytest.raises(ValueError, match="two or more"):
        mean_interval([0.7], 0.1)
    with pytest.raises(ValueError, match="values"):
        mean_interval([0.7, np.nan], 0.1)


def test_summarise_says_no_difference_when_the_interval_covers_zero():
    results = [{"rmse": {"a": 0.8 + e, "b": 0.8 - e, "blend": 0.79}, "mae": {"a": 0.6, "b": 0.6, "blend": 0.6},
                "n_test": 10, "n_train": 90, "fraction": 0.1, "how": "random", "seed": s}
               for s, e in enumerate([0.01, -0.01, 0.02, -0.02])]
    out = summarise(results)
    assert out["best"] in ("a", "b") and out["models"][0] == "blend"
    assert verdict(out["differences"]["a"]["b"]) == "no difference"


# ----- the gap-shaped split -----

def test_gaps_split_hides_light_users_more_often_and_keeps_x():
    rng = np.random.default_rng(2)
    share_observed = np.linspace(0.15, 0.95, 100)[:, None]  # users from light to heavy, as in the course matrix
    X = np.where(rng.random((100, 60)) < share_observed, rng.integers(1, 6, (100, 60)), 0).astype(float)
    before = X.copy()
    activity = (X != 0).sum(1)
    light = activity < np.median(activity)
    share = {}
    for how in SPLITS:
        X_train, rows, cols, ratings = holdout_split(X, 0.2, seed=3, how=how)
        assert len(ratings) == round(0.2 * (X != 0).sum()) and (X[rows, cols] == ratings).all()
        assert (X_train[rows, cols] == 0).all() and ((X_train != 0).sum() + len(rows) == (X != 0).sum())
        share[how] = np.mean(light[rows])
        again = holdout_split(X, 0.2, seed=3, how=how)
        np.testing.assert_array_equal(again[1], rows)
    np.testing.assert_array_equal(X, before)
    assert share["gaps"] > share["random"] + 0.05


def test_gaps_split_is_the_same_on_a_sparse_matrix(small):
    S = sp.csr_matrix(small)
    d_train, d_rows, d_cols, d_y = holdout_split(small, 0.1, seed=5, how="gaps")
    s_train, s_rows, s_cols, s_y = holdout_split(S, 0.1, seed=5, how="gaps")
    np.testing.assert_array_equal(d_rows, s_rows)
    np.testing.assert_array_equal(d_cols, s_cols)
    np.testing.assert_array_equal(s_train.toarray(), d_train)


def test_gap_weights_follow_the_missing_shares():
    rows, cols = np.array([0, 0, 0, 1]), np.array([0, 1, 2, 0])  # user 0 rated all 3 movies, user 1 one
    w = gap_weights(rows, cols, (2, 3))
    # user 0 misses 0 of 3, user 1 misses 2; movie 0 misses 0 of 2, movies 1, 2 miss 1
    expect = np.array([1 / 4 * 1 / 3, 1 / 4 * 2 / 3, 1 / 4 * 2 / 3, 3 / 4 * 1 / 3])
    np.testing.assert_allclose(w, expect)
    with pytest.raises(ValueError, match="how must be one of"):
        holdout_split(np.ones((3, 3)), 0.3, how="by_popularity")


# ----- the partition start -----

def test_partition_start_is_one_mstep_from_balanced_random_groups(small):
    obs = observe(small)
    state = np.random.get_state()
    mixture = partition_start(obs, 4, seed=1, min_variance=0.25)
    assert np.array_equal(np.random.get_state()[1], state[1])  # the caller's generator is not touched
    labels = np.random.default_rng(1).permutation(small.shape[0]) % 4
    post = np.eye(4)[labels]
    np.testing.assert_allclose(mixture.p, np.bincount(labels) / small.shape[0])
    M = small != 0
    for j in range(4):
        members = labels == j
        seen = M[members].sum(0)
        means = small[members].sum(0) / np.maximum(seen, 1)
        np.testing.assert_allclose(mixture.mu[j, seen >= 1], means[seen >= 1])
    again = em.mstep(small, post, mixture)
    np.testing.assert_allclose(again.mu, mixture.mu)  # the M-step of the same groups changes nothing


def test_fit_mixture_with_partition_start_names_a_bad_init(small):
    model = fit_mixture(small, 3, seeds=[0, 1], init="partition")
    assert model.post.shape == (small.shape[0], 3)
    assert model.post.sum(0).min() > 5  # no component holds a single user
    with pytest.raises(ValueError, match="init must be one of"):
        fit_mixture(small, 3, init="kmeans++")
    assert INITS == ("course", "partition")


# ----- the command line -----

def test_command_line_over_splits_prints_intervals_and_a_progress_bar(small, tmp_path, monkeypatch, capsys):
    from cfgmm_lib import data, evaluation

    monkeypatch.setattr(data, "load_or_standin", lambda name: (small, False))
    monkeypatch.setattr(evaluation.experiment, "GRID", {**evaluation.experiment.GRID, **SMALL_GRID})
    path = tmp_path / "out.json"
    assert main(["--splits", "2", "--models", "bias_baseline", "partition_mixture", "--json", str(path)]) == 0
    out = capsys.readouterr()
    assert "2 splits (random" in out.out and "calibration of partition_mixture" in out.out
    assert "blend:" in out.out and "95% interval" in out.out
    lines = [line for line in out.err.splitlines() if "models," in line]
    assert len(lines) == 6 and lines[0].startswith("[") and "1/6 models, 5 left" in lines[0]
    assert "6/6 models, 0 left" in lines[-1]
    result = json.loads(path.read_text())
    assert result["seeds"] == [0, 2] and len(result["splits"]) == 2 and result["standin"] is False
    assert main(["--splits", "0"]) == 2
    assert "--splits must be 1 or more" in capsys.readouterr().err


def test_progress_bar_counts_what_is_left():
    import io

    stream = io.StringIO()
    bar = ProgressBar(4, 2, stream=stream)
    bar.update("split", "1/2")
    bar.update("detail", "    a candidate")
    bar.update("model", "  bias_baseline held-out RMSE 0.87")
    text = stream.getvalue()
    assert "1/4 models, 3 left; split 1/2" in text and "(bias_baseline)" in text and "candidate" not in text
