"""Figures and the explorer of notebook 08 (drawing only: every array comes from the other modules).

Introduced in ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..explorer import Explorer
from .eht_data import STATION_NAMES, Observation, station_indices
from .figures import coverage_panel, image_panel
from .vlbi import Coverage

__all__ = ["as_coverage", "coverage_figure", "amplitude_figure", "image_grid", "m87_explorer", "FONT"]

#: Every text of these figures is at least this size (points), for a projector.
FONT = 13


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def as_coverage(obs: Observation) -> Coverage:
    """The observation's (u, v) points as a ``vlbi.Coverage`` (station codes turned to 06's names)."""
    names = np.array([STATION_NAMES[c] for c in obs.stations])  # one per station, not per visibility
    a, b = station_indices(obs)
    return Coverage(obs.u, obs.v, names[a], names[b], np.full(len(obs.u), np.nan))


def coverage_figure(observations: dict, simulated: Coverage):
    """One (u, v) panel per observation, then notebook 06's simulated 12-hour night, same colours.

    Parameters
    ----------
    observations : dict of title to Observation
    simulated : Coverage
    """
    panels = list(observations.items()) + [("06's simulation (12 h, 8 stations)", simulated)]
    ncols = 3
    nrows = -(-len(panels) // ncols)
    fig = _figure(4.3 * ncols, 4.6 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    for ax, (title, what) in zip(axes, panels):
        cov = what if isinstance(what, Coverage) else as_coverage(what)
        coverage_panel(ax, cov)
        ax.set_title(f"{title}\n{len(cov.u)} points", fontsize=FONT)
        ax.xaxis.label.set_size(FONT), ax.yaxis.label.set_size(FONT)
        ax.tick_params(labelsize=FONT - 1)
    return fig


def amplitude_figure(obs: Observation, title: str):
    """Visibility amplitude against baseline length: the ring's Fourier signature (a null near 3.4 billion
    wavelengths, a second hump beyond). The short ALMA-APEX and JCMT-SMA baselines see the total flux
    (about 1.2 Jy, the extended jet included), the longer ones only the compact ring (0.6 Jy or less)."""
    fig = _figure(10, 5)
    ax = fig.add_subplot()
    r = np.hypot(obs.u, obs.v) / 1e9
    ax.errorbar(r, np.abs(obs.vis), yerr=obs.sigma, fmt=".", markersize=5, color="tab:blue", ecolor="0.7",
                elinewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("baseline length (billions of wavelengths)", fontsize=FONT)
    ax.set_ylabel("visibility amplitude (Jy)", fontsize=FONT)
    ax.set_title(title, fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)
    ax.grid(alpha=0.3)
    return fig


def image_grid(rows: dict, columns: list, captions: dict | None = None, *, size: float = 3.0):
    """Images in a grid: ``rows[row_name][k]`` is the image of column k (arrays (64, 64), Jy per pixel).

    ``captions[(row_name, k)]`` is printed under each title (e.g. the fit's chi-squares). Each image has
    its own brightness scale (the total flux is the same in all).
    """
    names = list(rows)
    fig = _figure(size * len(columns) + 0.6, (size + 0.75) * len(names))
    axes = np.atleast_2d(fig.subplots(len(names), len(columns), squeeze=False))
    for i, name in enumerate(names):
        for k, column in enumerate(columns):
            img = np.clip(rows[name][k], 0, None)
            caption = (captions or {}).get((name, k), "")
            image_panel(axes[i, k], img, f"{column}\n{caption}".strip(), labels=False, fontsize=FONT - 1)
        axes[i, 0].set_ylabel(name, fontsize=FONT)
        axes[i, 0].yaxis.set_visible(True)
    return fig


def m87_explorer(fits: Callable, files: list, priors: list, weights: list, file: str, prior: str,
                 weight: float, describe: Callable | None = None):
    """Sliders for the file (day and band), the prior and the prior's weight, redrawn from cached fits.

    ``fits(file, prior, weight) -> Fit`` (the caller caches them); ``describe(file, prior, weight) -> str``
    is shown under the sliders.
    """
    import ipywidgets as widgets

    for name, value, options in (("file", file, files), ("prior", prior, priors), ("weight", weight, weights)):
        if value not in list(options):  # the widget's own error names neither
            raise ValueError(f"{name} must be one of {name}s = {list(options)!r:.200}, got {value!r}")
    sliders = {
        "file": widgets.SelectionSlider(options=files, value=file, description="day, band", continuous_update=False,
                                        style={"description_width": "initial"},
                                        layout=widgets.Layout(width="380px", margin="0 24px 0 0")),
        "prior": widgets.ToggleButtons(options=priors, value=prior, description="prior",
                                       style={"button_width": "96px", "description_width": "initial"},
                                       layout=widgets.Layout(margin="0 24px 0 0")),
        "weight": widgets.SelectionSlider(options=weights, value=weight, description="prior's weight b",
                                          continuous_update=False, style={"description_width": "initial"},
                                          layout=widgets.Layout(width="320px")),
    }

    def draw(file, prior, weight):
        fit = fits(file, prior, weight)
        fig = _figure(5.6, 5.6)
        ax = fig.add_subplot()
        image_panel(ax, np.clip(fit.image, 0, None) * 1e3, "", fontsize=FONT)
        ax.set_title(f"{file}, {prior} prior" + (f", b = {weight:g}" if prior != "none" else "")
                     + f"\nchi2: closure phases {fit.chi2_cp:.2f}, log amplitudes {fit.chi2_lca:.2f}", fontsize=FONT)
        ax.xaxis.label.set_size(FONT), ax.yaxis.label.set_size(FONT)
        return fig

    def working(file, prior, weight):
        return f"{file}, {prior} prior" + (f", b = {weight:g}" if prior != "none" else "") + \
            ": imaging (a few seconds for a fit not made yet)"

    explorer = Explorer(draw, sliders, describe, working=working)
    explorer.widget.children[0].layout.flex_flow = "row wrap"  # on a narrow screen the controls wrap, whole
    return explorer
