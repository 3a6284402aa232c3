"""Is a fitted mixture healthy? Per-component diagnostics.

A mixture can reach a high likelihood with components that explain almost nothing: a component
that owns a single user, sits at the variance floor and keeps that user's row (zeros included)
as its means. These checks find them.

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import numpy as np

from . import em
from .core.mixture import GaussianMixture
from .core.model_checks import check_mixture, check_step_args
from .core.observed import observe
from .core.validation import check_min_variance, check_scalar

__all__ = ["component_health", "health_summary", "format_health"]


def component_health(X, mixture: GaussianMixture, initial: GaussianMixture | None = None,
                     min_variance: float = em.MIN_VARIANCE, mask=None, few_users: float = 3.0) -> list[dict]:
    """One row of diagnostics per component of a mixture fitted with ``em``.

    Parameters
    ----------
    X : array of shape (n, d)
        The ratings it was fitted on (0 = missing, unless ``mask`` is given).
    mixture : GaussianMixture
        The fitted mixture: ``mu`` (K, d), ``var`` (K,), ``p`` (K,).
    initial : GaussianMixture, optional
        The mixture the run started from (``init``'s); needed to count untouched means.
    min_variance : float, default 0.25
        The variance floor the run used.
    mask : bool array of shape (n, d), optional
    few_users : float, default 3
        A component whose effective number of users is below this is "carried by one or two users".

    Returns
    -------
    list of dict, one per component, with
        ``component``, ``weight`` (p), ``users`` (soft count, sum of post), ``effective_users``
        (``users**2 / sum post**2``: how many users really carry it), ``top2_share`` (share of
        its soft count from its two most responsible users), ``variance``, ``at_floor``,
        ``near_zero_weight`` (less than half a user's worth), ``carried_by_few``, and when
        ``initial`` is given ``untouched_means`` (mean entries still equal to their initial value)
        and ``untouched_zero_means`` (of those, entries that are 0: a missing rating of the
        initial user, now predicted as 0 stars).
    """
    X, mixture, _ = check_step_args(X, mixture)
    if initial is not None:
        initial = check_mixture(initial, X.shape[1])
        if initial.mu.shape != mixture.mu.shape:
            raise ValueError(f"initial must have the mixture's K = {len(mixture.p)} components, got {len(initial.p)}")
    min_variance = check_min_variance(min_variance)
    few_users = check_scalar(few_users, "few_users", low=0.0)
    obs = observe(X, mask)
    post, _ = em.estep_checked(obs, mixture)
    n_hat = post.sum(axis=0)
    kept = (post.T @ obs.M) < 1.0  # (K, d): entries the M-step leaves alone (soft count below 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = np.where(n_hat > 0, n_hat**2 / (post**2).sum(axis=0), 0.0)
        top = -np.sort(-post, axis=0)
        top2 = np.where(n_hat > 0, top[:2].sum(axis=0) / n_hat, 0.0)
    rows = []
    for j in range(len(mixture.p)):
        row = {
            "component": j, "weight": float(mixture.p[j]), "users": float(n_hat[j]),
            "effective_users": float(effective[j]), "top2_share": float(top2[j]),
            "variance": float(mixture.var[j]),
            "at_floor": bool(mixture.var[j] <= min_variance * (1 + 1e-12)),
            "near_zero_weight": bool(n_hat[j] < 0.5),
            "carried_by_few": bool(effective[j] < few_users),
        }
        if initial is not None:  # still at the initial value, and not updated by the M-step
            same = (mixture.mu[j] == initial.mu[j]) & kept[j]
            row["untouched_means"] = int(same.sum())
            row["untouched_zero_means"] = int((same & (initial.mu[j] == 0)).sum())
        rows.append(row)
    return rows


def health_summary(rows: list[dict]) -> dict:
    """Counts over the components: how many are at the floor, nearly empty, carried by few, healthy."""
    flags = ("at_floor", "near_zero_weight", "carried_by_few")
    summary = {flag: sum(r[flag] for r in rows) for flag in flags}
    summary["healthy"] = sum(not any(r[f] for f in flags) for r in rows)
    summary["components"] = len(rows)
    if rows and "untouched_means" in rows[0]:
        summary["untouched_means"] = sum(r["untouched_means"] for r in rows)
        summary["untouched_zero_means"] = sum(r["untouched_zero_means"] for r in rows)
    return summary


def format_health(rows: list[dict]) -> str:
    """The diagnostics as an aligned text table."""
    head = f"{'comp':>4} {'weight':>7} {'users':>8} {'eff.':>7} {'top-2':>6} {'var':>6}  flags"
    if rows and "untouched_means" in rows[0]:
        head += "   untouched means (zeros)"
    lines = [head]
    for r in rows:
        flags = ",".join(f for f in ("at_floor", "near_zero_weight", "carried_by_few") if r[f]) or "ok"
        line = (f"{r['component']:4d} {r['weight']:7.3f} {r['users']:8.1f} {r['effective_users']:7.1f} "
                f"{r['top2_share']:6.2f} {r['variance']:6.3f}  {flags:38s}")
        if "untouched_means" in r:
            line += f" {r['untouched_means']:5d} ({r['untouched_zero_means']})"
        lines.append(line.rstrip())
    return "\n".join(lines)
