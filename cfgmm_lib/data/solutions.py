"""The parser of the course's ``test_solutions.txt``: the handout's printed values and their precision.

Used by ``cfgmm_lib.checkpoints`` (it does not depend on the installer). Introduced in
``notebooks/04_matrix_completion.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .registry import DataFileError

__all__ = ["Printed", "parse_printed", "parse_solutions"]


@dataclass(frozen=True)
class Printed:
    """A value as printed in ``test_solutions.txt`` and half a unit of its last printed digit."""

    value: np.ndarray | float
    tolerance: np.ndarray | float


def parse_printed(text: str) -> Printed:
    """Parse a NumPy-printed array (``"[0.25 0.25 0.44965163 0.2792997 ]"``) or a repr'd scalar, with its precision."""
    stripped = text.strip()
    if not stripped.startswith("["):
        value = float(stripped)
        return Printed(value, abs(value) * 1e-9)  # printed with full precision
    rows = [r for r in stripped.replace("[", " ").split("]") if r.strip()]
    tokens = [r.split() for r in rows]
    values = np.array([[float(t) for t in row] for row in tokens])
    tol = np.empty_like(values)
    for i, row in enumerate(tokens):
        for j, tok in enumerate(row):
            # NumPy prints 8 significant decimals: fixed "0.25" means 0.25000000,
            # scientific "8.35114583e-01" has 8 decimals in its mantissa.
            exp = int(tok.lower().split("e")[1]) if "e" in tok.lower() else 0
            tol[i, j] = 0.5e-8 * 10.0**exp
    if stripped.startswith("[["):
        return Printed(values, tol)
    return Printed(values[0], tol[0])


def parse_solutions(text: str) -> dict:
    """Parse ``test_solutions.txt`` into sections of ``Printed`` values.

    Returns
    -------
    dict
        ``{"input": {"X", "K", "Mu", "Var", "P"}, "first_estep": {"post", "LL"},
        "first_mstep": {"Mu", "Var", "P"}, "run": {"Mu", "Var", "P", "post", "LL",
        "X_gold", "X_pred", "RMSE"}}``; ``K`` is an int, the rest ``Printed``.
    """
    sections = {"Input:": "input", "After first E-step:": "first_estep",
                "After first M-step:": "first_mstep", "After a run": "run"}
    out: dict = {}
    current = None
    key = None
    buf: list[str] = []

    def flush():
        if key is not None and current is not None:
            out[current][key] = parse_printed(" ".join(buf))

    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s in sections:
            flush()
            key, buf = None, []
            current = sections[s]
            out[current] = {}
            continue
        head, sep, rest = s.partition(":")
        if sep and head.replace("_", "").isalnum() and not head[0].isdigit():
            flush()
            key, buf = head, [rest] if rest.strip() else []
            if key == "K":
                out[current]["K"] = int(rest)
                key, buf = None, []
            continue
        buf.append(s)
    flush()
    if current is None or "run" not in out:
        raise DataFileError("test_solutions: unexpected layout (no 'After a run' section)")
    return out
