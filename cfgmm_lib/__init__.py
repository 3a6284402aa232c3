"""cfgmm_lib: collaborative filtering via Gaussian mixtures, as in the MITx 6.86x handout.

Modules follow the handout's files: ``common`` (mixture type, ``init``, ``bic``,
``rmse``, ``plot``), ``kmeans``, ``naive_em`` and ``em`` (missing entries,
``fill_matrix``). Around them: ``sweep`` (the handout's "best of seeds per K"
questions), ``data`` (find, verify and install the course files; stand-ins),
``checkpoints`` (the handout's value beside ours), ``reference`` (loop versions for
teaching), ``widgets`` and ``compare`` (notebooks 01-02), and beyond the handout
``evaluation`` (held-out scores and baselines), ``factorization`` (ALS and the
network) and ``diagnostics`` (component health), for notebook 05, and ``scale``
(``scipy.sparse`` input, prediction for chosen entries, a Netflix-Prize-sized
synthetic matrix) and side information in ``factorization``, for notebook 07.

For the learner doing the project: the subpackage ``check`` runs their own functions on the
handout's cases and adversarial ones and names known mistakes (notebooks 01-04 and
``notebooks/exercises``; ``python -m cfgmm_lib.check PATH`` for a folder of course files).
"""

from .common import GaussianMixture, bic, init, plot, rmse

__all__ = ["GaussianMixture", "init", "bic", "rmse", "plot"]
__version__ = "0.1.0"
