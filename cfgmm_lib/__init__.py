"""cfgmm_lib: collaborative filtering via Gaussian mixtures, as in the MITx 6.86x handout.

Modules follow the handout's files: ``common`` (mixture type, ``init``, ``bic``,
``rmse``, ``plot``), ``kmeans``, ``naive_em`` and ``em`` (missing entries,
``fill_matrix``). ``sweep`` runs the handout's "best of seeds per K" questions;
``data`` finds, checks and installs the course files.
"""

from .common import GaussianMixture, bic, init, plot, rmse

__all__ = ["GaussianMixture", "init", "bic", "rmse", "plot"]
__version__ = "0.1.0"
