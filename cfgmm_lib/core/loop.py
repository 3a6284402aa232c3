"""The one loop engine: K-means, naive EM, EM with missing entries and full-covariance EM run on it.

The course's stopping rules (``handout_ll_rule``, ``handout_cost_rule``), the default cap
``MAX_ITER``, the ``NotConvergedWarning`` a run issues at the cap, and ``RunResult``, which
unpacks as the handout's triple ``(mixture, post, score)``. Introduced in ``notebooks/01_kmeans.py``
(the loop) and ``notebooks/02_em.py`` (the EM rule).
"""

from __future__ import annotations

import sys
import warnings
from typing import NamedTuple

import numpy as np

from .mixture import GaussianMixture

__all__ = ["MAX_ITER", "NotConvergedWarning", "Iteration", "RunResult", "Loop", "handout_ll_rule",
           "handout_cost_rule", "em_iterations"]


#: Default cap on the iterations of every ``run``: far above what the course's runs need (at
#: most 47 on the toy data, 27 on the Netflix matrix), low enough that a run that cannot settle stops.
MAX_ITER = 1000


class NotConvergedWarning(UserWarning):
    """A run stopped at its ``max_iter`` cap before the course's stopping rule was met.

    The result is the last iterate; its ``converged`` attribute is False.
    """


class Iteration(NamedTuple):
    """One EM iteration: the E-step on ``estep_mixture``, then the M-step.

    Attributes
    ----------
    estep_mixture : GaussianMixture
        The mixture the E-step used. The handout's own loop (its ``test.py``
        cell) ends right after an E-step, so it fills the matrix with this one.
    post : array of shape (n, K)
        The E-step's posteriors, computed from ``estep_mixture`` (the
        *handout's* ``post``, one M-step behind ``mixture``).
    ll : float
        The E-step's log-likelihood, of ``estep_mixture``.
    mixture : GaussianMixture
        After the M-step: what ``run`` returns on the last iteration.
    """

    estep_mixture: GaussianMixture
    post: np.ndarray
    ll: float
    mixture: GaussianMixture


class RunResult(tuple):
    """What every ``run`` returns: the handout's triple ``(mixture, post, score)``, with more attributes.

    It unpacks like the handout's return value (``mixture, post, ll = em.run(...)``).

    Attributes
    ----------
    mixture : GaussianMixture
        After the last M-step (K-means: the last update).
    post : array of shape (n, K)
        The *handout's* ``post``: from the last E-step (K-means: the last
        assignment), that is of the mixture **before** the last M-step, as the
        course's reference numbers assume. The posteriors *of* the returned
        mixture (a "refreshed" post, one E-step later) are ``estep(X, mixture)``.
    score : float
        K-means: the cost of ``mixture``; EM: the log-likelihood of the last E-step (``ll``).
    n_iter : int
        Iterations run (one E-step and one M-step each).
    converged : bool
        True when the course's stopping rule ended the run, False when ``max_iter`` did
        (a ``NotConvergedWarning`` was then issued).
    estep_mixture : GaussianMixture
        The mixture the last E-step used (the one the handout's loop ends with).
    """

    def __new__(cls, mixture, post, score, *, n_iter: int, converged: bool, estep_mixture=None):
        self = super().__new__(cls, (mixture, post, score))
        self.n_iter, self.converged, self.estep_mixture = int(n_iter), bool(converged), estep_mixture
        return self

    def __reduce__(self):
        return (_make_run_result, (tuple(self), self.n_iter, self.converged, self.estep_mixture))

    mixture = property(lambda self: self[0])
    post = property(lambda self: self[1])
    score = property(lambda self: self[2])

    def __repr__(self) -> str:
        return (f"RunResult(score={self[2]!r}, n_iter={self.n_iter}, converged={self.converged}, "
                f"K={len(self[0].p)})")


def _make_run_result(triple, n_iter, converged, estep_mixture):
    return RunResult(*triple, n_iter=n_iter, converged=converged, estep_mixture=estep_mixture)


def _caller_level() -> int:  # pragma: no mutate block (counts frames: mutmut's wrapper would add one)
    """``stacklevel`` that makes a warning point at the first caller outside the package."""
    frame, level = sys._getframe(1), 1
    # ("mutmut.": under `make mutation` every library function is called through mutmut's trampoline)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(("cfgmm_lib", "mutmut.")):
        frame, level = frame.f_back, level + 1
    return level


def handout_ll_rule(previous: float, ll: float) -> bool:
    """The course's EM stopping rule: converged when ``ll - previous <= 1e-6 * |ll|``."""
    return ll - previous <= 1e-6 * abs(ll)


def handout_cost_rule(previous: float, cost: float) -> bool:
    """The course's K-means stopping rule: converged when ``previous - cost <= 1e-4``."""
    return previous - cost <= 1e-4


class Loop:
    """The one loop engine of the package: K-means, naive EM, EM with missing entries and full-covariance EM.

    Iterating yields ``(mixture, post, score, new_mixture)`` once per iteration, where
    ``post, score, new_mixture = step(mixture)``. It stops after the first iteration
    for which ``converged(previous_score, score)`` holds (the handout's rules:
    ``handout_ll_rule``, ``handout_cost_rule``), or after ``max_iter`` iterations,
    with a ``NotConvergedWarning`` that says what to try.

    Parameters
    ----------
    step : callable
        ``step(mixture) -> (post, score, new_mixture)``: one E-step and one M-step
        (private functions: the arguments were checked before the loop).
    mixture : GaussianMixture
        The start.
    converged : callable
        ``converged(previous_score, score) -> bool``.
    max_iter : int or None
        Cap on the iterations; None for none.
    name : str
        The caller, for the warning (``"em.run"``).

    Attributes
    ----------
    n_iter : int
        Iterations run so far.
    converged : bool
        Whether the stopping rule ended the loop.
    scores : list of float
        Every iteration's score, in order (the learning curve).
    """

    def __init__(self, step, mixture, *, converged, max_iter: int | None = MAX_ITER, name: str = "run"):
        self.step, self.start, self.rule, self.max_iter, self.name = step, mixture, converged, max_iter, name
        self.n_iter, self.converged, self.scores = 0, False, []

    def __iter__(self):
        mixture, previous, change = self.start, None, None
        while self.max_iter is None or self.n_iter < self.max_iter:
            post, score, new = self.step(mixture)
            self.n_iter += 1
            self.scores.append(score)
            yield mixture, post, score, new
            if previous is not None and self.rule(previous, score):
                self.converged = True
                return
            change = None if previous is None else score - previous
            previous, mixture = score, new
        change = "none yet" if change is None else f"{change:.3g}"
        warnings.warn(NotConvergedWarning(
            f"{self.name} stopped after max_iter = {self.max_iter} iterations without meeting the course's "
            f"stopping rule (last change of the score: {change}); the result is the last iterate, not a "
            "converged fit. Try a larger max_iter (or max_iter=None), another seed, or fewer components."
        ), stacklevel=_caller_level())

    def run(self) -> RunResult:
        """Run to the end and return the handout's triple as a ``RunResult``."""
        last = None
        for last in self:
            pass
        estep_mixture, post, score, mixture = last
        return RunResult(mixture, post, score, n_iter=self.n_iter, converged=self.converged,
                         estep_mixture=estep_mixture)


def em_iterations(estep, mstep, mixture, *, max_iter: int | None = None):
    """EM iterations on the loop engine: yields ``(post, ll, new_mixture)`` until the handout's rule holds.

    ``post, ll = estep(mixture)``, ``new_mixture = mstep(post, mixture)``: EM written as two
    functions of the mixture, for a learner's own steps; the library's runs use ``Loop`` directly.
    """
    def step(m):
        post, ll = estep(m)
        return post, ll, mstep(post, m)

    for _, post, ll, new in Loop(step, mixture, converged=handout_ll_rule, max_iter=max_iter, name="em_iterations"):
        yield post, ll, new
