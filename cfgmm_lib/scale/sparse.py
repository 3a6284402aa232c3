"""The handout's EM on a ``scipy.sparse`` ratings matrix: the stored entries are the observed ratings.

``em.estep``, ``em.mstep``, ``em.run``, ``em.history`` and ``em.fill_matrix``, ``common.init``
and ``sweep(..., method="em")`` accept a sparse X and come here for the data-dependent parts.
The equations are the handout's (see ``cfgmm_lib.em``); only the products change. With ``M``
the 0/1 matrix of stored entries (it shares X's index arrays),

- E-step: ``f = X @ (mu / var).T - M @ (mu**2 / (2 var)).T - sumsq / (2 var)
  - counts / 2 log(2 pi var) + log(p + 1e-16)``, shape (n, K);
- M-step: ``post.T @ X = (X.T @ post).T`` and ``post.T @ M``, shape (K, d), plus
  ``post.T @ sumsq`` and ``post.T @ counts``.

Four sparse-times-dense products per iteration, each touching every stored rating once; nothing
of shape (n, d) is ever made (``fill_matrix`` refuses a sparse X too large to fill and points
to ``predict``, which scores chosen ``(row, column)`` entries only).

Introduced in ``notebooks/07_netflix_scale.py``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..common import GaussianMixture, check_mixture

__all__ = ["SparseObserved", "check_sparse", "check_fillable", "observe_sparse", "init_moments", "fill_sparse", "predict",
           "MAX_FILL_ENTRIES"]

#: ``fill_matrix`` on a sparse X returns a dense (n, d) array only up to this many entries (1.07 GB of float64).
MAX_FILL_ENTRIES = 2**27

#: Rows per block when computing the row sums of squares (bounds the temporary memory).
_BLOCK_NNZ = 1 << 23


def check_sparse(X, name: str = "X") -> sp.csr_matrix:
    """Check a ``scipy.sparse`` ratings matrix and return it as float64 CSR with sorted, unique entries.

    The caller's matrix is never modified; its arrays are shared when they already have that form.

    Parameters
    ----------
    X : scipy.sparse matrix or array of shape (n, d)
        The stored entries are the observed ratings.
    name : str
        Used in error messages.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n, d), float64

    Raises
    ------
    TypeError
        If X is not sparse or not real-valued.
    ValueError
        If X is not 2-D, has no row or column, stores an entry twice, or stores NaN or inf.
    """
    if not sp.issparse(X):
        raise TypeError(f"{name} must be a scipy.sparse matrix here, got {type(X).__name__}")
    if len(X.shape) != 2:
        raise ValueError(f"{name} must be 2-D of shape (n, d), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    stored = X.nnz
    csr = sp.csr_matrix(X, dtype=np.float64)
    if not csr.has_canonical_format:
        csr = csr.copy()  # never sort or merge the caller's arrays in place
        csr.sum_duplicates()
    if X.format in ("coo", "csr", "csc") and csr.nnz != stored:
        raise ValueError(
            f"{name} stores {stored - csr.nnz} (row, column) entries more than once; a rating must be stored "
            "once (scipy would add the copies together)"
        )
    if not np.isfinite(csr.data).all():
        k = int(np.argmin(np.isfinite(csr.data)))
        row = int(np.searchsorted(csr.indptr, k, side="right") - 1)
        raise ValueError(f"{name} stores NaN or inf (first at row {row}, column {int(csr.indices[k])}); "
                         "a missing rating is simply not stored")
    return csr


class SparseObserved:
    """What EM needs of a sparse X, computed once per run (the sparse twin of ``em.Observed``).

    Attributes
    ----------
    X : csr_matrix of shape (n, d)
        The observed ratings.
    M : csr_matrix of shape (n, d)
        1 at every stored entry; shares X's index arrays (only its data, nnz float64, is new).
    sumsq, counts : arrays of shape (n,)
        Row sums of squares of the observed ratings, and ``|C_u|``.
    """

    def __init__(self, X: sp.csr_matrix):
        self.X = X
        self.M = sp.csr_matrix((np.ones(X.nnz), X.indices, X.indptr), shape=X.shape, copy=False)
        self.counts = np.diff(X.indptr).astype(np.float64)
        self.sumsq = np.empty(X.shape[0])
        n, start = X.shape[0], 0
        while start < n:  # blocks of rows, so the squares never take a second copy of the data
            stop = int(np.searchsorted(X.indptr, X.indptr[start] + _BLOCK_NNZ, side="right"))
            stop = min(max(stop, start + 1), n)
            block = X[start:stop]
            self.sumsq[start:stop] = np.asarray(block.multiply(block).sum(axis=1)).ravel()
            start = stop

    @property
    def shape(self) -> tuple[int, int]:
        return self.X.shape

    def products(self, W: np.ndarray) -> np.ndarray:
        """``X @ W[:d] + M @ W[d:2d] + sumsq W[2d] + counts W[2d+1]``, shape (n, K)."""
        d = self.X.shape[1]
        f = self.X @ W[:d]
        f += self.M @ W[d:2 * d]
        f += np.outer(self.sumsq, W[2 * d])
        f += np.outer(self.counts, W[2 * d + 1])
        return f

    def sums(self, post: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``post.T @ X``, ``post.T @ M`` (K, d) and ``post.T @ sumsq``, ``post.T @ counts`` (K,)."""
        return (self.X.T @ post).T, (self.M.T @ post).T, post.T @ self.sumsq, post.T @ self.counts


def observe_sparse(X, mask=None) -> SparseObserved:
    """``em.observe`` for a sparse X: check it and compute the pieces every step reuses."""
    if mask is not None:
        raise ValueError("mask= is for a dense X; in a sparse X the stored entries are the observed ratings "
                         "(store a rating of 0 explicitly, and leave a missing one out)")
    return SparseObserved(check_sparse(X))


def init_moments(X: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``common.init``'s means and variances on a sparse X, without densifying it.

    ``mu`` = the chosen rows (zeros where nothing is stored, as the course's dense init sees them);
    ``var[j]`` = mean over all n*d entries of ``(X - mu[j])**2``
    ``= (sum x^2 - 2 colsum(X) . mu[j] + n |mu[j]|^2) / (n d)``.

    Returns
    -------
    mu : array of shape (K, d)
    var : array of shape (K,)
    """
    n, d = X.shape
    mu = X[rows].toarray()
    colsum = np.asarray(X.sum(axis=0)).ravel()
    total = float(X.data @ X.data)
    var = (total - 2.0 * (mu @ colsum) + n * np.einsum("jl,jl->j", mu, mu)) / (n * d)
    return mu, var


def check_fillable(shape: tuple[int, int], what: str, instead: str) -> None:
    """Refuse to build a dense ``shape`` array from a sparse X beyond ``MAX_FILL_ENTRIES`` entries.

    The one check behind every function that would densify a sparse input; the message says how
    large the array would be and what to do ``instead``.
    """
    n, d = shape
    if n * d > MAX_FILL_ENTRIES:
        raise ValueError(f"{what} would build a dense {n:,} x {d:,} array ({n * d * 8 / 1e9:,.1f} GB) from the "
                         f"sparse X; {instead}")


def fill_sparse(obs: SparseObserved, mixture: GaussianMixture, estep) -> np.ndarray:
    """``em.fill_matrix`` for a sparse X, when the dense result fits (``MAX_FILL_ENTRIES``)."""
    n, d = obs.X.shape
    check_fillable((n, d), "fill_matrix",
                   "predict only the entries you need with cfgmm_lib.scale.predict(X, mixture, rows, cols)")
    post, _ = estep(obs, mixture)
    out = post @ mixture.mu
    rows = np.repeat(np.arange(n), np.diff(obs.X.indptr))
    out[rows, obs.X.indices] = obs.X.data
    return out


def _check_pairs(rows, cols, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for name, idx, size in (("rows", rows, n), ("cols", cols, d)):
        arr = np.asarray(idx)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of indices, got shape {arr.shape}")
        if arr.size and arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer indices, got dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() >= size):
            raise ValueError(f"{name} must be indices in [0, {size}), got values from {arr.min()} to {arr.max()}")
        out.append(arr.astype(np.intp))
    if out[0].shape != out[1].shape:
        raise ValueError(f"rows and cols must have one length, got {out[0].size} and {out[1].size}")
    return out[0], out[1]


def predict(X, mixture: GaussianMixture, rows, cols, *, mask=None) -> np.ndarray:
    """The entries ``em.fill_matrix`` would give at chosen ``(row, column)`` positions, without filling.

    An observed entry keeps its rating; a missing ``(u, l)`` becomes ``sum_j post[u, j] mu[j, l]``,
    with ``post`` from the E-step on X. Works for dense and sparse X; memory is ``(n, K)`` for the
    posteriors plus ``(m, K)`` for the pairs, never ``(n, d)``.

    Parameters
    ----------
    X : array or scipy.sparse matrix of shape (n, d)
        Ratings: 0 = missing in a dense X (unless ``mask`` is given), stored = observed in a sparse one.
    mixture : GaussianMixture
        ``mu`` (K, d), ``var`` (K,), ``p`` (K,).
    rows, cols : int arrays of shape (m,)
        The positions to predict.
    mask : bool array of shape (n, d), optional
        Dense X only: True where observed.

    Returns
    -------
    array of shape (m,)

    Notes
    -----
    Introduced in ``notebooks/07_netflix_scale.py``.
    """
    from .. import em  # em imports this module

    obs = em.observe(X, mask)
    n, d = obs.X.shape
    mixture = check_mixture(mixture, d)
    rows, cols = _check_pairs(rows, cols, n, d)
    post, _ = em._estep(obs, mixture)
    pred = np.einsum("mk,km->m", post[rows], mixture.mu[:, cols])
    if sp.issparse(obs.X):
        seen = np.asarray(obs.M[rows, cols]).ravel() > 0
        values = np.asarray(obs.X[rows, cols]).ravel()
    else:
        seen = obs.M[rows, cols] > 0
        values = obs.X[rows, cols]
    return np.where(seen, values, pred)
