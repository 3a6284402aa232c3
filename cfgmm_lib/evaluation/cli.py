"""``python -m cfgmm_lib.evaluation``: every model on several held-out splits of the Netflix matrix.

    python -m cfgmm_lib.evaluation --splits 5 --json results.json
    python -m cfgmm_lib.evaluation --how gaps --json gaps.json      # missing not at random

It prints a progress bar that counts the models left to fit, then each model's mean RMSE and MAE
with 95 % intervals, each model's paired difference from the best, the blend against the best
single model, and the calibration of the mixtures' predictive intervals.

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .. import data
from ..core.validation import check_seed
from .experiment import MODELS, OPTIONAL_MODELS, evaluate, format_table
from .intervals import verdict
from .repeated import evaluate_splits
from .splits import SPLITS, check_fraction

__all__ = ["main", "format_summary", "ProgressBar", "verdict"]


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


class ProgressBar:
    """A text progress bar on a stream: the models fitted, those left, the time left at the pace so far.

    On a terminal the bar is redrawn in place; elsewhere (a log, a notebook's captured stderr)
    each finished model adds one line. ``update(kind, text)`` is ``evaluate``'s ``progress``.
    """

    def __init__(self, total: int, splits: int, stream=None, verbose: bool = False, width: int = 30):
        self.total, self.splits, self.done, self.split = total, splits, 0, "1/1"
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.verbose, self.width, self.start = verbose, width, time.perf_counter()

    def line(self, last: str = "") -> str:
        elapsed = time.perf_counter() - self.start
        filled = self.width * self.done // max(self.total, 1)
        left = f"about {_minutes(elapsed / self.done * (self.total - self.done))} left" if self.done else "starting"
        return (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} models, "
                f"{self.total - self.done} left; split {self.split}; {_minutes(elapsed)} elapsed, {left}"
                f"{'  (' + last + ')' if last else ''}")

    def update(self, kind: str, text: str) -> None:
        if kind == "split":
            self.split = text
        elif kind == "model":
            self.done += 1
        if self.verbose and kind != "split":
            print(("\r\033[K" if self.tty else "") + text, file=self.stream, flush=True)
        if kind == "model":
            name = text.split()[0]
            if self.tty:
                end = "\n" if self.done == self.total else ""
                print(f"\r\033[K{self.line(name)}", end=end, file=self.stream, flush=True)
            else:
                print(self.line(name), file=self.stream, flush=True)


def _interval(s: dict, digits: int = 4) -> str:
    return f"{s['mean']:.{digits}f} [{s['low']:.{digits}f}, {s['high']:.{digits}f}]"


def format_summary(result: dict) -> str:
    """``evaluate_splits``'s result as text: the table with intervals, the blend, the calibration."""
    pct = f"{result['level']:.0%}"
    best = result["best"]
    seeds = ", ".join(map(str, result["seeds"]))
    lines = [f"{len(result['seeds'])} splits ({result['how']}, {result['fraction']:.0%} of the observed ratings hidden, "
             f"seeds {seeds}); mean with its {pct} interval (t, corrected for overlapping splits)",
             f"{'model':30s} {'RMSE':>26s} {'MAE':>26s}   RMSE minus the best single model ({best})"]
    for m in result["models"]:
        d = result["differences"][m].get(best)
        diff = "" if d is None else f"{d['mean']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}] {verdict(d)}"
        lines.append(f"{m:30s} {_interval(result['rmse'][m]):>26s} {_interval(result['mae'][m]):>26s}   {diff}")
    lines.append("")
    lines.append(f"best single model: {best}, held-out RMSE {_interval(result['rmse'][best])}")
    if "blend" in result["rmse"]:
        d = result["differences"]["blend"][best]
        gain = -d["mean"]
        target = "met" if (gain >= 0.005 and d["high"] < 0) else "NOT met"
        lines.append(f"blend: {_interval(result['rmse']['blend'])}; better than {best} by {gain:.4f} "
                     f"(interval of the difference {d['low']:+.4f} to {d['high']:+.4f}); "
                     f"target (0.005 better, interval excluding 0) {target}")
    for m, cov in result["coverage"].items():
        parts = [f"{float(q):.0%} intervals hold {_interval(c, 3)}" for q, c in cov.items()]
        lines.append(f"calibration of {m}: " + "; ".join(parts) + " of the held-out ratings")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cfgmm_lib.evaluation",
                                     description="Held-out RMSE of every model on several splits of the Netflix matrix.")
    parser.add_argument("--splits", type=int, default=5, help="independent splits (1: one split, no intervals)")
    parser.add_argument("--fraction", type=float, default=0.1, help="share of observed ratings to hide")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first split (split i: seed + 2 i)")
    parser.add_argument("--how", choices=SPLITS, default="random",
                        help="random: a uniform share; gaps: hide ratings where the matrix's own gaps fall")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--models", nargs="+", choices=MODELS + OPTIONAL_MODELS, default=list(MODELS + OPTIONAL_MODELS))
    parser.add_argument("--verbose", action="store_true", help="also print every candidate's validation score")
    args = parser.parse_args(argv)
    # everything that can be checked is checked before the (long) fit
    try:
        check_fraction(args.fraction)
        check_seed(args.seed, "--seed")
        if args.splits < 1:
            raise ValueError(f"--splits must be 1 or more, got {args.splits}")
        if args.json:
            _check_output(Path(args.json))
    except (TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    X, standin = data.load_or_standin("netflix_incomplete")
    if standin:
        print("*** SYNTHETIC STAND-IN DATA: the course files are not installed (see data/README.md) ***",
              file=sys.stderr)
    steps = len(args.models) + (len(args.models) >= 2)  # the blend is one more step
    bar = ProgressBar(steps * args.splits, args.splits, verbose=args.verbose)
    t0 = time.perf_counter()
    try:
        if args.splits == 1:
            result = evaluate(X, args.fraction, args.seed, progress=bar.update, models=args.models, how=args.how)
        else:
            result = evaluate_splits(X, args.splits, args.fraction, args.seed, progress=bar.update,
                                     models=args.models, how=args.how)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result["standin"] = standin
    result["seconds_total"] = round(time.perf_counter() - t0, 1)
    print(format_table(result) if args.splits == 1 else format_summary(result))
    print(f"finished in {_minutes(result['seconds_total'])} (minutes:seconds)")
    if args.json:
        try:
            with open(args.json, "w") as fh:
                json.dump(result, fh, indent=2)
        except OSError as exc:
            print(f"error: could not write --json {args.json}: {exc} (the table above is the result)", file=sys.stderr)
            return 1
    return 0


def _check_output(path: Path) -> None:
    """Refuse a ``--json`` path that could not be written, before any fitting."""
    if path.is_dir():
        raise ValueError(f"--json {path} is a folder; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"--json {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"--json {path}: not writable")


if __name__ == "__main__":
    sys.exit(main())
