"""The handout's EM on a ``scipy.sparse`` ratings matrix: the stored entries are the observed ratings.

``em.estep``, ``em.mstep``, ``em.run``, ``em.history``, ``em.fill_matrix`` and ``em.predict``,
``common.init`` and ``sweep(..., method="em")`` accept a sparse X; what differs from a dense X
is only the observed-data view they read it through (``SparseObserved``). The equations are the handout's (see ``cfgmm_lib.em``); only the products change. With ``M``
the 0/1 matrix of stored entries (it shares X's index arrays),

- E-step: ``f = X @ (mu / var).T - M @ (mu**2 / (2 var)).T - sumsq / (2 var)
  - counts / 2 log(2 pi var) + log(p + 1e-16)``, shape (n, K);
- M-step: ``post.T @ X = (X.T @ post).T`` and ``post.T @ M``, shape (K, d), plus
  ``post.T @ sumsq`` and ``post.T @ counts``.

Four sparse-times-dense products per iteration, each touching every stored rating once; nothing
of shape (n, d) is ever made (``fill_matrix`` refuses a sparse X too large to fill and points
to ``predict``, which scores chosen ``(row, column)`` entries only).

Where each piece lives: the check ``check_sparse`` and the cap ``MAX_FILL_ENTRIES`` in
``cfgmm_lib.core.validation``; the view ``SparseObserved`` (the pieces every step reuses) in
``cfgmm_lib.core.observed``, beside its dense twin; ``predict`` in ``cfgmm_lib.em``. They are
named here too, where notebook 07 and its readers import them from; this file holds no code of its own.

Introduced in ``notebooks/07_netflix_scale.py``.
"""

from ..core.observed import SparseObserved
from ..core.validation import MAX_FILL_ENTRIES, check_fillable, check_sparse
from ..em import predict

__all__ = ["SparseObserved", "check_sparse", "check_fillable", "predict", "MAX_FILL_ENTRIES"]
