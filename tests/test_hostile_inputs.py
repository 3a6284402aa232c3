"""Inputs that used to fool the library: each gets a clear error naming the argument, or a finite answer.

One test per class of input (posteriors, hyper-parameters, overflow, complex numbers, the
composites, the CLI), each over the siblings of the cases a tester found.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from cfgmm_lib import GaussianMixture, bic, em, init, kmeans, naive_em, plot, rmse, widgets
from cfgmm_lib.compare import agreement
from cfgmm_lib.diagnostics import component_health
from cfgmm_lib.evaluation import (evaluate, fit_bias, fit_means, fit_mixture, heldout_log_likelihood, holdout_split,
                                  main as evaluation_main, rating_shares, rmse_on, score)
from cfgmm_lib.factorization import fit_als, fit_neural
from cfgmm_lib.sweep import sweep

RNG = np.random.default_rng(7)
X = RNG.integers(0, 6, size=(30, 4)).astype(float)
X[:, 0] = RNG.integers(1, 6, size=30)  # every user has a rating
T = RNG.normal(size=(40, 2))
MIX, POST = init(X, 3, 0)


def refused(fn, error, *fragments):
    """``fn()`` raises ``error`` whose message holds every fragment (the argument's name first).

    A fragment that starts or ends with a letter, digit or underscore must do so at a word's edge:
    "seeds" matches "seeds must ..." but not "n_seeds" or "seedsx", so a mangled name cannot pass.
    """
    with pytest.raises(error) as info:
        fn()
    message = str(info.value)
    for fragment in fragments:
        pattern = ((r"(?<![\w])" if re.match(r"\w", fragment) else "") + re.escape(fragment)
                   + (r"(?![\w])" if re.search(r"\w$", fragment) else ""))
        assert re.search(pattern, message), (fragment, message)


def test_refused_needs_the_name_itself_not_a_longer_word():
    def fail(message):
        def fn():
            raise ValueError(message)
        return fn

    refused(fail("seeds must not be empty"), ValueError, "seeds", "empty")
    refused(fail("grid['epochs'] must be >= 1"), ValueError, "grid['epochs']", ">= 1")
    for mangled in ("n_seeds must not be empty", "seedsx must not be empty", "seeds2 must not be empty"):
        with pytest.raises(AssertionError):
            refused(fail(mangled), ValueError, "seeds")


# ----- posteriors -----

@pytest.mark.parametrize("factor", [2.0, 0.5, 1.001])
@pytest.mark.parametrize("mstep", [
    lambda post: naive_em.mstep(X, post),
    lambda post: naive_em.mstep(X, post, MIX),
    lambda post: em.mstep(X, post, MIX),
    lambda post: kmeans.mstep(X, post, MIX),
])
def test_every_mstep_refuses_posteriors_that_do_not_sum_to_one(mstep, factor):
    refused(lambda: mstep(POST * factor), ValueError, "post's rows must each sum to 1")


def test_posteriors_summing_to_one_within_printed_precision_are_accepted():
    post = np.round(em.estep(X, MIX)[0], 8)  # as test_solutions.txt prints them
    assert np.isfinite(em.mstep(X, post, MIX).var).all()


def test_plot_refuses_posteriors_that_do_not_sum_to_one():
    mixture, post = init(T, 2, 0)
    refused(lambda: plot(T, mixture, post * 3), ValueError, "post's rows must each sum to 1")


# ----- hyper-parameters: one scalar checker -----

@pytest.mark.parametrize("call,error,fragments", [
    (lambda: fit_bias(X, reg_user=np.nan), ValueError, ["reg_user", "finite", "nan"]),
    (lambda: fit_bias(X, reg_movie=np.inf), ValueError, ["reg_movie", "finite"]),
    (lambda: fit_bias(X, reg_user=-1.0), ValueError, ["reg_user", "non-negative", "-1.0"]),
    (lambda: fit_bias(X, reg_user="1"), TypeError, ["reg_user", "str"]),
    (lambda: fit_bias(X, iters=0), ValueError, ["iters", "positive integer"]),
    (lambda: fit_als(X, rank=2, reg=np.nan), ValueError, ["reg", "finite"]),
    (lambda: fit_als(X, rank=2, reg_bias=np.inf), ValueError, ["reg_bias", "finite"]),
    (lambda: fit_als(X, rank=2, iters=0), ValueError, ["iters", "positive integer"]),
    (lambda: fit_als(X, rank=True), TypeError, ["rank", "bool"]),
    (lambda: fit_neural(X, rank=2, batch=0), ValueError, ["batch", "positive integer", "got 0"]),
    (lambda: fit_neural(X, rank=2, epochs=0), ValueError, ["epochs"]),
    (lambda: fit_neural(X, rank=2, lr=np.nan), ValueError, ["lr", "finite"]),
    (lambda: fit_neural(X, rank=2, lr=0.0), ValueError, ["lr", "positive"]),
    (lambda: fit_neural(X, rank=2, decay=1.5), ValueError, ["decay", "1.5"]),
    (lambda: fit_neural(X, rank=2, seed=-3), ValueError, ["seed", "-3"]),
    (lambda: em.run(X, MIX, POST, min_variance="abc"), TypeError, ["min_variance", "'abc'"]),
    (lambda: em.run(X, MIX, POST, min_variance=np.nan), ValueError, ["min_variance", "nan"]),
    (lambda: em.mstep(X, POST, MIX, min_variance=0), ValueError, ["min_variance", "positive"]),
    (lambda: em.run(X, MIX, POST, max_iter=0), ValueError, ["max_iter", "positive integer"]),
    (lambda: naive_em.run(X, MIX, POST, max_iter=2.5), TypeError, ["max_iter", "2.5"]),
    (lambda: kmeans.run(X, MIX, POST, max_iter="3"), TypeError, ["max_iter", "str"]),
    (lambda: init(X, 2.0, 0), TypeError, ["K must be an integer", "2.0"]),
    (lambda: init(X, "2", 0), TypeError, ["K must be an integer", "str"]),
    (lambda: init(X, 2, -1), ValueError, ["seed", "-1"]),
    (lambda: init(X, 2, 2**40), ValueError, ["seed", str(2**40)]),
    (lambda: init(X, 2, np.nan), TypeError, ["seed"]),
    (lambda: holdout_split(X, 0.1, -1), ValueError, ["seed", "-1"]),
    (lambda: holdout_split(X, "0.1", 0), TypeError, ["fraction", "str"]),
    (lambda: bic(X, MIX, None), TypeError, ["log_likelihood", "None"]),
    (lambda: bic(X, MIX, np.array([1.0, 2.0])), TypeError, ["log_likelihood"]),
    (lambda: bic(X, MIX, float("inf")), ValueError, ["log_likelihood", "finite"]),
    (lambda: component_health(X, MIX, min_variance=np.nan), ValueError, ["min_variance"]),
    (lambda: component_health(X, MIX, few_users=-1), ValueError, ["few_users"]),
    (lambda: plot(T, *init(T, 2, 0), show="yes"), TypeError, ["show"]),
])
def test_hyper_parameters_are_checked_with_a_message_that_names_them(call, error, fragments):
    refused(call, error, *fragments)


def test_integral_hyper_parameters_of_numpy_types_are_accepted():
    a = init(X, np.int64(2), np.uint32(3))
    b = init(X, 2, 3)
    np.testing.assert_array_equal(a[0].mu, b[0].mu)
    assert em.run(X, MIX, POST, min_variance=np.float32(0.25), max_iter=np.int16(50))[2] == em.run(X, MIX, POST)[2]


# ----- non-finite scores -----

def test_score_refuses_nan_predictions_and_says_how_many():
    refused(lambda: score(np.array([1.0, np.nan, np.nan, 4.0]), np.array([1.0, 2.0, 3.0, 4.0])), ValueError,
            "predicted", "2 non-finite", "2 NaN")
    refused(lambda: score(np.array([1.0, 2.0]), np.array([1.0, np.inf])), ValueError, "ratings", "1 inf")
    refused(lambda: score(np.array([1.0, 2.0]), np.array([1.0, 2.0]), clip=(5, 1)), ValueError, "clip")
    refused(lambda: rating_shares(np.array([1.0, np.nan])), ValueError, "values")


# ----- overflow -----

@pytest.mark.parametrize("scale", [1e200, 1e300, -1e160])
@pytest.mark.parametrize("call", [
    lambda Y: init(Y, 2, 0),
    lambda Y: kmeans.run(Y, MIX, POST),
    lambda Y: naive_em.run(Y, MIX, POST),
    lambda Y: naive_em.estep(Y, MIX),
    lambda Y: em.run(Y, MIX, POST),
    lambda Y: em.fill_matrix(Y, MIX),
    lambda Y: rmse(Y, X),
])
def test_values_whose_squares_overflow_are_refused(call, scale):
    refused(lambda: call(X * scale), ValueError, "X", "overflow")


def test_large_but_safe_values_give_finite_answers():
    Y = X * 1e100
    mixture, post = init(Y, 2, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for run in (kmeans.run, naive_em.run, em.run):
            m, p, score_ = run(Y, mixture, post)
            assert np.isfinite(score_) and np.isfinite(p).all() and np.isfinite(m.var).all()


def test_a_variance_too_small_for_the_data_is_refused():
    tiny = MIX._replace(var=np.array([1e-320, 1.0, 1.0]))
    for call in (lambda: em.estep(X, tiny), lambda: naive_em.estep(X, tiny), lambda: em.run(X, tiny)):
        refused(call, ValueError, "mixture.var[0]", "too small")
    refused(lambda: em.estep(X, MIX._replace(mu=MIX.mu + 1e200)), ValueError, "mixture.mu", "overflow")


# ----- complex numbers -----

@pytest.mark.parametrize("call,name", [
    (lambda: init(X + 1j, 2, 0), "X"),
    (lambda: kmeans.run(X.astype(complex), MIX, POST), "X"),
    (lambda: em.estep(X.astype(complex), MIX), "X"),
    (lambda: em.estep(X, MIX._replace(mu=MIX.mu + 0j)), "mixture.mu"),
    (lambda: em.estep(X, MIX._replace(var=MIX.var + 0j)), "mixture.var"),
    (lambda: em.mstep(X, POST + 0j, MIX), "post"),
    (lambda: em.estep(X, MIX, mask=np.ones(X.shape) + 0j), "mask"),
    (lambda: rmse(X, X + 1j), "Y"),
    (lambda: score(np.array([1 + 1j]), np.array([1.0])), "predicted"),
    (lambda: rmse_on(X, X, np.ones(X.shape) + 0j), "where"),
])
def test_complex_arrays_are_refused(call, name):
    refused(call, TypeError, name, "complex")


# ----- the composites and the smaller cases -----

@pytest.mark.parametrize("call,error,fragments", [
    (lambda: fit_mixture(X, 2, seeds=[]), ValueError, ["seeds", "empty"]),
    (lambda: fit_mixture(X, 2, seeds=5), TypeError, ["seeds", "iterable"]),
    (lambda: fit_mixture(X, 0), ValueError, ["K must satisfy"]),
    (lambda: fit_mixture(X, 2, offset="bias"), TypeError, ["offset"]),
    (lambda: sweep(X, 3), TypeError, ["K_values", "iterable", "[3]"]),
    (lambda: sweep(X, [3], seeds=[]), ValueError, ["seeds", "empty"]),
    (lambda: sweep(X, [3], seeds="01"), TypeError, ["seeds"]),
    (lambda: sweep(X, [3], method=None), ValueError, ["method"]),
    (lambda: sweep(X, [3], method="kmeans", mask=None), TypeError, ["takes no options"]),
    (lambda: evaluate(X, seeds=[]), ValueError, ["seeds", "empty"]),
    (lambda: evaluate(X, seed=-1), ValueError, ["seed", "-1"]),
    (lambda: evaluate(X, models=[]), ValueError, ["models"]),
    (lambda: evaluate(X, grid={"K": [0]}), ValueError, ["K must satisfy"]),
    (lambda: evaluate(X, grid={"rank": [3]}), ValueError, ["grid", "unknown"]),
    (lambda: evaluate(X, grid={"epochs": 0}), ValueError, ["grid['epochs']", ">= 1"]),
    (lambda: evaluate(X, grid={"epochs": [15]}), TypeError, ["grid['epochs']"]),
    (lambda: component_health(X[0], MIX), ValueError, ["X must be a 2-D array"]),
    (lambda: component_health(X, MIX, initial=init(X, 2, 0)[0]), ValueError, ["initial"]),
    (lambda: fit_means(X, ["user"]), ValueError, ["kind"]),
    (lambda: heldout_log_likelihood(X, MIX, np.array([0.5]), np.array([0]), np.array([3.0])), TypeError, ["rows"]),
    (lambda: heldout_log_likelihood(X, MIX, np.array([99]), np.array([0]), np.array([3.0])), ValueError, ["rows"]),
    (lambda: agreement(POST[0], POST[0]), ValueError, ["post_a", "2-D"]),
    (lambda: widgets.fit_figure(widgets.FitCache(T), "gmm", 2, 0), ValueError, ["method"]),
    (lambda: widgets.fit_figure(widgets.FitCache(T), "em", 2, -1), ValueError, ["seed"]),
    (lambda: rmse_on(X, X, np.full(X.shape, np.nan)), ValueError, ["where"]),
])
def test_composites_and_smaller_cases(call, error, fragments):
    refused(call, error, *fragments)


def test_fit_figure_draws_every_listed_method():
    cache = widgets.FitCache(T)
    for method in widgets.METHODS:  # "em" is listed, so it is drawn
        fig = widgets.fit_figure(cache, method, 2, 0)
        assert fig.axes[0].get_title().startswith(widgets.LABELS[method])


def test_fit_mixture_takes_the_best_seed_of_sweep():
    model = fit_mixture(X, 2, seeds=[0, 1, 2])
    lls = {s: sweep(X, [2], [s], "em").best(2).score for s in (0, 1, 2)}
    assert model.seed == max(lls, key=lls.get) and model.ll == lls[model.seed]
    # its post is the refreshed one: the posteriors of the returned mixture
    np.testing.assert_allclose(model.post, em.estep(X, model.mixture)[0])


def test_nothing_the_caller_passed_is_changed():
    X0, T0 = X.copy(), T.copy()
    m0 = GaussianMixture(MIX.mu.copy(), MIX.var.copy(), MIX.p.copy())
    state = np.random.get_state()[1].copy()
    with pytest.warns(UserWarning, match="max_iter = 5"):
        em.run(X, MIX, POST, max_iter=5)
    fit_mixture(X, 2, seeds=[0, 1])
    sweep(T, [2], [0, 1], "naive_em")
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(T, T0)
    np.testing.assert_array_equal(MIX.mu, m0.mu)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# ----- the evaluation CLI checks what it can before fitting -----

@pytest.mark.parametrize("argv,fragment", [
    (["--seed", "-1"], "--seed"),
    (["--json", "/nonexistent-folder/out.json"], "--json"),
    (["--json", "."], "--json"),
    (["--fraction", "nan"], "fraction"),
])
def test_evaluation_cli_refuses_before_fitting(argv, fragment, monkeypatch, capsys):
    from cfgmm_lib import data

    monkeypatch.setattr(data, "load_or_standin", lambda name: pytest.fail("loaded data before checking"))
    assert evaluation_main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and fragment in err and err.count("\n") == 1


# ----- a missing mixture, and a sparse matrix where a dense one is needed -----

@pytest.mark.parametrize("call", [
    lambda: kmeans.run(X, None, POST), lambda: kmeans.estep(X, None),
    lambda: naive_em.run(T, None, POST), lambda: naive_em.estep(T, None),
    lambda: em.run(X, None, POST), lambda: em.estep(X, None), lambda: em.fill_matrix(X, None),
    lambda: em.history(X, None),
], ids=["kmeans.run", "kmeans.estep", "naive_em.run", "naive_em.estep", "em.run", "em.estep", "em.fill_matrix",
        "em.history"])
def test_a_mixture_of_none_is_refused_by_name(call):
    """None where the mixture goes (a learner's unfinished ``mixture, post = ...``) is named, not an AttributeError."""
    refused(call, TypeError, "mixture must be a GaussianMixture", "NoneType")


def _sparse():
    import scipy.sparse as sp

    return sp.csr_matrix(X)


@pytest.mark.parametrize("call", [
    lambda S: kmeans.run(S, MIX, POST), lambda S: naive_em.estep(S, MIX), lambda S: evaluate(S),
    lambda S: rmse(S, X), lambda S: component_health(S, MIX), lambda S: kmeans.mstep(S, POST),
], ids=["kmeans.run", "naive_em.estep", "evaluate", "rmse", "component_health", "kmeans.mstep"])
def test_a_sparse_matrix_where_a_dense_one_is_needed_is_named(call):
    """Not numpy's 'setting an array element with a sequence': the message says what to do instead."""
    refused(lambda: call(_sparse()), TypeError, "X is a scipy.sparse matrix", "toarray()", "em.run")


@pytest.mark.parametrize("X", [np.ones((5, 3)), np.zeros((4, 2)) + 2.5])
def test_init_on_identical_rows_says_why_it_refuses(X):
    """The message a learner sees when every row is the same (init's variance would be 0)."""
    with pytest.raises(ValueError, match=r"^every row of X is the same, so init's variance 0 would make a "
                                         r"degenerate mixture$"):
        init(X, 2, 0)
