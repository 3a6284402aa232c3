"""The course's arc diagram (``plot``), and the glue that shows it in a script or a notebook.

``common.plot`` is this ``plot`` (the handout puts ``plot`` in ``common.py``). Introduced in
``notebooks/01_kmeans.py``.
"""

from __future__ import annotations

import sys

import numpy as np

from .core.mixture import GaussianMixture
from .core.model_checks import check_mixture, check_post
from .core.validation import check_matrix

__all__ = ["plot", "COURSE_COLORS", "component_colors"]


#: The course's six colours, used in this order before a colour map takes over.
COURSE_COLORS = ("r", "b", "k", "y", "m", "c")


def component_colors(K: int) -> list:
    """Colours for K components: the course's six, then ``tab20`` for the rest."""
    from matplotlib import colormaps

    colors = list(COURSE_COLORS[:K])
    if K > len(COURSE_COLORS):
        cmap = colormaps["tab20"]
        colors += [cmap(i % cmap.N) for i in range(K - len(COURSE_COLORS))]
    return colors


def _arc_segments(X: np.ndarray, post: np.ndarray, radius: float, n_vertices: int = 24):
    """Polylines of the per-point pies: arc j of point i spans ``post[i, j] * 360`` degrees.

    Returns an array of shape (n * K, n_vertices, 2) and the component index of each arc.
    """
    n, K = post.shape
    total = post.sum(axis=1, keepdims=True)
    frac = np.divide(post, total, out=np.full_like(post, 1.0 / K), where=total > 0)
    ends = np.cumsum(frac, axis=1) * 2 * np.pi  # (n, K)
    starts = ends - frac * 2 * np.pi
    t = np.linspace(0.0, 1.0, n_vertices)
    theta = starts[..., None] + (ends - starts)[..., None] * t  # (n, K, n_vertices)
    xy = np.stack([np.cos(theta), np.sin(theta)], axis=-1) * radius + X[:, None, None, :]
    return xy.reshape(n * K, n_vertices, 2), np.tile(np.arange(K), n)


#: Backends that cannot show a window: ``plot`` never hands them a figure to show.
_NON_INTERACTIVE = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (where a returned figure is displayed as the cell's result)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def _ensure_figures_display() -> None:
    """In a kernel, make sure a returned ``Figure`` displays as an image, not as ``<Figure size ...>``.

    The inline backend registers that formatter only once pyplot or ``%matplotlib inline`` has
    run; a learner's notebook may have done neither. An existing formatter is left alone.
    """
    from matplotlib.figure import Figure

    shell = sys.modules["IPython"].get_ipython()
    try:
        shell.display_formatter.formatters["image/png"].lookup_by_type(Figure)
    except KeyError:
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"png"})


def _course_show_wanted() -> bool:
    """The course's ``plot`` path: a script (no kernel) with a backend that can show windows."""
    if _in_kernel():
        return False
    import matplotlib

    backend = str(matplotlib.get_backend()).lower()
    return backend not in _NON_INTERACTIVE and "inline" not in backend


def plot(X, mixture: GaussianMixture, post, title: str = "", *, ax=None, lim=None, points: str = "arcs",
         show: bool | None = None):
    """Draw the course's arc diagram of a 2-D mixture and return its figure.

    Each point gets a small pie of arcs, one per component, the arc's angle
    proportional to ``post[i, j]``; each component gets a circle of radius
    ``sqrt(var[j])`` around ``mu[j]``, labelled with its mean and standard
    deviation.

    Parameters
    ----------
    X : array of shape (n, 2)
    mixture : GaussianMixture
        ``mu`` of shape (K, 2), ``var`` and ``p`` of shape (K,).
    post : array of shape (n, K)
        Soft (or one-hot) assignments.
    title : str
    ax : matplotlib Axes, optional
        Draw here; by default a new ``Figure`` (not registered with pyplot) is made.
    lim : (float, float) or "data", optional
        Limits of both axes. By default the course's ``(-20, 20)`` when the
        points and circles fit inside it, otherwise limits that fit the data;
        ``"data"`` always fits the data (a closer look).
    points : {"arcs", "certainty"}, default "arcs"
        ``"arcs"``: the course's pies. ``"certainty"``: each point a dot in the
        colour of its most probable component, its area proportional to the
        square of that probability, so that the points a mixture is unsure of
        shrink (readable on a projector, as in the Python Data Science
        Handbook's mixture chapter).
    show : bool, optional
        ``None`` (default) behaves as the course's ``plot`` where that matters
        and stays pure elsewhere:

        - in a script (``python main.py``, no Jupyter kernel), with no ``ax``
          and a backend that can open windows, the figure is made with pyplot
          and ``plt.show()`` is called, as the course's ``plot`` does (so a
          learner's ``main.py`` sees each figure);
        - in a notebook, nothing is shown here: the returned figure is
          displayed once, as the cell's result;
        - in a script with a non-interactive backend (Agg: a headless machine,
          CI), nothing is shown; the figure is registered with pyplot when the
          script uses pyplot, so that its ``plt.savefig(...)`` right after the
          call saves this figure, as with the course's ``plot``;
        - with ``ax``, nothing is made, shown or registered.

        ``True`` shows it now (in a notebook: ``display(fig)``, for a figure
        made inside a loop, which is not a cell's result); ``False`` never shows.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Notes
    -----
    Introduced in ``notebooks/01_kmeans.py``.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle

    X = check_matrix(X)
    n, d = X.shape
    if d != 2:
        raise ValueError(f"plot draws 2-D points; X has d = {d} columns")
    mixture = check_mixture(mixture, d, zero_variance=True)
    K = mixture.mu.shape[0]
    post = check_post(post, n, K)

    if show is not None and not isinstance(show, (bool, np.bool_)):
        raise TypeError(f"show must be True, False or None, got {show!r}")
    course = show is None and _course_show_wanted()  # the course's plt.show()
    # a headless script that uses pyplot finds the figure with plt.gcf() / plt.savefig(), as the course's
    pyplot = ax is None and not _in_kernel() and (
        show or course or (show is None and "matplotlib.pyplot" in sys.modules))
    if ax is None:
        if pyplot:
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(6, 6))
        else:
            if _in_kernel():
                _ensure_figures_display()
            fig = Figure(figsize=(6, 6))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    colors = component_colors(K)
    sigma = np.sqrt(mixture.var)

    if lim is None or (isinstance(lim, str) and lim == "data"):
        lo = min(X.min(), (mixture.mu - sigma[:, None]).min())
        hi = max(X.max(), (mixture.mu + sigma[:, None]).max())
        if lim is None and -20 <= lo and hi <= 20:
            lim = (-20.0, 20.0)
        else:
            pad = 0.05 * (hi - lo)
            lim = (lo - pad, hi + pad)
    span = lim[1] - lim[0]

    if points == "arcs":
        # the course draws Arc(point, 0.25, 0.25): a diameter of 0.25 on a 40-wide plot
        segments, comp = _arc_segments(X, post, radius=0.125 * span / 40)
        ax.add_collection(LineCollection(segments, colors=[colors[j] for j in comp], linewidths=1.0))
    elif points == "certainty":
        owner = post.argmax(axis=1)
        sure = post[np.arange(n), owner] / np.maximum(post.sum(axis=1), 1e-300)
        ax.scatter(X[:, 0], X[:, 1], s=40 * sure**2, c=[colors[j] for j in owner], alpha=0.8, linewidths=0)
    else:
        raise ValueError(f'points must be "arcs" or "certainty", got {points!r}')
    for j in range(K):
        ax.add_patch(Circle(mixture.mu[j], sigma[j], edgecolor=colors[j], fill=False, linewidth=1.5))
    ax.set_title(title)
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$ (first coordinate)")
    ax.set_ylabel("$x_2$ (second coordinate)")
    labels = ["mu = ({:0.2f}, {:0.2f})\nstdv = {:0.2f}".format(m[0], m[1], s) for m, s in zip(mixture.mu, sigma)]
    for j, (dx, dy) in enumerate(_label_offsets(ax, mixture.mu, labels, lim)):
        moved = (dx, dy) != _LABEL_CANDIDATES[0]
        ax.annotate(labels[j], mixture.mu[j], xytext=(dx, dy), textcoords="offset points", fontsize=8,
                    color=colors[j] if colors[j] not in ("y", "c") else "0.2",
                    arrowprops=dict(arrowstyle="-", color="0.5", lw=0.6) if moved else None,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.7))
    if show and _in_kernel():
        from IPython.display import display

        display(fig)
    elif course or show:
        import matplotlib.pyplot as plt

        plt.show()
    return fig


#: Where a component's label may go, as (dx, dy) offsets in points of its lower-left corner from the mean,
#: in order of preference: beside the mean, then further out in each direction.
_LABEL_CANDIDATES = [(4, 4), (4, -26), (-92, 4), (-92, -26), (4, 30), (-92, 30), (4, -52), (-92, -52),
                     (4, 56), (-92, 56), (4, -78), (-92, -78), (100, 4), (-188, 4)]
_LABEL_SIZE = (88, 22)  # width, height in points of "mu = (-12.34, 5.67)" / "stdv = 1.23" at fontsize 8


def _label_offsets(ax, mu: np.ndarray, labels: list, lim) -> list:
    """Offsets that keep the labels of neighbouring components from overprinting each other.

    Greedy: each label (in order of the means' height, top first) takes the first
    candidate offset whose box overlaps no label placed before it and stays
    inside the axes; if none is free it takes the least crowded one.
    """
    fig = ax.figure
    box = ax.get_position()
    width_pt = box.width * fig.get_figwidth() * 72
    scale = width_pt / (lim[1] - lim[0])  # points per data unit (equal aspect: the same on both axes)
    centres = mu * scale
    lo, hi = lim[0] * scale, lim[1] * scale
    w, h = _LABEL_SIZE
    placed: list = []
    offsets = [None] * len(labels)
    for j in np.argsort(-mu[:, 1], kind="stable"):
        best, best_overlap = _LABEL_CANDIDATES[0], np.inf
        for dx, dy in _LABEL_CANDIDATES:
            x0, y0 = centres[j, 0] + dx, centres[j, 1] + dy
            overlap = sum(max(0.0, min(x0 + w, a + w) - max(x0, a)) * max(0.0, min(y0 + h, b + h) - max(y0, b))
                          for a, b in placed)
            outside = x0 < lo or x0 + w > hi or y0 < lo or y0 + h > hi
            score = overlap + (1e6 if outside else 0.0)
            if score < best_overlap:
                best, best_overlap = (dx, dy), score
            if score == 0:
                break
        offsets[j] = best
        placed.append((centres[j, 0] + best[0], centres[j, 1] + best[1]))
    return offsets
