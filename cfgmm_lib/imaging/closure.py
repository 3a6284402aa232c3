"""Closure quantities: what survives the stations' unknown phase delays and gain errors.

Each station ``a`` corrupts what it records by a complex gain ``g_a = |g_a| e^{i phi_a}``: the
atmosphere above it delays the wave by an amount that changes within seconds (the handout's "can be
viewed as random"), and its amplification is known to a few percent. Baseline (a, b) measures
``V_ab g_a conj(g_b)``. Around a triangle of stations the phases cancel:

    arg(V_ab V_bc V_ca) -> arg(V_ab V_bc V_ca) + (phi_a - phi_b) + (phi_b - phi_c) + (phi_c - phi_a),

so the **closure phase** ``psi_abc = arg(V_ab V_bc V_ca)`` (the argument of the bispectrum) is the
source's alone. Around a quadrangle the gains' moduli cancel: the **log closure amplitude**
``log |V_ab| + log |V_cd| - log |V_ad| - log |V_bc|`` does not see any ``|g|``.

At a time with n stations there are ``(n - 1)(n - 2) / 2`` independent closure phases and
``n (n - 3) / 2`` independent closure amplitudes. The minimal sets are eht-imaging's
(``obs_helpers.tri_minimal_set``, ``quad_minimal_set``): with the stations in the file's order and
the first one present as reference r, the triangles ``(r, i, j)`` for i < j, and the quadrangles
``(r, s_i, s_j, s_k)`` for i = 3 .. n-1, j = 1 .. i-1, k = 1 if j = i - 1 else j + 1 (positions in the
ordered list of present stations). A triangle or quadrangle missing one of its baselines at that
time is skipped. Times are grouped by exact equality, as eht-imaging does.

Errors (eht-imaging's ``make_bispectrum``, ``make_closure_amplitude``): a closure phase has
``sigma_psi = sqrt(sum_k sigma_k^2 / |V_k|^2)`` (radians, first order); a log closure amplitude uses
debiased amplitudes ``A_k = sqrt(|V_k|^2 - sigma_k^2)`` (``sigma_k`` where ``|V_k| < sigma_k``),
``sigma_L = sqrt(sum_k 1 / snr_k^2)`` with ``snr_k = A_k / sigma_k``, and adds the debiasing term
``(1/snr_1^2 + 1/snr_2^2 - 1/snr_3^2 - 1/snr_4^2) / 2`` to ``log(A_1 A_2 / (A_3 A_4))``.

Introduced in ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.validation import check_scalar
from .eht_data import Observation, station_indices

__all__ = ["Closures", "closure_phases", "log_closure_amplitudes", "model_closure_phases",
           "model_log_closure_amplitudes", "count_independent"]


class Closures(NamedTuple):
    """A minimal set of closure quantities, each made of k visibilities (k = 3 phases, 4 amplitudes).

    Attributes
    ----------
    value : array of shape (n,)
        Closure phases in radians, or log closure amplitudes.
    sigma : array of shape (n,)
        Their standard errors (radians for phases).
    rows : int array of shape (n, k)
        The visibilities (rows of the Observation) each is made of.
    signs : array of shape (n, k) of +1 / -1
        For phases: -1 where the baseline runs the other way (the conjugate visibility);
        for amplitudes: +1 for the numerator's two, -1 for the denominator's.
    time_h : array of shape (n,)
    stations : array of shape (n, k) of str
        The triangle (a, b, c) or quadrangle (a, b, c, d): ``V_ab V_bc V_ca``, or ``|V_ab V_cd| / |V_ad V_bc|``.
    """

    value: np.ndarray
    sigma: np.ndarray
    rows: np.ndarray
    signs: np.ndarray
    time_h: np.ndarray
    stations: np.ndarray


def count_independent(n_stations) -> tuple[np.ndarray, np.ndarray]:
    """Independent closure phases ``(n-1)(n-2)/2`` and closure amplitudes ``n(n-3)/2`` for n stations."""
    n = np.asarray(n_stations)
    if (n < 0).any():
        raise ValueError(f"n_stations must be >= 0, got {n}")
    return np.where(n >= 3, (n - 1) * (n - 2) // 2, 0), np.where(n >= 4, n * (n - 3) // 2, 0)


def _table(obs: Observation, use=None):
    """Per distinct time: which stations are present and the row (and direction) of each baseline
    (only the rows where ``use`` is True, if given)."""
    codes = list(obs.stations)
    a, b = station_indices(obs)
    times, t = np.unique(obs.time_h, return_inverse=True)
    S = len(codes)
    row = np.full((len(times), S, S), -1)
    sign = np.zeros((len(times), S, S), dtype=int)
    rows = np.arange(len(a))
    if use is not None:
        t, a, b, rows = t[use], a[use], b[use], rows[use]
    row[t, a, b], sign[t, a, b] = rows, 1
    row[t, b, a], sign[t, b, a] = rows, -1  # the conjugate baseline
    present = (row >= 0).any(axis=2)
    return times, row, sign, present, np.array(codes)


def _positions(present: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Station indices (T, m, k) for position patterns (m, k) in each time's ordered present list."""
    order = np.argsort(~present, axis=1, kind="stable")  # the present stations first, in the file's order
    return order[:, pattern]


def _assemble(times, row, sign, groups, codes, wanted):
    """Closures at every time for the station tuples ``groups`` (T, m, k), skipping incomplete ones."""
    k = groups.shape[2]
    legs = [(i, (i + 1) % k) for i in range(k)] if wanted == "phase" else [(0, 1), (2, 3), (0, 3), (1, 2)]
    T = np.arange(len(times))[:, None]
    r = np.stack([row[T, groups[..., i], groups[..., j]] for i, j in legs], axis=-1)  # (T, m, k)
    s = np.stack([sign[T, groups[..., i], groups[..., j]] for i, j in legs], axis=-1)
    ok = (r >= 0).all(axis=-1)
    tt = np.broadcast_to(times[:, None], ok.shape)[ok]
    return r[ok], s[ok], tt, codes[groups[ok]]


def closure_phases(obs: Observation, uv_min: float = 0.0) -> Closures:
    """eht-imaging's minimal set of closure phases (``c_phases(count='min')``), in radians.

    Parameters
    ----------
    obs : Observation with M rows (usually scan-averaged, with the systematic error added)
    uv_min : float, default 0
        Baselines shorter than this (wavelengths) are left out before the triangles are formed
        (eht-imaging's ``cp_uv_min``): with ``eht_data.ZERO_BASELINE_UV``, the triangles with two
        co-located stations, whose closure phase any compact image makes zero.

    Returns
    -------
    Closures with k = 3 (``rows`` index obs's rows)
    """
    uv_min = check_scalar(uv_min, "uv_min", low=0.0)
    times, row, sign, present, codes = _table(obs, np.hypot(obs.u, obs.v) >= uv_min)
    parts = []
    for n in np.unique(present.sum(axis=1)):  # a loop over station counts (at most the array's size)
        if n < 3:
            continue
        i, j = np.triu_indices(n - 1, 1)
        pattern = np.stack([np.zeros_like(i), i + 1, j + 1], axis=1)  # (ref, s_i, s_j)
        at = present.sum(axis=1) == n
        parts.append(_assemble(times[at], row[at], sign[at], _positions(present[at], pattern), codes, "phase"))
    r, s, tt, st = _concat(parts, 3)
    V = np.where(s > 0, obs.vis[r], np.conj(obs.vis[r]))
    value = np.angle(np.prod(V, axis=1))
    sigma = np.sqrt(np.sum(obs.sigma[r] ** 2 / np.abs(obs.vis[r]) ** 2, axis=1))
    return _sorted(Closures(value, sigma, r, s, tt, st))


def _quad_pattern(n: int) -> np.ndarray:
    quads = [(0, i, j, 1 if j == i - 1 else j + 1) for i in range(3, n) for j in range(1, i)]
    return np.array(quads, dtype=int).reshape(-1, 4)


def log_closure_amplitudes(obs: Observation) -> Closures:
    """eht-imaging's minimal set of debiased log closure amplitudes (``c_amplitudes(ctype='logcamp',
    count='min', debias=True)``).

    Parameters
    ----------
    obs : Observation with M rows

    Returns
    -------
    Closures with k = 4: ``log(|V_ab| |V_cd| / (|V_ad| |V_bc|))``, signs (+1, +1, -1, -1)
    """
    times, row, sign, present, codes = _table(obs)
    parts = []
    for n in np.unique(present.sum(axis=1)):
        if n < 4:
            continue
        at = present.sum(axis=1) == n
        parts.append(_assemble(times[at], row[at], sign[at], _positions(present[at], _quad_pattern(n)), codes,
                               "amplitude"))
    r, _, tt, st = _concat(parts, 4)
    s = np.broadcast_to(np.array([1, 1, -1, -1]), r.shape)
    amp, sig = np.abs(obs.vis[r]), obs.sigma[r]
    debiased = np.where(amp > sig, np.sqrt(np.maximum(amp**2 - sig**2, 0.0)), sig)
    inv_snr2 = (sig / debiased) ** 2
    value = np.sum(s * np.log(debiased), axis=1) + 0.5 * np.sum(s * inv_snr2, axis=1)
    sigma = np.sqrt(np.sum(inv_snr2, axis=1))
    return _sorted(Closures(value, sigma, r, np.array(s), tt, st))


def _concat(parts, k):
    if not parts:
        return (np.zeros((0, k), int), np.zeros((0, k), int), np.zeros(0), np.zeros((0, k), str))
    return tuple(np.concatenate(p) for p in zip(*parts))


def _sorted(c: Closures) -> Closures:
    """In time order (stable: within a time, the minimal set's order)."""
    order = np.argsort(c.time_h, kind="stable")
    return Closures(*(np.asarray(f)[order] for f in c))


def model_closure_phases(vis, closures: Closures) -> np.ndarray:
    """Closure phases (radians) of model visibilities ``vis`` (M,) on the triangles of ``closures``."""
    V = np.asarray(vis)[closures.rows]
    return np.angle(np.prod(np.where(closures.signs > 0, V, np.conj(V)), axis=1))


def model_log_closure_amplitudes(vis, closures: Closures) -> np.ndarray:
    """Log closure amplitudes of model visibilities ``vis`` (M,) on the quadrangles of ``closures``."""
    return np.sum(closures.signs * np.log(np.abs(np.asarray(vis)[closures.rows])), axis=1)
