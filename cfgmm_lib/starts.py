"""How an EM run with missing entries starts: the course's ``init``, or a random partition of the users.

The course's ``init`` puts each component's mean on one user's row (missing entries as 0s).
On the Netflix matrix that user keeps the component: after EM, at K = 4 and at K = 12, every seed
of ``init`` ends with components whose posteriors sum to about one user, which the mixture then
memorises (measured in ``notebooks/05_beyond_the_handout.py``). K-means++ seeding, which also starts
on single users, does the same. A random partition does not: every user joins one of K groups of
(nearly) equal size at random, and the first M-step makes each group's means, variance and
weight from the observed entries of its members, so every component starts as the average of
about n/K users (the "random partition" start of Hamerly and Elkan, 2002).

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import numpy as np

from . import em
from .core.initial import initial_mixture
from .core.mixture import GaussianMixture
from .core.observed import Observed, SparseObserved

__all__ = ["INITS", "check_init", "partition_start", "starter"]

#: The starts of a mixture fit: the course's ``init`` (the default: the handout's numbers) and the random partition.
INITS = ("course", "partition")


def check_init(init) -> str:
    """One of ``INITS``."""
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    return init


def partition_start(obs: Observed | SparseObserved, K: int, seed: int, min_variance: float) -> GaussianMixture:
    """The mixture of a random balanced partition of the users, after one M-step.

    Parameters
    ----------
    obs : Observed or SparseObserved
        The observed-data view of a checked X (``core.observed.observe``), shape (n, d).
    K : int
        Checked: ``1 <= K <= n``.
    seed : int
        Seed of a local ``np.random.default_rng``: the caller's generators are not touched.
    min_variance : float
        Floor of every variance (as ``em.mstep``).

    Returns
    -------
    GaussianMixture
        ``mu`` (K, d): the mean of each group's observed ratings per movie (a movie that a group
        saw fewer than once keeps the mean of all users); ``var`` (K,); ``p`` (K,) the group shares.
    """
    n = obs.X.shape[0]
    d = obs.X.shape[1]
    # the mixture of one component, the M-step from all users: per-movie means and one variance;
    # a group's movie seen by fewer than one member keeps this mean (em.mstep's rule)
    PX, PM, _, _ = obs.sums(np.ones((n, 1)))
    overall = GaussianMixture(np.full((1, d), PX.sum() / PM.sum()), np.ones(1), np.ones(1))
    one = em.mstep_checked(obs, np.ones((n, 1)), overall, min_variance)
    labels = np.random.default_rng(seed).permutation(n) % K  # groups of n // K or n // K + 1 users
    post = np.zeros((n, K))
    post[np.arange(n), labels] = 1.0
    fallback = GaussianMixture(np.repeat(one.mu, K, axis=0), np.repeat(one.var, K), np.full(K, 1.0 / K))
    return em.mstep_checked(obs, post, fallback, min_variance)


def starter(init: str, data, obs, min_variance: float):
    """``start(K, seed) -> GaussianMixture`` for ``sweep.sweep_checked``: the checked ``data`` (for the
    course's ``init``) or its observed-data view ``obs`` (for the partition)."""
    if init == "course":
        return lambda K, seed: initial_mixture(data, K, seed)[0]
    return lambda K, seed: partition_start(obs, K, seed, min_variance)
