"""Our re-implementations of five learners' public solutions get the verdicts the course's own cases support.

The solutions are test data (tests/learner_solutions/). Each folder is our own code, written after the
approach of one public solution of the project: Samanngh/netflix-em-collaborative-filtering,
quant-violinista/MITx-6.86x-project_3, wigilm/Collaborative-filtering-via-gaussian-mixtures,
stevearonson/MITx-6.86-Machine-Learning and marlon-sb/gaussian-netflix-recommender (on GitHub). Each
reproduces that solution's observable choices (the steps it wrote, its module layout, densities or logs,
loops or vectorised code, its run loop and stopping rule), not its text; each file's header names the
repository, path and commit it follows. Every one of them is right for the course: each step passes, as
the course's grader passes it. Where a solution is right for the course but breaks on a harder input,
the verdict carries a note BEYOND THE COURSE naming what breaks it; nowhere else.
"""

from __future__ import annotations

import contextlib
import importlib
import io

import pytest

from cfgmm_lib.check import STEPS, run_check

#: solution -> the steps it wrote -> the mistake its note BEYOND THE COURSE names ("" when none).
EXPECTED = {
    "samanngh": {"naive_em.estep": "not-log-domain", "naive_em.mstep": "", "naive_em.run": "",
                 "common.bic": "", "common.rmse": "",
                 "em.estep": "", "em.mstep": "", "em.run": "", "em.fill_matrix": ""},
    "quant_violinista": {"naive_em.estep": "not-log-domain", "naive_em.mstep": "", "naive_em.run": "",
                         "common.bic": "", "common.rmse": "",
                         "em.estep": "", "em.mstep": "", "em.run": "", "em.fill_matrix": ""},
    "wigilm": {"kmeans.estep": "", "kmeans.mstep": "",
               "naive_em.estep": "not-log-domain", "naive_em.mstep": "", "naive_em.run": "",
               "common.bic": "", "common.rmse": "",
               "em.estep": "", "em.mstep": "", "em.run": "", "em.fill_matrix": ""},
    # log(p) without the handout's 1e-16: right for the course, wrong once a weight is exactly 0
    "stevearonson": {"naive_em.estep": "not-log-domain", "naive_em.mstep": "", "naive_em.run": "",
                     "em.estep": "weights-without-eps", "em.mstep": "", "em.run": "",
                     "em.fill_matrix": "weights-without-eps"},
    # densities multiplied directly, with a uniform post where they all underflow
    "marlon_sb": {"naive_em.estep": "not-log-domain", "naive_em.mstep": "", "naive_em.run": "",
                  "common.bic": "", "common.rmse": "",
                  "em.estep": "", "em.mstep": "", "em.run": "", "em.fill_matrix": ""},
}


def _function(solution: str, step: str):
    spec = STEPS[step]
    module = importlib.import_module(f"learner_solutions.{solution}.{spec.file[:-3]}")
    return getattr(module, spec.function)


@pytest.fixture(autouse=True)
def _importable(monkeypatch):
    import sys
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent))
    yield
    for name in [m for m in sys.modules if m.startswith("learner_solutions")]:
        del sys.modules[name]


@pytest.mark.parametrize("solution", list(EXPECTED))
def test_each_solution_gets_the_verdicts_the_course_supports(solution, course):
    """(On the course files: the verdicts are the course's cases'; the stand-ins differ.)"""
    for step, beyond in EXPECTED[solution].items():
        with contextlib.redirect_stdout(io.StringIO()):  # a learner's run prints its progress
            v = run_check(step, _function(solution, step), timeout=120)
        text = str(v)
        assert v.ok and v.passed == v.total and not v.mistake, (solution, text)
        if beyond:
            assert v.beyond_mistake == beyond and "BEYOND THE COURSE" in text, (solution, text)
            assert text.startswith(f"PASS  {step:<15} all {v.total} of the course's cases agree"), (solution, text)
        else:
            assert not v.beyond and "BEYOND" not in text, (solution, text)
            assert text.startswith(f"PASS  {step:<15} all {v.total + v.beyond_total} cases agree"), (solution, text)


def test_every_solution_names_the_approach_it_follows():
    from pathlib import Path

    for solution in EXPECTED:
        for path in (Path(__file__).resolve().parent / "learner_solutions" / solution).glob("*.py"):
            if path.name != "__init__.py":
                text = path.read_text()
                assert text.startswith("# Written for cfgmm's tests after the approach of https://github.com/"), path
                assert "(commit " in text and "Not that repository's code." in text, path
