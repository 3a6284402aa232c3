"""``imaging.rings``: REx's ring measurements on rings whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.imaging import rings, synthetic
from cfgmm_lib.imaging.synthetic import RingParameters


def _angle_gap(a: float, b: float) -> float:
    """|a - b| on the circle, degrees."""
    return abs((a - b + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize("radius, width, asym, pa, east, north", [
    (20.0, 6.0, 0.5, 120.0, 3.0, -4.0),
    (22.0, 4.0, 0.8, 60.0, -6.0, 5.0),
    (18.0, 10.0, 0.3, 300.0, 0.0, 0.0),
    (21.0, 8.0, 0.6, 200.0, 5.0, 5.0),
])
def test_a_known_ring_is_measured(radius, width, asym, pa, east, north):
    ring = rings.measure_ring(synthetic.render(RingParameters(radius, width, asym, np.radians(pa), east, north)))
    assert abs(ring.diameter_uas - 2 * radius) < 1.0
    assert abs(ring.center_east_uas - east) < 0.5 and abs(ring.center_north_uas - north) < 0.5
    assert _angle_gap(ring.position_angle_deg, pa) < 2.0
    assert ring.asymmetry == pytest.approx(asym / 2, abs=0.02)  # 1 + a cos(theta - eta) has A = a / 2
    # bilinear sampling of 2.5 micro-arcsecond pixels broadens a few-pixel-wide ring a little
    assert width <= ring.width_uas < width + 1.0
    assert ring.diameter_std_uas < 1.5  # pixelisation: a few tenths of a pixel


def test_the_arrays_have_the_documented_shapes():
    ring = rings.measure_ring(synthetic.black_hole(5))
    assert ring.radii_uas.shape == (rings.N_RADII,) and ring.radii_uas[-1] == rings.RMAX_UAS
    assert ring.angles_deg.shape == (rings.N_ANGLES,) and ring.angles_deg[1] == 1.0
    assert ring.profiles.shape == (rings.N_ANGLES, rings.N_RADII)
    assert ring.peak_radii_uas.shape == ring.angular_profile.shape == (rings.N_ANGLES,)
    assert ring.mean_profile.shape == (rings.N_RADII,)
    assert 0 <= ring.position_angle_deg < 360


def test_a_ring_brighter_in_the_south_has_position_angle_180():
    ring = rings.measure_ring(synthetic.render(RingParameters(21.0, 8.0, 0.6, np.pi, 0.0, 0.0)))
    assert _angle_gap(ring.position_angle_deg, 180.0) < 1.0


def test_the_position_angle_is_east_of_north_without_synthetics_conventions():
    """Brightness on the left of the array (small column index) is east: PA 90; on row 0's side, north: PA 0."""
    base = synthetic.render(RingParameters(20.0, 6.0, 0.0, 0.0, 0.0, 0.0))
    half = synthetic.NPIX // 2
    east = base.copy()
    east[:, :half] *= 3.0
    north = base.copy()
    north[:half, :] *= 3.0
    west = base.copy()
    west[:, half:] *= 3.0
    assert _angle_gap(rings.measure_ring(east).position_angle_deg, 90.0) < 2.0
    assert _angle_gap(rings.measure_ring(north).position_angle_deg, 0.0) < 2.0
    assert _angle_gap(rings.measure_ring(west).position_angle_deg, 270.0) < 2.0


def test_a_rotated_copy_rotates_the_position_angle_and_the_centre():
    img = synthetic.render(RingParameters(20.0, 6.0, 0.5, np.radians(30.0), 4.0, -2.0))
    a = rings.measure_ring(img)
    b = rings.measure_ring(np.rot90(img))  # north goes to the left, which is east
    assert _angle_gap(b.position_angle_deg, a.position_angle_deg + 90.0) < 1.0
    assert b.center_east_uas == pytest.approx(a.center_north_uas, abs=0.3)
    assert b.center_north_uas == pytest.approx(-a.center_east_uas, abs=0.3)
    assert b.diameter_uas == pytest.approx(a.diameter_uas, abs=0.3)


def test_a_symmetric_ring_has_no_asymmetry():
    ring = rings.measure_ring(synthetic.render(RingParameters(19.0, 7.0, 0.0, 0.0, 2.0, 1.0)))
    assert ring.asymmetry < 0.01
    assert abs(ring.diameter_uas - 38.0) < 1.0


def test_blurring_keeps_the_angle_and_shrinks_the_ring_measured():
    img = synthetic.render(RingParameters(21.0, 6.0, 0.6, np.radians(170.0), 0.0, 0.0))
    sharp, soft = rings.measure_ring(img), rings.measure_ring(rings.blur(img, 20.0))
    assert _angle_gap(soft.position_angle_deg, 170.0) < 2.0
    assert soft.width_uas > sharp.width_uas + 10  # about sqrt(6^2 + 20^2) = 21
    assert 30.0 < soft.diameter_uas < sharp.diameter_uas  # a blurred ring's peak moves inwards


def test_blur_is_a_gaussian_of_the_given_fwhm():
    point = np.zeros((64, 64))
    point[32, 32] = 1.0
    out = rings.blur(point, 10.0)
    east, north = synthetic.pixel_coordinates()
    e0, n0 = (out * east).sum(), (out * north).sum()
    variance = (out * ((east - e0) ** 2)).sum()
    assert out.sum() == pytest.approx(1.0, abs=1e-9)
    assert variance == pytest.approx((10.0 / (2 * np.sqrt(2 * np.log(2)))) ** 2, rel=0.02)
    assert np.array_equal(rings.blur(point, 0.0), point) and rings.blur(point, 0.0) is not point


@pytest.mark.parametrize("image, fov, error, words", [
    (np.ones(64), 160.0, ValueError, "2-D"),
    (np.ones((2, 64, 64)), 160.0, ValueError, "2-D"),
    (np.ones((64, 32)), 160.0, ValueError, "square"),
    (np.full((64, 64), np.nan), 160.0, ValueError, "NaN"),
    (np.full((64, 64), np.inf), 160.0, ValueError, "NaN or inf"),
    (np.zeros((64, 64)), 160.0, ValueError, "no positive pixel"),
    (-np.ones((64, 64)), 160.0, ValueError, "no positive pixel"),
    (np.ones((64, 64)), 0.0, ValueError, "fov_uas"),
    (np.ones((64, 64)), -160.0, ValueError, "fov_uas"),
    (np.ones((64, 64)), "160", TypeError, "fov_uas"),
    (np.ones((64, 64)) * 1j, 160.0, TypeError, "image"),
])
def test_bad_input_is_refused(image, fov, error, words):
    with pytest.raises(error, match=words):
        rings.measure_ring(image, fov)


def test_a_blob_is_not_a_ring():
    east, north = synthetic.pixel_coordinates()
    with pytest.raises(ValueError, match="no ring found"):
        rings.measure_ring(np.exp(-(east**2 + north**2) / (2 * 3.0**2)))


def test_blur_refuses_a_negative_width():
    with pytest.raises(ValueError, match="fwhm_uas"):
        rings.blur(np.ones((8, 8)), -1.0)
    with pytest.raises(ValueError, match="fov_uas"):
        rings.blur(np.ones((8, 8)), 1.0, fov_uas=0.0)


def test_centres_outside_rex_diameter_range_are_not_candidates():
    """REx's prior: a centre whose peaks' mean diameter is beyond 50 µas (or below 15) is not a candidate."""
    from cfgmm_lib.imaging.synthetic import RingParameters, render

    big = render(RingParameters(radius=28.0, width=5.0, asymmetry=0.0, orientation=0.0, offset_x=0.0, offset_y=0.0))
    with pytest.raises(ValueError, match="outside REx's range 15 to 50"):
        rings.measure_ring(big)
    fits = render(RingParameters(radius=24.0, width=5.0, asymmetry=0.0, orientation=0.0, offset_x=0.0, offset_y=0.0))
    ring = rings.measure_ring(fits)
    assert ring.diameter_uas == pytest.approx(48.0, abs=1.0) and not ring.at_limit
    wide = render(RingParameters(radius=25.6, width=5.0, asymmetry=0.0, orientation=0.0, offset_x=0.0, offset_y=0.0))
    assert rings.measure_ring(wide).at_limit  # a 51 µas ring: REx's prior holds it at 50
