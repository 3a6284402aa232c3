"""Tiny cases whose answers are computed by hand, and stopping rules on sequences built to stop at a known step.

Every expected value here comes from the handout's definitions worked out on paper (written
next to each case), not from the code under test. They need no course data, so a contributor's
default run catches the same algorithm bugs that the course's reference numbers catch in CI.
"""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib import GaussianMixture, bic, em, init, kmeans, naive_em, rmse

# ----- init -----

# Three points; var[j] = mean over all n*d = 6 entries of (X - mu[j])**2, zeros included:
#   mu = (0, 0): (0 + 0) + (1 + 0) + (0 + 4) = 5 -> 5/6
#   mu = (1, 0): (1 + 0) + (0 + 0) + (1 + 4) = 6 -> 1
#   mu = (0, 2): (0 + 4) + (1 + 4) + (0 + 0) = 9 -> 3/2
THREE = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
THREE_VAR = {0: 5 / 6, 1: 1.0, 2: 1.5}


@pytest.mark.parametrize("K,seed", [(1, 0), (2, 0), (2, 5), (3, 0), (3, 1)])
def test_init_variances_on_a_hand_computed_case(K, seed):
    mixture, post = init(THREE, K, seed)
    rows = np.random.RandomState(seed).choice(3, K, replace=False)  # SPEC: the course's draw
    np.testing.assert_array_equal(mixture.mu, THREE[rows])
    # exact fractions: only rounding of the last bit is allowed
    np.testing.assert_allclose(mixture.var, [THREE_VAR[r] for r in rows], rtol=1e-15)
    np.testing.assert_array_equal(mixture.p, np.full(K, 1 / K))
    np.testing.assert_array_equal(post, np.full((3, K), 1 / K))


# ----- K-means -----

# Ten points on a line (second coordinate 0, so d = 2), two means started at 0 and 1.
# Lloyd's iterations, by hand (ties go to the lower index):
#   it 1: {0} | {1..9}        means 0, 5      cost 0 + 60   = 60
#   it 2: {0,1,2} | {3..9}     means 1, 6      cost 2 + 28   = 30
#   it 3: {0..3} | {4..9}      means 1.5, 6.5  cost 5 + 17.5 = 22.5
#   it 4: {0..4} | {5..9}      means 2, 7      cost 10 + 10  = 20   (4 is a tie at 1.5 / 6.5: lower index)
#   it 5: the same assignment, cost 20: decrease 0 <= 1e-4, stop.
LINE = np.c_[np.arange(10.0), np.zeros(10)]
LINE_START = GaussianMixture(np.array([[0.0, 0.0], [1.0, 0.0]]), np.ones(2), np.full(2, 0.5))
LINE_STATES = {  # after iteration t: means (first coordinate), SSE per cluster, cluster sizes
    2: ((1.0, 6.0), (2.0, 28.0), (3, 7)),
    3: ((1.5, 6.5), (5.0, 17.5), (4, 6)),
    4: ((2.0, 7.0), (10.0, 10.0), (5, 5)),
}


def _expected(t, scale=1.0):
    means, sse, sizes = LINE_STATES[t]
    d, n = 2, 10
    mu = np.array([[means[0], 0.0], [means[1], 0.0]]) * scale
    var = np.array([sse[0] / (d * sizes[0]), sse[1] / (d * sizes[1])]) * scale**2  # SSE_j / (d n_j)
    p = np.array(sizes) / n
    return mu, var, p, sum(sse) * scale**2


def _run_line(scale):
    start = GaussianMixture(LINE_START.mu * scale, LINE_START.var, LINE_START.p)
    return kmeans.run(LINE * scale, start, np.full((10, 2), 0.5))


def test_kmeans_converges_to_the_hand_computed_fixed_point():
    mixture, post, cost = _run_line(1.0)
    mu, var, p, total = _expected(4)
    np.testing.assert_array_equal(mixture.mu, mu)  # means of integers: exact
    np.testing.assert_array_equal(mixture.var, var)  # var = SSE_j / (d n_j) = 10 / (2 * 5) = 1
    np.testing.assert_array_equal(mixture.p, p)
    assert cost == total == 20.0
    np.testing.assert_array_equal(post.argmax(axis=1), [0] * 5 + [1] * 5)  # the tie at 4 goes to component 0


# The stopping rule is absolute: stop when previous_cost - cost <= 1e-4. Scaling the points by s
# scales every cost by s**2 and leaves the iterations alone, so the decreases of iterations 2, 3, 4
# (30, 7.5, 2.5 unscaled) cross 1e-4 at a scale we choose:
#   s = 1e-3:      decrease of it 2 is 3e-5 <= 1e-4          -> stops after it 2
#   s = 10**-2.5:  it 2 decreases 3e-4, it 3 7.5e-5 <= 1e-4  -> stops after it 3
# A relative rule (<= 1e-4 * cost) would not stop at either: it would reach the fixed point.
@pytest.mark.parametrize("scale,stop", [(1e-3, 2), (10**-2.5, 3)])
def test_kmeans_absolute_stopping_rule_stops_at_the_known_iteration(scale, stop):
    mixture, post, cost = _run_line(scale)
    mu, var, p, total = _expected(stop, scale)
    # a handful of roundings of scaled numbers: 1e-12 relative
    np.testing.assert_allclose(mixture.mu, mu, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(mixture.var, var, rtol=1e-12)
    np.testing.assert_array_equal(mixture.p, p)
    assert cost == pytest.approx(total, rel=1e-12, abs=0)


def test_kmeans_variance_weight_and_cost_on_two_point_clusters():
    # two clusters of two points in d = 3: cluster 0 = (0,0,0), (2,0,0) -> mean (1,0,0), SSE 2;
    # cluster 1 = (10,10,10), (10,13,10) -> mean (10,11.5,10), SSE 4.5.
    X = np.array([[0.0, 0, 0], [2, 0, 0], [10, 10, 10], [10, 13, 10]])
    post = np.array([[1.0, 0], [1, 0], [0, 1], [0, 1]])
    mixture, cost = kmeans.mstep(X, post)
    np.testing.assert_array_equal(mixture.mu, [[1, 0, 0], [10, 11.5, 10]])
    np.testing.assert_array_equal(mixture.var, [2 / (3 * 2), 4.5 / (3 * 2)])  # SSE_j / (d n_j), d = 3
    np.testing.assert_array_equal(mixture.p, [0.5, 0.5])
    assert cost == 6.5
    # and K-means run from those means keeps them (a fixed point), with the same numbers
    run_mix, run_post, run_cost = kmeans.run(X, mixture, post)
    np.testing.assert_array_equal(run_mix.var, mixture.var)
    np.testing.assert_array_equal(run_post, post)
    assert run_cost == 6.5


def test_kmeans_estep_assigns_to_the_nearest_mean_with_ties_to_the_lowest_index():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    mu = np.array([[0.0, 0.0], [2.0, 0.0]])  # 1 is a tie: component 0
    post = kmeans.estep(X, GaussianMixture(mu, np.ones(2), np.full(2, 0.5)))
    np.testing.assert_array_equal(post, [[1, 0], [1, 0], [0, 1], [0, 1]])


# ----- BIC -----

@pytest.mark.parametrize("n,K,d,P", [
    (10, 1, 1, 2),    # 1 mean, 1 variance, no free weight
    (10, 2, 3, 9),    # 6 means, 2 variances, 1 free weight
    (50, 3, 2, 11),   # 6 means, 3 variances, 2 free weights
    (7, 4, 5, 27),    # 20 means, 4 variances, 3 free weights
])
def test_bic_counts_the_free_parameters_from_first_principles(n, K, d, P):
    X = np.arange(1.0, n * d + 1).reshape(n, d)
    mixture = GaussianMixture(np.zeros((K, d)), np.ones(K), np.full(K, 1 / K))
    # the penalty is 0.5 P log n with P counted by hand; ll - penalty, nothing else
    assert bic(X, mixture, -100.0) == pytest.approx(-100.0 - 0.5 * P * np.log(n), rel=1e-15)


# ----- the EM stopping rule, against a loop written from the SPEC -----

def _spec_loop(estep, mstep, mixture, tol=1e-6):
    """SPEC: loop { post, ll = estep; mixture = mstep } until ll - previous_ll <= tol * |ll|."""
    prev, count = None, 0
    while True:
        post, ll = estep(mixture)
        mixture = mstep(post, mixture)
        count += 1
        if prev is not None and ll - prev <= tol * abs(ll):
            return mixture, post, ll, count
        prev = ll


@pytest.fixture(scope="module")
def blobs():
    """Three overlapping clusters: EM creeps for dozens of iterations, so the tolerance matters."""
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [1.5, 0.5], [0.5, 1.8]])
    X = centres[rng.integers(0, 3, 150)] + rng.normal(size=(150, 2))
    return X


def _missing(X):
    R = np.clip(np.rint(X + 3), 1, 5)
    R[np.random.default_rng(4).random(R.shape) < 0.25] = 0.0
    return R


@pytest.mark.parametrize("module", ["naive_em", "em"])
def test_em_run_stops_by_the_handout_rule(blobs, module):
    if module == "naive_em":
        X = blobs
        estep, mstep, run = (lambda m: naive_em.estep(X, m)), (lambda post, m: naive_em.mstep(X, post, m)), naive_em.run
    else:
        X = np.hstack([_missing(blobs), _missing(blobs[::-1])])
        estep, mstep, run = (lambda m: em.estep(X, m)), (lambda post, m: em.mstep(X, post, m)), em.run
    start, post0 = init(X, 3, seed=0)
    ref_mix, ref_post, ref_ll, count = _spec_loop(estep, mstep, start)
    # the case is sensitive: a tolerance ten times looser or tighter stops elsewhere
    for tol in (1e-5, 1e-7):
        other = _spec_loop(estep, mstep, start, tol)
        assert other[3] != count and abs(other[2] - ref_ll) > 1e-6 * abs(ref_ll) * 1e-3
    mixture, post, ll = run(X, start, post0)
    # same arithmetic in the same order: equal to the last bit (1e-13 leaves room for BLAS order)
    assert ll == pytest.approx(ref_ll, rel=1e-13, abs=0)
    np.testing.assert_allclose(post, ref_post, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mixture.mu, ref_mix.mu, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mixture.var, ref_mix.var, rtol=1e-12)
    if module == "em":
        assert len(em.history(X, start)) == count
    else:
        assert sum(s["step"] == "E" for s in naive_em.trace(X, start)) == count


def test_em_started_below_the_floor_falls_once_and_run_stops_there():
    # Users 1 and 2 rate movie 0 with a 1, user 0 rates nothing. init (K = 1, seed 0) picks row 1,
    # mu = (1, 0, 0), and var = squared distances over every entry / (n d) = (1 + 0 + 0) / 9 = 1/9,
    # below the floor 0.25. Each rater's log-density is -log(2 pi var) / 2, user 0's is log 1 = 0:
    # ll = -log(2 pi / 9) = +0.359; the M-step's variance is 0, floored to 0.25: ll = -log(pi / 2).
    X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    start, _ = init(X, 1, seed=0)
    np.testing.assert_array_equal(start.mu, [[1.0, 0.0, 0.0]])
    assert start.var[0] == pytest.approx(1 / 9, rel=1e-15)  # one division
    steps = em.history(X, start)
    lls = [it.ll for it in steps]
    # a log of a product of a few floats: a few ulps
    assert lls == pytest.approx([-np.log(2 * np.pi / 9), -np.log(np.pi / 2)], rel=1e-14, abs=0)
    assert lls[1] < lls[0]  # the only kind of fall: init's variance below the floor
    np.testing.assert_array_equal(steps[-1].mixture.var, [0.25])
    # the handout's rule stops at the first gain <= 1e-6 |ll|, a fall included: two E-steps
    result = em.run(X, start)
    _, _, ll = result
    assert result.n_iter == 2 and ll == lls[1]


def test_naive_em_mstep_on_two_point_clusters():
    # hard posteriors: component 0 = (0,0),(2,0) -> mean (1,0), var = (1 + 1) / (d n) = 2 / 4;
    # component 1 = (5,5),(5,8) -> mean (5,6.5), var = (2.25 + 2.25) / 4
    X = np.array([[0.0, 0.0], [2, 0], [5, 5], [5, 8]])
    post = np.array([[1.0, 0], [1, 0], [0, 1], [0, 1]])
    m = naive_em.mstep(X, post)
    np.testing.assert_array_equal(m.mu, [[1, 0], [5, 6.5]])
    np.testing.assert_array_equal(m.var, [0.5, 1.125])
    np.testing.assert_array_equal(m.p, [0.5, 0.5])
    # soft: row 1 split half and half -> n_hat = (1.5, 2.5)
    post = np.array([[1.0, 0], [0.5, 0.5], [0, 1], [0, 1]])
    m = naive_em.mstep(X, post)
    mu0 = np.array([1.0, 0.0]) / 1.5  # (0 + 0.5 * 2) / 1.5
    np.testing.assert_allclose(m.mu[0], mu0, rtol=1e-15)
    np.testing.assert_allclose(m.p, [1.5 / 4, 2.5 / 4], rtol=1e-15)
    sse0 = np.sum(mu0**2) + 0.5 * np.sum((X[1] - mu0) ** 2)
    np.testing.assert_allclose(m.var[0], sse0 / (2 * 1.5), rtol=1e-14)


# ----- rmse -----

def test_rmse_on_a_hand_computed_case():
    # errors 0, -2, 1, 1 over 4 entries: sqrt((0 + 4 + 1 + 1) / 4) = sqrt(1.5)
    assert rmse([[1.0, 2.0], [3.0, 4.0]], [[1.0, 4.0], [2.0, 3.0]]) == pytest.approx(np.sqrt(1.5), rel=1e-15)
    assert rmse([[2.0, -1.0]], [[2.0, -1.0]]) == 0.0
    assert rmse([[0.0, 0.0, 0.0]], [[3.0, -3.0, 3.0]]) == 3.0


def test_rmse_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^X must be a 2-D array"):
        rmse([1.0, 2.0], [[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"^Y must be a 2-D array"):
        rmse([[1.0, 2.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"X and Y must have the same shape"):
        rmse([[1.0, 2.0]], [[1.0], [2.0]])


@pytest.mark.parametrize("mstep", [kmeans.mstep, naive_em.mstep, em.mstep], ids=["kmeans", "naive_em", "em"])
def test_msteps_check_the_previous_mixture_against_X(mstep):
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    post = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    wide = GaussianMixture(np.zeros((2, 3)), np.ones(2), np.full(2, 0.5))
    with pytest.raises(ValueError, match="width 3 but X has d = 2"):
        mstep(X, post, wide)
    with pytest.raises(ValueError, match=r"post must have shape \(n, K\) = \(3, 2\)"):
        mstep(X, post[:, :1], GaussianMixture(np.zeros((2, 2)), np.ones(2), np.full(2, 0.5)))


def test_every_em_entry_point_checks_the_mixture_width_and_honours_the_mask():
    X = np.array([[1.0, 2.0], [3.0, 0.0], [0.0, 6.0]])
    wide = GaussianMixture(np.ones((2, 3)), np.ones(2), np.full(2, 0.5))
    post = np.full((3, 2), 0.5)
    for call in (lambda: em.estep(X, wide), lambda: em.mstep(X, post, wide), lambda: em.run(X, wide, post),
                 lambda: em.fill_matrix(X, wide), lambda: em.history(X, wide),
                 lambda: naive_em.run(X, wide, post), lambda: kmeans.run(X, wide, post)):
        with pytest.raises(ValueError, match="width 3 but X has d = 2"):
            call()
    # the M-step with a mask: junk outside it changes nothing
    mixture = GaussianMixture(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones(2), np.full(2, 0.5))
    post = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    junk = np.where(X != 0, X, -9.0)
    a, b = em.mstep(X, post, mixture), em.mstep(junk, post, mixture, mask=X != 0)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("mstep", [kmeans.mstep, naive_em.mstep], ids=["kmeans", "naive_em"])
def test_msteps_without_a_mixture_reject_a_bad_post_and_an_empty_cluster_clearly(mstep):
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with pytest.raises(ValueError, match=r"^post must have shape \(n, K\)"):
        mstep(X, np.ones(3))  # 1-D: a ValueError naming post, not an IndexError
    with pytest.raises(ValueError, match=r"^(a cluster has no rows|component 1 has no responsibility left).*"
                       r"pass the previous mixture so it can keep its mean and variance$"):
        mstep(X, np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]))


def test_em_history_honours_the_mask():
    X = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 4.0], [0.0, 5.0, 1.0], [2.0, 2.0, 2.0]])
    start, _ = init(X, 2, 0)
    junk = np.where(X != 0, X, 9.0)
    a, b = em.history(X, start), em.history(junk, start, mask=X != 0)
    assert [it.ll for it in a] == [it.ll for it in b]


def test_kmeans_keeps_an_empty_cluster_that_is_not_the_last_and_runs_from_a_zero_variance():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]])
    # cluster 0 starts far from every point: it is empty, clusters 1 and 2 still update
    start = GaussianMixture(np.array([[100.0, 100.0], [0.0, 0.0], [10.0, 10.0]]), np.array([3.0, 0.0, 0.0]),
                            np.full(3, 1 / 3))  # variances of 0 are K-means' own (identical rows)
    mixture, post, cost = kmeans.run(X, start, np.full((4, 3), 1 / 3))
    np.testing.assert_array_equal(mixture.mu, [[100.0, 100.0], [0.0, 0.5], [10.0, 10.5]])
    np.testing.assert_array_equal(mixture.var, [3.0, 0.5 / 4, 0.5 / 4])  # kept; SSE 0.5 / (d n) = 0.5 / 4
    np.testing.assert_array_equal(mixture.p, [0.0, 0.5, 0.5])
    assert cost == 1.0


def test_naive_em_run_keeps_a_component_that_loses_every_point():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5]])
    far = GaussianMixture(np.array([[0.5, 0.5], [1e6, 1e6]]), np.array([1.0, 0.01]), np.array([0.5, 0.5]))
    mixture, post, ll = naive_em.run(X, far, np.full((5, 2), 0.5))
    assert (post[:, 1] == 0).all() and mixture.p[1] == 0.0
    np.testing.assert_array_equal(mixture.mu[1], [1e6, 1e6])  # kept from the mixture passed in
    assert mixture.var[1] == 0.01


def test_observed_mask_accepts_0_1_integers_and_refuses_other_values():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    mixture = GaussianMixture(np.array([[1.0, 1.0]]), np.array([1.0]), np.array([1.0]))
    a = em.estep(X, mixture, mask=np.array([[1, 0], [0, 1]]))
    b = em.estep(X, mixture, mask=np.array([[True, False], [False, True]]))
    assert a[1] == b[1]
    with pytest.raises(ValueError, match=r"^mask must be boolean \(True = observed\) or hold only 0 and 1$"):
        em.estep(X, mixture, mask=np.array([[1, 2], [0, 1]]))


def test_a_0_1_integer_mask_is_the_bool_mask_everywhere():
    from cfgmm_lib.core.validation import observed_mask
    from cfgmm_lib.evaluation import fit_bias

    X = np.array([[1.0, 0.0, 3.0], [0.0, 2.0, 4.0]])
    ints, bools = np.array([[1, 1, 0], [0, 1, 1]]), np.array([[True, True, False], [False, True, True]])
    got = observed_mask(X, ints)
    assert got.dtype == bool  # documented: a bool array (it indexes X elsewhere)
    np.testing.assert_array_equal(got, bools)
    a, b = fit_bias(X, mask=ints), fit_bias(X, mask=bools)
    assert a.mu == b.mu == 1.75  # the mean of the observed 1, 0, 2 and 4 (a 0 observed as a rating)
    np.testing.assert_array_equal(a.b_user, b.b_user)


def test_init_seed_defaults_to_0_and_collapse_names_its_component():
    for a, b in zip(init(THREE, 2)[0], init(THREE, 2, seed=0)[0]):
        np.testing.assert_array_equal(a, b)
    from cfgmm_lib.common import ComponentCollapse

    X = np.array([[5.0, 5.0], [0.0, 0.0], [5.0, 5.0], [1.0, 2.0]])
    post = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])  # component 1 on two identical points
    with pytest.raises(ComponentCollapse) as info:
        naive_em.mstep(X, post)
    assert info.value.component == 1
