"""The observed-data views EM with missing entries reads, dense and sparse, and what is predicted from them.

EM with missing entries (``em``) only ever touches the observed ratings, through four sums:
for each row ``X @ W``-like products (the E-step) and for each component ``post.T @ X``-like
sums (the M-step). ``Observed`` holds ``[X, M, sumsq, counts]`` side by side for a dense X, so
that each is one matrix product; ``SparseObserved`` holds the same pieces for a ``scipy.sparse``
X, whose stored entries are the ratings, without ever making an (n, d) array.

From the posteriors of a view, ``posterior_mean`` is the one prediction of a rating,
``sum_j post[u, j] mu[j, l]``; ``predict_entries`` keeps the observed ratings and predicts the
others at chosen (row, column) positions, and ``fill`` does so for the whole matrix. Every
function here trusts its arguments (checked by the public function that calls it).

Introduced in ``notebooks/04_matrix_completion.py`` (dense) and ``notebooks/07_netflix_scale.py`` (sparse).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse import issparse

from .validation import observed_mask, refuse_sparse_mask

__all__ = ["Observed", "SparseObserved", "observe", "posterior_mean", "predict_entries", "fill"]

#: Rows per block when computing a sparse X's row sums of squares (bounds the temporary memory).
_BLOCK_NNZ = 1 << 23


class Observed(NamedTuple):
    """What EM needs of the data, computed once per run.

    Attributes
    ----------
    A : array of shape (n, 2d + 2)
        ``[X, M, sumsq, counts]`` side by side, so that each step is one
        matrix product: the data with unobserved entries set to 0, the 0/1
        mask of observed entries, the row sums of squares of the observed
        entries and ``|C_u|``, the number of observed entries per row.
    X, M : arrays of shape (n, d)
        Views of the first two blocks of ``A``.
    sumsq, counts : arrays of shape (n,)
        Views of its last two columns.
    """

    A: np.ndarray
    X: np.ndarray
    M: np.ndarray
    sumsq: np.ndarray
    counts: np.ndarray

    def products(self, W: np.ndarray) -> np.ndarray:
        """``X @ W[:d] + M @ W[d:2d] + sumsq W[2d] + counts W[2d+1]``, shape (n, K): one product."""
        return self.A @ W

    def sums(self, post: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``post.T @ X``, ``post.T @ M`` (K, d), ``post.T @ sumsq``, ``post.T @ counts`` (K,): one product."""
        d = self.X.shape[1]
        R = post.T @ self.A
        return R[:, :d], R[:, d:2 * d], R[:, 2 * d], R[:, 2 * d + 1]


class SparseObserved:
    """What EM needs of a sparse X, computed once per run (the sparse twin of ``Observed``).

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


def observe(X, mask=None) -> Observed | SparseObserved:
    """The observed-data view of a *checked* X (``core.validation.check_data``); the mask is checked here.

    Parameters
    ----------
    X : array of shape (n, d), float64, or csr_matrix of shape (n, d) from ``check_sparse``
        Already checked. Dense: 0 = missing unless ``mask`` is given; sparse: stored = observed.
    mask : bool array of shape (n, d), optional
        Dense X only: True where an entry is observed.

    Returns
    -------
    Observed, or SparseObserved for a sparse X.
    """
    if issparse(X):
        refuse_sparse_mask(mask)
        return SparseObserved(X)
    n, d = X.shape
    observed = observed_mask(X, mask)
    if mask is not None:
        X = np.where(observed, X, 0.0)
    A = np.empty((n, 2 * d + 2))
    A[:, :d] = X
    A[:, d:2 * d] = observed
    A[:, 2 * d] = np.einsum("ij,ij->i", X, X)
    A[:, 2 * d + 1] = A[:, d:2 * d] @ np.ones(d)  # |C_u| (a product is 4x faster than count_nonzero)
    return Observed(A, A[:, :d], A[:, d:2 * d], A[:, 2 * d], A[:, 2 * d + 1])


def posterior_mean(post: np.ndarray, mu: np.ndarray, rows: np.ndarray | None = None,
                   cols: np.ndarray | None = None) -> np.ndarray:
    """The mixture's prediction of a rating: ``sum_j post[u, j] mu[j, l]``, of every entry or of chosen ones.

    Parameters
    ----------
    post : array of shape (n, K)
    mu : array of shape (K, d)
    rows, cols : int arrays of shape (m,), optional
        The entries ``(rows[m], cols[m])`` to predict; by default every entry.

    Returns
    -------
    array of shape (n, d) (every entry: ``post @ mu``) or (m,)
    """
    if rows is None:
        return post @ mu
    return np.einsum("mk,km->m", post[rows], mu[:, cols])


def predict_entries(obs: Observed | SparseObserved, post: np.ndarray, mu: np.ndarray, rows: np.ndarray,
                    cols: np.ndarray) -> np.ndarray:
    """What ``fill`` gives at ``(rows[m], cols[m])``: the rating where observed, else ``posterior_mean``.

    Returns
    -------
    array of shape (m,)
    """
    pred = posterior_mean(post, mu, rows, cols)
    if issparse(obs.X):
        seen = np.asarray(obs.M[rows, cols]).ravel() > 0
        values = np.asarray(obs.X[rows, cols]).ravel()
    else:
        seen = obs.M[rows, cols] > 0
        values = obs.X[rows, cols]
    return np.where(seen, values, pred)


def fill(obs: Observed | SparseObserved, post: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """The completed matrix: the observed ratings kept, every other entry ``(post @ mu)[u, l]``.

    Returns
    -------
    array of shape (n, d)
        A new array (for a sparse X, the caller has checked that it fits: ``check_fillable``).
    """
    out = posterior_mean(post, mu)
    if issparse(obs.X):
        rows = np.repeat(np.arange(obs.X.shape[0]), np.diff(obs.X.indptr))
        out[rows, obs.X.indices] = obs.X.data
        return out
    return np.where(obs.M > 0, obs.X, out)
