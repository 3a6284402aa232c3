"""The answers the course accepts for a step, read from one result of the library (or of a variant).

The course grades two ways of ending ``run`` correct (its correction note; ``em.history``):

- ``em.run``'s, the handout's ``em.py``: E-step, M-step, then the stopping rule; it returns the
  mixture *after* the last M-step, with that iteration's ``post`` and ``ll``;
- the handout's own loop (its ``test.py`` cell, and the handout's printed ``Var`` and RMSE):
  it stops right after an E-step and returns the mixture that E-step used, one M-step earlier,
  with the same ``post`` and ``ll``.

``readings(step, result)`` gives both from one ``RunResult`` (its ``estep_mixture`` is the
handout's), so the checker runs the reference once per case. Every other step has one answer.
"""

from __future__ import annotations

__all__ = ["ACCEPTED", "readings"]

#: label of an accepted answer other than the library's -> the line the verdict prints about it.
ACCEPTED = {
    "handout-loop": "your run returns the mixture of its last E-step, as the handout's own loop does (its printed "
                    "Var and RMSE are of that mixture); em.run returns the one after a last M-step. The course "
                    "grades both correct",
}

#: The steps with more than one accepted answer.
_RUNS = {"naive_em.run", "em.run"}


def readings(step: str, result) -> list[tuple[str, object]]:
    """Each answer the course accepts for ``step``, as ``(label, value)``; the library's first, labelled "".

    Parameters
    ----------
    step : str
        A step of the checker, e.g. ``"em.run"``.
    result : object
        What the library's function (or a known variant of it) returned on one case.

    Returns
    -------
    list of (str, object)
        ``[("", result)]``, and for ``naive_em.run`` and ``em.run`` also
        ``("handout-loop", (estep_mixture, post, ll))`` when ``result`` carries ``estep_mixture``.
    """
    out = [("", result)]
    if step in _RUNS and getattr(result, "estep_mixture", None) is not None:
        mixture, post, ll = result
        out.append(("handout-loop", (result.estep_mixture, post, ll)))
    return out
