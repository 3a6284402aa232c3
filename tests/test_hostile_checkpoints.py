"""Checkpoints that could not fail, or could not pass: their bounds are refused by name, before printing.

``rel=inf`` or ``tol=inf`` agreed with anything, a negative or NaN ``tol`` with nothing, a
negative ``decimals`` widened the bound to ``0.5 * 10**k``; a printed ``inf`` had an infinite
tolerance (any value agreed). Now ``checkpoint`` checks ``decimals``, ``rel`` and ``tol`` with
``core.validation.check_scalar``, and an infinite reference agrees with the same infinity only.
"""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.checkpoints import CheckpointError, check_printed, checkpoint

from test_hostile_inputs import refused

BAD = [
    (dict(rel=float("inf")), ValueError, ["rel", "finite", "inf"]),
    (dict(rel=float("nan")), ValueError, ["rel", "finite", "nan"]),
    (dict(rel=-1e-3), ValueError, ["rel", "non-negative", "-0.001"]),
    (dict(tol=float("inf")), ValueError, ["tol", "finite"]),
    (dict(tol=float("nan")), ValueError, ["tol", "finite"]),
    (dict(tol=-0.1), ValueError, ["tol", "non-negative"]),
    (dict(tol="0.1"), TypeError, ["tol", "real number"]),
    (dict(decimals=-2), ValueError, ["decimals", "non-negative integer", "-2"]),
    (dict(decimals=2.5), TypeError, ["decimals", "integer", "2.5"]),
    (dict(decimals=2.0), TypeError, ["decimals", "integer", "write 2"]),
    (dict(decimals=True), TypeError, ["decimals", "bool"]),
]


@pytest.mark.parametrize("kwargs,error,fragments", BAD)
@pytest.mark.parametrize("handout,ours", [(0.5, 0.5), (0.5, 123.0), ("0.5", 0.5)])
def test_a_bound_that_cannot_fail_or_cannot_pass_is_refused_before_printing(kwargs, error, fragments, handout, ours,
                                                                            capsys):
    refused(lambda: checkpoint("x", handout, ours, **kwargs), error, *fragments)
    assert capsys.readouterr().out == ""  # nothing printed: no verdict to mistake for a real one


@pytest.mark.parametrize("kwargs", [dict(rel=float("inf")), dict(tol=-1.0), dict(decimals=-1)])
def test_a_stand_in_checkpoint_refuses_the_same_bounds(kwargs, capsys):
    refused(lambda: checkpoint("x", 0.5, 0.5, standin=True, **kwargs), (TypeError, ValueError))
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("value", [0.5, -103.43699945, 1e300, 0.0, -0.0, 7])
@pytest.mark.parametrize("kwargs", [dict(), dict(tol=0.0), dict(rel=0.0), dict(tol=1e-12), dict(rel=1e-9),
                                    dict(tol=0.0, rel=0.0), dict(decimals=0), dict(decimals=12), dict(decimals=np.int64(3)),
                                    dict(tol=np.float32(1e-3))])
def test_an_equal_value_with_a_valid_bound_agrees(value, kwargs, capsys):
    checkpoint("x", float(value), float(value), **kwargs)
    assert capsys.readouterr().out.rstrip().endswith("| agree")


def test_a_valid_bound_still_fails_a_different_value(capsys):
    for kwargs in (dict(tol=0.0), dict(rel=0.0), dict(tol=1e-3), dict(rel=1e-3), dict(decimals=0)):
        with pytest.raises(CheckpointError):
            checkpoint("x", 1.0, 2.0, **kwargs)
    assert capsys.readouterr().out.count("DISAGREE") == 5


def test_check_printed_an_infinity_agrees_with_itself_only(capsys):
    check_printed("v", "inf", np.inf)
    check_printed("v", "[ 1. inf]", [1.0, np.inf])
    for ours in (1.0, -np.inf, np.nan, 1e308):
        with pytest.raises(CheckpointError):
            check_printed("v", "inf", ours)  # its tolerance was inf * 1e-9 = inf: everything agreed
    with pytest.raises(CheckpointError):
        check_printed("v", "[ 1. inf]", [1.0, 5.0])


@pytest.mark.parametrize("printed,error,fragments", [
    ("nan", ValueError, ["printed", "NaN"]),
    ("[0.25 nan]", ValueError, ["printed", "NaN"]),
    ("[0.25 zero]", ValueError, ["printed", "numbers"]),
    (0.25, TypeError, ["printed", "str", "float"]),
])
def test_check_printed_refuses_a_reference_nothing_can_agree_with(printed, error, fragments, capsys):
    refused(lambda: check_printed("v", printed, [0.25, 0.25]), error, *fragments)
    assert capsys.readouterr().out == ""


def test_check_printed_still_compares_to_the_printed_digits(capsys):
    check_printed("Var", "[0.25 0.25 0.44965163 0.2792997 ]", [0.25, 0.25, 0.449651631, 0.27929970])
    with pytest.raises(CheckpointError):
        check_printed("Var", "[0.25 0.25 0.44965163 0.2792997 ]", [0.25, 0.25, 0.44961685, 0.27930039])
