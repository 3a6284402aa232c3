"""Every checkpoint line labelled "handout" in the committed notebooks holds a value the handout prints.

A checkpoint prints ``LABEL: SOURCE VALUE | ours ...`` (``cfgmm_lib.checkpoints``); the source
"handout" is reserved for values the handout itself prints, with the handout's digits. This test
reads the outputs of the committed ``.ipynb`` files (executed on the course data) and checks each
such line against the table below, written from SPEC.md and the handout: a value printed with
other digits, or one the handout does not print, fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: Every value the handout prints, as it prints it.
HANDOUT_PRINTS = {
    # toy data: the first E-step of init(X, 3, seed=0), the best log-likelihood per K (NumPy drops
    # K = 4's trailing 0), the best BIC (printed without its minus sign)
    "-1388.0818",
    "-1307.22343176", "-1175.71462937", "-1138.89089969", "-1138.6011757",
    "1169.25893474",
    # the 20 x 5 test case: the log-likelihood after the second E-step, and its own loop's results
    "-103.43699945",
    "0.31517185088634886",
    "[0.25 0.25 0.44965163 0.2792997 ]",
    # Netflix: K = 1 (every seed alike) and K = 12's best (seed 1) log-likelihoods; K = 12's BICs, seeds 0-4
    "-1521060.95398525",
    "-1390234.42234694",
    "-1450933.13575811", "-1441364.51144814", "-1467992.49025248", "-1444651.48209098", "-1467863.89747755",
    # Netflix: the RMSE of its own loop
    "0.48047111268956827",
}

LINE = re.compile(r"^(?P<label>.+?): handout (?P<value>.+?) \| ours ", re.M)


def handout_lines(text: str) -> list[tuple[str, str]]:
    """The (label, value) of every checkpoint line in ``text`` that names the handout as its source."""
    return [(m["label"], m["value"]) for m in LINE.finditer(text)]


def outputs_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if o.get("output_type") == "stream")


def not_printed(lines):
    return [(label, value) for label, value in lines if value not in HANDOUT_PRINTS]


def test_the_parser_finds_values_and_catches_other_digits():
    text = ("K = 1, seed 0: log-likelihood: handout -1521060.9539852 | ours -1521060.953985 | agree\n"
            "test case, the handout's loop: Var: handout [0.25 0.25 0.44965163 0.2792997 ] | ours [0.25 ...] | agree\n"
            "K = 1, seed 1: log-likelihood: reference -1521060.95398525 | ours -1521060.953985 | agree\n"
            "x: ours 3 (stand-in data: the handout's 4 applies to the course data only)\n")
    lines = handout_lines(text)
    assert lines == [("K = 1, seed 0: log-likelihood", "-1521060.9539852"),
                     ("test case, the handout's loop: Var", "[0.25 0.25 0.44965163 0.2792997 ]")]
    assert not_printed(lines) == [("K = 1, seed 0: log-likelihood", "-1521060.9539852")]  # seven decimals: wrong


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_handout_label_holds_a_value_the_handout_prints(path):
    assert not_printed(handout_lines(outputs_text(path))) == []


def test_every_value_the_handout_prints_is_checked_somewhere():
    seen = {value for path in NOTEBOOKS for _, value in handout_lines(outputs_text(path))}
    assert HANDOUT_PRINTS - seen == set()
