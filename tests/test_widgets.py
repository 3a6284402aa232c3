"""The slider callbacks, without a browser: set a value, check what was drawn."""

from __future__ import annotations

import time

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.patches import Circle

from cfgmm_lib import widgets
from cfgmm_lib.data import synthetic
from cfgmm_lib.naive_em import run
from cfgmm_lib.common import init

X = synthetic("toy_data")


def drawn(fig):
    """(components, points) drawn on each arc-diagram axes of a figure."""
    out = []
    for ax in fig.axes:
        arcs = [c for c in ax.collections if isinstance(c, LineCollection)]
        if arcs:
            K = sum(isinstance(p, Circle) for p in ax.patches)
            out.append((K, len(arcs[0].get_segments()) // K))
    return out


def test_kmeans_explorer_redraws_on_each_slider():
    ex = widgets.kmeans_explorer(X, K_max=6, seeds=range(5))
    assert ex.sliders["K"].max == 6 and ex.sliders["seed"].max == 4
    assert not ex.sliders["K"].continuous_update and not ex.sliders["seed"].continuous_update
    assert drawn(ex.figure) == [(3, 250)]
    first = ex.image.value
    ex.sliders["K"].value = 5
    assert drawn(ex.figure) == [(5, 250)] and ex.redraws == 2
    assert ex.image.value != first and bytes(ex.image.value).startswith(b"\x89PNG")
    ex.sliders["seed"].value = 2
    assert ex.redraws == 3 and "seed = 2" in ex.figure.axes[0].get_title()
    ex.sliders["K"].value = 1
    assert drawn(ex.figure) == [(1, 250)]


def test_compare_explorer_draws_both_methods_for_the_same_start():
    ex = widgets.compare_explorer(X, K=2, seed=1)
    assert drawn(ex.figure) == [(2, 250), (2, 250)]
    titles = [ax.get_title() for ax in ex.figure.axes]
    assert titles[0].startswith("K-means, K = 2, seed = 1") and titles[1].startswith("EM, K = 2, seed = 1")
    ex.sliders["K"].value = 4
    assert drawn(ex.figure) == [(4, 250), (4, 250)]


def test_em_steps_explorer_indexes_a_trace_computed_once(monkeypatch):
    calls = []
    real = widgets.em_trace
    monkeypatch.setattr(widgets, "em_trace", lambda *a: calls.append(1) or real(*a))
    cache = widgets.FitCache(X)
    ex = widgets.em_steps_explorer(X, K=3, seed=0, cache=cache)
    steps = cache.trace(3, 0)
    assert ex.sliders["step"].max == len(steps) - 1 == ex.sliders["step"].value
    assert len(calls) == 1
    before = ex.image.value
    ex.sliders["step"].value = 0
    assert drawn(ex.figure) == [(3, 250)] and "start" in ex.label.value
    ex.sliders["step"].value = 3  # iteration 2, E-step
    assert "iteration 2, E-step" in ex.label.value and ex.image.value != before
    ll_axes = ex.figure.axes[1]
    marker = ll_axes.lines[-1]
    assert marker.get_xdata()[0] == 2 and marker.get_ydata()[0] == pytest.approx(steps[3]["ll"])
    for value in (5, 1, 7):
        ex.sliders["step"].value = value
    assert len(calls) == 1, "moving the step slider never recomputes the run"
    # the last M-step is what naive_em.run returns
    final = steps[-1]
    mixture, _, ll = run(X, *init(X, 3, 0))
    np.testing.assert_array_equal(final["mixture"].mu, mixture.mu)
    assert final["ll"] == ll


def test_new_run_resets_the_step_slider_and_redraws_once():
    ex = widgets.em_steps_explorer(X, K=3, seed=0)
    ex.sliders["step"].value = 2
    n = ex.redraws
    ex.sliders["K"].value = 2
    steps = ex.sliders["step"]
    assert ex.redraws == n + 1
    assert steps.value == steps.max and drawn(ex.figure) == [(2, 250)]
    assert "K = 2" in ex.label.value


def test_failed_run_is_drawn_as_a_message():
    points = np.round(np.random.default_rng(0).normal(size=(12, 2)), 1)
    cache = widgets.FitCache(points)
    assert isinstance(cache.fit("naive_em", 4, 0), str)  # seed 0 collapses a component (see test_sweep)
    fig = widgets.fit_figure(cache, "naive_em", 4, 0)
    assert "no result" in fig.axes[0].get_title()
    assert "collapsed" in fig.axes[0].texts[0].get_text()
    steps = cache.trace(4, 0)
    assert steps[-1]["step"] == "collapsed"
    assert "M-step failed" in widgets.step_label(steps, len(steps) - 1)


def test_explorer_displays_its_widget():
    import ipywidgets

    ex = widgets.kmeans_explorer(X)
    assert isinstance(ex.widget, ipywidgets.VBox)
    assert ex.image in ex.widget.children


def test_explorer_is_one_output_the_widget_with_its_still_picture_as_fallback(monkeypatch):
    """One display, one output: the widget for JupyterLab, the PNG for a viewer without widgets (GitHub,
    nbconvert, an untrusted notebook), in the same bundle. No second output to clear when a slider moves."""
    import base64

    import IPython.display

    shown = []

    def fake_display(*objs, raw=False, display_id=None, **kwargs):
        shown.append((objs, raw, display_id))

    monkeypatch.setattr(IPython.display, "display", fake_display)
    ex = widgets.kmeans_explorer(X, K=3, seed=0)
    ex._ipython_display_()
    assert len(shown) == 1, "exactly one output"
    (bundle,), raw, display_id = shown[0]
    assert raw and display_id is None
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id
    assert bundle["text/plain"] == "[sliders: K = 3, seed = 0; run the notebook to move them]"
    png = base64.b64decode(bundle["image/png"])
    assert png == ex.image.value and png[:4] == b"\x89PNG"
    ex.sliders["K"].value = 4
    assert len(shown) == 1, "moving a slider redraws the widget's own picture, and displays nothing more"


def test_nbconvert_shows_the_still_picture_and_jupyterlab_the_widget():
    """nbconvert (as GitHub and nbviewer) skips a widget view whose state was not stored (tools/notebooks.py
    stores none) and shows the explorer's output as its PNG, once. (That a live JupyterLab shows the widget
    alone is checked in tests/test_browser.py.)"""
    import nbformat
    from nbconvert.exporters.html import HTMLExporter
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    ex = widgets.kmeans_explorer(X, K=3, seed=0)
    output = nbformat.v4.new_output("display_data", data=ex.mimebundle())
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("explorer", outputs=[output])])
    pick = WidgetsDataTypeFilter(notebook_metadata={"": nb.metadata}, config=HTMLExporter().default_config)
    assert pick(output["data"]) == ["image/png"]
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert html.count("<img ") == 1 and f'src="data:image/png;base64,{output["data"]["image/png"][:80]}' in html
    assert "application/vnd.jupyter.widget-view+json" not in html


# ----- a move's cost: pictures kept, and a message before a slow one -----

def _slow_explorer(seconds=0.3, **kwargs):
    """An Explorer of one slider whose draw takes ``seconds``; ``seen`` gets what the caption said as each draw
    began (the constructor's first draw included)."""
    import ipywidgets
    from matplotlib.figure import Figure

    seen, holder = [], {}

    def draw(K):
        seen.append(holder["ex"].label.value if "ex" in holder else "")
        time.sleep(seconds)
        fig = Figure(figsize=(2, 2))
        fig.add_subplot().set_title(f"K = {K}")
        return fig

    ex = widgets.Explorer(draw, {"K": ipywidgets.IntSlider(value=1, min=1, max=5)}, caption=lambda K: f"caption of K = {K}",
                          **kwargs)
    holder["ex"] = ex
    return ex, seen


def test_a_setting_seen_before_is_shown_at_once_with_the_same_picture():
    ex, _ = _slow_explorer(0.3)
    first_png, first_fig = ex.image.value, ex.figure
    ex.sliders["K"].value = 2
    assert ex.drawn == 2 and not ex.cached and ex.seconds >= 0.3
    second_png = ex.image.value
    ex.sliders["K"].value = 1  # back: kept
    assert ex.drawn == 2 and ex.cached and ex.seconds < 0.1, ex.seconds
    assert ex.image.value == first_png and ex.figure is first_fig
    assert ex.label.value == "caption of K = 1" and ex.redraws == 3
    ex.sliders["K"].value = 2
    assert ex.drawn == 2 and ex.image.value == second_png


def test_the_picture_cache_keeps_the_latest_settings():
    ex, _ = _slow_explorer(0.0, cache_size=2)
    for K in (2, 3, 1):  # 1 was dropped when 3 came (kept: 2, 3), then drawn again
        ex.sliders["K"].value = K
    assert ex.drawn == 4 and not ex.cached
    ex.sliders["K"].value = 3
    assert ex.drawn == 4 and ex.cached


def test_a_slow_setting_says_so_before_the_work_and_the_caption_comes_back():
    ex, seen = _slow_explorer(0.05, working=lambda K: f"fitting K = {K} <slowly>")
    ex.sliders["K"].value = 3
    assert "fitting K = 3 &lt;slowly&gt;" in seen[-1] and "&#8987;" in seen[-1], "the message was up as the work began"
    assert ex.label.value == "caption of K = 3"
    ex.sliders["K"].value = 1
    ex.sliders["K"].value = 3  # kept: nothing drawn, no message
    assert len(seen) == 2 and ex.label.value == "caption of K = 3"


def test_the_message_reaches_the_front_end_before_the_work(monkeypatch):
    """The label's new value is sent (a comm message, which ipykernel's IOPub thread delivers while the kernel
    works) before ``draw`` starts: the browser shows it at once."""
    import ipywidgets

    events = []
    real = ipywidgets.Widget.send_state

    def send_state(self, key=None):
        if isinstance(self, ipywidgets.HTML):
            events.append(("sent", self.value))
        return real(self, key)

    monkeypatch.setattr(ipywidgets.Widget, "send_state", send_state)
    ex, seen = _slow_explorer(0.0, working=lambda K: "working")
    events.clear()
    real_draw = ex.draw
    ex.draw = lambda **v: events.append(("draw",)) or real_draw(**v)
    ex.sliders["K"].value = 4
    kinds = [e[0] for e in events]
    first_draw = kinds.index("draw")
    assert any(e[0] == "sent" and "working" in e[1] for e in events[:first_draw]), events
    assert events[-1] == ("sent", "caption of K = 4")


def test_the_imaging_explorers_announce_a_new_setting_and_keep_their_pictures():
    from cfgmm_lib.imaging import figures as fg
    from cfgmm_lib.imaging.full_em import FullMixture

    truth = np.zeros((64, 64))
    truth[20:40, 20:40] = 1.0
    rng = np.random.default_rng(0)
    fits, labels = [], []

    def fit_prior(K, seed):
        fits.append((K, seed))
        labels.append(explorer["ex"].label.value if "ex" in explorer else "")
        mu = rng.normal(size=(K, 64)) * 0.01
        return FullMixture(mu, np.stack([np.eye(64) * 0.01] * K), np.full(K, 1 / K))

    explorer = {}
    ex = fg.prior_explorer(fit_prior, lambda prior: truth, truth, K=3, seed=0, K_max=6)
    explorer["ex"] = ex
    ex.sliders["K"].value = 4
    assert fits[-1] == (4, 0) and "K = 4, seed 0: fitting its prior by EM" in labels[-1]
    png = ex.image.value
    ex.sliders["K"].value = 3
    ex.sliders["K"].value = 4
    assert len(fits) == 2 and ex.cached and ex.image.value == png, "a prior seen before is neither fitted nor drawn"
