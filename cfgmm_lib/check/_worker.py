"""Checks in a subprocess (started by ``folder``): ``python -m cfgmm_lib.check._worker WORK RESULT STEP...``.

Imports the learner's module from WORK (a temporary copy of their folder; bytecode writing is
off), runs each step's check and appends its verdict as one JSON line to RESULT (outside WORK). The learner's
printing goes to this process's stdout, which ``folder`` discards.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback

from .core import STEPS, Verdict, run_check

sys.dont_write_bytecode = True  # the learner's modules, imported below, leave no __pycache__ in their folder


def _verdict(step: str):
    spec = STEPS[step]
    try:
        module = importlib.import_module(spec.file[:-3])
    except BaseException as exc:  # the learner's file: a syntax error, a failing import, sys.exit...
        frame = (traceback.extract_tb(exc.__traceback__) or [None])[-1]
        where = f" (line {exc.lineno} of {exc.filename.rsplit('/', 1)[-1]})" if isinstance(exc, SyntaxError) else (
            f" (line {frame.lineno} of {frame.filename.rsplit('/', 1)[-1]})" if frame else "")
        text = exc.msg if isinstance(exc, SyntaxError) else (str(exc).splitlines() or [""])[0]
        return Verdict(step, "error", detail=f"{spec.file} could not be imported: {type(exc).__name__}: {text}{where}")
    fn = getattr(module, spec.function, None)
    if fn is None:
        return Verdict(step, "skipped", detail=f"{spec.file} has no function {spec.function}")
    return run_check(step, fn, isolate=False)  # this process is the child: folder ends it when it runs too long


def main(work: str, result: str, *steps: str) -> int:
    sys.path.insert(0, work)
    for step in steps:
        line = json.dumps(_verdict(step).to_dict())
        with open(result, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
