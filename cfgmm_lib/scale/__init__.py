"""EM with missing entries at Netflix-Prize scale: sparse input, pairwise prediction, a large synthetic matrix.

The course's ratings matrix is 1200 x 1200; the problem it stands for, the Netflix Prize, is
480,189 users x 17,770 movies with 100,480,507 ratings (98.8 % missing), 68 GB as a dense
float64 array. The handout's equations only ever touch the observed entries, so every step
is a few products of a ``scipy.sparse`` matrix with small dense ones.

- ``sparse``: how ``em.estep`` / ``mstep`` / ``run`` / ``history`` / ``fill_matrix``,
  ``common.init`` and ``sweep`` work on a ``scipy.sparse`` matrix (its stored entries are the
  observed ratings), and the names notebook 07 uses: ``check_sparse``, ``SparseObserved`` (both
  from ``cfgmm_lib.core``) and ``predict`` for chosen ``(row, column)`` pairs (``em.predict``).
- ``synthetic``: ``netflix_like``, a planted-mixture ratings matrix of any shape and number
  of ratings with the skew of real data, built in chunks.
- ``heldout``: the held-out split and the baselines of ``cfgmm_lib.evaluation`` on sparse input.

Introduced in ``notebooks/07_netflix_scale.py``; measured by ``benchmarks/bench_scale.py``.
"""

from .sparse import MAX_FILL_ENTRIES, SparseObserved, check_sparse, predict
from .synthetic import netflix_like

__all__ = ["SparseObserved", "check_sparse", "predict", "netflix_like", "MAX_FILL_ENTRIES"]
