"""Run a learner's function on the checker's cases, compare with the library, name the mistake.

``run_check(step, fn)`` returns a ``Verdict`` (``verdict``): how many of the course's cases agree
with an answer the course accepts (``accepted``: for ``run``, em.run's and the handout's loop's),
the first value that differs (only that one value of the reference is shown), and, when the
learner's outputs match one of the known wrong variants of ``mistakes`` on every case, that
mistake's id and explanation. An argument changed in place is reported as ``mutates-input``,
with what changed, whatever the outputs are. The harder cases (``Case.beyond``) never fail a
check: a difference there is the verdict's note BEYOND THE COURSE.
"""

from __future__ import annotations

import copy
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

from .. import common, em, kmeans, naive_em
from ..core.validation import check_scalar
from . import cases as _cases
from . import child
from .accepted import readings
from .mistakes import VARIANTS
from .verdict import Verdict

__all__ = ["STEPS", "Verdict", "run_check", "check_step", "check_timeout"]

#: Relative and absolute tolerances for "agrees": far above rounding, far below any real mistake.
RTOL, ATOL = 1e-6, 1e-9


class Malformed(Exception):
    """The learner's function returned something of the wrong kind or shape."""


# --------------------------------------------------------------------------
# What each step returns, as named arrays
# --------------------------------------------------------------------------

def _describe(value) -> str:
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    shape = getattr(value, "shape", None)
    return f"{type(value).__name__}" + (f" of shape {shape}" if shape is not None else "")


def _parts(value, n: int, what: str):
    if not isinstance(value, (tuple, list)) or len(value) != n:
        raise Malformed(f"should return {what}, but returned {_describe(value)}")
    return value


def _array(value, name: str) -> np.ndarray:
    try:
        return np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise Malformed(f"{name} should be an array of numbers, got {_describe(value)}") from None


def _scalar(value, name: str) -> float:
    arr = _array(value, name)
    if arr.size != 1:
        raise Malformed(f"{name} should be one number, got an array of shape {arr.shape}")
    return float(arr.reshape(-1)[0])


def _mixture(value) -> list:
    if all(hasattr(value, a) for a in ("mu", "var", "p")):
        mu, var, p = value.mu, value.var, value.p
    elif isinstance(value, (tuple, list)) and len(value) == 3:
        mu, var, p = value
    else:
        raise Malformed(f"should return a GaussianMixture(mu, var, p), but returned {_describe(value)}")
    return [("mu", _array(mu, "mu")), ("var", _array(var, "var")), ("p", _array(p, "p"))]


def _post(v):
    return [("post", _array(v, "post"))]


def _estep_out(v):
    post, ll = _parts(v, 2, "(post, ll)")
    return [("post", _array(post, "post")), ("ll", _scalar(ll, "ll"))]


def _kmeans_mstep_out(v):
    mixture, cost = _parts(v, 2, "(mixture, cost)")
    return _mixture(mixture) + [("cost", _scalar(cost, "cost"))]


def _run_out(v):
    mixture, post, ll = _parts(v, 3, "(mixture, post, ll)")
    return _mixture(mixture) + [("post", _array(post, "post")), ("ll", _scalar(ll, "ll"))]


@dataclass(frozen=True)
class Step:
    """One function the learner writes: its reference, how to read its result, its arguments' names."""

    reference: object
    outputs: object
    argnames: tuple
    file: str
    function: str


STEPS = {
    "kmeans.estep": Step(kmeans.estep, _post, ("X", "mixture"), "kmeans.py", "estep"),
    "kmeans.mstep": Step(lambda X, post: kmeans.mstep(X, post), _kmeans_mstep_out, ("X", "post"),
                         "kmeans.py", "mstep"),
    "naive_em.estep": Step(naive_em.estep, _estep_out, ("X", "mixture"), "naive_em.py", "estep"),
    "naive_em.mstep": Step(lambda X, post: naive_em.mstep(X, post), _mixture, ("X", "post"), "naive_em.py", "mstep"),
    "naive_em.run": Step(naive_em.run, _run_out, ("X", "mixture", "post"), "naive_em.py", "run"),
    "common.bic": Step(common.bic, lambda v: [("bic", _scalar(v, "the BIC"))], ("X", "mixture", "log_likelihood"),
                       "common.py", "bic"),
    "common.rmse": Step(common.rmse, lambda v: [("rmse", _scalar(v, "the RMSE"))], ("X", "Y"), "common.py", "rmse"),
    "em.estep": Step(em.estep, _estep_out, ("X", "mixture"), "em.py", "estep"),
    "em.mstep": Step(em.mstep, _mixture, ("X", "post", "mixture", "min_variance"), "em.py", "mstep"),
    "em.run": Step(em.run, _run_out, ("X", "mixture", "post"), "em.py", "run"),
    "em.fill_matrix": Step(em.fill_matrix, lambda v: [("X_pred", _array(v, "X_pred"))], ("X", "mixture"),
                           "em.py", "fill_matrix"),
}


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------

def _index(idx) -> str:
    return "[" + ", ".join(str(int(i)) for i in idx) + "]" if idx else ""


def first_difference(mine: list, ref: list) -> str | None:
    """The first value of ``mine`` that differs from ``ref`` (named, with the reference value), or None."""
    for (name, a), (_, b) in zip(mine, ref):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return f"{name} has shape {a.shape}, expected {b.shape}"
        close = np.isclose(a, b, rtol=RTOL, atol=ATOL)
        if not close.all():
            idx = tuple(np.argwhere(~close)[0]) if a.ndim else ()
            x, y = float(a[idx]), float(b[idx])
            off = "" if not np.isfinite(x) else f" (off by {abs(x - y):.2g})"
            return f"{name}{_index(idx)} is {x:.10g}, expected {y:.10g}{off}"
    return None


def _same(mine: list, other: list) -> bool:
    for (_, a), (_, b) in zip(mine, other):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or not np.isclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True).all():
            return False
    return True


def _equal(a, b) -> bool:
    if hasattr(a, "mu") and hasattr(b, "mu"):
        return all(_equal(x, y) for x, y in zip((a.mu, a.var, a.p), (b.mu, b.var, b.p)))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a == b


def _copy_args(args: tuple) -> tuple:
    out = copy.deepcopy(args)
    for a in out:  # the checker's cached arrays are read-only; the learner gets writable copies
        for arr in ((a.mu, a.var, a.p) if hasattr(a, "mu") else (a,)):
            if isinstance(arr, np.ndarray):
                arr.setflags(write=True)
    return out


def _quiet(fn, args, limit=None):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if limit is None:
            return fn(*args)
        with limit:
            return fn(*args)


def _where(exc: BaseException) -> str:
    """The innermost frame of the learner's code (not NumPy's, not ours), as 'line N of FILE'."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "site-packages" not in f.filename and "cfgmm_lib" not in f.filename]
    if not frames:
        return ""
    f = frames[-1]
    cell = "ipykernel_" in f.filename or f.filename.startswith("<")  # a notebook cell or the prompt
    name = "your cell" if cell else f.filename.rsplit("/", 1)[-1]
    code = (f.line or "").strip()
    return f" (line {f.lineno} of {name}{': ' + code if code else ''})"


# --------------------------------------------------------------------------
# Running the cases
# --------------------------------------------------------------------------

#: Seconds a check may take, in a notebook (``check.em_estep(estep)``) and per step of a folder.
DEFAULT_TIMEOUT = 60.0


def timeout_verdict(step: str, timeout: float, n_ok: int = 0, total: int = 0) -> Verdict:
    """The verdict on a check that did not finish within ``timeout`` seconds."""
    return Verdict(step, "timeout", n_ok, total, f"{STEPS[step].function} did not finish within {timeout:g} s "
                   "(an endless loop? for run: is the stopping rule ever met?)")


def check_step(step) -> str:
    """A key of ``STEPS``, or a ValueError that lists them."""
    if not isinstance(step, str) or step not in STEPS:
        raise ValueError(f"step must be one of {', '.join(STEPS)}; got {step!r}")
    return step


def check_timeout(timeout) -> float | None:
    """Seconds a check may take: a finite number > 0, or None for no limit."""
    if isinstance(timeout, (float, np.floating)) and np.isinf(timeout):
        raise ValueError(f"timeout must be finite, got {timeout!r} (None means no limit)")
    return check_scalar(timeout, "timeout", low=0.0, low_inclusive=False, allow_none=True)


def run_check(step: str, fn, timeout: float | None = None, *, isolate: bool = True) -> Verdict:
    """Run ``fn`` (the learner's version of ``step``) on every case and judge it.

    Parameters
    ----------
    step : str
        A key of ``STEPS``, e.g. ``"em.estep"``.
    fn : callable
        The learner's function, with the handout's signature.
    timeout : float, optional
        Seconds ``fn`` may take over all the cases (None: no limit); past them the check stops
        with a "timeout" verdict, so that an endless loop in a notebook cell does not hang the kernel.
    isolate : bool, default True
        Run the cases in a forked child (``child``): the parent keeps the time limit and ends the
        child (no ``except:`` in ``fn`` can swallow that); ``sys.exit`` or ``os._exit`` in ``fn`` is
        an ERROR verdict, not the end of the kernel. False (the folder's worker), or without
        ``os.fork``: in this process, the limit kept by a timer signal (in the main thread of a Unix
        process, when no other timer is set: that one is left alone).

    Returns
    -------
    Verdict

    Raises
    ------
    ValueError, TypeError
        If ``step`` is not a key of ``STEPS`` (the message lists them), or ``timeout`` is not None
        or a finite number > 0.
    """
    step, timeout = check_step(step), check_timeout(timeout)
    if not callable(fn):
        return Verdict(step, "error", detail=f"expected a function, got {_describe(fn)}")
    if isolate and child.available():
        return _forked(step, fn, timeout)
    return child.run_with_alarm(lambda limit: _run_check(step, fn, limit), timeout)


def _forked(step: str, fn, timeout: float | None) -> Verdict:
    """``_run_check`` in a forked child (``child.run_forked``); the ways it can end, as verdicts."""
    out = child.run_forked(lambda timed: _run_check(step, fn, timed).to_dict(), timeout)
    n_course = sum(not c.beyond for c in _cases.cases(step))
    if out.status == "done":
        return Verdict(**out.result)
    if out.status == "timeout":
        return timeout_verdict(step, timeout, out.done, n_course)
    if not out.case:  # before the learner's first call: the checker's own failure
        return Verdict(step, "error", detail=f"the check stopped: {out.how}")
    how = out.how + (", as os._exit does" if out.how.startswith("exit") else "")
    return Verdict(step, "error", out.done, n_course, f'on "{out.case}": ended the Python process ({how}): '
                   f"{STEPS[step].function} must return its result", notes=_cases.notes())


def _message(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:200] + _where(exc)


def _compare(step: str, mine: list, case) -> tuple[str, str | None]:
    """``(label, None)`` when ``mine`` agrees with an accepted answer (``accepted.readings``), else
    ``("", the first difference from the library's)``."""
    spec = STEPS[step]
    first = None
    for label, value in readings(step, _quiet(spec.reference, _copy_args(case.args))):
        problem = first_difference(mine, spec.outputs(value))
        if problem is None:
            return label, None
        first = first or problem
    return "", first


def _run_check(step: str, fn, limit: child.Alarm | child.Timed | None) -> Verdict:
    spec = STEPS[step]
    all_cases = sorted(_cases.cases(step), key=lambda c: bool(c.beyond))  # the course's cases first
    n_course = sum(not c.beyond for c in all_cases)
    ran, first, n_ok = [], {False: None, True: None}, {False: 0, True: 0}
    mutated, accepted = "", []
    for case in all_cases:
        harder = bool(case.beyond)
        args = _copy_args(case.args)
        if limit is not None:
            limit.case, limit.done = case.name, n_ok[False]
        try:
            result = _quiet(fn, args, limit)
        except child.TimeUp:  # only the learner's call is timed, so it can only come from here
            return timeout_verdict(step, limit.seconds, n_ok[False], n_course)
        except SystemExit as exc:  # sys.exit() in the learner's code: a verdict, not the end of the kernel
            return Verdict(step, "error", n_ok[False], n_course, f'on "{case.name}": called sys.exit({exc.code!r})'
                           f"{_where(exc)}: {spec.function} must return its result", notes=_cases.notes())
        except NotImplementedError:
            return Verdict(step, "not written", total=n_course, notes=_cases.notes())
        except Exception as exc:  # the learner's bug: report it, do not crash
            problem = f'on "{case.name}": raised {_message(exc)}'
            if not harder:
                return Verdict(step, "error", n_ok[False], n_course, problem, notes=_cases.notes())
            first[True] = first[True] or (problem, case)
            continue
        mutated = mutated or _mutation(spec.argnames, case, args)
        try:
            mine = spec.outputs(result)
        except Malformed as exc:
            return Verdict(step, "error", n_ok[False], n_course, f'on "{case.name}": {step} {exc}',
                           notes=_cases.notes())
        ran.append((case, mine))
        label, problem = _compare(step, mine, case)
        if problem is None:
            n_ok[harder] += 1
            if label and label not in accepted:
                accepted.append(label)
        elif first[harder] is None:
            first[harder] = (f'on "{case.name}": {problem}', case)
    v = Verdict(step, "failed" if mutated or first[False] else "passed", n_ok[False], n_course,
                notes=_cases.notes(), accepted=accepted, beyond_passed=n_ok[True],
                beyond_total=len(all_cases) - n_course)
    if mutated:
        v.mutated, v.mistake = mutated, "mutates-input"
    elif first[False]:
        v.detail, v.mistake = first[False][0], diagnose(step, [(c, m) for c, m in ran if not c.beyond])
    if first[True] and v.ok:  # a note only on code right for the course: a failure there says enough
        v.beyond, case = first[True]
        v.beyond_why = case.beyond
        v.beyond_mistake = diagnose(step, ran)
    return v


def _mutation(argnames: tuple, case, args: tuple) -> str:
    """What the learner's call changed in the arguments it was given, on which case ("" if nothing)."""
    for name, before, after in zip(argnames, case.args, args):
        change = _change(name, before, after)
        if change:
            return f'on "{case.name}": {change}'
    return ""


def _change(name: str, before, after) -> str:
    if hasattr(before, "mu"):
        for part in ("mu", "var", "p"):
            change = _change(f"{name}.{part}", getattr(before, part), getattr(after, part, None))
            if change:
                return change
        return ""
    if not isinstance(before, np.ndarray) or _equal(before, after):
        return ""
    if not isinstance(after, np.ndarray) or after.shape != before.shape:
        return f"{name} was changed in place: it is now {_describe(after)}, was {_describe(before)}"
    idx = tuple(np.argwhere(~((before == after) | (np.isnan(before) & np.isnan(after))))[0])
    short = name.rsplit(".", 1)[-1]
    return (f"{name} was changed in place ({short}{_index(idx)} was {float(before[idx]):.6g}, is now "
            f"{float(after[idx]):.6g}): the caller's {name.split('.')[0]} is no longer what it passed; work on a copy")


def diagnose(step: str, mine_by_case: list) -> str | None:
    """The id of the first wrong variant whose outputs match the learner's on every case, or None.

    A variant of ``run`` matches in either accepted shape (``accepted.readings``): a loop that
    ends on an E-step, as the handout's does, is named as surely as one that ends on an M-step.
    """
    spec = STEPS[step]
    for mistake, variant in VARIANTS[step]:
        try:
            if all(any(_same(mine, spec.outputs(value))
                       for _, value in readings(step, _quiet(variant, _copy_args(case.args))))
                   for case, mine in mine_by_case):
                return mistake
        except Exception:
            continue
    return None
