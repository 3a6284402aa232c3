"""Scoring matrix completion honestly: held-out ratings, baselines, and the models beyond the handout.

The handout scores its completed matrix over all entries, most of them copied observations.
Here a fixed random share of the *observed* ratings is hidden (``holdout_split``), every model is
fitted on the rest, and only the hidden ratings are scored (``score``). Hyper-parameters are
chosen on a validation split carved out of the training ratings, never on the hidden ones.

    python -m cfgmm_lib.evaluation --fraction 0.1 --seed 0 --json results.json

Introduced in ``notebooks/04_matrix_completion.py`` (baselines on the missing entries) and
``notebooks/05_beyond_the_handout.py`` (everything else).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import issparse
from scipy.special import logsumexp

from . import em
from .common import GaussianMixture, check_matrix, init, observed_mask
from .factorization import fit_als, fit_neural
from .scale import heldout as sparse_heldout
from .scale.sparse import check_sparse

__all__ = [
    "rmse_on", "mae_on", "predict_global_mean", "predict_user_mean",
    "predict_movie_mean", "rating_shares", "holdout_split", "score", "BiasModel", "fit_bias",
    "MeanModel", "MixtureModel", "fit_mixture", "heldout_log_likelihood", "evaluate", "MODELS",
]

#: The models ``evaluate`` fits, in the order of its table.
MODELS = ("global_mean", "user_mean", "movie_mean", "bias_baseline", "course_mixture",
          "bias_aware_mixture", "matrix_factorization", "neural")
#: Models fitted only when asked for: the network with SVD++'s implicit feedback (notebook 07).
OPTIONAL_MODELS = ("neural_implicit",)


def _entries(pred, truth, where):
    pred = check_matrix(pred, "pred")
    truth = check_matrix(truth, "truth")
    where = np.asarray(where, dtype=bool)
    if not (pred.shape == truth.shape == where.shape):
        raise ValueError(f"pred, truth and where must have one shape, got {pred.shape}, {truth.shape}, {where.shape}")
    if not where.any():
        raise ValueError("no entry is selected by `where`: nothing to score")
    return pred[where] - truth[where]


def rmse_on(pred, truth, where) -> float:
    """Root mean squared error over the entries where ``where`` is True.

    Parameters
    ----------
    pred, truth : arrays of shape (n, d)
    where : bool array of shape (n, d)

    Returns
    -------
    float
    """
    err = _entries(pred, truth, where)
    return float(np.sqrt(np.mean(err * err)))


def mae_on(pred, truth, where) -> float:
    """Mean absolute error over the entries where ``where`` is True (shapes as ``rmse_on``)."""
    return float(np.mean(np.abs(_entries(pred, truth, where))))


def _means(X, mask, axis):
    if issparse(X):  # stored entries = observed (notebook 07)
        return sparse_heldout.means(X, mask, axis)
    X = check_matrix(X)
    mask = observed_mask(X, mask)
    if not mask.any():
        raise ValueError("the matrix has no observed entry")
    total = np.where(mask, X, 0.0).sum(axis=axis)
    count = mask.sum(axis=axis)
    glob = np.where(mask, X, 0.0).sum() / mask.sum()
    return np.where(count > 0, total / np.maximum(count, 1), glob), glob, X.shape


def predict_global_mean(X, mask=None) -> np.ndarray:
    """Every entry predicted by the mean of all observed ratings.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given).
    mask : bool array of shape (n, d), optional

    Returns
    -------
    array of shape (n, d)
    """
    _, glob, shape = _means(X, mask, axis=0)
    return np.full(shape, glob)


def predict_user_mean(X, mask=None) -> np.ndarray:
    """Each row predicted by that user's mean observed rating (the global mean for a user with none).

    Shapes as ``predict_global_mean``.
    """
    means, _, shape = _means(X, mask, axis=1)
    return np.broadcast_to(means[:, None], shape).copy()


def predict_movie_mean(X, mask=None) -> np.ndarray:
    """Each column predicted by that movie's mean observed rating (the global mean for a movie with none).

    Shapes as ``predict_global_mean``.
    """
    means, _, shape = _means(X, mask, axis=0)
    return np.broadcast_to(means[None, :], shape).copy()


def rating_shares(values, levels=(1, 2, 3, 4, 5)) -> dict:
    """Share of each star level among ``values`` (rounded to the nearest level first).

    Parameters
    ----------
    values : array
        Ratings (any shape); predictions are rounded to the nearest level.
    levels : tuple of int

    Returns
    -------
    dict
        level -> share in [0, 1].
    """
    v = np.clip(np.rint(np.asarray(values, dtype=float).ravel()), min(levels), max(levels))
    return {lv: float(np.mean(v == lv)) for lv in levels}


# --------------------------------------------------------------------------
# The held-out protocol
# --------------------------------------------------------------------------

def holdout_split(X, fraction: float = 0.1, seed: int = 0):
    """Hide a fixed random share of the observed ratings.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing; or a ``scipy.sparse`` matrix whose stored entries are the ratings.
    fraction : float in (0, 1), default 0.1
        Share of the observed entries to hide.
    seed : int, default 0
        Seed of the local generator that picks them: the same seed gives the same split.

    Returns
    -------
    X_train : array of shape (n, d)
        A copy of X with the hidden entries set to 0 (X itself is not changed).
    rows, cols : int arrays of shape (m,)
        Where the hidden entries are, in row-major order.
    ratings : array of shape (m,)
        Their true ratings.
    """
    f = float(fraction)
    if not 0.0 < f < 1.0:
        raise ValueError(f"fraction must be strictly between 0 and 1, got {fraction!r}")
    sparse = issparse(X)
    if sparse:  # stored entries = observed, in the row-major order of np.nonzero (notebook 07)
        X = check_sparse(X)
        total = X.nnz
    else:
        X = check_matrix(X)
        r, c = np.nonzero(X)
        total = r.size
    if total == 0:
        raise ValueError("X has no observed entry: there is nothing to hide")
    m = int(round(f * total))
    if m == 0 or m == total:
        raise ValueError(f"fraction {f} of {total} observed entries hides {m}: nothing to fit or to score")
    idx = np.sort(np.random.default_rng(seed).choice(total, m, replace=False))
    if sparse:  # the same entries as on the dense matrix; X_train is sparse, without them
        return sparse_heldout.hide(X, idx)
    rows, cols = r[idx], c[idx]
    X_train = X.copy()
    X_train[rows, cols] = 0.0
    return X_train, rows, cols, X[rows, cols].copy()


def score(predicted, ratings, clip=(1.0, 5.0)) -> dict:
    """RMSE and MAE of predictions of held-out ratings, clipped to the rating scale first.

    Parameters
    ----------
    predicted, ratings : arrays of shape (m,)
    clip : (float, float) or None
        Predictions outside are moved to the nearest end (a model may predict 5.3 stars).

    Returns
    -------
    dict
        ``{"rmse": float, "mae": float}``
    """
    p = np.asarray(predicted, dtype=float)
    y = np.asarray(ratings, dtype=float)
    if p.shape != y.shape or p.ndim != 1 or p.size == 0:
        raise ValueError(f"predicted and ratings must be 1-D arrays of one non-zero length, got {p.shape}, {y.shape}")
    if clip is not None:
        p = np.clip(p, *clip)
    err = p - y
    return {"rmse": float(np.sqrt(np.mean(err * err))), "mae": float(np.mean(np.abs(err)))}


# --------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------

@dataclass
class MeanModel:
    """A constant, a per-user or a per-movie mean; ``kind`` is "global", "user" or "movie"."""

    kind: str
    values: np.ndarray

    def predict(self, rows, cols) -> np.ndarray:
        if self.kind == "global":
            return np.full(len(rows), float(self.values))
        return self.values[np.asarray(rows if self.kind == "user" else cols)]


def fit_means(X, kind: str, mask=None) -> MeanModel:
    """The global, user or movie mean of the observed ratings (the global mean where a row or column has none)."""
    if kind not in ("global", "user", "movie"):
        raise ValueError(f"kind must be 'global', 'user' or 'movie', got {kind!r}")
    means, glob, _ = _means(X, mask, axis=1 if kind == "user" else 0)
    return MeanModel(kind, np.array(glob) if kind == "global" else means)


@dataclass
class BiasModel:
    """``mu + b_user[u] + b_movie[i]``: the regularised bias baseline."""

    mu: float
    b_user: np.ndarray
    b_movie: np.ndarray

    def predict(self, rows, cols) -> np.ndarray:
        return self.mu + self.b_user[np.asarray(rows)] + self.b_movie[np.asarray(cols)]

    def matrix(self) -> np.ndarray:
        return self.mu + self.b_user[:, None] + self.b_movie[None, :]


def fit_bias(X, reg_user: float = 10.0, reg_movie: float = 10.0, iters: int = 20, mask=None) -> BiasModel:
    """Global mean plus user and movie biases, by alternating ridge updates on the observed entries.

    ``b_user[u] = sum_i (r_ui - mu - b_movie[i]) / (reg_user + |R(u)|)``, then the same for the
    movies, ``iters`` times (each update is exact given the other, so the loss never rises).

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given); or a ``scipy.sparse`` matrix whose
        stored entries are the ratings.
    reg_user, reg_movie : float
        Ridge penalties; they shrink the biases of users and movies with few ratings.
    iters : int
    mask : bool array of shape (n, d), optional

    Returns
    -------
    BiasModel
    """
    if issparse(X):  # stored entries = observed (notebook 07)
        mu, r_user, r_movie, n_user, n_movie, M_dot, MT_dot = sparse_heldout.bias_sums(X, mask)
    else:
        X = check_matrix(X)
        M = observed_mask(X, mask)
        if not M.any():
            raise ValueError("X has no observed entry: nothing to fit")
        Mf = M.astype(float)
        mu = float(X[M].mean())
        R = np.where(M, X - mu, 0.0)
        r_user, r_movie = R.sum(axis=1), R.sum(axis=0)
        n_user, n_movie = Mf.sum(axis=1), Mf.sum(axis=0)
        M_dot, MT_dot = Mf.__matmul__, Mf.__rmatmul__
    if reg_user < 0 or reg_movie < 0:
        raise ValueError("the regularisation must be non-negative")
    b_user, b_movie = np.zeros(len(n_user)), np.zeros(len(n_movie))
    for _ in range(iters):
        b_user = (r_user - M_dot(b_movie)) / (reg_user + n_user + 1e-12)
        b_movie = (r_movie - MT_dot(b_user)) / (reg_movie + n_movie + 1e-12)
    return BiasModel(mu, b_user, b_movie)


# --------------------------------------------------------------------------
# Mixtures as predictors
# --------------------------------------------------------------------------

@dataclass
class MixtureModel:
    """A fitted mixture used to predict: ``offset + sum_j post[u, j] mu[j, i]``.

    Attributes
    ----------
    mixture : GaussianMixture
    post : array of shape (n, K)
        Posteriors of the training rows.
    ll : float
        Training log-likelihood of the best seed.
    seed : int
    offset : BiasModel or None
        For the bias-aware mixture, the baseline the mixture models the residuals of.
    """

    mixture: GaussianMixture
    post: np.ndarray
    ll: float
    seed: int
    offset: BiasModel | None = None

    def predict(self, rows, cols) -> np.ndarray:
        rows, cols = np.asarray(rows), np.asarray(cols)
        pred = np.einsum("kj,jk->k", self.post[rows], self.mixture.mu[:, cols])
        return pred + (self.offset.predict(rows, cols) if self.offset is not None else 0.0)


def fit_mixture(X, K: int, seeds=range(5), mask=None, offset: BiasModel | None = None,
                min_variance: float = 0.25) -> MixtureModel:
    """The course's EM with missing entries, best training log-likelihood of several seeds.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given); or a ``scipy.sparse`` matrix whose
        stored entries are the ratings.
    K : int
    seeds : iterable of int
    mask : bool array of shape (n, d), optional
    offset : BiasModel, optional
        Fit the mixture to ``X - offset`` on the observed entries (the bias-aware mixture);
        the residuals can be 0 or negative, so the observed mask is passed explicitly.
    min_variance : float

    Returns
    -------
    MixtureModel
    """
    if issparse(X):  # stored entries = observed; the residuals stay sparse (notebook 07)
        data, M = sparse_heldout.residuals(X, offset, mask), None
    else:
        X = check_matrix(X)
        M = observed_mask(X, mask)
        data = X if offset is None else np.where(M, X - offset.matrix(), 0.0)
    best = None
    for seed in seeds:
        mixture, post = init(data, K, seed)
        mixture, post, ll = em.run(data, mixture, post, mask=M, min_variance=min_variance)
        if best is None or ll > best.ll:
            best = MixtureModel(mixture, post, ll, seed, offset)
    # the posteriors that predict are those of the final mixture
    best.post, _ = em.estep(data, best.mixture, mask=M)
    return best


def heldout_log_likelihood(X_train, mixture: GaussianMixture, rows, cols, ratings, mask=None) -> float:
    """Log-likelihood of held-out ratings under a mixture, given each user's training ratings.

    ``sum_u log sum_j post[u, j] prod_{(u, i) held out} N(r_ui; mu[j, i], var[j])``, with ``post``
    from the E-step on the training ratings: how well the mixture predicts ratings it has
    not seen, in the mixture's own terms. Used to choose K.

    Returns
    -------
    float
    """
    post, _ = em.estep(X_train, mixture, mask=mask)
    rows, cols, y = np.asarray(rows), np.asarray(cols), np.asarray(ratings, dtype=float)
    mu, var = mixture.mu, mixture.var
    # log N(r; mu[j, i], var[j]) for every held-out entry and component: (m, K)
    logn = -0.5 * np.log(2 * np.pi * var)[None, :] - (y[:, None] - mu[:, cols].T) ** 2 / (2 * var[None, :])
    per_user = np.zeros((X_train.shape[0], len(var)))
    np.add.at(per_user, rows, logn)
    users = np.unique(rows)
    with np.errstate(divide="ignore"):
        f = np.log(post[users]) + per_user[users]
    return float(logsumexp(f, axis=1).sum())


# --------------------------------------------------------------------------
# The whole comparison
# --------------------------------------------------------------------------

#: Candidate hyper-parameters, chosen on the validation split.
GRID = {
    "bias_reg": [1.0, 5.0, 10.0, 25.0],
    "K": [1, 4, 8, 12, 16],
    "rank_reg": [(10, 10.0), (20, 10.0), (20, 20.0), (40, 20.0), (40, 40.0)],
}


def _log(progress, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def evaluate(X, fraction: float = 0.1, seed: int = 0, seeds=range(5), progress: bool = False,
             models=MODELS, grid=None, keep_models: bool = False) -> dict:
    """Fit every model on a held-out split and score it on the hidden ratings.

    Hyper-parameters (regularisation, K, rank) are chosen on a validation split carved out of
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
        Overrides of ``GRID``.
    keep_models : bool, default False
        Also return the fitted models (``models``: name -> model) and the splits (``split``:
        X_train and the hidden rows, cols, ratings; ``validation_split``: X_fit and its
        validation rows, cols, ratings).

    Returns
    -------
    dict
        ``rmse`` and ``mae`` (model -> float), ``choices`` (model -> chosen hyper-parameters),
        ``validation`` (model -> {setting: validation RMSE}), ``validation_rmse`` (model -> the
        validation RMSE of the chosen setting), ``seconds`` (model ->
        ``{"select": s, "fit": s}``: the validation search, and the final fit on all training
        ratings), ``n_train``, ``n_test``, ``fraction``, ``seed``.
    """
    unknown = set(models) - set(MODELS) - set(OPTIONAL_MODELS)
    if unknown:
        raise ValueError(f"unknown models {sorted(unknown)}; choose from {MODELS + OPTIONAL_MODELS}")
    grid = {**GRID, **(grid or {})}
    seeds = list(seeds)
    X_train, rows, cols, ratings = holdout_split(X, fraction, seed)
    X_fit, vrows, vcols, vratings = holdout_split(X_train, fraction, seed + 1)
    val = (vrows, vcols, vratings)
    out = {"fraction": fraction, "seed": seed, "n_train": int((X_train != 0).sum()), "n_test": int(len(ratings)),
           "rmse": {}, "mae": {}, "choices": {}, "validation": {}, "validation_rmse": {}, "seconds": {}}
    fitted = {}

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
            model, t = timed(fit_means, X_train, kind)
            record(f"{kind}_mean", model, 0.0, t)

    bias = None
    if {"bias_baseline", "bias_aware_mixture"} & set(models):
        t0 = time.perf_counter()
        scores = {str(r): val_rmse(fit_bias(X_fit, r, r)) for r in grid["bias_reg"]}
        reg = float(min(scores, key=scores.get))
        t_select = time.perf_counter() - t0
        bias, t = timed(fit_bias, X_train, reg, reg)
        if "bias_baseline" in models:
            record("bias_baseline", bias, t_select, t, {"reg": reg}, scores)

    for name in ("course_mixture", "bias_aware_mixture"):
        if name not in models:
            continue
        t0 = time.perf_counter()
        fit_offset = fit_bias(X_fit, reg, reg) if name == "bias_aware_mixture" else None
        scores = {}
        for K in grid["K"]:
            scores[str(K)] = val_rmse(fit_mixture(X_fit, K, seeds, offset=fit_offset))
            _log(progress, f"    {name} K = {K}: validation RMSE {scores[str(K)]:.4f}")
        K = int(min(scores, key=scores.get))
        t_select = time.perf_counter() - t0
        model, t = timed(fit_mixture, X_train, K, seeds, offset=bias if name == "bias_aware_mixture" else None)
        record(name, model, t_select, t, {"K": K, "seed": model.seed}, scores)

    rank = reg_mf = None
    if {"matrix_factorization", "neural", "neural_implicit"} & set(models):
        t0 = time.perf_counter()
        scores = {}
        for r, lam in grid["rank_reg"]:
            scores[f"{r},{lam}"] = val_rmse(fit_als(X_fit, rank=r, reg=lam, seed=seed))
            _log(progress, f"    matrix_factorization rank {r}, reg {lam}: validation RMSE {scores[f'{r},{lam}']:.4f}")
        best = min(scores, key=scores.get)
        rank, reg_mf = int(best.split(",")[0]), float(best.split(",")[1])
        t_select = time.perf_counter() - t0
        if "matrix_factorization" in models:
            model, t = timed(fit_als, X_train, rank=rank, reg=reg_mf, seed=seed)
            record("matrix_factorization", model, t_select, t, {"rank": rank, "reg": reg_mf}, scores)

    if "neural" in models:
        # the same model as the factorisation: its rank and penalty; the number of epochs by
        # early stopping on the validation split, then a refit on all training ratings
        probe, t_select = timed(fit_neural, X_fit, rank=rank, reg=reg_mf, seed=seed, validation=val)
        epochs = int(np.argmin(probe.history)) + 1
        _log(progress, f"    neural: validation RMSE by epoch {[round(h, 4) for h in probe.history]}")
        model, t = timed(fit_neural, X_train, rank=rank, reg=reg_mf, seed=seed, epochs=epochs)
        record("neural", model, t_select, t, {"rank": rank, "reg": reg_mf, "epochs": epochs},
               {str(e + 1): h for e, h in enumerate(probe.history)})
    if "neural_implicit" in models:
        # the network with implicit feedback (which movies each user rated, SVD++): the same rank and
        # penalty, its epochs by early stopping on the validation split, then a refit on all training ratings
        probe, t_select = timed(fit_neural, X_fit, rank=rank, reg=reg_mf, seed=seed, validation=val, implicit=True)
        epochs = int(np.argmin(probe.history)) + 1
        _log(progress, f"    neural_implicit: validation RMSE by epoch {[round(h, 4) for h in probe.history]}")
        model, t = timed(fit_neural, X_train, rank=rank, reg=reg_mf, seed=seed, epochs=epochs, implicit=True)
        record("neural_implicit", model, t_select, t, {"rank": rank, "reg": reg_mf, "epochs": epochs},
               {str(e + 1): h for e, h in enumerate(probe.history)})
    if keep_models:
        out["models"] = fitted
        out["split"] = (X_train, rows, cols, ratings)
        out["validation_split"] = (X_fit, vrows, vcols, vratings)
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
    from .data import load_or_standin

    X, standin = load_or_standin("netflix_incomplete")
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
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
