"""The checks of core.validation and checkpoint over random inputs (hypothesis): what they refuse, exactly.

``check_pairs`` on random shapes, dtypes and index values refuses exactly the positions outside the
matrix (naming ``rows`` or ``cols``) and never changes or wraps one it accepts; ``checkpoint`` with
random ``rel`` and ``tol`` refuses exactly the non-finite and negative ones, before printing, and
agrees whenever the values are equal; a sparse X is refused exactly where the same dense X is (NaN,
inf, values whose squares overflow, complex, no row), with the same kind of error at the same entry.
Hypothesis found that a reference printed with an exponent (``"1e-05"``) had been given the
tolerance of its mantissa's decimals (0.5), so that 0.3 agreed with it.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cfgmm_lib.checkpoints import CheckpointError, checkpoint
from cfgmm_lib.core.validation import MAX_ABS_VALUE, check_matrix, check_pairs, check_sparse

SETTINGS = settings(max_examples=50, deadline=None)
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


# ----- check_pairs -----

@st.composite
def positions(draw):
    n, d = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    m_rows = draw(st.integers(0, 6))
    m_cols = m_rows if draw(st.booleans()) or m_rows == 0 else draw(st.integers(0, 6))
    dtypes = (draw(st.sampled_from(INT_DTYPES)), draw(st.sampled_from(INT_DTYPES)))
    arrays = []
    for size, dtype, m in ((n, dtypes[0], m_rows), (d, dtypes[1], m_cols)):
        info = np.iinfo(dtype)
        lo, hi = max(int(info.min), -size - 3), min(int(info.max), size + 3)
        arrays.append(np.array(draw(st.lists(st.integers(lo, hi), min_size=m, max_size=m)), dtype=dtype))
    return arrays[0], arrays[1], (n, d)


@SETTINGS
@given(positions())
@example((np.array([-1]), np.array([0]), (3, 2)))  # a negative index would wrap to the last row
@example((np.array([3], dtype=np.uint8), np.array([0]), (3, 2)))  # one past the end
@example((np.array([], dtype=np.int64), np.array([], dtype=np.int64), (3, 2)))  # nothing to predict
def test_check_pairs_refuses_exactly_the_positions_outside_the_matrix(case):
    rows, cols, (n, d) = case
    before = rows.copy(), cols.copy()
    bad_rows = rows.size and (rows.astype(np.int64).min() < 0 or rows.astype(np.int64).max() >= n)
    bad_cols = cols.size and (cols.astype(np.int64).min() < 0 or cols.astype(np.int64).max() >= d)
    if bad_rows or bad_cols:
        name, size = ("rows", n) if bad_rows else ("cols", d)  # rows are checked first
        with pytest.raises(ValueError, match=rf"^{name} must be indices in \[0, {size}\)"):
            check_pairs(rows, cols, (n, d))
    elif rows.size != cols.size:
        with pytest.raises(ValueError, match="^rows and cols must have one length"):
            check_pairs(rows, cols, (n, d))
    elif rows.size == 0:
        with pytest.raises(ValueError, match="^rows and cols are empty"):
            check_pairs(rows, cols, (n, d))
    else:
        r, c = check_pairs(rows, cols, (n, d))
        assert r.dtype == np.intp and c.dtype == np.intp
        np.testing.assert_array_equal(r, rows.astype(np.int64))  # the same positions: none wrapped
        np.testing.assert_array_equal(c, cols.astype(np.int64))
        assert np.zeros((n, d))[r, c].shape == (rows.size,)  # and indexing with them cannot fail
    np.testing.assert_array_equal(rows, before[0])
    np.testing.assert_array_equal(cols, before[1])


@SETTINGS
@given(st.sampled_from(["float64", "float32", "bool", "complex128", "object"]), st.integers(1, 4))
def test_check_pairs_refuses_indices_that_are_not_integers(dtype, m):
    rows = np.zeros(m, dtype=dtype)
    with pytest.raises(TypeError, match="^rows must be a 1-D array of integer indices"):
        check_pairs(rows, np.zeros(m, dtype=int), (3, 3))
    with pytest.raises(TypeError, match="^cols must be a 1-D array of integer indices"):
        check_pairs(np.zeros(m, dtype=int), rows, (3, 3))


# ----- checkpoint -----

BOUND = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                  st.sampled_from([0.0, -0.0, 1e-12, -1e-9, math.inf, -math.inf, math.nan]))


def printed(call) -> str:
    """What ``call()`` printed (hypothesis runs many examples in one test: no capsys)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        call()
    return out.getvalue()


def _bad(value) -> bool:
    return value is not None and (not math.isfinite(value) or value < 0)


@SETTINGS
@given(rel=BOUND, tol=BOUND, value=st.floats(-1e12, 1e12), decimals=st.integers(0, 12))
def test_checkpoint_refuses_exactly_the_bounds_that_are_not_finite_and_non_negative(rel, tol, value, decimals):
    call = lambda: checkpoint("x", value, value, decimals=decimals, rel=rel, tol=tol)  # noqa: E731
    if _bad(rel) or _bad(tol):
        name = "rel" if _bad(rel) else "tol"  # rel is checked first
        out = io.StringIO()
        with pytest.raises(ValueError, match=rf"^{name} must be"), contextlib.redirect_stdout(out):
            call()
        assert out.getvalue() == ""  # refused before printing a verdict
    else:
        assert printed(call).rstrip().endswith("| agree")  # equal values agree


@SETTINGS
@given(rel=st.one_of(st.none(), st.floats(0, 1e-3)), tol=st.one_of(st.none(), st.floats(0, 1e-3)),
       value=st.floats(-1e6, 1e6), decimals=st.integers(0, 8), direction=st.sampled_from([-1.0, 1.0]))
def test_checkpoint_refuses_a_value_beyond_every_bound(rel, tol, value, decimals, direction):
    limit = tol if tol is not None else 0.5 * 10.0**-decimals
    if rel is not None:
        limit = max(tol if tol is not None else 0.0, rel * abs(value))
    ours = value + direction * (2 * limit + 1e-6 * (1 + abs(value)))
    out = io.StringIO()
    with pytest.raises(CheckpointError), contextlib.redirect_stdout(out):
        checkpoint("x", value, ours, decimals=decimals, rel=rel, tol=tol)
    assert out.getvalue().rstrip().endswith("| DISAGREE")


@SETTINGS
@given(mantissa=st.integers(1, 99999), exponent=st.integers(-12, 12))
@example(mantissa=1, exponent=-5)  # "1e-05" had the tolerance 0.5: 0.3 agreed with it
def test_a_printed_reference_agrees_to_its_last_printed_digit_whatever_its_notation(mantissa, exponent):
    digits = str(mantissa)
    text = f"{digits[0]}{'.' + digits[1:] if len(digits) > 1 else ''}e{exponent:+03d}"
    value = float(text)
    places = len(digits) - 1 - exponent  # the decimal place of the last printed digit
    fixed = f"{value:.{max(0, places)}f}"  # the same number printed without an exponent (to the units at least)
    with contextlib.redirect_stdout(io.StringIO()):
        for reference, unit in ((text, 10.0**-places), (fixed, 10.0**-max(0, places))):
            checkpoint("x", reference, value + 0.4 * unit)
            for ours in (value + 0.6 * unit, value - 0.6 * unit, value * 1.5 + unit):
                with pytest.raises(CheckpointError):
                    checkpoint("x", reference, ours)


# ----- a sparse X is refused where the same dense X is -----

SPECIAL = [math.nan, math.inf, -math.inf, 1e200, -1e200, MAX_ABS_VALUE, 1e-300]


@st.composite
def dense_matrices(draw):
    n, d = draw(st.integers(0, 5)), draw(st.integers(0, 5))
    dtype = draw(st.sampled_from(["float64", "float32", "bool", "complex128"] + INT_DTYPES))
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        element = st.integers(max(int(info.min), -1000), min(int(info.max), 1000))
    else:
        element = st.floats(-10, 10) | st.sampled_from(SPECIAL)
    values = draw(st.lists(st.one_of(st.just(0), element), min_size=n * d, max_size=n * d))
    with warnings.catch_warnings():  # float32 makes inf of 1e200, as a float32 array would hold it
        warnings.simplefilter("ignore")
        X = np.array(values, dtype=object).reshape(n, d).astype(dtype) if n * d else np.zeros((n, d), dtype=dtype)
    return X, draw(st.sampled_from(["csr", "csc", "coo", "lil", "dok"]))


def _outcome(check, X):
    try:
        return "accepted", check(X)
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc)


@SETTINGS
@given(dense_matrices())
@example((np.array([[0.0, 1e200]]), "csr"))  # its square overflows: refused both ways
@example((np.array([[0.0, np.nan], [np.inf, 1.0]]), "coo"))
@example((np.zeros((0, 3)), "csr"))
def test_a_sparse_x_is_refused_exactly_where_the_same_dense_x_is(case):
    X, fmt = case
    S = sp.coo_matrix(X).asformat(fmt)
    X0, data0 = X.copy(), S.copy()
    dense, sparse = _outcome(check_matrix, X), _outcome(check_sparse, S)
    assert (dense[0] == "accepted") == (sparse[0] == "accepted"), (dense, sparse)
    if 0 not in X.shape:  # with no row (or column) and a second fault, each names the fault it checks first
        assert dense[0] == sparse[0], (dense, sparse)
    if dense[0] == "accepted":
        np.testing.assert_array_equal(sparse[1].toarray(), dense[1])
    else:
        assert dense[1].startswith("X ") and sparse[1].startswith("X "), (dense, sparse)
        where = re.compile(r"first at row \d+, column \d+")
        assert where.findall(dense[1]) == where.findall(sparse[1])  # the same first bad entry
        assert ("NaN or inf" in dense[1]) == ("NaN or inf" in sparse[1])
        assert ("overflow" in dense[1]) == ("overflow" in sparse[1])
    np.testing.assert_array_equal(X, X0)  # neither changed what it was given
    assert (S != data0).nnz == 0 if np.isfinite(X).all() else S.shape == data0.shape
