"""Count the argument checks and the observed-data views along the library's longest paths.

    python tools/count_checks.py

"Checked once" is a claim about call counts, so this counts them: for each path (``evaluate``,
``sweep`` with EM, ``em.run`` and ``sweep`` on a sparse X, ``full_em.run``) it prints how many
times a data-sized array (one of the shape of X) went through a matrix check (``check_matrix``,
``check_sparse``), how many times a posterior array was checked, and how many observed-data views
(``em.Observed``, ``scale.SparseObserved``) and observed masks were built. Calls are seen with
``sys.setprofile``, by function name, and views by wrapping the two classes' constructors, so the
counts do not depend on where the checks and the views live.
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter

import numpy as np
import scipy.sparse as sp

MATRIX_CHECKS = {"check_matrix", "check_sparse"}
POST_CHECKS = {"check_post"}
MASK_BUILDS = {"observed_mask"}


def _shape(value):
    try:
        return tuple(value.shape)
    except AttributeError:
        return np.shape(value) if isinstance(value, (list, tuple)) else None


def count(fn, data_shape):
    """Run ``fn()`` and count, by kind, the checks of arrays of ``data_shape`` and the views built."""
    from cfgmm_lib.em import Observed
    from cfgmm_lib.scale import SparseObserved

    counts = Counter()
    dense_new, sparse_init = Observed.__new__, SparseObserved.__init__

    def counted_new(cls, *args, **kwargs):
        counts["view builds"] += 1
        return dense_new(cls, *args, **kwargs)

    def counted_init(self, *args, **kwargs):
        counts["view builds"] += 1
        sparse_init(self, *args, **kwargs)

    def profile(frame, event, arg):
        if event != "call" or "cfgmm_lib" not in frame.f_code.co_filename:
            return
        name = frame.f_code.co_name
        if name in MATRIX_CHECKS:
            first = frame.f_locals.get(frame.f_code.co_varnames[0])
            if _shape(first) == data_shape:
                counts["X checks"] += 1
        elif name in POST_CHECKS:
            counts["post checks"] += 1
        elif name in MASK_BUILDS:
            counts["mask builds"] += 1

    Observed.__new__, SparseObserved.__init__ = counted_new, counted_init
    sys.setprofile(profile)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    finally:
        sys.setprofile(None)
        Observed.__new__, SparseObserved.__init__ = dense_new, sparse_init
    return counts


def _ratings(n=120, d=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(1, 6, size=(n, d)).astype(float)
    X[rng.random((n, d)) < 0.6] = 0.0
    X[np.arange(n), rng.integers(0, d, n)] = 3.0  # every user keeps a rating
    X[rng.integers(0, n, d), np.arange(d)] = 4.0  # every movie too
    return X


def main() -> None:
    from cfgmm_lib import em
    from cfgmm_lib.common import init
    from cfgmm_lib.evaluation import MODELS, OPTIONAL_MODELS, evaluate
    from cfgmm_lib.imaging import full_em
    from cfgmm_lib.sweep import sweep

    X = _ratings()
    S = sp.csr_matrix(X)
    mixture, _ = init(X, 3, 0)
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(400, 6))
    full, _ = full_em.init(Z, 3, 0)
    paths = {
        "evaluate (every model; grids of 2 K, 2 ranks; 2 seeds, 2 epochs)": (
            lambda: evaluate(X, models=MODELS + OPTIONAL_MODELS, seeds=range(2),
                             grid={"K": [2, 3], "rank_reg": [(2, 10.0), (3, 10.0)], "epochs": 2}), X.shape),
        "sweep(X, [2, 3], range(3), 'em')": (lambda: sweep(X, [2, 3], range(3), "em"), X.shape),
        "em.run(sparse X)": (lambda: em.run(S, mixture), S.shape),
        "sweep(sparse X, [2, 3], range(3), 'em')": (lambda: sweep(S, [2, 3], range(3), "em"), S.shape),
        "full_em.run(Z)": (lambda: full_em.run(Z, full), Z.shape),
    }
    width = max(map(len, paths))
    kinds = ("X checks", "mask builds", "view builds", "post checks")
    print(f"{'path':{width}s}  " + "  ".join(kinds))
    for name, (fn, shape) in paths.items():
        c = count(fn, shape)
        print(f"{name:{width}s}  " + "  ".join(f"{c[k]:{len(k)}d}" for k in kinds))


if __name__ == "__main__":
    main()
