"""The sweep helper: best of seeds per K, table, BIC, progress."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import bic, em, init, kmeans, naive_em
from cfgmm_lib.data import synthetic
from cfgmm_lib.sweep import sweep


@pytest.fixture(scope="module")
def toy():
    return synthetic("toy_data")


def test_sweep_matches_individual_runs(toy):
    result = sweep(toy, [2, 3], [0, 1, 2], method="naive_em")
    for K in (2, 3):
        lls = {s: naive_em.run(toy, *init(toy, K, s))[2] for s in range(3)}
        assert result.scores(K) == lls
        assert result.best(K).seed == max(lls, key=lls.get)
        fit = result.best(K)
        assert result.bic(K) == bic(toy, fit.mixture, fit.score)


def test_kmeans_sweep_keeps_the_lowest_cost(toy):
    result = sweep(toy, [3], range(4), method="kmeans")
    costs = {s: kmeans.run(toy, *init(toy, 3, s))[2] for s in range(4)}
    assert result.best(3).score == min(costs.values())
    with pytest.raises(ValueError, match="BIC needs a log-likelihood"):
        result.bic(3)


def test_ties_go_to_the_lowest_seed(toy):
    result = sweep(toy, [1], [4, 2, 3], method="kmeans")  # K = 1: every seed gives the same cost
    assert result.best(1).seed == 2


def test_table_text_and_html(toy):
    result = sweep(toy, [1, 2, 3], [0, 1], method="naive_em")
    rows = result.table()
    assert [r["K"] for r in rows] == [1, 2, 3]
    assert set(rows[0]) == {"K", "seed", "ll", "bic"}
    text = result.to_text()
    assert text.splitlines()[0].split() == ["K", "seed", "ll", "bic"]
    assert f"{rows[1]['ll']:.4f}" in text
    assert "<table>" in result._repr_html_()
    assert result.best_K_by_bic() == max(r["K"] for r in rows if r["bic"] == max(x["bic"] for x in rows))


def test_em_sweep_passes_options():
    X = synthetic("test_incomplete")
    a = sweep(X, [2], [0], method="em", min_variance=0.5)
    mixture, post = init(X, 2, 0)
    assert a.best(2).score == em.run(X, mixture, post, min_variance=0.5)[2]


def test_progress_bar_is_shown_when_asked(toy, capsys):
    sweep(toy, [1, 2], [0, 1], method="kmeans", progress=True)
    err = capsys.readouterr().err
    assert "kmeans sweep" in err and "4/4" in err
    sweep(toy, [1], [0], method="kmeans")
    assert capsys.readouterr().err == ""


def test_unknown_K_is_a_clear_error(toy):
    result = sweep(toy, [1], [0], method="kmeans")
    with pytest.raises(KeyError, match="K = 5 was not part of this sweep"):
        result.best(5)


def test_collapsed_runs_are_recorded_and_skipped():
    # 12 points, K = 4: some starts let a component shrink onto a single point, others do not
    points = np.round(np.random.default_rng(0).normal(size=(12, 2)), 1)
    result = sweep(points, [4], range(20), method="naive_em")
    failed = result.failed(4)
    assert 0 < len(failed) < 20 and all("collapsed" in why for why in failed.values())
    best = result.best(4)
    assert best.error is None and best.seed not in failed and np.isfinite(best.score)
    assert np.isnan(result.scores(4)[next(iter(failed))])
    assert result.table()[0]["failed"] == len(failed)
    with pytest.raises(ValueError, match="every run failed for K = 4"):
        sweep(points, [4], sorted(failed)[:2], method="naive_em").best(4)
