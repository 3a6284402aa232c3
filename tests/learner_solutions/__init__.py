"""Test data for the checker (tests/test_learner_solutions.py): our re-implementations of five public solutions' approaches.

Each folder holds our own code for the functions of the handout's modules that one learner's public
solution wrote, following that solution's observable choices (which steps, module layout, densities or
logs, loops or vectorised code, the run loop and its stopping rule), not its text. The header of each
file names the repository, path and commit whose approach it follows. Where the repository has no
``common.py``, ``GaussianMixture`` comes from ``cfgmm_lib.common``; functions the checker does not check
(``init``, ``plot``) are left out.
"""
