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

# %% [markdown] slideshow={"slide_type": "slide"}
# # Collaborative filtering via Gaussian mixtures
#
# This series walks through the MITx 6.86x project *Collaborative Filtering via Gaussian
# Mixtures*, one handout step at a time, and then looks a little further than the handout does.
#
# **After this notebook you will be able to** install the course files, find your way through
# the series, use its sliders, and tell a value the handout prints from a reference value or
# one of ours.
#
# | notebook | what you do there |
# | --- | --- |
# | `01_kmeans` | cluster the 2-D toy data with the course's K-means, which returns a mixture |
# | `02_em` | fit the same data with EM, watch it step by step, and answer the handout's graded question comparing it with K-means |
# | `03_bic` | pick the number of components with the Bayesian information criterion |
# | `04_matrix_completion` | EM with missing entries on the Netflix ratings: derive it, fill the matrix, reproduce the handout's numbers, and ask what the RMSE measures |
# | `05_beyond_the_handout` | score models honestly on hidden ratings; look inside the mixture; remove user bias; matrix factorisation and the same model as a network |
# | `06_black_hole_imaging` | the handout's last section: EM with full covariances learns a prior of image patches, which images synthetic black holes from the EHT's 2017 array (half-quadratic splitting), scored against baselines on unseen images |
# | `07_netflix_scale` | run the same EM on a `scipy.sparse` matrix at Netflix-Prize size (live on 1 M ratings, the saved benchmark to 100 M); predict chosen entries; side information (implicit feedback) in the held-out protocol |
# | `08_real_m87` | the real M87*: read the EHT's 2017 data, derive closure phases, image from closure quantities with the patch prior of 06 and a maximum-entropy baseline, measure the ring, and test that non-ring sources do not come out as rings |
#
# The algorithms live in the library `cfgmm_lib`, under the handout's own module and function
# names (`common.init`, `kmeans.run`, `naive_em.estep`, `em.fill_matrix`, ...). The notebooks call
# it, explain it and check it. **Every number the handout prints** is reproduced in a
# *checkpoint* cell that prints the handout's value, with the handout's digits, beside ours and
# fails if they disagree; the README lists each one and the notebook that checks it. A
# checkpoint names its source: **handout** (printed in the handout), **course file**
# (`test_solutions.txt`), **reference** (reproduced from the course data by an independent
# straightforward implementation, for values the handout asks for but does not print), or
# **expected** (an answer argued in the notebook, with the facts it rests on printed beside it).
#
# ### A 50-minute lecture path
#
# | minutes | notebook | show |
# | --- | --- | --- |
# | 0-5 | 00 | this table; the sliders |
# | 5-13 | 01 | the toy data; one K-means run; the best cost per K and why cost cannot choose K |
# | 13-25 | 02 | the log-sum-exp cell; the log-likelihood curve; the K-means/EM grid; the four graded sentences |
# | 25-30 | 03 | the BIC figure; "does BIC pick the right K?"; the sign of the printed best BIC |
# | 30-43 | 04 | why missing ratings drop out; the table of the handout's two RMSEs; "What does 0.48 measure?" |
# | 43-50 | 05 | the held-out table and "Inside the handout's K = 12 mixture" |
#
# Each notebook ends with a recap and two or three questions to discuss.

# %% [markdown]
# ## 1. The data
#
# The project uses the six files of the course archive `netflix.tar.gz`. They are not part of
# this repository. Install them once from the archive you downloaded from the course, in a
# cell of this notebook:
#
# ```
# %run -m cfgmm_lib.data install ~/Downloads/netflix.tar.gz
# ```
#
# or in JupyterLab's terminal (File > New > Terminal; `make lab` makes the project's environment
# active there): `python -m cfgmm_lib.data install ~/Downloads/netflix.tar.gz`.
#
# The installer takes only the six known files, checks each against its SHA-256 sum and never
# overwrites a different file silently. (You can also point the environment variable
# `CFGMM_DATA` at a folder that holds them.) Here is what this machine has:

# %%
from cfgmm_lib import data
from cfgmm_lib.checkpoints import data_banner

for name in COURSE_FILES:
    try:
        data.find(name)
        print(f"  installed, SHA-256 verified   {name}")
    except data.CourseDataMissing:
        print(f"  missing                       {name}")
    except data.DataFileError as exc:
        print(f"  present but wrong             {name}: {exc}")
STANDIN = data.using_standins()
data_banner(STANDIN, COURSE_FILES)

# %% [markdown]
# Without the course files every notebook still runs, on *synthetic stand-ins*: matrices of the
# same shapes drawn from a planted mixture with a fixed seed. A red banner at the top of each
# notebook says so, and the checkpoints then print our numbers without comparing them to the
# handout's (which belong to the course data).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The sliders
#
# Notebooks 01 and 02 end with interactive figures (read without a running kernel, on GitHub
# or a projector, they show a still picture of their starting values instead). Move a slider (drag it, or click it and use
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

# %% [markdown]
# ## Recap
#
# - Install the course files once; without them everything runs on stand-ins and says so.
# - Work through 01-04 with the handout beside you; 05 and 07 go beyond it on the ratings, 06 and
#   08 take up the handout's black-hole application.
# - A checkpoint prints the handout's value beside ours; its label says where the value comes from.
#
# **To discuss**
# 1. Why might a library reproduce the handout's numbers "to the printed digit" and still be
#    wrong somewhere the handout does not look?
# 2. What would you want to check before trusting an RMSE printed by someone else's code?
