"""The recommender libraries practitioners use, on exactly the project's held-out splits.

    python benchmarks/bench_libraries.py                  # every model but SVD++ (and PMF): about 45 minutes
    python benchmarks/bench_libraries.py --models "surprise SVD++" --merge   # 24 minutes a split here

For every split of ``evaluation.evaluate_splits`` (the same seeds, fraction and ``how``: split i
hides with seed ``2 i`` and carves its validation split with seed ``2 i + 1``), each external
model is tuned on the validation split (fitted on the rest of the training ratings), refitted
with the chosen setting on all training ratings, and scored once on the hidden ratings with the
project's ``score`` (predictions clipped to 1-5). The hidden ratings reach nothing but that score.

* Surprise (``scikit-surprise``): BaselineOnly, SVD, SVD++, KNNBaseline, CoClustering;
* cornac: MF (matrix factorisation with biases, by SGD) and PMF.

SVD++ keeps Surprise's default setting (20 factors, 20 epochs), since one fit takes minutes:
that setting is tuned on no rating at all. Its update of each rating sums over every movie the
user rated, and the course matrix's users rated about 900 movies each: one fit took 1,459 s here
(on a loaded machine), so it was measured on the first split only (``--add-single``), not in the
five-split table. Where Surprise's prediction loop is in Python and
the model is a factorisation (BaselineOnly, SVD, SVD++), the estimate is computed from the fitted
parameters with NumPy, the library's own formula (checked against ``algo.predict`` on 2,000
ratings after every fit); the neighbourhood and co-clustering models use ``algo.test``. cornac's
predictions are computed the same way (checked against its ``score`` on 500 pairs).

Then, with the project's per-split results (``benchmarks/results/heldout_splits_<how>.json``,
written by ``python -m cfgmm_lib.evaluation --splits 5 --how <how> --json ...``), it prints the
best external model and the paired interval of its difference from the project's best single
model (target: the project's at least as good) and writes ``benchmarks/results/libraries_<how>.json``,
which ``notebooks/05_beyond_the_handout.py`` reads. Surprise and cornac are benchmark
dependencies (``pip install -e '.[bench]'``), never the library's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from cfgmm_lib import data
from cfgmm_lib.evaluation import holdout_split, score
from cfgmm_lib.evaluation.intervals import corrected_interval, verdict
from cfgmm_lib.evaluation.repeated import split_seeds

RESULTS = Path(__file__).resolve().parent / "results"

#: model -> (library, candidate settings tried on the validation split); one candidate = no tuning
CANDIDATES = {
    "surprise BaselineOnly": ("surprise", [{"reg_u": 15, "reg_i": 10}, {"reg_u": 5, "reg_i": 5}, {"reg_u": 1, "reg_i": 1}]),
    "surprise SVD": ("surprise", [{"n_factors": 100}, {"n_factors": 400},
                                  {"n_factors": 200, "n_epochs": 40, "reg_all": 0.05},
                                  {"n_factors": 400, "n_epochs": 40, "reg_all": 0.05}]),
    "surprise SVD++": ("surprise", [{}]),
    "surprise KNNBaseline": ("surprise", [{"k": 40}, {"k": 80}]),
    "surprise CoClustering": ("surprise", [{"n_cltr_u": 3, "n_cltr_i": 3}, {"n_cltr_u": 20, "n_cltr_i": 20}]),
    "cornac MF": ("cornac", [{"k": 50}, {"k": 100}, {"k": 100, "lambda_reg": 0.05}]),
}
#: Run only when asked for (--models): cornac's PMF took 8 minutes a split here and scored 0.887 on the first.
OPTIONAL = {"cornac PMF": ("cornac", [{"k": 50, "lambda_reg": 0.01}, {"k": 50, "lambda_reg": 0.1}])}
CANDIDATES.update(OPTIONAL)


def triplets(X):
    """(rows, cols, ratings) of the observed entries of a dense matrix."""
    r, c = np.nonzero(X)
    return r, c, X[r, c]


class SurpriseModel:
    """A Surprise algorithm fitted on (rows, cols, ratings), predicting arrays of (rows, cols)."""

    def __init__(self, name: str, setting: dict, seed: int):
        import surprise

        if name == "surprise BaselineOnly":
            self.algo = surprise.BaselineOnly(bsl_options={"method": "als", **setting}, verbose=False)
        elif name == "surprise SVD":
            self.algo = surprise.SVD(random_state=seed, **setting)
        elif name == "surprise SVD++":
            self.algo = surprise.SVDpp(random_state=seed, cache_ratings=True, **setting)
        elif name == "surprise KNNBaseline":
            self.algo = surprise.KNNBaseline(sim_options={"name": "pearson_baseline", "user_based": False},
                                             verbose=False, **setting)
        else:
            self.algo = surprise.CoClustering(random_state=seed, **setting)
        self.name = name

    def fit(self, rows, cols, ratings):
        import pandas as pd
        import surprise

        frame = pd.DataFrame({"u": rows, "i": cols, "r": ratings})
        self.trainset = surprise.Dataset.load_from_df(frame, surprise.Reader(rating_scale=(1, 5))).build_full_trainset()
        self.algo.fit(self.trainset)
        self.train_inner = (self._inner(rows, self.trainset._raw2inner_id_users),
                            self._inner(cols, self.trainset._raw2inner_id_items))
        if self.name in ("surprise BaselineOnly", "surprise SVD", "surprise SVD++"):
            self._check_vectorised()
        return self

    def _inner(self, ids, mapping):
        return np.array([mapping.get(x, -1) for x in ids.tolist()])

    def _vectorised(self, rows, cols):
        """Surprise's ``estimate`` of each (row, col), from the fitted parameters (unclipped)."""
        ts, a = self.trainset, self.algo
        u = self._inner(rows, ts._raw2inner_id_users)
        i = self._inner(cols, ts._raw2inner_id_items)
        ku, ki = u >= 0, i >= 0
        est = np.full(len(rows), ts.global_mean)
        est += np.where(ku, a.bu[np.maximum(u, 0)], 0.0) + np.where(ki, a.bi[np.maximum(i, 0)], 0.0)
        if self.name == "surprise SVD":
            est += np.where(ku & ki, np.einsum("mk,mk->m", a.pu[np.maximum(u, 0)], a.qi[np.maximum(i, 0)]), 0.0)
        elif self.name == "surprise SVD++":
            # user vector p_u + |N(u)|^(-1/2) sum_{j in N(u)} y_j, for every user at once
            tu, ti = self.train_inner
            counts = np.bincount(tu, minlength=ts.n_users).astype(float)
            implicit = np.zeros_like(a.pu)
            np.add.at(implicit, tu, a.yj[ti])
            user_vec = a.pu + implicit / np.sqrt(np.maximum(counts, 1))[:, None]
            est += np.where(ku & ki, np.einsum("mk,mk->m", user_vec[np.maximum(u, 0)], a.qi[np.maximum(i, 0)]), 0.0)
        return est

    def _check_vectorised(self):
        rng = np.random.default_rng(0)
        rows = rng.integers(0, self.trainset.n_users, 2000)
        cols = rng.integers(0, self.trainset.n_items, 2000)
        rows = np.array([self.trainset.to_raw_uid(int(x)) for x in rows])
        cols = np.array([self.trainset.to_raw_iid(int(x)) for x in cols])
        ours = np.clip(self._vectorised(rows, cols), 1, 5)
        theirs = np.array([self.algo.predict(int(r), int(c)).est for r, c in zip(rows, cols)])
        err = np.abs(ours - theirs).max()
        if err > 1e-9:
            raise AssertionError(f"{self.name}: the vectorised estimate differs from Surprise's by {err}")

    def predict(self, rows, cols):
        if self.name in ("surprise BaselineOnly", "surprise SVD", "surprise SVD++"):
            return self._vectorised(rows, cols)
        preds = self.algo.test([(int(r), int(c), 0.0) for r, c in zip(rows, cols)])
        return np.array([p.est for p in preds])


class CornacModel:
    """A cornac explicit-rating model fitted on (rows, cols, ratings)."""

    def __init__(self, name: str, setting: dict, seed: int):
        import cornac

        if name == "cornac MF":
            options = {"max_iter": 50, "learning_rate": 0.01, "lambda_reg": 0.02, "use_bias": True, **setting}
            self.model = cornac.models.MF(seed=seed, verbose=False, **options)
        else:
            options = {"max_iter": 100, "learning_rate": 0.001, **setting}
            self.model = cornac.models.PMF(seed=seed, verbose=False, **options)
        self.name = name

    def fit(self, rows, cols, ratings):
        from cornac.data import Dataset

        self.train = Dataset.from_uir(list(zip(rows.tolist(), cols.tolist(), ratings.tolist())), seed=0)
        self.model.fit(self.train)
        self._check_vectorised()
        return self

    def predict(self, rows, cols):
        m, ts = self.model, self.train
        u = np.array([ts.uid_map.get(x, -1) for x in rows.tolist()])
        i = np.array([ts.iid_map.get(x, -1) for x in cols.tolist()])
        known = (u >= 0) & (i >= 0)
        uu, ii = np.maximum(u, 0), np.maximum(i, 0)
        if self.name == "cornac MF":
            est = m.global_mean + m.u_biases[uu] + m.i_biases[ii] + np.einsum("mk,mk->m", m.u_factors[uu], m.i_factors[ii])
            return np.where(known, est, ts.global_mean)
        # PMF ("non_linear", its default) predicts sigmoid(U.V), scaled from [0, 1] to the rating scale
        est = m.min_rating + (m.max_rating - m.min_rating) / (1.0 + np.exp(-np.einsum("mk,mk->m", m.U[uu], m.V[ii])))
        return np.where(known, est, ts.global_mean)

    def _check_vectorised(self):
        rng = np.random.default_rng(0)
        u = rng.integers(0, self.train.num_users, 500)
        i = rng.integers(0, self.train.num_items, 500)
        inv_u = {v: k for k, v in self.train.uid_map.items()}
        inv_i = {v: k for k, v in self.train.iid_map.items()}
        ours = self.predict(np.array([inv_u[x] for x in u]), np.array([inv_i[x] for x in i]))
        theirs = np.array([float(self.model.score(int(a), int(b))) for a, b in zip(u, i)])
        err = np.abs(ours - theirs).max()
        if err > 1e-6:
            raise AssertionError(f"{self.name}: the vectorised estimate differs from cornac's score by {err}")


def make(name, setting, seed):
    return (SurpriseModel if CANDIDATES[name][0] == "surprise" else CornacModel)(name, setting, seed)


def run_split(X, seed: int, fraction: float, how: str, names, log) -> dict:
    """Every external model on one split: chosen on validation, refitted, scored once on the hidden ratings."""
    X_train, rows, cols, ratings = holdout_split(X, fraction, seed, how=how)
    X_fit, vrows, vcols, vratings = holdout_split(X_train, fraction, seed + 1, how=how)
    T_fit, T_train = triplets(X_fit), triplets(X_train)
    out = {}
    for name in names:
        t0 = time.perf_counter()
        val = {}
        for setting in CANDIDATES[name][1]:
            if len(CANDIDATES[name][1]) == 1:
                val[json.dumps(setting)] = None  # nothing to choose
                break
            model = make(name, setting, seed).fit(*T_fit)
            val[json.dumps(setting)] = score(model.predict(vrows, vcols), vratings)["rmse"]
        chosen = min(val, key=lambda k: val[k] if val[k] is not None else 0.0)
        t_select = time.perf_counter() - t0
        t0 = time.perf_counter()
        model = make(name, json.loads(chosen), seed).fit(*T_train)
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        s = score(model.predict(rows, cols), ratings)
        t_pred = time.perf_counter() - t0
        out[name] = {**s, "chosen": json.loads(chosen), "validation": val,
                     "seconds": {"select": round(t_select, 1), "fit": round(t_fit, 1), "predict": round(t_pred, 1)}}
        log(f"  split seed {seed}: {name:24s} RMSE {s['rmse']:.4f}  chosen {chosen}  "
            f"(choosing {t_select:.0f} s, fit {t_fit:.0f} s, predicting {t_pred:.0f} s)")
    return out


def summarise(per_split: list, ours: dict | None, level: float = 0.95) -> dict:
    """Mean RMSE with intervals per external model; the best external against the project's best."""
    names = list(per_split[0])
    share = ours["test_share"] if ours else 0.1 / 0.9
    out = {"rmse": {}, "mae": {}}
    for metric in ("rmse", "mae"):
        for m in names:
            v = np.array([s[m][metric] for s in per_split])
            out[metric][m] = {**corrected_interval(v, share, level), "per_split": v.tolist()}
    out["best_external"] = min(names, key=lambda m: out["rmse"][m]["mean"])
    if ours:
        best = ours["best"]
        ext = np.array(out["rmse"][out["best_external"]]["per_split"])
        mine = np.array(ours["rmse"][best]["per_split"])
        out["ours_best"] = best
        out["ours_minus_best_external"] = corrected_interval(mine - ext, share, level)
        out["differences_from_ours_best"] = {
            m: corrected_interval(np.array(out["rmse"][m]["per_split"]) - mine, share, level) for m in names}
        if "blend" in ours["rmse"]:
            out["blend_minus_best_external"] = corrected_interval(
                np.array(ours["rmse"]["blend"]["per_split"]) - ext, share, level)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--how", choices=("random", "gaps"), default="random")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--fraction", type=float, default=0.1)
    parser.add_argument("--models", nargs="+", choices=list(CANDIDATES),
                        default=[m for m in CANDIDATES if m not in OPTIONAL])
    parser.add_argument("--json", type=Path, default=None, help="default: benchmarks/results/libraries_<how>.json")
    parser.add_argument("--merge", action="store_true",
                        help="add these models' results to the saved JSON (the same splits) instead of replacing it: "
                             "SVD++ alone takes about ten minutes a split, so it can run beside the others")
    parser.add_argument("--add-single", nargs=4, metavar=("MODEL", "SEED", "RMSE", "FIT_SECONDS"),
                        help="with --summarise-only: record a model measured on one split only (its log line), "
                             "shown apart from the five-split table")
    parser.add_argument("--summarise-only", action="store_true",
                        help="fit nothing: summarise the saved per-split results again, against the project's "
                             "current heldout_splits_<how>.json")
    args = parser.parse_args(argv)
    path = args.json or RESULTS / f"libraries_{args.how}.json"
    X, standin = data.load_or_standin("netflix_incomplete")
    if standin:
        print("the course files are not installed: this benchmark needs the real Netflix matrix", file=sys.stderr)
        return 2
    ours_path = RESULTS / f"heldout_splits_{args.how}.json"
    ours = json.loads(ours_path.read_text()) if ours_path.exists() else None
    seeds = split_seeds(0, args.splits)
    if ours and (ours["seeds"] != seeds or ours["fraction"] != args.fraction or ours["how"] != args.how):
        print(f"{ours_path} holds other splits (seeds {ours['seeds']}, fraction {ours['fraction']}, {ours['how']}): "
              "rerun the project's evaluation first", file=sys.stderr)
        return 2

    def log(text):
        print(text, file=sys.stderr, flush=True)

    if args.summarise_only:
        saved = json.loads(path.read_text())
        if saved["seeds"] != (ours or saved)["seeds"]:
            print(f"{path} and {ours_path} hold different splits", file=sys.stderr)
            return 2
        per_split = saved["splits"]
        names = set(per_split[0])
        if any(set(split) != names for split in per_split):
            print(f"{path}: not every model was run on every split", file=sys.stderr)
            return 2
        result = {k: saved[k] for k in ("how", "fraction", "seeds", "splits", "versions", "seconds_total")}
        result["single_split"] = saved.get("single_split", {})
        if args.add_single:
            model, seed, rmse, seconds = args.add_single
            result["single_split"][model] = {"seed": int(seed), "rmse": float(rmse), "fit_seconds": float(seconds)}
        result.update(summarise(per_split, ours))
        print(format_report(result, ours))
        path.write_text(json.dumps(result, indent=2))
        return 0

    t0 = time.perf_counter()
    per_split = [run_split(X, s, args.fraction, args.how, args.models, log) for s in seeds]
    seconds = round(time.perf_counter() - t0, 1)
    if args.merge and path.exists():  # read at the end: another run may have written it meanwhile
        saved = json.loads(path.read_text())
        if saved["seeds"] != seeds or saved["fraction"] != args.fraction or saved["how"] != args.how:
            print(f"{path} holds other splits: not merged", file=sys.stderr)
            return 2
        for mine, theirs in zip(per_split, saved["splits"]):
            mine.update({m: r for m, r in theirs.items() if m not in mine})
        seconds += saved["seconds_total"]
    result = {"how": args.how, "fraction": args.fraction, "seeds": seeds, "splits": per_split,
              "versions": _versions(), "seconds_total": seconds, **summarise(per_split, ours)}
    print(format_report(result, ours))
    path.write_text(json.dumps(result, indent=2))
    return 0


def _versions() -> dict:
    import cornac
    import surprise

    return {"scikit-surprise": surprise.__version__, "cornac": cornac.__version__}


def format_report(result: dict, ours: dict | None) -> str:
    def iv(s):
        return f"{s['mean']:.4f} [{s['low']:.4f}, {s['high']:.4f}]"

    lines = [f"external libraries on {len(result['seeds'])} {result['how']} splits (seeds {result['seeds']}): "
             "mean held-out RMSE with its 95 % interval"]
    for m in sorted(result["rmse"], key=lambda m: result["rmse"][m]["mean"]):
        lines.append(f"  {m:26s} {iv(result['rmse'][m])}")
    for m, single in result.get("single_split", {}).items():
        lines.append(f"  {m:26s} {single['rmse']:.4f} on the split of seed {single['seed']} only "
                     f"(one fit took {single['fit_seconds']:.0f} s)")
    if ours:
        d = result["ours_minus_best_external"]
        met = "met" if d["high"] <= 0 or verdict(d) == "no difference" else "NOT met"
        lines.append(f"the project's best single model ({result['ours_best']}) {iv(ours['rmse'][result['ours_best']])} "
                     f"minus the best external ({result['best_external']}): {d['mean']:+.4f} "
                     f"[{d['low']:+.4f}, {d['high']:+.4f}] ({verdict(d)}); target (at least as good) {met}")
        if "blend_minus_best_external" in result:
            d = result["blend_minus_best_external"]
            lines.append(f"the project's blend minus the best external: {d['mean']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}]")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
