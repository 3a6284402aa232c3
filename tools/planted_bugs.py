"""Plant each bug of issue 11 in a scratch copy of the project and list the fast tests that fail.

    .venv/bin/python tools/planted_bugs.py [--data DIR] [--only NAME ...] [--keep] [--jobs N]

For each bug: copy the project (git-tracked files) to a temporary folder, make one textual
replacement in the library, and run the fast tests there (``tests/`` without the browser,
the notebooks and the benchmark), once without the course data and, with ``--data``, once
with it (``CFGMM_DATA=DIR CFGMM_REQUIRE_COURSE_DATA=1``). The committed code is never touched.
Prints a Markdown table: bug, failing tests without the data, failing tests with it.

A bug whose replacement no longer applies (the code moved) is reported as such: update its
``old``/``new`` to the moved code rather than dropping it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name, description, candidate files (the first that holds `old` is patched), old, new
BUGS = [
    ("hidden-selection", "hyper-parameters chosen on the hidden ratings, not the validation split",
     ["cfgmm_lib/evaluation.py", "cfgmm_lib/evaluation/*.py"],
     'return score(model.predict(vrows, vcols), vratings)["rmse"]',
     'return score(model.predict(rows, cols), ratings)["rmse"]'),
    ("worst-bias-penalty", "bias penalty chosen with the worst validation score",
     ["cfgmm_lib/evaluation.py", "cfgmm_lib/evaluation/*.py"],
     "reg = float(min(scores, key=scores.get))", "reg = float(max(scores, key=scores.get))"),
    ("swapped-bias-penalties", "reg_user and reg_movie swapped in fit_bias",
     ["cfgmm_lib/evaluation.py", "cfgmm_lib/evaluation/*.py"],
     "/ (reg_user + n_user + 1e-12)", "/ (reg_movie + n_user + 1e-12)"),
    ("kmeans-var-n", "K-means variance divided by n_j instead of d n_j",
     ["cfgmm_lib/kmeans.py"], "var[j] = sse / (d * n_hat[j])", "var[j] = sse / n_hat[j]"),
    ("kmeans-relative-stop", "K-means' absolute stopping rule made relative",
     ["cfgmm_lib/core/loop.py"], "    return previous - cost <= 1e-4\n", "    return previous - cost <= 1e-4 * abs(cost)\n"),
    ("stale-posteriors", "fit_mixture predicts with the posteriors of the last E-step (stale)",
     ["cfgmm_lib/evaluation.py", "cfgmm_lib/evaluation/*.py"],
     "post, _ = em.estep_checked(obs, fit.mixture)", "post = fit.post"),
    ("no-early-stopping", "the network returns its last epoch, not the best one",
     ["cfgmm_lib/factorization.py", "cfgmm_lib/evaluation/*.py"],
     "model = best if best is not None else net.model()", "model = net.model()"),
    ("epochs-ignored", "evaluate refits the network for all epochs, ignoring early stopping",
     ["cfgmm_lib/evaluation.py", "cfgmm_lib/evaluation/*.py"],
     "epochs = int(np.argmin(probe.history)) + 1", "epochs = len(probe.history)"),
    ("standin-toy-seed", "the toy stand-in's seed changed",
     ["cfgmm_lib/data.py", "cfgmm_lib/data/*.py"], "seed: int = 686", "seed: int = 687"),
    ("standin-netflix-seed", "the Netflix stand-in's seed changed",
     ["cfgmm_lib/data.py", "cfgmm_lib/data/*.py"], "seed=1200)", "seed=1201)"),
    ("bic-count", "BIC counts K free weights instead of K - 1",
     ["cfgmm_lib/common.py"], "K * d + K + (K - 1)", "K * d + K + K"),
    ("em-tol-1e-5", "EM stops at ll - previous <= 1e-5 |ll| instead of 1e-6",
     ["cfgmm_lib/core/loop.py"], "1e-6 * abs(ll)", "1e-5 * abs(ll)"),
    ("kmeans-two-iterations", "K-means stops after two iterations",
     ["cfgmm_lib/kmeans.py"], "converged=handout_cost_rule,", "converged=lambda previous, cost: True,"),
    ("init-var-0.01pct", "init's variances off by 0.01 %",
     ["cfgmm_lib/core/initial.py"],
     "var = np.array([((X - mu[j]) ** 2).mean() for j in range(K)])",
     "var = np.array([((X - mu[j]) ** 2).mean() for j in range(K)]) * 1.0001"),
]

FAST = ["tests", "-q", "-p", "no:cacheprovider", "-m", "not browser",
        "--ignore=tests/test_notebooks.py", "--ignore=tests/test_benchmark.py", "--ignore=tests/test_browser.py",
        # asks git about the checkout, and the scratch copy is no checkout
        "--deselect", "tests/test_packaging.py::test_course_files_are_ignored_and_not_tracked"]


def copy_project(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        src = ROOT / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)


def plant(dest: Path, patterns, old: str, new: str) -> str | None:
    for pattern in patterns:
        for path in sorted(dest.glob(pattern)):
            text = path.read_text()
            if old in text:
                path.write_text(text.replace(old, new, 1))
                return str(path.relative_to(dest))
    return None


def failing(dest: Path, data_dir: str | None, jobs: int = 1) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CFGMM_")}
    env["PYTHONPATH"] = str(dest)
    env["PYTHONWARNINGS"] = "ignore"
    if data_dir:
        env.update(CFGMM_DATA=data_dir, CFGMM_REQUIRE_COURSE_DATA="1")
    else:
        env["CFGMM_DATA"] = str(dest / "no-course-data")
    out = subprocess.run([sys.executable, "-c", "import cfgmm_lib, sys; sys.stdout.write(cfgmm_lib.__file__)"],
                         cwd=dest, env=env, capture_output=True, text=True).stdout
    assert out.startswith(str(dest)), f"the scratch copy is not the one imported: {out}"
    parallel = ["-n", str(jobs)] if jobs > 1 else []  # pytest-xdist workers
    proc = subprocess.run([sys.executable, "-m", "pytest", *FAST, *parallel, "-rf"], cwd=dest, env=env,
                          capture_output=True, text=True)
    names = re.findall(r"^FAILED (\S+)", proc.stdout, flags=re.M)
    if proc.returncode not in (0, 1):
        names.append(f"(pytest exit {proc.returncode})")
    return names


def short(names: list[str]) -> str:
    if not names:
        return "**none**"
    return "<br>".join(n.replace("tests/", "").split(" - ")[0] for n in names[:6]) + \
        (f"<br>... {len(names) - 6} more" if len(names) > 6 else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder of the course files (also run with them, as CI does)")
    parser.add_argument("--only", nargs="+", help="bug names to plant (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    parser.add_argument("--data-if-needed", action="store_true",
                        help="run with the data only for bugs the run without it misses (the tests that "
                             "fail without the data run, unchanged, with it)")
    parser.add_argument("--jobs", type=int, default=1, help="pytest-xdist workers per run (default 1)")
    args = parser.parse_args(argv)
    rows = ["| bug | fails without the course data | fails with it |", "| --- | --- | --- |"]
    survived = 0
    for name, what, patterns, old, new in BUGS:
        if args.only and name not in args.only:
            continue
        dest = Path(tempfile.mkdtemp(prefix=f"planted-{name}-"))
        try:
            copy_project(dest)
            where = plant(dest, patterns, old, new)
            if where is None:
                rows.append(f"| {name}: {what} | (could not plant: code moved) | |")
                survived += 1
                continue
            without = failing(dest, None, args.jobs)
            run_with = args.data and not (args.data_if_needed and without)
            with_ = failing(dest, args.data, args.jobs) if run_with else None
            survived += not without and not with_
            rows.append(f"| `{name}` ({where}): {what} | {short(without)} | "
                        f"{short(with_) if with_ is not None else ('(same tests)' if args.data else 'not run')} |")
            print(rows[-1], file=sys.stderr, flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(dest, ignore_errors=True)
    print("\n".join(rows))
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
