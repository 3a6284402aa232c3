"""Closed-form solves of the quadratic problems behind every reconstruction.

All reconstructions minimise, for some weight ``a``, a quadratic of the form

    || W x - b ||^2 + a x^T Q x,    W = R^(-1/2) F (whitened forward matrix, 2M x N),

whose solution is ``(W^T W + a Q) x = W^T b + (extra terms)``. The image has N = 4096 pixels but
the data only 2M ~ 1000-2000 numbers, so ``W^T W`` has low rank. ``Ridge`` eigendecomposes
``W W^T`` (2M x 2M) once per observation; then ``(W^T W + a I)^-1 r`` costs two products with
a (2M x N) matrix made once, for any ``a`` (see ``Ridge``).

``Smooth`` does the same for ``Q`` = the total squared variation (the image's finite-difference
Laplacian, plus ``eps * I`` for its constant null space) by a change of variables
``x = B t`` with ``B^T Q B = I``; ``B`` is separable along rows and columns.

Introduced in ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_scalar

__all__ = ["Ridge", "Smooth", "path_laplacian"]


def _check_weight(a) -> float:
    return check_scalar(a, "the regularisation weight", low=0.0, low_inclusive=False)


class Ridge:
    """Solves ``(W^T W + a I) x = r`` for any ``a > 0``, after one eigendecomposition of ``W W^T``.

    With ``W W^T = U diag(s) U^T`` (m x m, m = 2M much smaller than N), the push-through identity gives

        (W^T W + a I)^-1 r = (r - W^T U diag(1 / (s + a)) U^T W r) / a
                           = (r - A^T diag(1 / (s + a)) A r) / a,    A = U^T W  (m x N, made once),

    two products with ``A`` per solve, for any ``a`` (a third less time than with ``W`` and ``U``).
    ``A`` has W's size (about 50 MB for the 12-hour EHT array): it is held instead of ``U``.

    Parameters
    ----------
    W : array of shape (m, N)
    """

    def __init__(self, W):
        W = np.asarray(W, dtype=float)
        if W.ndim != 2:
            raise ValueError(f"W must be a 2-D array of shape (m, N), got shape {W.shape}")
        s, U = np.linalg.eigh(W @ W.T)
        self.s = np.maximum(s, 0.0)  # W W^T is positive semi-definite; clip rounding below 0
        self.A = U.T @ W  # (m, N): W's rows turned to the eigenvectors of W W^T

    def solve(self, r, a: float) -> np.ndarray:
        """``(W^T W + a I)^-1 r``.

        Parameters
        ----------
        r : array of shape (N,), or (k, N): k right-hand sides, one per row
        a : float > 0

        Returns
        -------
        array of r's shape
            For k rows, each row's solve (``A`` is read once for all of them).
        """
        a = _check_weight(a)
        c = r @ self.A.T  # (m,) or (k, m)
        return (r - (c / (self.s + a)) @ self.A) / a


def path_laplacian(n: int) -> np.ndarray:
    """``D^T D`` for the forward differences ``D`` of a length-``n`` line (shape (n, n))."""
    D = np.diff(np.eye(n), axis=0)
    return D.T @ D


class Smooth:
    """Solves ``(W^T W + a (L + eps I)) x = r``, L the TSV Laplacian of an ``npix x npix`` image.

    ``sum (x[i+1, j] - x[i, j])^2 + (x[i, j+1] - x[i, j])^2 = x^T L x`` with ``L = L1 (x) I + I (x) L1``.
    With ``L1 = Q1 diag(l) Q1^T``, ``L + eps I = Q diag(lam) Q^T`` with ``Q = Q1 (x) Q1`` and
    ``lam = l_i + l_j + eps``; ``B = Q diag(lam^-1/2)`` turns the problem into a ridge problem on ``W B``.

    Parameters
    ----------
    W : array of shape (m, npix * npix)
    npix : int
    eps : float, default 1e-3
        Weight of the ridge term that pins the constant image (which the Laplacian ignores).
    """

    def __init__(self, W, npix: int, eps: float = 1e-3):
        W = np.asarray(W, dtype=float)
        l1, self.Q1 = np.linalg.eigh(path_laplacian(npix))
        self.npix = npix
        self.scale = 1.0 / np.sqrt(np.add.outer(l1, l1).ravel() + eps)  # diag(lam^-1/2)
        WB = self._Qt(W) * self.scale  # rows of W B
        self.ridge = Ridge(WB)

    def _Qt(self, rows: np.ndarray) -> np.ndarray:
        """``rows @ Q`` for rows of length npix**2 (each taken as an image R: Q1^T R Q1)."""
        n = self.npix
        R = rows.reshape(-1, n, n)
        return (self.Q1.T @ R @ self.Q1).reshape(rows.shape)

    def _Q(self, t: np.ndarray) -> np.ndarray:
        """``t @ Q^T`` for rows of length npix**2 (the inverse of ``_Qt``)."""
        n = self.npix
        return (self.Q1 @ t.reshape(-1, n, n) @ self.Q1.T).reshape(t.shape)

    def solve(self, r, a: float) -> np.ndarray:
        """``(W^T W + a (L + eps I))^-1 r`` for r of shape (npix * npix,), or (k, npix * npix): one per row."""
        # x = B t with (B^T W^T W B + a I) t = B^T r
        t = self.ridge.solve(self._Qt(np.asarray(r, dtype=float)) * self.scale, a)
        return self._Q(t * self.scale)
