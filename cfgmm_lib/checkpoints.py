"""Checkpoints: the handout's value beside ours, printed and asserted.

The notebooks end each step with a checkpoint cell; nbval compares its
printed text on every run. Printing is rounded so the text is stable.
Introduced in ``notebooks/00_start_here.py``.
"""

from __future__ import annotations

from html import escape

import numpy as np

from .data import Printed

__all__ = ["agrees_to_printed", "checkpoint", "CheckpointError", "data_banner"]


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
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, str):
        return value
    return f"{float(value):.{decimals}f}"


def checkpoint(label: str, handout, ours, *, decimals: int = 4, rel: float | None = None,
               tol: float | None = None, standin: bool = False, source: str = "handout") -> None:
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
    source : str, default "handout"
        Where the reference value comes from, as printed ("handout", "SPEC", "expected").

    Raises
    ------
    CheckpointError
        When they disagree.
    """
    if standin:
        print(f"{label}: ours {_fmt(ours, decimals)} (stand-in data: the {source}'s {_fmt(handout, decimals)} "
              "applies to the course data only)")
        return
    if isinstance(handout, (str, bool, int, np.integer, np.bool_)):
        ok = handout == ours
    else:
        limit = tol if tol is not None else 0.5 * 10.0**-decimals
        if rel is not None:
            limit = max(limit if tol is not None else 0.0, rel * abs(float(handout)))
        ok = abs(float(ours) - float(handout)) <= limit
    print(f"{label}: {source} {_fmt(handout, decimals)} | ours {_fmt(ours, decimals)} | "
          f"{'agree' if ok else 'DISAGREE'}")
    if not ok:
        raise CheckpointError(f"{label}: the {source} has {handout!r}, we have {ours!r}")


def data_banner(standin: bool, names=()) -> None:
    """Show which data a notebook runs on: a visible warning when it is the synthetic stand-ins.

    Parameters
    ----------
    standin : bool
        True when any of the data are synthetic stand-ins.
    names : iterable of str
        The course files the notebook uses.
    """
    from IPython.display import HTML, display

    names = ", ".join(names)
    if standin:
        display(HTML(
            '<div style="border: 3px solid #d9534f; background: #fdf0f0; padding: 0.6em 1em; '
            'font-size: 1.1em"><b>&#9888; Synthetic stand-in data.</b> The course files '
            f"({escape(names)}) are not installed, so this notebook runs on planted-mixture stand-ins of "
            "the same shapes. Every step works, but the numbers will not match the handout and the "
            "checkpoints only print ours. To install the course files, see <code>data/README.md</code> "
            "(<code>python -m cfgmm_lib.data install netflix.tar.gz</code>).</div>"
        ))
    else:
        display(HTML(f"<div style='color: #3c763d'>&#10004; Course data: {escape(names)} (SHA-256 verified).</div>"))
