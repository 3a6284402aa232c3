"""``evaluate`` does, step for step, what its docstring and notebook 05 say it does.

The expected values come from the documented protocol carried out with the public functions,
each tested on its own elsewhere (``holdout_split``, ``fit_means``, ``fit_bias``, ``fit_mixture``,
``fit_als``, ``fit_neural``, ``score``):

1. hide ``fraction`` of the observed ratings with ``seed``; carve a validation split of the same
   share out of the training ratings with ``seed + 1``;
2. for each model, fit every candidate setting on what is left and score it on the validation
   ratings; keep the lowest validation RMSE;
3. refit the chosen setting on all the training ratings and score it once on the hidden ones.

The same data and the same arithmetic give the same floats, so the comparisons are exact.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import time

import numpy as np
import pytest

from cfgmm_lib.evaluation import (GRID as DEFAULT_GRID, MODELS, OPTIONAL_MODELS, evaluate, fit_blend, fit_bias, fit_means,
                                  fit_mixture, fit_neighbours, holdout_split, score)
from cfgmm_lib.factorization import fit_als, fit_neural, fit_neural_checked

GRID = {"bias_reg": [1.0, 25.0], "K": [1, 3], "rank_reg": [(2, 5.0), (4, 20.0)]}
SEED, SEEDS, FRACTION = 3, [0, 1], 0.15


# Function-scoped on purpose: mutmut (make mutation) maps a test to the functions it calls, and a
# module-scoped fixture would run evaluate for the first of these tests only.
@pytest.fixture
def run(small):
    """``evaluate`` with every model and progress on, and what it printed to stderr."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        result = evaluate(small, FRACTION, seed=SEED, seeds=SEEDS, grid=GRID, models=MODELS + OPTIONAL_MODELS,
                          progress=True, keep_models=True)
    return result, err.getvalue()


@pytest.fixture
def protocol(small):
    """The documented protocol, carried out with the public functions."""
    X_train, rows, cols, ratings = holdout_split(small, FRACTION, SEED)
    X_fit, vrows, vcols, vratings = holdout_split(X_train, FRACTION, SEED + 1)

    def val(model):
        return score(model.predict(vrows, vcols), vratings)["rmse"]

    out = {"split": (X_train, rows, cols, ratings), "validation_split": (X_fit, vrows, vcols, vratings),
           "validation": {}, "choices": {}, "models": {}, "validation_models": {}}
    chosen_on_fit = {}  # each model's chosen setting fitted on X_fit: its validation predictions feed the blend
    for kind in ("global", "user", "movie"):
        out["models"][f"{kind}_mean"] = fit_means(X_train, kind)
        chosen_on_fit[f"{kind}_mean"] = fit_means(X_fit, kind)

    out["validation"]["bias_baseline"] = scores = {str(r): val(fit_bias(X_fit, r, r)) for r in GRID["bias_reg"]}
    reg = float(min(scores, key=scores.get))
    out["choices"]["bias_baseline"] = {"reg": reg}
    out["models"]["bias_baseline"] = bias = fit_bias(X_train, reg, reg)
    chosen_on_fit["bias_baseline"] = fit_offset = fit_bias(X_fit, reg, reg)

    candidates = out["validation_models"]["item_neighbours"] = {
        str(k): fit_neighbours(X_fit, k, 100.0, reg) for k in DEFAULT_GRID["neighbours"]}
    scores = out["validation"]["item_neighbours"] = {k: val(model) for k, model in candidates.items()}
    k = int(min(scores, key=scores.get))
    out["choices"]["item_neighbours"] = {"k": k, "shrink": 100.0, "reg": reg}
    out["models"]["item_neighbours"] = fit_neighbours(X_train, k, 100.0, reg)
    chosen_on_fit["item_neighbours"] = candidates[str(k)]

    for name, on_fit, offset, init in (("course_mixture", None, None, "course"),
                                       ("partition_mixture", None, None, "partition"),
                                       ("bias_aware_mixture", fit_offset, bias, "course"),
                                       ("bias_aware_partition_mixture", fit_offset, bias, "partition")):
        candidates = out["validation_models"][name] = {
            str(K): fit_mixture(X_fit, K, SEEDS, offset=on_fit, init=init) for K in GRID["K"]}
        scores = {K: val(model) for K, model in candidates.items()}
        K = int(min(scores, key=scores.get))
        model = fit_mixture(X_train, K, SEEDS, offset=offset, init=init)
        out["validation"][name], out["models"][name] = scores, model
        out["choices"][name] = {"K": K, "seed": model.seed}
        chosen_on_fit[name] = candidates[str(K)]

    candidates = out["validation_models"]["matrix_factorization"] = {
        f"{r},{lam}": fit_als(X_fit, rank=r, reg=lam, seed=SEED) for r, lam in GRID["rank_reg"]}
    scores = {key: val(model) for key, model in candidates.items()}
    best = min(scores, key=scores.get)
    rank, reg_mf = int(best.split(",")[0]), float(best.split(",")[1])
    out["validation"]["matrix_factorization"] = scores
    out["choices"]["matrix_factorization"] = {"rank": rank, "reg": reg_mf}
    out["models"]["matrix_factorization"] = fit_als(X_train, rank=rank, reg=reg_mf, seed=SEED)
    chosen_on_fit["matrix_factorization"] = candidates[best]

    for name, implicit in (("neural", False), ("neural_implicit", True)):
        probe = fit_neural(X_fit, rank=rank, reg=reg_mf, seed=SEED, validation=(vrows, vcols, vratings),
                           implicit=implicit)
        epochs = int(np.argmin(probe.history)) + 1  # early stopping: the best epoch on validation
        out["validation"][name] = {str(e + 1): h for e, h in enumerate(probe.history)}
        out["choices"][name] = {"rank": rank, "reg": reg_mf, "epochs": epochs}
        out["models"][name] = fit_neural(X_train, rank=rank, reg=reg_mf, seed=SEED, epochs=epochs, implicit=implicit)
        chosen_on_fit[name] = probe  # early stopping keeps the best epoch's weights

    out["rmse"], out["mae"] = {}, {}
    for name, model in out["models"].items():
        s = score(model.predict(rows, cols), ratings)
        out["rmse"][name], out["mae"][name] = s["rmse"], s["mae"]
    # the blend: least squares on the validation predictions, applied to the refitted models' predictions
    names = tuple(MODELS + OPTIONAL_MODELS)
    blend = fit_blend(np.column_stack([chosen_on_fit[m].predict(vrows, vcols) for m in names]), vratings, names)
    s = score(blend.predict(np.column_stack([out["models"][m].predict(rows, cols) for m in names])), ratings)
    out["rmse"]["blend"], out["mae"]["blend"] = s["rmse"], s["mae"]
    out["choices"]["blend"] = blend.as_dict()
    return out


def test_the_splits_are_the_documented_ones(run, protocol, small):
    result, _ = run
    for key in ("split", "validation_split"):
        for got, want in zip(result[key], protocol[key]):
            np.testing.assert_array_equal(got, want)
    X_train, _, _, ratings = protocol["split"]
    assert result["n_train"] == np.count_nonzero(X_train) == np.count_nonzero(small) - len(ratings)
    assert result["n_test"] == len(ratings) > 0
    assert result["fraction"] == FRACTION and result["seed"] == SEED


def test_kept_candidates_are_the_validation_fits(run, protocol, small):
    """keep_models also returns every candidate fitted on X_fit, so notebook 05 refits none of them."""
    result, _ = run
    assert sorted(result["validation_models"]) == ["bias_aware_mixture", "bias_aware_partition_mixture", "course_mixture",
                                                   "item_neighbours", "matrix_factorization", "partition_mixture"]
    rows, cols = np.nonzero(np.ones_like(small))
    for name, want in protocol["validation_models"].items():
        got = result["validation_models"][name]
        assert list(got) == list(want) == list(result["validation"][name])
        for key, model in want.items():
            np.testing.assert_array_equal(got[key].predict(rows, cols), model.predict(rows, cols))
        if name.endswith("mixture"):
            assert [got[K].seed for K in got] == [want[K].seed for K in want]


def test_every_model_is_there_once(run):
    result, _ = run
    names = set(MODELS + OPTIONAL_MODELS) | {"blend"}
    assert set(result["rmse"]) == set(result["mae"]) == set(result["seconds"]) == set(result["models"]) == names
    tuned = names - {"global_mean", "user_mean", "movie_mean"}
    assert set(result["choices"]) == set(result["validation_rmse"]) == tuned
    assert set(result["validation"]) == tuned - {"blend"}  # the blend has no candidates, only its weights


def test_validation_scores_and_choices_are_the_protocols(run, protocol):
    result, _ = run
    assert result["validation"] == protocol["validation"]
    assert result["choices"] == protocol["choices"]
    for name, scores in protocol["validation"].items():  # the chosen setting's own validation score
        chosen = {"bias_baseline": lambda c: str(c["reg"]), "course_mixture": lambda c: str(c["K"]),
                  "item_neighbours": lambda c: str(c["k"]),
                  "bias_aware_mixture": lambda c: str(c["K"]), "partition_mixture": lambda c: str(c["K"]),
                  "bias_aware_partition_mixture": lambda c: str(c["K"]),
                  "matrix_factorization": lambda c: f"{c['rank']},{c['reg']}",
                  "neural": lambda c: str(c["epochs"]), "neural_implicit": lambda c: str(c["epochs"])}[name]
        assert result["validation_rmse"][name] == scores[chosen(protocol["choices"][name])], name


def test_the_refitted_models_and_their_scores_are_the_protocols(run, protocol):
    result, _ = run
    _, rows, cols, _ = protocol["split"]
    for name, model in protocol["models"].items():
        np.testing.assert_array_equal(result["models"][name].predict(rows, cols), model.predict(rows, cols),
                                      err_msg=name)
    assert result["rmse"] == protocol["rmse"]
    assert result["mae"] == protocol["mae"]


def test_seconds_are_parts_of_the_calls_wall_time_in_hundredths(small):
    t0 = time.perf_counter()
    result = evaluate(small, FRACTION, seed=SEED, seeds=SEEDS, grid=GRID, models=MODELS + OPTIONAL_MODELS)
    elapsed = time.perf_counter() - t0
    for name, sec in result["seconds"].items():
        assert set(sec) == {"select", "fit"}
        for value in sec.values():
            assert isinstance(value, float) and value >= 0.0 and value == round(value, 2), (name, sec)
    for kind in ("global", "user", "movie"):  # nothing to choose for a mean
        assert result["seconds"][f"{kind}_mean"]["select"] == 0.0
    # the timed steps do not overlap, so their times add up to at most the call's (plus rounding)
    total = sum(v for sec in result["seconds"].values() for v in sec.values())
    assert total <= elapsed + 0.005 * 2 * len(result["seconds"])


def test_documented_defaults_of_evaluate(small):
    result = evaluate(small, models=["global_mean"])
    assert result["fraction"] == 0.1 and result["seed"] == 0
    assert result["n_test"] == len(holdout_split(small, 0.1, 0)[3])


def test_early_stopping_chooses_the_epochs_of_the_refit(small, monkeypatch):
    """With a learning rate that overfits within 15 epochs, the refit trains for the chosen (fewer) epochs."""
    experiment = sys.modules[evaluate.__module__]
    fast = functools.partial(fit_neural, lr=0.05, batch=256)
    monkeypatch.setattr(experiment, "fit_neural_checked", functools.partial(fit_neural_checked, lr=0.05, batch=256))
    grid = {**GRID, "rank_reg": [(8, 0.5)]}
    result = evaluate(small, FRACTION, seed=SEED, seeds=SEEDS, grid=grid, models=["neural", "neural_implicit"],
                      keep_models=True)
    X_train, rows, cols, _ = holdout_split(small, FRACTION, SEED)
    X_fit, vrows, vcols, vratings = holdout_split(X_train, FRACTION, SEED + 1)
    for name, implicit in (("neural", False), ("neural_implicit", True)):
        probe = fast(X_fit, rank=8, reg=0.5, seed=SEED, validation=(vrows, vcols, vratings), implicit=implicit)
        epochs = int(np.argmin(probe.history)) + 1
        assert epochs < 15, "this case must stop early to test anything"
        assert result["choices"][name] == {"rank": 8, "reg": 0.5, "epochs": epochs}
        refit = fast(X_train, rank=8, reg=0.5, seed=SEED, epochs=epochs, implicit=implicit)
        np.testing.assert_array_equal(result["models"][name].predict(rows, cols), refit.predict(rows, cols))


def test_grid_epochs_is_the_most_a_network_trains(small):
    """grid['epochs'] = 3: each network is scored after each of 3 epochs, the documented probe."""
    grid = {**GRID, "rank_reg": [(4, 20.0)], "epochs": 3}
    result = evaluate(small, FRACTION, seed=SEED, seeds=SEEDS, grid=grid, models=["neural", "neural_implicit"])
    X_train, _, _, _ = holdout_split(small, FRACTION, SEED)
    X_fit, vrows, vcols, vratings = holdout_split(X_train, FRACTION, SEED + 1)
    for name, implicit in (("neural", False), ("neural_implicit", True)):
        probe = fit_neural(X_fit, rank=4, reg=20.0, seed=SEED, epochs=3, validation=(vrows, vcols, vratings),
                           implicit=implicit)
        assert result["validation"][name] == {str(e + 1): h for e, h in enumerate(probe.history)}
        assert list(result["validation"][name]) == ["1", "2", "3"]
        assert result["choices"][name]["epochs"] == int(np.argmin(probe.history)) + 1


def test_progress_reports_each_step_on_stderr(run, protocol, small, capsys):
    result, err = run
    lines = err.splitlines()
    X_fit = protocol["validation_split"]
    assert lines[0] == (f"split (random, seed {SEED}): {result['n_train']} training ratings ({len(X_fit[3])} of them "
                        f"for validation), {result['n_test']} hidden")
    for name in MODELS + OPTIONAL_MODELS:
        line = next(line for line in lines if line.startswith(f"  {name:28s} held-out RMSE"))
        assert f"held-out RMSE {result['rmse'][name]:.4f}  MAE {result['mae'][name]:.4f}" in line
        assert re.search(r"\(choosing \d+\.\d s, final fit \d+\.\d s\)", line)
        if name in result["choices"]:
            assert line.endswith(f"  chosen: {json.dumps(result['choices'][name])}")
        else:
            assert line.endswith(" s)")
    blend = next(line for line in lines if line.startswith(f"  {'blend':28s} held-out RMSE"))
    assert f"held-out RMSE {result['rmse']['blend']:.4f}" in blend
    for name in ("course_mixture", "partition_mixture", "bias_aware_mixture", "bias_aware_partition_mixture"):
        for K, value in result["validation"][name].items():
            assert f"    {name} K = {K}: validation RMSE {value:.4f}" in lines
    for key, value in result["validation"]["matrix_factorization"].items():
        r, lam = key.split(",")
        assert f"    matrix_factorization rank {r}, reg {lam}: validation RMSE {value:.4f}" in lines
    for name in ("neural", "neural_implicit"):
        curve = [round(h, 4) for h in result["validation"][name].values()]
        assert f"    {name}: validation RMSE by epoch {curve}" in lines
    # and without progress, nothing is printed
    evaluate(small, FRACTION, seed=SEED, seeds=SEEDS, grid=GRID, models=["global_mean"])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("models, fits", [
    ("bias_aware_mixture", {"fit_bias_checked", "fit_mixture_checked"}),  # its bias offset is fitted, not reported
    (["bias_baseline"], {"fit_bias_checked"}),
    (["course_mixture"], {"fit_mixture_checked"}),
    (["matrix_factorization"], {"fit_als_checked"}),
    (["neural", "user_mean"], {"fit_als_checked", "fit_neural_checked", "fit_means_checked"}),  # its setting is chosen
    (["neural_implicit"], {"fit_als_checked", "fit_neural_checked"}),
    (["global_mean"], {"fit_means_checked"}),
])
def test_only_the_asked_models_are_fitted_and_reported(small, monkeypatch, models, fits):
    """Nothing is fitted (nor its time spent) for a model nobody asked for; only the asked ones are reported."""
    experiment = sys.modules[evaluate.__module__]  # where evaluate looks its fits up
    called = set()
    for name in ("fit_bias_checked", "fit_mixture_checked", "fit_als_checked", "fit_neural_checked", "fit_means_checked"):
        def counting(*args, _fit=getattr(experiment, name), _name=name, **kwargs):
            called.add(_name)
            return _fit(*args, **kwargs)
        monkeypatch.setattr(experiment, name, counting)
    result = evaluate(small, FRACTION, seed=SEED, seeds=SEEDS, grid=GRID, models=models)
    asked = {models} if isinstance(models, str) else set(models)
    if len(asked) >= 2:
        asked.add("blend")  # two models or more are also blended
    assert set(result["rmse"]) == set(result["seconds"]) == asked
    assert called == fits
    assert "models" not in result and "split" not in result and "validation_split" not in result  # keep_models=False


def test_the_grid_is_checked_against_the_number_of_users(small):
    """K may go up to n (the users), whatever d is: here n = 120 > d = 80."""
    n, d = small.shape
    assert n > 90 > d
    evaluate(small, FRACTION, seed=SEED, grid={"K": [90]}, models=["global_mean"])  # accepted: 90 <= n
    with pytest.raises(ValueError, match="K must satisfy"):
        evaluate(small, FRACTION, seed=SEED, grid={"K": [n + 1]}, models=["global_mean"])
    with pytest.raises(ValueError, match=r"^seeds\[1\]: seed must be a non-negative integer"):
        evaluate(small, FRACTION, seed=SEED, seeds=[0, -1], models=["global_mean"])
    with pytest.raises(ValueError, match=r"^grid\['rank_reg'\]\[1\]'s reg must be a positive number"):
        evaluate(small, FRACTION, seed=SEED, grid={"rank_reg": [(2, 1.0), (2, 0.0)]}, models=["global_mean"])
