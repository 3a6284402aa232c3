# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# 05 · Beyond the handout. Parameters: change them and run all cells.
FRACTION = 0.1                    # share of the observed ratings hidden for the final score
SPLIT_SEED = 0                    # seed of that split (the validation split uses SPLIT_SEED + 1)
SEEDS = range(5)                  # EM starts per K, best training likelihood wins
K_RANGE = [1, 2, 4, 8, 12, 16]    # K values compared by BIC and by validation likelihood
GRID = None                       # overrides of evaluate's grid, evaluation.GRID (a smaller one runs faster)

# %% [markdown]
# # 05 · Beyond the handout: measuring honestly, and doing better
#
# Notebook 04 ended with a problem: the handout's RMSE of 0.48 averages in 77 % copied ratings,
# and the rest is scored against a "complete" file whose filled-in ratings are distributed unlike
# real ones (against them, the mixture even lost to each user's average rating). Here we (1) set up a fair test, (2) score every model on it, (3) look inside the handout's
# $K = 12$ mixture, (4) remove the user bias, (5) choose $K$ two ways, and (6) fit the model the
# handout's "More challenge" section points to: matrix factorisation, then the same model as a
# neural network.
#
# **After this notebook you will be able to**
# - score a recommender honestly: hide observed ratings, choose on a validation split, test once;
# - find what a fitted mixture's components really do (diagnostics), and why some memorise users;
# - choose $K$ by BIC and by validation likelihood, and compare;
# - fit matrix factorisation by alternating least squares, and see it as a small neural network.

# %%
# %matplotlib inline
import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from cfgmm_lib import bic, em, init
from cfgmm_lib.checkpoints import checkpoint, data_banner
from cfgmm_lib.data import load_or_standin
from cfgmm_lib.diagnostics import component_health, format_health, health_summary
from cfgmm_lib.evaluation import (coverage, evaluate, fit_mixture, format_summary, format_table,
                                  heldout_log_likelihood, holdout_split, predictive, predictive_interval)
from cfgmm_lib.evaluation import figures as evfig
from cfgmm_lib.evaluation.intervals import verdict
from cfgmm_lib.factorization import EmbeddingNet, observed_triplets

import cfgmm_lib

X, STANDIN = load_or_standin("netflix_incomplete", warn=False)  # the banner below says so
data_banner(STANDIN, ["netflix_incomplete"])
RESULTS = Path(cfgmm_lib.__file__).resolve().parent.parent / "benchmarks" / "results"  # saved measurements

# %% [markdown]
# ## 1 · The honest protocol
#
# 1. Hide a fixed random 10 % of the **observed** ratings: their true values are known, and the
#    model never sees them. (`holdout_split` zeroes them in a copy.)
# 2. Carve a validation set out of the remaining training ratings the same way. Every choice,
#    $K$, the rank, the amount of regularisation, the number of training epochs, is made on it.
# 3. Refit the chosen setting on all training ratings and score it **once** on the hidden ones:
#    RMSE, and MAE. Predictions are clipped to the 1-5 scale first.

# %%
X_train, rows, cols, ratings = holdout_split(X, FRACTION, SPLIT_SEED)
again = holdout_split(X, FRACTION, SPLIT_SEED)
print(f"{len(ratings):,} ratings hidden out of {(X != 0).sum():,} observed; "
      f"the same seed hides the same ones: {np.array_equal(rows, again[1]) and np.array_equal(cols, again[2])}; "
      f"X untouched: {(X[rows, cols] == ratings).all()}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Every model on the same test
#
# `evaluate` fits them all: three averages; the **bias baseline**
# $\hat r_{ui} = \mu + b_u + b_i$ (a user's and a movie's offsets from the global mean, shrunk
# towards 0 by a ridge penalty); the **course's mixture**; the same mixture fitted to the
# residuals of the bias baseline; **matrix factorisation**; and the **network**. Each mixture
# also appears with a second way to start EM (the *partition start*, section 8), and the last
# row blends all the models (section 11). This is what
# `python -m cfgmm_lib.evaluation --splits 1 --models ...` prints for these models. (About a minute.)

# %% slideshow={"slide_type": "-"}
result = evaluate(X, FRACTION, SPLIT_SEED, seeds=SEEDS, grid=GRID, keep_models=True)
models = result["models"]
print(format_table(result))

# %% [markdown]
# **Checkpoint.** Reference figures were measured on one such split by an independent
# implementation (the split's details differ a little); our targets are bias-aware mixture
# $\le 0.82$ and best model $\le 0.77$. Each figure must be within the stated tolerance (the course
# mixture's is wider: validation picks its $K$, the reference figure is for $K = 12$).

# %%
# NBVAL_CHECK_OUTPUT
REFERENCE_HELDOUT = {  # model: (reference figure, tolerance)
    "global_mean": (1.042, 0.01), "user_mean": (0.972, 0.01), "movie_mean": (0.953, 0.01),
    "bias_baseline": (0.874, 0.01), "course_mixture": (0.894, 0.03), "bias_aware_mixture": (0.818, 0.01),
    "matrix_factorization": (0.769, 0.015), "neural": (0.769, 0.015),
}
for name, (reference, tol) in REFERENCE_HELDOUT.items():
    checkpoint(f"held-out RMSE, {name} (within {tol})", reference, result["rmse"][name], decimals=3, tol=tol,
               source="reference", standin=STANDIN)
checkpoint("target: bias-aware mixture <= 0.82", True, result["rmse"]["bias_aware_mixture"] <= 0.82,
           source="target", standin=STANDIN)
checkpoint("target: best model <= 0.77", True, min(result["rmse"].values()) <= 0.77, source="target",
           standin=STANDIN)

# %% slideshow={"slide_type": "slide"}
names = sorted(result["rmse"], key=result["rmse"].get, reverse=True)
fig = Figure(figsize=(10, 6.5), layout="constrained")
ax = fig.add_subplot()
colors = [evfig.FAMILY_COLORS[evfig.family(n)] for n in names]
ax.barh([evfig.readable(n) for n in names], [result["rmse"][n] for n in names], color=colors)
for i, n in enumerate(names):
    ax.text(result["rmse"][n] + 0.01, i, f"{result['rmse'][n]:.3f}", va="center", fontsize=12)
ax.set_xlim(0, 1.2)  # from 0: the bars' lengths compare the errors
ax.tick_params(labelsize=12)
ax.set_xlabel(f"RMSE on {len(ratings):,} hidden ratings (lower is better)", fontsize=12)
ax.set_ylabel("model")
ax.set_title("held-out RMSE: averages (blue), mixtures (red), factorisation (green), blend (purple)", fontsize=13)
fig

# %% [markdown]
# The course's mixture beats the plain averages, each user's average included: on real hidden
# ratings the order of notebook 04's "complete"-file comparison is reversed, because that file's
# filled-in ratings, bunched in the middle of the scale, favoured predictions near each user's
# average. Against the two-number bias baseline the mixture is level: it lost on the test ratings
# by a little, and, as the next cell shows, won on validation. Once the biases are taken out, the
# same mixture gains a lot; factorisation gains more.
#
# **Why validation and test disagree for the course's mixture.** The validation fit (on the
# training ratings less the validation ones) and the final fit (on all the training ratings) are
# two different runs, and in each, `init` starts the means on rows of chosen users. A component
# started on a user can keep that user alone, at the variance floor, with that user's unrated
# movies still at `init`'s 0 (section 3 looks at this in the handout's mixture). Whether that
# happens depends on which users `init` picks from the matrix it is given. The cell prints both
# scores, fits the chosen $K$ from every seed on the full training ratings, and then, for the
# validation fit and the final fit, counts the components carried by one or two users and the
# share of the squared error that falls on those users' hidden ratings.

# %%
# NBVAL_CHECK_OUTPUT
for name in ("course_mixture", "bias_baseline"):
    print(f"{name:15s} validation RMSE {result['validation_rmse'][name]:.3f}   test RMSE {result['rmse'][name]:.3f}")
K_chosen = result["choices"]["course_mixture"]["K"]
every_seed_memorises = True
for seed in SEEDS:
    start = init(X_train, K_chosen, seed=seed)
    run = em.run(X_train, *start)
    summary = health_summary(component_health(X_train, run[0], start[0]))
    every_seed_memorises &= summary["carried_by_few"] > 0
    print(f"K = {K_chosen}, seed {seed}, all training ratings: components carried by one or two users "
          f"{summary['carried_by_few']}, their means never updated (still 0) {summary['untouched_zero_means']}")


def memorised(model, X_fitted, hidden_rows, hidden_cols, hidden_ratings):
    """Components carried by one or two users; the hidden ratings of those users and their share of the squared error."""
    rows_health = component_health(X_fitted, model.mixture)
    few = [r["component"] for r in rows_health if r["carried_by_few"]]
    err = (np.clip(model.predict(hidden_rows, hidden_cols), 1, 5) - hidden_ratings) ** 2
    theirs = np.isin(model.post.argmax(axis=1)[hidden_rows], few)
    return len(few), int(theirs.sum()), float(err[theirs].sum() / err.sum())


X_fit, vrows, vcols, vratings = result["validation_split"]
chosen_validation = result["validation_models"]["course_mixture"][str(K_chosen)]
for label, model, args in (("validation", chosen_validation, (X_fit, vrows, vcols, vratings)),
                           ("test", models["course_mixture"], (X_train, rows, cols, ratings))):
    few, count, share = memorised(model, *args)
    print(f"{label} fit (seed {model.seed}): {few} of its {K_chosen} components carried by one or two users; "
          f"{count:,} hidden ratings belong to those users, {share:.1%} of the squared error")
checkpoint(f"every seed of K = {K_chosen} has a component carried by one or two users", True, every_seed_memorises,
           source="expected", standin=STANDIN)

# %% [markdown]
# On validation the course's mixture ($K = 4$) scores 0.862, below the bias baseline's 0.872; on
# the test ratings the order flips, 0.878 against 0.873. The validation fit kept its four
# components shared by many users. On the full training ratings every seed leaves at least one
# component held by one or two users whom `init` picked, and the final fit (seed 1) spends one of
# its four components on two users. Those two users' own hidden ratings carry only 0.5 % of the
# squared error: the larger cost is that everyone else is described by three shared types
# instead of four. So the choice of $K$ made on validation did not carry over to the refit, and
# the mixture's place beside the bias baseline is within what one `init` changes.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Inside the handout's K = 12 mixture
#
# Why is the course's mixture weak? Here is the handout's best run (all observed ratings,
# $K = 12$, seed 1), component by component: its weight, its soft number of users, how many
# users *effectively* carry it ($(\sum_u \text{post}_{uj})^2 / \sum_u \text{post}_{uj}^2$), its
# variance, and how many of its means were never updated from `init`.

# %% slideshow={"slide_type": "-"}
initial, post0 = init(X, 12, seed=1)
handout_mixture, _, _ = em.run(X, initial, post0)
health = component_health(X, handout_mixture, initial)
print(format_health(health))

# %% slideshow={"slide_type": "slide"}
# NBVAL_CHECK_OUTPUT
summary = health_summary(health)
X_pred = em.fill_matrix(X, handout_mixture)
near_zero = int(((X_pred < 0.5) & (X == 0)).sum())
# derived again independently, with plain NumPy, in tests/test_notebook05_values.py
checkpoint("components carried by one or two users", 7, summary["carried_by_few"], source="expected", standin=STANDIN)
checkpoint("components at the variance floor", 7, summary["at_floor"], source="expected", standin=STANDIN)
checkpoint("healthy components", 5, summary["healthy"], source="expected", standin=STANDIN)
checkpoint("means never updated, all still 0", 2199, summary["untouched_zero_means"], source="expected", standin=STANDIN)
checkpoint("missing entries predicted below half a star", 2289, near_zero, source="expected", standin=STANDIN)

# %% [markdown] slideshow={"slide_type": "-"}
# Seven of the twelve components each hold on to the one (or two) users whose rows `init` chose
# as their starting means. A component sitting exactly on a user's ratings, with the variance
# at the floor, explains that user far better than any shared taste can, so EM never lets go.
# Their means for the movies that user did not rate keep `init`'s value, **0**, because no
# other user contributes a soft count of 1 there. So `fill_matrix` predicts about 0 stars for
# those users' missing movies. The mixture is really five components plus seven memorised users.

# %% [markdown]
# ## 4 · Fixing the user bias
#
# Users differ a lot in how generously they rate. The bias baseline measures it: $b_u$ is how far
# a user sits above or below the typical rating. A spherical mixture has to spend components on
# "generous" and "harsh" versions of the same taste. Fitting the mixture to the residuals
# $r_{ui} - (\mu + b_u + b_i)$ instead (with an explicit observed mask, since residuals can be 0
# or negative) leaves it the part the biases cannot explain.

# %%
bias = models["bias_baseline"]
fig = Figure(figsize=(11, 3.8))
ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
ax1.hist(bias.b_user, bins=40, color="C0")
ax1.set_xlabel("user bias $b_u$ (stars)")
ax1.set_ylabel("number of users")
ax1.set_title(f"users' offsets: middle 90 % span {np.ptp(np.percentile(bias.b_user, [5, 95])):.1f} stars")
Ks = [int(k) for k in result["validation"]["course_mixture"]]
ax2.plot(Ks, list(result["validation"]["course_mixture"].values()), "o-", color="C3", label="course mixture")
ax2.plot(Ks, list(result["validation"]["bias_aware_mixture"].values()), "s-", color="C1",
         label="mixture on bias residuals")
ax2.axhline(result["validation_rmse"]["bias_baseline"], color="C0", ls="--", label="bias baseline")
ax2.set_xlabel("number of components K")
ax2.set_ylabel("validation RMSE")
ax2.legend()
ax2.grid(alpha=0.3)
fig

# %%
# NBVAL_CHECK_OUTPUT
gain = result["rmse"]["course_mixture"] - result["rmse"]["bias_aware_mixture"]
print(f"held-out RMSE: course mixture {result['rmse']['course_mixture']:.3f} "
      f"(K = {result['choices']['course_mixture']['K']}), on bias residuals "
      f"{result['rmse']['bias_aware_mixture']:.3f} (K = {result['choices']['bias_aware_mixture']['K']})")
checkpoint("removing the biases improves the mixture by more than 0.05", True, gain > 0.05, source="expected",
           standin=STANDIN)

# %% [markdown]
# On the raw ratings, validation error *rises* beyond a few components: extra components go to
# single users (section 3). On the residuals it keeps falling with $K$.

# %% [markdown]
# ## 5 · Choosing K: validation likelihood beside BIC
#
# The handout takes $K = 12$ because it has the higher training log-likelihood, and notebook 03
# chose $K$ by BIC. Here are both criteria on the Netflix training ratings, beside the direct
# one: fit on the training part, and measure the log-likelihood of the **validation** ratings
# given each user's training ratings,
# $\sum_u \log \sum_j \text{post}_{uj} \prod_{i \in V_u} N(r_{ui}; \mu^{(j)}_i, \sigma_j^2)$.
# `evaluate` already fitted the mixture on the training part for each $K$ of its grid, and kept
# those fits (`result["validation_models"]`); only the other values of $K$ are fitted here.

# %%
X_fit, vrows, vcols, vratings = result["validation_split"]
fitted = result["validation_models"]["course_mixture"]  # K (as text) -> the best of SEEDS on X_fit
rows_bic, rows_val = {}, {}
for K in K_RANGE:
    fit = fitted[str(K)] if str(K) in fitted else fit_mixture(X_fit, K, SEEDS)
    rows_bic[K] = bic(X_fit, fit.mixture, fit.ll)
    rows_val[K] = heldout_log_likelihood(X_fit, fit.mixture, vrows, vcols, vratings)
best_bic, best_val = max(rows_bic, key=rows_bic.get), max(rows_val, key=rows_val.get)
fig = Figure(figsize=(11, 3.8))
ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
ax1.plot(K_RANGE, [rows_bic[k] for k in K_RANGE], "o-")
ax1.axvline(best_bic, color="0.6", ls="--")
ax1.set_title(f"BIC on the training ratings: best K = {best_bic}")
ax2.plot(K_RANGE, [rows_val[k] for k in K_RANGE], "o-", color="C1")
ax2.axvline(best_val, color="0.6", ls="--")
ax2.set_title(f"validation log-likelihood: best K = {best_val}")
ax1.set_ylabel("BIC (higher is better)")
ax2.set_ylabel("validation log-likelihood")
for a in (ax1, ax2):
    a.set_xlabel("number of components K")
    a.grid(alpha=0.3)
fig.tight_layout()
fig

# %%
# NBVAL_CHECK_OUTPUT
for K in K_RANGE:
    print(f"K = {K:2d}: BIC {rows_bic[K]:13.1f}   validation log-likelihood {rows_val[K]:11.1f}")
print(f"BIC picks K = {best_bic}; validation likelihood picks K = {best_val}; "
      f"validation RMSE picked K = {result['choices']['course_mixture']['K']}")
# Regression values: recorded from this notebook's own run, not from an outside source. They can be
# trusted because what they are made of is checked independently in tests/: BIC's parameter count from
# first principles, the held-out likelihood against a plain loop, EM against the SPEC's Netflix numbers.
checkpoint("K chosen by BIC", 4, best_bic, source="regression value", standin=STANDIN)
checkpoint("K chosen by validation log-likelihood", 4, best_val, source="regression value", standin=STANDIN)

# %% [markdown]
# Here the two agree, on $K = 4$: a third of the handout's 12. The BIC charges
# $\tfrac12 \log n \approx 3.5$ per parameter, and each component brings 1,200 mean coordinates,
# so a component must raise the training log-likelihood by about 4,300 to pay for itself; beyond
# four, they no longer do. The validation ratings say the same thing directly: the components
# that memorise single users add nothing about their unseen ratings, and cost shared ones.

# %% [markdown]
# ## 6 · Matrix factorisation, and the same model as a network
#
# Instead of one of $K$ types per user, give each user a vector $p_u$ of `rank` numbers and each
# movie a vector $q_i$, and predict
#
# $$\hat r_{ui} = \mu + b_u + b_i + p_u \cdot q_i ,$$
#
# fitted to the observed ratings by minimising
# $\sum_{(u,i)} (r_{ui} - \hat r_{ui})^2 + \lambda(\lVert P\rVert^2 + \lVert Q\rVert^2) + \lambda_b(\lVert b\rVert^2)$.
# With the movie vectors fixed, each user's $(p_u, b_u)$ is an ordinary ridge regression, and
# the other way round: **alternating least squares** solves all users at once, then all movies,
# each step exact. The normal equations of every user come from two matrix products.
#
# **The network.** Feed the user as a one-hot vector $e_u$ and the movie as $e_i$. An embedding
# layer is a weight matrix: $e_u^\top P = p_u$, a row lookup. Take the dot product of the two
# embeddings, add the two biases (one-hot times a bias vector) and an output bias $\mu$: the
# output is $\hat r_{ui}$ again. Trained on squared error with weight decay, it minimises the same
# objective, here by minibatch Adam instead of exact alternation. Same model, same objective; but
# the objective is **not convex** (it multiplies $p_u$ by $q_i$), so neither method is promised
# the global minimum, and the two may stop at different points. What we can check is below: the
# network's gradient nearly vanishes at the ALS solution (so it is a stationary point of the
# network's loss too), and the two reach about the same held-out error.

# %%
mf, net_model = models["matrix_factorization"], models["neural"]
net = EmbeddingNet(*X.shape, mf.P.shape[1])
net.params.update(mu=np.array([mf.mu]), b_user=mf.b_user, b_movie=mf.b_movie, P=mf.P, Q=mf.Q)
U = net.one_hot(rows[:5], X.shape[0])
t_rows, t_cols, t_ratings = observed_triplets(X_train)
N = len(t_ratings)
reg = result["choices"]["matrix_factorization"]["reg"]
_, g_als = net.loss_and_grads(t_rows, t_cols, t_ratings, reg, 5.0, N)  # at the ALS solution
fresh = EmbeddingNet(*X.shape, mf.P.shape[1], mu=mf.mu)
_, g_fresh = fresh.loss_and_grads(t_rows, t_cols, t_ratings, reg, 5.0, N)  # at a random start
norm = lambda g: float(np.sqrt(sum((v ** 2).sum() for v in g.values())))  # noqa: E731

# %%
# NBVAL_CHECK_OUTPUT
same_lookup = np.allclose(U @ mf.P, mf.P[rows[:5]])
same_output = np.allclose(net.forward(rows, cols)[0], mf.predict(rows, cols))
print(f"one-hot times the embedding matrix is the row lookup: {same_lookup}")
print(f"the network with the ALS weights outputs the ALS predictions: {same_output}")
print(f"gradient norm of the network's loss: at the ALS solution {norm(g_als):.0e}, at a random start {norm(g_fresh):.0e}")
checkpoint("at the ALS solution the gradient is over 20 times smaller than at a start", True,
           norm(g_als) < norm(g_fresh) / 20, source="expected", standin=STANDIN)
checkpoint("network and ALS agree on held-out RMSE (within 0.01)", True,
           abs(result["rmse"]["neural"] - result["rmse"]["matrix_factorization"]) < 0.01, source="expected",
           standin=STANDIN)

# %%
curve = result["validation"]["neural"]
fig = Figure(figsize=(7, 3.8))
ax = fig.add_subplot()
ax.plot([int(e) for e in curve], list(curve.values()), "o-", color="C2", label="network, by epoch (Adam)")
ax.axhline(result["validation_rmse"]["matrix_factorization"], color="C0", ls="--", label="ALS, same rank and penalty")
ax.set_xlabel("epoch")
ax.set_ylabel("validation RMSE")
ax.set_title("the network converges to the level ALS reaches")
ax.legend()
ax.grid(alpha=0.3)
fig

# %% [markdown]
# ## 7 · Five splits, and the libraries people use
#
# Everything above rests on one split. Is the network's 0.003 lead over factorisation real, or
# the luck of which ratings were hidden? `python -m cfgmm_lib.evaluation --splits 5` repeats the
# whole protocol (split, validation, choice, refit, one score) on five independent splits: split
# $i$ hides with seed $2i$ and carves its validation split with seed $2i + 1$. It takes about six
# minutes on two cores, so this notebook reads its saved results.
#
# **The interval.** Five per-split scores $s_1, \dots, s_J$ have a mean $\bar s$ and a variance
# $\hat\sigma^2$. If the splits were independent samples, $\bar s \pm t_{0.975, J-1}\,\hat\sigma/\sqrt{J}$
# would hold the true mean 95 % of the time. They are not: any two splits train on nearly the same
# ratings, so their scores move together. If each pair is correlated by $\rho$, then
# $\operatorname{Var}(\bar s) = \frac{\sigma^2}{J}\,(1 + (J-1)\rho)$, and $\hat\sigma^2$ itself
# underestimates $\sigma^2$ by the factor $1 - \rho$. Nadeau and Bengio (2003) take
# $\rho = n_\text{test}/n$, which gives
#
# $$\bar s \;\pm\; t_{0.975,\,J-1}\,\sqrt{\hat\sigma^2\left(\frac{1}{J} + \frac{n_\text{test}}{n_\text{train}}\right)} ,$$
#
# about 1.25 times wider than the naive interval at 10 % hidden and $J = 5$. For two models, apply
# it to the five per-split *differences* (the same splits, so the difference is paired and most of
# the split-to-split variation cancels). **A difference whose interval covers 0 is no difference.**
#
# **The libraries.** `benchmarks/bench_libraries.py` gives exactly these splits to Surprise
# (BaselineOnly, SVD, SVD++, KNNBaseline, CoClustering) and cornac (MF, PMF), each tuned on the
# same validation split and refitted on the same training ratings.

# %%
splits5 = json.loads((RESULTS / "heldout_splits_random.json").read_text())
libraries = json.loads((RESULTS / "libraries_random.json").read_text())
print(format_summary(splits5))
print()
print("the same splits, other libraries (benchmarks/bench_libraries.py):")
for name in sorted(libraries["rmse"], key=lambda m: libraries["rmse"][m]["mean"]):
    s = libraries["rmse"][name]
    print(f"  {name:24s} {s['mean']:.4f} [{s['low']:.4f}, {s['high']:.4f}]   chosen on validation, split 1: "
          f"{json.dumps(libraries['splits'][0][name]['chosen'])}")

# %%
shown = [m for m in splits5["models"] if m not in ("global_mean", "user_mean", "movie_mean")]
rows_shown = [(m, splits5["rmse"][m]) for m in shown] + [(m, s) for m, s in libraries["rmse"].items()]
evfig.intervals_figure(rows_shown, f"mean held-out RMSE over {len(splits5['seeds'])} random splits, "
                                   "with 95 % intervals")

# %% [markdown]
# Each bar is a 95 % interval for one model's mean RMSE; the coloured families match the first
# figure, and the grey rows are the other libraries on the same splits. Most intervals are 0.003
# to 0.006 wide; the course's mixture's is 0.027, since its score moves with the users `init`
# starts on. The splits move all models together, which is why the *paired* differences below
# are much sharper than the overlap of two bars suggests.

# %%
# NBVAL_CHECK_OUTPUT
def difference(a, b, summary=splits5):
    d = summary["differences"][a][b]
    return f"{d['mean']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}]: {verdict(d)}"


print(f"saved run: {len(splits5['seeds'])} splits, seeds {splits5['seeds']}, fraction {splits5['fraction']}, "
      f"{splits5['seconds_total'] / 60:.1f} minutes")
for a, b in (("neural", "matrix_factorization"), ("neural_implicit", "neural"),
             ("bias_aware_partition_mixture", "bias_aware_mixture"), ("course_mixture", "bias_baseline")):
    print(f"RMSE {a} minus {b}: {difference(a, b)}")
d = libraries["ours_minus_best_external"]
print(f"the project's best ({libraries['ours_best']}) minus the best library model ({libraries['best_external']}): "
      f"{d['mean']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}]: {verdict(d)}")
same = all(abs(splits5["splits"][0]["rmse"][m] - result["rmse"][m]) < 1e-4 for m in result["rmse"] if m != "blend")
checkpoint("the saved run's first split is this notebook's split (every model within 1e-4)", True, same,
           source="expected", standin=STANDIN)
checkpoint("network and factorisation: no difference", "no difference",
           verdict(splits5["differences"]["neural"]["matrix_factorization"]), source="expected", standin=STANDIN)
checkpoint("implicit feedback: better than the network", "better",
           verdict(splits5["differences"]["neural_implicit"]["neural"]), source="expected", standin=STANDIN)
baseline_gap = max(abs(a - b) for a, b in zip(splits5["rmse"]["bias_baseline"]["per_split"],
                                              libraries["rmse"]["surprise BaselineOnly"]["per_split"]))
print(f"our bias baseline and Surprise's BaselineOnly differ by at most {baseline_gap:.0e} on a split")
checkpoint("our bias baseline is Surprise's BaselineOnly (to 1e-6 on every split)", True, baseline_gap < 1e-6,
           source="expected", standin=STANDIN)
checkpoint("our best single model against the best library model: at least as good", True,
           libraries["ours_minus_best_external"]["high"] <= 0 or verdict(libraries["ours_minus_best_external"])
           == "no difference", source="expected", standin=STANDIN)

# %% [markdown]
# Read the differences, each a paired interval over the same five splits:
#
# - **The network against the factorisation:** $-0.0004$, with an interval from $-0.0018$ to
#   $+0.0010$. No difference: the same model reaches the same place by two routes (section 6).
# - **Implicit feedback:** $0.0029$ better than the plain network, from $0.0019$ to $0.0039$. A real
#   gain: knowing *which* movies a user rated says something about their taste.
# - **The course's mixture against the bias baseline:** $-0.0019$, from $-0.015$ to $+0.012$. No
#   difference, and a wide interval: the mixture's own RMSE moves from 0.858 to 0.878 between
#   splits, with the users that `init` happens to start on (section 8 removes that).
# - **Against the libraries:** the best of them is Surprise's `SVD` (0.7655, its number of factors
#   chosen on validation, 100 on every split), then cornac's `MF` (0.7666). Our ALS beats Surprise's
#   SVD by 0.0044 (from 0.0036 to 0.0052), the implicit-feedback network by 0.0077, the blend by
#   0.0115. Surprise's `KNNBaseline` (0.8014) and our neighbourhood model (0.8018) are within 0.0004
#   of each other, and Surprise's `BaselineOnly` *is* our bias baseline: they agree to $10^{-6}$ on
#   every split. Surprise's `SVD++` took 24 minutes for one fit here (its update of every rating
#   sums over the 900-odd movies the user rated), so it ran on the first split only: 0.7729 there,
#   where our implicit-feedback network scores 0.7578.

# %% [markdown]
# ## 8 · A start that does not memorise users
#
# Section 2 found every seed of `init` leaving a component on one or two users. `init` puts each
# mean on one user's row; EM then has no reason to move it, since that user's ratings fit it
# perfectly. Starting the means on single users more cleverly (k-means++ picks them far apart)
# does the same: we measured it, and it memorised users at $K = 4$ and $K = 12$ too.
#
# The **partition start** never puts a component on one user. Split the users at random into $K$
# groups of nearly equal size, and take one M-step from those hard assignments: each component
# starts as the average of about $n/K$ users, with their pooled variance and a weight of about
# $1/K$. EM then pulls the groups apart. (`fit_mixture(X, K, init="partition")`; the course's
# `init` stays the default, and every handout number above and in notebooks 01 to 04 uses it.)

# %%
health = {}
for start in ("course", "partition"):
    fitted = fit_mixture(X_train, 12, SEEDS, init=start)
    health[start] = component_health(X_train, fitted.mixture)
    summary = health_summary(health[start])
    print(f"K = 12 on the training ratings, {start:9s} start (best of {len(SEEDS)} seeds): components carried by one "
          f"or two users {summary['carried_by_few']}; fewest effective users in a component "
          f"{min(r['effective_users'] for r in health[start]):.1f}")

# %%
fig = Figure(figsize=(10, 4.2), layout="constrained")
ax = fig.add_subplot()
for k, start in enumerate(("course", "partition")):  # both mixtures: the mixtures' red, the course's start paler
    eff = sorted(r["effective_users"] for r in health[start])
    ax.bar(np.arange(12) + (k - 0.5) * 0.4, eff, width=0.4, label=f"{start} start", alpha=0.45 if k == 0 else 1.0,
           color=evfig.FAMILY_COLORS["mixture"], edgecolor=evfig.FAMILY_COLORS["mixture"])
ax.set_yscale("log")
ax.axhline(3, color="black", linestyle="--", linewidth=1, label="3 users")
ax.set_xticks(range(12), [str(i + 1) for i in range(12)])
ax.set_xlabel("component, fewest users first", fontsize=12)
ax.set_ylabel("effective number of users", fontsize=12)
ax.set_title("K = 12: where each component's weight comes from", fontsize=13)
ax.tick_params(labelsize=12)
ax.legend(fontsize=12, loc="upper left")
fig

# %% [markdown]
# Bars below the dashed line are components that belong to fewer than three users. With the
# course's `init` several components sit there; with the partition start none does, and the
# smallest still gathers dozens of users. On the five splits (section 7) this turns the course's
# mixture from level with the bias baseline into clearly better than it, and it helps the
# bias-aware mixture a little:

# %%
# NBVAL_CHECK_OUTPUT
for a, b in (("partition_mixture", "course_mixture"), ("partition_mixture", "bias_baseline"),
             ("bias_aware_partition_mixture", "bias_aware_mixture")):
    print(f"RMSE {a} minus {b}: {difference(a, b)}")
checkpoint("K = 12, partition start: no component carried by one or two users", 0,
           health_summary(health["partition"])["carried_by_few"], source="expected", standin=STANDIN)
checkpoint("partition start beats the course's start (course mixture, 5 splits)", "better",
           verdict(splits5["differences"]["partition_mixture"]["course_mixture"]), source="expected", standin=STANDIN)

# %% [markdown]
# ## 9 · How sure is each prediction?
#
# A mixture predicts more than a number. Given user $u$'s observed ratings, the posterior
# $p(j \mid u)$ says how likely each type is; under type $j$ a missing rating is Gaussian with mean
# $\mu_{j,i}$ and variance $\sigma_j^2$. So the **predictive distribution** of a missing entry is
# itself a mixture of Gaussians:
#
# $$p(r_{ui} \mid x_{C_u}) = \sum_j p(j \mid u)\, \mathcal N(r_{ui};\ \mu_{j,i},\ \sigma_j^2) ,$$
#
# with mean $\sum_j p(j\mid u)\mu_{j,i}$ (the handout's `fill_matrix` prediction) and variance
# $\sum_j p(j\mid u)(\sigma_j^2 + \mu_{j,i}^2) - (\text{mean})^2$. Its central 90 % interval runs
# between its 5 % and 95 % quantiles (`predictive_interval`, found by bisection on the mixture's
# distribution function). If the model is honest about its uncertainty, 90 % of hidden ratings
# fall inside their 90 % intervals, 50 % inside their 50 % intervals: a **reliability** check.
#
# The factorisation models could give the same: with the movie vectors fixed, each user's vector
# is a ridge regression, whose Gaussian posterior gives every prediction a variance
# $\sigma^2(1 + q_i^\top A_u^{-1} q_i)$; Bayesian factorisation (Salakhutdinov and Mnih, 2008)
# samples all of it. Ours do not: ALS and the network return one number per entry.

# %%
levels = np.linspace(0.1, 0.9, 9)
calibrated = {name: np.array(list(coverage(models[name], rows, cols, ratings, levels).values()))
              for name in ("bias_aware_partition_mixture", "course_mixture")}
evfig.reliability_figure(levels, calibrated)

# %% [markdown]
# Both mixtures lie close to the diagonal: their intervals hold about the share of hidden ratings
# they claim, at every level. (They are slightly too wide at low levels: a predictive Gaussian
# spreads over in-between values, while true ratings are whole stars.) Now one user, the one with
# the most hidden ratings, seen through the bias-aware mixture with the partition start:

# %%
name = "bias_aware_partition_mixture"
user = np.bincount(rows).argmax()
mine = np.flatnonzero(rows == user)[:20]
dist = predictive(models[name], rows[mine], cols[mine])
lo50, hi50 = predictive_interval(models[name], rows[mine], cols[mine], 0.5)
lo90, hi90 = predictive_interval(models[name], rows[mine], cols[mine], 0.9)
order = np.argsort(dist.mean)
evfig.user_figure(dist.mean[order], lo50[order], hi50[order], lo90[order], hi90[order], ratings[mine][order],
                  f"user {user}: {len(mine)} of the hidden ratings, with the mixture's intervals")

# %% [markdown]
# The intervals are wide: about a star for 50 %, two and a half stars for 90 % (the cell below
# measures them). That is the truth of this data: knowing a user's type and a movie still leaves
# a spread of about a star either way, and the intervals say so, where a single predicted number
# would not.

# %%
# NBVAL_CHECK_OUTPUT
cov = coverage(models[name], rows, cols, ratings)
print(f"{name}, this split: {cov[0.5]:.1%} of the hidden ratings inside their 50 % intervals, "
      f"{cov[0.9]:.1%} inside their 90 % intervals")
width50, width90 = float(np.mean(hi50 - lo50)), float(np.mean(hi90 - lo90))
print(f"user {user}'s intervals: 50 % ones {width50:.2f} stars wide on average, 90 % ones {width90:.2f}")
checkpoint("50 % intervals about a star wide (0.75 to 1.25)", True, 0.75 <= width50 <= 1.25, source="expected",
           standin=STANDIN)
checkpoint("90 % intervals about two and a half stars wide (2 to 3)", True, 2.0 <= width90 <= 3.0,
           source="expected", standin=STANDIN)
for m, c in splits5["coverage"].items():
    print(f"  {m:30s} over {len(splits5['seeds'])} splits: 90 % intervals hold {c['0.9']['mean']:.1%} "
          f"[{c['0.9']['low']:.1%}, {c['0.9']['high']:.1%}]")
checkpoint("90 % intervals hold between 85 % and 95 % of hidden ratings", True, 0.85 <= cov[0.9] <= 0.95,
           source="target", standin=STANDIN)

# %% [markdown]
# ## 10 · When the test is not a random sample
#
# Hidden ratings chosen uniformly at random look like the observed ones. The matrix's real gaps do
# not: across users the number of missing ratings has a standard deviation of about 200, against
# about 15 if the same number of gaps fell at random. The gaps belong to users who rate little and
# to movies few people rated, and that is where a recommender has to predict.
#
# The **gap-shaped split** (`holdout_split(X, how="gaps")`) hides rating $(u, i)$ with weight
# $(\text{share of } u\text{'s row missing}) \times (\text{share of movie } i\text{'s column missing})$
# (each with one pseudo-gap, so no weight is 0), drawn without replacement. Here 70 % of the
# hidden ratings then belong to users below the median activity, against 41 % under the random
# split. The validation split is carved out the same way, so every choice is made on the same
# kind of test. The saved run: `python -m cfgmm_lib.evaluation --splits 5 --how gaps`.

# %%
# NBVAL_CHECK_OUTPUT
activity = (X != 0).sum(axis=1)
light = activity < np.median(activity)
shares = {how: float(np.mean(light[holdout_split(X, FRACTION, SPLIT_SEED, how=how)[1]])) for how in ("random", "gaps")}
p_missing = float((X == 0).mean())
print(f"missing ratings per user: standard deviation {(X == 0).sum(axis=1).std():.0f}, against "
      f"{np.sqrt(X.shape[1] * p_missing * (1 - p_missing)):.1f} if as many gaps fell uniformly at random")
for how, share in shares.items():
    print(f"{how:6s} split: {share:.0%} of the hidden ratings belong to users below the median activity")
checkpoint("gap-shaped split: share of hidden ratings from light users", 0.70, shares["gaps"], decimals=2,
           source="expected", standin=STANDIN)
checkpoint("random split: share of hidden ratings from light users", 0.41, shares["random"], decimals=2,
           source="expected", standin=STANDIN)

# %%
gaps5 = json.loads((RESULTS / "heldout_splits_gaps.json").read_text())
compared = [m for m in splits5["models"] if m in gaps5["rmse"]]
rank_random = {m: i + 1 for i, m in enumerate(compared)}
rank_gaps = {m: i + 1 for i, m in enumerate(sorted(compared, key=lambda m: gaps5["rmse"][m]["mean"]))}
print(f"{'model':30s} {'random':>8s} {'gaps':>8s}  rank random -> gaps")
for m in compared:
    print(f"{m:30s} {splits5['rmse'][m]['mean']:8.4f} {gaps5['rmse'][m]['mean']:8.4f}  "
          f"{rank_random[m]:2d} -> {rank_gaps[m]:2d}{'   moved' if rank_random[m] != rank_gaps[m] else ''}")

# %%
evfig.ranking_figure({m: splits5["rmse"][m]["mean"] for m in compared}, {m: gaps5["rmse"][m]["mean"] for m in compared},
                     [m for m in compared if m not in ("global_mean",)])

# %% [markdown]
# Every model is worse on the gap-shaped test, by 0.010 to 0.021: light users give each model
# less to go on. But **no model changes its rank**: the order of the means is the same on both
# tests. The distances change. The course's mixture loses the most (0.021), and on this test its
# small lead over the bias baseline is gone (a difference of $-0.0003$, from $-0.003$ to $+0.002$);
# started from a partition, the mixture loses the least of all (0.010). The implicit-feedback
# network's lead over the plain network doubles, to 0.0057 (from 0.0012 to 0.0102): for a user who
# rated little, *which* movies they rated is a larger share of what is known about them.

# %%
# NBVAL_CHECK_OUTPUT
for a, b in (("course_mixture", "bias_baseline"), ("neural_implicit", "neural")):
    print(f"gap-shaped splits, RMSE {a} minus {b}: {difference(a, b, gaps5)}")
checkpoint("no model changes its rank on the gap-shaped test", True, rank_random == rank_gaps, source="expected",
           standin=STANDIN)
checkpoint("on the gap-shaped test, the course's mixture and the bias baseline: no difference", "no difference",
           verdict(gaps5["differences"]["course_mixture"]["bias_baseline"]), source="expected", standin=STANDIN)
worse = {m: gaps5["rmse"][m]["mean"] - splits5["rmse"][m]["mean"] for m in compared}
checkpoint("every model is worse on the gap-shaped test, by 0.010 to 0.021", True,
           0.0095 <= min(worse.values()) and max(worse.values()) <= 0.0215, source="expected", standin=STANDIN)

# %% [markdown]
# ## 11 · The Netflix Prize's lesson: blending
#
# The Netflix Prize (2006 to 2009) offered a million dollars for a 10 % better RMSE than Netflix's
# own system. It was won by BellKor's Pragmatic Chaos, a merger of three teams, and their winning
# submission was not one model: it blended the predictions of hundreds of them (factorisations,
# neighbourhood models, restricted Boltzmann machines), with weights fitted on a held-out "probe"
# set. Models that are each good make different errors, and a weighted sum cancels part of them.
#
# Our blend is the simplest one they used. Every model's chosen setting, fitted without the
# validation ratings, predicts them; least squares (with an intercept and a tiny ridge penalty)
# finds the weights $w$ that best combine those predictions; then the same weights combine the
# refitted models' predictions of the hidden ratings. The hidden ratings are used only by the score.

# %%
blend = result["choices"]["blend"]
evfig.weights_figure(blend["weights"], blend["intercept"])

# %% [markdown]
# Most of the weight goes to the factorisation and the networks; the averages and the bias
# baseline get small negative weights, with which the blend corrects the others' common offsets.
# The weights sum to about 1 (with a small intercept): the blend is a weighted average of
# models that agree on most ratings, tilted towards where they differ.
#
# Over the five splits, with every model (the implicit-feedback network included, as
# `python -m cfgmm_lib.evaluation` fits them), the blend is better than the best single model by
# 0.0037, with an interval from 0.0027 to 0.0048: a real gain, but short of the 0.005 we hoped
# for. The neighbourhood model was added for the blend's sake (its errors differ from a
# factorisation's) and took a weight of only about 0.05. The Prize's blends gained more because
# their hundreds of models were more different from each other (restricted Boltzmann machines,
# time effects, the dates of the ratings); ours are mostly variations of one factorisation.

# %%
# NBVAL_CHECK_OUTPUT
gain = splits5["differences"]["blend"][splits5["best"]]
print(f"this split: blend {result['rmse']['blend']:.4f}, best single model {min(v for m, v in result['rmse'].items() if m != 'blend'):.4f}")
print(f"{len(splits5['seeds'])} splits: blend minus {splits5['best']}: {difference('blend', splits5['best'])}")
d = libraries.get("blend_minus_best_external")
print(f"blend minus the best library model: {d['mean']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}]: {verdict(d)}")
checkpoint("the blend is better than the best single model (interval excludes 0)", "better", verdict(gain),
           source="expected", standin=STANDIN)
total = sum(blend["weights"].values())
print(f"this split's blend: weights sum to {total:.2f}, intercept {blend['intercept']:+.2f} stars, "
      f"item neighbours' weight {blend['weights']['item_neighbours']:.2f}")
checkpoint("the weights sum to about 1 (within 0.1)", True, abs(total - 1) <= 0.1, source="expected", standin=STANDIN)
checkpoint("the blend's gain is 0.005 or more (the target we set; see the text)", False, -gain["mean"] >= 0.005,
           source="expected", standin=STANDIN)

# %% [markdown]
# ## 12 · What to take away
#
# - **Measure on held-out ratings.** The handout's 0.48 mixes copied ratings with a doubtful
#   "complete" file. On hidden real ratings the course's mixture scores 0.878: better than any
#   single average (each user's average included, the reverse of notebook 04's "complete"-file
#   comparison), and level with two biases (worse on test, better on validation, as one `init`
#   decides).
# - **Look inside the model.** Seven of the handout's twelve components memorise one or two users each,
#   and leave zeros that become 0-star predictions. A high likelihood is not a good model.
# - **Model the obvious first.** Removing user and movie biases turns the mixture from level with
#   the baseline into clearly better than it (0.815 against 0.873).
# - **Choose K with something other than the training likelihood.** BIC and the validation
#   likelihood both pick $K = 4$ here, not the handout's 12.
# - **Factorisation wins** (about 0.76): every user gets a personal position in a taste space
#   instead of a choice among a few types. The network is the same model; it is trained
#   differently, and reaches the same place.
#
# - **One split is one number.** Over five splits, with intervals corrected for the ratings the
#   splits share, and paired differences, some gaps of 0.003 are real and others are not
#   (section 7). The best single model here is at least as good as the libraries practitioners
#   use, on the same splits.
# - **Start EM where it cannot memorise.** The partition start (section 8) leaves no component on
#   one user and makes the course's mixture clearly better than the bias baseline.
# - **A mixture knows how sure it is.** Its 90 % predictive intervals hold about 90 % of hidden
#   ratings (section 9).
# - **Test where the gaps are.** A test shaped like the real gaps is harder for every model
#   (section 10).
# - **Blend.** A least-squares blend of all the models beats the best of them (section 11), as it
#   did in the Netflix Prize.
#
# What this notebook does not do: tune the mixture's variance floor, or use full covariances.
#
# **To discuss**
# 1. The hidden ratings of sections 1 to 9 were chosen at random among the *observed* ones. Real
#    missing ratings are not random (people rate what they chose to watch). Section 10 hides
#    ratings where the gaps are; what else could a test imitate (time, popularity, a new user)?
# 2. Why does a component sitting on one user's ratings raise the training likelihood so much,
#    and why does the validation likelihood not reward it?
# 3. The factorisation gives every user a position in a continuous taste space; the mixture a
#    choice among K types. When would you still prefer the mixture?
