"""Full-covariance EM (cfgmm_lib.imaging.full_em) against a plain loop and against scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from cfgmm_lib.common import MAX_ITER, ComponentCollapse, NotConvergedWarning, RunResult
from cfgmm_lib.imaging import full_em
from cfgmm_lib.imaging.full_em import FullMixture


def _data(n=300, d=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(3, d))
    A = rng.normal(size=(3, d, d)) * 0.7
    labels = rng.integers(0, 3, n)
    return centres[labels] + np.einsum("nij,nj->ni", A[labels], rng.normal(size=(n, d)))


def _loop_estep(X, mixture):
    """One sample and one component at a time, with scipy's density."""
    n, K = X.shape[0], mixture.p.size
    joint = np.zeros((n, K))
    for i in range(n):
        for c in range(K):
            joint[i, c] = mixture.p[c] * multivariate_normal(mixture.mu[c], mixture.cov[c]).pdf(X[i])
    return joint / joint.sum(1, keepdims=True), float(np.log(joint.sum(1)).sum())


def _loop_mstep(X, post, reg):
    n, d = X.shape
    mus, covs, ps = [], [], []
    for c in range(post.shape[1]):
        nc = sum(post[i, c] for i in range(n))
        mu = sum(post[i, c] * X[i] for i in range(n)) / nc
        cov = sum(post[i, c] * np.outer(X[i] - mu, X[i] - mu) for i in range(n)) / nc + reg * np.eye(d)
        mus.append(mu), covs.append(cov), ps.append(nc / n)
    return FullMixture(np.array(mus), np.array(covs), np.array(ps))


def test_estep_and_mstep_agree_with_a_plain_loop():
    X = _data(n=120)
    mixture, _ = full_em.init(X, 3, seed=1)
    for _ in range(3):
        post_loop, ll_loop = _loop_estep(X, mixture)
        post, ll = full_em.estep(X, mixture)
        np.testing.assert_allclose(post, post_loop, rtol=1e-9, atol=1e-12)
        assert ll == pytest.approx(ll_loop, rel=1e-11)
        new = full_em.mstep(X, post, reg_covar=1e-3)
        ref = _loop_mstep(X, post, 1e-3)
        for a, b in zip(new, ref):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        mixture = new


def test_step_for_step_like_scikit_learn_from_the_same_parameters():
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    X = _data(n=400, d=5, seed=3)
    start, _ = full_em.init(X, 3, seed=0)
    precisions = np.linalg.inv(start.cov)
    mixture = start
    for t in range(1, 9):  # sklearn's fit with max_iter=t: t E-steps and t M-steps from the same start
        post, ll = full_em.estep(X, mixture)
        mixture = full_em.mstep(X, post, reg_covar=1e-6)
        gm = GaussianMixture(3, covariance_type="full", max_iter=t, tol=0.0, reg_covar=1e-6,
                             weights_init=start.p, means_init=start.mu, precisions_init=precisions,
                             init_params="random_from_data", random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm.fit(X)
        assert ll / X.shape[0] == pytest.approx(gm.lower_bound_, rel=1e-8), f"iteration {t}"
        np.testing.assert_allclose(mixture.mu, gm.means_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(mixture.cov, gm.covariances_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(mixture.p, gm.weights_, rtol=1e-8)


def test_run_never_decreases_the_likelihood_and_stops_by_the_handouts_rule():
    X = _data(n=300, d=3, seed=5)
    result = full_em.fit(X, 3, seed=2)
    assert np.all(np.diff(result.lls) >= -1e-9 * np.abs(result.lls[1:]))
    assert result.lls[-1] - result.lls[-2] <= 1e-6 * abs(result.lls[-1])
    assert np.all(np.diff(result.lls)[:-1] > 1e-6 * np.abs(result.lls[1:-1]))
    mixture, post, ll = full_em.run(X, full_em.init(X, 3, seed=2)[0])
    assert ll == result.lls[-1]
    np.testing.assert_array_equal(mixture.cov, result.mixture.cov)
    assert result.converged and result.n_iter == len(result.lls)
    with pytest.warns(NotConvergedWarning, match="full_em.fit stopped after max_iter = 2"):
        short = full_em.fit(X, 3, seed=2, max_iter=2)
    assert len(short.lls) == 2 and short.n_iter == 2 and not short.converged


def test_run_is_on_the_one_loop_engine_and_warns_at_its_cap_as_em_run_does():
    X = _data(n=300, d=3, seed=5)
    start, post = full_em.init(X, 3, seed=2)
    with pytest.warns(NotConvergedWarning, match="full_em.run stopped after max_iter = 2") as caught:
        result = full_em.run(X, start, post, max_iter=2)
    assert caught[0].filename == __file__  # the warning points at the caller, as em.run's does
    assert isinstance(result, RunResult) and result.n_iter == 2 and not result.converged
    mixture, post2, ll = result  # unpacks as the handout's triple
    assert isinstance(mixture, FullMixture) and post2.shape == (300, 3) and np.isfinite(ll)
    assert result.estep_mixture is not None
    full = full_em.run(X, start)
    assert full.converged and full.n_iter > 2 and full_em.run.__kwdefaults__["max_iter"] == MAX_ITER


def test_inputs_are_not_mutated():
    X = _data(n=50)
    X0 = X.copy()
    mixture, post = full_em.init(X, 2, seed=0)
    copies = [a.copy() for a in mixture]
    post, _ = full_em.estep(X, mixture)
    post0 = post.copy()
    full_em.mstep(X, post)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(post, post0)
    for a, b in zip(mixture, copies):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad, match", [
    (lambda m: FullMixture(m.mu, m.cov[:, :2, :2], m.p), "mixture.cov must have shape"),
    (lambda m: FullMixture(m.mu[:, :2], m.cov, m.p), "mixture.mu must have shape"),
    (lambda m: FullMixture(m.mu, m.cov, m.p * 2), "mixture.p must"),
    (lambda m: FullMixture(m.mu, -m.cov, m.p), r"mixture.cov\[0\] is not positive definite"),
    (lambda m: FullMixture(m.mu, m.cov + np.triu(np.ones_like(m.cov[0]), 1), m.p), "symmetric"),
    (lambda m: (m.mu, m.cov), "FullMixture"),
])
def test_bad_mixtures_get_clear_errors(bad, match):
    X = _data(n=40)
    mixture, _ = full_em.init(X, 2, seed=0)
    with pytest.raises((ValueError, TypeError), match=match):
        full_em.estep(X, bad(mixture))


def test_bad_arguments_get_clear_errors():
    X = _data(n=40)
    mixture, post = full_em.init(X, 2, seed=0)
    with pytest.raises(ValueError, match="reg_covar"):
        full_em.mstep(X, post, reg_covar=-1.0)
    with pytest.raises(ValueError, match=r"post must have shape \(n, K\)"):
        full_em.mstep(X, post[:10])
    with pytest.raises(ValueError, match="post's rows must each sum to 1"):
        full_em.mstep(X, post * 3)
    with pytest.raises(ValueError, match="post must be non-negative"):
        full_em.mstep(X, np.where(np.arange(2) == 0, 1.5, -0.5) * np.ones((40, 1)))
    with pytest.raises(TypeError, match="max_iter must be an integer, got the bool True"):
        full_em.fit(X, 2, max_iter=True)  # the one scalar checker: as em.run says it
    with pytest.raises(TypeError, match="reg_covar must be a real number"):
        full_em.run(X, mixture, reg_covar="1e-6")
    with pytest.raises(ValueError, match="max_iter"):
        full_em.fit(X, 2, max_iter=0)
    with pytest.raises(ValueError, match="K must satisfy"):
        full_em.fit(X, 41)
    with pytest.raises(ValueError, match="X contains NaN"):
        full_em.estep(np.where(X > 1, np.nan, X), mixture)


def test_a_component_that_owns_nothing_is_reported():
    X = _data(n=40)
    post = np.zeros((40, 2))
    post[:, 0] = 1.0
    with pytest.raises(ComponentCollapse, match="component 1"):
        full_em.mstep(X, post)


def test_benchmark_prints_its_ratio():
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_imaging.py"
    out = subprocess.run([sys.executable, str(script), "--n", "3000", "--K", "4", "--rounds", "1"],
                         capture_output=True, text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"}).stdout
    assert "(target <= 1.0)" in out
    assert float(out.split("ours / sklearn")[1].split()[0]) > 0
    assert float(out.split("mean log-likelihood")[1].split()[0]) < 1e-8  # the same steps


def test_components_that_start_equal_stay_equal():
    # why notebook 06's prior keeps copies of its dark-sky component: equal parameters give equal
    # posteriors, hence equal M-step updates, for ever (EM cannot split them again)
    X = _data(n=200)
    start, _ = full_em.init(X, 3, seed=0)
    twins = FullMixture(start.mu[[0, 0, 1]], start.cov[[0, 0, 1]], start.p)
    post, _ = full_em.estep(X, twins)
    np.testing.assert_array_equal(post[:, 0], post[:, 1])
    mixture, _, _ = full_em.run(X, twins, max_iter=20)
    np.testing.assert_array_equal(mixture.mu[0], mixture.mu[1])
    np.testing.assert_array_equal(mixture.cov[0], mixture.cov[1])
    apart, _, _ = full_em.run(X, start, max_iter=20)
    assert np.abs(apart.mu[0] - apart.mu[1]).max() > 1.0  # from distinct rows they go their own ways

