"""Check a learner's folder of course files: ``python -m cfgmm_lib.check PATH``.

PATH holds the learner's ``common.py``, ``kmeans.py``, ``naive_em.py`` and ``em.py`` in the
course's layout (any of them may be missing). The ``.py`` files at the top of PATH are copied
to a temporary folder, and the functions are checked there in a Python subprocess, with
bytecode writing off and a time limit per function, so that nothing is ever written into PATH;
an endless loop or a crash costs that one check (a new subprocess takes the others), and the
checks that call the function that hung are not run. One line per check; the exit status is 0
only when every check that could run passed (and at least one could), 1 otherwise, 2 on bad
usage; a note BEYOND THE COURSE (right for the course, fragile on harder inputs) does not change it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..core.validation import check_scalar
from .core import DEFAULT_TIMEOUT, STEPS, Verdict, check_step, check_timeout, timeout_verdict

__all__ = ["check_folder", "main"]

#: The handout's files and what the checker looks for in each.
FILES = ("common.py", "kmeans.py", "naive_em.py", "em.py")


def _copy_sources(path: Path, dest: Path) -> list[str]:
    """Copy the ``.py`` files at the top of ``path`` into ``dest`` (only reading ``path``)."""
    names = []
    for src in sorted(path.glob("*.py")):
        if src.is_file():
            shutil.copyfile(src, dest / src.name)
            names.append(src.name)
    return names


def _run_worker(work: Path, steps: list[str], timeout: float) -> list[Verdict]:
    """Check ``steps`` in one subprocess, each within ``timeout`` seconds.

    The worker appends one verdict per line as it goes; when a step takes too long (or the
    process dies), it is stopped, that step gets its verdict and a new worker takes the rest.
    A step that calls one which took too long (``CALLS``: run and fill_matrix call estep) is
    not run: it would only wait as long again.
    """
    verdicts: dict[str, Verdict] = {}
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg")
    while len(verdicts) < len(steps):
        todo = [s for s in steps if s not in verdicts]
        with tempfile.TemporaryDirectory(prefix="cfgmm-result-") as out:
            result = Path(out) / "verdicts.jsonl"
            result.touch()
            cmd = [sys.executable, "-B", "-m", "cfgmm_lib.check._worker", str(work), str(result), *todo]
            with tempfile.TemporaryFile(mode="w+") as err:
                proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=err, text=True)
                done, last_progress, timed_out = 0, time.monotonic(), False
                while True:
                    finished = proc.poll() is not None
                    lines = result.read_text(encoding="utf-8").splitlines()
                    complete = [ln for ln in lines if ln.endswith("}")]
                    if len(complete) > done:
                        done, last_progress = len(complete), time.monotonic()
                    if finished:
                        break
                    if time.monotonic() - last_progress > timeout:
                        proc.kill()
                        proc.wait()
                        timed_out = True
                        break
                    time.sleep(0.05)
                verdicts.update((v.step, v) for v in (Verdict(**json.loads(ln)) for ln in complete))
                if len(complete) < len(todo):
                    step = todo[len(complete)]
                    if timed_out:
                        verdicts[step] = timeout_verdict(step, timeout)
                        verdicts.update((s, _waits_on(s, step, timeout)) for s in todo if step in CALLS.get(s, ()))
                    else:
                        err.seek(0)
                        last = (err.read().strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
                        verdicts[step] = Verdict(step, "error", detail=f"the check stopped: {last[:200]}")
    return [verdicts[s] for s in steps]


def _waits_on(step: str, callee: str, timeout: float) -> Verdict:
    """The verdict on ``step``, not run because ``callee``, which it calls, did not finish in time."""
    name, called = STEPS[step].function, STEPS[callee].function
    return Verdict(step, "skipped", detail=f"not run: {name} calls your {called}, which did not finish within "
                   f"{timeout:g} s (fix {called} first; checking {name} would only wait as long again)")


def check_folder(path, *, timeout: float = DEFAULT_TIMEOUT, steps=None, echo=print) -> list[Verdict]:
    """Check every handout function found in the folder ``path``; print one line per check.

    Parameters
    ----------
    path : str or Path
        A folder with the learner's ``common.py``, ``kmeans.py``, ``naive_em.py``, ``em.py``.
    timeout : float, default 60
        Seconds each check may take: a finite number > 0 (``core.check_timeout``).
    steps : list of str, optional
        Only these steps (keys of ``STEPS``: another name is refused with the list); by default all.
    echo : callable, default print
        Receives each line of the report.

    Returns
    -------
    list of Verdict

    Raises
    ------
    ValueError, TypeError
        On a ``timeout`` that is not a finite number > 0, or a step that is not a key of ``STEPS``.
    NotADirectoryError
        When ``path`` is not a folder.
    """
    timeout = check_timeout(timeout)
    if timeout is None:
        raise ValueError("timeout must be a finite number of seconds here, got None: each check runs in a "
                         "subprocess that is ended when its time is spent")
    steps = None if steps is None else [check_step(s) for s in ([steps] if isinstance(steps, str) else steps)]
    path = Path(path)
    if not path.is_dir():
        raise NotADirectoryError(f"PATH must be a folder holding your course files (common.py, ...), got {path}")
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="cfgmm-check-") as tmp:
        work = Path(tmp)
        present = _copy_sources(path, work)
        wanted = [s for s in STEPS if steps is None or s in steps]
        runnable = [s for s in wanted if STEPS[s].file in present]
        found = dict(zip(runnable, _run_worker(work, runnable, timeout))) if runnable else {}
        for step in wanted:
            v = found.get(step) or Verdict(step, "skipped", detail=f"{STEPS[step].file} is not in {path}")
            _add_hint(v, found)
            for line in v.lines():
                if not line.lstrip().startswith("note:"):
                    echo(line)
            verdicts.append(v)
    notes = sorted({n for v in verdicts for n in v.notes})
    for n in notes:
        echo("note: " + n)
    return verdicts


#: The learner's own functions that each step calls, as the handout's skeleton has it.
CALLS = {"naive_em.run": ("naive_em.estep", "naive_em.mstep"), "em.run": ("em.estep", "em.mstep"),
         "em.fill_matrix": ("em.estep",)}


def _add_hint(verdict: Verdict, found: dict) -> None:
    """When a step fails without a named mistake and a function it calls fails too, say so."""
    if verdict.ok or verdict.mistake or verdict.status == "skipped":
        return
    failing = [s for s in CALLS.get(verdict.step, ()) if s in found and not found[s].ok]
    if failing:
        names = " and ".join(STEPS[s].function for s in failing)
        verdict.hint = (f"{STEPS[verdict.step].function} calls your {names}, which "
                        + ("fails too: fix it first" if len(failing) == 1 else "fail too: fix them first"))


def summary(verdicts: list[Verdict]) -> tuple[str, int]:
    """One closing line and the exit status (0 only when every check that ran passed)."""
    counts = {}
    for v in verdicts:
        counts[v.status] = counts.get(v.status, 0) + 1
    ran = [v for v in verdicts if v.status != "skipped"]
    text = f"{len(verdicts)} checks: " + ", ".join(
        f"{counts[k]} {k}" for k in ("passed", "failed", "error", "timeout", "not written", "skipped") if k in counts)
    beyond = sum(bool(v.beyond) for v in verdicts)
    if beyond:  # right for the course, fragile beyond it: said, and the exit status is not changed
        text += f" ({beyond} with a note beyond the course, not graded)"
    if not ran:
        return f"nothing to check: none of {', '.join(FILES)} has a function the checker knows ({text})", 1
    return text, 0 if all(v.ok for v in ran) else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cfgmm_lib.check",
        description="Check your course files (common.py, kmeans.py, naive_em.py, em.py) against the library, "
                    "on the handout's cases and adversarial ones, and name known mistakes.")
    parser.add_argument("path", help="the folder that holds your course files")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds each check may take (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--only", action="append", choices=list(STEPS), metavar="STEP",
                        help="check only this step (em.estep, ...); repeatable")
    args = parser.parse_args(argv)
    try:  # nan passed "<= 0" and then never ran out; inf never ran out either
        check_scalar(args.timeout, "--timeout", low=0.0, low_inclusive=False)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        verdicts = check_folder(args.path, timeout=args.timeout, steps=args.only)
    except NotADirectoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text, status = summary(verdicts)
    print(text)
    return status
