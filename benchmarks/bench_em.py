"""How fast is ``em.run``? Ratios against three baselines, measured side by side in one run.

    make bench                         # or: python benchmarks/bench_em.py [--K 12] [--rounds 9]

On the Netflix matrix (1200 x 1200, 22.8 % missing), K = 12, init seed 0. How each contender is
timed (every one of them once per round, in the same order, for the same number of rounds, so
that a busy machine slows them alike):

* ours: one whole ``em.run`` from ``init``, divided by its number of iterations (E-step +
  M-step; the one-off set-up of ``observe`` is included in the run);
* the floor: the four products every iteration needs, ``X @ mu.T``, ``M @ (mu**2).T``,
  ``post.T @ X`` and ``post.T @ M`` (M = observed mask), repeated as many times as ``em.run``
  iterates, divided by that number: a block as long as ours;
* the loop: one iteration (E-step + M-step) of a loop-per-user implementation of the same
  equations (``cfgmm_lib.reference``), from the same initial mixture. One iteration is a block of
  about a second, long enough for the timer; running it for all iterations would take a minute
  per round;
* scikit-learn: ``GaussianMixture(covariance_type="spherical")`` on the *complete* matrix (no
  mask: an easier problem), started from our init, fitted for 11 iterations and for 1, the
  difference divided by 10 (this removes its set-up), as the ecosystem's anchor.

Each sample is one such block; the script prints, per contender, the best, the median and the
worst of the rounds, and the ratios of the bests and of the medians. Then the handout's whole
sweep (K = 1 and 12, seeds 0-4, ``fill_matrix`` and RMSE) and the peak memory ``em.run``
allocates beyond its input. Targets (issue 3): ours / floor <= 1.3, loop / ours >= 60.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np

from cfgmm_lib import em, init, rmse
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
    """Iterations ``em.run`` makes from ``mixture`` (``em.history`` runs the same loop)."""
    return len(em.history(X, mixture))


def sklearn_available() -> bool:
    try:
        import sklearn.mixture  # noqa: F401
    except ImportError:
        return False
    return True


def sklearn_per_iteration(X_complete, mixture) -> float:
    """Seconds per EM iteration of scikit-learn's spherical mixture, started from our init:
    (a fit of 11 iterations - a fit of 1) / 10, one sample."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    def fit(iters):
        gm = GaussianMixture(len(mixture.p), covariance_type="spherical", max_iter=iters, tol=0.0,
                             means_init=mixture.mu, weights_init=mixture.p, precisions_init=1 / mixture.var,
                             reg_covar=1e-6)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm.fit(X_complete)

    short, long_ = 1, 11
    return (timed(lambda: fit(long_)) - timed(lambda: fit(short))) / (long_ - short)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--K", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds: one sample per contender each")
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

    contenders = {
        "ours": lambda: timed(lambda: em.run(X, mixture0, post0)) / n_iter,
        "floor": lambda: timed(four_products) / n_iter,
    }
    if not args.skip_loop:
        contenders["loop"] = lambda: timed(one_loop_iteration)
    if sklearn_available():
        contenders["sklearn"] = lambda: sklearn_per_iteration(X_complete, mixture0)
    samples = {name: [] for name in contenders}
    for _ in range(args.rounds):  # every contender once per round, interleaved
        for name, sample in contenders.items():
            samples[name].append(sample())
    best = {name: float(np.min(v)) for name, v in samples.items()}
    median = {name: float(np.median(v)) for name, v in samples.items()}
    worst = {name: float(np.max(v)) for name, v in samples.items()}

    def sweep_all():
        result = sweep(X, [1, 12], range(5), method="em")
        top = max((result.best(K) for K in (1, 12)), key=lambda f: f.score)
        return rmse(em.fill_matrix(X, top.mixture), X_complete)

    t_sweep = timed(sweep_all, 2)

    tracemalloc.start()
    em.run(X, mixture0, post0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    ms = lambda s: f"{1e3 * s:8.2f}"  # noqa: E731
    how = {"ours": f"em.run / {n_iter} iterations", "floor": f"4 products x {n_iter} / {n_iter}",
           "loop": "1 iteration", "sklearn": "(fit 11 - fit 1) / 10"}
    label = {"ours": "ours (em.run)", "floor": "floor (the four products)", "loop": "loop per user (same equations)",
             "sklearn": "scikit-learn spherical, complete data"}
    print(f"Netflix matrix {n} x {d}, K = {args.K}, seed 0: em.run takes {n_iter} iterations")
    print(f"Per iteration, ms, over {args.rounds} interleaved rounds (one sample per contender per round):")
    print(f"  {'contender':38s} {'best':>8s} {'median':>8s} {'worst':>8s}  one sample is")
    for name in samples:
        print(f"  {label[name]:38s} {ms(best[name])} {ms(median[name])} {ms(worst[name])}  {how[name]}")
    if "loop" not in samples:
        print("  loop per user: skipped (--skip-loop)")
    if "sklearn" not in samples:
        print("  scikit-learn not installed (pip install -e '.[bench]')")
    print("Ratios (of the bests; of the medians)")
    print(f"  ours / floor          {best['ours'] / best['floor']:6.2f}  {median['ours'] / median['floor']:6.2f}"
          "   (target <= 1.3)")
    if "loop" in samples:
        print(f"  loop / ours           {best['loop'] / best['ours']:6.0f}  {median['loop'] / median['ours']:6.0f}"
              "   (target >= 60)")
    if "sklearn" in samples:
        print(f"  ours / scikit-learn   {best['ours'] / best['sklearn']:6.2f}  {median['ours'] / median['sklearn']:6.2f}")
    print(f"Handout sweep (K = 1, 12; seeds 0-4; fill_matrix; RMSE): {t_sweep:.2f} s (best of 2)")
    print(f"Peak memory em.run allocates: {peak / 2**20:.1f} MiB (X itself is {X.nbytes / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
