"""Every model on several independent splits: means with intervals, paired differences, calibration.

One split gives one number per model; whether 0.003 between two models means anything needs
several. ``evaluate_splits`` runs ``evaluate`` on ``splits`` independent splits (split i hides
with seed ``seed + 2 i``, and carves its validation split with ``seed + 2 i + 1``: every draw
has its own seed) and summarises each model's RMSE and MAE by their mean and a corrected t
interval (``intervals``), and every pair of models by the interval of their paired difference.
A difference whose interval covers 0 is no difference.

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_scalar
from .experiment import MIXTURES, MODELS, check_arguments, evaluate_checked, reporter
from .intervals import corrected_interval
from .uncertainty import coverage

__all__ = ["evaluate_splits", "split_seeds", "summarise", "LEVELS"]

#: The predictive intervals whose coverage is measured for each mixture (uncertainty.coverage).
LEVELS = (0.5, 0.9)


def split_seeds(seed: int, splits: int) -> list[int]:
    """The seeds of the test splits: ``seed, seed + 2, ...`` (each validation split takes its seed + 1)."""
    return [seed + 2 * i for i in range(splits)]


def evaluate_splits(X, splits: int = 5, fraction: float = 0.1, seed: int = 0, seeds=range(5), progress=False,
                    models=MODELS, grid=None, how: str = "random", blend: bool = True, level: float = 0.95) -> dict:
    """``evaluate`` on several independent splits, summarised with intervals.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing.
    splits : int >= 2, default 5
    fraction, seeds, models, grid, how, blend
        As ``evaluate``; ``seed`` is that of the first split (``split_seeds``).
    progress : bool or callable
        As ``evaluate``'s; a callable also receives ``("split", "i/splits")`` before each split.
    level : float in (0, 1), default 0.95
        Of the intervals.

    Returns
    -------
    dict
        ``splits``: one ``evaluate`` result per split (without models or predictions), each with
        ``coverage`` (mixture -> {level: share of held-out ratings inside its predictive interval});
        and the ``summarise`` of them: ``rmse``, ``mae``, ``differences``, ``coverage``, ``best``, ...
    """
    X, fraction, seed, seeds, models, grid, how, blend = check_arguments(X, fraction, seed, seeds, models, grid,
                                                                         how, blend)
    splits = check_scalar(splits, "splits", int, low=2)
    level = check_scalar(level, "level", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    report = reporter(progress)
    results = []
    for i, s in enumerate(split_seeds(seed, splits)):
        report("split", f"{i + 1}/{splits}")
        r = evaluate_checked(X, fraction, s, seeds, report, models, grid, True, how, blend)
        _, rows, cols, ratings = r["split"]
        r["coverage"] = {name: {str(q): c for q, c in coverage(r["models"][name], rows, cols, ratings, LEVELS).items()}
                         for name in MIXTURES if name in r["models"]}
        for key in ("models", "split", "validation_split", "validation_models", "predictions"):
            del r[key]
        results.append(r)
    return {"splits": results, **summarise(results, level)}


def summarise(results: list, level: float = 0.95) -> dict:
    """Means, intervals and paired differences of per-split results (``evaluate_splits``'s ``splits``).

    Returns
    -------
    dict
        ``models`` (best RMSE first), ``rmse`` and ``mae`` (model -> ``{mean, low, high, n, per_split}``),
        ``differences`` (model a -> model b -> the interval of RMSE(a) - RMSE(b), paired by split),
        ``best`` (the best single model: the blend left out), ``coverage`` (mixture -> level ->
        interval of the share inside), ``level``, ``test_share``, ``fraction``, ``how``, ``seeds``.
    """
    names = [m for m in results[0]["rmse"] if all(m in r["rmse"] for r in results)]
    share = float(np.mean([r["n_test"] / r["n_train"] for r in results]))
    out = {"level": level, "test_share": share, "fraction": results[0]["fraction"], "how": results[0]["how"],
           "seeds": [r["seed"] for r in results], "rmse": {}, "mae": {}, "differences": {}, "coverage": {}}
    per = {metric: {m: np.array([r[metric][m] for r in results]) for m in names} for metric in ("rmse", "mae")}
    for metric in ("rmse", "mae"):
        for m in names:
            out[metric][m] = {**corrected_interval(per[metric][m], share, level),
                              "per_split": per[metric][m].tolist()}
    for a in names:
        out["differences"][a] = {b: corrected_interval(per["rmse"][a] - per["rmse"][b], share, level)
                                 for b in names if b != a}
    out["models"] = sorted(names, key=lambda m: out["rmse"][m]["mean"])
    out["best"] = next(m for m in out["models"] if m != "blend")
    for m in results[0].get("coverage", {}):
        out["coverage"][m] = {q: corrected_interval(np.array([r["coverage"][m][q] for r in results]), share, level)
                              for q in results[0]["coverage"][m]}
    return out
