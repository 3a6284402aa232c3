"""Sparse input (cfgmm_lib.scale): the same numbers as dense, and nothing (n, d) is ever made."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cfgmm_lib import bic, em, init
from cfgmm_lib.common import GaussianMixture
from cfgmm_lib.evaluation import fit_bias, fit_means, holdout_split, predict_global_mean, predict_user_mean
from cfgmm_lib.factorization import fit_als
from cfgmm_lib.scale import MAX_FILL_ENTRIES, check_sparse, netflix_like, predict
from cfgmm_lib.scale import synthetic
from cfgmm_lib.sweep import sweep

RTOL = 1e-10


def assert_mixtures_close(a: GaussianMixture, b: GaussianMixture):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=RTOL, atol=RTOL * np.abs(x).max())


def holey(rng, n=60, d=25, density=0.3):
    """Random ratings with empty rows and never-observed columns."""
    X = np.where(rng.random((n, d)) < density, rng.integers(1, 6, (n, d)).astype(float), 0.0)
    X[[3, 17, 40]] = 0.0  # users with no rating
    X[:, [0, 11]] = 0.0  # movies nobody rated
    return X


def compare_everything(X, K, seed, history=True):
    S = sp.csr_matrix(X)
    m, p = init(X, K, seed)
    ms, ps = init(S, K, seed)
    assert_mixtures_close(m, ms)
    np.testing.assert_array_equal(p, ps)
    post, ll = em.estep(X, m)
    posts, lls = em.estep(S, m)
    np.testing.assert_allclose(posts, post, rtol=RTOL, atol=1e-13)
    assert lls == pytest.approx(ll, rel=RTOL)
    assert_mixtures_close(em.mstep(X, post, m), em.mstep(S, post, m))
    a, b = em.run(X, m, p), em.run(S, ms, ps)
    assert_mixtures_close(a[0], b[0])
    np.testing.assert_allclose(b[1], a[1], rtol=RTOL, atol=1e-12)
    assert b[2] == pytest.approx(a[2], rel=RTOL)
    if history:
        ha, hb = em.history(X, m), em.history(S, m)
        assert len(ha) == len(hb)
        assert [h.ll for h in hb] == pytest.approx([h.ll for h in ha], rel=RTOL)
        assert_mixtures_close(ha[-1].estep_mixture, hb[-1].estep_mixture)
    assert bic(S, a[0], a[2]) == bic(X, a[0], a[2])
    F, G = em.fill_matrix(X, a[0]), em.fill_matrix(S, a[0])
    np.testing.assert_allclose(G, F, rtol=RTOL, atol=1e-12)
    return S, a


def test_sparse_equals_dense_on_the_course_test_case(course):
    X = course("test_incomplete")
    S, (mixture, _, ll) = compare_everything(X, 4, 0)
    assert ll == pytest.approx(-84.98451993042474, rel=1e-12)
    rmse = np.sqrt(np.mean((em.fill_matrix(S, mixture) - course("test_complete")) ** 2))
    assert rmse == pytest.approx(0.3152301205749675, rel=1e-10)


@pytest.mark.course_data
def test_sparse_equals_dense_on_the_course_netflix_matrix(course):
    X = course("netflix_incomplete")
    S, (mixture, _, ll) = compare_everything(X, 12, 1, history=False)
    assert ll == pytest.approx(-1390234.4223469, rel=1e-12)
    rows, cols = np.nonzero(X == 0)
    np.testing.assert_allclose(predict(S, mixture, rows[::50], cols[::50]),
                               em.fill_matrix(X, mixture)[rows[::50], cols[::50]], rtol=RTOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_equals_dense_with_empty_rows_and_unrated_movies(seed):
    rng = np.random.default_rng(seed)
    X = holey(rng)
    compare_everything(X, 3, seed)
    S = sp.csr_matrix(X)
    dense = sweep(X, [1, 3], seeds=range(2), method="em")
    sparse = sweep(S, [1, 3], seeds=range(2), method="em")
    for K in (1, 3):
        assert sparse.best(K).score == pytest.approx(dense.best(K).score, rel=RTOL)
        assert sparse.bic(K) == pytest.approx(dense.bic(K), rel=RTOL)


def test_a_stored_zero_is_an_observed_rating_like_a_dense_mask():
    rng = np.random.default_rng(5)
    R = rng.normal(0, 1, (40, 12))
    mask = rng.random((40, 12)) < 0.4
    R[mask & (rng.random((40, 12)) < 0.2)] = 0.0  # observed residuals of exactly 0
    rows, cols = np.nonzero(mask)
    S = sp.csr_matrix((R[rows, cols], (rows, cols)), shape=R.shape)
    assert S.nnz == mask.sum()  # the zeros stay stored
    mixture, post = init(np.where(mask, R, 0.0), 3, 0)
    a = em.run(R, mixture, post, mask=mask)
    b = em.run(S, mixture, post)
    assert_mixtures_close(a[0], b[0])
    r, c = np.nonzero(~mask)
    np.testing.assert_allclose(predict(S, a[0], r, c), predict(R, a[0], r, c, mask=mask), rtol=RTOL)
    np.testing.assert_allclose(predict(R, a[0], r, c, mask=mask), em.fill_matrix(R, a[0], mask=mask)[r, c])
    np.testing.assert_array_equal(predict(S, a[0], rows, cols), R[rows, cols])  # observed: kept


def test_every_sparse_format_gives_the_same_numbers():
    X = holey(np.random.default_rng(9))
    mixture, post = init(X, 2, 0)
    want = em.run(X, mixture, post)[2]
    for fmt in ("csr", "csc", "coo", "lil", "dok"):
        S = sp.csr_matrix(X).asformat(fmt)
        assert em.run(S, mixture, post)[2] == pytest.approx(want, rel=RTOL), fmt
    assert em.run(sp.csr_array(X), mixture, post)[2] == pytest.approx(want, rel=RTOL)


def test_a_matrix_too_large_to_densify_works_and_fill_matrix_refuses():
    n, d = 1_000_000, 100_000  # dense float64: 800 GB
    rng = np.random.default_rng(0)
    m = 20_000
    rows = rng.integers(0, 2000, m) * 500  # 2000 users, spread over the rows
    cols = rng.integers(0, 3000, m) * 30
    rows, cols = np.unique(np.c_[rows, cols], axis=0).T
    S = sp.csr_matrix((rng.integers(1, 6, rows.size).astype(float), (rows, cols)), shape=(n, d))
    mixture, post = init(S, 3, 0)
    mixture, post, ll = em.run(S, mixture, post)
    assert np.isfinite(ll) and post.shape == (n, 3)
    pred = predict(S, mixture, np.array([0, 500, 999_999]), np.array([1, 30, 5]))
    assert pred.shape == (3,) and np.isfinite(pred).all()
    assert n * d > MAX_FILL_ENTRIES
    with pytest.raises(ValueError, match=r"cfgmm_lib\.scale\.predict\(X, mixture, rows, cols\)"):
        em.fill_matrix(S, mixture)
    # the held-out protocol's pieces work on it too, and the whole-matrix baselines refuse to fill it
    S_train, hr, hc, hv = holdout_split(S, 0.1, 0)
    assert S_train.shape == S.shape and S_train.nnz + hv.size == S.nnz
    assert np.isfinite(fit_bias(S_train).predict(hr, hc)).all()
    assert np.isfinite(fit_means(S_train, "user").predict(hr, hc)).all()
    with pytest.raises(ValueError, match=r"fit_means\(X, 'user'\)\.predict\(rows, cols\)"):
        predict_user_mean(S)
    with pytest.raises(ValueError, match="800.0 GB"):
        predict_global_mean(S)
    with pytest.raises(ValueError, match="fit_neural trains the same model"):
        fit_als(S, 2)


def test_sparse_input_is_checked_and_never_changed():
    X = holey(np.random.default_rng(1))
    S = sp.csr_matrix(X)
    mixture, post = init(X, 2, 0)
    with pytest.raises(ValueError, match="more than once"):
        em.estep(sp.coo_matrix((np.ones(2), ([0, 0], [1, 1])), shape=(3, 3)), GaussianMixture(
            np.ones((1, 3)), np.ones(1), np.ones(1)))
    bad = S.copy()
    bad.data[2] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        em.run(bad, mixture, post)
    with pytest.raises(ValueError, match="mask= is for a dense X"):
        em.estep(S, mixture, mask=X != 0)
    with pytest.raises(ValueError, match="method='em'"):
        sweep(S, [2], method="kmeans")
    with pytest.raises(TypeError, match="real numbers"):
        check_sparse(sp.csr_matrix(np.eye(3) * 1j))
    with pytest.raises(ValueError, match="have one length"):
        predict(S, mixture, [0, 1], [0])
    with pytest.raises(ValueError, match=r"indices in \[0, 25\)"):
        predict(S, mixture, [0], [25])
    # an unsorted CSR is read correctly and left as it was
    unsorted = sp.csr_matrix((np.r_[2.0, 5.0], np.r_[4, 1], np.r_[0, 2, 2]), shape=(2, 6))
    before = unsorted.indices.copy()
    check_sparse(unsorted)
    np.testing.assert_array_equal(unsorted.indices, before)


def test_netflix_like_is_deterministic_skewed_and_has_the_course_shares(monkeypatch):
    monkeypatch.setattr(synthetic, "_CHUNK_RATINGS", 40_000)  # several chunks
    X, truth = netflix_like(3000, 2000, 200_000, K=4, seed=3, planted=True)
    Y = netflix_like(3000, 2000, 200_000, K=4, seed=3)
    assert X.shape == (3000, 2000) and X.nnz == 200_000 and X.dtype == np.float64
    assert (X != Y).nnz == 0
    assert netflix_like(3000, 2000, 200_000, K=4, seed=4).data.sum() != X.data.sum()
    Xc = X.copy()
    Xc.sum_duplicates()
    assert Xc.nnz == X.nnz and X.has_sorted_indices  # no rating stored twice
    assert np.isin(X.data, [1, 2, 3, 4, 5]).all()
    shares = np.bincount(X.data.astype(int), minlength=6)[1:] / X.nnz
    np.testing.assert_allclose(shares, synthetic.COURSE_SHARES, atol=0.01)
    per_user, per_movie = np.diff(X.indptr), np.bincount(X.indices, minlength=2000)
    assert per_user.max() > 5 * np.median(per_user) and per_movie.max() > 20 * np.median(per_movie)
    assert per_user.max() <= 1000
    assert truth.group.shape == (3000,) and truth.weights.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="sparse matrices"):
        netflix_like(10, 10, 60)


def test_sparse_em_recovers_the_planted_groups():
    X, truth = netflix_like(3000, 400, 120_000, K=3, seed=1, planted=True)
    best = sweep(X, [3], seeds=range(3), method="em").best(3)
    found = best.post.argmax(axis=1)
    # the best matching of found to planted groups explains most users
    table = np.zeros((3, 3))
    np.add.at(table, (truth.group, found), 1)
    assert table.max(axis=1).sum() / 3000 > 0.8


def test_the_heldout_protocol_on_sparse_input_matches_dense():
    from cfgmm_lib import evaluation as ev

    rng = np.random.default_rng(11)
    X = holey(rng, n=80, d=30, density=0.5)
    S = sp.csr_matrix(X)
    before = S.copy()
    Xt, rows, cols, y = ev.holdout_split(X, 0.2, seed=4)
    St, srows, scols, sy = ev.holdout_split(S, 0.2, seed=4)
    assert sp.issparse(St) and (S != before).nnz == 0
    for a, b in ((rows, srows), (cols, scols), (y, sy)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(St.toarray(), Xt)
    assert St.nnz == (Xt != 0).sum()
    for kind in ("global", "user", "movie"):
        np.testing.assert_allclose(ev.fit_means(St, kind).predict(rows, cols),
                                   ev.fit_means(Xt, kind).predict(rows, cols), rtol=RTOL)
    bias, sbias = ev.fit_bias(Xt, 5.0, 5.0), ev.fit_bias(St, 5.0, 5.0)
    np.testing.assert_allclose(sbias.predict(rows, cols), bias.predict(rows, cols), rtol=RTOL)
    for offset in (None, bias):
        a = ev.fit_mixture(Xt, 3, seeds=range(2), offset=offset)
        b = ev.fit_mixture(St, 3, seeds=range(2), offset=offset)
        assert b.ll == pytest.approx(a.ll, rel=RTOL) and b.seed == a.seed
        np.testing.assert_allclose(b.predict(rows, cols), a.predict(rows, cols), rtol=RTOL)
    with pytest.raises(ValueError, match="mask= is for a dense X"):
        ev.fit_bias(St, mask=Xt != 0)
