"""What the handout's modules stand on: the mixture types, the argument checks, the observed-data
views, the numeric kernels and the one loop engine.

One idea a file; ``core`` imports nothing of the package above it (a test enforces it):

- ``mixture``: ``GaussianMixture``, ``FullMixture``, ``ComponentCollapse``;
- ``validation``: the checks of scalars, lists and data (dense and sparse), positions, masks;
- ``model_checks``: the checks of K, mixtures, posteriors, and ``check_step_args``;
- ``logdomain``: ``squared_distances`` and ``log_normalize``;
- ``loop``: ``Loop``, ``RunResult``, the course's stopping rules, ``MAX_ITER``, ``NotConvergedWarning``;
- ``initial``: ``initial_mixture``, the course's ``init`` on checked data;
- ``observed``: the observed-data views of EM with missing entries, and the one prediction and fill.

See ``ARCHITECTURE.md`` at the top of the repository.
"""
