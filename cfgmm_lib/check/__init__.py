"""The learner's checker: does my ``estep`` do what the handout asks, and if not, why not?

In a notebook, after writing a function of the handout::

    from cfgmm_lib import check
    check.em_estep(estep)          # EM with missing entries (em.py)
    check.naive_estep(estep)       # EM on complete data (naive_em.py)

Each call runs the function on the handout's cases (the toy data and the 20 x 5 test case, from
the course files when installed, otherwise stand-ins, and says so) and on adversarial cases of
its own, compares every output with the library, prints one verdict and returns it as a
``Verdict``: PASS when every case of the course agrees with an answer the course accepts (for
``run``, em.run's or the handout's own loop's, which ends on an E-step); FAIL with the first value
that differs, by how much, and the known mistake it matches, if any (or what was changed in
place); and, under a PASS, a note BEYOND THE COURSE when the code breaks on a harder input the
course never gives (naive EM on long rows, a weight of exactly 0), which does not change ``ok``.
When your function runs longer than ``timeout`` seconds over all the cases (60 by default: an
endless loop), the check stops with a TIME verdict, and the notebook goes on. On a folder of the
learner's course files::

    python -m cfgmm_lib.check PATH

runs every function found there in a subprocess with a time limit (see ``folder``).

One function per exercise: ``kmeans_estep``, ``kmeans_mstep`` (kmeans.py), ``naive_estep``,
``naive_mstep``, ``naive_run`` (naive_em.py), ``bic``, ``rmse`` (common.py), ``em_estep``,
``em_mstep``, ``em_run``, ``fill_matrix`` (em.py). Introduced in notebooks 01-04 ("Write it
yourself") and used by ``notebooks/exercises/``.
"""

from __future__ import annotations

import sys

from .core import DEFAULT_TIMEOUT, STEPS, Verdict, run_check
from .mistakes import MISTAKES

__all__ = ["kmeans_estep", "kmeans_mstep", "naive_estep", "naive_mstep", "naive_run", "bic", "em_estep",
           "em_mstep", "em_run", "fill_matrix", "rmse", "run_check", "Verdict", "STEPS", "MISTAKES",
           "CHECKS"]


def _checker(step: str, public: str):
    def check(fn, timeout: float = DEFAULT_TIMEOUT) -> Verdict:
        verdict = run_check(step, fn, timeout)
        sys.stdout.write(f"{verdict}\n")  # one write: one output in the notebook
        sys.stdout.flush()
        return verdict

    file, function = STEPS[step].file, STEPS[step].function
    check.__name__ = check.__qualname__ = public
    check.__doc__ = (f"Check your ``{function}`` of the handout's ``{file}`` and print the verdict.\n\n"
                     "Parameters\n----------\nfn : callable\n    Your function, with the handout's signature.\n"
                     f"timeout : float, default {DEFAULT_TIMEOUT:g}\n    Seconds your function may take over all the cases: "
                     "an endless loop gets a TIME verdict instead of hanging the notebook.\n\n"
                     "Returns\n-------\nVerdict\n    ``.ok`` is True when every case agrees with the library.\n")
    return check


#: public name -> step
CHECKS = {
    "kmeans_estep": "kmeans.estep", "kmeans_mstep": "kmeans.mstep",
    "naive_estep": "naive_em.estep", "naive_mstep": "naive_em.mstep", "naive_run": "naive_em.run",
    "bic": "common.bic", "em_estep": "em.estep", "em_mstep": "em.mstep", "em_run": "em.run",
    "fill_matrix": "em.fill_matrix", "rmse": "common.rmse",
}

kmeans_estep = _checker("kmeans.estep", "kmeans_estep")
kmeans_mstep = _checker("kmeans.mstep", "kmeans_mstep")
naive_estep = _checker("naive_em.estep", "naive_estep")
naive_mstep = _checker("naive_em.mstep", "naive_mstep")
naive_run = _checker("naive_em.run", "naive_run")
bic = _checker("common.bic", "bic")
em_estep = _checker("em.estep", "em_estep")
em_mstep = _checker("em.mstep", "em_mstep")
em_run = _checker("em.run", "em_run")
fill_matrix = _checker("em.fill_matrix", "fill_matrix")
rmse = _checker("common.rmse", "rmse")


def __getattr__(name):
    if name in ("estep", "mstep", "run"):
        raise AttributeError(
            f"check.{name} is ambiguous: use check.kmeans_{name}, check.naive_{name} (naive_em.py, complete data) "
            f"or check.em_{name} (em.py, missing entries)" if name != "run" else
            "check.run is ambiguous: use check.naive_run (naive_em.py) or check.em_run (em.py)")
    raise AttributeError(f"module 'cfgmm_lib.check' has no attribute {name!r}")
