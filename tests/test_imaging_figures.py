"""Notebook 06's figures and sliders redraw, and reuse what they computed (cfgmm_lib.imaging.figures)."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.common import NotConvergedWarning
from cfgmm_lib.imaging import figures as fg
from cfgmm_lib.imaging import full_em, synthetic, vlbi
from cfgmm_lib.imaging.reconstruct import HANDOUT_GAMMAS, Imager


def _short_fit(fit):
    """A fit cut short on purpose (a few iterations are enough here): it says so, with the package's warning."""
    with pytest.warns(NotConvergedWarning):
        return fit()


def test_step_slider_shows_each_step():
    truth = synthetic.black_hole(0)
    history = [truth * (k + 1) / 9 for k in range(9)]
    ex = fg.hqs_step_explorer(truth, history, HANDOUT_GAMMAS, np.zeros_like(truth))
    assert ex.redraws == 1 and "gamma = 512" in ex.figure.axes[1].get_title()
    ex.sliders["step"].value = 0
    assert ex.redraws == 2 and "start" in ex.figure.axes[1].get_title()


def test_array_slider_caches_each_array():
    truth = synthetic.black_hole(1)
    made = []

    def make_imager(hours, stations):
        made.append((hours, stations))
        cov = vlbi.coverage(list(stations), hours=hours, step_min=60)
        return cov, Imager(vlbi.forward_matrix(cov), np.tile(vlbi.thermal_sigma(cov) / synthetic.UNIT_JY, 2))

    cache = {}

    def cached(hours, stations):
        if (hours, stations) not in cache:
            cache[(hours, stations)] = make_imager(hours, stations)
        return cache[(hours, stations)]

    def observe(im, cov):
        return vlbi.observe(truth, im.F, vlbi.thermal_sigma(cov), seed=0).y

    ex = fg.array_explorer(cached, truth, observe, {"dirty": lambda im, y: im.dirty(y)}, ["ALMA", "LMT", "SMT"], 6,
                           caption=lambda hours, stations: f"{hours} h with {'+'.join(stations)}")
    assert "6 h, 3 stations" in ex.figure.axes[0].get_title()
    assert ex.label.value == "6 h with ALMA+LMT+SMT"
    ex.sliders["hours"].value = 3
    assert ex.label.value == "3 h with ALMA+LMT+SMT"  # the caption follows the sliders
    ex.sliders["hours"].value = 6
    assert made == [(6, ("ALMA", "LMT", "SMT")), (3, ("ALMA", "LMT", "SMT"))]
    ex.sliders["stations"].value = ("ALMA",)
    assert "at least two" in ex.figure.axes[0].texts[0].get_text()
    assert ex.label.value == "6 h with ALMA"


def test_components_and_gallery_figures_draw():
    rng = np.random.default_rng(0)
    fit = _short_fit(lambda: full_em.fit(rng.normal(size=(200, 64)), 3, seed=0, max_iter=2))
    fig = fg.components_figure(fit.mixture, "test")
    assert len(fig.axes) == 4 * 3
    truths = synthetic.black_holes([1, 2])
    scores = {"a": np.array([[0.5, 0.1], [0.6, 0.2]])}
    assert len(fg.gallery_figure(truths, {"a": truths}, scores).axes) == 4
    assert "0.550 ± 0.050" in fg.score_table(scores)


def test_a_baseline_keeps_its_colour_when_the_array_changes():
    from matplotlib.colors import to_hex
    from matplotlib.figure import Figure

    def colours(cov):
        ax = Figure().add_subplot()
        fg.coverage_panel(ax, cov)
        return {line.get_label(): to_hex(line.get_color()) for line in ax.lines if not line.get_label().startswith("_")}

    full = colours(vlbi.coverage(list(vlbi.STATIONS), hours=12))
    cov = vlbi.coverage(["APEX", "JCMT", "LMT", "PV", "SMA", "SMT"], hours=12)
    without_alma = colours(cov)
    # the same baselines written the other way round, (b, a) at (-u, -v): the same colours
    swapped = colours(cov._replace(station1=cov.station2, station2=cov.station1, u=-cov.u, v=-cov.v))
    assert len(full) == 21 and len(without_alma) == 15  # SPT never sees M87
    assert len(set(full.values())) == 21  # every baseline its own colour
    assert all(without_alma[pair] == full[pair] for pair in without_alma)
    assert {tuple(sorted(k.split("-"))): c for k, c in swapped.items()} == \
        {tuple(sorted(k.split("-"))): c for k, c in without_alma.items()}
    # a southern source: SPT's baselines show, each in a colour of its own too
    south = colours(vlbi.coverage(list(vlbi.STATIONS), hours=12, dec_deg=-60.0))
    assert any("SPT" in pair for pair in south) and len(set(south.values())) == len(south)
    with pytest.raises(ValueError, match="stations that vlbi.STATIONS does not have: KP"):
        fg.coverage_panel(Figure().add_subplot(), cov._replace(station1=np.where(cov.station1 == "APEX", "KP", cov.station1)))


def test_the_more_sensitive_of_two_coinciding_tracks_is_drawn_on_top():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    fg.coverage_panel(ax, vlbi.coverage(["ALMA", "APEX", "JCMT", "LMT", "SMA", "SMT"], hours=12))
    z = {line.get_label(): line.get_zorder() for line in ax.lines if not line.get_label().startswith("_")}
    # ALMA's SEFD is 90 Jy, APEX's 3500; SMA's 4900, JCMT's 6000: the first of each pair on top
    for partner in ("JCMT", "LMT", "SMA", "SMT"):
        assert z[f"ALMA-{partner}"] > z[f"APEX-{partner}"], partner
    for partner in ("LMT", "SMT"):
        assert z[f"{partner}-SMA" if partner < "SMA" else f"SMA-{partner}"] > z[f"JCMT-{partner}"], partner
