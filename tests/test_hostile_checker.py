"""The learner's checker under hostile learner code and hostile arguments.

A learner's ``sys.exit(3)`` escaped ``check.em_estep`` as SystemExit, an ``os._exit(1)`` killed the
kernel, and a loop whose bare ``except:`` swallowed every alarm never ended; ``timeout=nan`` (and
``--timeout nan``) was no limit at all, ``timeout=inf`` silently none either, and an unknown step
was a KeyError. Now the in-notebook check runs the cases in a forked child (``check.child``),
whose time limit the parent keeps, and every one of these is a verdict or a refusal by name.
"""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np
import pytest

from cfgmm_lib import check, em
from cfgmm_lib.check import STEPS, child, run_check
from cfgmm_lib.check.folder import check_folder, main as folder_main

from test_check import ended_if_hung  # one guard against a hung check, shared with test_check
from test_hostile_inputs import refused




def exits(X, mixture):
    sys.exit(3)


def exits_hard(X, mixture):
    os._exit(1)


def swallows_every_alarm(X, mixture):
    while True:
        try:
            time.sleep(0.01)
        except:  # noqa: E722 -- what a learner writes
            pass


# ----- the learner's code ends the process -----

@pytest.mark.parametrize("isolate", [True, False])
def test_sys_exit_in_the_learners_function_is_a_verdict(isolate, capsys):
    verdict = run_check("em.estep", exits, isolate=isolate)
    assert verdict.status == "error" and not verdict.ok
    assert "called sys.exit(3)" in verdict.detail and "estep must return its result" in verdict.detail
    assert "line " in verdict.detail  # where, in the learner's code


def test_sys_exit_in_a_notebook_check_prints_a_verdict_and_the_next_check_runs(capsys):
    def no_code(X, mixture):
        raise SystemExit

    verdict = check.em_estep(no_code)
    assert verdict.status == "error" and "called sys.exit(None)" in verdict.detail
    assert capsys.readouterr().out.startswith("ERROR em.estep")
    assert check.em_estep(em.estep).ok


def test_os_exit_in_the_learners_function_ends_the_child_only(capsys):
    pid = os.getpid()
    verdict = check.em_estep(exits_hard)
    assert os.getpid() == pid  # still here
    assert verdict.status == "error"
    assert "ended the Python process (exit status 1, as os._exit does)" in verdict.detail, verdict.detail
    assert verdict.detail.startswith('on "')  # which case
    assert "ERROR em.estep" in capsys.readouterr().out
    assert check.em_run(em.run).ok  # the next check runs as usual


def test_a_crash_by_signal_is_named():
    def killed(X, mixture):
        os.kill(os.getpid(), signal.SIGKILL)

    verdict = run_check("em.estep", killed)
    assert verdict.status == "error" and "ended the Python process (signal SIGKILL)" in verdict.detail


# ----- time limits that cannot be swallowed -----

def test_a_loop_that_swallows_every_alarm_is_still_stopped(capsys):
    t0 = time.perf_counter()
    with ended_if_hung():
        verdict = check.em_estep(swallows_every_alarm, timeout=0.4)
    assert time.perf_counter() - t0 < 5
    assert verdict.status == "timeout"
    assert "estep did not finish within 0.4 s (an endless loop?" in capsys.readouterr().out


def test_a_timeout_verdict_counts_the_cases_that_agreed_first():
    calls = []

    def slow_third(X, mixture):
        calls.append(1)  # in the child: counts its own calls
        if len(calls) == 3:
            while True:
                try:
                    time.sleep(0.01)
                except:  # noqa: E722
                    pass
        return em.estep(X, mixture)

    with ended_if_hung():
        verdict = run_check("em.estep", slow_third, timeout=0.4)
    assert verdict.status == "timeout" and verdict.passed == 2 and verdict.total >= 3
    assert not calls  # the parent's list: the learner's calls ran in the child


def test_the_time_limit_counts_the_learners_calls_only():
    """Five calls of 0.1 s each: 0.5 s in all, over a limit of 0.35 s that no single call reaches."""
    def slow(X, mixture):
        time.sleep(0.1)
        return em.estep(X, mixture)

    assert run_check("em.estep", slow, timeout=0.35).status == "timeout"
    assert run_check("em.estep", slow, timeout=5).ok


def test_in_process_a_swallowed_alarm_still_comes_back():
    """Without a child (the folder's worker, or no os.fork): the repeating alarm ends one swallow."""
    def estep(X, mixture):
        try:
            time.sleep(30)
        except BaseException:  # noqa: B036
            pass
        while True:
            time.sleep(0.01)

    with ended_if_hung():
        verdict = run_check("em.estep", estep, timeout=0.3, isolate=False)
    assert verdict.status == "timeout"


def test_the_learners_printing_still_reaches_the_notebook(capsys):
    def estep(X, mixture):
        print("my post:", 1)
        sys.stderr.write("a warning of mine\n")
        return em.estep(X, mixture)

    assert check.em_estep(estep).ok
    out, err = capsys.readouterr()
    # the learner's line first (printed from the child while the case ran), then the verdict
    lines = out.splitlines()
    assert lines[0] == "my post: 1" and any(line.startswith("PASS  em.estep") for line in lines[1:])
    assert "a warning of mine" in err


def test_the_child_changes_nothing_of_the_notebook():
    seen = {"calls": 0}

    def estep(X, mixture):
        seen["calls"] += 1
        np.random.seed(123)  # the learner reseeds the global generator
        return em.estep(X, mixture)

    state = np.random.get_state()[1].copy()
    assert run_check("em.estep", estep).ok
    assert seen["calls"] == 0
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_forking_is_available_here():
    assert child.available()


# ----- arguments -----

BAD_TIMEOUTS = [
    (float("nan"), ValueError, ["timeout", "finite", "nan"]),
    (float("inf"), ValueError, ["timeout", "finite", "None means no limit"]),
    (-float("inf"), ValueError, ["timeout", "finite"]),
    (0, ValueError, ["timeout", "positive"]),
    (-1.0, ValueError, ["timeout", "positive"]),
    ("10", TypeError, ["timeout", "real number"]),
    (True, TypeError, ["timeout", "bool"]),
]


@pytest.mark.parametrize("name", sorted(check.CHECKS))
@pytest.mark.parametrize("timeout,error,fragments", BAD_TIMEOUTS)
def test_every_notebook_check_refuses_a_bad_timeout_before_running(name, timeout, error, fragments, capsys):
    def never(*args):
        raise AssertionError("ran")

    refused(lambda: getattr(check, name)(never, timeout=timeout), error, *fragments)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("value,fragment", [("nan", "--timeout must be finite, got nan"),
                                            ("inf", "--timeout must be finite, got inf"),
                                            ("0", "--timeout must be a positive number"),
                                            ("-3", "--timeout must be a positive number")])
def test_the_command_line_refuses_a_bad_timeout(value, fragment, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        folder_main([str(tmp_path), "--timeout", value])
    assert info.value.code == 2
    assert fragment in capsys.readouterr().err


@pytest.mark.parametrize("timeout,error", [(float("nan"), ValueError), (float("inf"), ValueError),
                                           (None, ValueError), (0, ValueError)])
def test_check_folder_refuses_a_bad_timeout(timeout, error, tmp_path):
    refused(lambda: check_folder(tmp_path, timeout=timeout), error, "timeout")


@pytest.mark.parametrize("step", ["em.foo", "estep", None, 3])
def test_an_unknown_step_is_a_value_error_that_lists_the_steps(step, tmp_path):
    with pytest.raises(ValueError) as info:
        run_check(step, em.estep)
    message = str(info.value)
    assert message.startswith("step must be one of") and all(s in message for s in STEPS)
    refused(lambda: check_folder(tmp_path, steps=[step]), ValueError, "step must be one of", "em.estep")
