"""Compare two clusterings of the same points (K-means against EM, notebook 02).

Introduced in ``notebooks/02_em.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from .core.mixture import GaussianMixture
from .core.model_checks import check_mixture
from .core.validation import check_matrix

__all__ = ["match_components", "agreement", "reorder"]


def match_components(post_a, post_b) -> np.ndarray:
    """Pair the components of two clusterings so that their hard assignments agree most.

    Parameters
    ----------
    post_a, post_b : arrays of shape (n, K)
        Soft or hard assignments of the same n points to K components each.

    Returns
    -------
    array of shape (K,)
        ``order[j]`` is the component of ``b`` matched with component ``j`` of ``a``.
    """
    a = check_matrix(post_a, "post_a")
    b = check_matrix(post_b, "post_b")
    if a.shape != b.shape:
        raise ValueError(f"post_a and post_b must have the same shape, got {a.shape} and {b.shape}")
    K = a.shape[1]
    la, lb = a.argmax(axis=1), b.argmax(axis=1)
    counts = np.zeros((K, K))
    np.add.at(counts, (la, lb), 1)  # counts[i, j]: points labelled i by a and j by b
    rows, cols = linear_sum_assignment(-counts)
    order = np.empty(K, dtype=int)
    order[rows] = cols
    return order


def agreement(post_a, post_b) -> float:
    """Share of points that two clusterings put in matched components (hard labels, best matching).

    Parameters
    ----------
    post_a, post_b : arrays of shape (n, K)

    Returns
    -------
    float
        1.0 when the two partitions are the same up to relabelling.
    """
    order = match_components(post_a, post_b)
    la = np.asarray(post_a).argmax(axis=1)
    lb = np.asarray(post_b).argmax(axis=1)
    return float(np.mean(order[la] == lb))


def reorder(mixture: GaussianMixture, post, order) -> tuple[GaussianMixture, np.ndarray]:
    """Relabel a mixture's components: new component ``j`` is old component ``order[j]``.

    With ``order = match_components(post_a, post_b)``, ``reorder(mixture_b, post_b, order)``
    numbers b's components like a's, so that matched components get the same colour in a figure.

    Parameters
    ----------
    mixture : GaussianMixture
        ``mu`` (K, d), ``var`` (K,), ``p`` (K,).
    post : array of shape (n, K)
    order : array of shape (K,)
        A permutation of ``0..K-1``.

    Returns
    -------
    mixture : GaussianMixture
    post : array of shape (n, K)
        New arrays; the inputs are not changed.
    """
    mixture = check_mixture(mixture, zero_variance=True)
    post = check_matrix(post, "post")
    order = np.asarray(order)
    K = mixture.mu.shape[0]
    if post.shape[1] != K or order.shape != (K,) or not np.array_equal(np.sort(order), np.arange(K)):
        raise ValueError(f"order must be a permutation of 0..{K - 1} and post must have {K} columns")
    return GaussianMixture(mixture.mu[order], mixture.var[order], mixture.p[order]), post[:, order]
