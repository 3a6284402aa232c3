"""The course's arc diagram: one pie per point, one circle per component, never shown."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from cfgmm_lib import init, plot
from cfgmm_lib.common import COURSE_COLORS
from cfgmm_lib.plotting import component_colors
from cfgmm_lib.data import synthetic
from cfgmm_lib.naive_em import run


@pytest.mark.parametrize("K", [1, 3, 6, 9])
def test_plot_draws_one_arc_per_point_and_component_and_one_circle_per_component(K):
    X = synthetic("toy_data")
    mixture, post = init(X, K, seed=0)
    mixture, post, _ = run(X, mixture, post)
    fig = plot(X, mixture, post, f"K = {K}")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    arcs = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(arcs) == 1 and len(arcs[0].get_segments()) == len(X) * K
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == K
    np.testing.assert_allclose(sorted(c.get_radius() for c in circles), sorted(np.sqrt(mixture.var)))
    assert len(ax.texts) == K and ax.texts[0].get_text().startswith("mu = (")
    assert ax.get_title() == f"K = {K}"
    lo, hi = ax.get_xlim()
    assert lo < X.min() and hi > X.max() and hi - lo < 1.2 * (X.max() - X.min()) + 4 * np.sqrt(mixture.var.max())
    assert plot(X, mixture, post, lim="course").axes[0].get_xlim() == (-20.0, 20.0)  # the handout's axes
    assert len(set(map(str, component_colors(K)))) == K


def test_arc_angles_follow_the_posteriors():
    X = np.array([[0.0, 0.0]])
    from cfgmm_lib import GaussianMixture

    mixture = GaussianMixture(np.array([[1.0, 1.0], [-1.0, -1.0]]), np.ones(2), np.array([0.5, 0.5]))
    fig = plot(X, mixture, np.array([[0.25, 0.75]]))
    segs = fig.axes[0].collections[0].get_segments()
    angle = lambda s: np.arctan2(s[:, 1], s[:, 0])  # noqa: E731
    a0, a1 = np.unwrap(angle(segs[0])), np.unwrap(angle(segs[1]))
    assert a0[-1] - a0[0] == pytest.approx(np.pi / 2)
    assert a1[-1] - a1[0] == pytest.approx(3 * np.pi / 2)


def test_plot_uses_the_given_axes_and_never_shows(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plot called plt.show()"))
    fig, axes = plt.subplots(1, 2)
    X = synthetic("toy_data")
    mixture, post = init(X, 2, seed=0)
    assert plot(X, mixture, post, "left", ax=axes[0]) is fig
    assert axes[0].get_title() == "left" and not axes[1].collections
    plt.close(fig)


def test_limits_fit_data_outside_the_course_box():
    X = synthetic("toy_data") * 5
    mixture, post = init(X, 2, seed=0)
    lo, hi = plot(X, mixture, post).axes[0].get_xlim()
    assert lo < X.min() and hi > X.max()
    lo, hi = plot(X, mixture, post, lim=(-3, 3)).axes[0].get_xlim()
    assert (lo, hi) == (-3, 3)


def test_course_colours_first():
    assert component_colors(6) == list(COURSE_COLORS)
    assert component_colors(8)[:6] == list(COURSE_COLORS)


def test_each_label_sits_beside_its_own_circle_in_its_colour_at_projector_size():
    from cfgmm_lib.plotting import LABEL_FONTSIZE, text_color

    X = synthetic("toy_data")
    mixture, post = init(X, 4, seed=0)
    mixture, post, _ = run(X, mixture, post)
    ax = plot(X, mixture, post, "K = 4").axes[0]
    sigma = np.sqrt(mixture.var)
    colors = component_colors(4)
    assert len(ax.texts) == 4
    for text in ax.texts:
        j = int(np.argmin(np.linalg.norm(mixture.mu - np.asarray(text.xy), axis=1)))  # the mean it points at
        assert np.allclose(text.xy, mixture.mu[j])
        gap = np.linalg.norm(np.asarray(text.xyann) - mixture.mu[j]) - sigma[j]
        assert 0 < gap < 3.0  # on the circle's edge, a little outside it (data units; the toy field is ~20 wide)
        assert text.get_fontsize() >= 12 and LABEL_FONTSIZE >= 12
        assert text.get_color() == text_color(colors[j])
        assert text.get_bbox_patch() is None  # an outline, not a box that hides the points
    assert text_color("y") != "y" and text_color("r") == "r"  # yellow text would not read on white


def test_matched_colours_follow_the_same_knot_across_fits():
    from cfgmm_lib import GaussianMixture
    from cfgmm_lib.plotting import matched_colors

    ref = GaussianMixture(np.array([[0.0, 0.0], [5.0, 5.0], [-5.0, 3.0]]), np.ones(3), np.full(3, 1 / 3))
    permuted = GaussianMixture(ref.mu[[2, 0, 1]] + 0.1, np.ones(3), np.full(3, 1 / 3))
    base = component_colors(3)
    assert matched_colors(ref, permuted) == [base[2], base[0], base[1]]
    bigger = GaussianMixture(np.vstack([ref.mu, [[9.0, -9.0]]]), np.ones(4), np.full(4, 0.25))
    colors = matched_colors(ref, bigger)
    assert colors[:3] == base and colors[3] not in base
    X = synthetic("toy_data")
    mixture, post = init(X, 3, seed=0)
    ax = plot(X, mixture, post, colors=matched_colors(ref, mixture)).axes[0]
    assert {str(c.get_edgecolor()) for c in ax.patches} == {str(matplotlib_rgba(c)) for c in matched_colors(ref, mixture)}
    with pytest.raises(ValueError, match="one colour per component"):
        plot(X, mixture, post, colors=["r"])


def matplotlib_rgba(c):
    from matplotlib.colors import to_rgba

    return to_rgba(c)


def test_outside_a_notebook_the_figure_is_pyplots_and_plt_show_is_called_as_the_courses(monkeypatch):
    """As the course's ``plot``: the figure is pyplot's current one and ``plt.show()`` is called once (it shows
    nothing under Agg, where the figure stays open for ``plt.savefig``); ``show=False`` does not show."""
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(plt.gcf()))
    X = synthetic("toy_data")
    mixture, post = init(X, 2, seed=0)
    fig = plot(X, mixture, post, "script")
    assert shown == [fig] and plt.gcf() is fig and fig.number in plt.get_fignums()
    quiet = plot(X, mixture, post, "quiet", show=False)
    assert shown == [fig] and plt.gcf() is quiet  # not shown, still found by plt.savefig
