"""The handout's own loop (fill with the mixture of the last E-step) beside em.run, and the figures of 02.

The printed values come from the handout; a loop written here from the handout's ``test.py`` cell
(E-step, then M-step, stop right after an E-step) is the independent reference.
"""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import em, init, plot, rmse
from cfgmm_lib.checkpoints import agrees_to_printed
from cfgmm_lib.compare import match_components, reorder
from cfgmm_lib.data import parse_printed, synthetic


def handout_loop(X, mixture):
    """The handout's test.py loop, written out: it ends holding the mixture of its last E-step."""
    prev, ll = None, None
    while prev is None or ll - prev > 1e-6 * abs(ll):
        prev = ll
        post, ll = em.estep(X, mixture)
        new = em.mstep(X, post, mixture)
        if prev is not None and ll - prev <= 1e-6 * abs(ll):
            return mixture, new, ll
        mixture = new
    return mixture, new, ll


def random_ratings(seed=0, n=60, d=8):
    rng = np.random.default_rng(seed)
    X = rng.integers(1, 6, size=(n, d)).astype(float)
    X[rng.random((n, d)) < 0.4] = 0
    return X


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_history_holds_both_mixtures_of_the_last_iteration(seed):
    X = random_ratings(seed)
    mixture, post = init(X, 3, seed)
    steps = em.history(X, mixture)
    estep_mixture, run_mixture, ll = handout_loop(X, mixture)
    final, post_final, ll_final = em.run(X, mixture, post)
    assert len(steps) >= 2
    for a, b in zip(steps[-1].estep_mixture, estep_mixture):
        np.testing.assert_array_equal(a, b)
    for a, b, c in zip(steps[-1].mixture, final, run_mixture):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert steps[-1].ll == ll_final == ll
    np.testing.assert_array_equal(steps[-1].post, post_final)
    lls = [it.ll for it in steps]
    assert all(b >= a for a, b in zip(lls, lls[1:])), "the log-likelihood never decreases"
    # each iteration's mixture is the next one's estep_mixture
    for a, b in zip(steps, steps[1:]):
        np.testing.assert_array_equal(a.mixture.mu, b.estep_mixture.mu)


@pytest.mark.course_data
def test_the_handouts_printed_test_case(course):
    X, gold = course("test_incomplete"), course("test_complete")
    steps = em.history(X, init(X, 4, 0)[0])
    assert steps[1].ll == pytest.approx(-103.43699945, abs=5e-9)  # printed to 8 decimals
    last = steps[-1].estep_mixture
    assert agrees_to_printed(last.var, parse_printed("[0.25 0.25 0.44965163 0.2792997 ]"))
    assert not agrees_to_printed(steps[-1].mixture.var, parse_printed("[0.25 0.25 0.44965163 0.2792997 ]"))
    assert rmse(em.fill_matrix(X, last), gold) == pytest.approx(0.31517185088634886, rel=1e-12)
    assert rmse(em.fill_matrix(X, steps[-1].mixture), gold) == pytest.approx(0.3152301205749675, rel=1e-12)


@pytest.mark.course_data
@pytest.mark.slow
def test_the_handouts_printed_netflix_rmse_and_bics(course):
    from cfgmm_lib import bic

    X, gold = course("netflix_incomplete"), course("netflix_complete")
    printed_bic = [-1450933.13575811, -1441364.51144814, -1467992.49025248, -1444651.48209098, -1467863.89747755]
    for seed, expected in enumerate(printed_bic):
        steps = em.history(X, init(X, 12, seed)[0])
        assert bic(X, steps[-1].mixture, steps[-1].ll) == pytest.approx(expected, rel=1e-13)  # printed to 1e-8
        if seed == 1:
            pred = em.fill_matrix(X, steps[-1].estep_mixture)
            assert rmse(pred, gold) == pytest.approx(0.48047111268956827, rel=1e-12)


def test_reorder_relabels_components_consistently():
    X = synthetic("toy_data")
    mixture, post = init(X, 3, 0)
    post = np.random.default_rng(0).dirichlet(np.ones(3), size=len(X))
    order = np.array([2, 0, 1])
    m2, p2 = reorder(mixture, post, order)
    np.testing.assert_array_equal(m2.mu[0], mixture.mu[2])
    np.testing.assert_array_equal(p2[:, 1], post[:, 0])
    np.testing.assert_array_equal(match_components(post, p2), [1, 2, 0])
    with pytest.raises(ValueError, match="permutation"):
        reorder(mixture, post, [0, 0, 1])


def test_plot_certainty_sizes_points_by_their_posterior():
    X = synthetic("toy_data")
    mixture, _ = init(X, 2, 0)
    post = np.tile([0.5, 0.5], (len(X), 1))
    post[0] = [1.0, 0.0]
    fig = plot(X, mixture, post, points="certainty")
    sizes = fig.axes[0].collections[0].get_sizes()
    assert sizes[0] == pytest.approx(40.0) and sizes[1] == pytest.approx(10.0)
    with pytest.raises(ValueError, match="points"):
        plot(X, mixture, post, points="pies")


def test_plot_labels_of_close_components_do_not_overlap():
    X = synthetic("toy_data")
    mixture, post = init(X, 4, 0)
    mu = np.array([[0.0, 0.0], [0.3, 0.1], [0.1, 0.4], [5.0, 5.0]])
    fig = plot(X, mixture._replace(mu=mu), post, lim=(-20, 20))
    ax = fig.axes[0]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == 4
    for i in range(4):
        for j in range(i + 1, 4):
            assert not boxes[i].overlaps(boxes[j]), f"labels {i} and {j} overprint"
