"""Shared pieces of the handout's ``common.py``: the mixture type, ``init``,
``bic``, ``rmse`` and the arc-diagram ``plot``, plus the input checks every
algorithm uses.

Introduced in ``notebooks/01_kmeans`` (``init``, ``plot``), ``notebooks/03_bic``
(``bic``) and ``notebooks/04_matrix_completion`` (``rmse``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.sparse import issparse

__all__ = ["GaussianMixture", "ComponentCollapse", "init", "bic", "rmse", "plot", "COURSE_COLORS"]


class GaussianMixture(NamedTuple):
    """A mixture of spherical Gaussians, as in the handout.

    Attributes
    ----------
    mu : ndarray of shape (K, d)
        Component means, one per row.
    var : ndarray of shape (K,)
        Spherical variance of each component (the covariance is ``var[j] * I_d``).
    p : ndarray of shape (K,)
        Mixing weights; they sum to 1.
    """

    mu: np.ndarray
    var: np.ndarray
    p: np.ndarray


class ComponentCollapse(ValueError):
    """EM without a variance floor shrank a component onto identical points (variance 0).

    The likelihood of such a mixture is unbounded, so the run has no sensible
    result. ``sweep`` records the run as failed and keeps the other seeds.

    Attributes
    ----------
    component : int
        The index of the component that collapsed.
    """

    def __init__(self, component: int):
        self.component = component
        super().__init__(
            f"component {component} collapsed onto identical points (its variance is 0): the likelihood is "
            "unbounded there; try another seed or fewer components"
        )


# --------------------------------------------------------------------------
# Input checks (one place for all modules)
# --------------------------------------------------------------------------

def check_matrix(X, name: str = "X") -> np.ndarray:
    """Return ``X`` as a float64 array after checking it is 2-D and finite.

    The array is never modified; a copy is made only when the dtype changes.

    Raises
    ------
    TypeError
        If ``X`` is not numeric.
    ValueError
        If ``X`` is not 2-D, is empty, or holds NaN or inf.
    """
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array, got {type(X).__name__}: {exc}") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (n, d), got {arr.ndim}-D shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]}); "
            "missing ratings are written as 0, not NaN"
        )
    return arr


def observed_mask(X: np.ndarray, mask=None) -> np.ndarray:
    """The bool array of observed entries: ``mask`` if given (checked), else the handout's ``X != 0``.

    Parameters
    ----------
    X : array of shape (n, d)
        Already checked with ``check_matrix``.
    mask : bool (or 0/1) array of shape (n, d), optional
        True where an entry is observed.

    Returns
    -------
    bool array of shape (n, d)
    """
    if mask is None:
        return X != 0
    mask = np.asarray(mask)
    if mask.shape != X.shape:
        raise ValueError(f"mask must have the shape of X, {X.shape}, got {mask.shape}")
    if mask.dtype != bool:
        if not np.isin(mask, (0, 1)).all():
            raise ValueError("mask must be boolean (True = observed) or hold only 0 and 1")
        mask = mask.astype(bool)
    return mask


def check_K(K, n: int) -> int:
    """Check that the number of components is an integer with ``1 <= K <= n``."""
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)):
        raise TypeError(f"K must be an integer, got {K!r}")
    if not 1 <= K <= n:
        raise ValueError(f"K must satisfy 1 <= K <= n = {n} (one distinct row per component), got K = {K}")
    return int(K)


def check_mixture(mixture, d: int | None = None, *, zero_variance: bool = False) -> GaussianMixture:
    """Check a mixture's shapes and values and return it as float64 arrays.

    Parameters
    ----------
    mixture : GaussianMixture
        ``mu`` of shape (K, d), ``var`` and ``p`` of shape (K,).
    d : int, optional
        The width of the data the mixture is used with.
    zero_variance : bool, default False
        Accept variances of 0 (a K-means cluster of identical rows has one;
        K-means and ``plot`` do not use the variance as a density).

    Raises
    ------
    TypeError
        If ``mixture`` does not have ``mu``, ``var`` and ``p``.
    ValueError
        On wrong shapes, non-finite values, a width different from ``d``,
        non-positive variances, negative weights or weights that do not sum to 1.
    """
    try:
        mu, var, p = mixture.mu, mixture.var, mixture.p
    except AttributeError:
        raise TypeError(
            f"mixture must be a GaussianMixture(mu, var, p), got {type(mixture).__name__}"
        ) from None
    mu = check_matrix(mu, "mixture.mu")
    K = mu.shape[0]
    var = np.asarray(var, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    for name, arr in (("mixture.var", var), ("mixture.p", p)):
        if arr.shape != (K,):
            raise ValueError(f"{name} must have shape (K,) = ({K},) to match mixture.mu, got {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or inf")
    if d is not None and mu.shape[1] != d:
        raise ValueError(
            f"the mixture's means have width {mu.shape[1]} but X has d = {d} columns"
        )
    bad_var = (var < 0) if zero_variance else (var <= 0)
    if bad_var.any():
        j = int(np.argmax(bad_var))
        what = "non-negative" if zero_variance else "positive"
        raise ValueError(f"mixture.var must be {what}; component {j} has variance {float(var[j])!r}")
    if (p < 0).any():
        j = int(np.argmax(p < 0))
        raise ValueError(f"mixture.p must be non-negative; component {j} has weight {p[j]!r}")
    if abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"mixture.p must sum to 1, but it sums to {p.sum():.10g}")
    return GaussianMixture(mu, var, p)


def check_post(post, n: int, K: int) -> np.ndarray:
    """Check that ``post`` is a finite (n, K) array of probabilities."""
    arr = np.asarray(post, dtype=np.float64)
    if arr.shape != (n, K):
        raise ValueError(f"post must have shape (n, K) = ({n}, {K}), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("post contains NaN or inf")
    if (arr < 0).any():
        raise ValueError("post must be non-negative")
    return arr


def log_normalize(f: np.ndarray) -> tuple[np.ndarray, float]:
    """Normalise log-joint scores into posteriors, in the log domain.

    ``post[u] = exp(f[u] - logsumexp(f[u]))`` and ``ll = sum_u logsumexp(f[u])``,
    with the max-shift of ``scipy.special.logsumexp`` (which the tests use as
    the reference), fused with the normalisation so that ``exp`` runs once:
    ``scipy.special.logsumexp`` itself costs about 0.7 ms on a 1200 x 12 array,
    a sixth of a whole EM iteration on the Netflix matrix.

    Parameters
    ----------
    f : array of shape (n, K)
        ``log p[j] + log N(x_u | component j)``; overwritten (pass a temporary).
        At least one finite entry per row.

    Returns
    -------
    post : array of shape (n, K)
        Each row sums to 1.
    ll : float
    """
    top = f.max(axis=1)
    f -= top[:, None]
    # exp(x) is exactly 0 below -746; skipping those lanes avoids exp's slow underflow path
    post = np.zeros_like(f)
    np.exp(f, out=post, where=f > -746.0)
    total = post.sum(axis=1)
    post /= total[:, None]
    return post, float(np.sum(top + np.log(total)))


class Iteration(NamedTuple):
    """One EM iteration: the E-step on ``estep_mixture``, then the M-step.

    Attributes
    ----------
    estep_mixture : GaussianMixture
        The mixture the E-step used. The handout's own loop (its ``test.py``
        cell) ends right after an E-step, so it fills the matrix with this one.
    post : array of shape (n, K)
        The E-step's posteriors, computed from ``estep_mixture``.
    ll : float
        The E-step's log-likelihood, of ``estep_mixture``.
    mixture : GaussianMixture
        After the M-step: what ``run`` returns on the last iteration.
    """

    estep_mixture: GaussianMixture
    post: np.ndarray
    ll: float
    mixture: GaussianMixture


def em_iterations(estep, mstep, mixture):
    """The one EM loop of the package, shared by ``naive_em`` and ``em``.

    Yields ``(post, ll, new_mixture)`` once per iteration, where
    ``post, ll = estep(mixture)`` and ``new_mixture = mstep(post, mixture)``,
    and stops after the first iteration with ``ll - previous_ll <= 1e-6 * |ll|``
    (the handout's rule).
    """
    prev_ll = None
    ll = None
    while prev_ll is None or ll - prev_ll > 1e-6 * abs(ll):
        prev_ll = ll
        post, ll = estep(mixture)
        mixture = mstep(post, mixture)
        yield post, ll, mixture


# --------------------------------------------------------------------------
# The handout's common functions
# --------------------------------------------------------------------------

def init(X, K: int, seed: int = 0) -> tuple[GaussianMixture, np.ndarray]:
    """Initialise a mixture on K distinct rows of X, as the course does.

    The rows are drawn by ``np.random.RandomState(seed).choice(n, K,
    replace=False)``: the same rows as the course's ``np.random.seed(seed)``
    followed by ``np.random.choice``, without touching NumPy's global random
    state.

    Parameters
    ----------
    X : array or scipy.sparse matrix of shape (n, d)
        The data (for ratings, 0 means missing; ``init`` still uses the zeros,
        as the course does). A sparse X gives the same numbers without
        densifying (its unstored entries are the zeros).
    K : int
        Number of components, ``1 <= K <= n``.
    seed : int, default 0
        Seed of the legacy generator that picks the rows.

    Returns
    -------
    mixture : GaussianMixture
        ``mu`` of shape (K, d) = the chosen rows; ``var`` of shape (K,) with
        ``var[j]`` = mean over all n*d entries of ``(X - mu[j])**2``; ``p`` of
        shape (K,) = 1/K each.
    post : array of shape (n, K)
        1/K everywhere.

    Notes
    -----
    Introduced in ``notebooks/01_kmeans.py``.
    """
    sparse = issparse(X)
    if sparse:  # the stored entries are the ratings (notebook 07); nothing (n, d) is made
        from .scale.sparse import check_sparse, init_moments

        X = check_sparse(X)
    else:
        X = check_matrix(X)
    n, _ = X.shape
    K = check_K(K, n)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    rng = np.random.RandomState(seed)
    if sparse:
        mu, var = init_moments(X, rng.choice(n, K, replace=False))
    else:
        mu = X[rng.choice(n, K, replace=False)].copy()
        # one (n, d) temporary at a time: no (K, n, d) array, same arithmetic as the course
        var = np.array([((X - mu[j]) ** 2).mean() for j in range(K)])
    if (var == 0).any():
        raise ValueError("every row of X is the same, so init's variance 0 would make a degenerate mixture")
    p = np.full(K, 1.0 / K)
    post = np.full((n, K), 1.0 / K)
    return GaussianMixture(mu, var, p), post


def n_parameters(K: int, d: int) -> int:
    """Free parameters of a spherical mixture: K*d means, K variances, K-1 weights."""
    return K * d + K + (K - 1)


def bic(X, mixture: GaussianMixture, log_likelihood: float) -> float:
    """Bayesian information criterion, in the course's "higher is better" form.

    ``bic = log_likelihood - 0.5 * P * log(n)`` with ``P = K*d + K + (K - 1)``.

    Parameters
    ----------
    X : array of shape (n, d)
        The data the mixture was fitted on (only its shape is used).
    mixture : GaussianMixture
        The fitted mixture (``mu`` of shape (K, d)).
    log_likelihood : float
        Its log-likelihood on X.

    Returns
    -------
    float

    Notes
    -----
    Introduced in ``notebooks/03_bic.py``.
    """
    if issparse(X):  # only the shape is used
        from .scale.sparse import check_sparse

        X = check_sparse(X)
    else:
        X = check_matrix(X)
    mixture = check_mixture(mixture, X.shape[1])
    ll = float(log_likelihood)
    if not np.isfinite(ll):
        raise ValueError(f"log_likelihood must be finite, got {log_likelihood!r}")
    return bic_from_counts(ll, X.shape[0], *mixture.mu.shape)


def bic_from_counts(log_likelihood: float, n: int, K: int, d: int) -> float:
    """``bic`` from the counts alone: ``log_likelihood - 0.5 * (K*d + 2K - 1) * log(n)``."""
    return float(log_likelihood - 0.5 * n_parameters(K, d) * np.log(n))


def rmse(X, Y) -> float:
    """Root mean squared error over all entries: ``sqrt(mean((X - Y)**2))``.

    Parameters
    ----------
    X, Y : arrays of shape (n, d)

    Returns
    -------
    float

    Notes
    -----
    Introduced in ``notebooks/04_matrix_completion.py``. It averages over
    every entry, observed or not; see ``cfgmm_lib.evaluation`` for scores
    on held-out entries only.
    """
    X = check_matrix(X, "X")
    Y = check_matrix(Y, "Y")
    if X.shape != Y.shape:
        raise ValueError(f"X and Y must have the same shape, got {X.shape} and {Y.shape}")
    return float(np.sqrt(np.mean((X - Y) ** 2)))


# --------------------------------------------------------------------------
# The course's arc diagram
# --------------------------------------------------------------------------

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


def plot(X, mixture: GaussianMixture, post, title: str = "", *, ax=None, lim=None, points: str = "arcs"):
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

    Returns
    -------
    matplotlib.figure.Figure
        Never shown: the caller displays or saves it.

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

    if ax is None:
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
