"""Reading the course's matrix files, and loading a verified course file by name.

Introduced in ``notebooks/00_start_here.py``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .registry import DataFileError, canonical, find
from .solutions import parse_solutions

__all__ = ["read_matrix", "load"]


def read_matrix(path) -> np.ndarray:
    """Read a whitespace-separated numeric matrix file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    array of shape (n, d), float64

    Raises
    ------
    DataFileError
        For an empty, ragged, non-numeric or non-finite file; the message names
        the file and the line.
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # loadtxt warns on empty input; we raise below
            arr = np.loadtxt(path, dtype=np.float64, ndmin=2, comments=None)
    except (ValueError, UnicodeDecodeError):
        _diagnose(path)  # raises with the line number
        raise
    if arr.size == 0:
        raise DataFileError(f"{path}: the file is empty (no numbers in it)")
    if not np.isfinite(arr).all():
        _diagnose(path)
    return arr


def _diagnose(path: Path) -> None:
    """Scan a file that loadtxt refused and raise a DataFileError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not a text file ({exc.reason} at byte {exc.start})") from None
    ncols = first = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        for tok in tokens:
            try:
                value = float(tok)
            except ValueError:
                raise DataFileError(f"{path}, line {lineno}: {tok!r} is not a number") from None
            if not np.isfinite(value):
                raise DataFileError(f"{path}, line {lineno}: {tok!r} is not a finite number")
        if ncols is None:
            ncols, first = len(tokens), lineno
        elif len(tokens) != ncols:
            raise DataFileError(
                f"{path}, line {lineno}: {len(tokens)} values, but line {first} has {ncols} "
                "(every row must have the same number of columns)"
            )
    if ncols is None:
        raise DataFileError(f"{path}: the file is empty (no numbers in it)")


def load(name: str):
    """Load a verified course file.

    Parameters
    ----------
    name : str
        One of ``toy_data``, ``test_incomplete``, ``test_complete``,
        ``test_solutions``, ``netflix_incomplete``, ``netflix_complete``
        (with or without ``.txt``).

    Returns
    -------
    array of shape (n, d), or for ``test_solutions`` the dict of ``parse_solutions``.

    Raises
    ------
    CourseDataMissing
        When the file is not installed (the message says where it looked and how to install).
    DataFileError
        When the file is not the course's (wrong checksum or shape).
    """
    cf = canonical(name)
    path = find(cf.name)
    if cf.shape is None:
        return parse_solutions(path.read_text(encoding="utf-8"))
    arr = read_matrix(path)
    if arr.shape != cf.shape:
        raise DataFileError(f"{path}: shape {arr.shape}, expected {cf.shape}")
    return arr
