"""Every argument check of a model: the number of components, a mixture (spherical or full), posteriors,
and the checks every ``estep``, ``mstep`` and ``run`` opens with (``check_step_args``).

With ``core.validation`` (the data's checks) the one validation layer of the package: one
posterior tolerance (``POST_ROW_TOLERANCE``), one message style. Introduced in
``notebooks/01_kmeans.py`` and ``notebooks/02_em.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import issparse

from .mixture import FullMixture, GaussianMixture
from .validation import as_real_array, check_data, check_matrix, check_scalar

__all__ = ["POST_ROW_TOLERANCE", "check_K", "check_mixture", "check_full_mixture", "check_post", "check_step_args",
           "check_scale", "cholesky"]


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
    return GaussianMixture(mu, var, _check_weights(p))


#: How far a mixture's weights may sum from 1.
WEIGHT_SUM_TOLERANCE = 1e-6


def _check_weights(p: np.ndarray) -> np.ndarray:
    """Weights (already of shape (K,) and finite): non-negative, summing to 1."""
    if (p < 0).any():
        j = int(np.argmax(p < 0))
        raise ValueError(f"mixture.p must be non-negative; component {j} has weight {p[j]!r}")
    if abs(p.sum() - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise ValueError(f"mixture.p must sum to 1, but it sums to {p.sum():.10g}")
    return p


def check_full_mixture(mixture, d: int) -> FullMixture:
    """Check a ``FullMixture`` against data of width ``d`` and return it as float64 arrays.

    The same rules as ``check_mixture`` for ``mu`` and ``p``; each covariance must be symmetric
    and positive definite.

    Parameters
    ----------
    mixture : FullMixture
        ``mu`` of shape (K, d), ``cov`` of shape (K, d, d), ``p`` of shape (K,).
    d : int
        The width of the data.

    Raises
    ------
    TypeError
        If ``mixture`` is not a ``FullMixture(mu, cov, p)``, or holds complex numbers.
    ValueError
        On wrong shapes, NaN or inf, negative weights or weights that do not sum to 1, or a
        covariance that is not symmetric positive definite.
    """
    if not isinstance(mixture, tuple) or len(mixture) != 3:
        raise TypeError(f"mixture must be a FullMixture(mu, cov, p), got {type(mixture).__name__}")
    mu = as_real_array(mixture[0], "mixture.mu")
    if mu.ndim != 2 or mu.shape[1] != d or mu.shape[0] == 0:
        raise ValueError(f"mixture.mu must have shape (K, d) with d = {d}, got {mu.shape}")
    mu = check_matrix(mu, "mixture.mu")
    K = mu.shape[0]
    cov = as_real_array(mixture[1], "mixture.cov")
    if cov.shape != (K, d, d):
        raise ValueError(f"mixture.cov must have shape (K, d, d) = {(K, d, d)}, got {cov.shape}")
    if not np.isfinite(cov).all():
        raise ValueError("mixture.cov contains NaN or inf")
    p = _check_weights(_check_vector(mixture[2], "mixture.p", K))
    if not np.allclose(cov, cov.transpose(0, 2, 1), rtol=1e-10, atol=1e-12 * np.abs(cov).max()):
        raise ValueError("mixture.cov must be symmetric")
    cholesky(cov)  # raises when not positive definite
    return FullMixture(mu, cov, p)


def cholesky(cov: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of (K, d, d) covariances; a clear error names the first that is not positive definite.

    Returns
    -------
    array of shape (K, d, d)
    """
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        for c in range(cov.shape[0]):
            try:
                np.linalg.cholesky(cov[c])
            except np.linalg.LinAlgError:
                raise ValueError(f"mixture.cov[{c}] is not positive definite (use a covariance floor reg_covar > 0)") from None
        raise


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
    X = check_data(X, sparse=sparse)
    n, d = X.shape
    if mixture is None and isinstance(need_mixture, str):
        raise TypeError(f"mixture must be a GaussianMixture(mu, var, p), got NoneType: {need_mixture}")
    if mixture is not None or need_mixture:
        mixture = check_mixture(mixture, d, zero_variance=zero_variance)
        if not zero_variance:
            check_scale(X.data if issparse(X) else X, mixture, X.shape[0] * X.shape[1])
    if post is not None or need_post:
        post = check_post(post, n, None if mixture is None else mixture.mu.shape[0])
    return X, mixture, post


def check_scale(values: np.ndarray, mixture: GaussianMixture, size: int) -> None:
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
