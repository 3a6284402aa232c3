"""Compare two clusterings of the same points (K-means against EM, notebook 02).

Introduced in ``notebooks/02_em.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from .common import check_matrix

__all__ = ["match_components", "agreement"]


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
