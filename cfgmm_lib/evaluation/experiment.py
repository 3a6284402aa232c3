"""The held-out experiment: every model fitted on the same split, chosen on validation, scored once; its CLI.

    python -m cfgmm_lib.evaluation --fraction 0.1 --seed 0 --json results.json

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .. import data
from ..core.model_checks import check_K
from ..core.validation import check_list, check_matrix, check_scalar, check_seed
from ..factorization import fit_als_checked, fit_neural_checked, observed_triplets_checked
from .baselines import fit_bias_checked, fit_means_checked
from .metrics import check_fraction, holdout_split_checked, score
from .mixtures import fit_mixture_checked

__all__ = ["MODELS", "OPTIONAL_MODELS", "GRID", "evaluate", "format_table", "main"]

#: The models ``evaluate`` fits, in the order of its table.
MODELS = ("global_mean", "user_mean", "movie_mean", "bias_baseline", "course_mixture",
          "bias_aware_mixture", "matrix_factorization", "neural")
#: Models fitted only when asked for: the network with SVD++'s implicit feedback (notebook 07).
OPTIONAL_MODELS = ("neural_implicit",)


#: Candidate hyper-parameters, chosen on the validation split: lists of candidates, and for
#: ``epochs`` the most a network trains (early stopping chooses how many, from 1 to it).
GRID = {
    "bias_reg": [1.0, 5.0, 10.0, 25.0],
    "K": [1, 4, 8, 12, 16],
    "rank_reg": [(10, 10.0), (20, 10.0), (20, 20.0), (40, 20.0), (40, 40.0)],
    "epochs": 15,  # the networks are scored on validation after each of their first `epochs` epochs
}


def _check_grid(grid, n: int) -> dict:
    """``GRID`` with the caller's overrides, every value checked."""
    if grid is not None and not isinstance(grid, dict):
        raise TypeError(f"grid must be a dict of overrides of {sorted(GRID)}, got {type(grid).__name__}")
    unknown = set(grid or {}) - set(GRID)
    if unknown:
        raise ValueError(f"grid has unknown keys {sorted(unknown)}; it may override {sorted(GRID)}")
    grid = {**GRID, **(grid or {})}
    out = {
        "bias_reg": check_list(grid["bias_reg"], "grid['bias_reg']",
                                lambda r: check_scalar(r, "grid['bias_reg'] value", low=0.0)),
        "K": check_list(grid["K"], "grid['K']", lambda K: check_K(K, n)),
    }
    pairs = []
    for i, pair in enumerate(check_list(grid["rank_reg"], "grid['rank_reg']", lambda x: x)):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"grid['rank_reg'] must hold (rank, reg) pairs, got {pair!r}")
        pairs.append((check_scalar(pair[0], f"grid['rank_reg'][{i}]'s rank", int, low=1),
                      check_scalar(pair[1], f"grid['rank_reg'][{i}]'s reg", low=0.0, low_inclusive=False)))
    out["rank_reg"] = pairs
    out["epochs"] = check_scalar(grid["epochs"], "grid['epochs']", int, low=1)
    return out


def _log(progress, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def evaluate(X, fraction: float = 0.1, seed: int = 0, seeds=range(5), progress: bool = False,
             models=MODELS, grid=None, keep_models: bool = False) -> dict:
    """Fit every model on a held-out split and score it on the hidden ratings.

    Hyper-parameters (regularisation, K, rank, epochs) are chosen on a validation split carved out of
    the training ratings (the same share, the next seed); the chosen setting is then refitted
    on all the training ratings and scored once on the hidden ones.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing.
    fraction : float in (0, 1)
    seed : int
        Seed of the split (the validation split uses ``seed + 1``).
    seeds : iterable of int
        EM starts per K (best training likelihood wins).
    progress : bool
        Print what is being fitted, and how long it took, to stderr.
    models : iterable of str
        Which of ``MODELS`` (and ``OPTIONAL_MODELS``) to fit.
    grid : dict, optional
        Overrides of ``GRID``: lists of candidates for ``bias_reg``, ``K`` and ``rank_reg``
        (``(rank, reg)`` pairs), and for ``epochs`` one int, the most epochs a network trains
        (early stopping chooses how many, from 1 to it).
    keep_models : bool, default False
        Also return the fitted models (``models``: name -> model) and the splits (``split``:
        X_train and the hidden rows, cols, ratings; ``validation_split``: X_fit and its
        validation rows, cols, ratings; ``validation_models``: for each mixture asked for, and
        for the factorisation when it or a network is asked for (the networks take its rank),
        every candidate fitted on X_fit, under the key of its validation score, e.g.
        ``["course_mixture"]["4"]``, so that a further look at them refits nothing).

    Returns
    -------
    dict
        ``rmse`` and ``mae`` (model -> float), ``choices`` (model -> chosen hyper-parameters),
        ``validation`` (model -> {setting: validation RMSE}), ``validation_rmse`` (model -> the
        validation RMSE of the chosen setting), ``seconds`` (model ->
        ``{"select": s, "fit": s}``: the validation search, and the final fit on all training
        ratings), ``n_train``, ``n_test``, ``fraction``, ``seed``.
    """
    # every argument is checked here, once; the steps below are the *_checked ones, which trust them
    X = check_matrix(X)
    models = [models] if isinstance(models, str) else list(models)
    unknown = set(models) - set(MODELS) - set(OPTIONAL_MODELS)
    if unknown:
        raise ValueError(f"unknown models {sorted(unknown)}; choose from {MODELS + OPTIONAL_MODELS}")
    if not models:
        raise ValueError(f"models is empty; choose from {MODELS}")
    fraction = check_fraction(fraction)
    seed = check_seed(seed)
    seeds = check_list(seeds, "seeds", check_seed)
    grid = _check_grid(grid, X.shape[0])
    X_train, rows, cols, ratings = holdout_split_checked(X, fraction, seed)
    X_fit, vrows, vcols, vratings = holdout_split_checked(X_train, fraction, seed + 1)
    val = (vrows, vcols, vratings)
    M_train, M_fit = X_train != 0, X_fit != 0
    out = {"fraction": fraction, "seed": seed, "n_train": int(M_train.sum()), "n_test": int(len(ratings)),
           "rmse": {}, "mae": {}, "choices": {}, "validation": {}, "validation_rmse": {}, "seconds": {}}
    fitted, candidates = {}, {}

    def val_rmse(model):
        return score(model.predict(vrows, vcols), vratings)["rmse"]

    def record(name, model, t_select, t_fit, choice=None, validation=None):
        fitted[name] = model
        s = score(model.predict(rows, cols), ratings)
        out["rmse"][name], out["mae"][name] = s["rmse"], s["mae"]
        out["seconds"][name] = {"select": round(t_select, 2), "fit": round(t_fit, 2)}
        if choice is not None:
            out["choices"][name] = choice
        if validation is not None:
            out["validation"][name] = validation
            out["validation_rmse"][name] = min(validation.values())  # that of the chosen setting
        _log(progress, f"  {name:22s} held-out RMSE {s['rmse']:.4f}  MAE {s['mae']:.4f}  "
                       f"(choosing {t_select:.1f} s, final fit {t_fit:.1f} s)"
                       f"{'  chosen: ' + json.dumps(choice) if choice else ''}")

    def timed(fn, *args, **kwargs):
        t0 = time.perf_counter()
        return fn(*args, **kwargs), time.perf_counter() - t0

    _log(progress, f"split: {out['n_train']} training ratings ({len(vratings)} of them for validation), "
                   f"{out['n_test']} hidden")
    for kind in ("global", "user", "movie"):
        if f"{kind}_mean" in models:
            model, t = timed(fit_means_checked, X_train, M_train, kind)
            record(f"{kind}_mean", model, 0.0, t)

    bias = None
    if {"bias_baseline", "bias_aware_mixture"} & set(models):
        t0 = time.perf_counter()
        scores = {str(r): val_rmse(fit_bias_checked(X_fit, M_fit, r, r)) for r in grid["bias_reg"]}
        reg = float(min(scores, key=scores.get))
        t_select = time.perf_counter() - t0
        bias, t = timed(fit_bias_checked, X_train, M_train, reg, reg)
        if "bias_baseline" in models:
            record("bias_baseline", bias, t_select, t, {"reg": reg}, scores)

    for name in ("course_mixture", "bias_aware_mixture"):
        if name not in models:
            continue
        t0 = time.perf_counter()
        fit_offset = fit_bias_checked(X_fit, M_fit, reg, reg) if name == "bias_aware_mixture" else None
        scores, kept = {}, candidates.setdefault(name, {})
        for K in grid["K"]:
            kept[str(K)] = fit_mixture_checked(X_fit, M_fit, K, seeds, fit_offset)
            scores[str(K)] = val_rmse(kept[str(K)])
            _log(progress, f"    {name} K = {K}: validation RMSE {scores[str(K)]:.4f}")
        K = int(min(scores, key=scores.get))
        t_select = time.perf_counter() - t0
        model, t = timed(fit_mixture_checked, X_train, M_train, K, seeds, bias if name == "bias_aware_mixture" else None)
        record(name, model, t_select, t, {"K": K, "seed": model.seed}, scores)

    rank = reg_mf = None
    if {"matrix_factorization", "neural", "neural_implicit"} & set(models):
        T_fit, T_train = observed_triplets_checked(X_fit, M_fit), observed_triplets_checked(X_train, M_train)
        t0 = time.perf_counter()
        scores, kept = {}, candidates.setdefault("matrix_factorization", {})
        for r, lam in grid["rank_reg"]:
            kept[f"{r},{lam}"] = fit_als_checked(T_fit, X.shape, rank=r, reg=lam, seed=seed)
            scores[f"{r},{lam}"] = val_rmse(kept[f"{r},{lam}"])
            _log(progress, f"    matrix_factorization rank {r}, reg {lam}: validation RMSE {scores[f'{r},{lam}']:.4f}")
        best = min(scores, key=scores.get)
        rank, reg_mf = int(best.split(",")[0]), float(best.split(",")[1])
        t_select = time.perf_counter() - t0
        if "matrix_factorization" in models:
            model, t = timed(fit_als_checked, T_train, X.shape, rank=rank, reg=reg_mf, seed=seed)
            record("matrix_factorization", model, t_select, t, {"rank": rank, "reg": reg_mf}, scores)

    # the networks: the same model as the factorisation, its rank and penalty (neural_implicit adds
    # SVD++'s implicit feedback: which movies each user rated); the number of epochs by early
    # stopping on the validation split, then a refit on all training ratings
    for name, implicit in (("neural", False), ("neural_implicit", True)):
        if name not in models:
            continue
        probe, t_select = timed(fit_neural_checked, T_fit, X.shape, rank=rank, reg=reg_mf, seed=seed,
                                epochs=grid["epochs"], validation=val, implicit=implicit)
        epochs = int(np.argmin(probe.history)) + 1
        _log(progress, f"    {name}: validation RMSE by epoch {[round(h, 4) for h in probe.history]}")
        model, t = timed(fit_neural_checked, T_train, X.shape, rank=rank, reg=reg_mf, seed=seed, epochs=epochs,
                         implicit=implicit)
        record(name, model, t_select, t, {"rank": rank, "reg": reg_mf, "epochs": epochs},
               {str(e + 1): h for e, h in enumerate(probe.history)})
    if keep_models:
        out["models"] = fitted
        out["split"] = (X_train, rows, cols, ratings)
        out["validation_split"] = (X_fit, vrows, vcols, vratings)
        out["validation_models"] = candidates
    return out


def format_table(result: dict) -> str:
    """The held-out table as text, best first."""
    names = sorted(result["rmse"], key=result["rmse"].get)
    lines = [f"held-out ratings: {result['n_test']:,} ({result['fraction']:.0%} of the observed, seed {result['seed']})",
             f"{'model':22s} {'RMSE':>7s} {'MAE':>7s} {'choose':>7s} {'fit':>6s}  chosen on validation"]
    for name in names:
        choice = ", ".join(f"{k} {v}" for k, v in result["choices"].get(name, {}).items())
        sec = result["seconds"][name]
        lines.append(f"{name:22s} {result['rmse'][name]:7.4f} {result['mae'][name]:7.4f} "
                     f"{sec['select']:6.1f}s {sec['fit']:5.1f}s  {choice}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cfgmm_lib.evaluation",
                                     description="Held-out RMSE of every model on the Netflix matrix.")
    parser.add_argument("--fraction", type=float, default=0.1, help="share of observed ratings to hide")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--models", nargs="+", choices=MODELS + OPTIONAL_MODELS, default=list(MODELS))
    args = parser.parse_args(argv)
    # everything that can be checked is checked before the (long) fit
    try:
        check_fraction(args.fraction)
        check_seed(args.seed, "--seed")
        if args.json:
            _check_output(Path(args.json))
    except (TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    X, standin = data.load_or_standin("netflix_incomplete")
    if standin:
        print("*** SYNTHETIC STAND-IN DATA: the course files are not installed (see data/README.md) ***",
              file=sys.stderr)
    try:
        result = evaluate(X, args.fraction, args.seed, progress=True, models=args.models)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result["standin"] = standin
    print(format_table(result))
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
