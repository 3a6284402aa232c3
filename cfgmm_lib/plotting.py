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

__all__ = ["plot", "COURSE_COLORS", "component_colors", "matched_colors", "text_color", "COURSE_LIM", "LABEL_FONTSIZE"]


#: The course's six colours, used in this order before a colour map takes over.
COURSE_COLORS = ("r", "b", "k", "y", "m", "c")
#: The course's fixed axes (``plot(..., lim="course")``).
COURSE_LIM = (-20.0, 20.0)
#: The components' labels, in points: 12 pt on a 6-inch figure reads from the back of a room.
LABEL_FONTSIZE = 12
#: Darker shades of the course's light colours, for text on white (yellow and cyan text cannot be read).
_TEXT_SHADES = {"y": "#8a7400", "c": "#00797a"}


def text_color(color):
    """The colour a component's text is written in: its own, or a darker shade of it where the
    course's colour (yellow, cyan) is unreadable on white."""
    return _TEXT_SHADES.get(color, color) if isinstance(color, str) else color


def component_colors(K: int) -> list:
    """Colours for K components: the course's six, then ``tab20`` for the rest."""
    from matplotlib import colormaps

    colors = list(COURSE_COLORS[:K])
    if K > len(COURSE_COLORS):
        cmap = colormaps["tab20"]
        colors += [cmap(i % cmap.N) for i in range(K - len(COURSE_COLORS))]
    return colors


def matched_colors(reference: GaussianMixture, mixture: GaussianMixture) -> list:
    """Colours for ``mixture``'s components that follow ``reference``'s: each component takes the colour of
    the reference component whose mean it is paired with (the pairing of least total distance between
    means, ``scipy.optimize.linear_sum_assignment``), so that the same knot of points keeps its colour
    from one figure to the next, whatever order a fit lists its components in.

    Parameters
    ----------
    reference, mixture : GaussianMixture
        Means of shapes (K_ref, d) and (K, d); components beyond the pairing (K > K_ref) take the
        colours after the reference's.

    Returns
    -------
    list of K colours, for ``plot(..., colors=...)``
    """
    from scipy.optimize import linear_sum_assignment

    ref_mu, mu = np.asarray(reference.mu, dtype=float), np.asarray(mixture.mu, dtype=float)
    if ref_mu.ndim != 2 or mu.ndim != 2 or ref_mu.shape[1] != mu.shape[1]:
        raise ValueError(f"reference.mu and mixture.mu must be (K, d) arrays of the same d, got shapes "
                         f"{ref_mu.shape} and {mu.shape}")
    K = len(mu)
    palette = component_colors(max(K, len(ref_mu)) + K)
    rows, cols = linear_sum_assignment(((mu[:, None, :] - ref_mu[None, :, :]) ** 2).sum(axis=2))
    colors = [None] * K
    for r, c in zip(rows, cols):
        colors[r] = palette[c]
    spare = iter(palette[len(ref_mu):])
    return [c if c is not None else next(spare) for c in colors]


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
    """The course's ``plot`` path: a script (no kernel), whatever its backend (``plt.show()`` does nothing
    under Agg, svg, pdf...), except the inline backend, whose ``show`` belongs to a notebook."""
    if _in_kernel():
        return False
    import matplotlib

    return "inline" not in str(matplotlib.get_backend()).lower()


def plot(X, mixture: GaussianMixture, post, title: str = "", *, ax=None, lim=None, points: str = "arcs",
         show: bool | None = None, colors=None):
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
        Draw here; by default a new figure is made (outside a notebook, with pyplot, as the course's).
    lim : (float, float), "data" or "course", optional
        Limits of both axes. By default (``None`` or ``"data"``) they fit the
        points and circles; ``"course"`` is the course's fixed ``(-20, 20)``, as
        the handout's ``plot`` draws it (the toy data then fill about a quarter
        of the panel).
    points : {"arcs", "certainty"}, default "arcs"
        ``"arcs"``: the course's pies. ``"certainty"``: each point a dot in the
        colour of its most probable component, its area proportional to the
        square of that probability, so that the points a mixture is unsure of
        shrink (readable on a projector, as in the Python Data Science
        Handbook's mixture chapter).
    show : bool, optional
        ``None`` (default) behaves as the course's ``plot`` where that matters
        and stays pure elsewhere:

        - in a script (``python main.py``, no Jupyter kernel), with no ``ax``,
          the figure is made with pyplot and ``plt.show()`` is called, as the
          course's ``plot`` does: a window with an interactive backend; under a
          non-interactive one (Agg: a headless machine, CI) ``plt.show()``
          shows nothing and the figure stays pyplot's current one, so that a
          ``plt.savefig(...)`` right after the call saves it (whether or not
          the script had imported pyplot before the call);
        - in a notebook, nothing is shown here and the figure is not given to
          pyplot: the returned figure is displayed once, as the cell's result;
        - with ``ax``, nothing is made, shown or registered.

        ``True`` shows it now (in a notebook: ``display(fig)``, for a figure
        made inside a loop, which is not a cell's result); ``False`` never shows
        (outside a notebook the figure is still pyplot's: ``plt.close(fig)`` frees it).
    colors : list of K colours, optional
        One per component (default ``component_colors(K)``, the course's order); ``matched_colors``
        gives a fit the colours of another fit's matching components.

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
    course = ax is None and show is None and _course_show_wanted()  # the course's plt.show()
    # outside a notebook the figure is pyplot's, as the course's: plt.gcf() / plt.savefig() find it, even in a
    # script that imports pyplot only after the call (a Figure() of its own had left them a blank figure)
    pyplot = ax is None and not _in_kernel()
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
    if colors is None:
        colors = component_colors(K)
    elif len(colors) != K:
        raise ValueError(f"colors must give one colour per component ({K}), got {len(colors)}")
    sigma = np.sqrt(mixture.var)

    if isinstance(lim, str) and lim == "course":
        xlim = ylim = COURSE_LIM
    elif lim is None or (isinstance(lim, str) and lim == "data"):  # each axis fits the points and circles
        lo = np.minimum(X.min(axis=0), (mixture.mu - sigma[:, None]).min(axis=0))
        hi = np.maximum(X.max(axis=0), (mixture.mu + sigma[:, None]).max(axis=0))
        pad = 0.05 * (hi - lo).max()
        xlim, ylim = (lo[0] - pad, hi[0] + pad), (lo[1] - pad, hi[1] + pad)
    elif isinstance(lim, str):
        raise ValueError(f'lim must be (low, high), "data" or "course", got {lim!r}')
    else:
        xlim = ylim = tuple(lim)
    span = max(xlim[1] - xlim[0], ylim[1] - ylim[0])

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
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$ (first coordinate)")
    ax.set_ylabel("$x_2$ (second coordinate)")
    labels = ["mu = ({:0.2f}, {:0.2f})\nstdv = {:0.2f}".format(m[0], m[1], s) for m, s in zip(mixture.mu, sigma)]
    _draw_labels(ax, mixture.mu, sigma, labels, colors, xlim, ylim)
    if show and _in_kernel():
        from IPython.display import display

        display(fig)
    elif course or show:
        import matplotlib.pyplot as plt

        plt.show()
    return fig


#: Where a component's label may go: just outside its own circle, in one of these directions (degrees,
#: counter-clockwise from east), in order of preference.
_LABEL_ANGLES = (45, 135, -45, -135, 0, 180, 90, -90)
_LABEL_GAP = 4.0  # points between the circle and its label


def _label_box(anchor, angle: float, size) -> tuple:
    """The label's box (x0, y0, x1, y1) in points, and its alignment, for an anchor on the circle."""
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    w, h = size
    ha = "left" if c > 0.3 else "right" if c < -0.3 else "center"
    va = "bottom" if s > 0.3 else "top" if s < -0.3 else "center"
    x0 = anchor[0] - {"left": 0.0, "right": w, "center": w / 2}[ha]
    y0 = anchor[1] - {"bottom": 0.0, "top": h, "center": h / 2}[va]
    return (x0, y0, x0 + w, y0 + h), ha, va


def _overlap(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _draw_labels(ax, mu: np.ndarray, sigma: np.ndarray, labels: list, colors: list, xlim, ylim) -> None:
    """Each component's label beside its own circle, in its colour, where it overprints the fewest others.

    Greedy, in order of the means' height: each label tries the directions of ``_LABEL_ANGLES`` around its
    circle (then a little further out) and takes the first whose box overlaps no label placed before it,
    no other circle and stays inside the axes (otherwise the least crowded). Text has a white outline instead of a box, so the points under
    it stay visible.
    """
    from matplotlib import patheffects

    fig = ax.figure
    box = ax.get_position()
    spans = np.array([xlim[1] - xlim[0], ylim[1] - ylim[0]])
    # points per data unit: with equal aspect, the longer axis fills the box's side
    scale = min(box.width * fig.get_figwidth(), box.height * fig.get_figheight()) * 72 / spans.max()
    size = (0.58 * LABEL_FONTSIZE * max(len(line) for t in labels for line in t.split("\n")),
            2.3 * LABEL_FONTSIZE)
    centres, radii = (mu - np.array([xlim[0], ylim[0]])) * scale, sigma * scale
    extent = spans * scale
    circles = [(c[0] - r, c[1] - r, c[0] + r, c[1] + r) for c, r in zip(centres, radii)]
    placed: list = []
    outline = [patheffects.withStroke(linewidth=3, foreground="white")]
    for j in np.argsort(-mu[:, 1], kind="stable"):
        best = None
        for angle, extra in [(a, e) for e in (0.0, 0.7 * size[1], 1.4 * size[1]) for a in _LABEL_ANGLES]:
            c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
            anchor = centres[j] + (radii[j] + _LABEL_GAP + extra) * np.array([c, s])
            rect, ha, va = _label_box(anchor, angle, size)
            crowd = sum(_overlap(rect, other) for other in placed)
            crowd += sum(0.15 * _overlap(rect, circles[k]) for k in range(len(mu)) if k != j)
            outside = (max(0.0, -rect[0]) + max(0.0, -rect[1]) + max(0.0, rect[2] - extent[0])
                       + max(0.0, rect[3] - extent[1]))
            score = crowd + 1e3 * outside + 40 * extra  # nearer its circle is better
            if best is None or score < best[0]:
                best = (score, angle, rect, ha, va, extra)
            if crowd == 0 and outside == 0:
                break
        _, angle, rect, ha, va, extra = best
        placed.append(rect)
        # anchored in data units on the circle's edge: wherever a layout later moves or shrinks the axes,
        # the label stays beside its own circle
        direction = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
        anchor = mu[j] + (sigma[j] + (_LABEL_GAP + extra) / scale) * direction
        ax.annotate(labels[j], mu[j], xytext=tuple(anchor), textcoords="data", ha=ha, va=va,
                    fontsize=LABEL_FONTSIZE, color=text_color(colors[j]), path_effects=outline)
