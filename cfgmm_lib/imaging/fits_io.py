"""An image as a FITS file that astropy, eht-imaging and DS9 read the right way round.

The header is the one eht-imaging's ``Image.save_fits`` writes, completed for other readers: a
2-D image (``NAXIS`` = 2) with a sine-projected celestial grid (``CTYPE1 = 'RA---SIN'``,
``CTYPE2 = 'DEC--SIN'``), square pixels of ``CDELT2 = fov / npix`` degrees with ``CDELT1 =
-CDELT2`` (right ascension grows to the left, towards the east), the reference pixel at the
field's centre (``CRPIX = npix / 2 + 0.5``, 1-based, as eht-imaging writes; the centre of pixel
``(npix - 1) / 2`` counted from 0, as ``synthetic.pixel_coordinates``), where the sky position is
``CRVAL1, CRVAL2`` (also written ``OBSRA, OBSDEC``, which eht-imaging reads first). The frequency
is the ``FREQ`` keyword eht-imaging reads (not a third axis: eht-imaging takes a 3-D array for a
stack of Stokes images). ``BUNIT = 'JY/PIXEL'``, ``STOKES = 'I'``, ``TELESCOP = 'EHT'``,
``OBJECT``, ``DATE-OBS``, ``MJD-OBS`` and ``MJD`` (eht-imaging's) when a date is given, and ``HISTORY`` lines.

Orientation: this package's row 0 is north and column 0 east; FITS stores its first row at the
bottom (south), so rows are flipped on writing and reading, and its first column (the largest
right ascension, with ``CDELT1 < 0``) is east, as ours. eht-imaging does the same flip, so its
``imvec.reshape(ydim, xdim)`` of a file written here is the image given.

Introduced in ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

import datetime
import os

import numpy as np
from astropy.io import fits
from astropy.time import Time

from ..core.validation import check_matrix, check_scalar

__all__ = ["UAS_PER_DEGREE", "write_fits", "read_fits"]

UAS_PER_DEGREE = 3600.0e6


def _ascii(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__} {value!r}")
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"{name} must be printable ASCII (a FITS header holds nothing else), got {value!r}")
    return value


def _check_date(date_obs) -> Time | None:
    if date_obs is None:
        return None
    if isinstance(date_obs, datetime.date):  # a datetime.datetime is one too
        if not isinstance(date_obs, datetime.datetime):
            date_obs = datetime.datetime(date_obs.year, date_obs.month, date_obs.day)
        return Time(date_obs, scale="utc")
    _ascii(date_obs, "date_obs")
    try:
        return Time(date_obs, format="isot" if "T" in date_obs else "iso", scale="utc")
    except ValueError:
        raise ValueError(f"date_obs must be an ISO date such as '2017-04-11' or '2017-04-11T04:00:00', "
                         f"got {date_obs!r}") from None


def write_fits(path, image, fov_uas, freq_hz, ra_deg, dec_deg, source: str = "M87", date_obs=None,
               history=(), *, overwrite: bool = False) -> None:
    """Write ``image`` as a FITS file (see the module for the header).

    Parameters
    ----------
    path : str or os.PathLike
    image : array of shape (npix, npix)
        In Jy per pixel; row 0 is north, column 0 is east. Written as float64.
    fov_uas : float
        Width of the field, in micro-arcseconds (positive).
    freq_hz : float
        Observing frequency (positive).
    ra_deg, dec_deg : float
        Position of the field's centre: right ascension in ``[0, 360)``, declination in
        ``[-90, 90]``, degrees.
    source : str, default "M87"
        ``OBJECT``.
    date_obs : str, datetime.date or None
        ``DATE-OBS`` (and ``MJD-OBS``, and eht-imaging's ``MJD``), e.g. ``'2017-04-11'``; None writes neither.
    history : iterable of str
        One ``HISTORY`` card each (long lines continue on further cards).
    overwrite : bool, default False
        Replace an existing file (otherwise astropy raises ``OSError``).

    Introduced in ``notebooks/08_real_m87.py``.
    """
    image = check_matrix(image, "image")
    if image.shape[0] != image.shape[1]:
        raise ValueError(f"image must be square (npix, npix), got shape {image.shape}")
    fov_uas = check_scalar(fov_uas, "fov_uas", low=0.0, low_inclusive=False)
    freq_hz = check_scalar(freq_hz, "freq_hz", low=0.0, low_inclusive=False)
    ra_deg = check_scalar(ra_deg, "ra_deg", low=0.0, high=360.0, high_inclusive=False)
    dec_deg = check_scalar(dec_deg, "dec_deg", low=-90.0, high=90.0)
    source = _ascii(source, "source")
    when = _check_date(date_obs)
    if isinstance(history, (str, bytes)) or not hasattr(history, "__iter__"):
        raise TypeError(f"history must be an iterable of str (a list of lines), got {type(history).__name__}")
    history = [_ascii(line, f"history[{i}]") for i, line in enumerate(history)]
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__} {path!r}")

    npix = image.shape[0]
    pixel_deg = fov_uas / npix / UAS_PER_DEGREE
    header = fits.Header()
    header["OBJECT"] = source
    header["TELESCOP"] = "EHT"
    header["CTYPE1"], header["CTYPE2"] = "RA---SIN", "DEC--SIN"
    header["CUNIT1"], header["CUNIT2"] = "deg", "deg"
    header["CDELT1"] = (-pixel_deg, "degrees per pixel; RA grows to the left (east)")
    header["CDELT2"] = (pixel_deg, "degrees per pixel")
    header["CRPIX1"] = (npix / 2 + 0.5, "the field's centre (1-based)")
    header["CRPIX2"] = (npix / 2 + 0.5, "the field's centre (1-based)")
    header["CRVAL1"] = (ra_deg, "right ascension of the centre, degrees")
    header["CRVAL2"] = (dec_deg, "declination of the centre, degrees")
    header["RADESYS"], header["EQUINOX"] = "ICRS", 2000.0
    header["OBSRA"], header["OBSDEC"] = ra_deg, dec_deg
    header["FREQ"] = (freq_hz, "observing frequency, Hz")
    header["BUNIT"] = "JY/PIXEL"
    header["STOKES"] = "I"
    if when is not None:
        header["DATE-OBS"] = when.isot if when.isot[10:] != "T00:00:00.000" else when.isot[:10]
        header["MJD-OBS"] = (float(when.mjd), "modified Julian date of the observation")
        header["MJD"] = (float(when.mjd), "the same, where eht-imaging reads it")
    for line in history:
        header.add_history(line)
    fits.PrimaryHDU(image[::-1, :], header=header).writeto(path, overwrite=overwrite)


def read_fits(path) -> tuple[np.ndarray, dict]:
    """Read a 2-D FITS image (one written by ``write_fits``, eht-imaging or most imagers).

    Leading axes of length 1 (frequency, Stokes) are dropped; the image is turned so that row 0
    is north and column 0 east, whatever the signs of ``CDELT1, CDELT2``. Values are as stored
    (``header['bunit']`` says in what unit).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    image : array of shape (ny, nx), float64
    header : dict
        ``fov_uas`` (``nx`` times the pixel size), ``pixel_uas``, ``freq_hz`` (``FREQ``, else
        ``CRVAL3`` of a frequency axis, else None), ``ra_deg``, ``dec_deg`` (``CRVAL1/2``, else
        ``OBSRA/OBSDEC``, else None), ``source``, ``date_obs``, ``bunit`` and ``history`` (list of str).

    Raises
    ------
    ValueError
        If the primary image is not 2-D after dropping axes of length 1, or its pixels are not square.

    Introduced in ``notebooks/08_real_m87.py``.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__} {path!r}")
    with fits.open(path) as hdus:
        head = hdus[0].header
        data = hdus[0].data
        if data is None:
            raise ValueError(f"{path}: the primary HDU holds no image")
        data = np.asarray(data, dtype=np.float64)
    if data.ndim > 2:
        data = data.reshape(data.shape[-2:]) if np.prod(data.shape[:-2]) == 1 else data
    if data.ndim != 2:
        raise ValueError(f"{path}: the primary image must be 2-D (or have axes of length 1 besides), "
                         f"got shape {data.shape}")
    dx, dy = float(head.get("CDELT1", 0.0)), float(head.get("CDELT2", 0.0))
    if dx == 0 or dy == 0 or not np.isclose(abs(dx), abs(dy), rtol=1e-6, atol=0.0):
        raise ValueError(f"{path}: pixels must be square with CDELT1 and CDELT2 given, got {dx} and {dy}")
    image = data[::-1, :] if dy > 0 else data  # FITS's first row is the lowest declination
    image = image[:, ::-1] if dx > 0 else image
    freq = head.get("FREQ")
    if freq is None and str(head.get("CTYPE3", "")).upper().startswith("FREQ"):
        freq = head.get("CRVAL3")
    pixel_uas = abs(dy) * UAS_PER_DEGREE
    return np.ascontiguousarray(image), {
        "fov_uas": image.shape[1] * pixel_uas, "pixel_uas": pixel_uas,
        "freq_hz": None if freq is None else float(freq),
        "ra_deg": _first(head, "CRVAL1", "OBSRA"), "dec_deg": _first(head, "CRVAL2", "OBSDEC"),
        "source": head.get("OBJECT"), "date_obs": head.get("DATE-OBS"), "bunit": head.get("BUNIT"),
        "history": [str(h) for h in head.get("HISTORY", [])],
    }


def _first(head, *keys) -> float | None:
    for key in keys:
        if key in head:
            return float(head[key])
    return None
