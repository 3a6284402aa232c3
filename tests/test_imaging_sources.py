"""Test sources beyond the training family, the ring template and the blurred truth (cfgmm_lib.imaging.sources),
and the per-kind table notebook 06 prints them in (cfgmm_lib.imaging.figures.kind_table)."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.imaging import figures as fg
from cfgmm_lib.imaging import sources, synthetic
from cfgmm_lib.imaging.rings import measure_ring
from cfgmm_lib.imaging.scores import nxcorr

FLUX = synthetic.TOTAL_FLUX_JY / synthetic.UNIT_JY  # 150 units
KINDS = list(sources.KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_the_flux_shape_and_units_of_the_training_images(kind):
    imgs = sources.images(kind, range(5))
    assert imgs.shape == (5, synthetic.NPIX, synthetic.NPIX)
    assert imgs.sum(axis=(1, 2)) == pytest.approx(FLUX, rel=1e-12)
    assert (imgs >= 0).all() and np.isfinite(imgs).all()
    assert 0.05 < imgs.max() / synthetic.black_hole(0).max() < 20  # pixels of order 1, as the rings'
    assert len({img.tobytes() for img in imgs}) == 5  # each seed its own source
    small = sources.KINDS[kind](0, npix=32, fov_uas=200.0)
    assert small.shape == (32, 32) and small.sum() == pytest.approx(FLUX)


@pytest.mark.parametrize("kind", KINDS)
def test_a_seed_gives_the_same_source_every_time(kind):
    make = sources.KINDS[kind]
    np.testing.assert_array_equal(make(7), make(7))
    np.testing.assert_array_equal(sources.images(kind, [7, 8])[0], make(7))
    assert not np.array_equal(make(7), make(8))


def test_the_sources_are_what_their_names_say():
    east, north = synthetic.pixel_coordinates()
    disk = sources.disk(1)
    centre = np.array([(disk * east).sum(), (disk * north).sum()]) / disk.sum()
    r = np.hypot(east - centre[0], north - centre[1])
    assert disk[r < 5].mean() > 0.5 * disk.max()  # filled: bright at its centre, unlike a ring
    double = sources.double(1)
    # two separate blobs: along the line through its two brightest peaks, the middle is dim
    peaks = np.argwhere(double > 0.3 * double.max())
    far = peaks[np.argmax(np.hypot(*(peaks - peaks[0]).T))]
    mid = (peaks[0] + far) // 2
    assert double[tuple(mid)] < 0.2 * double.max()
    jet = sources.crescent_with_jet(1)
    ring = measure_ring(jet)  # the crescent is still there ...
    lo, hi = sources.JET_RANGES["radius"]
    assert 2 * lo - 5 < ring.diameter_uas < 2 * hi + 5
    assert nxcorr(jet, sources.ring_template()) < 0.95  # ... with more than a ring


def test_the_ring_template_is_a_fixed_centred_ring():
    t = sources.ring_template()
    assert t.sum() == pytest.approx(FLUX) and t.shape == (synthetic.NPIX, synthetic.NPIX)
    np.testing.assert_array_equal(t, sources.ring_template(20.0, 8.0))
    np.testing.assert_allclose(t, t[::-1, ::-1], atol=1e-12)  # centred and uniform: symmetric about the centre
    np.testing.assert_allclose(t, t.T, atol=1e-12)
    assert measure_ring(t).diameter_uas == pytest.approx(40.0, abs=1.0)
    assert measure_ring(sources.ring_template(15.0)).diameter_uas == pytest.approx(30.0, abs=1.0)


def test_the_blurred_truth_keeps_the_flux_and_is_rings_blur():
    truths = synthetic.black_holes([0, 1, 2])
    b = sources.blurred(truths, 20.0)
    assert b.shape == truths.shape
    assert b.sum(axis=(1, 2)) == pytest.approx(FLUX, rel=1e-9)  # far from the edges, nothing spills out
    assert sources.blurred(sources.disk(0), 20.0).sum() == pytest.approx(FLUX, rel=1e-9)
    assert b.max() < truths.max()  # spread
    sigma = 20.0 / (2 * np.sqrt(2 * np.log(2))) / synthetic.PIXEL_UAS
    from scipy.ndimage import gaussian_filter

    np.testing.assert_allclose(b[1], gaussian_filter(truths[1], sigma, mode="constant"), rtol=1e-12)
    np.testing.assert_array_equal(sources.blurred(truths[0], 0.0), truths[0])
    # the wider the blur, the lower its nxcorr with the sharp truth
    scores = [nxcorr(sources.blurred(truths[0], f), truths[0]) for f in (5.0, 10.0, 20.0, 30.0)]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("call, error, message", [
    (lambda: sources.disk(-1), ValueError, "seed"),
    (lambda: sources.double(1.5), TypeError, "seed must be an integer"),
    (lambda: sources.crescent_with_jet(True), TypeError, "seed must be an integer"),
    (lambda: sources.disk(0, npix=0), ValueError, "npix"),
    (lambda: sources.double(0, fov_uas=-1.0), ValueError, "fov_uas"),
    (lambda: sources.images("ring", [0]), ValueError, "kind must be one of 'disk'"),
    (lambda: sources.images("disk", []), ValueError, "seeds is empty"),
    (lambda: sources.ring_template(radius_uas=0.0), ValueError, "radius_uas"),
    (lambda: sources.ring_template(width_uas=float("nan")), ValueError, "width_uas"),
    (lambda: sources.ring_template(radius_uas="20"), TypeError, "radius_uas"),
    (lambda: sources.blurred(np.ones((8, 8)), -1.0), ValueError, "fwhm_uas"),
    (lambda: sources.blurred(np.ones((8, 8)), "wide"), TypeError, "fwhm_uas"),
    (lambda: sources.blurred(np.ones(8), 20.0), ValueError, "image must be a 2-D array"),
    (lambda: sources.blurred(np.full((8, 8), np.nan), 20.0), ValueError, "image contains NaN"),
    (lambda: sources.blurred(np.ones((2, 8, 8)) * np.array([1, np.inf])[:, None, None], 20.0), ValueError, "image"),
    (lambda: sources.blurred(np.ones((0, 8, 8)), 20.0), ValueError, "empty stack"),
    (lambda: sources.blurred(np.ones((8, 8)) + 1j, 20.0), TypeError, "image"),
])
def test_refusals_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_kind_table_gives_each_kinds_means():
    scores = {"a": np.array([[0.5, 1.0], [0.7, 2.0], [0.9, 4.0]]), "b": np.zeros((3, 2))}
    table = fg.kind_table(scores, {"first two": np.arange(2), "last": slice(2, 3)})
    lines = table.splitlines()
    assert lines[0].startswith("method") and lines[0].index("first two") < lines[0].index("last")
    assert "0.600 (1.50)" in lines[1] and "0.900 (4.00)" in lines[1]
    assert lines[2].startswith("b") and "0.000 (0.00)" in lines[2]
