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
    """A component EM cannot go on with: it collapsed onto identical points (variance 0), or it holds no point.

    Without a variance floor (naive EM), a component can shrink onto identical points: the
    likelihood is then unbounded. With one (full-covariance EM), a component can instead empty:
    the E-step gives it (numerically) no share of any point, its weight falls to 0 and the M-step
    has nothing to place its mean and covariance by. Either way the run has no sensible result;
    ``sweep`` records it as failed and keeps the other seeds.

    Parameters
    ----------
    component : int
    held : float, optional
        Given when the component emptied: its total share of the points, ``sum_n post[n, c]``.
    n : int, optional
        The number of points (with ``held``).
    iteration : int, optional
        The iteration of the run whose M-step found it (1 = the first).

    Attributes
    ----------
    component : int
        The index of the component.
    held : float or None
        ``sum_n post[n, c]`` of a component that emptied; None for a collapse onto identical points.
    """

    def __init__(self, component: int, *, held: float | None = None, n: int | None = None,
                 iteration: int | None = None):
        self.component, self.held, self.n, self.iteration = component, held, n, iteration
        when = f" in iteration {iteration}" if iteration is not None else ""
        if held is None:
            message = (f"component {component} collapsed onto identical points{when} (its variance is 0): the "
                       "likelihood is unbounded there; try another seed or fewer components")
        else:
            share = f"sum of post[:, {component}] = {held:.3g}" + (f" of n = {n} points" if n is not None else "")
            message = (f"component {component} holds no point{when}: the E-step gave it no share of any point "
                       f"({share}), so its weight fell to 0 and the M-step has nothing to place its mean and "
                       "covariance by; try another seed or fewer components, or start it nearer the data")
        super().__init__(message)
