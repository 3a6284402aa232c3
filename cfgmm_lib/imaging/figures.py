"""Figures and sliders of notebook 06 (drawing only: every array comes from the other modules).

Each function returns a matplotlib ``Figure``; the explorers wire ipywidgets to them through
``cfgmm_lib.widgets.Explorer``, which keeps each picture drawn (a setting seen before is shown at once)
and says under the sliders what a new setting costs while it is computed; the callers cache what is
slow (an observation's solver and weights, a prior's fit).

Introduced in ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from itertools import combinations
from typing import Callable

import numpy as np

from ..core.validation import check_scalar
from ..explorer import Explorer
from ..widgets import check_K_seed
from .scores import nxcorr
from .synthetic import FOV_UAS
from .vlbi import SEFD, STATIONS

__all__ = ["coverage_figure", "measurement_figure", "learning_figure", "components_figure", "hqs_steps_figure",
           "gallery_figure", "score_table", "kind_table", "array_explorer", "hqs_step_explorer", "prior_explorer"]

_EXTENT = [FOV_UAS / 2, -FOV_UAS / 2, -FOV_UAS / 2, FOV_UAS / 2]  # east on the left, as on the sky
CMAP = "afmhot"


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def image_panel(ax, image, title: str = "", *, labels: bool = True, vmax: float | None = None,
                fontsize: float = 10, scale_bar: float | None = None) -> None:
    """One sky image, east on the left, axes in micro-arcseconds.

    Pixels below zero (which no sky has, and which a linear reconstruction can make) are drawn in blue,
    more opaque the more negative (relative to the panel's brightest value), rather than clipped to
    black with the empty sky. ``scale_bar`` (in
    micro-arcseconds) draws a bar of that length in the lower left, for panels without axes.
    """
    from matplotlib.colors import to_rgba

    image = np.asarray(image, dtype=float)
    ax.imshow(image, cmap=CMAP, extent=_EXTENT, origin="upper", vmin=0, vmax=vmax)
    if (image < 0).any():
        top = vmax if vmax else np.abs(image).max()
        blue = np.zeros(image.shape + (4,))
        blue[...] = to_rgba("#4a8ef0")
        blue[..., 3] = np.clip(-2 * image / top, 0, 0.9)  # a dip of 45 % of the scale's top is fully blue
        ax.imshow(blue, extent=_EXTENT, origin="upper")
    if scale_bar:
        x0, y0 = _EXTENT[0] - 0.08 * FOV_UAS, _EXTENT[2] + 0.08 * FOV_UAS  # east is on the left: x decreases
        ax.plot([x0, x0 - scale_bar], [y0, y0], color="white", linewidth=3, solid_capstyle="butt")
        ax.text(x0 - scale_bar / 2, y0 + 0.03 * FOV_UAS, f"{scale_bar:g} µas", color="white", ha="center",
                va="bottom", fontsize=fontsize)
    ax.set_title(title, fontsize=fontsize)
    if labels:
        ax.set_xlabel("east offset (µas)")
        ax.set_ylabel("north offset (µas)")
    else:
        ax.set_xticks([]), ax.set_yticks([])


@lru_cache(maxsize=1)
def _baseline_colors() -> dict:
    """One colour per pair of the EHT's stations, whichever stations take part: a baseline keeps its
    colour when the array changes (the array explorer), so what a station brought is what vanishes.
    The 28 pairs get 28 colours: black, tab20, then the darker shades of tab20b."""
    from matplotlib import colormaps

    tab20, tab20b = colormaps["tab20"], colormaps["tab20b"]
    palette = ["k"] + [tab20(i) for i in range(20)] + [tab20b(i) for i in (0, 4, 8, 12, 16, 2, 10)]
    pairs = list(combinations(sorted(STATIONS), 2))
    assert len(palette) >= len(pairs)
    return dict(zip(pairs, palette))


def _check_coverage_stations(cov) -> None:
    unknown = sorted((set(cov.station1) | set(cov.station2)) - set(STATIONS))
    if unknown:
        raise ValueError(f"cov names stations that vlbi.STATIONS does not have: {', '.join(map(str, unknown))} "
                         f"(it has {', '.join(STATIONS)})")


def coverage_panel(ax, cov) -> None:
    """The (u, v) points and their mirror images (-u, -v), one colour per baseline, in billions of wavelengths.

    Co-located stations (ALMA and APEX, JCMT and SMA) draw the same tracks with other partners: the
    more sensitive baseline (lower ``sqrt(SEFD_a SEFD_b)``) is drawn on top, so ALMA's show.
    """
    _check_coverage_stations(cov)
    pairs = sorted(set(zip(cov.station1, cov.station2)))
    noise = {pair: np.sqrt(SEFD[pair[0]] * SEFD[pair[1]]) for pair in pairs}
    on_top = {pair: rank for rank, pair in enumerate(sorted(pairs, key=lambda pair: -noise[pair]))}
    for a, b in pairs:  # the legend in alphabetical order, the drawing order by sensitivity
        color, z = _baseline_colors()[tuple(sorted((a, b)))], 2 + on_top[(a, b)] / len(pairs)
        k = (cov.station1 == a) & (cov.station2 == b)
        ax.plot(cov.u[k] / 1e9, cov.v[k] / 1e9, ".", color=color, markersize=3, label=f"{a}-{b}", zorder=z)
        ax.plot(-cov.u[k] / 1e9, -cov.v[k] / 1e9, ".", color=color, markersize=3, zorder=z)
    lim = 9.0
    ax.set_xlim(lim, -lim), ax.set_ylim(-lim, lim)  # u grows to the east (left), as the image does
    ax.set_aspect("equal")
    ax.set_xlabel("u (billions of wavelengths)")
    ax.set_ylabel("v (billions of wavelengths)")
    ax.grid(alpha=0.3)


def coverage_figure(cov, title: str = ""):
    fig = _figure(6.5, 5.5)
    ax = fig.add_subplot()
    coverage_panel(ax, cov)
    ax.legend(fontsize=7, ncol=1, loc="center left", bbox_to_anchor=(1.02, 0.5), markerscale=3)
    ax.set_title(title or f"(u, v) coverage: {len(cov.u)} visibilities", fontsize=11)
    return fig


def measurement_figure(cov, truth, dirty, caption: str = ""):
    """(u, v) coverage, the true image and the dirty image, side by side."""
    fig = _figure(15, 4.8)
    axes = fig.subplots(1, 3)
    coverage_panel(axes[0], cov)
    axes[0].set_title(f"(u, v) coverage: {len(cov.u)} visibilities\n{caption}", fontsize=10)
    image_panel(axes[1], truth, "truth")
    image_panel(axes[2], dirty, "dirty image F^T R^-1 y, scaled (negatives in blue)")
    return fig


def learning_figure(lls: dict, n: dict):
    """Log-likelihood per patch at each EM iteration, one line per prior."""
    from matplotlib.ticker import MaxNLocator

    fig = _figure(6.5, 4)
    ax = fig.add_subplot()
    palette = ("C3", "C0", "C1", "C2", "C4", "C5", "C6", "C7", "C8", "C9")  # zip with two colours drew two priors
    for (name, ll), color in zip(lls.items(), palette * (1 + len(lls) // len(palette))):
        ax.plot(np.arange(1, len(ll) + 1), np.asarray(ll) / n[name], "o-", markersize=3, color=color, label=name)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("log-likelihood per patch")
    ax.set_title("EM climbs: the same loop as notebook 02, with full covariances", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def components_figure(mixture, title: str, n_eig: int = 3):
    """Each component (columns, heaviest first): its mean and its ``n_eig`` leading covariance directions.

    A direction is the eigenvector times the square root of its eigenvalue (one standard deviation),
    all on one grey scale, so larger contrast means more variance.
    """
    mu, cov, p = mixture
    K, d = mu.shape
    n_eig = check_scalar(n_eig, "n_eig", int, low=0, high=d)  # a patch of d pixels has d directions
    s = int(round(np.sqrt(d)))
    order = np.argsort(p)[::-1]
    vals, vecs = np.linalg.eigh(cov)  # ascending
    rows = [mu[order]] + [(vecs[order, :, -1 - e] * np.sqrt(vals[order, -1 - e])[:, None]) for e in range(n_eig)]
    lim = max(np.abs(r).max() for r in rows)
    fig = _figure(max(6.0, 0.62 * K + 1.2), 0.75 * (n_eig + 1) + 0.7)
    axes = fig.subplots(n_eig + 1, K, squeeze=False)
    for i, row in enumerate(rows):
        for j in range(K):
            ax = axes[i, j]
            ax.imshow(row[j].reshape(s, s), cmap="gray", vmin=-lim, vmax=lim)
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(f"{p[order[j]]:.2f}", fontsize=10)
        axes[i, 0].set_ylabel("mean" if i == 0 else f"dir. {i}", fontsize=10)
    fig.suptitle(f"{title}: weight above each component; rows: mean, then its leading directions", fontsize=10)
    return fig


def _check_history(history, gammas) -> None:
    """HQS's images, one after each gamma: ``zip`` would drop the extra ones of the longer list without a word."""
    if len(history) != len(gammas):
        raise ValueError(f"history and gammas must have one length (one image after each gamma), got "
                         f"{len(history)} images and {len(gammas)} gammas")


def hqs_steps_figure(truth, history, gammas, start=None):
    """The truth, then the HQS image after each gamma of the schedule (``history[k]`` after ``gammas[k]``)."""
    _check_history(history, gammas)
    panels = [("truth", truth)] + ([("start (z = 0)", start)] if start is not None else []) + \
        [(f"gamma = {g:g}", x) for g, x in zip(gammas, history)]
    cols = 6
    rows = -(-len(panels) // cols)
    fig = _figure(2.3 * cols, 2.5 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    vmax = truth.max()
    for ax, (name, img) in zip(axes, panels):
        image_panel(ax, np.clip(img, 0, None), name, labels=False, vmax=vmax)
    for ax in axes[len(panels):]:
        ax.axis("off")
    return fig


def gallery_figure(truths, recons: dict, scores: dict, row_labels=None):
    """Rows: test images; columns: the truth and each method, titled with its nxcorr.

    Every image shares the truth's brightness scale, except the dirty image (its own). Text is
    12 pt on panels 2 inches wide, so six columns fit a 12-inch figure.

    Parameters
    ----------
    truths : array of shape (n, H, W)
    recons : dict of name to array of shape (n, H, W)
    scores : dict of name to array of shape (n, 2)
        ``scores[name][i, 0]`` is image i's nxcorr (``score_table``'s layout).
    row_labels : sequence of n str, optional
        Written beside each row (e.g. the kind of source).
    """
    n = len(truths)
    cols = 1 + len(recons)
    fig = _figure(2.0 * cols + (0.3 if row_labels is not None else 0), 2.05 * n + 0.9)
    axes = fig.subplots(n, cols, squeeze=False)
    for i, truth in enumerate(truths):
        image_panel(axes[i, 0], truth, "truth" if i == 0 else "", labels=False, vmax=truth.max(), fontsize=12,
                    scale_bar=40.0)
        if row_labels is not None:
            axes[i, 0].set_ylabel(row_labels[i], fontsize=12)
        for j, (name, imgs) in enumerate(recons.items(), start=1):
            own = name.startswith("dirty")  # its peak is far below the truth's: shown on its own scale
            head = _header(f"{name}{' (own scale)' if own else ''}") + "\n" if i == 0 else ""
            image_panel(axes[i, j], imgs[i], f"{head}nxcorr {scores[name][i, 0]:.2f}", labels=False,
                        vmax=None if own else truth.max(), fontsize=12, scale_bar=40.0)
    caption = (f"each panel: the {FOV_UAS:g} µas field (bar: 40 µas), east to the left, north up; "
               "negative pixels in blue")
    fig.supxlabel(textwrap.fill(caption, int(fig.get_figwidth() * 72 / 7.5)), fontsize=12)
    return fig


def _header(name: str, width: int = 17) -> str:
    """A column's name on lines of at most ``width`` characters, broken after a comma and before a bracket first."""
    parts = name.replace(", ", ",\n").replace(" (", "\n(").split("\n")
    return "\n".join(textwrap.fill(part, width) for part in parts)


def score_table(scores: dict) -> str:
    """A plain-text table: mean (and spread) of nxcorr and normalised RMSE per method.

    ``scores[name]`` is an array of shape (n, 2): each image's nxcorr and normalised RMSE.
    """
    lines = [f"{'method':<34} {'nxcorr':>14} {'normalised RMSE':>18}"]
    for name, s in scores.items():
        lines.append(f"{name:<34} {s[:, 0].mean():>7.3f} ± {s[:, 0].std():.3f} {s[:, 1].mean():>10.3f} ± {s[:, 1].std():.3f}")
    return "\n".join(lines)


def kind_table(scores: dict, kinds: dict) -> str:
    """A plain-text table of means per kind of image: nxcorr, with the normalised RMSE in brackets.

    Parameters
    ----------
    scores : dict of method name to array of shape (n, 2)
        Each image's nxcorr and normalised RMSE.
    kinds : dict of kind name to index array (or slice) into the n images
        One column per kind, in this order.
    """
    width = max(15, *(len(k) + 2 for k in kinds))
    lines = [f"{'method':<34}" + "".join(f"{k:>{width}}" for k in kinds)]
    for name, s in scores.items():
        cells = (f"{s[idx, 0].mean():.3f} ({s[idx, 1].mean():.2f})" for idx in kinds.values())
        lines.append(f"{name:<34}" + "".join(f"{c:>{width}}" for c in cells))
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Sliders
# --------------------------------------------------------------------------

def _int_slider(description: str, lo: int, hi: int, value: int):
    import ipywidgets as widgets

    return widgets.IntSlider(value=value, min=lo, max=hi, step=1, description=description, continuous_update=False)


def array_explorer(make_imager: Callable, truth, observe: Callable, reconstruct: dict, stations, hours: int,
                   caption: Callable | None = None):
    """Sliders for the hours of observation and toggles for the stations; redraws coverage and reconstructions.

    Parameters
    ----------
    make_imager : callable
        ``make_imager(hours, stations) -> (coverage, imager)`` (cached by the caller).
    truth : array of shape (64, 64)
    observe : callable
        ``observe(imager, coverage) -> y``.
    reconstruct : dict of name to callable
        ``f(imager, y) -> image``, e.g. dirty, Tikhonov, HQS.
    stations : list of str
    hours : int
    caption : callable, optional
        ``caption(hours, stations) -> str``, shown under the sliders (e.g. the weights used).
    """
    import ipywidgets as widgets

    hours = check_scalar(hours, "hours", int, low=1, high=24)  # the slider's range: it would clamp 30 to 24
    if not isinstance(reconstruct, dict):
        raise TypeError(f"reconstruct must be a dict of name to f(imager, y), got {type(reconstruct).__name__}")

    sliders = {
        "hours": _int_slider("hours", 1, 24, hours),
        "stations": widgets.SelectMultiple(options=list(stations), value=tuple(stations), description="stations",
                                           rows=len(stations)),
    }

    def draw(hours, stations):
        fig = _figure(3.6 * (1 + len(reconstruct)) + 1, 3.9)
        axes = fig.subplots(1, 1 + len(reconstruct), squeeze=False)[0]
        if len(stations) < 2:
            axes[0].text(0.5, 0.5, "choose at least two stations", ha="center", transform=axes[0].transAxes)
            return fig
        cov, imager = make_imager(hours, tuple(stations))
        coverage_panel(axes[0], cov)
        seeing = len(set(cov.station1) | set(cov.station2))
        axes[0].set_title(f"{hours} h, {len(stations)} stations ({seeing} see M87): {len(cov.u)} points", fontsize=10)
        if len(cov.u) == 0:
            return fig
        y = observe(imager, cov)
        for ax, (name, f) in zip(axes[1:], reconstruct.items()):
            img = f(imager, y)
            own = name.startswith("dirty")  # its peak is far below the truth's: shown on its own scale
            image_panel(ax, np.clip(img, 0, None), f"{name}{' (own scale)' if own else ''}: nxcorr {nxcorr(img, truth):.2f}",
                        labels=False, vmax=None if own else truth.max())
        return fig

    def working(hours, stations):
        if len(stations) < 2:
            return None
        return (f"computing {hours} h with {len(stations)} stations: its coverage, its weights and its images "
                "(several seconds for an array not seen yet)")

    return Explorer(draw, sliders, caption, working=working)


def hqs_step_explorer(truth, history, gammas, start):
    """A slider over HQS's steps: ``start`` (step 0), then the image after each gamma, beside the truth."""
    _check_history(history, gammas)

    def draw(step):
        fig = _figure(8, 4.2)
        a, b = fig.subplots(1, 2)
        image_panel(a, truth, "truth", vmax=truth.max())
        img = start if step == 0 else history[step - 1]
        name = "start (z = 0)" if step == 0 else f"after gamma = {gammas[step - 1]:g}"
        image_panel(b, np.clip(img, 0, None), f"{name}: nxcorr {nxcorr(img, truth):.3f}", vmax=truth.max())
        return fig

    return Explorer(draw, {"step": _int_slider("HQS step", 0, len(history), len(history))})


def prior_explorer(fit_prior: Callable, reconstruct: Callable, truth, K: int, seed: int, K_max: int = 30,
                   seeds=range(5)):
    """Sliders for the prior's K and seed: its components and the HQS image it gives (fits cached by the caller).

    ``fit_prior(K, seed) -> FullMixture``; ``reconstruct(prior) -> image``. ``K_max``, ``seeds``, ``K`` and
    ``seed`` are checked with ``widgets.check_K_seed``.
    """
    K_max, seeds, K, seed = check_K_seed(K_max, seeds, K, seed)

    def draw(K, seed):
        prior = fit_prior(K, seed)
        img = reconstruct(prior)
        fig = _figure(13, 3.8)
        left, right = fig.subfigures(1, 2, width_ratios=[3, 1])
        mu, cov, p = prior
        order = np.argsort(p)[::-1][:min(K, 12)]
        vals, vecs = np.linalg.eigh(cov[order])
        lead = vecs[:, :, -1] * np.sqrt(vals[:, -1])[:, None]
        lim = np.abs(lead).max()
        s = int(round(np.sqrt(mu.shape[1])))
        cols = 6
        axes = left.subplots(2, cols).ravel()
        for ax in axes:
            ax.set_xticks([]), ax.set_yticks([])
        for ax, v, c in zip(axes, lead, order):
            ax.imshow(v.reshape(s, s), cmap="gray", vmin=-lim, vmax=lim)
            ax.set_title(f"weight {p[c]:.2f}", fontsize=10)
        left.suptitle(f"K = {K}, seed {seed}: leading direction of the {len(order)} heaviest components", fontsize=10)
        ax = right.add_subplot()
        image_panel(ax, np.clip(img, 0, None), f"HQS: nxcorr {nxcorr(img, truth):.3f}", labels=False, vmax=truth.max())
        return fig

    def working(K, seed):
        return f"K = {K}, seed {seed}: fitting its prior by EM and imaging with it (a few seconds for a new fit)"

    return Explorer(draw, {"K": _int_slider("K", 1, K_max, K), "seed": _int_slider("seed", min(seeds), max(seeds), seed)},
                    working=working)
