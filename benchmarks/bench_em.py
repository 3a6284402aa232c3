"""How fast is ``em.run``? Ratios against three baselines, measured side by side in one run.

    make bench                         # or: python benchmarks/bench_em.py [--K 12] [--rounds 5]

On the Netflix matrix (1200 x 1200, 22.8 % missing), K = 12, init seed 0:

* ours: ``em.run`` wall time divided by its number of iterations (E-step + M-step);
* the floor: the four products every iteration needs, ``X @ mu.T``, ``M @ (mu**2).T``,
  ``post.T @ X`` and ``post.T @ M`` (M = observed mask), timed together, repeated as many
  times as ``em.run`` iterates so that both are timed as blocks of the same length;
* a loop-per-user implementation of the same equations (``cfgmm_lib.reference``);
* scikit-learn's ``GaussianMixture(covariance_type="spherical")`` on the *complete* matrix
  (no mask: an easier problem), per iteration, as the ecosystem's anchor.

Then the handout's whole sweep (K = 1 and 12, seeds 0-4, ``fill_matrix`` and RMSE), and the
peak memory ``em.run`` allocates beyond its input. Each timing is the best of several rounds,
the rounds interleaved so that a busy machine slows every contender alike. Targets
(issue 3): ours / floor <= 1.3, loop / ours >= 60.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np

from cfgmm_lib import em, init, rmse
from cfgmm_lib.common import em_iterations
from cfgmm_lib.data import load_or_standin
from cfgmm_lib.reference import em_estep_loop, em_mstep_loop
from cfgmm_lib.sweep import sweep


def timed(fn, repeat: int = 1) -> float:
    """Best wall time of ``repeat`` calls, in seconds."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def count_iterations(X, mixture) -> int:
    """Iterations ``em.run`` makes from ``mixture`` (the same loop, counted)."""
    obs = em.observe(X)
    steps = em_iterations(lambda m: em._estep(obs, m), lambda post, m: em._mstep(obs, post, m, 0.25), mixture)
    return sum(1 for _ in steps)


def sklearn_per_iteration(X_complete, mixture, repeat: int) -> float | None:
    """Seconds per EM iteration of scikit-learn's spherical mixture, started from our init."""
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import GaussianMixture
    except ImportError:
        return None

    def fit(iters):
        gm = GaussianMixture(len(mixture.p), covariance_type="spherical", max_iter=iters, tol=0.0,
                             means_init=mixture.mu, weights_init=mixture.p, precisions_init=1 / mixture.var,
                             reg_covar=1e-6)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm.fit(X_complete)

    short, long_ = 1, 11
    return (timed(lambda: fit(long_), repeat) - timed(lambda: fit(short), repeat)) / (long_ - short)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--K", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds; the best of each is kept")
    parser.add_argument("--skip-loop", action="store_true", help="skip the slow loop-per-user baseline")
    args = parser.parse_args(argv)

    X, standin = load_or_standin("netflix_incomplete")
    X_complete, _ = load_or_standin("netflix_complete")
    if standin:
        print("*** SYNTHETIC STAND-IN DATA: the course files are not installed (see data/README.md) ***")
    n, d = X.shape
    mixture0, post0 = init(X, args.K, seed=0)
    n_iter = count_iterations(X, mixture0)
    final, post, _ = em.run(X, mixture0, post0)
    mu = final.mu
    M = (X != 0).astype(np.float64)

    def four_products():  # as many times as em.run iterates: a block as long as a run
        for _ in range(n_iter):
            X @ mu.T
            M @ (mu * mu).T
            post.T @ X
            post.T @ M

    def one_loop_iteration():
        p, _ = em_estep_loop(X, mixture0)
        em_mstep_loop(X, p, mixture0)

    best = {"ours": np.inf, "floor": np.inf, "loop": np.inf}
    for r in range(args.rounds):  # same number of samples, same length of block, interleaved
        best["floor"] = min(best["floor"], timed(four_products) / n_iter)
        best["ours"] = min(best["ours"], timed(lambda: em.run(X, mixture0, post0)) / n_iter)
        if not args.skip_loop and r < 2:  # ~1 s each: two rounds are enough
            best["loop"] = min(best["loop"], timed(one_loop_iteration))
    sk = sklearn_per_iteration(X_complete, mixture0, repeat=max(2, args.rounds // 2))

    def sweep_all():
        result = sweep(X, [1, 12], range(5), method="em")
        top = max((result.best(K) for K in (1, 12)), key=lambda f: f.score)
        return rmse(em.fill_matrix(X, top.mixture), X_complete)

    t_sweep = timed(sweep_all, 2)

    tracemalloc.start()
    em.run(X, mixture0, post0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    ms = lambda s: f"{1e3 * s:8.2f} ms"  # noqa: E731
    print(f"Netflix matrix {n} x {d}, K = {args.K}, seed 0: em.run takes {n_iter} iterations")
    print(f"  ours (em.run per iteration)            {ms(best['ours'])}")
    print(f"  floor (the four products)              {ms(best['floor'])}")
    if np.isfinite(best["loop"]):
        print(f"  loop per user (same equations)         {ms(best['loop'])}")
    if sk is not None:
        print(f"  scikit-learn spherical, complete data  {ms(sk)}")
    else:
        print("  scikit-learn not installed (pip install -e '.[bench]')")
    print("Ratios")
    print(f"  ours / floor          {best['ours'] / best['floor']:6.2f}   (target <= 1.3)")
    if np.isfinite(best["loop"]):
        print(f"  loop / ours           {best['loop'] / best['ours']:6.0f}   (target >= 60)")
    if sk is not None:
        print(f"  ours / scikit-learn   {best['ours'] / sk:6.2f}")
    print(f"Handout sweep (K = 1, 12; seeds 0-4; fill_matrix; RMSE): {t_sweep:.2f} s")
    print(f"Peak memory em.run allocates: {peak / 2**20:.1f} MiB (X itself is {X.nbytes / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
