"""The checker's verdict on one step, and how it reads: PASS, FAIL, and a note BEYOND THE COURSE.

Three verdicts, as the course grades:

- PASS: every case of the course agrees with an answer the course accepts;
- FAIL: a case of the course does not (the first value that differs, the known mistake it
  matches), or an argument was changed in place (what changed, and where);
- a note BEYOND THE COURSE, under either: the code is right for the course but breaks on a harder
  input the course never gives (what breaks it and why it matters). It never changes ``ok``,
  the status or the folder's exit status.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .accepted import ACCEPTED
from .mistakes import MISTAKES

__all__ = ["Verdict"]

_LABEL = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "not written": "TODO", "skipped": "SKIP",
          "timeout": "TIME"}

_INDENT = "      "


@dataclass
class Verdict:
    """The outcome of checking one step.

    Attributes
    ----------
    step : str
        ``"em.estep"`` and so on: the handout's file and function.
    status : str
        "passed", "failed", "error" (it raised), "not written" (``NotImplementedError``),
        "skipped" (nothing to run) or "timeout".
    passed, total : int
        The course's cases that agree with an accepted answer, out of those run.
    detail : str
        The first problem, on which case.
    mistake : str or None
        The id of the known mistake whose output matched, if any.
    notes : list of str
        What could not use the course data.
    hint : str
        Where to look first (set by the folder check when a step this one calls fails too).
    mutated : str
        What the function changed in place, on which case ("" when nothing).
    accepted : list of str
        Labels (``accepted.ACCEPTED``) of the accepted answers other than the library's that
        the function gave.
    beyond_passed, beyond_total : int
        The harder cases (beyond the course) that agree, out of those run.
    beyond : str
        The first harder case that does not agree: on which case, and what differs.
    beyond_mistake : str or None
        The known mistake that explains it, if any.
    beyond_why : str
        Why that harder case matters.
    """

    step: str
    status: str
    passed: int = 0
    total: int = 0
    detail: str = ""
    mistake: str | None = None
    notes: list = field(default_factory=list)
    hint: str = ""
    mutated: str = ""
    accepted: list = field(default_factory=list)
    beyond_passed: int = 0
    beyond_total: int = 0
    beyond: str = ""
    beyond_mistake: str | None = None
    beyond_why: str = ""

    @property
    def ok(self) -> bool:
        """True when every case of the course agrees with an answer the course accepts."""
        return self.status == "passed"

    def _head(self) -> str:
        head = f"{_LABEL[self.status]:<5} {self.step:<15}"
        if self.status == "passed" and not self.beyond:
            return head + f" all {self.total + self.beyond_total} cases agree with the library"
        if self.status == "passed":
            return head + f" all {self.total} of the course's cases agree with the library"
        if self.status == "failed" and self.mutated:
            return head + " changes its argument in place"
        if self.status == "failed":
            whose = "of the course's " if self.beyond_total else ""
            return head + f" {self.passed} of {self.total} {whose}cases agree"
        if self.status == "not written":
            return head + " not written yet: replace `raise NotImplementedError` with your code"
        if self.detail and self.status in ("skipped", "timeout"):
            return head + " " + self.detail
        return head

    def lines(self) -> list[str]:
        """The verdict as printed: one head line, then indented details."""
        out = [self._head()]
        if self.mutated:
            out.append(_INDENT + self.mutated)
        elif self.detail and self.status not in ("skipped", "timeout"):
            out.append(_INDENT + self.detail)
        if self.mistake:
            out.append(f"{_INDENT}likely mistake [{self.mistake}]: {MISTAKES[self.mistake]}")
        if self.hint:
            out.append(_INDENT + "hint: " + self.hint)
        out += [f"{_INDENT}accepted: {ACCEPTED[label]}" for label in self.accepted]
        if self.beyond:
            out.append(f"{_INDENT}BEYOND THE COURSE (not graded: the verdict above stands): {self.beyond}")
            if self.beyond_mistake:
                out.append(f"{_INDENT}  what breaks it [{self.beyond_mistake}]: {MISTAKES[self.beyond_mistake]}")
            if self.beyond_why:
                out.append(f"{_INDENT}  why it matters: {self.beyond_why}")
        out += [_INDENT + "note: " + n for n in self.notes]
        return [line.rstrip() for line in out]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return f"<Verdict {self.step}: {self.status}{' (beyond the course: a note)' if self.beyond else ''}>"

    def _ipython_display_(self):  # the check functions print the verdict; do not show it twice
        pass

    def to_dict(self) -> dict:
        """The verdict as plain data (JSON), which ``Verdict(**d)`` reads back."""
        return asdict(self)
