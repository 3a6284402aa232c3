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
# 02 · EM for a Gaussian mixture, and K-means beside it. Parameters: change them and run all cells.
DATA = "toy_data"        # the course's 2-D points (a stand-in is used when it is not installed)
K_VALUES = [1, 2, 3, 4]  # the handout's question: K = 1..4
SEEDS = range(5)         # ... best of seeds 0-4 for each K
SLIDER_K_MAX = 6         # the sliders go from K = 1 to this
STEP_K, STEP_SEED = 3, 0  # the EM run the step slider starts on

# %% [markdown]
# # 02 · EM: soft clusters
#
# K-means gives every point to exactly one group. A **Gaussian mixture** instead says each point
# was drawn from one of $K$ Gaussians, but we do not know which: component $j$ is picked with
# probability $p_j$, then the point is drawn from $N(\mu^{(j)}, \sigma_j^2 I)$. The likelihood of
# the data is
#
# $$\ell(\theta) = \sum_{u=1}^{n} \log \sum_{j=1}^{K} p_j \, N\!\left(x^{(u)};\ \mu^{(j)}, \sigma_j^2 I\right),
# \qquad N(x; \mu, \sigma^2 I) = \frac{1}{(2\pi\sigma^2)^{d/2}} \exp\!\left(-\frac{\lVert x-\mu\rVert^2}{2\sigma^2}\right).$$
#
# EM climbs this likelihood by alternating two steps. It starts where K-means did, from
# `init(X, K, seed)`.
#
# **After this notebook you will be able to**
# - write EM's E-step in the log domain, and say where floating point would fail without it;
# - write the M-step and the handout's stopping rule, and run the handout's two checks;
# - answer the handout's graded question on K-means and EM, each sentence from a measured fact.

# %%
# %matplotlib inline
import numpy as np
from matplotlib.figure import Figure

from scipy.special import logsumexp

from cfgmm_lib import em, init, kmeans, naive_em, plot
from cfgmm_lib.checkpoints import checkpoint, data_banner
from cfgmm_lib.compare import agreement, match_components, reorder
from cfgmm_lib.data import load_or_standin
from cfgmm_lib.plotting import matched_colors
from cfgmm_lib.reference import naive_estep_loop
from cfgmm_lib.sweep import sweep
from cfgmm_lib.widgets import FitCache, compare_explorer, em_steps_explorer

X, STANDIN = load_or_standin(DATA, warn=False)  # the banner below says so
data_banner(STANDIN, [DATA])
n, d = X.shape

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The E-step: who owns each point?
#
# Given the current mixture, the posterior probability that point $u$ came from component $j$ is
#
# $$\text{post}_{uj} = p(j \mid u) = \frac{p_j\, N(x^{(u)}; \mu^{(j)}, \sigma_j^2 I)}{\sum_{k} p_k\, N(x^{(u)}; \mu^{(k)}, \sigma_k^2 I)} .$$
#
# ### Why logarithms: the log-sum-exp trick
#
# Write $f_{uj} = \log p_j + \log N(x^{(u)}; \mu^{(j)}, \sigma_j^2 I)$. Then
# $\text{post}_{uj} = e^{f_{uj}} / \sum_k e^{f_{uk}}$ and point $u$ adds $\log \sum_k e^{f_{uk}}$ to $\ell$.
# Computing $e^{f_{uk}}$ directly fails when every $f_{uk}$ is very negative: float64 holds nothing
# smaller than about $4.9\times10^{-324} \approx e^{-744.4}$, so `exp(-746)` is exactly 0, the sum is
# 0, and we get $0/0$ and $\log 0$. Take out the largest term, $m_u = \max_k f_{uk}$:
#
# $$\log \sum_k e^{f_{uk}} = m_u + \log \sum_k e^{f_{uk} - m_u}, \qquad
#   \text{post}_{uj} = \exp\Big(f_{uj} - m_u - \log \sum_k e^{f_{uk} - m_u}\Big).$$
#
# Every shifted exponent is $\le 0$ and one of them is exactly 0, so the sum lies between 1 and
# $K$: it can neither underflow nor overflow. `scipy.special.logsumexp` does exactly this.
#
# Does it matter here? The next cell measures it: on the toy data ($d = 2$) the worst $f_{uj}$ is
# about $-11$, nowhere near $-745$, and the direct formula would work. On Netflix a user has
# hundreds of ratings, each adding a term to $f$, and a user's whole log-likelihood,
# $\log \sum_k e^{f_{uk}}$ (which is at least the best component's $f_{uj}$ and at most $\log 12$
# above it), is around $-1{,}200$: without the shift, nine users in ten would get $0/0$
# posteriors. The cell takes each user's log-likelihood from `em.estep` on that user's row alone
# (notebook 04 writes this E-step; the library's is used here so as not to give it away).

# %% slideshow={"slide_type": "-"}
# NBVAL_CHECK_OUTPUT
f_toy = naive_em.log_joint(X, init(X, K=3, seed=0)[0])
print(f"toy data, K = 3: f ranges from {f_toy.min():.1f} to {f_toy.max():.1f}")
print("exp(-745) =", np.exp(-745.0), "  exp(-746) =", np.exp(-746.0))
f = np.array([-1000.0, -1001.0, -1003.0])
with np.errstate(divide="ignore"):
    print(f"log(sum(exp(f))) directly: {np.log(np.exp(f).sum())};  with the shift: {logsumexp(f):.4f}")
X_netflix, netflix_standin = load_or_standin("netflix_incomplete")
netflix_mixture = em.run(X_netflix, *init(X_netflix, 12, seed=1))[0]
ll_user = np.array([em.estep(X_netflix[u:u + 1], netflix_mixture)[1] for u in range(len(X_netflix))])
if not netflix_standin:
    print(f"Netflix, K = 12: each user's log-likelihood has median {np.median(ll_user):,.0f}; "
          f"exp of it underflows to 0 for {np.mean(np.exp(ll_user) == 0):.0%} of the users")

# %% [markdown]
# First the slow way, one point and one component at a time (`cfgmm_lib.reference`), then the
# library's vectorised `naive_em.estep`:

# %%
mixture, post = init(X, K=3, seed=0)
post_loop, ll_loop = naive_estep_loop(X, mixture)
post_fast, ll_fast = naive_em.estep(X, mixture)
print("largest difference in post:", float(np.abs(post_loop - post_fast).max()))
print(f"log-likelihood: loop {ll_loop:.10f}, vectorised {ll_fast:.10f}")

# %% [markdown]
# **Checkpoint.** The handout's log-likelihood after the first E-step from `init(X, 3, seed=0)`:

# %%
# NBVAL_CHECK_OUTPUT
assert np.allclose(post_loop, post_fast, rtol=1e-9, atol=1e-12) and np.isclose(ll_loop, ll_fast, rtol=1e-12)
print("the loop and naive_em.estep agree")
checkpoint("first E-step log-likelihood, K = 3, seed 0", "-1388.0818", ll_fast, standin=STANDIN)

# %% [markdown]
# ## The M-step: refit each component to the points it owns
#
# With the soft counts $\hat n_j = \sum_u \text{post}_{uj}$, every parameter becomes a weighted
# average:
#
# $$p_j = \frac{\hat n_j}{n}, \qquad
#   \mu^{(j)} = \frac{1}{\hat n_j}\sum_u \text{post}_{uj}\, x^{(u)}, \qquad
#   \sigma_j^2 = \frac{1}{d\,\hat n_j}\sum_u \text{post}_{uj}\,\lVert x^{(u)} - \mu^{(j)}\rVert^2 .$$
#
# These are K-means' updates with the hard 0/1 assignment replaced by probabilities.
#
# > **Common mistake: the variance with the old means.** $\sigma_j^2$ is the spread around the
# > *new* $\mu^{(j)}$, so compute the means first. The spread around the old means is larger, and
# > the run goes elsewhere.
#
# `naive_em.run` alternates E and M until the log-likelihood improves by no more than
# $10^{-6}\,|\ell|$: stop when $\ell_{\text{new}} - \ell_{\text{old}} \le 10^{-6}\,|\ell_{\text{new}}|$. It returns
# the last mixture, and the posteriors and $\ell$ of the last E-step.
#
# > **A slip in the handout.** Its convergence criterion is printed as
# > $\ell_{\text{new}} - \ell_{\text{old}} \le 10^{6}\,|\ell_{\text{new}}|$. With $10^{+6}$ every run would stop
# > after its second iteration; the exponent is $-6$, as in the course's own code.

# %%
mixture, post, ll = naive_em.run(X, *init(X, K=3, seed=0))
em_k3_seed0 = mixture  # the K = 3 comparison below keeps this figure's colours for the same knots
print(f"K = 3, seed 0: log-likelihood {ll:.4f}, weights {mixture.p.round(3)}")
plot(X, mixture, post, f"EM, K = 3, seed 0: log-likelihood {ll:.2f}")

# %% [markdown]
# Now the pies have several colours: points between two components belong partly to both.
#
# ## The handout's two checks
#
# **(1)** The shapes: `post` is $n \times K$ with rows summing to 1, `mu` is $K \times d$, `var` and
# `p` have $K$ entries and `p` sums to 1. **(2)** The log-likelihood never decreases from one
# iteration to the next. `naive_em.trace` records every half-step of the run above:

# %%
# NBVAL_CHECK_OUTPUT
steps = naive_em.trace(X, init(X, K=3, seed=0)[0])
for s in steps[1:]:
    m = s["mixture"]
    assert s["post"].shape == (n, 3) and np.allclose(s["post"].sum(axis=1), 1)
    assert m.mu.shape == (3, d) and m.var.shape == m.p.shape == (3,) and np.isclose(m.p.sum(), 1)
lls = np.array([s["ll"] for s in steps if s["step"] == "E"])
print(f"check 1: every shape right in all {len(lls)} iterations")
print(f"check 2: the log-likelihood never decreases: {bool(np.all(np.diff(lls) >= 0))}")
assert np.all(np.diff(lls) >= 0)

# %% slideshow={"slide_type": "slide"}
fig = Figure(figsize=(7, 3.6))
ax = fig.add_subplot()
ax.plot(np.arange(1, len(lls) + 1), lls, "o-", color="C0", markersize=4)
ax.set_xlabel("EM iteration")
ax.set_ylabel("log-likelihood of the E-step")
ax.set_title(f"toy data, K = 3, seed 0: {len(lls)} iterations, never decreasing")
ax.grid(alpha=0.3)
fig.tight_layout()
fig

# %% [markdown] slideshow={"slide_type": "-"}
# The first few iterations do almost all the work; the rest creep up until the gain is below
# $10^{-6}\,|\ell| \approx 0.001$.

# %% [markdown]
# ## The handout's question: best log-likelihood per K
#
# EM, like K-means, finds a local optimum that depends on the start; for each $K$ we keep the
# seed with the **highest** log-likelihood, over seeds 0-4. The handout prints these four
# log-likelihoods, to eight decimals (NumPy drops the trailing 0 of $K = 4$'s); it does not print
# which seed reached them: the best seeds below are reference values, reproduced from the course
# data by an independent straightforward implementation.

# %%
em_sweep = sweep(X, K_VALUES, SEEDS, method="naive_em")
kmeans_sweep = sweep(X, K_VALUES, SEEDS, method="kmeans")
em_sweep

# %%
# NBVAL_CHECK_OUTPUT
HANDOUT_LL = {1: "-1307.22343176", 2: "-1175.71462937", 3: "-1138.89089969", 4: "-1138.6011757"}
REFERENCE_SEED = {1: 0, 2: 2, 3: 0, 4: 4}
for K in [K for K in HANDOUT_LL if K in K_VALUES]:
    best = em_sweep.best(K)
    checkpoint(f"EM max log-likelihood, K = {K}", HANDOUT_LL[K], best.score, standin=STANDIN)
    checkpoint("  its seed", REFERENCE_SEED[K], best.seed, source="reference", standin=STANDIN)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## K-means and EM side by side
#
# The handout asks us to compare the two solutions for $K = 1, \dots, 4$ and to ask when, how
# and why they differ. Top row K-means (best of five seeds by cost), bottom row EM (best of five
# by likelihood). EM's components are renumbered to match K-means' (the pairing that agrees on
# most points), so **the same colour is the matched component** in both columns; at $K = 3$ the
# colours are those of the EM figure above, knot for knot. Each point is a
# dot in the colour of its most probable component; its size shows how sure the mixture is
# (full size: certain; small: shared between components). K-means is always certain.

# %% slideshow={"slide_type": "-"}
grid = Figure(figsize=(13, 5.3 * len(K_VALUES)), layout="constrained")
axes = grid.subplots(len(K_VALUES), 2, squeeze=False)
for i, K in enumerate(K_VALUES):
    km, em_ = kmeans_sweep.best(K), em_sweep.best(K)
    em_mixture, em_post = reorder(em_.mixture, em_.post, match_components(km.post, em_.post))
    colors = matched_colors(em_k3_seed0, km.mixture) if K == 3 else None
    plot(X, km.mixture, km.post, f"K-means, K = {K} (seed {km.seed})", ax=axes[i, 0], points="certainty",
         colors=colors)
    plot(X, em_mixture, em_post, f"EM, K = {K} (seed {em_.seed})", ax=axes[i, 1], points="certainty", colors=colors)
grid

# %% [markdown] slideshow={"slide_type": "slide"}
# ### The graded question
#
# The handout asks, word for word:
#
# > Which of the following sentences are true? (Check all that apply)
# > 1. In the case K=1, the mixture parameters and point assignments are the same for both methods
# > 2. In the case K=2, both methods have similar parameters and point assignments
# > 3. In the case K=3, the k-means solution accounts for point density better than EM
# > 4. In the case K=4, the k-means solution equally spaces the clusters to minimize distortion cost
#
# Each sentence is decided below from a fact measured on the fits above, printed beside the
# verdict, with the rule that turns the fact into true or false. An instructor who reads a fact
# differently can change the rule and see what follows.
#
# - **Sentence 1** compares the two $K = 1$ mixtures: same mean, variance and weight, and every
#   point assigned to the one component.
# - **Sentence 2** compares the $K = 2$ fits: the share of points in matched groups and the
#   largest distance between matched means.
# - **Sentence 3** asks which mixture describes where the points are dense. A mixture *is* a
#   density, so we score both $K = 3$ mixtures as densities of the points: the log-likelihood of
#   the data under K-means' mixture (its means, variances and weights) and under EM's. We also
#   print how many points per unit area lie within one standard deviation of each centre: EM puts
#   a narrow component on the dense knot at the top left; K-means' widths follow its partition.
# - **Sentence 4** asks whether K-means spaces its $K = 4$ centres evenly: the distance from each
#   centre to its nearest other centre, for both methods.

# %% slideshow={"slide_type": "-"}
# NBVAL_CHECK_OUTPUT
def nearest_centre(mixture):
    gaps = np.linalg.norm(mixture.mu[:, None] - mixture.mu[None], axis=-1)
    np.fill_diagonal(gaps, np.inf)
    return gaps.min(axis=1)


def density_near_centres(mixture):
    sd = np.sqrt(mixture.var)
    inside = np.linalg.norm(X[:, None] - mixture.mu[None], axis=-1) <= sd
    return inside.sum(axis=0) / (np.pi * sd**2)


verdicts = {}
if 1 in K_VALUES:
    a, b = kmeans_sweep.best(1), em_sweep.best(1)
    gap = max(float(np.abs(a.mixture.mu - b.mixture.mu).max()), float(np.abs(a.mixture.var - b.mixture.var).max()))
    print(f"1. K = 1: largest difference between the two mixtures' parameters {gap:.1e}; "
          f"same assignments: {agreement(a.post, b.post):.0%} of points")
    verdicts[1] = gap < 1e-9
if 2 in K_VALUES:
    a, b = kmeans_sweep.best(2), em_sweep.best(2)
    gap = float(np.abs(a.mixture.mu - b.mixture.mu[match_components(a.post, b.post)]).max())
    print(f"2. K = 2: points in matched groups {agreement(a.post, b.post):.1%}; largest gap between matched means "
          f"{gap:.2f} (the points span {float(np.ptp(X[:, 0])):.1f} units across)")
    verdicts[2] = agreement(a.post, b.post) >= 0.95 and gap < 0.5
if 3 in K_VALUES:
    a, b = kmeans_sweep.best(3), em_sweep.best(3)
    ll_km, ll_em = naive_em.estep(X, a.mixture)[1], naive_em.estep(X, b.mixture)[1]
    em_matched = reorder(b.mixture, b.post, match_components(a.post, b.post))[0]  # EM's components in K-means' order
    print(f"3. K = 3: log-likelihood of the points under K-means' mixture {ll_km:.2f}, under EM's {ll_em:.2f}")
    print(f"   points per unit area within one stdv of each centre (matched components, in K-means' order): "
          f"K-means {density_near_centres(a.mixture).round(1)}, EM {density_near_centres(em_matched).round(1)}")
    verdicts[3] = ll_km > ll_em
if 4 in K_VALUES:
    a, b = kmeans_sweep.best(4), em_sweep.best(4)
    em_matched = reorder(b.mixture, b.post, match_components(a.post, b.post))[0]
    gaps_km, gaps_em = nearest_centre(a.mixture), nearest_centre(em_matched)
    print(f"4. K = 4: distance from each centre to the nearest other (matched components): K-means {gaps_km.round(2)} "
          f"(largest / smallest {gaps_km.max() / gaps_km.min():.2f}), EM {gaps_em.round(2)} "
          f"(largest / smallest {gaps_em.max() / gaps_em.min():.2f})")
    verdicts[4] = gaps_km.max() / gaps_km.min() < 1.25
RULES = {1: "the same parameters (to 1e-9) and assignments", 2: "at least 95 % of points in matched groups and "
         "matched means within 0.5", 3: "K-means' mixture gives the points a higher likelihood than EM's",
         4: "K-means' nearest-centre distances within 25 % of each other"}
EXPECTED = {1: True, 2: True, 3: False, 4: True}  # the verdicts the facts above support
for k, ours in verdicts.items():
    checkpoint(f"sentence {k} true? ({RULES[k]})", EXPECTED[k], ours, source="expected", standin=STANDIN)

# %% [markdown] slideshow={"slide_type": "slide"}
# So sentences 1, 2 and 4 are true and 3 is false:
#
# 1. With one component there is nothing to assign: both methods put the mean at the average
#    point and the variance at the mean squared distance to it.
# 2. The two groups are far apart; the hard groups coincide and the means nearly do. EM only
#    hedges on the few points in the gap (the small dots).
# 3. EM's mixture explains the points about 20 log-units better: it stacks a narrow component
#    (stdv about 0.6) on the dense knot at the top left, inside a wide one. K-means cannot: its
#    assignment ignores the variances and the weights, so it accounts for density *worse*.
# 4. K-means' four centres sit 3.6-4.1 apart from their nearest neighbours: minimising the
#    distortion spreads them out evenly over the points, like a quantiser. EM's sit 0.9-7.8 apart,
#    three of them piled on the left cloud where the points are.

# %% [markdown]
# **Why they differ.** K-means is EM's M-step fed with 0/1 assignments, and its assignment
# ignores the variances and the weights: a point goes to the nearest mean even when a wide,
# heavy component explains it better. EM weighs each component by its spread and its weight,
# so a tight component can sit inside a broad one, and points can be shared.

# %% [markdown]
# ## Explore: K-means and EM from the same start
#
# Both panels start from the same `init(X, K, seed)`. Move K and seed and watch where they part.

# %% tags=["nbval-ignore-output"]
cache = FitCache(X)
compare_explorer(X, K_max=SLIDER_K_MAX, seeds=SEEDS, cache=cache)

# %% [markdown]
# ## Explore: EM one half-step at a time
#
# The **EM step** slider replays the chosen run: step 0 is the start, then each E-step recolours
# the pies (new posteriors) and each M-step moves the circles (new means, variances and
# weights). The red (E) or blue (M) dot on the right marks the log-likelihood of the latest
# E-step; it never goes down. The whole run is computed once; the slider only looks it up.

# %% tags=["nbval-ignore-output"]
em_steps_explorer(X, K_max=SLIDER_K_MAX, seeds=SEEDS, K=STEP_K, seed=STEP_SEED, cache=cache)

# %% [markdown]
# ## Write it yourself
#
# The handout asks you to write `estep`, `mstep` and `run` in `naive_em.py`. Each function's cell
# below is followed by a check cell: `check.naive_estep(estep)` runs the function on the
# handout's cases and on adversarial ones, compares it with the library and prints the verdict
# (and, for a known mistake, its name). In the series notebook `02_em` the cells hold short,
# vectorised answers; in its exercise version, `exercises/02_em_exercise.ipynb` (made by `make
# exercises`), they hold only the signatures and docstrings, for you to fill in. `python -m
# cfgmm_lib.check PATH` checks your whole course folder (see the README).

# %%
import numpy as np
from scipy.special import logsumexp

from cfgmm_lib import GaussianMixture, check

# %% tags=["solution"]
def estep(X, mixture):
    """E-step: posterior probabilities of the components, and the log-likelihood.

    Args:
        X: (n, d) array holding the data
        mixture: the current mixture: mu (K, d), var (K,), p (K,)

    Returns:
        post: (n, K) array, post[u, j] = P(component j | x_u)
        ll: float, sum_u log sum_j p[j] N(x_u; mu[j], var[j] I)
    """
    d = X.shape[1]
    mu, var, p = mixture
    sq = ((X[:, None, :] - mu[None, :, :]) ** 2).sum(axis=2)                # (n, K)
    f = np.log(p) - d / 2 * np.log(2 * np.pi * var) - sq / (2 * var)  # log p_j N(x_u), (n, K)
    total = logsumexp(f, axis=1, keepdims=True)                         # (n, 1)
    return np.exp(f - total), float(total.sum())


# %%
# NBVAL_CHECK_OUTPUT
check.naive_estep(estep)

# %% tags=["solution"]
def mstep(X, post):
    """M-step: the mixture that maximises the expected log-likelihood.

    Args:
        X: (n, d) array holding the data
        post: (n, K) array holding the posterior probabilities

    Returns:
        GaussianMixture: mu (K, d), var (K,), p (K,)
    """
    n, d = X.shape
    n_hat = post.sum(axis=0)                                  # (K,) soft counts
    mu = post.T @ X / n_hat[:, None]                          # (K, d)
    sq = ((X[:, None, :] - mu[None, :, :]) ** 2).sum(axis=2)  # (n, K)
    var = (post * sq).sum(axis=0) / (d * n_hat)               # (K,)
    return GaussianMixture(mu, var, n_hat / n)


# %%
# NBVAL_CHECK_OUTPUT
check.naive_mstep(mstep)

# %% tags=["solution"]
def run(X, mixture, post):
    """EM until the log-likelihood improves by at most 1e-6 of its size.

    Args:
        X: (n, d) array holding the data
        mixture: the initial mixture
        post: (n, K) initial posteriors (not used)

    Returns:
        mixture: the mixture after the last M-step
        post: (n, K) posteriors of the last E-step
        ll: float, log-likelihood of the last E-step
    """
    old_ll = None
    while True:
        post, ll = estep(X, mixture)
        mixture = mstep(X, post)
        if old_ll is not None and ll - old_ll <= 1e-6 * abs(ll):
            return mixture, post, ll
        old_ll = ll


# %%
# NBVAL_CHECK_OUTPUT
check.naive_run(run)

# %% [markdown]
# ## Recap
#
# - The E-step computes posteriors in the log domain: $\log\sum_k e^{f_k} = m + \log\sum_k e^{f_k - m}$.
#   It matters where $f$ falls below about $-745$ (Netflix), not on the toy data.
# - The M-step is K-means' update with soft counts; the variance uses the new means.
# - EM stops when $\ell_{\text{new}} - \ell_{\text{old}} \le 10^{-6}|\ell_{\text{new}}|$, and $\ell$ never decreases.
# - K-means spreads its centres to cut distortion; EM follows the density of the points.
#
# **To discuss**
# 1. K-means is EM with hard assignments and equal, fixed variances. Which of the four sentences
#    would change if EM's variances were forced to be equal?
# 2. A component of EM can sit inside another. When is that a better description of data than
#    two side-by-side groups?
# 3. Seeds 0-4 give different EM optima for K = 3 and 4. How many starts would you try on new
#    data, and how would you choose?
