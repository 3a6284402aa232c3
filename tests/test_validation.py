"""Bad input gets a clear error that names the problem."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import GaussianMixture, bic, em, init, kmeans, naive_em, plot, rmse
from cfgmm_lib.sweep import sweep

X = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 4.0], [5.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
GOOD = GaussianMixture(np.array([[1.0, 2.0, 1.0], [3.0, 1.0, 4.0]]), np.array([1.0, 2.0]), np.array([0.5, 0.5]))
POST = np.full((4, 2), 0.5)


def with_(**changes):
    return GOOD._replace(**changes)


RUNS = [
    ("kmeans.run", lambda X, m, post: kmeans.run(X, m, post)),
    ("naive_em.run", lambda X, m, post: naive_em.run(X, m, post)),
    ("em.run", lambda X, m, post: em.run(X, m, post)),
]
ESTEPS = [
    ("kmeans.estep", lambda X, m: kmeans.estep(X, m)),
    ("naive_em.estep", naive_em.estep),
    ("em.estep", em.estep),
    ("em.fill_matrix", em.fill_matrix),
    ("bic", lambda X, m: bic(X, m, -1.0)),
]


@pytest.mark.parametrize("name,fn", ESTEPS)
@pytest.mark.parametrize("bad,match", [
    (X[0], "2-D"),
    (X[None], "2-D"),
    (np.where(X == 4.0, np.nan, X), "NaN or inf"),
    (np.where(X == 4.0, np.inf, X), "NaN or inf"),
    (np.zeros((0, 3)), "at least one row"),
])
def test_bad_X(name, fn, bad, match):
    with pytest.raises(ValueError, match=match):
        fn(bad, GOOD)


def test_non_numeric_X_is_a_type_error():
    with pytest.raises(TypeError, match="numeric"):
        init([["a", "b"], ["c", "d"]], 1)


@pytest.mark.parametrize("name,fn", ESTEPS)
@pytest.mark.parametrize("mixture,match", [
    (with_(mu=np.ones((2, 4))), "width 4 but X has d = 3"),
    (with_(var=np.array([-1.0, 1.0])), "var must be (non-negative|positive); component 0"),
    (with_(p=np.array([0.5, 0.6])), "sum to 1"),
    (with_(p=np.array([1.5, -0.5])), "non-negative"),
    (with_(var=np.array([1.0, 2.0, 3.0])), r"shape \(K,\)"),
    (with_(p=np.array([0.5, np.nan])), "NaN or inf"),
])
def test_bad_mixture(name, fn, mixture, match):
    with pytest.raises(ValueError, match=match):
        fn(X, mixture)


@pytest.mark.parametrize("name,fn", [e for e in ESTEPS if e[0] != "kmeans.estep"])
def test_zero_variance_is_refused_where_it_is_a_density(name, fn):
    with pytest.raises(ValueError, match="var must be positive; component 1 has variance 0.0"):
        fn(X, with_(var=np.array([1.0, 0.0])))


def test_kmeans_accepts_a_zero_variance_cluster():
    """A K-means cluster of identical rows has variance 0; K-means never uses it as a density."""
    post = kmeans.estep(X, with_(var=np.array([1.0, 0.0])))
    assert post.sum() == 4


def test_mixture_of_wrong_type():
    with pytest.raises(TypeError, match="GaussianMixture"):
        em.estep(X, (1, 2, 3))


@pytest.mark.parametrize("K", [0, -1, 5])
def test_K_out_of_range(K):
    with pytest.raises(ValueError, match="1 <= K <= n = 4"):
        init(X, K)
    with pytest.raises(ValueError, match="1 <= K <= n = 4"):
        sweep(X, [K], [0])


@pytest.mark.parametrize("K", [1.5, "2", True])
def test_K_not_an_integer(K):
    with pytest.raises(TypeError, match="K must be an integer"):
        init(X, K)


@pytest.mark.parametrize("name,fn", RUNS)
@pytest.mark.parametrize("post", [np.full((4, 3), 1 / 3), np.full((3, 2), 0.5), np.full(4, 0.5), 0, None])
def test_run_ignores_its_post_argument_as_the_course_does(name, fn, post):
    # the course's run overwrites post before reading it, so learners pass anything (a 0, say)
    expected = fn(X, GOOD, POST)
    got = fn(X, GOOD, post)
    assert got[2] == expected[2]
    np.testing.assert_array_equal(got[1], expected[1])


@pytest.mark.parametrize("fn", [naive_em.mstep, lambda X, post: em.mstep(X, post, GOOD),
                                lambda X, post: kmeans.mstep(X, post, GOOD)])
def test_mstep_post_of_wrong_shape(fn):
    with pytest.raises(ValueError, match="post must have shape"):
        fn(X, np.full((3, 2), 0.5))


def test_em_mstep_needs_the_current_mixture():
    # unlike naive_em.mstep and kmeans.mstep, em.mstep reads the mixture (means with a soft count
    # below 1 keep their value): None is refused by name, not met with an AttributeError
    with pytest.raises(TypeError, match=r"\bmixture must be a GaussianMixture\(mu, var, p\), got NoneType"):
        em.mstep(X, POST, None)
    with pytest.raises(TypeError, match=r"em\.mstep needs the current mixture \(a mean entry with soft count below 1 "):
        em.mstep(X, POST, None)  # ... and says why


def test_em_mask_checks():
    with pytest.raises(ValueError, match="mask must have the shape of X"):
        em.estep(X, GOOD, mask=np.ones((4, 2), bool))
    with pytest.raises(ValueError, match="mask must be boolean"):
        em.estep(X, GOOD, mask=np.full(X.shape, 2))
    # a complex mask: named, with the meaning of True and the problem
    with pytest.raises(TypeError, match=r"^mask must be boolean \(True = observed\), got a complex array$"):
        em.estep(X, GOOD, mask=np.ones(X.shape) + 0j)


def test_em_observe_refuses_a_mask_with_a_sparse_X():
    # a sparse X's stored entries are the observed ratings: a mask would be silently ignored
    from scipy.sparse import csr_matrix

    with pytest.raises(ValueError, match=r"^mask= is for a dense X; in a sparse X the stored entries are the obs"):
        em.observe(csr_matrix(X), mask=X != 0)


def test_em_mstep_refuses_a_missing_post_by_name():
    with pytest.raises(ValueError, match=r"^post must have shape \(n, K\) = \(4, 2\)"):
        em.mstep(X, None, GOOD)


def test_min_variance_must_be_positive():
    with pytest.raises(ValueError, match="min_variance must be a positive number"):
        em.mstep(X, POST, GOOD, min_variance=0)
    with pytest.raises(ValueError, match="min_variance"):
        em.run(X, GOOD, POST, min_variance=-1)


def test_bic_needs_finite_ll():
    with pytest.raises(ValueError, match="log_likelihood must be finite"):
        bic(X, GOOD, float("nan"))


def test_rmse_shapes():
    with pytest.raises(ValueError, match="same shape"):
        rmse(X, X[:2])


def test_plot_needs_2d_points():
    with pytest.raises(ValueError, match="2-D points; X has d = 3"):
        plot(X, GOOD, POST)


def test_seed_must_be_an_integer():
    with pytest.raises(TypeError, match="seed must be an integer"):
        init(X, 2, seed=0.5)


def test_sweep_rejects_unknown_method_and_options():
    with pytest.raises(ValueError, match="method must be one of"):
        sweep(X, [1], [0], method="gmm")
    with pytest.raises(TypeError, match="takes no options"):
        sweep(X, [1], [0], method="kmeans", min_variance=1.0)
