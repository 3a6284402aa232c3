"""The course's mixture as a predictor of ratings, plain or on the residuals of the bias baseline.

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import issparse
from scipy.special import logsumexp

from .. import em
from ..core.loop import MAX_ITER
from ..core.mixture import GaussianMixture
from ..core.model_checks import check_K, check_step_args
from ..core.observed import observe, posterior_mean
from ..core.validation import check_entries, check_list, check_min_variance, check_ratings, check_seed
from ..core.predictor import Predictor
from ..scale import heldout as sparse_heldout
from ..starts import check_init, starter
from ..sweep import runner, sweep_checked
from .baselines import BiasModel

__all__ = ["MixtureModel", "fit_mixture", "heldout_log_likelihood"]


@dataclass
class MixtureModel(Predictor):
    """A fitted mixture used to predict: ``offset + sum_j post[u, j] mu[j, i]``.

    Attributes
    ----------
    mixture : GaussianMixture
    post : array of shape (n, K)
        Posteriors of the training rows under ``mixture`` itself (refreshed: one E-step after
        the run, unlike the handout's ``post``, which belongs to the mixture one M-step earlier).
    ll : float
        Training log-likelihood of the best seed.
    seed : int
    offset : BiasModel or None
        For the bias-aware mixture, the baseline the mixture models the residuals of.
    """

    mixture: GaussianMixture
    post: np.ndarray
    ll: float
    seed: int
    offset: BiasModel | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(n, d): the positions the model can predict."""
        return self.post.shape[0], self.mixture.mu.shape[1]


    def predict_checked(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``predict`` at positions already checked with ``check_pairs``; ``evaluate`` calls it."""
        pred = posterior_mean(self.post, self.mixture.mu, rows, cols)
        return pred + (self.offset.predict_checked(rows, cols) if self.offset is not None else 0.0)


def fit_mixture(X, K: int, seeds=range(5), mask=None, offset: BiasModel | None = None,
                min_variance: float = em.MIN_VARIANCE, init: str = "course") -> MixtureModel:
    """The course's EM with missing entries, best training log-likelihood of several seeds.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given); or a ``scipy.sparse`` matrix whose
        stored entries are the ratings.
    K : int
    seeds : iterable of int
    mask : bool array of shape (n, d), optional
    offset : BiasModel, optional
        Fit the mixture to ``X - offset`` on the observed entries (the bias-aware mixture);
        the residuals can be 0 or negative, so the observed mask is passed explicitly.
    min_variance : float
    init : {"course", "partition"}, default "course"
        How each seed's run starts: the course's ``init`` (the handout's numbers), or a random
        partition of the users (``starts.partition_start``), which does not start a component
        on a single user.

    Returns
    -------
    MixtureModel
    """
    X, M = check_ratings(X, mask)  # a sparse X: stored entries = observed; its residuals stay sparse (notebook 07)
    K = check_K(K, X.shape[0])
    seeds = check_list(seeds, "seeds", check_seed)
    min_variance = check_min_variance(min_variance)
    if offset is not None and not isinstance(offset, BiasModel):
        raise TypeError(f"offset must be a BiasModel (from fit_bias) or None, got {type(offset).__name__}")
    if offset is not None and (offset.b_user.shape, offset.b_movie.shape) != ((X.shape[0],), (X.shape[1],)):
        raise ValueError(f"offset was fitted on a matrix of another shape than X {X.shape}")
    return fit_mixture_checked(X, M, K, seeds, offset, min_variance, check_init(init))


def fit_mixture_checked(X, M, K: int, seeds: list, offset: BiasModel | None,
                        min_variance: float = em.MIN_VARIANCE, init: str = "course") -> MixtureModel:
    """``fit_mixture`` on checked arguments (``M``: the bool mask of observed entries; None for a sparse X).

    The restarts are ``sweep``'s; the observed-data view is built once, for every seed and for the
    final E-step. ``evaluate`` calls this.
    """
    if issparse(X):
        data = sparse_heldout.residuals(X, offset)
    else:
        data = X if offset is None else np.where(M, X - offset.matrix(), 0.0)
    obs = observe(data, M)
    run = runner("em", obs, {"min_variance": min_variance, "max_iter": MAX_ITER})
    fit = sweep_checked(data, [K], seeds, "em", run, start=starter(init, data, obs, min_variance)).best(K)
    # the *refreshed* posteriors, those of the returned mixture, are what predicts (not the handout's
    # post, which belongs to the mixture one M-step earlier)
    post, _ = em.estep_checked(obs, fit.mixture)
    return MixtureModel(fit.mixture, post, fit.score, fit.seed, offset)


def heldout_log_likelihood(X_train, mixture: GaussianMixture, rows, cols, ratings, mask=None) -> float:
    """Log-likelihood of held-out ratings under a mixture, given each user's training ratings.

    ``sum_u log sum_j post[u, j] prod_{(u, i) held out} N(r_ui; mu[j, i], var[j])``, with ``post``
    from the E-step on the training ratings: how well the mixture predicts ratings it has
    not seen, in the mixture's own terms. Used to choose K.

    Returns
    -------
    float
    """
    X_train, mixture, _ = check_step_args(X_train, mixture, sparse=True)
    post, _ = em.estep_checked(observe(X_train, mask), mixture)
    rows, cols, y = check_entries(rows, cols, ratings, X_train.shape)
    mu, var = mixture.mu, mixture.var
    # log N(r; mu[j, i], var[j]) for every held-out entry and component: (m, K)
    logn = -0.5 * np.log(2 * np.pi * var)[None, :] - (y[:, None] - mu[:, cols].T) ** 2 / (2 * var[None, :])
    per_user = np.zeros((X_train.shape[0], len(var)))
    np.add.at(per_user, rows, logn)
    users = np.unique(rows)
    with np.errstate(divide="ignore"):
        f = np.log(post[users]) + per_user[users]
    return float(logsumexp(f, axis=1).sum())



