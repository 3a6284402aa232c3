"""A Netflix-Prize-sized ratings matrix with a planted mixture, built in chunks.

``netflix_like()`` draws, by default, the Netflix Prize's shape: 480,189 users x 17,770 movies
with 100,480,507 ratings (98.8 % missing), as a ``scipy.sparse.csr_matrix`` of about 1.2 GB
(float64 ratings, int32 column indices). Any shape and number of ratings can be asked for.

How it is drawn (all from one seed):

1. Skew. Each user gets an activity and each movie a popularity, log-normal with the spread
   of the real Netflix data: there the mean user has 2.2 times the ratings of the median
   user (209 vs 96), and the mean movie 10 times those of the median movie (5,654 vs 561);
   a log-normal has mean / median = exp(sigma^2 / 2), so sigma = 1.25 (users) and 2.15
   (movies). A user's number of ratings is a multinomial share of the total (at most half the
   movies); the movies they rate are drawn by popularity (with a 5 % uniform floor) without
   repeats: candidates are drawn in bulk, repeats dropped, and the users still short get more.
2. A planted mixture. Each user belongs to one of ``K`` groups (weights from a Dirichlet); a
   rating's latent score is ``quality[movie] + taste[group, movie] + bias[user] + noise``.
3. Stars. The scores are cut into 1-5 stars at thresholds set so the stars have the shares of
   the observed ratings of the course's ``netflix_incomplete.txt`` (``COURSE_SHARES``).

Users are processed in chunks of about ``2**22`` ratings (no Python loop per rating or per
user), written straight into the CSR arrays, so the peak memory stays near that of the matrix
returned. Introduced in ``notebooks/07_netflix_scale.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ..core.validation import check_scalar, check_seed

__all__ = ["netflix_like", "Planted", "NETFLIX_SHAPE", "NETFLIX_RATINGS", "COURSE_SHARES"]

#: Users x movies of the Netflix Prize training set.
NETFLIX_SHAPE = (480_189, 17_770)
#: Its number of ratings.
NETFLIX_RATINGS = 100_480_507
#: Shares of 1-5 stars among the observed ratings of the course's ``netflix_incomplete.txt``.
COURSE_SHARES = (0.0388, 0.1040, 0.3145, 0.3434, 0.1994)

_USER_SIGMA, _MOVIE_SIGMA, _UNIFORM_FLOOR, _MAX_ROW_SHARE = 1.25, 2.15, 0.05, 0.5
_CHUNK_RATINGS = 1 << 22


class Planted(NamedTuple):
    """The truth behind a ``netflix_like`` matrix.

    Attributes
    ----------
    group : int array of shape (n,)
        Each user's planted component.
    weights : array of shape (K,)
        The planted mixing weights.
    thresholds : array of shape (4,)
        The latent-score cut points between 1|2, 2|3, 3|4 and 4|5 stars.
    """

    group: np.ndarray
    weights: np.ndarray
    thresholds: np.ndarray


def _row_counts(rng, n_ratings: int, n: int, cap: int) -> np.ndarray:
    """Ratings per user: a multinomial share by log-normal activity, each at most ``cap``."""
    activity = rng.lognormal(0.0, _USER_SIGMA, n)
    counts = rng.multinomial(n_ratings, activity / activity.sum())
    while (counts > cap).any():  # give the excess of capped users to the others, by activity
        excess = int((counts - cap).clip(0).sum())
        counts = np.minimum(counts, cap)
        room = activity * (counts < cap)
        counts += rng.multinomial(excess, room / room.sum())
    return counts


def _distinct_movies(rng, need: np.ndarray, cdf: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """For users ``0..len(need)-1``, ``need[u]`` distinct movies each, drawn by popularity.

    Returns (local user, movie) pairs sorted by user then movie.
    """
    users = np.arange(len(need))
    keys = np.empty(0, dtype=np.int64)
    have = np.zeros(len(need), dtype=np.int64)
    factor = 1.25
    while True:
        short = have < need
        if not short.any():
            break
        extra = np.ceil((need[short] - have[short]) * factor).astype(np.int64) + 2
        who = np.repeat(users[short], extra)
        movies = np.searchsorted(cdf, rng.random(who.size) * cdf[-1], side="right").clip(0, d - 1)
        keys = np.concatenate([keys, who * d + movies])
        keys.sort(kind="stable")  # timsort: the first part is sorted already
        keep = np.empty(keys.size, dtype=bool)
        keep[0] = True
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
        keys = keys[keep]
        have = np.bincount(keys // d, minlength=len(need))
        factor *= 2.0
    # keep a random ``need[u]`` of each user's distinct draws
    u = keys // d
    order = np.lexsort((rng.random(keys.size), u))
    start = np.concatenate([[0], np.cumsum(have)[:-1]])
    rank = np.empty(keys.size, dtype=np.int64)
    rank[order] = np.arange(keys.size) - np.repeat(start, have)
    keys = keys[rank < need[u]]  # still sorted by user, then movie
    return keys // d, keys % d


def netflix_like(n_users: int = NETFLIX_SHAPE[0], n_movies: int = NETFLIX_SHAPE[1],
                 n_ratings: int = NETFLIX_RATINGS, K: int = 12, seed: int = 0, *,
                 progress: bool = False, planted: bool = False):
    """A planted-mixture ratings matrix with the skew of real data, as sparse CSR.

    Parameters
    ----------
    n_users, n_movies : int
        Shape; by default the Netflix Prize's 480,189 x 17,770.
    n_ratings : int
        Stored ratings, at most half of ``n_users * n_movies``; by default 100,480,507.
    K : int, default 12
        Planted groups of users.
    seed : int, default 0
        Everything is drawn from ``np.random.default_rng(seed)``: the same seed gives the same
        matrix (the caller's generators are not touched).
    progress : bool, default False
        Show a progress bar over the chunks of users.
    planted : bool, default False
        Also return the truth (``Planted``).

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_users, n_movies), float64
        Ratings 1-5 at the stored entries; sorted column indices (int32), no repeats. Users
        with no rating are possible (empty rows), and so are movies nobody rated.
    truth : Planted, only with ``planted=True``
    """
    n = check_scalar(n_users, "n_users", int, low=1)
    d = check_scalar(n_movies, "n_movies", int, low=1)
    N = check_scalar(n_ratings, "n_ratings", int, low=1)
    K = check_scalar(K, "K", int, low=1)
    seed = check_seed(seed)
    cap = max(1, int(_MAX_ROW_SHARE * d))
    if N > n * cap:
        raise ValueError(f"n_ratings = {N:,} is more than {_MAX_ROW_SHARE:.0%} of the {n:,} x {d:,} matrix "
                         f"({n * cap:,} at most): this generator makes sparse matrices")
    if d >= 2**31:
        raise ValueError(f"n_movies must be below 2**31 (int32 column indices), got {d}")
    rng = np.random.default_rng(seed)
    counts = _row_counts(rng, N, n, cap)
    popularity = rng.lognormal(0.0, _MOVIE_SIGMA, d)
    popularity = (1 - _UNIFORM_FLOOR) * popularity / popularity.sum() + _UNIFORM_FLOOR / d
    cdf = np.cumsum(popularity)
    weights = rng.dirichlet(np.full(K, 2.0))
    group = rng.choice(K, size=n, p=weights)
    quality = rng.normal(0.0, 0.5, d)
    taste = rng.normal(0.0, 0.8, (K, d))
    bias = rng.normal(0.0, 0.35, n)
    noise = 0.7

    # thresholds: the quantiles of the latent score over a pilot sample of (user, movie) draws
    size = min(1 << 20, 4 * N)
    pilot_u = rng.choice(n, size, p=counts / N)
    pilot_m = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right").clip(0, d - 1)
    pilot = quality[pilot_m] + taste[group[pilot_u], pilot_m] + bias[pilot_u] + rng.normal(0, noise, size)
    thresholds = np.quantile(pilot, np.cumsum(COURSE_SHARES)[:-1])

    indptr = np.zeros(n + 1, dtype=np.int64 if N >= 2**31 else np.int32)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(N, dtype=np.int32)
    data = np.empty(N)
    bounds = np.searchsorted(indptr, np.arange(0, N, _CHUNK_RATINGS), side="right") - 1
    bounds = np.unique(np.concatenate([bounds, [n]]))
    chunks = zip(bounds[:-1], bounds[1:])
    if progress:
        from tqdm.auto import tqdm

        chunks = tqdm(list(chunks), desc="netflix_like", unit="chunk")
    for a, b in chunks:
        local_u, movies = _distinct_movies(rng, counts[a:b], cdf, d)
        users = local_u + a
        lo, hi = indptr[a], indptr[b]
        indices[lo:hi] = movies
        score = quality[movies] + taste[group[users], movies] + bias[users] + rng.normal(0.0, noise, users.size)
        data[lo:hi] = 1.0 + np.searchsorted(thresholds, score)
    X = sp.csr_matrix((data, indices, indptr), shape=(n, d), copy=False)
    X.has_sorted_indices = True
    return (X, Planted(group, weights, thresholds)) if planted else X
