"""Matrix factorisation with biases, two ways: alternating least squares, and the same model as a network.

The model predicts user ``u``'s rating of movie ``i`` as

    r_ui ~ mu + b_u + b_i + p_u . q_i

with a global mean ``mu``, a bias per user and per movie, and a vector of ``rank`` numbers per
user (``P``, n x rank) and per movie (``Q``, d x rank). It is fitted to the observed entries by
minimising

    sum over observed (u, i) of (r_ui - prediction)^2
        + reg * (||P||^2 + ||Q||^2) + reg_bias * (||b_user||^2 + ||b_movie||^2).

``fit_als`` solves it by alternating exact ridge regressions (every user at once, then every
movie at once). ``EmbeddingNet`` is the same model written as a neural network: a one-hot user
vector times the embedding matrix ``P`` picks the row ``p_u`` (likewise for movies), a dot product
and the bias terms give the output; ``fit_neural`` trains it by minibatch Adam in NumPy.

Side information (the handout's last challenge; ``fit_neural(..., implicit=True)``): the
course data have no user features, but they have the one every recommender has, *which*
movies each user chose to rate, N(u). As in SVD++ (Koren, 2008), the user's vector becomes
``p_u + |N(u)|^(-1/2) sum_{j in N(u)} y_j``, with one more embedding ``y_j`` per movie
(``Y``, d x rank): a user's feature vector is the normalised sum of the embeddings of the
movies they rated, learnt with the rest. N(u) is taken from the training ratings only.
Introduced in ``notebooks/07_netflix_scale.py``.

Introduced in ``notebooks/05_beyond_the_handout.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .core.predictor import Predictor
from .core.validation import check_entries, check_fillable, check_memory, check_ratings, check_scalar, check_seed
from .scale.heldout import stored_rows

__all__ = ["FactorModel", "fit_als", "EmbeddingNet", "fit_neural", "observed_triplets", "implicit_matrix"]


@dataclass
class FactorModel(Predictor):
    """``mu + b_user[u] + b_movie[i] + P[u] . Q[i]``.

    Attributes
    ----------
    mu : float
    b_user : array of shape (n,)
    b_movie : array of shape (d,)
    P : array of shape (n, rank)
    Q : array of shape (d, rank)
    history : list of float
        Per iteration (ALS): the penalised training loss. Per epoch (network): the mean batch
        loss, or the validation RMSE when a validation set was given.
    """

    mu: float
    b_user: np.ndarray
    b_movie: np.ndarray
    P: np.ndarray
    Q: np.ndarray
    history: list = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:  # (n, d): the positions the model can predict
        return len(self.b_user), len(self.b_movie)


    def predict_checked(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``predict`` at positions already checked with ``check_pairs``; ``evaluate`` calls it."""
        return self.mu + self.b_user[rows] + self.b_movie[cols] + np.einsum("kr,kr->k", self.P[rows], self.Q[cols])

    def matrix(self) -> np.ndarray:
        """Every prediction, shape (n, d)."""
        return self.mu + self.b_user[:, None] + self.b_movie[None, :] + self.P @ self.Q.T


def observed_triplets(X, mask=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, ratings) of the observed entries (0 = missing unless ``mask`` is given;
    the stored entries of a ``scipy.sparse`` X)."""
    return observed_triplets_checked(*check_ratings(X, mask))  # a sparse X: its stored entries


def observed_triplets_checked(X, M) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``observed_triplets`` of a checked X (``M``: its bool mask of observed entries; None for a sparse X).

    Returns
    -------
    rows, cols : int arrays of shape (N,)
    ratings : array of shape (N,)
        In row-major order.
    """
    if sp.issparse(X):
        if X.nnz == 0:
            raise ValueError("the matrix has no observed entry: nothing to fit")
        return stored_rows(X), X.indices.astype(np.intp), X.data.copy()
    rows, cols = np.nonzero(M)
    if rows.size == 0:
        raise ValueError("the matrix has no observed entry: nothing to fit")
    return rows, cols, X[rows, cols]


def _check_hyper(rank, reg, reg_bias, seed) -> tuple[int, float, float, int]:
    """The hyper-parameters both fits share, checked with ``core.validation.check_scalar``."""
    return (check_scalar(rank, "rank", int, low=1), check_scalar(reg, "reg", low=0.0, low_inclusive=False),
            check_scalar(reg_bias, "reg_bias", low=0.0), check_seed(seed))


def _ridge_rows(M: np.ndarray, T: np.ndarray, F: np.ndarray, reg: float, reg_bias: float,
                block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Solve every row's ridge regression at once, one block of rows at a time.

    For row ``a`` (a user, or a movie): minimise
    ``sum_b M[a, b] (T[a, b] - [F_b, 1] . x)^2 + reg |x[:-1]|^2 + reg_bias x[-1]^2``
    over ``x = [factors, bias]``. The normal equations of all rows come from two products:
    ``M @ vec(f f^T)`` and ``(M * T) @ F``; ``f f^T`` is symmetric, so only its upper triangle
    is multiplied (half the work of the first product, which is most of the cost).

    Returns the factors (rows x rank) and the biases (rows,).
    """
    rank = F.shape[1]
    Fa = np.hstack([F, np.ones((F.shape[0], 1))])  # (m, rank + 1)
    iu, ju = np.triu_indices(rank + 1)
    upper = Fa[:, iu] * Fa[:, ju]  # (m, (rank + 1)(rank + 2) / 2): the upper triangle of each f f^T
    reg_diag = np.diag(np.r_[np.full(rank, reg), reg_bias + 1e-12])
    sol = np.empty((M.shape[0], rank + 1))
    for start in range(0, M.shape[0], block):
        m = M[start:start + block]
        G = np.empty((len(m), rank + 1, rank + 1))
        G[:, iu, ju] = G[:, ju, iu] = m @ upper
        G += reg_diag
        rhs = (m * T[start:start + block]) @ Fa
        sol[start:start + block] = np.linalg.solve(G, rhs[..., None])[..., 0]
    return sol[:, :rank], sol[:, rank]


def fit_als(X, rank: int = 20, reg: float = 10.0, reg_bias: float = 5.0, iters: int = 10, seed: int = 0,
            mask=None) -> FactorModel:
    """Matrix factorisation with biases by alternating least squares on the observed entries.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given); or a ``scipy.sparse`` matrix whose stored
        entries are the ratings, up to ``scale.MAX_FILL_ENTRIES`` entries in all (the solves use
        dense (n, d) arrays).
    rank : int, default 20
    reg, reg_bias : float
        Ridge penalties of the factor vectors and of the biases.
    iters : int, default 10
        Alternations (each solves every user, then every movie, exactly).
    seed : int, default 0
        Seed of the local generator for the initial movie factors.
    mask : bool array of shape (n, d), optional

    Returns
    -------
    FactorModel
        ``history`` holds the penalised training loss after each alternation.
    """
    rank, reg, reg_bias, seed = _check_hyper(rank, reg, reg_bias, seed)
    iters = check_scalar(iters, "iters", int, low=1)
    if sp.issparse(X):  # the solves below hold dense (n, d) arrays
        check_fillable(X.shape, "fit_als", "fit_neural trains the same model on the stored entries only")
    triplets = observed_triplets(X, mask)
    (n, d), r = np.shape(X), rank + 1  # P, Q, the (n, d) solves, a block's triangles of f f^T and normal matrices
    check_memory(8 * (3 * n * d + (n + d) * r + max(n, d) * r * (r + 1) // 2 + min(2048, max(n, d)) * r * r),
                 f"fit_als with rank = {rank:,} on a {n:,} x {d:,} matrix", f"a smaller rank (one above min(n, d) = {min(n, d):,} adds nothing)")
    return fit_als_checked(triplets, np.shape(X), rank, reg, reg_bias, iters, seed)


def fit_als_checked(triplets, shape: tuple[int, int], rank: int, reg: float, reg_bias: float = 5.0, iters: int = 10,
                    seed: int = 0) -> FactorModel:
    """``fit_als`` on checked arguments: ``triplets`` from ``observed_triplets_checked``, ``shape`` = (n, d).

    ``evaluate`` calls it for every candidate, with the triplets of its split computed once.
    """
    rows, cols, ratings = triplets
    n, d = shape
    M = np.zeros((n, d))
    M[rows, cols] = 1.0
    R = np.zeros((n, d))
    R[rows, cols] = ratings
    mu = float(ratings.mean())
    rng = np.random.default_rng(seed)
    P = np.zeros((n, rank))
    Q = rng.normal(0.0, 0.1, (d, rank))
    b_user, b_movie = np.zeros(n), np.zeros(d)
    history = []
    for _ in range(iters):
        P, b_user = _ridge_rows(M, R - mu - b_movie[None, :], Q, reg, reg_bias)
        Q, b_movie = _ridge_rows(M.T, (R - mu - b_user[:, None]).T, P, reg, reg_bias)
        # the squared error on the observed entries, from the (n, d) arrays the solves use anyway:
        # one BLAS product instead of gathering an (N, rank) row of P and of Q per rating
        err = M * (R - mu - b_user[:, None] - b_movie[None, :] - P @ Q.T)
        history.append(float(np.einsum("ud,ud->", err, err) + reg * ((P * P).sum() + (Q * Q).sum())
                             + reg_bias * (b_user @ b_user + b_movie @ b_movie)))
    return FactorModel(mu, b_user, b_movie, P, Q, history)


class EmbeddingNet:
    """The factorisation as a network: one-hot inputs, two embedding layers, a dot product, biases.

    For a batch of B (user, movie) pairs, with one-hot matrices ``U`` (B x n) and ``I`` (B x d):

        e_user = U @ P,   e_movie = I @ Q               (embedding layers: row lookups)
        output = mu + U @ b_user + I @ b_movie + sum(e_user * e_movie, axis=1)

    which is ``FactorModel.predict``. The loss of a batch is the mean squared error plus the
    same ridge penalties as ``fit_als``, divided by the number of training ratings ``N`` so
    that a full pass minimises the ALS objective / N.

    Parameters
    ----------
    n, d, rank : int
    seed : int
        Seed of the local generator for the initial embeddings.
    mu : float
        Initial output bias (the mean rating).
    """

    PARAMS = ("mu", "b_user", "b_movie", "P", "Q")

    def __init__(self, n: int, d: int, rank: int, seed: int = 0, mu: float = 0.0, implicit=None):
        rng = np.random.default_rng(seed)
        self.params = {
            "mu": np.array([mu]), "b_user": np.zeros(n), "b_movie": np.zeros(d),
            "P": rng.normal(0.0, 0.1, (n, rank)), "Q": rng.normal(0.0, 0.1, (d, rank)),
        }
        #: (n, d) array or sparse matrix ``N[u, j] = |N(u)|^(-1/2)`` for j in N(u), or None
        self.implicit = implicit
        if implicit is not None:
            self.params["Y"] = rng.normal(0.0, 0.01, (d, rank))

    def user_vectors(self) -> np.ndarray:
        """Every user's vector, shape (n, rank): ``P``, plus ``N @ Y`` with implicit feedback."""
        p = self.params
        return p["P"] if self.implicit is None else p["P"] + self.implicit @ p["Y"]

    @staticmethod
    def one_hot(index: np.ndarray, size: int) -> sp.csr_matrix:
        """Sparse one-hot rows, shape (len(index), size): row b has a single 1, in column index[b]."""
        return EmbeddingNet._lookup_transpose(np.asarray(index), size).T.tocsr()

    def forward(self, users, movies):
        """Outputs for a batch, and what the backward pass needs.

        ``U @ P`` for a one-hot ``U`` is the rows ``P[users]``: the embedding layer is a lookup,
        and is computed as one (``np.take``), which gives the same numbers faster.
        """
        p = self.params
        users, movies = np.asarray(users), np.asarray(movies)
        eu, ei = np.take(self.user_vectors(), users, axis=0), np.take(p["Q"], movies, axis=0)
        out = p["mu"][0] + p["b_user"][users] + p["b_movie"][movies] + np.einsum("br,br->b", eu, ei)
        return out, (users, movies, eu, ei)

    def loss_and_grads(self, users, movies, ratings, reg: float, reg_bias: float, N: int):
        """Batch loss ``mean (out - r)^2 + (reg |P|^2 + reg |Q|^2 + reg_bias |b|^2) / N`` and its gradient.

        The backward pass of a lookup is ``U.T @ (...)`` for the one-hot ``U`` (``one_hot``); ``U.T``
        is built directly, in compressed-column form (the same sums, in the same order; 10 % faster
        training, measured on notebook 05's split).
        """
        p = self.params
        out, (users, movies, eu, ei) = self.forward(users, movies)
        diff = out - ratings
        B = len(ratings)
        penalty = (reg * ((p["P"] ** 2).sum() + (p["Q"] ** 2).sum() + ((p["Y"] ** 2).sum() if "Y" in p else 0.0))
                   + reg_bias * ((p["b_user"] ** 2).sum() + (p["b_movie"] ** 2).sum())) / N
        loss = float(diff @ diff / B + penalty)
        g_out = 2.0 * diff / B  # d loss / d out
        Ut = self._lookup_transpose(users, len(p["b_user"]))
        It = self._lookup_transpose(movies, len(p["b_movie"]))
        grads = {
            "mu": np.array([g_out.sum()]),
            "b_user": Ut @ g_out + 2.0 * reg_bias / N * p["b_user"],
            "b_movie": It @ g_out + 2.0 * reg_bias / N * p["b_movie"],
            "P": Ut @ (g_out[:, None] * ei),  # back through the lookup
            "Q": It @ (g_out[:, None] * eu) + 2.0 * reg / N * p["Q"],
        }
        if self.implicit is not None:  # the user vector is P + N @ Y: the same gradient, back through N
            grads["Y"] = self.implicit.T @ grads["P"] + 2.0 * reg / N * p["Y"]
        grads["P"] += 2.0 * reg / N * p["P"]
        return loss, grads

    @staticmethod
    def _lookup_transpose(index: np.ndarray, size: int) -> sp.csc_matrix:
        """``one_hot(index, size).T``, shape (size, len(index)): column b has a single 1, in row index[b]."""
        B = len(index)
        return sp.csc_matrix((np.ones(B), index, np.arange(B + 1)), shape=(size, B))

    def model(self, history=None) -> FactorModel:
        """The network's weights as a ``FactorModel`` (copies)."""
        p = self.params
        return FactorModel(float(p["mu"][0]), p["b_user"].copy(), p["b_movie"].copy(), np.array(self.user_vectors()),
                           p["Q"].copy(), list(history or []))


def implicit_matrix(rows, cols, shape) -> np.ndarray | sp.csr_matrix:
    """SVD++'s normalised implicit feedback: ``N[u, j] = |N(u)|^(-1/2)`` for each rated (u, j).

    Parameters
    ----------
    rows, cols : int arrays of shape (m,)
        The rated (user, movie) pairs, each once.
    shape : (n, d)

    Returns
    -------
    array of shape (n, d) when it has at most 2**24 entries (BLAS is faster there), else CSR.
    """
    n, d = shape
    count = np.bincount(rows, minlength=n)
    N = sp.csr_matrix((1.0 / np.sqrt(count[rows]), (rows, cols)), shape=(n, d))
    return N.toarray() if n * d <= 2**24 else N


def fit_neural(X, rank: int = 20, reg: float = 10.0, reg_bias: float = 5.0, epochs: int = 15,
               lr: float = 0.01, decay: float = 0.9, batch: int = 4096, seed: int = 0, mask=None,
               validation=None, implicit: bool = False) -> FactorModel:
    """Train ``EmbeddingNet`` by minibatch Adam on the observed entries.

    Parameters
    ----------
    X : array of shape (n, d)
        Ratings, 0 = missing (unless ``mask`` is given).
    rank, reg, reg_bias : as ``fit_als``
    epochs : int, default 15
    lr : float, default 0.01
        Adam's step size, multiplied by ``decay`` after every epoch.
    batch : int, default 4096
    seed : int, default 0
        Seeds the initial embeddings and the order of the minibatches.
    mask : bool array of shape (n, d), optional
    validation : (rows, cols, ratings), optional
        Held-out entries: the returned weights are those of the epoch with the lowest
        validation RMSE (early stopping), and ``history`` holds that RMSE per epoch.
    implicit : bool, default False
        Add SVD++'s implicit feedback (which movies each user rated in X) to the user's
        vector; the returned model's ``P`` holds ``p_u + |N(u)|^(-1/2) sum_j y_j``.

    Returns
    -------
    FactorModel
    """
    rank, reg, reg_bias, seed = _check_hyper(rank, reg, reg_bias, seed)
    epochs = check_scalar(epochs, "epochs", int, low=1)
    lr = check_scalar(lr, "lr", low=0.0, low_inclusive=False)
    decay = check_scalar(decay, "decay", low=0.0, high=1.0, low_inclusive=False)
    batch = check_scalar(batch, "batch", int, low=1)
    triplets = observed_triplets(X, mask)
    (n, d) = np.shape(X)  # P, Q (and Y) five times (Adam's moments and scratch), a batch's embeddings
    check_memory(8 * rank * (5 * (n + d + (d if implicit else 0)) + 4 * batch),
                 f"fit_neural with rank = {rank:,} on a {n:,} x {d:,} matrix", f"a smaller rank (one above min(n, d) = {min(n, d):,} adds nothing)")
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 3):
            raise TypeError("validation must be a triple (rows, cols, ratings) or None")
        validation = check_entries(*validation, np.shape(X))
    return fit_neural_checked(triplets, np.shape(X), rank, reg, reg_bias, epochs, lr, decay, batch, seed, validation,
                              bool(implicit))


def fit_neural_checked(triplets, shape: tuple[int, int], rank: int, reg: float, reg_bias: float = 5.0, epochs: int = 15,
                       lr: float = 0.01, decay: float = 0.9, batch: int = 4096, seed: int = 0, validation=None,
                       implicit: bool = False) -> FactorModel:
    """``fit_neural`` on checked arguments: ``triplets`` from ``observed_triplets_checked``, ``shape`` = (n, d),
    ``validation`` None or checked with ``check_entries``. ``evaluate`` calls it."""
    rows, cols, ratings = triplets
    n, d = shape
    N = len(ratings)
    rng = np.random.default_rng(seed)
    net = EmbeddingNet(n, d, rank, seed=seed, mu=float(ratings.mean()),
                       implicit=implicit_matrix(rows, cols, (n, d)) if implicit else None)
    m = {k: np.zeros_like(v) for k, v in net.params.items()}
    v = {k: np.zeros_like(v) for k, v in net.params.items()}
    scratch = {k: (np.empty_like(v), np.empty_like(v)) for k, v in net.params.items()}  # Adam's temporaries
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    history, best, best_score = [], None, np.inf
    for epoch in range(epochs):
        step = lr * decay**epoch
        order = rng.permutation(N)
        total = 0.0
        for start in range(0, N, batch):
            idx = order[start:start + batch]
            loss, grads = net.loss_and_grads(rows[idx], cols[idx], ratings[idx], reg, reg_bias, N)
            total += loss * len(idx)
            t += 1
            c1, c2 = 1 - b1**t, 1 - b2**t
            for k, g in grads.items():
                # Adam: m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
                # param -= step (m / c1) / (sqrt(v / c2) + eps), the same operations in the same
                # order, written into preallocated arrays (2.4x faster than with temporaries)
                a, b = scratch[k]
                m[k] *= b1
                m[k] += np.multiply(g, 1 - b1, out=a)
                v[k] *= b2
                np.multiply(g, 1 - b2, out=a)
                a *= g
                v[k] += a
                np.sqrt(np.divide(v[k], c2, out=b), out=b)
                b += eps
                np.divide(m[k], c1, out=a)
                a *= step
                a /= b
                net.params[k] -= a
        if validation is not None:
            vr, vc, vy = validation
            pred = np.clip(net.forward(np.asarray(vr), np.asarray(vc))[0], 1, 5)
            score = float(np.sqrt(np.mean((pred - vy) ** 2)))
            history.append(score)
            if score < best_score:
                best_score, best = score, net.model()
        else:
            history.append(total / N)  # the epoch's mean batch loss
    model = best if best is not None else net.model()
    model.history = history
    return model
