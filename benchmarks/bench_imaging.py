"""How fast is the full-covariance EM of notebook 06? Ours against scikit-learn, side by side in one run.

    make bench                       # or: python benchmarks/bench_imaging.py [--n 50000] [--K 20] [--rounds 3]

Data: ``n`` overlapping 8 x 8 patches (64 dimensions, DC removed) from scikit-image's bundled
pictures. Both implementations start from the same parameters (``full_em.init(X, K, seed=0)``)
and are timed per iteration (one E-step and one M-step):

* ours: ``full_em.estep_checked`` then ``full_em.mstep_checked`` (what ``run`` does each iteration);
* scikit-learn: ``GaussianMixture(covariance_type="full")``'s own ``_e_step`` then ``_m_step``
  (what its ``fit`` does each iteration), with the same ``reg_covar``.

Each round times one iteration of each, interleaved so that a busy machine slows both alike; the
best round counts. Both run with one BLAS thread (``--threads``): on a shared machine a second BLAS
thread that fights other jobs for a core makes any timing (ours and scikit-learn's) up to ten
times slower and meaningless. Target (issue 14): ours / sklearn <= 1.0.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from cfgmm_lib.imaging import full_em
from cfgmm_lib.imaging.patches import picture_patches


def sklearn_model(mixture, reg_covar: float):
    """A scikit-learn mixture holding ``mixture``'s parameters, ready for ``_e_step``/``_m_step``."""
    from sklearn.mixture import GaussianMixture
    from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

    K = mixture.p.size
    gm = GaussianMixture(K, covariance_type="full", reg_covar=reg_covar)
    gm.weights_, gm.means_, gm.covariances_ = mixture.p.copy(), mixture.mu.copy(), mixture.cov.copy()
    gm.precisions_cholesky_ = _compute_precision_cholesky(gm.covariances_, "full")
    return gm


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--K", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for both (0: the library default)")
    args = parser.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)

    X = picture_patches(args.n, seed=0)
    start, _ = full_em.init(X, args.K, seed=0)
    reg = full_em.REG_COVAR
    print(f"Full-covariance EM: {X.shape[0]} patches of 8 x 8 (d = {X.shape[1]}), K = {args.K}, reg_covar = {reg}, "
          f"BLAS threads: {args.threads or 'default'}")

    ours_mixture, gm = start, sklearn_model(start, reg)
    ours, theirs, lls = [], [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        post, ll = full_em.estep_checked(X, ours_mixture)
        ours_mixture = full_em.mstep_checked(X, post, reg)
        ours.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        log_prob_norm, log_resp = gm._e_step(X)
        gm._m_step(X, log_resp)
        theirs.append(time.perf_counter() - t0)
        lls.append((ll / X.shape[0], float(log_prob_norm)))

    worst = max(abs(a - b) / abs(b) for a, b in lls)
    print(f"  same start, same steps: largest relative difference in the mean log-likelihood {worst:.1e}")
    print(f"  ours:         {min(ours):.3f} s per iteration (best of {args.rounds})")
    print(f"  scikit-learn: {min(theirs):.3f} s per iteration (best of {args.rounds})")
    print(f"  ours / sklearn {min(ours) / min(theirs):.2f} (target <= 1.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
