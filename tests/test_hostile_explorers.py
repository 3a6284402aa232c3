"""Sliders and figures that indexed, clamped or dropped without a word: each is refused at construction by name.

Before: ``K_max=0`` was a traitlets error ("setting min > max"), ``seeds=[]`` was ``min()``'s "arg is an empty
sequence", ``K_max`` beyond the number of points was accepted until the slider got there, a starting K or
seed outside its slider was clamped to the slider's end (K = 9 shown as K = 6), ``step_figure(step=99)`` was
an IndexError and ``step=-1`` the last step; HQS's history and gammas of different lengths lost panels in
``zip`` or failed when the slider reached them; ``array_explorer(hours=30)`` showed 24 hours;
``m87_explorer`` with a file not in ``files`` raised the widget's "Invalid selection".
"""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import widgets
from cfgmm_lib.imaging import figures as fg
from cfgmm_lib.imaging import m87_figures as mf

from test_hostile_inputs import refused

X = np.random.default_rng(3).normal(size=(5, 2)) * 3
EXPLORERS = [widgets.kmeans_explorer, widgets.compare_explorer, widgets.em_steps_explorer]


@pytest.mark.parametrize("explorer", EXPLORERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kwargs,error,fragments", [
    ({"K_max": 0}, ValueError, ["K_max", ">= 1", "got 0"]),
    ({"K_max": -2}, ValueError, ["K_max", "got -2"]),
    ({"K_max": 6}, ValueError, ["K_max", "<= n = 5", "number of points", "got 6"]),  # the default on 5 points
    ({"K_max": 4.0}, TypeError, ["K_max", "integer"]),
    ({"K_max": 5, "seeds": []}, ValueError, ["seeds", "empty"]),
    ({"K_max": 5, "seeds": [-1, 2], "seed": 0}, ValueError, ["seeds[0]", "non-negative", "-1"]),
    ({"K_max": 5, "seeds": range(-3, 0), "seed": -1}, ValueError, ["seeds[0]", "-3"]),
    ({"K_max": 5, "seeds": [0.5, 2]}, TypeError, ["seeds[0]", "integer"]),
    ({"K_max": 5, "seeds": "012"}, TypeError, ["seeds", "iterable"]),
    ({"K_max": 4, "K": 5}, ValueError, ["K", "1 .. K_max = 4", "got 5"]),
    ({"K_max": 4, "K": 0}, ValueError, ["K", "1 .. K_max = 4", "got 0"]),
    ({"K_max": 4, "seeds": range(3), "seed": 7}, ValueError, ["seed", "0 .. 2", "got 7"]),
    ({"K_max": 4, "seeds": [2, 5], "seed": 1}, ValueError, ["seed", "2 .. 5", "got 1"]),
    ({"K_max": 4, "cache": widgets.FitCache(X + 1)}, ValueError, ["cache", "another X", "other values"]),
    ({"K_max": 4, "cache": widgets.FitCache(X[:4])}, ValueError, ["cache", "shape (4, 2), not (5, 2)"]),
    ({"K_max": 4, "cache": {}}, TypeError, ["cache", "FitCache"]),
])
def test_explorers_refuse_slider_arguments_by_name_before_any_fit(explorer, kwargs, error, fragments, monkeypatch):
    monkeypatch.setattr(widgets, "em_trace", lambda *a: pytest.fail("fitted before checking"))
    monkeypatch.setattr(widgets.FitCache, "fit", lambda *a: pytest.fail("fitted before checking"))
    refused(lambda: explorer(X, **kwargs), error, *fragments)


@pytest.mark.parametrize("explorer", EXPLORERS, ids=lambda f: f.__name__)
def test_explorers_accept_the_edges_of_their_ranges(explorer):
    ex = explorer(X, K_max=5, seeds=[3], K=5, seed=3, cache=widgets.FitCache(X.copy()))
    assert (ex.sliders["K"].min, ex.sliders["K"].max, ex.sliders["K"].value) == (1, 5, 5)
    assert (ex.sliders["seed"].min, ex.sliders["seed"].max, ex.sliders["seed"].value) == (3, 3, 3)
    assert ex.values()["K"] == 5 and ex.values()["seed"] == 3  # what was asked for, not a clamped value


@pytest.mark.parametrize("step,error,fragments", [
    (99, ValueError, ["step", "0 .. ", "half-steps", "got 99"]),
    (-1, ValueError, ["step", "got -1"]),  # had drawn the last step
    (1.0, TypeError, ["step", "integer"]),
])
def test_step_figure_and_label_refuse_a_step_outside_the_trace(step, error, fragments):
    steps = widgets.FitCache(X).trace(2, 0)
    refused(lambda: widgets.step_figure(X, steps, step), error, *fragments)
    refused(lambda: widgets.step_label(steps, step), error, *fragments)
    refused(lambda: widgets.step_figure(X, steps, len(steps)), ValueError, f"0 .. {len(steps) - 1}")
    assert widgets.step_figure(X, steps, len(steps) - 1).axes and "start" in widgets.step_label(steps, 0)
    refused(lambda: widgets.step_figure(X, [], 0), ValueError, "steps", "non-empty")


TRUTH = np.ones((8, 8))


@pytest.mark.parametrize("call,error,fragments", [
    (lambda: fg.prior_explorer(None, None, TRUTH, 1, 0, K_max=0), ValueError, ["K_max", ">= 1"]),
    (lambda: fg.prior_explorer(None, None, TRUTH, 1, 0, seeds=[]), ValueError, ["seeds", "empty"]),
    (lambda: fg.prior_explorer(None, None, TRUTH, 1, 0, seeds=[-1, 2]), ValueError, ["seeds[0]", "-1"]),
    (lambda: fg.prior_explorer(None, None, TRUTH, 31, 0), ValueError, ["K", "K_max = 30", "got 31"]),
    (lambda: fg.prior_explorer(None, None, TRUTH, 2, 9), ValueError, ["seed", "0 .. 4", "got 9"]),
    (lambda: fg.hqs_step_explorer(TRUTH, [TRUTH] * 3, [1.0, 2.0], TRUTH), ValueError,
     ["history and gammas", "3 images and 2 gammas"]),
    (lambda: fg.hqs_steps_figure(TRUTH, [TRUTH] * 2, [1.0, 2.0, 4.0]), ValueError, ["history and gammas"]),
    (lambda: fg.array_explorer(None, TRUTH, None, {}, ["ALMA", "LMT"], 30), ValueError, ["hours", "<= 24"]),
    (lambda: fg.array_explorer(None, TRUTH, None, {}, ["ALMA", "LMT"], 0), ValueError, ["hours", ">= 1"]),
    (lambda: fg.array_explorer(None, TRUTH, None, [], ["ALMA", "LMT"], 6), TypeError, ["reconstruct", "dict"]),
    (lambda: mf.m87_explorer(None, ["a", "b"], ["none"], [1.0], "c", "none", 1.0), ValueError,
     ["file must be one of files", "'c'"]),
    (lambda: mf.m87_explorer(None, ["a"], ["none", "everyday"], [1.0], "a", "black-hole", 1.0), ValueError,
     ["prior must be one of priors"]),
    (lambda: mf.m87_explorer(None, ["a"], ["none"], [1.0, 2.0], "a", "none", 3.0), ValueError,
     ["weight must be one of weights", "3.0"]),
    (lambda: fg.components_figure((np.zeros((2, 4)), np.stack([np.eye(4)] * 2), np.full(2, 0.5)), "t", n_eig=5),
     ValueError, ["n_eig", "<= 4"]),
    (lambda: fg.components_figure((np.zeros((2, 4)), np.stack([np.eye(4)] * 2), np.full(2, 0.5)), "t", n_eig=-1),
     ValueError, ["n_eig", "non-negative"]),
], ids=["prior-K_max-0", "prior-seeds-empty", "prior-seeds-negative", "prior-K-over", "prior-seed-outside",
        "hqs-slider-lengths", "hqs-figure-lengths", "array-hours-30", "array-hours-0", "array-reconstruct",
        "m87-file", "m87-prior", "m87-weight", "components-n_eig-over", "components-n_eig-negative"])
def test_imaging_explorers_and_figures_refuse_by_name(call, error, fragments):
    refused(call, error, *fragments)


def test_learning_figure_draws_every_prior():
    """It zipped the priors with two colours: a third prior's curve was left out without a word."""
    lls = {name: [-3.0, -2.0, -1.5] for name in ("a", "b", "c")}
    ax = fg.learning_figure(lls, {name: 10 for name in lls}).axes[0]
    assert [line.get_label() for line in ax.lines] == ["a", "b", "c"]
    assert len({line.get_color() for line in ax.lines}) == 3
