"""Checkpoints: the handout's value beside ours, printed and asserted.

The notebooks end each step with a checkpoint cell; nbval compares its
printed text on every run. Printing is rounded so the text is stable.
Introduced in ``notebooks/00_start_here.py``.
"""

from __future__ import annotations

import numpy as np

from .data import Printed

__all__ = ["agrees_to_printed", "checkpoint", "CheckpointError"]


class CheckpointError(AssertionError):
    """Our value does not agree with the handout's."""


def agrees_to_printed(ours, printed: Printed) -> bool:
    """True when ``ours`` rounds to what the handout printed, digit for digit.

    Parameters
    ----------
    ours : float or array
    printed : Printed
        A value parsed from ``test_solutions.txt``, with half a unit of its
        last printed digit as tolerance.
    """
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(printed.value, dtype=np.float64)
    if ours.shape != ref.shape:
        return False
    slack = 1e-12 * np.maximum(1.0, np.abs(ref))  # our sums run in another order
    return bool(np.all(np.abs(ours - ref) <= np.asarray(printed.tolerance) + slack))


def _fmt(value, decimals: int) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, str):
        return value
    return f"{float(value):.{decimals}f}"


def checkpoint(label: str, handout, ours, *, decimals: int = 4, rel: float | None = None,
               tol: float | None = None, standin: bool = False) -> bool:
    """Print the handout's value beside ours and assert that they agree.

    Parameters
    ----------
    label : str
        What is compared ("K-means cost, K = 3").
    handout : float, int or str
        The handout's value.
    ours : float, int or str
        Ours.
    decimals : int, default 4
        Decimals printed (the printed text is what nbval compares).
    rel, tol : float, optional
        Relative / absolute tolerance for numbers; by default they must agree
        to the printed decimals (``tol = 0.5 * 10**-decimals``). Integers and
        strings must be equal.
    standin : bool, default False
        The data are synthetic stand-ins: print ours, say the handout's value
        does not apply, and assert nothing.

    Returns
    -------
    bool
        True when checked and in agreement (False when ``standin``).

    Raises
    ------
    CheckpointError
        When they disagree.
    """
    if standin:
        print(f"{label}: ours {_fmt(ours, decimals)} (stand-in data: the handout's {_fmt(handout, decimals)} "
              "applies to the course data only)")
        return False
    if isinstance(handout, (str, int, np.integer)) and not isinstance(handout, float):
        ok = handout == ours
    else:
        limit = tol if tol is not None else 0.5 * 10.0**-decimals
        if rel is not None:
            limit = max(limit if tol is not None else 0.0, rel * abs(float(handout)))
        ok = abs(float(ours) - float(handout)) <= limit
    print(f"{label}: handout {_fmt(handout, decimals)} | ours {_fmt(ours, decimals)} | "
          f"{'agree' if ok else 'DISAGREE'}")
    if not ok:
        raise CheckpointError(f"{label}: the handout has {handout!r}, we have {ours!r}")
    return True
