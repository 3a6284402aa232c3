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
# 00 · Start here. Parameters: none to change in this notebook.
COURSE_FILES = ["toy_data", "test_incomplete", "test_complete", "test_solutions",
                "netflix_incomplete", "netflix_complete"]

# %% [markdown]
# # Collaborative filtering via Gaussian mixtures
#
# This series walks through the MITx 6.86x project *Collaborative Filtering via Gaussian
# Mixtures*, one handout step at a time, and then looks a little further than the handout does.
#
# | notebook | what you do there |
# | --- | --- |
# | `01_kmeans` | cluster the 2-D toy data with the course's K-means, which returns a mixture |
# | `02_em` | fit the same data with EM, watch it step by step, and compare it with K-means |
# | `03_bic` | pick the number of components with the Bayesian information criterion |
# | `04_matrix_completion` | EM with missing entries on the Netflix ratings; fill the matrix; and ask what the RMSE measures |
#
# The algorithms live in the library `cfgmm_lib`, under the handout's own module and function
# names (`common.init`, `kmeans.run`, `naive_em.estep`, `em.fill_matrix`, ...). The notebooks call
# it, explain it and check it: every number the handout prints is reproduced in a *checkpoint*
# cell that prints the handout's value beside ours and fails if they disagree.

# %% [markdown]
# ## 1. The data
#
# The project uses the six files of the course archive `netflix.tar.gz`. They are not part of
# this repository. Install them once from the archive you downloaded from the course:
#
# ```bash
# .venv/bin/python -m cfgmm_lib.data install ~/Downloads/netflix.tar.gz
# ```
#
# The installer takes only the six known files, checks each against its SHA-256 sum and never
# overwrites a different file silently. (You can also point the environment variable
# `CFGMM_DATA` at a folder that holds them.) Here is what this machine has:

# %%
from cfgmm_lib import data
from cfgmm_lib.checkpoints import data_banner

print(data.status())
STANDIN = data.using_standins()
data_banner(STANDIN, COURSE_FILES)

# %% [markdown]
# Without the course files every notebook still runs, on *synthetic stand-ins*: matrices of the
# same shapes drawn from a planted mixture with a fixed seed. A red banner at the top of each
# notebook says so, and the checkpoints then print our numbers without comparing them to the
# handout's (which belong to the course data).

# %% [markdown]
# ## 2. The sliders
#
# Notebooks 01 and 02 end with interactive figures. Move a slider (drag it, or click it and use
# the arrow keys) and the figure is redrawn when you let go:
#
# - **K** is the number of components, **seed** picks the random rows `init` starts from;
# - in 02, **EM step** replays one EM run half-step by half-step (E, M, E, M, ...), with the
#   log-likelihood curve beside it.
#
# Every fit is computed once and cached, so going back to a setting you have seen is instant.
# The figures are pictures of the course's arc diagram: each point is a tiny pie whose slices
# show how much each component claims it, and each component is a circle of radius one
# standard deviation around its mean.
#
# ## 3. How this is checked
#
# `make test` runs the library's tests and executes every notebook with `nbval`, comparing the
# printed checkpoints with the ones stored in the `.ipynb` files. The `.py` files are the source;
# `make notebooks` rebuilds and re-executes the `.ipynb` files from them.

# %%
# NBVAL_CHECK_OUTPUT
import cfgmm_lib

print("cfgmm_lib", cfgmm_lib.__version__, "exports:", ", ".join(cfgmm_lib.__all__))
