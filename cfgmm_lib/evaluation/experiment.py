"""The held-out experiment: every model fitted on the same split, chosen on validation, scored once.

Its command line, over several splits, is ``evaluation.cli`` (``python -m cfgmm_lib.evaluation``).

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from ..core.model_checks import check_K
from ..core.validation import check_list, check_matrix, check_scalar, check_seed
from ..factorization import fit_als_checked, fit_neural_checked, observed_triplets_checked
from .baselines import fit_bias_checked, fit_means_checked
from .metrics import score
from .blend import fit_blend_checked
from .splits import check_fraction, check_how, holdout_split_checked
from .mixtures import fit_mixture_checked
from .neighbours import fit_neighbours_checked

__all__ = ["MODELS", "OPTIONAL_MODELS", "MIXTURES", "GRID", "evaluate", "evaluate_checked", "check_arguments",
           "check_models",
           "check_grid", "reporter", "format_table"]

#: The models ``evaluate`` fits, in the order of its table.
MODELS = ("global_mean", "user_mean", "movie_mean", "bias_baseline", "item_neighbours", "course_mixture",
          "partition_mixture", "bias_aware_mixture", "bias_aware_partition_mixture", "matrix_factorization", "neural")
#: Models fitted only when asked for: the network with SVD++'s implicit feedback (notebook 07).
OPTIONAL_MODELS = ("neural_implicit",)


#: Candidate hyper-parameters, chosen on the validation split: lists of candidates, and for
#: ``epochs`` the most a network trains (early stopping chooses how many, from 1 to it).
GRID = {
    "bias_reg": [1.0, 5.0, 10.0, 25.0],
    "K": [1, 4, 8, 12, 16],
    "neighbours": [20, 40, 80, 160],  # movies kept as each movie's neighbours (item_neighbours)
    "rank_reg": [(10, 10.0), (20, 10.0), (20, 20.0), (40, 20.0), (40, 40.0)],
    "epochs": 15,  # the networks are scored on validation after each of their first `epochs` epochs
}


#: The neighbourhood model's shrinkage of similarities supported by few users (``neighbours``).
SHRINK = 100.0


def check_grid(grid, n: int) -> dict:
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
        "neighbours": check_list(grid["neighbours"], "grid['neighbours']",
                                 lambda k: check_scalar(k, "grid['neighbours'] value", int, low=1)),
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


def reporter(progress):
    """``progress`` as a callable ``(kind, text)``: kind "model" once per finished model, "detail" otherwise."""
    if callable(progress):
        return progress
    if progress:
        return lambda kind, text: print(text, file=sys.stderr, flush=True)
    return lambda kind, text: None


#: The mixtures ``evaluate`` fits: name -> (on the bias baseline's residuals, how each seed starts).
MIXTURES = {
    "course_mixture": (False, "course"),
    "partition_mixture": (False, "partition"),
    "bias_aware_mixture": (True, "course"),
    "bias_aware_partition_mixture": (True, "partition"),
}


def evaluate(X, fraction: float = 0.1, seed: int = 0, seeds=range(5), progress=False,
             models=MODELS, grid=None, keep_models: bool = False, how: str = "random",
             blend: bool = True) -> dict:
    """Fit every model on a held-out split and score it on the hidden ratings.

    Hyper-parameters (regularisation, K, rank, epochs) are chosen on a validation split carved out of
    the training ratings (the same share, the same ``how``, the next seed); the chosen setting is
    then refitted on all the training ratings and scored once on the hidden ones.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing.
    fraction : float in (0, 1)
    seed : int
        Seed of the split (the validation split uses ``seed + 1``).
    seeds : iterable of int
        EM starts per K (best training likelihood wins).
    progress : bool or callable, default False
        True prints what is being fitted, and how long it took, to stderr; a callable
        ``progress(kind, text)`` receives the same lines instead, with ``kind`` "model" once per
        finished model (the blend included) and "detail" for the candidates between.
    models : iterable of str
        Which of ``MODELS`` (and ``OPTIONAL_MODELS``) to fit.
    grid : dict, optional
        Overrides of ``GRID``: lists of candidates for ``bias_reg``, ``K``, ``neighbours`` (movies
        kept per movie; beyond d - 1, all) and ``rank_reg`` (``(rank, reg)`` pairs), and for
        ``epochs`` one int, the most epochs a network trains (early stopping chooses how many, from 1 to it).
    keep_models : bool, default False
        Also return the fitted models (``models``: name -> model) and the splits (``split``:
        X_train and the hidden rows, cols, ratings; ``validation_split``: X_fit and its
        validation rows, cols, ratings; ``validation_models``: for each mixture and the neighbourhood
        model asked for, and
        for the factorisation when it or a network is asked for (the networks take its rank),
        every candidate fitted on X_fit, under the key of its validation score, e.g.
        ``["course_mixture"]["4"]``, so that a further look at them refits nothing), and the
        ``predictions`` (``"validation"`` and ``"test"``: model -> array, those the blend uses).
    how : {"random", "gaps"}, default "random"
        How the test and the validation ratings are chosen (``holdout_split``).
    blend : bool, default True
        Also score ``"blend"``: the least-squares blend of every model's validation predictions
        (``blend.fit_blend``), applied to the refitted models' predictions of the hidden ratings.
        Needs two models or more.

    Returns
    -------
    dict
        ``rmse`` and ``mae`` (model -> float), ``choices`` (model -> chosen hyper-parameters; for
        the blend its weights and intercept), ``validation`` (model -> {setting: validation RMSE}),
        ``validation_rmse`` (model -> the validation RMSE of the chosen setting; for the blend,
        on the ratings its weights were fitted to), ``seconds`` (model ->
        ``{"select": s, "fit": s}``: the validation search, and the final fit on all training
        ratings), ``n_train``, ``n_test``, ``fraction``, ``seed``, ``how``.
    """
    # every argument is checked here, once; the steps below are the *_checked ones, which trust them
    X, fraction, seed, seeds, models, grid, how, blend = check_arguments(X, fraction, seed, seeds, models, grid,
                                                                         how, blend)
    return evaluate_checked(X, fraction, seed, seeds, reporter(progress), models, grid, bool(keep_models), how, blend)


def check_arguments(X, fraction, seed, seeds, models, grid, how, blend) -> tuple:
    """``evaluate``'s arguments, checked (``evaluate_splits`` shares them): X, fraction, seed, seeds, models,
    grid, how, and blend as whether a blend is fitted (asked for, and two models or more)."""
    X = check_matrix(X)
    models = check_models(models)
    if not isinstance(blend, (bool, np.bool_)):
        raise TypeError(f"blend must be True or False, got {blend!r}")
    return (X, check_fraction(fraction), check_seed(seed), check_list(seeds, "seeds", check_seed), models,
            check_grid(grid, X.shape[0]), check_how(how), bool(blend) and len(models) >= 2)


def check_models(models) -> list:
    """``models`` as a list of names of ``MODELS`` and ``OPTIONAL_MODELS``, in the table's order, each once."""
    models = [models] if isinstance(models, str) else list(models)
    unknown = set(models) - set(MODELS) - set(OPTIONAL_MODELS)
    if unknown:
        raise ValueError(f"unknown models {sorted(unknown)}; choose from {MODELS + OPTIONAL_MODELS}")
    if not models:
        raise ValueError(f"models is empty; choose from {MODELS}")
    return [m for m in MODELS + OPTIONAL_MODELS if m in models]


def evaluate_checked(X, fraction: float, seed: int, seeds: list, report, models: list, grid: dict,
                     keep_models: bool, how: str, blend: bool) -> dict:
    """``evaluate`` on checked arguments (``report``: a callable ``(kind, text)``); ``evaluate_splits`` calls it."""
    X_train, rows, cols, ratings = holdout_split_checked(X, fraction, seed, how)
    X_fit, vrows, vcols, vratings = holdout_split_checked(X_train, fraction, seed + 1, how)
    val = (vrows, vcols, vratings)
    M_train, M_fit = X_train != 0, X_fit != 0
    out = {"fraction": fraction, "seed": seed, "how": how, "n_train": int(M_train.sum()), "n_test": int(len(ratings)),
           "rmse": {}, "mae": {}, "choices": {}, "validation": {}, "validation_rmse": {}, "seconds": {}}
    fitted, candidates, val_pred, test_pred = {}, {}, {}, {}

    def val_rmse(model):
        return score(model.predict_checked(vrows, vcols), vratings)["rmse"]

    def record(name, model, t_select, t_fit, val_model, choice=None, validation=None):
        """The final model's score on the hidden ratings; ``val_model``: the chosen setting fitted on X_fit."""
        fitted[name] = model
        test_pred[name] = model.predict_checked(rows, cols)  # the split's positions: inside X by construction
        val_pred[name] = val_model.predict_checked(vrows, vcols)
        s = score(test_pred[name], ratings)
        out["rmse"][name], out["mae"][name] = s["rmse"], s["mae"]
        out["seconds"][name] = {"select": round(t_select, 2), "fit": round(t_fit, 2)}
        if choice is not None:
            out["choices"][name] = choice
        if validation is not None:
            out["validation"][name] = validation
            out["validation_rmse"][name] = min(validation.values())  # that of the chosen setting
        report("model", f"  {name:28s} held-out RMSE {s['rmse']:.4f}  MAE {s['mae']:.4f}  "
                        f"(choosing {t_select:.1f} s, final fit {t_fit:.1f} s)"
                        f"{'  chosen: ' + json.dumps(choice) if choice else ''}")

    def timed(fn, *args, **kwargs):
        t0 = time.perf_counter()
        return fn(*args, **kwargs), time.perf_counter() - t0

    report("detail", f"split ({how}, seed {seed}): {out['n_train']} training ratings "
                     f"({len(vratings)} of them for validation), {out['n_test']} hidden")
    for kind in ("global", "user", "movie"):
        if f"{kind}_mean" in models:
            model, t = timed(fit_means_checked, X_train, M_train, kind)
            record(f"{kind}_mean", model, 0.0, t, fit_means_checked(X_fit, M_fit, kind))

    bias = fit_offset = None
    if {"bias_baseline", "item_neighbours", "bias_aware_mixture", "bias_aware_partition_mixture"} & set(models):
        t0 = time.perf_counter()
        scores = {str(r): val_rmse(fit_bias_checked(X_fit, M_fit, r, r)) for r in grid["bias_reg"]}
        reg = float(min(scores, key=scores.get))
        fit_offset = fit_bias_checked(X_fit, M_fit, reg, reg)
        t_select = time.perf_counter() - t0
        bias, t = timed(fit_bias_checked, X_train, M_train, reg, reg)
        if "bias_baseline" in models:
            record("bias_baseline", bias, t_select, t, fit_offset, {"reg": reg}, scores)

    if "item_neighbours" in models:  # on the chosen bias baseline's residuals
        t0 = time.perf_counter()
        kept = candidates["item_neighbours"] = {str(k): fit_neighbours_checked(X_fit, M_fit, fit_offset, k, SHRINK)
                                                for k in grid["neighbours"]}
        scores = {k: val_rmse(model) for k, model in kept.items()}
        k = int(min(scores, key=scores.get))
        t_select = time.perf_counter() - t0
        model, t = timed(fit_neighbours_checked, X_train, M_train, bias, k, SHRINK)
        record("item_neighbours", model, t_select, t, kept[str(k)], {"k": k, "shrink": SHRINK, "reg": reg}, scores)

    for name, (on_residuals, init) in MIXTURES.items():
        if name not in models:
            continue
        t0 = time.perf_counter()
        scores, kept = {}, candidates.setdefault(name, {})
        for K in grid["K"]:
            kept[str(K)] = fit_mixture_checked(X_fit, M_fit, K, seeds, fit_offset if on_residuals else None,
                                               init=init)
            scores[str(K)] = val_rmse(kept[str(K)])
            report("detail", f"    {name} K = {K}: validation RMSE {scores[str(K)]:.4f}")
        K = int(min(scores, key=scores.get))
        t_select = time.perf_counter() - t0
        model, t = timed(fit_mixture_checked, X_train, M_train, K, seeds, bias if on_residuals else None, init=init)
        record(name, model, t_select, t, kept[str(K)], {"K": K, "seed": model.seed}, scores)

    rank = reg_mf = None
    if {"matrix_factorization", "neural", "neural_implicit"} & set(models):
        T_fit, T_train = observed_triplets_checked(X_fit, M_fit), observed_triplets_checked(X_train, M_train)
        t0 = time.perf_counter()
        scores, kept = {}, candidates.setdefault("matrix_factorization", {})
        for r, lam in grid["rank_reg"]:
            kept[f"{r},{lam}"] = fit_als_checked(T_fit, X.shape, rank=r, reg=lam, seed=seed)
            scores[f"{r},{lam}"] = val_rmse(kept[f"{r},{lam}"])
            report("detail", f"    matrix_factorization rank {r}, reg {lam}: validation RMSE {scores[f'{r},{lam}']:.4f}")
        best = min(scores, key=scores.get)
        rank, reg_mf = int(best.split(",")[0]), float(best.split(",")[1])
        t_select = time.perf_counter() - t0
        if "matrix_factorization" in models:
            model, t = timed(fit_als_checked, T_train, X.shape, rank=rank, reg=reg_mf, seed=seed)
            record("matrix_factorization", model, t_select, t, kept[best], {"rank": rank, "reg": reg_mf}, scores)

    # the networks: the same model as the factorisation, its rank and penalty (neural_implicit adds
    # SVD++'s implicit feedback: which movies each user rated); the number of epochs by early
    # stopping on the validation split (the probe keeps its best epoch), then a refit on all training ratings
    for name, implicit in (("neural", False), ("neural_implicit", True)):
        if name not in models:
            continue
        probe, t_select = timed(fit_neural_checked, T_fit, X.shape, rank=rank, reg=reg_mf, seed=seed,
                                epochs=grid["epochs"], validation=val, implicit=implicit)
        epochs = int(np.argmin(probe.history)) + 1
        report("detail", f"    {name}: validation RMSE by epoch {[round(h, 4) for h in probe.history]}")
        model, t = timed(fit_neural_checked, T_train, X.shape, rank=rank, reg=reg_mf, seed=seed, epochs=epochs,
                         implicit=implicit)
        record(name, model, t_select, t, probe, {"rank": rank, "reg": reg_mf, "epochs": epochs},
               {str(e + 1): h for e, h in enumerate(probe.history)})

    if blend:
        names = tuple(test_pred)
        mix, t = timed(fit_blend_checked, np.column_stack([val_pred[m] for m in names]), vratings, names)
        test_pred["blend"] = mix.predict(np.column_stack([test_pred[m] for m in names]))
        val_pred["blend"] = mix.predict(np.column_stack([val_pred[m] for m in names]))
        s = score(test_pred["blend"], ratings)
        out["rmse"]["blend"], out["mae"]["blend"] = s["rmse"], s["mae"]
        out["seconds"]["blend"] = {"select": round(t, 2), "fit": 0.0}
        out["choices"]["blend"] = mix.as_dict()
        out["validation_rmse"]["blend"] = score(val_pred["blend"], vratings)["rmse"]
        fitted["blend"] = mix
        report("model", f"  {'blend':28s} held-out RMSE {s['rmse']:.4f}  MAE {s['mae']:.4f}  "
                        f"(weights fitted on the {len(vratings)} validation ratings)")
    if keep_models:
        out["models"] = fitted
        out["split"] = (X_train, rows, cols, ratings)
        out["validation_split"] = (X_fit, vrows, vcols, vratings)
        out["validation_models"] = candidates
        out["predictions"] = {"validation": val_pred, "test": test_pred}
    return out


def format_table(result: dict) -> str:
    """The held-out table as text, best first."""
    names = sorted(result["rmse"], key=result["rmse"].get)
    lines = [f"held-out ratings: {result['n_test']:,} ({result['fraction']:.0%} of the observed, seed {result['seed']})",
             f"{'model':28s} {'RMSE':>7s} {'MAE':>7s} {'choose':>7s} {'fit':>6s}  chosen on validation"]
    for name in names:
        choice = result["choices"].get(name, {})
        if name == "blend":
            choice = "weights fitted on validation (result['choices']['blend'])"
        else:
            choice = ", ".join(f"{k} {v}" for k, v in choice.items())
        sec = result["seconds"][name]
        lines.append(f"{name:28s} {result['rmse'][name]:7.4f} {result['mae'][name]:7.4f} "
                     f"{sec['select']:6.1f}s {sec['fit']:5.1f}s  {choice}")
    return "\n".join(lines)


