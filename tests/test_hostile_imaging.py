"""The black-hole application under inputs that used to give a silent wrong answer.

The dirty image of all-zero visibilities was 0 / 0 (all NaN); a forward matrix holding NaN, an
all-NaN image, an 8 x 32 image against a 16 x 16 operator (the same pixel count) and an
infinite or negative noise were all observed without a word; a station set that never sees the
source together gave an empty coverage, and a tiny ``step_min`` a MemoryError; a ring outside
the field rendered as all NaN; HQS ran a falling gamma schedule; ``tikhonov``/``tsv`` named
``alpha * g`` "the regularisation weight"; ``full_em.run`` from a weight of 0 said a component had
collapsed; ``nxcorr(x, x)`` could be 1.0000000000000002.
"""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.core.mixture import FullMixture
from cfgmm_lib.imaging import full_em, reconstruct, scores, synthetic, vlbi

from test_hostile_inputs import refused

NPIX = 16
COV = vlbi.coverage(["ALMA", "SMA", "JCMT", "LMT", "SMT"], hours=6, step_min=60)
F = vlbi.forward_matrix(COV, npix=NPIX)
SIGMA_JY = vlbi.thermal_sigma(COV)
IMAGE = synthetic.render(synthetic.draw_parameters(0), npix=NPIX)
IMAGER = reconstruct.Imager(F, np.tile(SIGMA_JY / synthetic.UNIT_JY, 2))
Y = vlbi.observe(IMAGE, F, SIGMA_JY, 0).y
PRIOR = FullMixture(np.zeros((1, 64)), np.eye(64)[None], np.ones(1))


# ----- the dirty image and the forward matrix -----

def test_the_dirty_image_of_all_zero_visibilities_is_the_zero_image():
    with np.errstate(all="raise"):  # no 0 / 0 on the way
        dirty = IMAGER.dirty(np.zeros(F.shape[0]))
    assert dirty.shape == (NPIX, NPIX) and (dirty == 0).all()
    stack = IMAGER.dirty(np.stack([np.zeros(F.shape[0]), Y]))  # one zero row in a stack changes no other
    assert (stack[0] == 0).all()
    np.testing.assert_allclose(stack[1], IMAGER.dirty(Y))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_forward_matrix_with_nan_or_inf_is_refused(bad):
    Fb = F.copy()
    Fb[3, 5] = bad
    refused(lambda: reconstruct.Imager(Fb, IMAGER.sigma), ValueError, "F", "NaN or inf", "row 3, column 5")
    refused(lambda: vlbi.observe(IMAGE, Fb, SIGMA_JY, 0), ValueError, "F", "NaN or inf")
    assert np.isfinite(F).all()  # the caller's F is untouched


def test_an_imager_refuses_infinite_sigma():
    sigma = IMAGER.sigma.copy()
    sigma[0] = np.inf
    refused(lambda: reconstruct.Imager(F, sigma), ValueError, "sigma", "1 non-finite")


# ----- observe -----

@pytest.mark.parametrize("image,fragments", [
    (np.full((NPIX, NPIX), np.nan), ["image", "NaN or inf"]),
    (np.where(np.eye(NPIX) > 0, np.nan, 1.0), ["image", "NaN or inf"]),
    (np.ones((8, 32)), ["image", "(16, 16)", "it has 256", "(8, 32)"]),
    (np.ones((32, 8)), ["image", "(16, 16)"]),
    (np.ones(NPIX * NPIX), ["image", "2-D"]),
    (np.ones((8, 8)), ["image", "(16, 16)"]),
])
def test_observe_refuses_an_image_it_cannot_measure(image, fragments):
    refused(lambda: vlbi.observe(image, F, SIGMA_JY, 0), ValueError, *fragments)


@pytest.mark.parametrize("scale,fragments", [
    (np.inf, ["sigma_jy", "non-finite", "inf"]),
    (np.nan, ["sigma_jy", "non-finite", "NaN"]),
    (-1.0, ["sigma_jy", ">= 0"]),
])
def test_observe_refuses_an_infinite_or_negative_noise(scale, fragments):
    refused(lambda: vlbi.observe(IMAGE, F, SIGMA_JY * scale, 0), ValueError, *fragments)
    one = SIGMA_JY.copy()
    one[-1] = scale * SIGMA_JY[-1]
    refused(lambda: vlbi.observe(IMAGE, F, one, 0), ValueError, "sigma_jy")


def test_observe_without_noise_is_the_forward_model():
    m = vlbi.observe(IMAGE, F, np.zeros_like(SIGMA_JY), 0)
    np.testing.assert_allclose(m.y, F @ IMAGE.ravel())


def test_observe_refuses_a_noise_of_the_wrong_length():
    refused(lambda: vlbi.observe(IMAGE, F, SIGMA_JY[:-1], 0), ValueError, "sigma_jy", "one entry per visibility")


# ----- coverage and the radiometer equation -----

@pytest.mark.parametrize("kwargs,fragments", [
    (dict(start_h=float("nan")), ["start_h", "finite"]),
    (dict(start_h=float("inf")), ["start_h", "finite"]),
    (dict(dec_deg=float("nan")), ["dec_deg", "finite"]),
    (dict(dec_deg=91.0), ["dec_deg", "<= 90"]),
])
def test_coverage_refuses_a_nan_start_or_declination(kwargs, fragments):
    refused(lambda: vlbi.coverage(["ALMA", "SMA"], hours=1, step_min=30, **kwargs), ValueError, *fragments)


@pytest.mark.parametrize("kwargs", [dict(start_h=0.0), dict()])
def test_stations_that_never_see_the_source_together_are_refused_not_an_empty_coverage(kwargs):
    refused(lambda: vlbi.coverage(["SPT", "PV"], hours=1, step_min=30, **kwargs), ValueError,
            "stations ['PV', 'SPT']", "no two see the source", "together")
    refused(lambda: vlbi.coverage(["ALMA", "SMA"], hours=2, step_min=30, dec_deg=-89.0, start_h=0.0), ValueError,
            "no two see the source", "declination -89")


def test_a_step_too_small_to_fit_says_how_much_it_would_need():
    refused(lambda: vlbi.coverage(step_min=1e-9), ValueError, "step_min", "720,000,000,001 time steps", "GB",
            "take step_min >=")
    fine = vlbi.coverage(["ALMA", "SMA"], hours=1, step_min=1.0)  # small steps that fit still work
    assert len(fine.u) > 0


@pytest.mark.parametrize("kwargs,fragments", [
    (dict(bandwidth_hz=0.0), ["bandwidth_hz", "positive"]),
    (dict(bandwidth_hz=-2e9), ["bandwidth_hz", "positive"]),
    (dict(bandwidth_hz=float("nan")), ["bandwidth_hz", "finite"]),
    (dict(t_int_s=0), ["t_int_s", "positive"]),
])
def test_thermal_sigma_refuses_a_bandwidth_or_time_of_zero(kwargs, fragments):
    refused(lambda: vlbi.thermal_sigma(COV, **kwargs), ValueError, *fragments)


# ----- rings -----

@pytest.mark.parametrize("offset", [(1e6, 0.0), (0.0, -500.0)])
def test_a_ring_outside_the_field_is_refused_not_all_nan(offset):
    params = synthetic.RingParameters(20.0, 8.0, 0.5, 0.0, *offset)
    refused(lambda: synthetic.render(params, npix=NPIX), ValueError, "outside the field of view")
    nan = synthetic.RingParameters(20.0, 8.0, 0.5, 0.0, np.nan, 0.0)
    refused(lambda: synthetic.render(nan, npix=NPIX), ValueError, "params must be finite")


def test_a_ring_partly_inside_the_field_still_renders():
    img = synthetic.render(synthetic.RingParameters(20.0, 8.0, 0.5, 0.0, 80.0, 0.0), npix=NPIX)
    assert np.isfinite(img).all() and img.sum() == pytest.approx(synthetic.TOTAL_FLUX_JY / synthetic.UNIT_JY)


# ----- reconstructions -----

@pytest.mark.parametrize("gammas,fragments", [
    ([4.0, 1.0], ["gammas", "must not decrease", "gammas[1] = 1 < gammas[0] = 4"]),
    ([1.0, 4.0, 16.0, 8.0], ["gammas", "gammas[3] = 8"]),
    ([1.0, np.inf], ["gammas", "non-finite"]),
    ([1.0, np.nan], ["gammas", "non-finite"]),
    ([0.0, 1.0], ["gammas", "> 0"]),
])
def test_hqs_refuses_a_gamma_schedule_that_falls(gammas, fragments, monkeypatch):
    monkeypatch.setattr(IMAGER.ridge, "solve", lambda *a: pytest.fail("HQS worked before refusing"))
    refused(lambda: IMAGER.hqs(Y, PRIOR, 1.0, gammas), ValueError, *fragments)


def test_hqs_accepts_a_repeated_gamma():
    assert IMAGER.hqs(Y, PRIOR, 1.0, [1.0, 1.0, 4.0]).shape == (NPIX, NPIX)


@pytest.mark.parametrize("method", ["tikhonov", "tsv"])
@pytest.mark.parametrize("alpha,error,fragments", [
    (0.0, ValueError, ["alpha", "positive", "0.0"]),
    (-1.0, ValueError, ["alpha", "positive", "-1.0"]),
    (np.nan, ValueError, ["alpha", "finite"]),
    ("1", TypeError, ["alpha", "real number"]),
])
def test_tikhonov_and_tsv_name_alpha(method, alpha, error, fragments):
    refused(lambda: getattr(IMAGER, method)(Y, alpha), error, *fragments)


# ----- full-covariance EM -----

def test_full_em_run_from_a_weight_of_zero_says_the_weight_is_zero():
    X = np.random.default_rng(0).normal(size=(50, 3))
    mixture = FullMixture(np.zeros((2, 3)), np.stack([np.eye(3)] * 2), np.array([1.0, 0.0]))
    refused(lambda: full_em.run(X, mixture), ValueError, "mixture.p[1] is 0", "weight zero")
    post, ll = full_em.estep(X, mixture)  # a single E-step with it is still defined
    assert (post[:, 1] == 0).all() and np.isfinite(ll)


# ----- scores -----

def test_nxcorr_of_an_image_with_itself_is_at_most_one():
    rng = np.random.default_rng(9)  # an image whose self-correlation rounds to 1.0000000000000002
    n, m = int(rng.integers(3, 20)), int(rng.integers(3, 20))
    x = rng.random((n, m)) * 10 ** rng.uniform(-3, 3)
    assert scores.nxcorr(x, x) == 1.0
    for seed in range(20):
        y = np.random.default_rng(seed).random((12, 9))
        assert -1.0 <= scores.nxcorr(y, y) <= 1.0 and -1.0 <= scores.nxcorr(y, -y) <= 1.0


def test_a_component_that_empties_says_it_holds_no_point():
    """A component the E-step gives no share of any point had been reported as 'collapsed onto identical
    points (its variance is 0)', which reg_covar rules out; the message now says what happened."""
    from cfgmm_lib.core.mixture import ComponentCollapse

    X = np.random.default_rng(0).normal(size=(50, 3))
    post = np.zeros((50, 2))
    post[:, 0] = 1.0
    with pytest.raises(ComponentCollapse) as info:
        full_em.mstep(X, post)
    message = str(info.value)
    assert "component 1 holds no point" in message and "weight fell to 0" in message
    assert "identical points" not in message and "variance is 0" not in message
    assert info.value.component == 1 and info.value.held == 0.0 and info.value.iteration is None
    # in a run: a component of weight 0.3 far from every point gets no share in the first E-step
    far = FullMixture(np.array([[0.0, 0.0, 0.0], [1e3, 1e3, 1e3]]), np.stack([np.eye(3)] * 2), np.array([0.7, 0.3]))
    with pytest.raises(ComponentCollapse, match=r"^component 1 holds no point in iteration 1: .*n = 50 points"):
        full_em.run(X, far)


def test_a_component_that_empties_in_the_middle_of_a_run_says_in_which_iteration(monkeypatch):
    from cfgmm_lib.core.mixture import ComponentCollapse

    real, calls = full_em.estep_checked, []

    def estep(X, mixture):  # the third E-step gives component 2 no share of any point
        post, ll = real(X, mixture)
        calls.append(1)
        if len(calls) == 3:
            post = post.copy()
            post[:, 0] += post[:, 2]
            post[:, 2] = 0.0
        return post, ll

    monkeypatch.setattr(full_em, "estep_checked", estep)
    X = np.random.default_rng(1).normal(size=(60, 2)) + np.repeat([[0, 0], [6, 0], [0, 6]], 20, axis=0)
    mixture, _ = full_em.init(X, 3, seed=0)
    with pytest.raises(ComponentCollapse) as info:
        full_em.run(X, mixture, max_iter=50)
    assert str(info.value).startswith("component 2 holds no point in iteration 3: ")
    assert info.value.iteration == 3 and "identical points" not in str(info.value)
