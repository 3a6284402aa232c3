"""Scoring matrix completion honestly: held-out ratings, baselines, and the models beyond the handout.

The handout scores its completed matrix over all entries, most of them copied observations.
Here a fixed random share of the *observed* ratings is hidden (``holdout_split``), every model is
fitted on the rest, and only the hidden ratings are scored (``score``). Hyper-parameters are
chosen on a validation split carved out of the training ratings, never on the hidden ones.

    python -m cfgmm_lib.evaluation --splits 5 --json results.json

One module per idea:

- ``metrics``: ``rmse_on``, ``mae_on``, ``score``, ``rating_shares``;
- ``splits``: ``holdout_split``, random or shaped like the matrix's gaps (missing not at random);
- ``baselines``: global, user and movie means, the regularised bias model;
- ``mixtures``: the course's mixture as a predictor (``fit_mixture``, ``heldout_log_likelihood``);
- ``neighbours``: the item-based neighbourhood model on the bias baseline's residuals (``fit_neighbours``);
- ``experiment``: ``evaluate`` (every model on one split, the blend included);
- ``blend``: the Netflix Prize's lesson, a least-squares blend of the models' validation predictions;
- ``intervals``: the mean of per-split scores with a t interval corrected for overlapping splits;
- ``repeated``: ``evaluate_splits`` (every model on several splits, paired differences, calibration);
- ``cli``: the command line and its progress bar;
- ``uncertainty``: the mixture's predictive distribution of each missing rating (mean, standard
  deviation, intervals) and its calibration on held-out ratings (``coverage``).

Introduced in ``notebooks/04_matrix_completion.py`` (baselines on the missing entries) and
``notebooks/05_beyond_the_handout.py`` (everything else).
"""

from .baselines import (BiasModel, MeanModel, fit_bias, fit_means, predict_global_mean, predict_movie_mean,
                        predict_user_mean)
from .blend import Blend, fit_blend
from .cli import format_summary, main
from .experiment import GRID, MIXTURES, MODELS, OPTIONAL_MODELS, evaluate, format_table
from .intervals import mean_interval, verdict
from .repeated import evaluate_splits, summarise
from .metrics import mae_on, rating_shares, rmse_on, score
from .splits import SPLITS, holdout_split
from .mixtures import MixtureModel, fit_mixture, heldout_log_likelihood
from .neighbours import NeighbourModel, fit_neighbours
from .uncertainty import Predictive, coverage, pit, predictive, predictive_interval

__all__ = [
    "rmse_on", "mae_on", "predict_global_mean", "predict_user_mean",
    "predict_movie_mean", "rating_shares", "holdout_split", "score", "BiasModel", "fit_bias",
    "MeanModel", "MixtureModel", "fit_mixture", "heldout_log_likelihood", "evaluate", "MODELS", "OPTIONAL_MODELS",
    "GRID", "fit_means", "format_table", "main", "Predictive", "predictive", "predictive_interval", "coverage", "pit", "SPLITS",
    "Blend", "fit_blend", "format_summary", "NeighbourModel", "fit_neighbours", "MIXTURES", "mean_interval", "verdict",
    "evaluate_splits", "summarise",
]
