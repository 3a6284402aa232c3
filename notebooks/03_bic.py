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
# 03 · Choosing K with the BIC. Parameters: change them and run all cells.
DATA = "toy_data"              # the course's 2-D points (a stand-in is used when it is not installed)
K_VALUES = [1, 2, 3, 4]        # the handout's question
SEEDS = range(5)               # best of seeds 0-4 for each K
K_FURTHER = list(range(1, 9))  # a wider look at the end

# %% [markdown]
# # 03 · How many components? The Bayesian information criterion
#
# In notebook 02 the best log-likelihood kept rising with $K$: more components can always
# explain the data at least as well (put a component on every point and the likelihood grows
# without bound). So the likelihood alone cannot pick $K$. The **BIC** charges every free
# parameter:
#
# $$\text{BIC}(M) = \ell(\hat\theta) - \frac{P}{2}\,\log n ,$$
#
# where $\ell(\hat\theta)$ is the best log-likelihood, $n$ the number of points and $P$ the number
# of free parameters of the mixture. In this (the course's) form, **higher is better**.

# %%
# %matplotlib inline
import numpy as np
from matplotlib.figure import Figure

from cfgmm_lib import bic
from cfgmm_lib.checkpoints import checkpoint, data_banner
from cfgmm_lib.common import n_parameters
from cfgmm_lib.data import load_or_standin
from cfgmm_lib.sweep import sweep

X, STANDIN = load_or_standin(DATA)
data_banner(STANDIN, [DATA])
n, d = X.shape

# %% [markdown]
# ## Counting the parameters
#
# A spherical mixture of $K$ components in $d$ dimensions has $K d$ mean coordinates, $K$
# variances and $K$ weights; the weights sum to 1, so only $K - 1$ of them are free:
#
# $$P = K d + K + (K - 1).$$
#
# For the toy data ($d = 2$, $n = 250$) every extra component costs $4 \cdot \tfrac12 \log 250 \approx 11.04$
# of log-likelihood.

# %%
for K in K_VALUES:
    print(f"K = {K}: P = {n_parameters(K, d):2d}, penalty P/2 log n = {0.5 * n_parameters(K, d) * np.log(n):6.2f}")

# %% [markdown]
# ## The handout's question: BIC per K, and the best K
#
# We take the best of seeds 0-4 by log-likelihood for each $K$ (as in 02) and compute its BIC
# with `common.bic(X, mixture, log_likelihood)`:

# %%
em_sweep = sweep(X, K_VALUES, SEEDS, method="naive_em", progress=True)
em_sweep

# %%
# NBVAL_CHECK_OUTPUT
HANDOUT_BIC = {1: -1315.505623137, 2: -1195.039742579, 3: -1169.258934736, 4: -1180.012132583}
for K in [K for K in HANDOUT_BIC if K in K_VALUES]:
    best = em_sweep.best(K)
    checkpoint(f"BIC, K = {K}", HANDOUT_BIC[K], bic(X, best.mixture, best.score), decimals=4, tol=1e-8,
               standin=STANDIN)
checkpoint("best K by BIC", 3, em_sweep.best_K_by_bic(), standin=STANDIN)

# %% [markdown]
# ## What the penalty does
#
# The log-likelihood climbs steeply up to $K = 3$ and then flattens; the penalty grows by the
# same step for every component. Where the climb no longer pays for the step, the BIC turns
# down.

# %%
def bic_figure(result, title):
    Ks = result.K_values
    ll = [result.best(K).score for K in Ks]
    b = [result.bic(K) for K in Ks]
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    ax.plot(Ks, ll, "o-", label="best log-likelihood")
    ax.plot(Ks, b, "s-", label="BIC = log-likelihood - P/2 log n")
    best = result.best_K_by_bic()
    ax.axvline(best, color="0.6", ls="--", label=f"best BIC: K = {best}")
    ax.set_xlabel("K")
    ax.set_xticks(Ks)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


bic_figure(em_sweep, "toy data, best of seeds per K")

# %% [markdown]
# ## Further: more components
#
# The handout stops at $K = 4$. Going further shows the same shape: the likelihood creeps up,
# the BIC keeps falling, and K = 3 stays the choice.

# %%
wide = sweep(X, K_FURTHER, SEEDS, method="naive_em", progress=True)
bic_figure(wide, f"K = {K_FURTHER[0]}..{K_FURTHER[-1]}")

# %%
# NBVAL_CHECK_OUTPUT
print(wide.to_text(decimals=2))
print("best K by BIC over K =", K_FURTHER, "->", wide.best_K_by_bic())

# %% [markdown]
# A caution: the BIC's $\tfrac12 \log n$ per parameter comes from an approximation that assumes
# plenty of data per parameter. It is a good rule of thumb here (250 points, at most 31
# parameters); notebook 04's Netflix mixture has 14,400 mean coordinates for 1,200 users, where
# the approximation has little to stand on.
