"""The one loop engine: the course's stopping rules, the max_iter cap and its warning, iteration counts."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from cfgmm_lib import common, em, init, kmeans, naive_em
from cfgmm_lib.common import NotConvergedWarning, RunResult
from cfgmm_lib.core import loop as engine
from cfgmm_lib.core.loop import Loop, handout_cost_rule, handout_ll_rule
from cfgmm_lib.data import synthetic
from cfgmm_lib.sweep import sweep

TOY = synthetic("toy_data")
RATINGS = synthetic("test_incomplete")

RUNS = [
    ("kmeans.run", kmeans.run, TOY, 3),
    ("naive_em.run", naive_em.run, TOY, 3),
    ("em.run", em.run, RATINGS, 4),
]


@pytest.mark.parametrize("name,run,X,K", RUNS)
def test_max_iter_stops_the_run_says_so_and_says_what_to_try(name, run, X, K):
    mixture, post = init(X, K, 0)
    full = run(X, mixture, post)
    assert full.converged and full.n_iter > 3
    with pytest.warns(NotConvergedWarning) as record:
        capped = run(X, mixture, post, max_iter=3)
    assert capped.n_iter == 3 and not capped.converged
    message = str(record[0].message)
    assert f"{name} stopped after max_iter = 3" in message
    assert "Try a larger max_iter" in message and "another seed" in message
    assert record[0].filename == __file__  # points at the caller, not at the library


@pytest.mark.parametrize("name,run,X,K", RUNS)
def test_a_cap_at_or_above_the_needed_iterations_changes_nothing(name, run, X, K):
    mixture, post = init(X, K, 0)
    full = run(X, mixture, post, max_iter=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = run(X, mixture, post, max_iter=full.n_iter)
    assert same.converged and same.n_iter == full.n_iter and same[2] == full[2]
    np.testing.assert_array_equal(same.mixture.mu, full.mixture.mu)


def test_em_run_with_max_iter_3_is_the_third_iteration_of_history():
    mixture, _ = init(RATINGS, 4, 0)
    hist = em.history(RATINGS, mixture)
    with pytest.warns(NotConvergedWarning):
        capped = em.run(RATINGS, mixture, 0, max_iter=3)
    assert capped[2] == hist[2].ll
    np.testing.assert_array_equal(capped.mixture.var, hist[2].mixture.var)
    np.testing.assert_array_equal(capped.estep_mixture.var, hist[2].estep_mixture.var)
    np.testing.assert_array_equal(capped.post, hist[2].post)


def test_history_matches_run_and_is_capped_too():
    mixture, _ = init(RATINGS, 4, 0)
    result = em.run(RATINGS, mixture)
    hist = em.history(RATINGS, mixture)
    assert len(hist) == result.n_iter
    assert hist[-1].ll == result[2]
    np.testing.assert_array_equal(hist[-1].mixture.mu, result.mixture.mu)
    np.testing.assert_array_equal(hist[-1].post, result.post)  # the handout's post: of estep_mixture
    for before, after in zip(hist, hist[1:]):
        assert after.estep_mixture is before.mixture
        assert after.ll >= before.ll - 1e-9
    with pytest.warns(NotConvergedWarning, match="em.history"):
        assert len(em.history(RATINGS, mixture, max_iter=2)) == 2


def test_run_result_unpacks_as_the_handouts_triple_and_pickles():
    mixture, post = init(TOY, 2, 0)
    result = naive_em.run(TOY, mixture, post)
    m, p, ll = result
    assert isinstance(result, tuple) and len(result) == 3 and isinstance(ll, float)
    assert result.mixture is m and result.post is p and result.score == ll
    back = pickle.loads(pickle.dumps(result))
    assert isinstance(back, RunResult) and back.n_iter == result.n_iter and back.converged
    assert "n_iter=" in repr(result)


def test_the_two_meanings_of_post():
    mixture, post = init(TOY, 3, 0)
    result = naive_em.run(TOY, mixture, post)
    handout_post, ll = naive_em.estep(TOY, result.estep_mixture)
    np.testing.assert_array_equal(result.post, handout_post)  # the handout's: of the mixture before the M-step
    assert ll == result[2]
    refreshed, _ = naive_em.estep(TOY, result.mixture)  # the refreshed one: of the returned mixture
    assert np.abs(refreshed - result.post).max() > 0


def test_engine_applies_the_rule_after_the_second_iteration_only():
    scores = iter([5.0, 5.0, 5.0])
    loop = Loop(lambda m: (None, next(scores), m), "mixture", converged=handout_cost_rule, max_iter=10)
    assert len(list(loop)) == 2 and loop.converged  # the first has nothing to compare with
    increasing = iter(range(100))
    loop = Loop(lambda m: (None, float(next(increasing)), m), "m", converged=handout_ll_rule, max_iter=4)
    with pytest.warns(NotConvergedWarning, match="last change of the score: 1"):
        assert len(list(loop)) == 4
    assert not loop.converged and loop.n_iter == 4


def test_course_rules():
    assert handout_ll_rule(-1000.0, -1000.0 + 1e-4)  # improvement 1e-4 <= 1e-6 * 1000
    assert not handout_ll_rule(-1000.0, -1000.0 + 1e-2)
    assert handout_cost_rule(10.0, 10.0 - 1e-4)
    assert not handout_cost_rule(10.0, 10.0 - 2e-4)


def test_sweep_records_iterations_and_passes_max_iter_to_every_method():
    for method in ("kmeans", "naive_em", "em"):
        with pytest.warns(NotConvergedWarning):
            result = sweep(TOY, [3], [0], method, max_iter=1)
        fit = result.best(3)
        assert fit.n_iter == 1 and not fit.converged
    fit = sweep(TOY, [3], [0], "naive_em").best(3)
    assert fit.converged and fit.n_iter == naive_em.run(TOY, *init(TOY, 3, 0)).n_iter


def test_default_cap_is_far_above_what_the_course_runs_need():
    # the course's toy data needs at most 47 iterations, these stand-ins 174
    worst = max(f.n_iter for f in sweep(TOY, [1, 2, 3, 4], range(5), "naive_em").fits)
    assert worst * 5 < common.MAX_ITER


def test_course_rules_hold_at_the_threshold_itself():
    # the handout stops when the change is *at most* the threshold (<=); these differences equal it exactly
    assert 1e6 - 999999.0 == 1e-6 * abs(1e6) and -1e6 - -1000001.0 == 1e-6 * abs(-1e6)
    assert handout_ll_rule(999999.0, 1e6) and handout_ll_rule(-1000001.0, -1e6)
    assert 1e-4 - 0.0 == 1e-4
    assert handout_cost_rule(1e-4, 0.0)


def test_pickled_run_result_keeps_the_estep_mixture():
    mixture, post = init(TOY, 2, 0)
    result = naive_em.run(TOY, mixture, post)
    back = pickle.loads(pickle.dumps(result))
    assert back.estep_mixture is not None
    for a, b in zip(back.estep_mixture, result.estep_mixture):
        np.testing.assert_array_equal(a, b)


def test_em_iterations_is_em_run_on_the_public_steps_and_honours_its_cap():
    mixture, _ = init(RATINGS, 4, 0)
    estep, mstep = (lambda m: em.estep(RATINGS, m)), (lambda post, m: em.mstep(RATINGS, post, m))
    its = list(engine.em_iterations(estep, mstep, mixture))  # mstep gets the mixture of the E-step
    result = em.run(RATINGS, mixture)
    assert len(its) == result.n_iter and its[-1][1] == result[2]
    np.testing.assert_array_equal(its[-1][2].mu, result.mixture.mu)
    with pytest.warns(NotConvergedWarning, match=r"^em_iterations stopped after max_iter = 2 ") as record:
        assert len(list(engine.em_iterations(estep, mstep, mixture, max_iter=2))) == 2
    assert record[0].filename == __file__


@pytest.mark.parametrize("name,run,X,K", RUNS)
def test_max_iter_is_a_positive_integer_and_1_runs_one_iteration(name, run, X, K):
    mixture, post = init(X, K, 0)
    with pytest.warns(NotConvergedWarning) as record:
        one = run(X, mixture, post, max_iter=1)
    message = str(record[0].message)  # whose run, that one iteration has no change to show, what to try
    assert message.startswith(f"{name} stopped after max_iter = 1 iterations")
    assert "(last change of the score: none yet)" in message
    assert message.endswith("Try a larger max_iter (or max_iter=None), another seed, or fewer components.")
    assert one.n_iter == 1 and not one.converged
    with pytest.raises(ValueError, match=r"^max_iter must be a positive integer \(>= 1\), got 0$"):
        run(X, mixture, post, max_iter=0)
    with pytest.raises(TypeError, match=r"^max_iter must be an integer, got float 2\.5$"):
        run(X, mixture, post, max_iter=2.5)


def test_history_warning_names_history():
    mixture, _ = init(RATINGS, 4, 0)
    with pytest.warns(NotConvergedWarning, match=r"^em\.history stopped after max_iter = 2 "):
        em.history(RATINGS, mixture, max_iter=2)
