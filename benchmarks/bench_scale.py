"""EM with missing entries at Netflix-Prize scale: seconds per iteration, peak memory, scaling.

    make bench-scale       # or: python benchmarks/bench_scale.py [--sizes 1e6 1e7 1e8] [--K 12]

For each number of ratings N (default 1 M, 10 M and 100 M), in a fresh child process so that
each peak-memory figure is its own:

* a ``netflix_like`` matrix with 17,770 movies and 480,189 * N / 100,480,507 users (the Netflix
  Prize's shape at N = 100,480,507 ratings, 98.8 % missing), float64 CSR;
* ``init(X, K, seed=0)``, then blocks of ``em.run``'s iteration (its own E-step and M-step on the
  run's ``em.observe(X)``; the whole run to convergence is not timed at 100 M: it would take
  dozens of iterations);
* the floor: the four sparse products an iteration needs, timed alone in the same process:
  ``X @ A`` and ``M @ B`` (A, B of shape (d, K), M = the stored-entry mask) for the E-step,
  ``X.T @ post`` and ``M.T @ post`` (post of shape (n, K)) for the M-step;
* peak resident memory (Linux ``VmHWM`` of ``/proc/self/status``, reset through
  ``/proc/self/clear_refs`` after the matrix is built): the run's peak *includes* the matrix;
  the generator's own peak is reported too.

Timings are the best of ``--rounds`` rounds, the iteration blocks and product blocks
interleaved so that a busy machine slows both alike; the 1-minute load average before and after
is recorded (on a shared machine the seconds, and so the fitted exponent, move with it; the
ratio much less). Targets (issue 15), at 100 M ratings,
K = 12: iteration / products <= 1.5, <= 10 s per iteration, peak <= 4 GB, and seconds per
iteration close to linear in N (the fitted exponent of N).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

NETFLIX_USERS, NETFLIX_MOVIES, NETFLIX_RATINGS = 480_189, 17_770, 100_480_507
RESULTS = Path(__file__).resolve().parent / "results" / "bench_scale.json"


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (``VmHWM``), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak_rss() -> bool:
    """Reset ``VmHWM`` to the current resident size (Linux >= 4.0); False when not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def one_size(N: int, K: int, rounds: int, iters: int, seed: int) -> dict:
    """Measure one size in this process; returns a JSON-able dict."""
    from cfgmm_lib import em, init
    from cfgmm_lib.scale import netflix_like

    n = max(K, round(NETFLIX_USERS * N / NETFLIX_RATINGS))
    t0 = time.perf_counter()
    X = netflix_like(n, NETFLIX_MOVIES, N, seed=seed)
    t_gen = time.perf_counter() - t0
    matrix_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    gen_peak = peak_rss_bytes()
    resettable = reset_peak_rss()

    mixture, post = init(X, K, seed=0)
    obs = em.observe(X)
    mixture, post = em.mstep_checked(obs, em.estep_checked(obs, mixture)[0], mixture, 0.25), None  # one warm-up iteration
    rng = np.random.default_rng(0)
    A, B = rng.random((NETFLIX_MOVIES, K)), rng.random((NETFLIX_MOVIES, K))
    P = rng.random((n, K))

    def iterate(m):
        for _ in range(iters):
            post, _ = em.estep_checked(obs, m)
            m = em.mstep_checked(obs, post, m, 0.25)
        return m

    def products():
        for _ in range(iters):
            obs.X @ A
            obs.M @ B
            obs.X.T @ P
            obs.M.T @ P

    t_iter = t_prod = np.inf
    load = os.getloadavg()[0]
    for _ in range(rounds):
        t0 = time.perf_counter()
        mixture = iterate(mixture)
        t_iter = min(t_iter, (time.perf_counter() - t0) / iters)
        t0 = time.perf_counter()
        products()
        t_prod = min(t_prod, (time.perf_counter() - t0) / iters)
    return {
        "ratings": int(X.nnz), "users": n, "movies": NETFLIX_MOVIES, "K": K,
        "missing_share": 1 - X.nnz / (n * NETFLIX_MOVIES),
        "seconds_per_iteration": t_iter, "seconds_products": t_prod, "ratio": t_iter / t_prod,
        "peak_rss_bytes": peak_rss_bytes(), "peak_rss_is_run_only": resettable,
        "generator_peak_rss_bytes": gen_peak, "matrix_bytes": int(matrix_bytes),
        "generate_seconds": t_gen, "rounds": rounds, "iterations_per_round": iters,
        "load_average": [load, os.getloadavg()[0]],  # 1-minute load before and after the timings
    }


def fit_exponent(x, y) -> float:
    """Slope of log(y) against log(x): y ~ x**slope."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7, NETFLIX_RATINGS],
                        help="numbers of ratings (default: 1 M, 10 M and the Netflix Prize's 100,480,507)")
    parser.add_argument("--K", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--iters", type=int, default=2, help="iterations per timed block")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic matrix")
    parser.add_argument("--json", default=None, help=f"write the results here (e.g. {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS})")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(one_size(args.one, args.K, args.rounds, args.iters, args.seed)))
        return 0

    rows = []
    for N in map(int, args.sizes):
        print(f"... {N:,} ratings", file=sys.stderr, flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(N), "--K", str(args.K), "--rounds", str(args.rounds),
             "--iters", str(args.iters), "--seed", str(args.seed)],
            capture_output=True, text=True, check=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))

    gib = 2**30
    print(f"EM with missing entries on sparse netflix_like matrices, K = {args.K}, float64 "
          f"({os.cpu_count()} CPUs, {platform.machine()}, numpy {np.__version__})")
    print(f"{'ratings':>12s} {'users':>8s} {'s/iter':>8s} {'products':>9s} {'ratio':>6s} "
          f"{'peak run':>9s} {'matrix':>8s} {'peak gen':>9s} {'generate':>9s}")
    for r in rows:
        print(f"{r['ratings']:>12,d} {r['users']:>8,d} {r['seconds_per_iteration']:>8.3f} "
              f"{r['seconds_products']:>9.3f} {r['ratio']:>6.2f} {r['peak_rss_bytes'] / gib:>7.2f} G "
              f"{r['matrix_bytes'] / gib:>6.2f} G {r['generator_peak_rss_bytes'] / gib:>7.2f} G "
              f"{r['generate_seconds']:>8.1f}s")
    summary = {"rows": rows}
    if len(rows) >= 2:
        N = [r["ratings"] for r in rows]
        summary["exponent_seconds"] = fit_exponent(N, [r["seconds_per_iteration"] for r in rows])
        summary["exponent_peak_rss"] = fit_exponent(N, [r["peak_rss_bytes"] for r in rows])
        print(f"fitted exponent of N: seconds per iteration ~ N^{summary['exponent_seconds']:.3f}, "
              f"peak memory ~ N^{summary['exponent_peak_rss']:.3f} (target: close to 1)")
    big = rows[-1]
    print(f"largest: iteration / products = {big['ratio']:.2f} (target <= 1.5), "
          f"{big['seconds_per_iteration']:.2f} s per iteration (target <= 10 at 100 M), "
          f"peak {big['peak_rss_bytes'] / 1e9:.2f} GB (target <= 4 GB; resident memory, VmHWM"
          f"{' reset after the matrix was built' if big['peak_rss_is_run_only'] else ' of the whole process'})")
    if args.json:
        summary.update(K=args.K, cpus=os.cpu_count(), numpy=np.__version__,
                       measured=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
