"""The learner's checker: right code passes, each known mistake is caught and named, PATH is left alone.

The course-layout folders are the series' own answers (the ``solution`` cells of notebooks
01-04, written out by ``tools/exercises.py course-folder``), and copies of it with one mistake
each, written as a learner writes it (tests/learner_mistakes.py).
"""

from __future__ import annotations

import contextlib
import faulthandler
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cfgmm_lib import check, em, naive_em, reference
from cfgmm_lib.check import STEPS, core, mistakes, run_check

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import exercises  # noqa: E402  (tools/exercises.py)
from learner_mistakes import EDITS, HANDOUT_LOOP, MORE_EDITS  # noqa: E402

#: The mistakes the issue lists; each must have a variant and a learner-style edit.
TABLE = ["normaliser-uses-d", "variance-old-mean", "variance-divides-by-d", "mean-update-threshold",
         "no-variance-floor", "weights-without-eps", "not-log-domain", "mutates-input", "unobserved-in-distance",
         "fill-overwrites-observed", "bic-parameter-count", "stopping-rule"]

#: Wrong runs that the run's own cases cannot tell apart (small rows, no weight-0 component,
#: no soft count below 1); the step checks catch each of them (test_every_variant_is_named).
INVISIBLE_IN_RUN = {("naive_em.run", "not-log-domain"), ("em.run", "not-log-domain"),
                    ("em.run", "weights-without-eps"), ("em.run", "mean-update-threshold")}

#: Wrong steps that give the right answer wherever the course looks, and break only on a harder
#: case: right for the course (PASS), with the mistake named in the note BEYOND THE COURSE.
BEYOND_ONLY = {("naive_em.estep", "not-log-domain"), ("em.estep", "weights-without-eps"),
               ("em.fill_matrix", "weights-without-eps")}

#: A wrong step that gives the right answer everywhere: fill_matrix uses only the posteriors,
#: which a normaliser without its 2 pi leaves right.
HARMLESS = {("em.fill_matrix", "normaliser-without-2pi")}


def cli(path, *args, timeout=300):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="")
    return subprocess.run([sys.executable, "-m", "cfgmm_lib.check", str(path), *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("answers")
    exercises.course_folder(folder)
    return folder


# --------------------------------------------------------------------------
# In process
# --------------------------------------------------------------------------

@pytest.mark.parametrize("step", list(STEPS))
def test_the_library_and_the_right_variants_pass(step):
    assert run_check(step, STEPS[step].reference).ok
    v = run_check(step, mistakes.RIGHT[step])
    assert v.ok, str(v)


@pytest.mark.parametrize("step, fn", [("naive_em.estep", reference.naive_estep_loop),
                                      ("em.estep", reference.em_estep_loop),
                                      ("em.mstep", reference.em_mstep_loop)])
def test_the_loop_reference_passes(step, fn):
    v = run_check(step, fn)
    assert v.ok and v.total + v.beyond_total >= 3 and not v.beyond, str(v)


def test_every_mistake_of_the_table_has_a_variant_and_an_edit():
    named = {mid for variants in mistakes.VARIANTS.values() for mid, _ in variants}
    assert set(TABLE) <= named
    assert named == set(EDITS) == set(mistakes.MISTAKES)


@pytest.mark.parametrize("step", list(STEPS))
def test_every_variant_is_named(step):
    for mid, fn in mistakes.VARIANTS[step]:
        v = run_check(step, fn)
        if (step, mid) in INVISIBLE_IN_RUN:  # may go unseen in a whole run; if seen, it must be named right
            assert v.ok or (v.status == "failed" and v.mistake == mid), (mid, str(v))
            continue
        if (step, mid) in BEYOND_ONLY:
            assert v.ok and v.beyond_mistake == mid and "BEYOND THE COURSE" in str(v), (mid, str(v))
            continue
        if (step, mid) in HARMLESS:
            assert v.ok and not v.beyond, (mid, str(v))
            continue
        if mid == "no-variance-floor" and v.status == "error":
            # without a floor a component can shrink onto a few ratings and the likelihood grow without
            # bound (the stand-in test case does): the learner's run never converges, an error here and a
            # time-out in the CLI
            assert "no convergence" in str(v), str(v)
            continue
        assert v.status == "failed" and v.mistake == mid, (mid, str(v))
        assert (v.passed < v.total or mid == "mutates-input")
        assert (v.mutated if mid == "mutates-input" else v.detail).startswith('on "')


def test_the_verdict_shows_one_reference_value_at_most(capsys):
    wrong = dict(mistakes.VARIANTS["em.estep"])["normaliser-uses-d"]
    v = check.em_estep(wrong)
    out = capsys.readouterr().out
    assert out.strip() == str(v)
    assert out.count("expected") == 1
    shown = re.sub(r"\(off by [^)]*\)", "", out)  # the size of the gap is not a reference value
    assert len(re.findall(r"-?\d+\.\d{4,}", shown)) <= 2  # yours and the library's first differing value
    assert "[normaliser-uses-d]" in out and out.startswith("FAIL  em.estep")


def test_not_written_yet_errors_and_bad_returns_are_reported_not_raised(capsys):
    def estep(X, mixture):
        raise NotImplementedError

    v = check.em_estep(estep)
    assert v.status == "not written" and "not written yet" in capsys.readouterr().out

    def broken(X, mixture):
        return X @ mixture.mu  # shapes do not match: raises inside the learner's code

    v = check.naive_estep(broken)
    assert v.status == "error" and "ValueError" in v.detail and "line" in v.detail

    v = check.naive_estep(lambda X, mixture: np.zeros((len(X), 3)))
    assert v.status == "error" and "should return (post, ll)" in v.detail

    v = check.naive_mstep(lambda X, post: (1, 2))
    assert v.status == "error" and "GaussianMixture" in v.detail

    v = check.rmse(lambda X, Y: np.sqrt(np.mean((X - Y) ** 2, axis=0)))
    assert v.status == "error" and "one number" in v.detail

    assert check.bic("not a function").status == "error"
    capsys.readouterr()


def test_estep_alone_is_ambiguous():
    with pytest.raises(AttributeError, match="naive_estep.*em_estep"):
        check.estep  # noqa: B018
    with pytest.raises(AttributeError, match="naive_run.*em_run"):
        check.run  # noqa: B018


def test_changing_the_callers_arrays_is_named_even_when_the_result_is_right():
    def fill_matrix(X, mixture):
        from cfgmm_lib import em
        X[:] = em.fill_matrix(X, mixture)
        return X

    v = run_check("em.fill_matrix", fill_matrix)
    assert v.mistake == "mutates-input" and "X was changed in place" in v.mutated
    text = str(v)
    assert text.startswith("FAIL  em.fill_matrix  changes its argument in place"), text
    assert "X[0, 3] was 0, is now" in text and "agree" not in text, text  # what changed; not "4 of 4 agree"


def test_a_mutated_mixture_names_the_array_and_the_entry():
    def mstep(X, post, mixture, min_variance=0.25):
        new = em.mstep(X, post, mixture, min_variance)
        mixture.var[:] = new.var  # the learner "updates" the mixture it was given
        return new

    v = run_check("em.mstep", mstep)
    assert v.status == "failed" and v.mistake == "mutates-input", str(v)
    assert "mixture.var was changed in place (var[0] was" in v.mutated and "agree" not in str(v), str(v)


# --------------------------------------------------------------------------
# Three verdicts: PASS on what the course accepts, FAIL on its cases, a note beyond them
# --------------------------------------------------------------------------

def _handout_loop(estep, mstep):
    """The handout's own loop (its test.py cell): stop right after an E-step, return that E-step's mixture."""
    def run(X, mixture, post):
        prev, ll = None, None
        while prev is None or ll - prev > 1e-6 * abs(ll):
            prev = ll
            post, ll = estep(X, mixture)
            if prev is not None and ll - prev <= 1e-6 * abs(ll):
                break
            mixture = mstep(X, post, mixture)
        return mixture, post, ll
    return run


@pytest.mark.parametrize("step, run", [
    ("em.run", _handout_loop(em.estep, em.mstep)),
    ("naive_em.run", _handout_loop(naive_em.estep, lambda X, post, mixture: naive_em.mstep(X, post))),
])
def test_the_handouts_own_loop_passes_and_is_said_to_be_accepted(step, run):
    v = run_check(step, run)
    assert v.ok and v.passed == v.total == 3 and v.accepted == ["handout-loop"], str(v)
    assert "as the handout's own loop does" in str(v) and "grades both correct" in str(v)
    assert not run_check(step, STEPS[step].reference).accepted  # em.run's own answer needs no such line


@pytest.mark.parametrize("stop", [mistakes._stop_absolute, mistakes._stop_kmeans, mistakes._stop_reversed],
                         ids=["absolute", "kmeans-1e-4", "old-minus-new"])
@pytest.mark.parametrize("shape", ["em.run's", "the handout's"])
def test_a_wrong_stopping_rule_is_named_in_either_shape_of_loop(stop, shape):
    wrong = functools.partial(mistakes._run, estep=mistakes.em_estep, mstep=mistakes.em_mstep, stop=stop)
    run = wrong if shape == "em.run's" else (lambda *a: (lambda r: (r.estep_mixture, r.post, r.score))(wrong(*a)))
    v = run_check("em.run", run)
    assert v.status == "failed" and v.mistake == "stopping-rule", str(v)


def test_a_soft_count_of_exactly_one_tells_the_handouts_rule_from_greater_than_one():
    v = run_check("em.mstep", functools.partial(mistakes.em_mstep, threshold="strict"))
    assert v.status == "failed" and v.mistake == "mean-update-threshold", str(v)
    assert "a soft count of exactly 1" in v.detail and "mu[2, 5] is 3, expected 5" in v.detail, str(v)


def test_a_dropped_two_pi_is_named_and_said_to_leave_the_posteriors_right():
    for step, estep in (("em.estep", mistakes.em_estep), ("naive_em.estep", mistakes.naive_estep)):
        v = run_check(step, functools.partial(estep, two_pi=False))
        assert v.status == "failed" and v.mistake == "normaliser-without-2pi", str(v)
        assert v.detail.split(": ", 1)[1].startswith("ll is"), str(v)  # the posteriors agree; ll does not
        assert "posteriors are right" in str(v) and "part of the E-step's credit" in str(v)


def test_a_naive_estep_without_logs_passes_with_a_note_beyond_the_course():
    for mid, fn in mistakes.VARIANTS["naive_em.estep"]:
        if mid != "not-log-domain":
            continue
        v = run_check("naive_em.estep", fn)
        text = str(v)
        assert v.ok and v.passed == v.total == 2 and v.beyond_total == 1, text
        assert text.startswith("PASS  naive_em.estep  all 2 of the course's cases agree with the library"), text
        assert "BEYOND THE COURSE (not graded" in text and "what breaks it [not-log-domain]" in text, text
        assert "why it matters: the course runs naive EM on 2-D points only" in text, text
        assert "[not-log-domain]" not in text.split("BEYOND")[0]  # not a mistake for the course


def test_em_estep_without_logs_still_fails_the_course():
    """The Netflix matrix's rows are long: em.estep must work with logs, and the long rows are a course case."""
    v = run_check("em.estep", dict(mistakes.VARIANTS["em.estep"])["not-log-domain"])
    assert v.status == "failed" and v.mistake == "not-log-domain" and "long rows" in v.detail, str(v)


def test_the_checkers_cases_are_never_modified():
    from cfgmm_lib.check import cases

    def vandal(X, mixture):
        mixture.mu[:] = 0
        X[:] = 1
        raise NotImplementedError

    before = [np.array(c.args[0]) for c in cases.cases("em.estep")]
    run_check("em.estep", vandal)
    assert all(np.array_equal(a, c.args[0]) for a, c in zip(before, cases.cases("em.estep")))


# --------------------------------------------------------------------------
# python -m cfgmm_lib.check PATH
# --------------------------------------------------------------------------

def test_cli_passes_the_series_answers_and_writes_nothing_into_path(answers):
    before = snapshot(answers)
    p = cli(answers)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = [ln for ln in p.stdout.splitlines() if ln[:4] in ("PASS", "FAIL", "ERRO", "TODO", "SKIP", "TIME")]
    assert len(lines) == len(STEPS) and all(ln.startswith("PASS") for ln in lines), p.stdout
    assert p.stdout.splitlines()[-1] == f"{len(STEPS)} checks: {len(STEPS)} passed"
    assert snapshot(answers) == before
    assert not list(answers.rglob("__pycache__"))


@pytest.mark.parametrize("group", [
    ["normaliser-uses-d", "variance-old-mean", "bic-parameter-count", "rmse-without-root", "variance-forgets-d"],
    ["weights-without-eps", "variance-divides-by-d"],
    ["not-log-domain", "mean-update-threshold"],
    ["unobserved-in-distance", "no-variance-floor"],
    ["mutates-input", "fill-overwrites-observed", "normaliser-without-2pi"],
    ["stopping-rule"],
], ids=lambda g: "+".join(g))
def test_cli_names_each_mistake_written_as_a_learner_would(answers, tmp_path, group):
    folder = tmp_path / "mine"
    shutil.copytree(answers, folder)
    steps = []
    for mid in group:
        file, right, wrong, named_by = EDITS[mid]
        text = (folder / file).read_text()
        assert right in text, f"{mid}: the answers changed; update tests/learner_mistakes.py"
        (folder / file).write_text(text.replace(right, wrong, 1))
        steps += named_by
    if group[0] == "normaliser-uses-d":
        steps.append("em.run")  # calls the wrong estep and mstep
    p = cli(folder, *[a for s in steps for a in ("--only", s)])
    assert p.returncode == 1, p.stdout + p.stderr
    if group[0] == "normaliser-uses-d":
        assert "hint: run calls your estep and mstep, which fail too: fix them first" in p.stdout, p.stdout
    for mid in group:
        for step in EDITS[mid][3]:
            if (step, mid) in BEYOND_ONLY:  # right for the course: a PASS, with the note beyond it
                block = p.stdout.split(f"PASS  {step}", 1)
                assert len(block) == 2, p.stdout
                assert f"what breaks it [{mid}]" in block[1].split("\nPASS", 1)[0].split("\nFAIL", 1)[0], p.stdout
                continue
            block = p.stdout.split(f"FAIL  {step}", 1)
            assert len(block) == 2, p.stdout
            assert f"likely mistake [{mid}]" in block[1].split("\n", 3)[2], p.stdout


def _edited(answers, folder, file, right, wrong):
    shutil.copytree(answers, folder)
    text = (folder / file).read_text()
    assert right in text, "the answers changed; update tests/learner_mistakes.py"
    (folder / file).write_text(text.replace(right, wrong, 1))
    return folder


@pytest.mark.parametrize("edit", MORE_EDITS, ids=lambda e: f"{e[0]}:{e[3][:24]}")
def test_cli_names_more_ways_of_writing_a_mistake(answers, tmp_path, edit):
    mid, file, right, wrong, steps = edit
    folder = _edited(answers, tmp_path / "mine", file, right, wrong)
    p = cli(folder, *[a for s in steps for a in ("--only", s)])
    assert p.returncode == 1, p.stdout + p.stderr
    for step in steps:
        block = p.stdout.split(f"FAIL  {step}", 1)
        assert len(block) == 2 and f"likely mistake [{mid}]" in block[1].split("\n", 3)[2], p.stdout


def test_cli_passes_the_handouts_own_loop(answers, tmp_path):
    folder = _edited(answers, tmp_path / "mine", *HANDOUT_LOOP)
    p = cli(folder, "--only", "em.run")
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r"^PASS  em.run +all 3 cases agree with the library\n +accepted: your run returns the mixture "
                     r"of its last E-step", p.stdout, re.M), p.stdout


def test_cli_a_note_beyond_the_course_leaves_the_exit_status_alone(answers, tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(answers, folder)
    text = (folder / "naive_em.py").read_text()
    assert "logsumexp" in text, "the answers changed: their naive E-step no longer uses logsumexp"
    (folder / "naive_em.py").write_text(text + (
        "\n\ndef estep(X, mixture):  # the learner's last version: densities multiplied directly\n"
        "    mu, var, p = mixture\n"
        "    d = X.shape[1]\n"
        "    sq = ((X[:, None, :] - mu[None]) ** 2).sum(axis=2)\n"
        "    joint = p * np.exp(-sq / (2 * var)) / (2 * np.pi * var) ** (d / 2)\n"
        "    total = joint.sum(axis=1, keepdims=True)\n"
        "    return joint / total, float(np.log(total).sum())\n"))
    p = cli(folder, "--only", "naive_em.estep", "--only", "naive_em.mstep")
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert re.search(r"^PASS  naive_em.estep  all 2 of the course's cases agree with the library\n +BEYOND THE COURSE",
                     out, re.M), out
    assert "what breaks it [not-log-domain]" in out and "why it matters:" in out, out
    assert out.splitlines()[-1] == "2 checks: 2 passed (1 with a note beyond the course, not graded)", out


def test_cli_a_hung_estep_costs_one_time_limit_not_three(answers, tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(answers, folder)
    text = (folder / "em.py").read_text()
    (folder / "em.py").write_text(text.replace('    mu, var, p = mixture\n    M = (X != 0)', '    while True:\n'
                                               '        pass\n    mu, var, p = mixture\n    M = (X != 0)', 1))
    t0 = time.perf_counter()
    p = cli(folder, "--timeout", "3", "--only", "em.estep", "--only", "em.run", "--only", "em.fill_matrix",
            "--only", "em.mstep")
    elapsed = time.perf_counter() - t0
    out = p.stdout
    assert p.returncode == 1, out
    assert re.search(r"^TIME  em.estep +estep did not finish within 3 s", out, re.M), out
    assert re.search(r"^PASS  em.mstep", out, re.M), out
    for step, name in (("em.run", "run"), ("em.fill_matrix", "fill_matrix")):
        assert re.search(rf"^SKIP  {step} +not run: {name} calls your estep, which did not finish within 3 s", out,
                         re.M), out
    assert elapsed < 3 * 3, f"{elapsed:.1f} s: run and fill_matrix waited for the hung estep again"


def test_cli_skips_missing_files_and_says_not_written(tmp_path, answers):
    (tmp_path / "naive_em.py").write_text((answers / "naive_em.py").read_text())
    (tmp_path / "common.py").write_text((answers / "common.py").read_text())
    (tmp_path / "em.py").write_text(
        "from common import GaussianMixture\n\n"
        "def estep(X, mixture):\n    raise NotImplementedError\n\n"
        "def mstep(X, post, mixture, min_variance=.25):\n    print('working on it')\n    raise NotImplementedError\n"
    )
    p = cli(tmp_path)
    out = p.stdout
    assert p.returncode == 1
    assert re.search(r"^SKIP  kmeans.estep +kmeans.py is not in", out, re.M)
    assert re.search(r"^TODO  em.estep +not written yet", out, re.M)
    assert re.search(r"^SKIP  em.run +em.py has no function run", out, re.M)
    assert re.search(r"^PASS  naive_em.run", out, re.M)
    assert "working on it" not in out
    assert out.splitlines()[-1] == "11 checks: 5 passed, 2 not written, 4 skipped"


def test_cli_survives_endless_loops_crashes_and_syntax_errors(tmp_path, answers):
    (tmp_path / "common.py").write_text((answers / "common.py").read_text())
    text = (answers / "naive_em.py").read_text()
    (tmp_path / "naive_em.py").write_text(text.replace("ll - old_ll <= 1e-6 * abs(ll)", "ll - old_ll <= 1e-6 * ll"))
    (tmp_path / "kmeans.py").write_text("import numpy as np\ndef estep(X, mixture)\n    return X\n")
    (tmp_path / "em.py").write_text("import os\n\ndef estep(X, mixture):\n    os._exit(3)\n")
    p = cli(tmp_path, "--timeout", "3", "--only", "naive_em.run", "--only", "naive_em.mstep", "--only", "kmeans.estep",
            "--only", "em.estep", "--only", "common.rmse")
    out = p.stdout
    assert p.returncode == 1
    assert re.search(r"^TIME  naive_em.run +run did not finish within 3 s", out, re.M), out
    assert re.search(r"^PASS  naive_em.mstep", out, re.M), out  # the file's other checks still ran
    assert re.search(r"^ERROR kmeans.estep\n +kmeans.py could not be imported: SyntaxError: expected ':' \(line 2 of kmeans.py", out, re.M), out
    assert re.search(r"^ERROR em.estep\n +the check stopped: exit status 3", out, re.M), out
    assert re.search(r"^PASS  common.rmse", out, re.M), out


def test_cli_usage_errors(tmp_path):
    p = cli(tmp_path / "nowhere")
    assert p.returncode == 2 and "must be a folder" in p.stderr
    p = cli(tmp_path)
    assert p.returncode == 1 and "nothing to check" in p.stdout


def test_the_checker_is_packaged():
    """A wheel (not only this editable checkout) holds the subpackage, so `python -m cfgmm_lib.check` works."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = config.get("packages")
    if isinstance(packages, list):
        assert "cfgmm_lib.check" in packages
    else:
        assert "find" in packages, packages


@contextlib.contextmanager
def ended_if_hung(seconds: float = 60):
    """Were the time limit broken, the test would hang: end the process instead (a crash is a failure)."""
    faulthandler.dump_traceback_later(seconds, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def test_an_endless_loop_in_a_notebook_gets_a_time_verdict_and_the_kernel_goes_on(capsys):
    """check.em_estep(fn) keeps a time limit: the cell ends, with a TIME verdict, and the alarm is put back."""
    def estep(X, mixture):  # a learner's loop that also swallows every Exception
        while True:
            try:
                time.sleep(0.01)
            except Exception:
                pass

    before = signal.getsignal(signal.SIGALRM)
    t0 = time.perf_counter()
    with ended_if_hung():
        verdict = check.em_estep(estep, timeout=0.5)
    assert time.perf_counter() - t0 < 5
    assert verdict.status == "timeout" and not verdict.ok
    assert "estep did not finish within 0.5 s (an endless loop?" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGALRM) is before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert check.em_estep(em.estep, timeout=30).ok  # the next check runs as usual


def test_the_time_limit_does_not_touch_a_check_that_finishes():
    assert run_check("naive_em.estep", naive_em.estep, timeout=60).ok
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_swallowed_alarm_comes_back():
    """A bare except around a slow call swallows the first alarm; the next one still ends the check."""
    def estep(X, mixture):
        try:
            time.sleep(30)
        except BaseException:  # noqa: B036 -- what a learner's bare except does
            pass
        while True:
            time.sleep(0.01)

    t0 = time.perf_counter()
    with ended_if_hung():
        verdict = run_check("em.estep", estep, timeout=0.3)
    assert verdict.status == "timeout" and time.perf_counter() - t0 < 5


def test_the_time_limit_counts_the_learners_calls_only(monkeypatch):
    """Our own diagnosis taking long does not turn a wrong answer into a timeout."""
    slow = core.diagnose

    def slow_diagnose(*args):
        time.sleep(0.6)
        return slow(*args)

    monkeypatch.setattr(core, "diagnose", slow_diagnose)

    def estep(X, mixture):  # quick and wrong: the E-step without the log-domain normalisation
        post, ll = em.estep(X, mixture)
        return post, ll + 1.0

    verdict = run_check("em.estep", estep, timeout=0.5)
    assert verdict.status == "failed", verdict


def test_an_outer_timer_is_left_alone():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 100.0)
        assert run_check("em.estep", em.estep, timeout=5).ok
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 90 < left <= 100, "the outer timer still runs, untouched"
        assert signal.getsignal(signal.SIGALRM) is not None and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("timeout,error", [(0, ValueError), (-1, ValueError), (float("nan"), ValueError),
                                           ("10", TypeError)])
def test_a_bad_timeout_is_refused_by_name(timeout, error):
    with pytest.raises(error, match=r"^timeout "):
        run_check("em.estep", em.estep, timeout=timeout)


def test_no_limit_is_none_and_an_infinite_timeout_is_refused():
    assert run_check("em.estep", em.estep, timeout=None).ok
    with pytest.raises(ValueError, match=r"^timeout must be finite, got inf \(None means no limit\)"):
        run_check("em.estep", em.estep, timeout=float("inf"))
