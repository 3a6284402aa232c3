"""Scoring matrix completion honestly: held-out ratings, baselines, and the models beyond the handout.

The handout scores its completed matrix over all entries, most of them copied observations.
Here a fixed random share of the *observed* ratings is hidden (``holdout_split``), every model is
fitted on the rest, and only the hidden ratings are scored (``score``). Hyper-parameters are
chosen on a validation split carved out of the training ratings, never on the hidden ones.

    python -m cfgmm_lib.evaluation --fraction 0.1 --seed 0 --json results.json

One module per idea:

- ``metrics``: ``rmse_on``, ``mae_on``, ``score``, ``rating_shares`` and the split ``holdout_split``;
- ``baselines``: global, user and movie means, the regularised bias model;
- ``mixtures``: the course's mixture as a predictor (``fit_mixture``, ``heldout_log_likelihood``);
- ``experiment``: ``evaluate`` (every model on one split) and the command line;
- ``uncertainty``: the mixture's predictive distribution of each missing rating (mean, standard
  deviation, intervals) and its calibration on held-out ratings (``coverage``).

Introduced in ``notebooks/04_matrix_completion.py`` (baselines on the missing entries) and
``notebooks/05_beyond_the_handout.py`` (everything else).
"""

from .baselines import (BiasModel, MeanModel, fit_bias, fit_means, predict_global_mean, predict_movie_mean,
                        predict_user_mean)
from .experiment import GRID, MODELS, OPTIONAL_MODELS, evaluate, format_table, main
from .metrics import holdout_split, mae_on, rating_shares, rmse_on, score
from .mixtures import MixtureModel, fit_mixture, heldout_log_likelihood
from .uncertainty import Predictive, coverage, predictive, predictive_interval

__all__ = [
    "rmse_on", "mae_on", "predict_global_mean", "predict_user_mean",
    "predict_movie_mean", "rating_shares", "holdout_split", "score", "BiasModel", "fit_bias",
    "MeanModel", "MixtureModel", "fit_mixture", "heldout_log_likelihood", "evaluate", "MODELS", "OPTIONAL_MODELS",
    "GRID", "fit_means", "format_table", "main", "Predictive", "predictive", "predictive_interval", "coverage",
]
