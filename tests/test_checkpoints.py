"""Checkpoint printing and the printed-digit comparison."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.checkpoints import CheckpointError, agrees_to_printed, checkpoint
from cfgmm_lib.data import Printed, parse_solutions


def test_checkpoint_prints_both_and_agrees(capsys):
    checkpoint("cost", 1329.594867154, 1329.5948671544297, decimals=4, tol=1e-8)
    assert capsys.readouterr().out == "cost: handout 1329.5949 | ours 1329.5949 | agree\n"


def test_checkpoint_raises_on_disagreement(capsys):
    with pytest.raises(CheckpointError, match="the handout has 1.0, we have 1.001"):
        checkpoint("x", 1.0, 1.001, decimals=2, tol=1e-4)
    assert "DISAGREE" in capsys.readouterr().out
    with pytest.raises(CheckpointError):
        checkpoint("seed", 3, 4)
    with pytest.raises(CheckpointError):
        checkpoint("statement", True, False, source="expected")


def test_default_tolerance_is_the_printed_digits(capsys):
    checkpoint("a", -1388.0818, -1388.0818000441, decimals=4)
    with pytest.raises(CheckpointError):
        checkpoint("b", -1388.0818, -1388.0819, decimals=4)


def test_relative_tolerance():
    checkpoint("ll", -1399803.0466569, -1399803.0466569136, decimals=3, rel=1e-9)
    with pytest.raises(CheckpointError):
        checkpoint("ll", -1399803.0466569, -1399803.05, decimals=3, rel=1e-9)


def test_standin_prints_ours_and_asserts_nothing(capsys):
    checkpoint("cost", 1.0, 99.0, standin=True)
    out = capsys.readouterr().out
    assert "ours 99.0000" in out and "applies to the course data only" in out


def test_booleans_print_as_words(capsys):
    checkpoint("K = 1: same mixture", True, True, source="expected")
    assert capsys.readouterr().out == "K = 1: same mixture: expected true | ours true | agree\n"


SAMPLE = """Input:
X:
[[2. 5.]
 [3. 0.]]
K: 2
Mu:
[[2. 5.]
 [3. 0.]]
Var: [5.93 4.87]
P: [0.5 0.5]

After first E-step:
post:
[[8.35114583e-01 1.64885417e-01]
 [2.29595284e-04 9.99770405e-01]]
LL:-152.16319226209848

After first M-step:
Mu:
[[2.38279095 4.64102716]
 [2.56629755 4.6686168 ]]
Var: [0.71489705 0.64830186]
P: [0.5 0.5]

After a run
LL: -84.98451993042474
RMSE: 0.3152301205749675
"""


def test_parse_solutions_layout_and_tolerances():
    sol = parse_solutions(SAMPLE)
    assert sol["input"]["K"] == 2
    np.testing.assert_array_equal(sol["input"]["X"].value, [[2, 5], [3, 0]])
    post = sol["first_estep"]["post"]
    assert post.value.shape == (2, 2)
    assert post.tolerance[0, 0] == pytest.approx(0.5e-9)  # e-01 mantissa with 8 decimals
    assert post.tolerance[1, 0] == pytest.approx(0.5e-12)
    assert sol["first_mstep"]["Var"].tolerance[0] == pytest.approx(0.5e-8)
    assert sol["run"]["LL"].value == -84.98451993042474
    assert sol["run"]["RMSE"].tolerance == pytest.approx(0.3152301205749675e-9)


def test_agrees_to_printed():
    p = Printed(np.array([0.17713577, 4.0]), np.array([0.5e-8, 0.5e-8]))
    assert agrees_to_printed([0.177135774, 4.000000004], p)
    assert not agrees_to_printed([0.17713578, 4.0], p)
    assert not agrees_to_printed([0.17713577], p)  # shape
    assert agrees_to_printed(-152.16319226209848, Printed(-152.16319226209848, 1.5e-7))


def test_checkpoint_printed_string_keeps_its_digits(capsys):
    checkpoint("rmse", "0.48047111268956827", 0.48047111268956805, rel=1e-12)
    out = capsys.readouterr().out
    # rel = 1e-12 asserts 12 decimals of 0.48: ours is shown to 13, not to the handout's 17, whose
    # last digits are the order of a sum (they change with the number of BLAS threads)
    assert "handout 0.48047111268956827 | ours 0.4804711126896 | agree" in out
    checkpoint("rmse", "0.48047111268956827", 0.48047111268956738, rel=1e-12)
    assert capsys.readouterr().out == out
    checkpoint("ll", "-103.43699945", -103.43699944954626, rel=1e-9)  # 1.03e-7 asserted: 7 decimals
    assert "handout -103.43699945 | ours -103.4369994 | agree" in capsys.readouterr().out
    checkpoint("rmse", 0.894, 0.87812, decimals=3, tol=0.03)  # an absolute tolerance keeps the decimals
    assert "reference 0.894 | ours 0.878 | agree" in capsys.readouterr().out.replace("handout", "reference")
    with pytest.raises(CheckpointError):
        checkpoint("rmse", "0.48047111268956827", 0.4804711127, rel=1e-12)
    # without rel, agreement to the printed digits: half a unit of the last one
    checkpoint("ll", "-103.43699945", -103.43699944954626)
    assert "handout -103.43699945 | ours -103.43699945 | agree" in capsys.readouterr().out
    with pytest.raises(CheckpointError):
        checkpoint("ll", "-103.43699945", -103.436999)


@pytest.mark.parametrize("ref,ours,rel,agree", [
    ("0.5", 0.5, 0.0, True),                 # rel = 0: exact, printed with the reference's digits
    ("0.0", 0.0, 1e-12, True),               # a bound of 0
    ("5e-324", 5e-324, 1e-12, True),         # a bound that underflows to 0
    (float("nan"), 1.0, 1e-12, False),
    (float("inf"), 1.0, 1e-12, False),       # an infinite bound agrees with nothing but inf itself
    (float("inf"), float("inf"), 1e-12, True),
])
def test_checkpoint_with_rel_prints_a_verdict_whatever_the_bound(capsys, ref, ours, rel, agree):
    if agree:
        checkpoint("x", ref, ours, rel=rel)
    else:
        with pytest.raises(CheckpointError):
            checkpoint("x", ref, ours, rel=rel)
    assert capsys.readouterr().out.rstrip().endswith("agree" if agree else "DISAGREE")


def test_check_printed_compares_to_the_printed_digits(capsys):
    from cfgmm_lib.checkpoints import check_printed

    check_printed("Var", "[0.25 0.25 0.44965163 0.2792997 ]", [0.25, 0.25, 0.449651631, 0.27929970])
    assert "handout [0.25 0.25 0.44965163 0.2792997 ] | ours" in capsys.readouterr().out
    with pytest.raises(CheckpointError):
        check_printed("Var", "[0.25 0.25 0.44965163 0.2792997 ]", [0.25, 0.25, 0.44961685, 0.27930039])
