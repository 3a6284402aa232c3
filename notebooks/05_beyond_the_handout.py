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
import numpy as np
from matplotlib.figure import Figure

from cfgmm_lib import bic, em, init
from cfgmm_lib.checkpoints import checkpoint, data_banner
from cfgmm_lib.data import load_or_standin
from cfgmm_lib.diagnostics import component_health, format_health, health_summary
from cfgmm_lib.evaluation import evaluate, fit_mixture, format_table, heldout_log_likelihood, holdout_split
from cfgmm_lib.factorization import EmbeddingNet, observed_triplets

X, STANDIN = load_or_standin("netflix_incomplete", warn=False)  # the banner below says so
data_banner(STANDIN, ["netflix_incomplete"])

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
# residuals of the bias baseline; **matrix factorisation**; and the **network**. This is what
# `python -m cfgmm_lib.evaluation --fraction 0.1 --seed 0` prints. (About a minute.)

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
READABLE = {"global_mean": "global mean", "user_mean": "each user's mean", "movie_mean": "each movie's mean",
            "bias_baseline": "bias baseline (mean + user + movie)", "course_mixture": "the course's mixture",
            "bias_aware_mixture": "mixture on bias residuals", "matrix_factorization": "matrix factorisation (ALS)",
            "neural": "network", "neural_implicit": "network + implicit feedback"}
fig = Figure(figsize=(10, 5.5), layout="constrained")
ax = fig.add_subplot()
colors = ["C3" if "mixture" in n else ("C2" if n in ("matrix_factorization", "neural", "neural_implicit") else "C0")
          for n in names]
ax.barh([READABLE.get(n, n.replace("_", " ")) for n in names], [result["rmse"][n] for n in names], color=colors)
for i, n in enumerate(names):
    ax.text(result["rmse"][n] + 0.01, i, f"{result['rmse'][n]:.3f}", va="center", fontsize=12)
ax.set_xlim(0, 1.2)  # from 0: the bars' lengths compare the errors
ax.tick_params(labelsize=12)
ax.set_xlabel(f"RMSE on {len(ratings):,} hidden ratings (lower is better)", fontsize=12)
ax.set_ylabel("model")
ax.set_title("held-out RMSE: averages (blue), mixtures (red), factorisation and networks (green)", fontsize=13)
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
# ## 7 · What to take away
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
# What this notebook does not do: tune the mixture's variance floor, use full covariances, or
# compare across several random splits. Those would sharpen the numbers; we expect, but have not
# shown, that they would not change the order.
#
# **To discuss**
# 1. The hidden ratings were chosen at random among the *observed* ones. Real missing ratings are
#    not random (people rate what they chose to watch). How could that change the table?
# 2. Why does a component sitting on one user's ratings raise the training likelihood so much,
#    and why does the validation likelihood not reward it?
# 3. The factorisation gives every user a position in a continuous taste space; the mixture a
#    choice among K types. When would you still prefer the mixture?
