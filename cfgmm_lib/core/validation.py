"""Every argument check of the package, on data: scalars, lists of them, dense and sparse matrices, entries.

The one place where a hyper-parameter (``check_scalar``), a data matrix (``check_matrix``,
``check_sparse``, or ``check_data`` for either), a list of (row, column) positions
(``check_pairs``, ``check_entries``) or an observed mask is checked; the checks of a mixture and
its posteriors are in ``core.model_checks``. A public function checks its arguments once, with
these, and then calls steps that trust them. Every message names the argument and what is wrong.
Introduced in ``notebooks/01_kmeans.py`` (the checks every ``run`` opens with).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse import issparse

__all__ = ["MAX_ABS_VALUE", "MAX_FILL_ENTRIES", "check_scalar", "check_seed", "check_max_iter", "check_min_variance", "check_list",
           "as_real_array", "check_matrix", "check_sparse", "check_data", "check_values", "check_pairs",
           "check_entries", "observed_mask", "check_fillable", "check_ratings", "refuse_sparse_mask", "MAX_FIT_BYTES",
           "check_memory"]

#: Largest magnitude an entry may have: beyond it, the squared distances EM and K-means sum
#: (over up to n * d entries) can overflow float64. 1e150 squared is 1e300, below the 1.8e308 limit.
MAX_ABS_VALUE = 1e150

#: ``fill_matrix`` on a sparse X returns a dense (n, d) array only up to this many entries (1.07 GB of float64).
MAX_FILL_ENTRIES = 2**27

#: Most bytes the arrays of one fit may need (``check_memory``): a larger request is refused before any is made.
MAX_FIT_BYTES = 2**32


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


def check_max_iter(max_iter) -> int | None:
    """The cap of every ``run``: a positive integer, or None for no cap."""
    return check_scalar(max_iter, "max_iter", int, low=1, allow_none=True)


def check_min_variance(min_variance) -> float:
    """The variance floor of EM with missing entries: a positive number."""
    return check_scalar(min_variance, "min_variance", float, low=0.0, low_inclusive=False)


def check_list(values, name: str, check) -> list:
    """A non-empty iterable of values (K values, seeds, a grid's candidates), each through ``check``.

    A failing entry's message says which entry of which list: ``seeds[2]: seed must be ...``.
    """
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be an iterable of integers (a list such as [3]), got "
                        f"{type(values).__name__} {values!r}")
    out = []
    for i, v in enumerate(values):
        try:
            out.append(check(v))
        except (TypeError, ValueError) as exc:  # say which entry of which list
            raise type(exc)(f"{name}[{i}]: {exc}") from None
    if not out:
        raise ValueError(f"{name} is empty: it needs at least one value")
    return out


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


def check_matrix(X, name: str = "X", *, squares: bool = True,
                 hint: str = "missing ratings are written as 0, not NaN") -> np.ndarray:
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
    hint : str
        Said after a NaN or inf is found ("" for nothing: an image, a forward matrix).

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
            f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]})" + (f"; {hint}" if hint else "")
        )
    if squares:
        _refuse_overflow(arr, name)
    return arr


def _refuse_overflow(values: np.ndarray, name: str) -> None:
    """Refuse values beyond ``MAX_ABS_VALUE`` in magnitude (dense entries, or a sparse X's stored ones)."""
    top = float(np.abs(values).max()) if values.size else 0.0
    if top > MAX_ABS_VALUE:
        raise ValueError(
            f"{name} holds values as large as {top:.3g} in magnitude, whose squares overflow float64 "
            f"(the limit is {MAX_ABS_VALUE:.0e}); rescale {name} (divide it by a constant) first"
        )


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
        If X is not 2-D, has no row or column, stores an entry twice, stores NaN or inf, or
        values larger than ``MAX_ABS_VALUE`` in magnitude (as ``check_matrix`` refuses them).
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
    _refuse_overflow(csr.data, name)  # the dense path's limit: EM's sums of squares would overflow alike
    return csr


def refuse_sparse_mask(mask) -> None:
    """A sparse X's stored entries are its observed ratings: ``mask=`` is refused with it."""
    if mask is not None:
        raise ValueError("mask= is for a dense X; in a sparse X the stored entries are the observed ratings "
                         "(store a rating of 0 explicitly, and leave a missing one out)")


def check_ratings(X, mask=None):
    """A ratings matrix and its observed entries, checked together.

    Returns
    -------
    X : array of shape (n, d), float64, or csr_matrix of shape (n, d)
    M : bool array of shape (n, d), or None for a sparse X
        ``mask`` checked, or the handout's ``X != 0``; a sparse X's stored entries are its
        observed ones, and ``mask=`` is refused with it.
    """
    X = check_data(X)
    if issparse(X):
        refuse_sparse_mask(mask)
        return X, None
    return X, observed_mask(X, mask)


def check_data(X, name: str = "X", *, sparse: bool = True):
    """A data matrix, dense (``check_matrix``) or, where ``sparse``, a ``scipy.sparse`` one (``check_sparse``).

    Returns
    -------
    array of shape (n, d), float64, or csr_matrix of shape (n, d)
    """
    if sparse and issparse(X):  # the stored entries are the observed ratings (notebook 07)
        return check_sparse(X, name)
    return check_matrix(X, name)


def check_values(values, name: str, hint: str = "a model predicted NaN or inf") -> np.ndarray:
    """A finite real array (any shape), or a message that names the argument, counts the bad values and adds ``hint``."""
    arr = as_real_array(values, name)
    bad = ~np.isfinite(arr)
    if bad.any():
        n_nan = int(np.isnan(arr).sum())
        raise ValueError(f"{name} holds {int(bad.sum())} non-finite value(s) of {arr.size} "
                         f"({n_nan} NaN, {int(bad.sum()) - n_nan} inf)" + (f": {hint}" if hint else ""))
    return arr


def check_pairs(rows, cols, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) positions of a matrix of ``shape``: integer indices inside it, one non-zero length.

    The one check of the positions every ``predict(rows, cols)`` is given (``em.predict``, and
    every model of ``evaluation`` and ``factorization``). A negative index is refused: NumPy
    would wrap it to the last row and predict a rating of someone else.

    Parameters
    ----------
    rows, cols : array-like of int, shape (m,)
    shape : (n, d)
        The shape of the matrix the positions are in.

    Returns
    -------
    rows, cols : int arrays of shape (m,)
        New arrays, or the caller's when they are already ``intp`` (never modified).

    Raises
    ------
    TypeError
        If an index is not an integer (a float, a bool, a string).
    ValueError
        If ``rows`` or ``cols`` is not 1-D, is empty, holds an index outside ``[0, n)`` /
        ``[0, d)``, or if their lengths differ.
    """
    out = []
    for name, idx, size in (("rows", rows, shape[0]), ("cols", cols, shape[1])):
        if np.iscomplexobj(idx):
            raise TypeError(f"{name} must be a 1-D array of integer indices, got a complex array")
        arr = np.asarray(idx)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of integer indices, got shape {arr.shape}")
        if arr.size and arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must be a 1-D array of integer indices, got dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() >= size):
            raise ValueError(f"{name} must be indices in [0, {size}) (a negative index is refused: it would wrap), "
                             f"got values from {arr.min()} to {arr.max()}")
        out.append(arr.astype(np.intp, copy=False))
    if out[0].shape != out[1].shape:
        raise ValueError(f"rows and cols must have one length, got {out[0].size} and {out[1].size}")
    if out[0].size == 0:
        raise ValueError("rows and cols are empty: there is no (row, column) position to predict")
    return out[0], out[1]


def check_entries(rows, cols, ratings, shape: tuple[int, int]):
    """Held-out entries: positions inside ``shape`` (``check_pairs``), finite ratings, one non-zero length.

    Returns
    -------
    rows, cols : int arrays of shape (m,)
    ratings : float array of shape (m,)
    """
    rows, cols = check_pairs(rows, cols, shape)
    y = check_values(ratings, "ratings")
    if y.shape != rows.shape or y.size == 0:
        raise ValueError(f"rows, cols and ratings must be of one non-zero length, got {rows.shape}, {cols.shape}, "
                         f"{y.shape}")
    return rows, cols, y


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


def check_fillable(shape: tuple[int, int], what: str, instead: str) -> None:
    """Refuse to build a dense ``shape`` array from a sparse X beyond ``MAX_FILL_ENTRIES`` entries.

    The one check behind every function that would densify a sparse input; the message says how
    large the array would be and what to do ``instead``.
    """
    n, d = shape
    if n * d > MAX_FILL_ENTRIES:
        raise ValueError(f"{what} would build a dense {n:,} x {d:,} array ({n * d * 8 / 1e9:,.1f} GB) from the "
                         f"sparse X; {instead}")


def check_memory(need: int, what: str, instead: str) -> None:
    """Refuse work whose arrays would need more than ``MAX_FIT_BYTES``, saying how many bytes, before any is made.

    Parameters
    ----------
    need : int
        The bytes the arrays would take.
    what : str
        What would need them ("fit_als with rank = 1,000,000 on a 30 x 6 matrix").
    instead : str
        What to use instead.
    """
    if need > MAX_FIT_BYTES:
        raise ValueError(f"{what} would need {need / 1e9:,.1f} GB for its arrays (the limit is "
                         f"{MAX_FIT_BYTES / 1e9:.1f} GB): use {instead}")
