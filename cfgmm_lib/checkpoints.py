"""Checkpoints: the handout's value beside ours, printed and asserted.

The notebooks end each step with a checkpoint cell; nbval compares its
printed text on every run. Printing is rounded so the text is stable.
Introduced in ``notebooks/00_start_here.py``.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from .core.validation import check_scalar
from .data.registry import ENV_FORCE_STANDIN, CourseDataMissing, DataFileError, find
from .data.solutions import Printed, parse_printed
from .data.standins import forced_standins

__all__ = ["agrees_to_printed", "checkpoint", "check_printed", "CheckpointError", "data_banner"]


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
    finite = np.isfinite(ref)
    slack = 1e-12 * np.maximum(1.0, np.abs(np.where(finite, ref, 0.0)))  # our sums run in another order
    with np.errstate(invalid="ignore"):  # inf - inf: an infinity agrees with itself only (below)
        close = np.abs(ours - ref) <= np.where(finite, np.asarray(printed.tolerance), 0.0) + slack
    return bool(np.all(np.where(finite, close, ours == ref)))


def _fmt(value, decimals: int) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, str):
        return value
    return f"{float(value):.{decimals}f}"


def printed_decimals(text: str) -> int:
    """The decimal place of a printed number's last digit: ``"-103.43699945"`` -> 8.

    An exponent counts: ``"1.5e-08"`` -> 9 (its last digit is the 1e-9s), ``"2.5e+03"`` -> -2 (the hundreds);
    the mantissa's decimals alone had given ``"1e-05"`` a tolerance of 0.5, wider than the value.
    """
    mantissa, _, exponent = text.strip().lower().partition("e")
    places = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return places - (int(exponent) if exponent else 0)


def _as_number(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def checkpoint(label: str, handout, ours, *, decimals: int = 4, rel: float | None = None,
               tol: float | None = None, standin: bool = False, source: str = "handout") -> None:
    """Print the reference value beside ours and assert that they agree.

    Parameters
    ----------
    label : str
        What is compared ("K-means cost, K = 3").
    handout : float, int, bool or str
        The reference value. A number given as a string (``"0.48047111268956827"``)
        is the value exactly as printed: it is shown with its own digits, ours
        with as many decimals (or fewer, see ``rel``), and they are compared as numbers,
        by default to half a unit of its last printed digit, an exponent counted
        (``"1.5e-08"`` to 5e-10, ``"2.5e+03"`` to 50).
    ours : float, int, bool or str
        Ours.
    decimals : int, default 4
        Decimals printed for a reference given as a number (the printed text is
        what nbval compares).
    rel, tol : float, optional
        Relative / absolute tolerance for numbers; by default they must agree
        to the printed decimals (``tol = 0.5 * 10**-decimals``). Integers,
        booleans and non-numeric strings must be equal. With ``rel``, ours is shown
        to one decimal past ``rel * |reference|`` at most: the digits below it are
        the order of a sum (BLAS threads, another machine), and asserting nothing
        about them, we do not print them either.
    standin : bool, default False
        The data are synthetic stand-ins: print ours, say the reference value
        does not apply, and assert nothing.
    source : str, default "handout"
        Where the reference value comes from, as printed: "handout" only for a
        value the handout prints; "course file" for ``test_solutions.txt``;
        "reference" for a value reproduced from the course data by an
        independent straightforward implementation; "expected" for an answer
        argued in the notebook.

    Raises
    ------
    CheckpointError
        When they disagree.
    TypeError, ValueError
        Before printing anything, on a ``decimals`` that is not an integer >= 0, or a ``rel`` or
        ``tol`` that is negative, NaN or infinite (a bound no value can miss, or none can meet).
    """
    decimals = check_scalar(decimals, "decimals", int, low=0)
    rel = check_scalar(rel, "rel", low=0.0, allow_none=True)
    tol = check_scalar(tol, "tol", low=0.0, allow_none=True)
    number = _as_number(handout) if isinstance(handout, str) else None
    places = decimals  # the decimal place of the reference's last digit: half a unit of it is the default bound
    if number is not None:
        places = printed_decimals(handout)
        decimals = max(0, places)
    if standin:
        print(f"{label}: ours {_fmt(ours, decimals)} (stand-in data: the {source}'s {_fmt(handout, decimals)} "
              "applies to the course data only)")
        return
    shown = decimals
    if number is None and isinstance(handout, (str, bool, int, np.integer, np.bool_)):
        ok = handout == ours
    else:
        ref = number if number is not None else float(handout)
        limit = tol if tol is not None else 0.5 * 10.0**-places
        if rel is not None:
            limit = max(limit if tol is not None else 0.0, rel * abs(ref))
        ok = abs(float(ours) - ref) <= limit if math.isfinite(ref) else float(ours) == ref  # inf: only itself
        bound = rel * abs(ref) if rel is not None else 0.0
        if math.isfinite(bound) and bound > 0:  # sum-order digits: show ours one decimal past rel's bound
            shown = min(decimals, max(0, math.floor(-math.log10(bound)) + 1))
    print(f"{label}: {source} {_fmt(handout, decimals)} | ours {_fmt(ours, shown)} | "
          f"{'agree' if ok else 'DISAGREE'}")
    if not ok:
        raise CheckpointError(f"{label}: the {source} has {handout!r}, we have {ours!r}")


def check_printed(label: str, printed: str, ours, *, source: str = "handout", standin: bool = False) -> None:
    """Print an array as the handout printed it beside ours, and assert they agree to its printed digits.

    Parameters
    ----------
    label : str
    printed : str
        The array exactly as printed by NumPy, e.g. ``"[0.25 0.25 0.44965163 0.2792997 ]"``.
    ours : array
        Printed the same way (NumPy's default: 8 significant decimals).
    source, standin
        As in ``checkpoint``.

    Raises
    ------
    CheckpointError
        When a value differs by more than half a unit of its last printed digit; an infinite
        printed value agrees only with the same infinity.
    TypeError, ValueError
        Before printing anything, when ``printed`` is not a string of numbers, or holds NaN
        (a reference nothing can agree with).
    """
    if not isinstance(printed, str):
        raise TypeError(f"printed must be the array as NumPy printed it (a str), got {type(printed).__name__}")
    try:
        reference = parse_printed(printed)
    except ValueError as exc:
        raise ValueError(f"printed must be numbers as NumPy prints them, got {printed!r} ({exc})") from None
    if np.isnan(reference.value).any():
        raise ValueError(f"printed holds NaN, which no value agrees with: {printed!r}")
    text = np.array2string(np.asarray(ours, dtype=np.float64), precision=8)
    if standin:
        print(f"{label}: ours {text} (stand-in data: the {source}'s {printed} applies to the course data only)")
        return
    ok = agrees_to_printed(ours, reference)
    print(f"{label}: {source} {printed} | ours {text} | {'agree' if ok else 'DISAGREE'}")
    if not ok:
        raise CheckpointError(f"{label}: the {source} printed {printed}, we have {text}")


def data_banner(standin: bool, names=()) -> None:
    """Show which data a notebook runs on: a visible warning when it is the synthetic stand-ins.

    The one message about the data in a notebook (its ``load_or_standin`` calls pass ``warn=False``). It
    says why the stand-ins are used: ``CFGMM_FORCE_STANDIN=1`` (whether or not the course files are
    installed, as notebook 00's list shows them), or which of ``names`` are not installed.

    Parameters
    ----------
    standin : bool
        True when any of the data are synthetic stand-ins.
    names : iterable of str
        The course files the notebook uses.
    """
    from IPython.display import HTML, display

    names = list(names)
    listed = ", ".join(names)
    if standin:
        box = ('<div style="border: 3px solid #d9534f; background: #fdf0f0; padding: 0.6em 1em; '
               'font-size: 1.1em"><b>&#9888; Synthetic stand-in data.</b> ')
        same = ("Every step works, but the numbers will not match the handout and the checkpoints only print "
                "ours.")
        if forced_standins():
            display(HTML(
                f"{box}<code>{ENV_FORCE_STANDIN}=1</code> is set, so this notebook runs on planted-mixture "
                f"stand-ins of the same shapes as the course files ({escape(listed)}), whether they are installed "
                f"or not. {same} Unset <code>{ENV_FORCE_STANDIN}</code> to use the course files.</div>"))
            return
        missing = []
        for name in names:
            try:
                find(name)
            except (CourseDataMissing, DataFileError):
                missing.append(name)
        which = (f"The course files ({escape(listed)}) are not installed" if len(missing) in (0, len(names))
                 else f"Of the course files ({escape(listed)}), {escape(', '.join(missing))} "
                      f"{'is' if len(missing) == 1 else 'are'} not installed")
        display(HTML(
            f"{box}{which}, so this notebook runs on planted-mixture stand-ins of the same shapes. {same} To "
            "install the course files, see <code>data/README.md</code> "
            "(<code>python -m cfgmm_lib.data install netflix.tar.gz</code>).</div>"
        ))
    else:
        display(HTML(f"<div style='color: #3c763d'>&#10004; Course data: {escape(listed)} (SHA-256 verified).</div>"))
