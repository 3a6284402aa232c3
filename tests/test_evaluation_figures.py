"""Notebook 05's evaluation figures: readable on a projector, one colour per family, no label on another."""

from __future__ import annotations

import numpy as np

from cfgmm_lib.evaluation import figures as evfig


def _texts(fig):
    for ax in fig.axes:
        yield from ax.texts
        yield from ax.get_xticklabels() + ax.get_yticklabels()
        yield ax.xaxis.label
        yield ax.yaxis.label
        yield ax.title
        if ax.get_legend():
            yield from ax.get_legend().get_texts()


def _readable(fig):
    small = [t.get_text() for t in _texts(fig) if t.get_text() and t.get_fontsize() < 12]
    assert not small, f"text below 12 pt: {small}"


def _no_overlap(texts, renderer):
    boxes = [t.get_window_extent(renderer) for t in texts if t.get_text()]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            assert not boxes[a].overlaps(boxes[b]), (texts[a].get_text(), texts[b].get_text())


def test_families_and_names():
    assert evfig.family("surprise SVD") == "external"
    assert evfig.family("bias_aware_partition_mixture") == "mixture"
    assert evfig.family("neural_implicit") == "factorisation" and evfig.family("blend") == "blend"
    assert evfig.family("item_neighbours") == "neighbours" and evfig.family("global_mean") == "average"
    assert evfig.readable("surprise SVD") == "surprise SVD"


def test_intervals_figure_colours_by_family_and_sorts_best_on_top():
    rows = [("neural", {"mean": 0.76, "low": 0.758, "high": 0.762}),
            ("surprise SVD", {"mean": 0.765, "low": 0.763, "high": 0.767}),
            ("course_mixture", {"mean": 0.87, "low": 0.86, "high": 0.88}),
            ("blend", {"mean": 0.754, "low": 0.752, "high": 0.756})]
    fig = evfig.intervals_figure(rows, "title")
    _readable(fig)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == evfig.readable("blend") and labels[0] == evfig.readable("course_mixture")
    colours = {line.get_color() for line in ax.lines}
    assert {evfig.FAMILY_COLORS[f] for f in ("factorisation", "external", "mixture", "blend")} <= colours


def test_ranking_figure_labels_do_not_overlap():
    names = ["a_mixture", "b_mixture", "neural", "matrix_factorization", "blend"]
    random = dict(zip(names, [0.80, 0.8001, 0.760, 0.7602, 0.754]))
    gaps = dict(zip(names, [0.83, 0.8302, 0.781, 0.7813, 0.776]))
    fig = evfig.ranking_figure(random, gaps, names)
    _readable(fig)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    _no_overlap(list(fig.axes[0].texts), canvas.get_renderer())


def test_reliability_user_and_weights_figures_draw():
    levels = np.linspace(0.1, 0.9, 9)
    _readable(evfig.reliability_figure(levels, {"course_mixture": levels + 0.01}))
    m = np.array([2.0, 3.0, 4.0])
    _readable(evfig.user_figure(m, m - 0.5, m + 0.5, m - 1.5, m + 1.5, np.array([2, 4, 4]), "one user"))
    _readable(evfig.weights_figure({"neural": 0.5, "bias_baseline": -0.1}, -0.02))
