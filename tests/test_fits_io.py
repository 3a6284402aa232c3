"""``imaging.fits_io``: the header astropy reads, and the same image read back by eht-imaging (and theirs by us)."""

from __future__ import annotations

import contextlib
import datetime
import io
import warnings

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from cfgmm_lib.imaging import fits_io, synthetic

with contextlib.redirect_stdout(io.StringIO()):  # it greets every import
    import ehtim as eh

RA_DEG, DEC_DEG = 187.7059308, 12.3911232  # M87
FREQ = 230e9
PIXEL_DEG = synthetic.PIXEL_UAS / 3.6e9


def _image() -> np.ndarray:
    """An asymmetric ring in Jy per pixel, with one bright pixel in the north-east corner (row 0, column 1)."""
    img = synthetic.render(synthetic.RingParameters(20.0, 6.0, 0.6, 1.0, 3.0, -4.0)) * synthetic.UNIT_JY
    img[0, 1] = 5.0
    return img


@pytest.fixture
def written(tmp_path):
    path = tmp_path / "m87.fits"
    fits_io.write_fits(path, _image(), synthetic.FOV_UAS, FREQ, RA_DEG, DEC_DEG, date_obs="2017-04-11",
                       history=["made by a test", "x" * 100])
    return path


def test_the_header_is_what_astropy_reads(written):
    with fits.open(written) as hdus:
        h, data = hdus[0].header, hdus[0].data
    assert h["NAXIS"] == 2 and h["NAXIS1"] == h["NAXIS2"] == 64
    assert (h["CTYPE1"], h["CTYPE2"]) == ("RA---SIN", "DEC--SIN")
    assert h["CDELT1"] == pytest.approx(-PIXEL_DEG, rel=1e-12) and h["CDELT2"] == pytest.approx(PIXEL_DEG, rel=1e-12)
    assert h["CRPIX1"] == h["CRPIX2"] == 32.5
    assert (h["CRVAL1"], h["CRVAL2"], h["FREQ"]) == (RA_DEG, DEC_DEG, FREQ)
    assert (h["OBJECT"], h["TELESCOP"], h["BUNIT"], h["DATE-OBS"]) == ("M87", "EHT", "JY/PIXEL", "2017-04-11")
    assert h["MJD"] == h["MJD-OBS"] == 57854.0
    assert list(h["HISTORY"])[0] == "made by a test" and "".join(list(h["HISTORY"])[1:]) == "x" * 100
    assert np.array_equal(data[::-1], _image())  # FITS's first row is the south
    assert data[63, 1] == 5.0


def test_the_world_coordinates_of_each_pixel_are_ours(written):
    """Through astropy's WCS, pixel (row 0, column 0) is north-east of the centre by pixel_coordinates' offsets."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete header: no FITSFixedWarning
        wcs = WCS(fits.getheader(written))
    center = SkyCoord(RA_DEG, DEC_DEG, unit="deg")
    east, north = synthetic.pixel_coordinates()
    rows, cols = np.array([0, 0, 63, 40]), np.array([0, 63, 0, 17])
    sky = wcs.pixel_to_world(cols, 63 - rows)  # FITS x = our column, y = flipped row (0-based)
    d_east, d_north = center.spherical_offsets_to(sky)
    assert np.allclose(d_east.to_value("deg") * 3.6e9, east[rows, cols], atol=1e-3)
    assert np.allclose(d_north.to_value("deg") * 3.6e9, north[rows, cols], atol=1e-3)
    assert sky[0].ra.deg > RA_DEG and sky[0].dec.deg > DEC_DEG  # row 0, column 0: north-east
    middle = wcs.pixel_to_world(31.5, 31.5)
    assert center.separation(middle).deg * 3.6e9 < 1e-3  # float64 of degrees near 188: ~1e-5 uas


def test_read_fits_gives_back_what_was_written(written):
    image, meta = fits_io.read_fits(written)
    assert np.array_equal(image, _image())
    assert meta["fov_uas"] == pytest.approx(synthetic.FOV_UAS, rel=1e-12)
    assert meta["pixel_uas"] == pytest.approx(synthetic.PIXEL_UAS, rel=1e-12)
    assert (meta["freq_hz"], meta["ra_deg"], meta["dec_deg"]) == (FREQ, RA_DEG, DEC_DEG)
    assert (meta["source"], meta["date_obs"], meta["bunit"]) == ("M87", "2017-04-11", "JY/PIXEL")
    assert meta["history"][0] == "made by a test"


def test_eht_imaging_reads_our_file_as_our_image(written):
    with contextlib.redirect_stdout(io.StringIO()):
        im = eh.image.load_fits(str(written))
    assert im.xdim == im.ydim == 64
    assert im.psize == pytest.approx(synthetic.PIXEL_UAS * eh.RADPERUAS, rel=1e-12)
    assert im.ra == pytest.approx(RA_DEG / 15.0, rel=1e-12) and im.dec == pytest.approx(DEC_DEG, rel=1e-12)
    assert im.rf == FREQ and im.source == "M87" and im.mjd == 57854
    # eht-imaging's imvec: row 0 north, column 0 east, as ours
    assert np.array_equal(im.imvec.reshape(im.ydim, im.xdim), _image())
    assert im.total_flux() == pytest.approx(_image().sum(), rel=1e-12)


def test_we_read_eht_imagings_file_as_its_image(tmp_path):
    """eht-imaging's own ``save_fits`` (OBSRA, no CRVAL): the same pixels, position, size and frequency."""
    im = eh.image.Image(_image(), synthetic.PIXEL_UAS * eh.RADPERUAS, RA_DEG / 15.0, DEC_DEG, rf=FREQ, source="M87")
    path = tmp_path / "theirs.fits"
    with contextlib.redirect_stdout(io.StringIO()):
        im.save_fits(str(path))
    image, meta = fits_io.read_fits(path)
    assert np.array_equal(image, _image())
    assert meta["fov_uas"] == pytest.approx(synthetic.FOV_UAS, rel=1e-12)
    assert meta["ra_deg"] == pytest.approx(RA_DEG, rel=1e-12) and meta["dec_deg"] == pytest.approx(DEC_DEG)
    assert meta["freq_hz"] == FREQ
    assert fits.getheader(path)["CRPIX1"] == 32.5  # eht-imaging's reference pixel is ours


def test_read_fits_drops_axes_of_length_one_and_follows_the_signs_of_cdelt(tmp_path):
    img = _image()
    h = fits.Header()
    h["CDELT1"], h["CDELT2"] = PIXEL_DEG, -PIXEL_DEG  # RA to the right, first row north
    h["CTYPE3"], h["CRVAL3"] = "FREQ", FREQ
    path = tmp_path / "cube.fits"
    fits.PrimaryHDU(img[:, ::-1][None, None], header=h).writeto(path)
    image, meta = fits_io.read_fits(path)
    assert np.array_equal(image, img) and meta["freq_hz"] == FREQ and meta["ra_deg"] is None


def test_dates_as_objects(tmp_path):
    for when, text in ((datetime.date(2017, 4, 11), "2017-04-11"),
                       (datetime.datetime(2017, 4, 11, 3, 0), "2017-04-11T03:00:00.000")):
        path = tmp_path / f"{text}.fits"
        fits_io.write_fits(path, _image(), 160.0, FREQ, RA_DEG, DEC_DEG, date_obs=when)
        assert fits.getheader(path)["DATE-OBS"] == text


@pytest.mark.parametrize("change, error, words", [
    ({"image": np.ones((64, 32))}, ValueError, "square"),
    ({"image": np.full((8, 8), np.nan)}, ValueError, "NaN"),
    ({"image": np.ones(8)}, ValueError, "2-D"),
    ({"fov_uas": 0.0}, ValueError, "fov_uas"),
    ({"freq_hz": -1.0}, ValueError, "freq_hz"),
    ({"ra_deg": 360.0}, ValueError, "ra_deg"),
    ({"dec_deg": 91.0}, ValueError, "dec_deg"),
    ({"source": "M87\u2605"}, ValueError, "source"),
    ({"source": 87}, TypeError, "source"),
    ({"date_obs": "April 2017"}, ValueError, "date_obs"),
    ({"history": "one line"}, TypeError, "history"),
    ({"history": ["ok", 3]}, TypeError, r"history\[1\]"),
])
def test_bad_arguments_are_refused(tmp_path, change, error, words):
    args = {"image": _image(), "fov_uas": 160.0, "freq_hz": FREQ, "ra_deg": RA_DEG, "dec_deg": DEC_DEG}
    args.update(change)
    extra = {k: args.pop(k) for k in ("source", "date_obs", "history") if k in args}
    with pytest.raises(error, match=words):
        fits_io.write_fits(tmp_path / "bad.fits", *args.values(), **extra)
    assert not (tmp_path / "bad.fits").exists()


def test_an_existing_file_is_kept_unless_overwrite(written):
    with pytest.raises(OSError):
        fits_io.write_fits(written, np.zeros((8, 8)), 160.0, FREQ, RA_DEG, DEC_DEG)
    fits_io.write_fits(written, np.zeros((8, 8)), 160.0, FREQ, RA_DEG, DEC_DEG, overwrite=True)
    assert fits_io.read_fits(written)[0].shape == (8, 8)


def test_read_fits_refuses_what_is_not_one_image(tmp_path):
    path = tmp_path / "stack.fits"
    h = fits.Header()
    h["CDELT1"], h["CDELT2"] = -PIXEL_DEG, PIXEL_DEG
    fits.PrimaryHDU(np.ones((2, 8, 8)), header=h).writeto(path)
    with pytest.raises(ValueError, match="2-D"):
        fits_io.read_fits(path)
    path = tmp_path / "oblong.fits"
    h["CDELT1"] = -2 * PIXEL_DEG
    fits.PrimaryHDU(np.ones((8, 8)), header=h).writeto(path)
    with pytest.raises(ValueError, match="square"):
        fits_io.read_fits(path)
