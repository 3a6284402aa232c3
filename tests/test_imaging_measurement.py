"""The VLBI forward model, synthetic black holes and patches (cfgmm_lib.imaging.vlbi, synthetic, patches)."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.imaging import patches, synthetic, vlbi


@pytest.fixture(scope="module")
def cov():
    return vlbi.coverage(hours=6)


def test_forward_matrix_matches_a_direct_sum_over_pixels(cov):
    npix, fov = 16, 160.0
    F = vlbi.forward_matrix(cov, npix, fov)
    rng = np.random.default_rng(0)
    img = rng.random((npix, npix))
    M = len(cov.u)
    ours = F @ img.ravel()
    pix = fov / npix * vlbi.UAS
    for k in rng.choice(M, 5, replace=False):
        V = 0j
        for row in range(npix):
            for col in range(npix):
                l = ((npix - 1) / 2 - col) * pix  # east is on the left
                m = ((npix - 1) / 2 - row) * pix  # north is up
                V += img[row, col] * np.exp(2j * np.pi * (cov.u[k] * l + cov.v[k] * m))  # the data's sign
        assert ours[k] == pytest.approx(V.real, rel=1e-9, abs=1e-9)
        assert ours[M + k] == pytest.approx(V.imag, rel=1e-9, abs=1e-9)


def test_the_array_sees_m87_as_the_real_one_does():
    full = vlbi.coverage(hours=24)
    seen = set(full.station1) | set(full.station2)
    assert "SPT" not in seen  # M87 (dec +12 deg) never rises above 10 deg at the South Pole
    assert seen == set(vlbi.STATIONS) - {"SPT"}
    assert vlbi.elevation("SPT", np.linspace(0, 24, 25)).max() == pytest.approx(-12.391, abs=0.05)
    longest = np.hypot(full.u, full.v).max()
    assert 7e9 < longest < 9e9  # about 8 billion wavelengths: a 25 micro-arcsecond beam
    # Earth rotation: a baseline's (u, v) point moves on an ellipse; |w|-free check: u^2 + ((v - v0)/sin dec)^2 const
    pair = (full.station1 == "ALMA") & (full.station2 == "SMT")
    b = np.subtract(vlbi.STATIONS["ALMA"], vlbi.STATIONS["SMT"]) / vlbi.WAVELENGTH_M
    d = np.radians(vlbi.DEC_M87_DEG)
    r2 = full.u[pair] ** 2 + ((full.v[pair] - np.cos(d) * b[2]) / np.sin(d)) ** 2
    np.testing.assert_allclose(r2, b[0] ** 2 + b[1] ** 2, rtol=1e-10)


def test_more_hours_give_more_points_and_fewer_stations_fewer():
    assert len(vlbi.coverage(hours=3).u) < len(vlbi.coverage(hours=12).u)
    two = vlbi.coverage(["ALMA", "LMT"], hours=12)
    assert set(two.station1) | set(two.station2) == {"ALMA", "LMT"}


def test_thermal_noise_follows_the_sefds(cov):
    sigma = vlbi.thermal_sigma(cov)
    k = np.flatnonzero((cov.station1 == "ALMA") & (cov.station2 == "LMT"))[0]
    assert sigma[k] == pytest.approx(np.sqrt(90 * 600) / (0.88 * np.sqrt(2 * 2e9 * 10)) / np.sqrt(2))  # Stokes I
    img = synthetic.black_hole(0)
    F = vlbi.forward_matrix(cov)
    m1, m2 = vlbi.observe(img, F, sigma, 1), vlbi.observe(img, F, sigma, 1)
    np.testing.assert_array_equal(m1.y, m2.y)
    resid = (m1.y - F @ img.ravel()) / m1.sigma
    assert 0.8 < resid.std() < 1.2


@pytest.mark.parametrize("kwargs, match", [
    (dict(stations=["ALMA", "Arecibo"]), r"stations: unknown name\(s\) \['Arecibo'\]"),
    (dict(stations=["ALMA"]), "at least two"),
    (dict(stations="ALMA"), "list of station names"),
    (dict(hours=0), "hours must be"),
    (dict(hours=30), "hours must be"),
    (dict(step_min=-1), "step_min"),
])
def test_bad_coverage_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        vlbi.coverage(**kwargs)


def test_observe_checks_shapes(cov):
    F = vlbi.forward_matrix(cov)
    with pytest.raises(ValueError, match="F must have one column per pixel"):
        vlbi.observe(np.zeros((8, 8)), F, vlbi.thermal_sigma(cov), 0)
    with pytest.raises(ValueError, match="sigma_jy"):
        vlbi.observe(np.zeros((64, 64)), F, np.ones(3), 0)


def test_synthetic_black_holes_are_seeded_and_carry_the_flux():
    a, b = synthetic.black_holes([3, 3]), synthetic.black_hole(4)
    np.testing.assert_array_equal(a[0], a[1])
    assert not np.allclose(a[0], b)
    assert a[0].sum() == pytest.approx(synthetic.TOTAL_FLUX_JY / synthetic.UNIT_JY)
    assert (a[0] >= 0).all()
    p = synthetic.draw_parameters(5)
    ring = synthetic.render(p._replace(asymmetry=0.0, offset_x=0.0, offset_y=0.0))
    np.testing.assert_allclose(ring, ring[:, ::-1], atol=1e-12)  # a centred ring is symmetric
    with pytest.raises(ValueError, match="seed"):
        synthetic.black_hole(-1)
    with pytest.raises(ValueError, match="asymmetry"):
        synthetic.render(p._replace(asymmetry=2.0))


def test_aggregate_is_the_transpose_of_extract():
    rng = np.random.default_rng(1)
    x, z = rng.random((12, 10)), rng.random((120, 16))
    P = patches.extract(x, 4)
    assert P.shape == (120, 16)
    np.testing.assert_array_equal(P[1 * 10 + 9].reshape(4, 4)[0], x[1, [9, 0, 1, 2]])  # wraps around
    assert np.sum(P * z) == pytest.approx(np.sum(x * patches.aggregate(z, (12, 10), 4)))
    np.testing.assert_allclose(patches.aggregate(P, (12, 10), 4), 16 * x)
    P2, z2 = patches.extract(x, 4, stride=2), rng.random((30, 16))
    np.testing.assert_array_equal(P2, P.reshape(12, 10, 16)[::2, ::2].reshape(30, 16))
    assert np.sum(P2 * z2) == pytest.approx(np.sum(x * patches.aggregate(z2, (12, 10), 4, stride=2)))
    np.testing.assert_allclose(patches.aggregate(P2, (12, 10), 4, stride=2), 4 * x)


def test_training_patches_ship_with_scikit_image_and_are_seeded():
    a, b = patches.picture_patches(500, seed=3), patches.picture_patches(500, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (500, 64)
    np.testing.assert_allclose(a.mean(axis=1), 0, atol=1e-12)
    assert a.std() > 0.01


def test_bad_patch_arguments():
    with pytest.raises(ValueError, match="p must be"):
        patches.extract(np.zeros((4, 4)), 5)
    with pytest.raises(ValueError, match="stride must be"):
        patches.extract(np.zeros((8, 8)), 4, stride=3)
    with pytest.raises(ValueError, match="patches must have shape"):
        patches.aggregate(np.zeros((3, 4)), (4, 4), 2)
    with pytest.raises(ValueError, match="n must be"):
        patches.image_patches([np.zeros((9, 9))], 0, seed=0)
    with pytest.raises(ValueError, match="image contains NaN"):
        patches.extract(np.full((9, 9), np.nan))
