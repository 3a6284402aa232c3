# cfgmm: `make lab` opens the series, `make test` runs every test. Both set up .venv first.
# `make site`: the series as a static site in _build/site/ (the committed notebooks' outputs; sliders of 01, 02 precomputed).
# `make slides`: the 50-minute lecture path of 00 as a reveal.js deck in _build/slides/ (open index.html, offline).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: setup lab test notebooks exercises site slides bench bench-scale mutation clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "cfgmm needs Python 3.10 or newer; this is " + sys.version.split()[0] + " (set PYTHON=python3.x)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "'$(PYTHON) -m venv' failed: on Debian or Ubuntu, install the python3-venv package"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

setup: $(STAMP)

# make lab PORT=8890 ARGS="--no-browser": the learner's copies in workspace/ (made once, never overwritten),
# the originals in notebooks/ read-only, the project's environment in JupyterLab's terminals (tools/lab.py)
PORT ?= 8888
ARGS ?=
lab: $(STAMP)
	$(BIN)/python tools/lab.py --port $(PORT) -- $(ARGS)

# TEST_JOBS pytest-xdist workers (one per CPU). --dist loadfile keeps a file's tests on one worker:
# a notebook's cells share one kernel, and the browser tests one JupyterLab. --no-loadscope-reorder
# keeps the collection's order, which starts the longest files first (tests/conftest.py, RUN_FIRST).
# One BLAS thread per process: the workers already fill the CPUs, and OpenBLAS threads that wait
# for a busy CPU spin (measured: 545 CPU-seconds with its default threads, 399 with one).
# -p tests.fast_startup: a faster start of every pytest process (see that file).
TEST_JOBS ?= auto
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -p tests.fast_startup -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder tests notebooks $(NBVAL)

notebooks: $(STAMP)
	$(BIN)/python tools/notebooks.py build

exercises: $(STAMP)
	$(BIN)/python tools/exercises.py build

# Both read the committed .ipynb files (nothing is executed) and fetch nothing at view time: MathJax from the PyPI
# package jupyter-server-mathjax, reveal.js from npm (installed once into _build/npm/). tools/site.py says more.
site: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[site]'
	$(BIN)/python tools/site.py site

slides: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[site]'
	$(BIN)/python tools/site.py slides

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_em.py
	$(BIN)/python benchmarks/bench_imaging.py
	$(BIN)/python benchmarks/bench_eht.py --json benchmarks/results/bench_eht.json

# Netflix-Prize scale (480,189 x 17,770, 100 M ratings): about 4 minutes on a quiet 2-core machine, 2.5 GB of memory
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/bench_scale.py --json benchmarks/results/bench_scale.json

# Mutation testing (mutmut 3) of common, kmeans, naive_em, em, the evaluation protocol and the installer with the
# fast tests; configured in pyproject.toml [tool.mutmut]. CPU-heavy: nice, and MUTATION_JOBS workers.
# The scope: every function of the handout's modules; of common and core, the algorithm (init, the loop engine
# and its stopping rules, distances, log-normalisation, BIC, RMSE, the mask, the observed-data views; not plot,
# not the argument checks); of the evaluation, the protocol (split, score, the fits it compares, evaluate);
# the course files' installer (cfgmm_lib.data.installer).
MUTATION_JOBS ?= 2
MUTATION_SCOPE ?= 'cfgmm_lib.kmeans.*' 'cfgmm_lib.naive_em.x_[!t]*' 'cfgmm_lib.em.*' \
	'cfgmm_lib.common.x_init__*' 'cfgmm_lib.common.x_n_parameters__*' 'cfgmm_lib.common.x_bic*' \
	'cfgmm_lib.common.x_rmse__*' 'cfgmm_lib.core.logdomain.*' 'cfgmm_lib.core.loop.*' 'cfgmm_lib.core.initial.*' \
	'cfgmm_lib.core.validation.x_observed_mask__*' 'cfgmm_lib.core.mixture.x*ComponentCollapse*' \
	'cfgmm_lib.core.observed.*' \
	'cfgmm_lib.evaluation*.x_holdout_split*' 'cfgmm_lib.evaluation*.x_score__*' \
	'cfgmm_lib.evaluation*.x_fit_bias*' 'cfgmm_lib.evaluation*.x_fit_mixture*' 'cfgmm_lib.evaluation*.x_evaluate__*' \
	'cfgmm_lib.data.installer.*'
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	nice $(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(MUTATION_SCOPE)
	$(BIN)/mutmut export-cicd-stats && cat mutants/mutmut-cicd-stats.json
	$(BIN)/mutmut results   # the survivors; `mutmut show NAME` prints one as a diff

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis artifacts notebooks/output mutants _build
