"""How sure a mean over repeated splits is: a t interval, corrected for splits that share their ratings.

Scores from K random splits of one matrix are not independent draws: every two splits train on
nearly the same ratings, so the plain t interval of their mean is too narrow. Nadeau and Bengio
(2003, "Inference for the generalization error") correct the variance of the mean from
``s^2 / K`` to ``s^2 (1 / K + n_test / n_train)``; with 10 % hidden that widens the interval of
five splits by a factor of about 1.25. Applied to the per-split *difference* of two models'
scores (the same splits for both, so paired), it says whether one model is better than another.

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..core.validation import check_scalar, check_values

__all__ = ["mean_interval", "corrected_interval", "verdict"]


def mean_interval(values, test_share: float, level: float = 0.95) -> dict:
    """The mean of per-split scores with its corrected t interval.

    Parameters
    ----------
    values : array of shape (K,)
        One score (or one paired difference of two models' scores) per split; K >= 2.
    test_share : float
        ``n_test / n_train`` of the splits (0.111 when 10 % of the ratings are hidden); 0 gives
        the plain t interval of independent draws.
    level : float in (0, 1), default 0.95

    Returns
    -------
    dict
        ``mean``, ``low``, ``high`` (floats) and ``n`` (K).
    """
    v = check_values(values, "values")
    if v.ndim != 1 or v.size < 2:
        raise ValueError(f"values must be a 1-D array of two or more per-split scores, got shape {v.shape}")
    test_share = check_scalar(test_share, "test_share", low=0.0)
    level = check_scalar(level, "level", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    return corrected_interval(v, test_share, level)


def corrected_interval(v: np.ndarray, test_share: float, level: float) -> dict:
    """``mean_interval`` on checked arguments."""
    K = v.size
    mean = float(v.mean())
    half = float(stats.t.ppf(0.5 + level / 2, K - 1) * np.sqrt(v.var(ddof=1) * (1.0 / K + test_share)))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": K}


def verdict(diff: dict) -> str:
    """What the interval of a paired difference a - b says: "no difference" when it covers 0, else
    "better" (a's RMSE is lower) or "worse"."""
    if diff["low"] <= 0.0 <= diff["high"]:
        return "no difference"
    return "better" if diff["high"] < 0 else "worse"
