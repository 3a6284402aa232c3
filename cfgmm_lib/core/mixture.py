"""The mixture types and the error of a collapsed component.

``GaussianMixture`` is the handout's spherical mixture (``common``, ``kmeans``, ``naive_em``,
``em``); ``FullMixture`` has a full covariance per component (the patch prior of notebook 06,
``imaging.full_em``). Introduced in ``notebooks/01_kmeans.py`` and ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["GaussianMixture", "FullMixture", "ComponentCollapse"]


class GaussianMixture(NamedTuple):
    """A mixture of spherical Gaussians, as in the handout.

    Attributes
    ----------
    mu : ndarray of shape (K, d)
        Component means, one per row.
    var : ndarray of shape (K,)
        Spherical variance of each component (the covariance is ``var[j] * I_d``).
    p : ndarray of shape (K,)
        Mixing weights; they sum to 1.
    """

    mu: np.ndarray
    var: np.ndarray
    p: np.ndarray


class FullMixture(NamedTuple):
    """A mixture of Gaussians with full covariances (``imaging.full_em``).

    Attributes
    ----------
    mu : ndarray of shape (K, d)
        Component means.
    cov : ndarray of shape (K, d, d)
        Component covariances ``Lambda_c``, symmetric positive definite.
    p : ndarray of shape (K,)
        Mixing weights ``pi_c``; they sum to 1.
    """

    mu: np.ndarray
    cov: np.ndarray
    p: np.ndarray


class ComponentCollapse(ValueError):
    """EM without a variance floor shrank a component onto identical points (variance 0).

    The likelihood of such a mixture is unbounded, so the run has no sensible
    result. ``sweep`` records the run as failed and keeps the other seeds.

    Attributes
    ----------
    component : int
        The index of the component that collapsed.
    """

    def __init__(self, component: int):
        self.component = component
        super().__init__(
            f"component {component} collapsed onto identical points (its variance is 0): the likelihood is "
            "unbounded there; try another seed or fewer components"
        )
