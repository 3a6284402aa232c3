"""Figures of notebook 05's evaluation (drawing only: every number comes from the other modules).

Each function returns a matplotlib ``Figure`` sized for a projector: 12-point text or more,
labelled axes, one colour per family of models in every panel (``FAMILY_COLORS``).

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FAMILY_COLORS", "READABLE", "family", "readable", "intervals_figure", "reliability_figure",
           "user_figure", "ranking_figure", "weights_figure"]

#: One colour per family of models, the same in every figure of notebook 05.
FAMILY_COLORS = {"average": "#4c72b0", "neighbours": "#dd8452", "mixture": "#c44e52", "factorisation": "#55a868",
                 "blend": "#8172b2", "external": "#7f7f7f"}

#: How each model is named in notebook 05's figures.
READABLE = {"global_mean": "global mean", "user_mean": "each user's mean", "movie_mean": "each movie's mean",
            "bias_baseline": "bias baseline (mean + user + movie)", "item_neighbours": "similar movies (item kNN)",
            "course_mixture": "the course's mixture",
            "partition_mixture": "course mixture, partition start",
            "bias_aware_mixture": "mixture on bias residuals",
            "bias_aware_partition_mixture": "mixture on residuals, partition start",
            "matrix_factorization": "matrix factorisation (ALS)", "neural": "network",
            "neural_implicit": "network + implicit feedback", "blend": "blend of all the models"}


def family(name: str) -> str:
    """"average", "neighbours", "mixture", "factorisation", "blend" or "external" (a library's model: "surprise SVD")."""
    if " " in name:
        return "external"
    if name in ("blend", "item_neighbours"):
        return {"blend": "blend", "item_neighbours": "neighbours"}[name]
    if "mixture" in name:
        return "mixture"
    if name in ("matrix_factorization", "neural", "neural_implicit"):
        return "factorisation"
    return "average"


def readable(name: str) -> str:
    return READABLE.get(name, name)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _style(ax, fontsize: float = 12) -> None:
    ax.tick_params(labelsize=fontsize)
    ax.grid(alpha=0.3)


def intervals_figure(rows: list, title: str, xlabel: str = "held-out RMSE (lower is better)"):
    """Each model's mean held-out RMSE over the splits with its interval, best at the top.

    Parameters
    ----------
    rows : list of (name, {"mean", "low", "high"})
        Project models by their ``MODELS`` names, external ones by "library Model".
    title, xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = sorted(rows, key=lambda r: -r[1]["mean"])
    fig = _figure(11, 0.42 * len(rows) + 1.6)
    ax = fig.add_subplot()
    for i, (name, s) in enumerate(rows):
        color = FAMILY_COLORS[family(name)]
        ax.plot([s["low"], s["high"]], [i, i], color=color, linewidth=4, solid_capstyle="butt")
        ax.plot(s["mean"], i, "o", color=color, markersize=7, markeredgecolor="white")
        ax.text(s["high"] + 0.003, i, f"{s['mean']:.4f}", va="center", fontsize=12)
    ax.set_yticks(range(len(rows)), [readable(n) for n, _ in rows])
    lo = min(s["low"] for _, s in rows)
    hi = max(s["high"] for _, s in rows)
    ax.set_xlim(lo - 0.01, hi + 0.035)
    ax.set_xlabel(xlabel, fontsize=12)
    ax.set_title(title, fontsize=13)
    _style(ax)
    from matplotlib.lines import Line2D

    fams = []
    for name, _ in rows:
        if family(name) not in fams:
            fams.append(family(name))
    ax.legend([Line2D([], [], color=FAMILY_COLORS[f], linewidth=4) for f in fams],
              [{"external": "other libraries"}.get(f, f) for f in fams], fontsize=12, loc="upper right")
    return fig


def reliability_figure(levels, shares: dict):
    """Nominal level of the central predictive intervals against the share of held-out ratings inside.

    Parameters
    ----------
    levels : array of shape (L,)
    shares : dict of model name -> array of shape (L,)
        ``uncertainty.coverage`` at each level.
    """
    fig = _figure(6.5, 5.2)
    ax = fig.add_subplot()
    levels = np.asarray(levels)
    ax.plot([0, 1], [0, 1], color="black", linewidth=1, linestyle="--", label="perfectly calibrated")
    styles = ["o-", "s--", "^-.", "d:"]
    shades = ["#c44e52", "#7a1f22", "#e8a0a2", "#4a0d0f"]  # the mixtures' red, then darker and paler ones
    for k, (name, share) in enumerate(shares.items()):
        color = shades[k % len(shades)] if family(name) == "mixture" else FAMILY_COLORS[family(name)]
        ax.plot(levels, share, styles[k % len(styles)], color=color, label=readable(name), markersize=6)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("nominal level of the central interval", fontsize=12)
    ax.set_ylabel("share of hidden ratings inside", fontsize=12)
    ax.set_title("are the mixture's intervals honest?", fontsize=13)
    ax.legend(fontsize=12, loc="upper left")
    _style(ax)
    return fig


def user_figure(mean, low50, high50, low90, high90, truth, title: str):
    """One user's hidden ratings: the predictive mean with its 50 % and 90 % intervals, and the true rating.

    Parameters
    ----------
    mean, low50, high50, low90, high90, truth : arrays of shape (m,)
        Sorted as they should be drawn (left to right).
    """
    m = len(mean)
    fig = _figure(11, 4.6)
    ax = fig.add_subplot()
    x = np.arange(m)
    color = FAMILY_COLORS["mixture"]
    ax.vlines(x, low90, high90, color=color, alpha=0.35, linewidth=8, label="90 % interval")
    ax.vlines(x, low50, high50, color=color, alpha=0.9, linewidth=8, label="50 % interval")
    ax.plot(x, mean, "_", color="black", markersize=14, markeredgewidth=2, label="predictive mean")
    ax.plot(x, truth, "k*", markersize=12, label="the hidden rating")
    ax.set_xticks(x, [str(i + 1) for i in x])
    ax.set_ylim(0.5, 5.5)
    ax.set_xlabel("the user's hidden ratings, by predicted mean", fontsize=12)
    ax.set_ylabel("stars", fontsize=12)
    ax.set_title(title, fontsize=13)
    ax.legend(fontsize=12, loc="lower right", ncol=4)
    _style(ax)
    return fig


def ranking_figure(random: dict, gaps: dict, names: list):
    """Each model's mean RMSE on the random splits and on the gap-shaped splits, a line per model.

    Parameters
    ----------
    random, gaps : dict of model name -> float
    names : list of str
        The models to draw.
    """
    fig = _figure(9.5, 6.5)
    ax = fig.add_subplot()
    for name in names:
        color = FAMILY_COLORS[family(name)]
        ax.plot([0, 1], [random[name], gaps[name]], "o-", color=color, linewidth=2)
        ax.text(1.04, gaps[name], readable(name), va="center", fontsize=12, color=color)
    ax.set_xticks([0, 1], ["random split", "gap-shaped split"])
    ax.set_xlim(-0.15, 2.1)
    ax.set_ylabel("mean held-out RMSE (lower is better)", fontsize=12)
    ax.set_title("when the test falls where the gaps are", fontsize=13)
    _style(ax)
    _spread_labels(ax, fontsize=12)
    return fig


def _spread_labels(ax, fontsize: float) -> None:
    """Move the right-hand labels apart vertically so that none overlaps the next."""
    texts = sorted(ax.texts, key=lambda t: t.get_position()[1])
    lo, hi = ax.get_ylim()
    step = (hi - lo) * fontsize / 12 * 0.045
    last = -np.inf
    for t in texts:
        x, y0 = t.get_position()
        y = max(y0, last + step)
        t.set_position((x, y))
        if y != y0:  # a thin leader from the line's end to its moved label
            ax.plot([1.0, x - 0.01], [y0, y], color=t.get_color(), linewidth=0.8, alpha=0.6)
        last = y
    if last > hi:
        ax.set_ylim(lo, last + step)


def weights_figure(weights: dict, intercept: float):
    """The blend's weight of each model (fitted on the validation ratings)."""
    names = sorted(weights, key=lambda n: weights[n])
    fig = _figure(10, 0.45 * len(names) + 1.6)
    ax = fig.add_subplot()
    ax.barh([readable(n) for n in names], [weights[n] for n in names],
            color=[FAMILY_COLORS[family(n)] for n in names])
    ax.axvline(0, color="black", linewidth=1)
    ax.set_xlabel(f"weight in the blend (intercept {intercept:+.2f} stars)", fontsize=12)
    ax.set_title("the blend leans on a few models, and corrects with the rest", fontsize=13)
    _style(ax)
    return fig
