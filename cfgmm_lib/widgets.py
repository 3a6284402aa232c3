"""Sliders that redraw the course's arc diagrams (notebooks 01 and 02).

The drawing is done by pure functions that take a fit (or a trace) and return
a matplotlib ``Figure``; the ``Explorer`` only wires ipywidgets sliders to one
of them and shows the result as a single PNG image. Fits and EM traces are
computed once per (method, K, seed) and cached, and so is each picture drawn,
so moving a slider back to a setting already seen shows its picture at once.

Introduced in ``notebooks/01_kmeans.py`` (``kmeans_explorer``) and
``notebooks/02_em.py`` (``compare_explorer``, ``em_steps_explorer``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .common import init, plot
from .core.mixture import ComponentCollapse, GaussianMixture
from .core.model_checks import check_K
from .core.validation import check_list, check_matrix, check_scalar, check_seed
from .compare import match_components, reorder
from .explorer import DPI, Explorer, figure_png
from .naive_em import trace as em_trace
from .sweep import METHODS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FitCache", "fit_figure", "compare_figure", "step_figure", "step_label", "figure_png", "Explorer",
    "kmeans_explorer", "compare_explorer", "em_steps_explorer", "check_K_seed", "check_step", "DPI",
]

LABELS = {"kmeans": "K-means", "naive_em": "EM", "em": "EM (missing entries)"}


class FitCache:
    """Fits and EM traces of one data set, each computed once.

    Parameters
    ----------
    X : array of shape (n, d)
    """

    def __init__(self, X):
        self.X = check_matrix(X)
        self._fits: dict = {}
        self._traces: dict = {}

    def fit(self, method: str, K: int, seed: int) -> tuple[GaussianMixture, np.ndarray, float] | str:
        """``run`` of ``method`` ("kmeans", "naive_em" or "em") from ``init(X, K, seed)``: (mixture, post, score).

        A run whose component collapses gives the reason (a str) instead.
        """
        if not isinstance(method, str) or method not in METHODS:
            raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
        K, seed = check_K(K, self.X.shape[0]), check_seed(seed)
        key = (method, K, seed)
        if key not in self._fits:
            run = METHODS[method][0]
            try:
                self._fits[key] = run(self.X, *init(self.X, K, seed))
            except ComponentCollapse as exc:
                self._fits[key] = str(exc)
        return self._fits[key]

    def trace(self, K: int, seed: int) -> list[dict]:
        """Every half-step of naive EM from ``init(X, K, seed)`` (see ``naive_em.trace``)."""
        K, seed = check_K(K, self.X.shape[0]), check_seed(seed)
        key = (K, seed)
        if key not in self._traces:
            self._traces[key] = em_trace(self.X, init(self.X, K, seed)[0])
        return self._traces[key]


def _new_figure(ncols: int, width: float = 5.0, height: float = 5.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height))
    fig.subplots_adjust(left=0.22 / ncols, right=1 - 0.02 / ncols, bottom=0.1, top=0.86, wspace=0.38)
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def _score_text(method: str, score: float) -> str:
    return f"cost {score:.2f}" if method == "kmeans" else f"log-likelihood {score:.2f}"


def _draw_fit(ax, cache: FitCache, method: str, K: int, seed: int, sep: str, like=None) -> None:
    """Draw one fit; ``like`` (another fit's post) renumbers its components to match that fit's colours."""
    fit = cache.fit(method, K, seed)
    title = f"{LABELS[method]}, K = {K}, seed = {seed}"
    if isinstance(fit, str):  # the run failed: say why where the diagram would be
        ax.set_title(f"{title}{sep}no result")
        ax.text(0.5, 0.5, fit.replace(": ", ":\n").replace("; ", ";\n"), ha="center", va="center",
                transform=ax.transAxes, wrap=True, color="C3")
        ax.scatter(cache.X[:, 0], cache.X[:, 1], s=4, color="0.7")
        return
    mixture, post, score = fit
    if like is not None:
        mixture, post = reorder(mixture, post, match_components(like, post))
    plot(cache.X, mixture, post, f"{title}{sep}{_score_text(method, score)}", ax=ax, lim="data")


def fit_figure(cache: FitCache, method: str, K: int, seed: int) -> Figure:
    """The arc diagram of one fit, titled with its method, K, seed and score.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with ``n * K`` arcs and ``K`` circles (or the reason the run failed).
    """
    fig, (ax,) = _new_figure(1)
    _draw_fit(ax, cache, method, K, seed, ": ")
    return fig


def compare_figure(cache: FitCache, K: int, seed: int) -> Figure:
    """K-means (left) and EM (right) from the same ``init(X, K, seed)``, side by side.

    EM's components are renumbered to match K-means' (``compare.match_components``),
    so that matched components have the same colour in both panels.
    """
    fig, axes = _new_figure(2)
    _draw_fit(axes[0], cache, "kmeans", K, seed, "\n")
    km = cache.fit("kmeans", K, seed)
    _draw_fit(axes[1], cache, "naive_em", K, seed, "\n", like=None if isinstance(km, str) else km[1])
    return fig


def check_step(steps: list[dict], step: int) -> int:
    """``step`` as an index into a trace ``steps``: an integer in ``0 .. len(steps) - 1``.

    A negative index is refused (Python would count it from the end), as is one past the end (an IndexError).
    """
    if not isinstance(steps, (list, tuple)) or not steps:
        raise ValueError(f"steps must be a non-empty list of half-steps (naive_em.trace), got {steps!r:.60}")
    step = check_scalar(step, "step", int)
    if not 0 <= step < len(steps):
        raise ValueError(f"step must be in 0 .. {len(steps) - 1} (the trace has {len(steps)} half-steps), got {step}")
    return step


def step_label(steps: list[dict], step: int) -> str:
    """One line describing half-step ``step`` of a trace."""
    s = steps[check_step(steps, step)]
    if s["step"] == "init":
        return "start: init's mixture, every point split evenly"
    if s["step"] == "collapsed":
        return f"iteration {s['iteration']}, M-step failed: {s['error']}"
    what = "E-step: new soft assignments" if s["step"] == "E" else "M-step: new means, variances, weights"
    return f"iteration {s['iteration']}, {what}; log-likelihood {s['ll']:.4f}"


def step_figure(X, steps: list[dict], step: int) -> Figure:
    """Arc diagram after half-step ``step`` (left) and the log-likelihood curve with the step marked (right).

    Parameters
    ----------
    X : array of shape (n, 2)
    steps : list of dict
        From ``naive_em.trace``.
    step : int
        Index into ``steps``: ``0 .. len(steps) - 1``.
    """
    s = steps[check_step(steps, step)]
    fig, (left, right) = _new_figure(2)
    title = f"K = {s['mixture'].mu.shape[0]}, {step_label(steps, step)}"
    plot(X, s["mixture"], s["post"], title.replace(": ", ":\n", 1).replace("; ", "\n"), ax=left, lim="data")
    left.title.set_fontsize(10)
    its = [t["iteration"] for t in steps if t["step"] == "E"]
    lls = [t["ll"] for t in steps if t["step"] == "E"]
    right.plot(its, lls, "o-", color="0.4", markersize=3)
    if s["ll"] is not None:
        right.plot([s["iteration"]], [s["ll"]], "o", color="r" if s["step"] == "E" else "b", markersize=10)
    right.set_xlabel("EM iteration")
    right.set_ylabel("log-likelihood of the E-step")
    right.set_title("log-likelihood: it never decreases")
    right.grid(alpha=0.3)
    return fig


def _slider(description: str, lo: int, hi: int, value: int):
    import ipywidgets as widgets

    return widgets.IntSlider(value=value, min=lo, max=hi, step=1, description=description,
                             continuous_update=False)


def check_K_seed(K_max, seeds, K, seed, n: int | None = None) -> tuple[int, list[int], int, int]:
    """The arguments of a K slider (``1 .. K_max``) and a seed slider (``min(seeds) .. max(seeds)``), checked.

    A slider would clamp a starting value outside its range without a word (K = 9 with K_max = 6 shown as
    K = 6), and fail with a widget's error on an empty range; each is refused here by name.

    Parameters
    ----------
    K_max : int
        At least 1, and at most ``n`` (the number of points) when given: K components need K points.
    seeds : iterable of int
        Non-empty, each a seed (``check_seed``); the slider runs through every integer from the least to the largest.
    K, seed : int
        The starting values, inside the sliders' ranges.
    n : int, optional

    Returns
    -------
    K_max, seeds (a list), K, seed
    """
    K_max = check_scalar(K_max, "K_max", int, low=1)
    if n is not None and K_max > n:
        raise ValueError(f"K_max must be <= n = {n}, the number of points (K components need K points), got {K_max}")
    seeds = check_list(seeds, "seeds", check_seed)
    K, seed = check_scalar(K, "K", int), check_seed(seed)
    if not 1 <= K <= K_max:
        raise ValueError(f"K must be in the K slider's range 1 .. K_max = {K_max}, got {K}")
    if not min(seeds) <= seed <= max(seeds):
        raise ValueError(f"seed must be in the seed slider's range {min(seeds)} .. {max(seeds)} (min(seeds) .. "
                         f"max(seeds)), got {seed}")
    return K_max, seeds, K, seed


def _K_seed_sliders(K_max: int, seeds: list, K: int, seed: int) -> dict:
    """The sliders of arguments ``check_K_seed`` has checked."""
    return {"K": _slider("K", 1, K_max, K), "seed": _slider("seed", min(seeds), max(seeds), seed)}


def _explorer_cache(X, cache: FitCache | None) -> FitCache:
    """``cache``, when it holds this ``X``'s fits, or a new one; a cache of another X is refused (its fits would
    be drawn under this X's name)."""
    if cache is None:
        return FitCache(X)
    if not isinstance(cache, FitCache):
        raise TypeError(f"cache must be a FitCache (or None), got {type(cache).__name__}")
    X = check_matrix(X)
    if X.shape != cache.X.shape or not np.array_equal(X, cache.X):
        other = "other values" if X.shape == cache.X.shape else f"shape {cache.X.shape}, not {X.shape}"
        raise ValueError(f"cache holds the fits of another X than the one given ({other}): pass FitCache(X) of "
                         "this X, or no cache")
    return cache


def kmeans_explorer(X, K_max: int = 6, seeds=range(5), K: int = 3, seed: int = 0,
                    cache: FitCache | None = None) -> Explorer:
    """Sliders for K (1..K_max) and seed that redraw the K-means arc diagram.

    ``K_max``, ``seeds``, ``K`` and ``seed`` are checked with ``check_K_seed``; ``cache`` must hold this X's fits.

    Introduced in ``notebooks/01_kmeans.py``.
    """
    cache = _explorer_cache(X, cache)
    K_max, seeds, K, seed = check_K_seed(K_max, seeds, K, seed, n=cache.X.shape[0])
    return Explorer(lambda K, seed: fit_figure(cache, "kmeans", K, seed), _K_seed_sliders(K_max, seeds, K, seed))


def compare_explorer(X, K_max: int = 6, seeds=range(5), K: int = 3, seed: int = 0,
                     cache: FitCache | None = None) -> Explorer:
    """Sliders for K and seed that redraw K-means and EM side by side.

    Introduced in ``notebooks/02_em.py``.
    """
    cache = _explorer_cache(X, cache)
    K_max, seeds, K, seed = check_K_seed(K_max, seeds, K, seed, n=cache.X.shape[0])
    return Explorer(lambda K, seed: compare_figure(cache, K, seed), _K_seed_sliders(K_max, seeds, K, seed))


def em_steps_explorer(X, K_max: int = 6, seeds=range(5), K: int = 3, seed: int = 0,
                      cache: FitCache | None = None) -> Explorer:
    """Sliders for K, seed and the EM half-step, with the log-likelihood curve beside the diagram.

    The trace of each (K, seed) run is computed once; the step slider only indexes it.
    Moving K or seed resets the step slider to the end of the new run.

    Introduced in ``notebooks/02_em.py``.
    """
    cache = _explorer_cache(X, cache)
    K_max, seeds, K, seed = check_K_seed(K_max, seeds, K, seed, n=cache.X.shape[0])
    steps0 = cache.trace(K, seed)
    step = _slider("EM step", 0, len(steps0) - 1, len(steps0) - 1)
    sliders = {**_K_seed_sliders(K_max, seeds, K, seed), "step": step}

    def draw(K, seed, step):
        steps = cache.trace(K, seed)
        return step_figure(cache.X, steps, min(step, len(steps) - 1))

    def caption(K, seed, step):
        steps = cache.trace(K, seed)
        return f"<b>K = {K}, seed = {seed}</b>, step {step} of {len(steps) - 1}: {step_label(steps, step)}"

    explorer = Explorer(draw, sliders, caption)

    def new_run(change):  # a new run: move the step slider to its end without redrawing, then redraw once
        steps = cache.trace(sliders["K"].value, sliders["seed"].value)
        explorer._hold = True
        try:
            step.max = len(steps) - 1
            step.value = len(steps) - 1
        finally:
            explorer._hold = False
        explorer.redraw()

    for name in ("K", "seed"):
        sliders[name].unobserve(explorer.redraw, names="value")
        sliders[name].observe(new_run, names="value")
    return explorer
