"""The held-out protocol and the baselines of ``cfgmm_lib.evaluation`` on a sparse ratings matrix.

``evaluation.holdout_split``, ``fit_means``, ``fit_bias`` and ``fit_mixture`` come here for a
``scipy.sparse`` X (its stored entries are the observed ratings). The split hides the same
entries as on the dense matrix (the stored entries of a CSR matrix are in the row-major order
of ``np.nonzero``), and nothing of shape (n, d) is made. Every function here takes a checked CSR
matrix (``core.validation.check_sparse``, or ``check_ratings``): the evaluation's public functions
check X once, then come here.

Introduced in ``notebooks/07_netflix_scale.py``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["hide", "means", "bias_sums", "residuals", "stored_rows"]


def stored_rows(X: sp.csr_matrix) -> np.ndarray:
    """The row of every stored entry, shape (nnz,)."""
    return np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))


def hide(X: sp.csr_matrix, idx: np.ndarray):
    """``evaluation.holdout_split`` for a checked sparse X: remove the stored entries ``idx`` (sorted).

    Returns
    -------
    X_train : csr_matrix of shape (n, d)
        A new matrix without the hidden entries (X is not changed).
    rows, cols : int arrays of shape (m,)
    ratings : array of shape (m,)
    """
    rows = np.searchsorted(X.indptr, idx, side="right") - 1
    keep = np.ones(X.nnz, dtype=bool)
    keep[idx] = False
    indptr = np.zeros_like(X.indptr)
    np.cumsum(np.diff(X.indptr) - np.bincount(rows, minlength=X.shape[0]), out=indptr[1:])
    X_train = sp.csr_matrix((X.data[keep], X.indices[keep], indptr), shape=X.shape)
    return X_train, rows, X.indices[idx].astype(np.intp), X.data[idx].copy()


def means(X: sp.csr_matrix, axis: int):
    """The evaluation's means for a checked sparse X: per-row (axis=1) or per-column (axis=0) means, the global mean."""
    if X.nnz == 0:
        raise ValueError("the matrix has no observed entry")
    if axis == 1:
        count, total = np.diff(X.indptr), X @ np.ones(X.shape[1])
    else:
        count, total = np.bincount(X.indices, minlength=X.shape[1]), X.T @ np.ones(X.shape[0])
    glob = X.data.sum() / X.nnz
    return np.where(count > 0, total / np.maximum(count, 1), glob), glob, X.shape


def bias_sums(X: sp.csr_matrix):
    """What ``evaluation.fit_bias``'s loop needs, from a checked sparse X.

    Returns
    -------
    mu : float
        The mean observed rating.
    r_user, r_movie : arrays of shape (n,), (d,)
        Row and column sums of ``x - mu`` over the observed entries.
    n_user, n_movie : arrays of shape (n,), (d,)
        Observed entries per row and per column.
    M_dot, MT_dot : callables
        ``v -> M @ v`` and ``v -> v @ M`` with M the 0/1 mask of stored entries.
    """
    if X.nnz == 0:
        raise ValueError("X has no observed entry: nothing to fit")
    M = sp.csr_matrix((np.ones(X.nnz), X.indices, X.indptr), shape=X.shape, copy=False)
    mu = float(X.data.mean())
    n_user = np.diff(X.indptr).astype(float)
    n_movie = np.bincount(X.indices, minlength=X.shape[1]).astype(float)
    r_user = X @ np.ones(X.shape[1]) - mu * n_user
    r_movie = X.T @ np.ones(X.shape[0]) - mu * n_movie
    return mu, r_user, r_movie, n_user, n_movie, (lambda v: M @ v), (lambda v: M.T @ v)


def residuals(X: sp.csr_matrix, offset) -> sp.csr_matrix:
    """A checked sparse X, or ``X - offset`` at the stored entries (a residual of 0 stays stored: it is observed)."""
    if offset is None:
        return X
    data = X.data - offset.predict_checked(stored_rows(X), X.indices)
    return sp.csr_matrix((data, X.indices, X.indptr), shape=X.shape)
