"""Shared pieces of the handout's ``common.py``: the mixture type, ``init``,
``bic``, ``rmse`` and the arc-diagram ``plot``, plus the input checks every
algorithm uses.

Introduced in ``notebooks/01_kmeans`` (``init``, ``plot``), ``notebooks/03_bic``
(``bic``) and ``notebooks/04_matrix_completion`` (``rmse``).
"""

from __future__ import annotations

import sys
import warnings
from typing import NamedTuple

import numpy as np
from scipy.sparse import issparse

__all__ = ["GaussianMixture", "ComponentCollapse", "NotConvergedWarning", "RunResult", "Iteration", "init", "bic",
           "rmse", "plot", "COURSE_COLORS"]


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

#: Largest magnitude an entry may have: beyond it, the squared distances EM and K-means sum
#: (over up to n * d entries) can overflow float64. 1e150 squared is 1e300, below the 1.8e308 limit.
MAX_ABS_VALUE = 1e150


def check_scalar(value, name: str, kind: type = float, *, low=None, high=None, low_inclusive: bool = True,
                 high_inclusive: bool = True, allow_none: bool = False):
    """Check one hyper-parameter (K, a seed, ``min_variance``, a penalty, a rank, ``max_iter``...).

    The one scalar checker of the package: type, finiteness and range, with a
    message that names the argument and the value it got.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, as the caller knows it.
    kind : {int, float}
        ``int`` accepts Python and NumPy integers (not bools); ``float`` also
        accepts integers and returns a float.
    low, high : number, optional
        Bounds of the accepted range.
    low_inclusive, high_inclusive : bool, default True
        Whether each bound itself is accepted.
    allow_none : bool, default False
        Accept ``None`` (returned unchanged).

    Returns
    -------
    int or float

    Raises
    ------
    TypeError
        On a value of the wrong type (a string, a bool, an array, a complex number).
    ValueError
        On NaN, an infinity or a value outside the range.
    """
    if value is None and allow_none:
        return None
    what = "an integer" if kind is int else "a real number"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be {what}, got the bool {value!r}")
    if kind is int:
        if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
            raise TypeError(f"{name} must be an integer, got the float {value!r} (write {int(value)})")
        if not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
        out = int(value)
    else:
        if not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
        out = float(value)
        if not np.isfinite(out):
            raise ValueError(f"{name} must be finite, got {value!r}")
    noun = "integer" if kind is int else "number"
    if low is not None and (out < low or (out == low and not low_inclusive)):
        if low == 0:
            rule = f"a {'non-negative' if low_inclusive else 'positive'} {noun} ({'>=' if low_inclusive else '>'} 0)"
        elif kind is int and low == 1 and low_inclusive:
            rule = "a positive integer (>= 1)"
        else:
            rule = f"{'>=' if low_inclusive else '>'} {low}"
        if high is not None:
            rule += f" and {'<=' if high_inclusive else '<'} {high}"
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    if high is not None and (out > high or (out == high and not high_inclusive)):
        raise ValueError(f"{name} must be {'<=' if high_inclusive else '<'} {high}, got {value!r}")
    return out


def check_seed(seed, name: str = "seed") -> int:
    """A seed of NumPy's generators: an integer in ``[0, 2**32 - 1]``."""
    return check_scalar(seed, name, int, low=0, high=2**32 - 1)


def as_real_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array, refusing complex and non-numeric input with a message naming ``name``.

    The one conversion every array check starts with; the caller's array is never modified
    (a copy is made only when the dtype changes).
    """
    if issparse(value):  # np.asarray would make a 0-d object array of it
        raise TypeError(
            f"{name} is a scipy.sparse matrix, and this function takes a dense array ({name}.toarray() if it "
            "fits in memory, with 0 = missing); on sparse input, where the stored entries are the observed "
            "ratings, use em.run, common.init, sweep, scale.predict or evaluation's holdout_split, fit_means, "
            "fit_bias and fit_mixture"
        )
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be real; it is a complex array (its imaginary part would be dropped)")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}: {exc}") from None


def check_matrix(X, name: str = "X", *, squares: bool = True) -> np.ndarray:
    """Return ``X`` as a float64 array after checking it is real, 2-D and finite.

    The array is never modified; a copy is made only when the dtype changes.

    Parameters
    ----------
    X : array-like of shape (n, d)
    name : str
        The argument's name, for the messages.
    squares : bool, default True
        Also refuse entries larger than ``MAX_ABS_VALUE`` in magnitude, whose
        squared distances would overflow.

    Raises
    ------
    TypeError
        If ``X`` is not numeric, or is complex.
    ValueError
        If ``X`` is not 2-D, is empty, holds NaN or inf, or values whose squares overflow.
    """
    arr = as_real_array(X, name)
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
    if squares:
        top = float(np.abs(arr).max())
        if top > MAX_ABS_VALUE:
            raise ValueError(
                f"{name} holds values as large as {top:.3g} in magnitude, whose squares overflow float64 "
                f"(the limit is {MAX_ABS_VALUE:.0e}); rescale {name} (divide it by a constant) first"
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
    if np.iscomplexobj(mask):
        raise TypeError("mask must be boolean (True = observed), got a complex array")
    mask = np.asarray(mask)
    if mask.shape != X.shape:
        raise ValueError(f"mask must have the shape of X, {X.shape}, got {mask.shape}")
    if mask.dtype != bool:
        if mask.dtype == object or not np.isin(mask, (0, 1)).all():
            raise ValueError("mask must be boolean (True = observed) or hold only 0 and 1")
        mask = mask.astype(bool)
    return mask


def check_K(K, n: int) -> int:
    """Check that the number of components is an integer with ``1 <= K <= n``."""
    K = check_scalar(K, "K", int)
    if not 1 <= K <= n:
        raise ValueError(f"K must satisfy 1 <= K <= n = {n} (one distinct row per component), got K = {K}")
    return K


def _check_vector(arr, name: str, K: int) -> np.ndarray:
    arr = as_real_array(arr, name)
    if arr.shape != (K,):
        raise ValueError(f"{name} must have shape (K,) = ({K},) to match mixture.mu, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf")
    return arr


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
        If ``mixture`` does not have ``mu``, ``var`` and ``p``, or holds complex numbers.
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
    var = _check_vector(var, "mixture.var", K)
    p = _check_vector(p, "mixture.p", K)
    if d is not None and mu.shape[1] != d:
        raise ValueError(
            f"the mixture's means have width {mu.shape[1]} but X has d = {d} columns"
        )
    bad_var = (var < 0) if zero_variance else (var <= 0)
    if bad_var.any():
        j = int(np.argmax(bad_var))
        what = "non-negative" if zero_variance else "positive"
        raise ValueError(f"mixture.var must be {what}; component {j} has variance {float(var[j])!r}")
    if (var > 1e300).any():
        raise ValueError(f"mixture.var holds a variance of {var.max():.3g}, too large to compute with; rescale the data")
    if (p < 0).any():
        j = int(np.argmax(p < 0))
        raise ValueError(f"mixture.p must be non-negative; component {j} has weight {p[j]!r}")
    if abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"mixture.p must sum to 1, but it sums to {p.sum():.10g}")
    return GaussianMixture(mu, var, p)


#: How far a row of ``post`` may sum from 1 (the course prints posteriors with 8 decimals).
POST_ROW_TOLERANCE = 1e-6


def check_post(post, n: int, K: int | None = None) -> np.ndarray:
    """Check that ``post`` is an (n, K) array whose rows are probability distributions.

    Parameters
    ----------
    post : array-like of shape (n, K)
    n : int
        Rows of the data.
    K : int, optional
        Components of the mixture; when None, any number of columns (at least one).

    Returns
    -------
    array of shape (n, K), float64

    Raises
    ------
    TypeError
        If ``post`` is not numeric, or is complex.
    ValueError
        On a wrong shape, NaN or inf, a negative entry, or a row that does not
        sum to 1 (within ``POST_ROW_TOLERANCE``).
    """
    arr = as_real_array(post, "post")
    if K is None:
        if arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] == 0:
            raise ValueError(f"post must have shape (n, K) = ({n}, K), got {arr.shape}")
    elif arr.shape != (n, K):
        raise ValueError(f"post must have shape (n, K) = ({n}, {K}), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("post contains NaN or inf")
    if (arr < 0).any():
        raise ValueError("post must be non-negative")
    sums = arr.sum(axis=1)
    off = np.abs(sums - 1.0) > POST_ROW_TOLERANCE
    if off.any():
        u = int(np.argmax(off))
        raise ValueError(
            f"post's rows must each sum to 1 (a distribution over the {arr.shape[1]} components); "
            f"{int(off.sum())} do not, row {u} sums to {sums[u]:.10g}"
        )
    return arr


def check_step_args(X, mixture=None, post=None, *, zero_variance: bool = False, need_post: bool = False,
                    need_mixture: bool | str = True, sparse: bool = False):
    """The checks every public ``estep``, ``mstep`` and ``run`` opens with, in one place.

    Parameters
    ----------
    X : array-like of shape (n, d)
    mixture : GaussianMixture
        Checked against X's width; None is refused unless ``need_mixture`` is False.
    post : array-like of shape (n, K), optional
        Checked when given or when ``need_post``; K comes from the mixture, or from post itself.
    zero_variance : bool, default False
        Accept variances of 0 (K-means).
    need_post : bool, default False
        ``post`` is required (an M-step).
    need_mixture : bool or str, default True
        False for an M-step that never reads the mixture (K-means', naive EM's): it may be None.
        A string says why the step needs it, in the message that refuses None.
    sparse : bool, default False
        Accept a ``scipy.sparse`` X (EM with missing entries: its stored entries are the observed
        ratings); elsewhere a sparse X is refused with a message that says what to do.

    Returns
    -------
    X : array of shape (n, d), float64
    mixture : GaussianMixture or None
    post : array of shape (n, K) or None
    """
    if sparse and issparse(X):  # stored entries = observed ratings (EM with missing entries only; notebook 07)
        from .scale.sparse import check_sparse

        X = check_sparse(X)
    else:
        X = check_matrix(X)
    n, d = X.shape
    if mixture is None and isinstance(need_mixture, str):
        raise TypeError(f"mixture must be a GaussianMixture(mu, var, p), got NoneType: {need_mixture}")
    if mixture is not None or need_mixture:
        mixture = check_mixture(mixture, d, zero_variance=zero_variance)
        if not zero_variance:
            _check_scale(X.data if issparse(X) else X, mixture, X.shape[0] * X.shape[1])
    if post is not None or need_post:
        post = check_post(post, n, None if mixture is None else mixture.mu.shape[0])
    return X, mixture, post


def check_values(values, name: str) -> np.ndarray:
    """A finite real array (any shape), or a message that names the argument and counts the bad values."""
    arr = as_real_array(values, name)
    bad = ~np.isfinite(arr)
    if bad.any():
        n_nan = int(np.isnan(arr).sum())
        raise ValueError(f"{name} holds {int(bad.sum())} non-finite value(s) of {arr.size} "
                         f"({n_nan} NaN, {int(bad.sum()) - n_nan} inf): a model predicted NaN or inf")
    return arr

def check_entries(rows, cols, ratings, shape):
    """Held-out entries: integer rows and columns inside ``shape``, finite ratings, one length."""
    rows, cols = np.asarray(rows), np.asarray(cols)
    y = check_values(ratings, "ratings")
    for name, idx, size in (("rows", rows, shape[0]), ("cols", cols, shape[1])):
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"{name} must be a 1-D array of integer indices, got dtype {idx.dtype}, shape {idx.shape}")
        if idx.size and (idx.min() < 0 or idx.max() >= size):
            raise ValueError(f"{name} must index 0..{size - 1}, got values from {idx.min()} to {idx.max()}")
    if not (rows.shape == cols.shape == y.shape) or y.size == 0:
        raise ValueError(f"rows, cols and ratings must be of one non-zero length, got {rows.shape}, {cols.shape}, "
                         f"{y.shape}")
    return rows, cols, y


def _check_scale(values: np.ndarray, mixture: GaussianMixture, size: int) -> None:
    """Refuse a variance so small for the data's magnitude that the Gaussian densities overflow.

    The steps divide squared distances (up to ``n * d * scale**2``, ``size = n * d``) by the variances;
    ``values`` are X's entries (a sparse X's stored ones).
    """
    scale = max(float(np.abs(values).max(initial=0.0)), float(np.abs(mixture.mu).max()), 1.0)
    v = float(mixture.var.min())
    if 2 * np.log10(scale) + np.log10(size) - np.log10(v) > 300:
        j = int(np.argmin(mixture.var))
        raise ValueError(
            f"mixture.var[{j}] = {v:.3g} is too small for data of magnitude {scale:.3g}: the Gaussian "
            "densities would overflow float64; use a larger variance (or rescale X)"
        )


def squared_distances(X: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Squared Euclidean distance of every row of X to every mean.

    Computed as ``((X - mu[j])**2).sum(axis=1)`` for each component (a loop over
    the K components, never over rows), which is exactly the course's
    arithmetic, so ties and near-ties resolve as in the handout.

    Parameters
    ----------
    X : array of shape (n, d)
    mu : array of shape (K, d)

    Returns
    -------
    array of shape (n, K)
    """
    out = np.empty((X.shape[0], mu.shape[0]))
    for j in range(mu.shape[0]):
        out[:, j] = ((X - mu[j]) ** 2).sum(axis=1)
    return out


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


# --------------------------------------------------------------------------
# The one loop engine (K-means, naive EM, EM with missing entries)
# --------------------------------------------------------------------------

#: Default cap on the iterations of every ``run``: far above what the course's runs need (at
#: most 47 on the toy data, 27 on the Netflix matrix), low enough that a run that cannot settle stops.
MAX_ITER = 1000


class NotConvergedWarning(UserWarning):
    """A run stopped at its ``max_iter`` cap before the course's stopping rule was met.

    The result is the last iterate; its ``converged`` attribute is False.
    """


class Iteration(NamedTuple):
    """One EM iteration: the E-step on ``estep_mixture``, then the M-step.

    Attributes
    ----------
    estep_mixture : GaussianMixture
        The mixture the E-step used. The handout's own loop (its ``test.py``
        cell) ends right after an E-step, so it fills the matrix with this one.
    post : array of shape (n, K)
        The E-step's posteriors, computed from ``estep_mixture`` (the
        *handout's* ``post``, one M-step behind ``mixture``).
    ll : float
        The E-step's log-likelihood, of ``estep_mixture``.
    mixture : GaussianMixture
        After the M-step: what ``run`` returns on the last iteration.
    """

    estep_mixture: GaussianMixture
    post: np.ndarray
    ll: float
    mixture: GaussianMixture


class RunResult(tuple):
    """What every ``run`` returns: the handout's triple ``(mixture, post, score)``, with more attributes.

    It unpacks like the handout's return value (``mixture, post, ll = em.run(...)``).

    Attributes
    ----------
    mixture : GaussianMixture
        After the last M-step (K-means: the last update).
    post : array of shape (n, K)
        The *handout's* ``post``: from the last E-step (K-means: the last
        assignment), that is of the mixture **before** the last M-step, as the
        course's reference numbers assume. The posteriors *of* the returned
        mixture (a "refreshed" post, one E-step later) are ``estep(X, mixture)``.
    score : float
        K-means: the cost of ``mixture``; EM: the log-likelihood of the last E-step (``ll``).
    n_iter : int
        Iterations run (one E-step and one M-step each).
    converged : bool
        True when the course's stopping rule ended the run, False when ``max_iter`` did
        (a ``NotConvergedWarning`` was then issued).
    estep_mixture : GaussianMixture
        The mixture the last E-step used (the one the handout's loop ends with).
    """

    def __new__(cls, mixture, post, score, *, n_iter: int, converged: bool, estep_mixture=None):
        self = super().__new__(cls, (mixture, post, score))
        self.n_iter, self.converged, self.estep_mixture = int(n_iter), bool(converged), estep_mixture
        return self

    def __reduce__(self):
        return (_make_run_result, (tuple(self), self.n_iter, self.converged, self.estep_mixture))

    mixture = property(lambda self: self[0])
    post = property(lambda self: self[1])
    score = property(lambda self: self[2])

    def __repr__(self) -> str:
        return (f"RunResult(score={self[2]!r}, n_iter={self.n_iter}, converged={self.converged}, "
                f"K={len(self[0].p)})")


def _make_run_result(triple, n_iter, converged, estep_mixture):
    return RunResult(*triple, n_iter=n_iter, converged=converged, estep_mixture=estep_mixture)


def _caller_level() -> int:  # pragma: no mutate block (counts frames: mutmut's wrapper would add one)
    """``stacklevel`` that makes a warning point at the first caller outside the package."""
    frame, level = sys._getframe(1), 1
    # ("mutmut.": under `make mutation` every library function is called through mutmut's trampoline)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(("cfgmm_lib", "mutmut.")):
        frame, level = frame.f_back, level + 1
    return level


def handout_ll_rule(previous: float, ll: float) -> bool:
    """The course's EM stopping rule: converged when ``ll - previous <= 1e-6 * |ll|``."""
    return ll - previous <= 1e-6 * abs(ll)


def handout_cost_rule(previous: float, cost: float) -> bool:
    """The course's K-means stopping rule: converged when ``previous - cost <= 1e-4``."""
    return previous - cost <= 1e-4


class Loop:
    """The one loop engine of the package: K-means, naive EM and EM with missing entries run on it.

    Iterating yields ``(mixture, post, score, new_mixture)`` once per iteration, where
    ``post, score, new_mixture = step(mixture)``. It stops after the first iteration
    for which ``converged(previous_score, score)`` holds (the handout's rules:
    ``handout_ll_rule``, ``handout_cost_rule``), or after ``max_iter`` iterations,
    with a ``NotConvergedWarning`` that says what to try.

    Parameters
    ----------
    step : callable
        ``step(mixture) -> (post, score, new_mixture)``: one E-step and one M-step
        (private functions: the arguments were checked before the loop).
    mixture : GaussianMixture
        The start.
    converged : callable
        ``converged(previous_score, score) -> bool``.
    max_iter : int or None
        Cap on the iterations; None for none.
    name : str
        The caller, for the warning (``"em.run"``).

    Attributes
    ----------
    n_iter : int
        Iterations run so far.
    converged : bool
        Whether the stopping rule ended the loop.
    """

    def __init__(self, step, mixture, *, converged, max_iter: int | None = MAX_ITER, name: str = "run"):
        self.step, self.start, self.rule, self.max_iter, self.name = step, mixture, converged, max_iter, name
        self.n_iter, self.converged = 0, False

    def __iter__(self):
        mixture, previous, change = self.start, None, None
        while self.max_iter is None or self.n_iter < self.max_iter:
            post, score, new = self.step(mixture)
            self.n_iter += 1
            yield mixture, post, score, new
            if previous is not None and self.rule(previous, score):
                self.converged = True
                return
            change = None if previous is None else score - previous
            previous, mixture = score, new
        change = "none yet" if change is None else f"{change:.3g}"
        warnings.warn(NotConvergedWarning(
            f"{self.name} stopped after max_iter = {self.max_iter} iterations without meeting the course's "
            f"stopping rule (last change of the score: {change}); the result is the last iterate, not a "
            "converged fit. Try a larger max_iter (or max_iter=None), another seed, or fewer components."
        ), stacklevel=_caller_level())

    def run(self) -> RunResult:
        """Run to the end and return the handout's triple as a ``RunResult``."""
        last = None
        for last in self:
            pass
        estep_mixture, post, score, mixture = last
        return RunResult(mixture, post, score, n_iter=self.n_iter, converged=self.converged,
                         estep_mixture=estep_mixture)


def em_iterations(estep, mstep, mixture, *, max_iter: int | None = None):
    """EM iterations on the loop engine: yields ``(post, ll, new_mixture)`` until the handout's rule holds.

    ``post, ll = estep(mixture)``, ``new_mixture = mstep(post, mixture)``. Kept for
    callers (the benchmark) that drive private steps; the library's runs use ``Loop``.
    """
    def step(m):
        post, ll = estep(m)
        return post, ll, mstep(post, m)

    for _, post, ll, new in Loop(step, mixture, converged=handout_ll_rule, max_iter=max_iter, name="em_iterations"):
        yield post, ll, new


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
    if issparse(X):  # the stored entries are the ratings (notebook 07); nothing (n, d) is made
        from .scale.sparse import check_sparse

        X = check_sparse(X)
    else:
        X = check_matrix(X)
    return _init(X, check_K(K, X.shape[0]), check_seed(seed))


def _init(X, K: int, seed: int) -> tuple[GaussianMixture, np.ndarray]:
    """``init`` on checked arguments (a dense array, or a checked sparse matrix)."""
    n = X.shape[0]
    sparse = issparse(X)
    rng = np.random.RandomState(seed)
    if sparse:
        from .scale.sparse import init_moments

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
    ll = check_scalar(log_likelihood, "log_likelihood")
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
