"""Run a method over several K and seeds, keep the best seed per K, tabulate.

This answers the handout's "seeds 0-4, best per K" questions and builds the
BIC table. Introduced in ``notebooks/01_kmeans.py`` and used by every notebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Callable

import numpy as np
from scipy.sparse import issparse

from . import em, kmeans, naive_em
from .common import bic_from_counts
from .core.initial import initial_mixture
from .core.loop import MAX_ITER
from .core.mixture import ComponentCollapse, GaussianMixture
from .core.model_checks import check_K
from .core.observed import observe
from .core.validation import check_data, check_list, check_max_iter, check_min_variance, check_seed

__all__ = ["sweep", "Fit", "SweepResult", "METHODS", "Method"]


class Method(tuple):
    """One fitting method of ``sweep``: its public run, its score, and how to run it on checked data.

    It unpacks, as before, as the triple ``(run, score_name, higher)``; the rest are attributes.

    Attributes
    ----------
    run : callable
        The public ``run`` (``kmeans.run``, ``naive_em.run``, ``em.run``).
    score_name : str
        ``"cost"`` or ``"ll"``.
    higher : bool
        True if a higher score is better.
    run_checked : callable
        ``run_checked(data, mixture, **options)`` on checked arguments.
    options : dict
        Option name -> ``(default, checker)``; ``max_iter`` for every method.
    sparse : bool
        Whether a ``scipy.sparse`` X is accepted (its stored entries are the observed ratings).
    view : bool
        Whether the run reads X through its observed-data view (built once, with the ``mask`` option).
    """

    def __new__(cls, run: Callable, score_name: str, higher: bool, run_checked: Callable, options: dict, *,
                sparse: bool = False, view: bool = False):
        self = super().__new__(cls, (run, score_name, higher))
        self.run_checked, self.options, self.sparse, self.view = run_checked, options, sparse, view
        return self

    run = property(lambda self: self[0])
    score_name = property(lambda self: self[1])
    higher = property(lambda self: self[2])


_MAX_ITER = {"max_iter": (MAX_ITER, check_max_iter)}

#: method name -> Method: the one dispatch table of ``sweep`` (and of ``evaluation``'s mixtures)
METHODS = {
    "kmeans": Method(kmeans.run, "cost", False, kmeans.run_checked, _MAX_ITER),
    "naive_em": Method(naive_em.run, "ll", True, naive_em.run_checked, _MAX_ITER),
    "em": Method(em.run, "ll", True, em.run_checked,
                 {**_MAX_ITER, "min_variance": (em.MIN_VARIANCE, check_min_variance)}, sparse=True, view=True),
}


@dataclass(frozen=True)
class Fit:
    """One run: ``K`` components from ``init(X, K, seed)``.

    Attributes
    ----------
    K, seed : int
    mixture : GaussianMixture or None
    post : array of shape (n, K) or None
        The handout's ``post`` (see ``common.RunResult``).
    score : float
        The K-means cost or the EM log-likelihood; NaN when the run failed.
    error : str or None
        Why the run failed (naive EM: a component collapsed onto identical points).
    n_iter : int
        Iterations the run made.
    converged : bool
        False when ``max_iter`` stopped it.
    """

    K: int
    seed: int
    mixture: GaussianMixture | None
    post: np.ndarray | None = field(repr=False)
    score: float
    error: str | None = None
    n_iter: int = 0
    converged: bool = True


@dataclass(frozen=True)
class SweepResult:
    """All fits of a sweep, with the best seed per K.

    Attributes
    ----------
    method : str
        "kmeans", "naive_em" or "em".
    score_name : str
        "cost" (lower is better) or "ll" (higher is better).
    fits : tuple of Fit
    n : int
        Rows of the data (for BIC).
    """

    method: str
    score_name: str
    fits: tuple
    n: int

    @property
    def K_values(self) -> list[int]:
        return sorted({f.K for f in self.fits})

    @property
    def seeds(self) -> list[int]:
        return sorted({f.seed for f in self.fits})

    def scores(self, K: int) -> dict[int, float]:
        """Score of every seed for one K."""
        return {f.seed: f.score for f in self.fits if f.K == K}

    def failed(self, K: int) -> dict[int, str]:
        """Seeds whose run failed for K, with the reason."""
        return {f.seed: f.error for f in self.fits if f.K == K and f.error}

    def best(self, K: int) -> Fit:
        """The best fit for K; among exact ties, the lowest seed. Failed runs are skipped."""
        higher = METHODS[self.method].higher
        all_fits = sorted((f for f in self.fits if f.K == K), key=lambda f: f.seed)
        if not all_fits:
            raise KeyError(f"K = {K} was not part of this sweep (K values: {self.K_values})")
        fits = [f for f in all_fits if f.error is None]
        if not fits:
            raise ValueError(f"every run failed for K = {K}: {all_fits[0].error}")
        key = (lambda f: -f.score) if higher else (lambda f: f.score)
        return min(fits, key=key)  # min keeps the first of equal keys

    def bic(self, K: int) -> float:
        """BIC of the best fit for K (EM methods only)."""
        if self.score_name != "ll":
            raise ValueError("BIC needs a log-likelihood; this sweep ran K-means")
        fit = self.best(K)
        return bic_from_counts(fit.score, self.n, *fit.mixture.mu.shape)

    def best_K_by_bic(self) -> int:
        """The K whose best fit has the highest BIC."""
        return max(self.K_values, key=self.bic)

    def table(self) -> list[dict]:
        """One row per K: ``K``, ``seed`` (best), the best score, ``bic`` for EM, and ``failed``
        (how many seeds failed) when any run failed."""
        rows = []
        for K in self.K_values:
            fit = self.best(K)
            row = {"K": K, "seed": fit.seed, self.score_name: fit.score}
            if self.score_name == "ll":
                row["bic"] = self.bic(K)
            if any(f.error for f in self.fits):
                row["failed"] = len(self.failed(K))
            rows.append(row)
        return rows

    def to_text(self, decimals: int = 4) -> str:
        """The table as aligned plain text (stable, for printed checkpoints)."""
        rows = self.table()
        cols = list(rows[0])
        cells = [[str(r[c]) if isinstance(r[c], int) else f"{r[c]:.{decimals}f}" for c in cols] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
        lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        rows = self.table()
        cols = list(rows[0])
        head = "".join(f"<th>{escape(c)}</th>" for c in cols)
        body = "".join(
            "<tr>" + "".join(
                f"<td>{r[c]}</td>" if isinstance(r[c], int) else f"<td>{r[c]:.4f}</td>" for c in cols
            ) + "</tr>"
            for r in rows
        )
        caption = f"{self.method}: best of seeds {self.seeds} per K"
        return f"<table><caption>{escape(caption)}</caption><tr>{head}</tr>{body}</table>"


def prepare(method: str, X, options: dict):
    """The run of ``method`` on checked data, as ``run(mixture) -> RunResult``, its options checked once.

    EM's observed-data view is built once here, for every seed. ``X`` is checked (``check_data``);
    ``options`` are the caller's keyword options (``max_iter``; for "em" also ``mask``, ``min_variance``).
    """
    spec = METHODS[method]
    allowed = set(spec.options) | ({"mask"} if spec.view else set())
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(f"{method} takes no options {sorted(unknown)} (it takes: {', '.join(sorted(allowed))})")
    checked = {name: check(options.get(name, default)) for name, (default, check) in spec.options.items()}
    return runner(method, observe(X, options.get("mask")) if spec.view else X, checked)


def runner(method: str, data, checked: dict):
    """``run(mixture) -> RunResult`` of ``method`` on ``data`` with checked options (``METHODS[method].options``).

    ``data`` is the checked X, or for a method with ``view`` its observed-data view
    (``core.observed.observe``). ``evaluation.fit_mixture`` builds the view itself, since it
    reuses it for the final E-step.
    """
    spec = METHODS[method]
    return lambda mixture: spec.run_checked(data, mixture, **checked)


def sweep(X, K_values, seeds=range(5), method: str = "naive_em", *, progress: bool = False,
          **options) -> SweepResult:
    """Fit ``method`` from ``init(X, K, seed)`` for every K and seed.

    Parameters
    ----------
    X : array of shape (n, d), or scipy.sparse (method "em" only: stored entries = observed)
    K_values : iterable of int
    seeds : iterable of int, default range(5)
    method : {"kmeans", "naive_em", "em"}
    progress : bool, default False
        Show a progress bar (a widget in Jupyter, text elsewhere).
    **options
        ``max_iter`` (every method); for "em" also ``mask`` and ``min_variance``.

    Returns
    -------
    SweepResult
        ``.best(K)``, ``.table()``, ``.bic(K)``, ``.best_K_by_bic()``. A naive-EM run
        whose component collapses onto identical points is recorded as failed
        (``.failed(K)``) and left out of ``.best(K)``.

    Notes
    -----
    Introduced in ``notebooks/01_kmeans.py``. Arguments are checked once, here;
    the runs are the modules' private loops.
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    if issparse(X) and not METHODS[method].sparse:  # stored entries = observed; only EM with missing entries
        raise ValueError(f"a scipy.sparse X needs method='em' (its unstored entries are missing), got {method!r}")
    X = check_data(X)
    K_values = check_list(K_values, "K_values", lambda K: check_K(K, X.shape[0]))
    seeds = check_list(seeds, "seeds", check_seed)
    return sweep_checked(X, K_values, seeds, method, prepare(method, X, options), progress=progress)


def sweep_checked(X, K_values: list, seeds: list, method: str, run, *, progress: bool = False,
                  start=None) -> SweepResult:
    """``sweep`` on checked arguments; ``run`` is from ``prepare`` (``evaluation.fit_mixture`` calls this).

    ``start(K, seed) -> GaussianMixture`` makes each run's first mixture: by default the course's
    ``init(X, K, seed)``; ``evaluation.fit_mixture`` may pass ``starts.starter("partition", ...)``.
    """
    score_name = METHODS[method].score_name
    jobs = [(K, s) for K in K_values for s in seeds]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc=f"{method} sweep", unit="fit")
    fits = []
    for K, seed in jobs:
        mixture = initial_mixture(X, K, seed)[0] if start is None else start(K, seed)
        try:
            result = run(mixture)
        except ComponentCollapse as exc:  # a degenerate run: recorded, and left out of best()
            fits.append(Fit(K, seed, None, None, float("nan"), str(exc)))
            continue
        mixture, post, score = result
        fits.append(Fit(K, seed, mixture, post, score, None, result.n_iter, result.converged))
    return SweepResult(method, score_name, tuple(fits), X.shape[0])
