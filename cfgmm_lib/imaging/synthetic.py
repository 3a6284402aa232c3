"""Synthetic black holes: rings and crescents drawn from a seed.

An image is a ring of radius ``radius`` whose cross-section is a Gaussian of full width at half
maximum ``width``, brightened on one side by ``1 + asymmetry * cos(angle - orientation)``, centred
``offset`` away from the field's centre. Each image's parameters come from its own seed, so
training, tuning and test images never share one (the notebook uses disjoint seed ranges).

Units: the field is ``NPIX x NPIX`` pixels of ``FOV_UAS / NPIX`` = 2.5 micro-arcseconds; pixel
values are in units of ``UNIT_JY`` = 4 mJy, and every image carries the same total flux,
``TOTAL_FLUX_JY`` = 0.6 Jy (150 units, about M87's compact flux at 230 GHz), so the brightest
pixels are of order 1.

Introduced in ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.validation import check_scalar, check_seed

__all__ = ["NPIX", "FOV_UAS", "PIXEL_UAS", "TOTAL_FLUX_JY", "UNIT_JY", "FWHM_PER_SIGMA", "RingParameters", "draw_parameters",
           "render", "black_hole", "black_holes", "pixel_coordinates"]

NPIX = 64
FOV_UAS = 160.0
PIXEL_UAS = FOV_UAS / NPIX
TOTAL_FLUX_JY = 0.6
UNIT_JY = 0.004
#: A Gaussian's full width at half maximum over its standard deviation.
FWHM_PER_SIGMA = 2 * np.sqrt(2 * np.log(2))

#: Ranges the parameters are drawn from (uniformly): M87's ring is about 40 micro-arcseconds across.
RANGES = {"radius": (16.0, 24.0), "width": (4.0, 12.0), "asymmetry": (0.0, 0.9), "offset": (0.0, 8.0)}


class RingParameters(NamedTuple):
    """One synthetic black hole (lengths in micro-arcseconds, angles in radians from north through east)."""

    radius: float
    width: float
    asymmetry: float
    orientation: float
    offset_x: float
    offset_y: float


def pixel_coordinates(npix: int = NPIX, fov_uas: float = FOV_UAS) -> tuple[np.ndarray, np.ndarray]:
    """Sky offsets of the pixel centres from the field's centre, in micro-arcseconds.

    Returns
    -------
    east, north : arrays of shape (npix, npix)
        Column 0 is the east edge (east is on the left, as on the sky); row 0 is the north edge.
    """
    npix = check_scalar(npix, "npix", int, low=1)
    fov_uas = check_scalar(fov_uas, "fov_uas", low=0.0, low_inclusive=False)
    c = (np.arange(npix) - (npix - 1) / 2) * (fov_uas / npix)
    north, west = np.meshgrid(-c, c, indexing="ij")
    return -west, north


def draw_parameters(seed: int) -> RingParameters:
    """The parameters of image ``seed``, from ``np.random.default_rng(seed)``."""
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    radius, width, asym = (rng.uniform(*RANGES[k]) for k in ("radius", "width", "asymmetry"))
    orientation = rng.uniform(0, 2 * np.pi)
    r, phi = rng.uniform(*RANGES["offset"]), rng.uniform(0, 2 * np.pi)
    return RingParameters(radius, width, asym, orientation, r * np.sin(phi), r * np.cos(phi))


def render(params: RingParameters, npix: int = NPIX, fov_uas: float = FOV_UAS) -> np.ndarray:
    """The image of ``params``, in units of ``UNIT_JY`` per pixel, summing to ``TOTAL_FLUX_JY / UNIT_JY``.

    Returns
    -------
    array of shape (npix, npix)

    Raises
    ------
    ValueError
        On a radius or width <= 0, an asymmetry outside [0, 1], or a ring outside the field.
    """
    radius, width, asym, orientation, ox, oy = params
    if not np.isfinite(np.asarray(params, dtype=float)).all():
        raise ValueError(f"params must be finite, got {params}")
    if not (radius > 0 and width > 0 and 0 <= asym <= 1):
        raise ValueError(f"need radius > 0, width > 0 and 0 <= asymmetry <= 1, got {params}")
    east, north = pixel_coordinates(npix, fov_uas)
    x, y = east - ox, north - oy
    r = np.hypot(x, y)
    angle = np.arctan2(x, y)  # from north through east
    sigma = width / FWHM_PER_SIGMA
    img = np.exp(-0.5 * ((r - radius) / sigma) ** 2) * (1 + asym * np.cos(angle - orientation))
    total = img.sum()
    if not total > 0:  # 0 / 0: every pixel would be NaN
        raise ValueError(f"the ring ({params}) lies outside the field of view ({fov_uas} micro-arcseconds across, "
                         f"{npix} pixels): no pixel holds any of its flux; move it nearer the centre")
    return img * (TOTAL_FLUX_JY / UNIT_JY / total)


def black_hole(seed: int) -> np.ndarray:
    """``render(draw_parameters(seed))``: a 64 x 64 image."""
    return render(draw_parameters(seed))


def black_holes(seeds) -> np.ndarray:
    """One image per seed.

    Returns
    -------
    array of shape (len(seeds), 64, 64)
    """
    return np.stack([black_hole(s) for s in seeds])
