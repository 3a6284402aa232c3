"""Measuring a ring image as the EHT did for M87*: REx, the ring extractor.

The EHT's M87 Paper IV (EHT Collaboration 2019, ApJL 875, L4, section 9) measures every image
with REx (Chael's ``ehtim.features.rex``). Seen from a centre ``(x0, y0)``, the image is sampled
on a polar grid: ``N_ANGLES`` = 360 angles ``theta`` measured east of north (0 = north, 90 =
east) and radii ``r`` from 0 to ``RMAX_UAS`` = 50 micro-arcseconds, by bilinear interpolation
(zero outside the field). Along each angle the radius of peak brightness ``r_pk(theta)`` is found
(the best sample, refined by the parabola through it and its two neighbours, as REx does). Then:

- the centre is the one that minimises the relative spread ``std(r_pk) / mean(r_pk)`` of the
  peak radii (REx's objective), searched on a grid of centres within ``SEARCH_UAS`` = 10 of the
  brightness centroid and refined by Nelder-Mead; as in REx, the search sees the image with
  pixels below ``THRESHOLD`` = 5% of its peak set to 0, and only centres whose mean diameter is
  within REx's prior range ``DIAMETER_RANGE_UAS`` (15 to 50 micro-arcseconds) are candidates;
- the diameter is ``d = 2 mean(r_pk)`` (REx's ``RingSize1``);
- the width ``w`` is the full width at half maximum of the angle-averaged radial profile around
  its peak, half maximum measured from zero (no background is subtracted; REx's
  ``RingSize2`` subtracts the mean beyond 45 micro-arcseconds, Paper IV averages widths of the
  single angles); where the profile does not fall to half on one side, that side's edge is the
  end of the sampled range, as in REx;
- ``I(theta)`` is the brightness summed over the sampled radii in ``[d/2 - w/2, d/2 + w/2]``;
  the position angle is ``eta = arg sum_theta I(theta) exp(i theta)``, in degrees in
  ``[0, 360)`` east of north, and the asymmetry is ``A = |sum I exp(i theta)| / sum I`` (0 for a
  uniform ring; ``a / 2`` for a ring brightened by ``1 + a cos(theta - eta)``). Paper IV takes
  the angle and ``A`` at each radius of the band and averages; summing first differs little.

M87*'s published values (Paper VI): ``d`` = 42 +- 3 micro-arcseconds, ``eta`` between about
150 and 200 degrees (brighter in the south).

``blur`` convolves with a circular Gaussian (as eht-imaging's ``Image.blur_circ``).

Introduced in ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.ndimage import gaussian_filter, map_coordinates
from scipy.optimize import minimize

from ..core.validation import check_matrix, check_scalar
from .synthetic import FWHM_PER_SIGMA

__all__ = ["N_ANGLES", "RMAX_UAS", "N_RADII", "SEARCH_UAS", "THRESHOLD", "DIAMETER_RANGE_UAS", "Ring", "measure_ring",
           "blur"]

N_ANGLES = 360
RMAX_UAS = 50.0
N_RADII = 101  # a radius every 0.5 micro-arcseconds
SEARCH_UAS = 10.0
THRESHOLD = 0.05
#: REx's prior on the ring (``RPRIOR_MIN``, ``RPRIOR_MAX``): a centre whose mean diameter 2 mean(r_pk)
#: falls outside this range, in micro-arcseconds, is not a candidate.
DIAMETER_RANGE_UAS = (15.0, 50.0)
_GRID_STEP_UAS = 2.0
_GRID_ANGLES, _GRID_RADII = 90, 51  # a lighter polar grid for the coarse search


class Ring(NamedTuple):
    """What ``measure_ring`` measures (lengths in micro-arcseconds, angles in degrees east of north).

    Attributes
    ----------
    center_east_uas, center_north_uas : float
        The ring's centre, as offsets from the field's centre.
    diameter_uas : float
        ``2 mean(peak_radii_uas)``.
    diameter_std_uas : float
        ``2 std(peak_radii_uas)``: how far from circular the ring is.
    width_uas : float
        FWHM of ``mean_profile`` around its peak.
    position_angle_deg : float
        Angle of the brightness, in ``[0, 360)``: 0 = north, 90 = east, 180 = south.
    asymmetry : float
        Fractional brightness asymmetry ``A``, in ``[0, 1]`` for a non-negative image (NaN if the
        ring's band sums to zero or less, which only negative pixels can do).
    radii_uas : array of shape (N_RADII,)
    angles_deg : array of shape (N_ANGLES,)
    profiles : array of shape (N_ANGLES, N_RADII)
        The image along each angle from the centre.
    peak_radii_uas : array of shape (N_ANGLES,)
    mean_profile : array of shape (N_RADII,)
        ``profiles`` averaged over angles.
    angular_profile : array of shape (N_ANGLES,)
        ``I(theta)``: ``profiles`` summed over the radii of the ring's band.
    at_limit : bool
        The diameter is within 0.5 micro-arcseconds of an end of ``DIAMETER_RANGE_UAS``: REx's prior,
        not the image, set it (a better centre lay outside the range).
    """

    center_east_uas: float
    center_north_uas: float
    diameter_uas: float
    diameter_std_uas: float
    width_uas: float
    position_angle_deg: float
    asymmetry: float
    radii_uas: np.ndarray
    angles_deg: np.ndarray
    profiles: np.ndarray
    peak_radii_uas: np.ndarray
    mean_profile: np.ndarray
    angular_profile: np.ndarray
    at_limit: bool


def _check_image(image, fov_uas) -> tuple[np.ndarray, float]:
    image = check_matrix(image, "image")
    if image.shape[0] != image.shape[1]:
        raise ValueError(f"image must be square (npix, npix), got shape {image.shape}")
    fov_uas = check_scalar(fov_uas, "fov_uas", low=0.0, low_inclusive=False)
    return image, fov_uas


def blur(image, fwhm_uas, fov_uas: float = 160.0) -> np.ndarray:
    """The image convolved with a circular Gaussian of full width at half maximum ``fwhm_uas``.

    ``scipy.ndimage.gaussian_filter`` with ``sigma = fwhm / (2 sqrt(2 ln 2))`` in pixels (of
    ``fov_uas / npix``), zero outside the field (flux near the edges spills out of it).

    Parameters
    ----------
    image : array of shape (npix, npix)
    fwhm_uas : float
        Non-negative; 0 returns a copy.
    fov_uas : float, default 160.0
        Width of the field, in micro-arcseconds.

    Returns
    -------
    array of shape (npix, npix)

    Introduced in ``notebooks/08_real_m87.py``.
    """
    image, fov_uas = _check_image(image, fov_uas)
    fwhm_uas = check_scalar(fwhm_uas, "fwhm_uas", low=0.0)
    if fwhm_uas == 0:
        return image.copy()
    sigma = fwhm_uas / FWHM_PER_SIGMA / (fov_uas / image.shape[0])
    return gaussian_filter(image, sigma, mode="constant", cval=0.0)


def _polar(image: np.ndarray, pixel_uas: float, centers: np.ndarray, n_angles: int, n_radii: int):
    """The image sampled around each centre.

    Parameters
    ----------
    centers : array of shape (m, 2)
        (east, north) offsets from the field's centre, micro-arcseconds.

    Returns
    -------
    profiles : array of shape (m, n_angles, n_radii)
    radii : array of shape (n_radii,)
    thetas : array of shape (n_angles,), radians east of north
    """
    radii = np.linspace(0.0, RMAX_UAS, n_radii)
    thetas = np.arange(n_angles) * (2 * np.pi / n_angles)
    east = centers[:, 0, None, None] + radii * np.sin(thetas)[:, None]
    north = centers[:, 1, None, None] + radii * np.cos(thetas)[:, None]
    mid = (image.shape[0] - 1) / 2  # row 0 is north, column 0 is east
    coords = np.stack([mid - north / pixel_uas, mid - east / pixel_uas])
    return map_coordinates(image, coords, order=1, mode="constant", cval=0.0), radii, thetas


def _peak_radii(profiles: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Radius of the maximum along the last axis, refined by a parabola through the best three samples.

    Parameters
    ----------
    profiles : array of shape (..., n_radii)

    Returns
    -------
    array of shape (...)
    """
    k = np.argmax(profiles, axis=-1)
    inner = np.clip(k, 1, len(radii) - 2)
    left, mid, right = (np.take_along_axis(profiles, (inner + s)[..., None], -1)[..., 0] for s in (-1, 0, 1))
    curvature = left + right - 2 * mid
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curvature < 0, (left - right) / (2 * curvature), 0.0)
    shift = np.where(k == inner, shift, 0.0)  # no refinement at either end
    return radii[k] + shift * (radii[1] - radii[0])


def _spread(image, pixel_uas, centers, n_angles, n_radii) -> np.ndarray:
    """REx's objective ``std(r_pk) / mean(r_pk)`` of each centre (inf where ``2 mean`` is outside ``DIAMETER_RANGE_UAS``).

    Returns
    -------
    array of shape (m,)
    """
    profiles, radii, _ = _polar(image, pixel_uas, centers, n_angles, n_radii)
    peaks = _peak_radii(profiles, radii)
    mean = peaks.mean(axis=1)
    lo, hi = DIAMETER_RANGE_UAS
    ok = (2 * mean >= lo) & (2 * mean <= hi)
    return np.where(ok, peaks.std(axis=1) / np.maximum(mean, lo / 2), np.inf)


def _find_center(image: np.ndarray, pixel_uas: float) -> np.ndarray:
    """The centre (east, north) minimising the spread of peak radii, near the brightness centroid.

    Raises ValueError if no centre of the coarse grid sees a ring (mean diameter in DIAMETER_RANGE_UAS); the
    refinement keeps to centres that do (the cost is inf elsewhere), so the centre returned sees one.
    """
    search = np.where(image >= THRESHOLD * image.max(), image, 0.0)
    positive = np.clip(image, 0.0, None)
    n = image.shape[0]
    c = (np.arange(n) - (n - 1) / 2) * pixel_uas
    start = np.array([-(positive.sum(axis=0) @ c), -(positive.sum(axis=1) @ c)]) / positive.sum()
    steps = np.arange(-SEARCH_UAS, SEARCH_UAS + 1e-9, _GRID_STEP_UAS)
    grid = start + np.stack(np.meshgrid(steps, steps, indexing="ij"), axis=-1).reshape(-1, 2)
    costs = _spread(search, pixel_uas, grid, _GRID_ANGLES, _GRID_RADII)
    if not np.isfinite(costs).any():
        raise ValueError(f"no ring found: seen from every centre searched (within {SEARCH_UAS} micro-arcseconds of "
                         f"the brightness centroid), the peaks' mean diameter is outside REx's range "
                         f"{DIAMETER_RANGE_UAS[0]:g} to {DIAMETER_RANGE_UAS[1]:g} micro-arcseconds")
    best = grid[np.argmin(costs)]

    def cost(pos):
        if np.max(np.abs(pos - start)) > SEARCH_UAS:
            return np.inf
        return float(_spread(search, pixel_uas, pos[None, :], N_ANGLES, N_RADII)[0])

    simplex = best + np.array([[0.0, 0.0], [_GRID_STEP_UAS / 2, 0.0], [0.0, _GRID_STEP_UAS / 2]])
    res = minimize(cost, best, method="Nelder-Mead",
                   options={"initial_simplex": simplex, "xatol": 0.01, "fatol": 1e-6, "maxiter": 400})
    return res.x if res.fun <= cost(best) else best


def _fwhm(profile: np.ndarray, radii: np.ndarray) -> tuple[float, float]:
    """The radii where ``profile`` falls to half its maximum on either side of it, linearly interpolated."""
    k = int(np.argmax(profile))
    half = profile[k] / 2
    below = profile < half
    left = np.flatnonzero(below[:k])
    right = np.flatnonzero(below[k:]) + k
    edges = []
    for idx, out, inside in ((left, -1, +1), (right, 0, -1)):
        if idx.size == 0:
            edges.append(radii[0] if inside > 0 else radii[-1])
            continue
        i = idx[out]
        j = i + inside  # the neighbouring sample, at or above half
        edges.append(radii[i] + (half - profile[i]) / (profile[j] - profile[i]) * (radii[j] - radii[i]))
    return float(edges[0]), float(edges[1])


def measure_ring(image, fov_uas: float = 160.0) -> Ring:
    """Centre, diameter, width, position angle and asymmetry of a ring image, by REx (see the module).

    Parameters
    ----------
    image : array of shape (npix, npix)
        Row 0 is north, column 0 is east (as ``synthetic.pixel_coordinates``); any flux unit.
    fov_uas : float, default 160.0
        Width of the field, in micro-arcseconds (pixels of ``fov_uas / npix``).

    Returns
    -------
    Ring

    Raises
    ------
    TypeError
        If ``image`` is not numeric or ``fov_uas`` not a number.
    ValueError
        If ``image`` is not 2-D and square, holds NaN or inf, or has no positive pixel;
        if ``fov_uas`` is not positive; if no centre within ``SEARCH_UAS`` of the centroid
        sees a ring (mean diameter within ``DIAMETER_RANGE_UAS``, REx's prior).

    Introduced in ``notebooks/08_real_m87.py``.
    """
    image, fov_uas = _check_image(image, fov_uas)
    if not (image > 0).any():
        raise ValueError("image has no positive pixel: there is no ring to measure")
    pixel_uas = fov_uas / image.shape[0]
    center = _find_center(image, pixel_uas)
    profiles, radii, thetas = _polar(image, pixel_uas, center[None, :], N_ANGLES, N_RADII)
    profiles = profiles[0]
    peaks = _peak_radii(profiles, radii)
    diameter = 2 * peaks.mean()
    mean_profile = profiles.mean(axis=0)
    lh, rh = _fwhm(mean_profile, radii)
    width = rh - lh
    band = np.abs(radii - diameter / 2) <= width / 2
    if not band.any():  # a band narrower than the radial step: the nearest radius
        band = np.abs(radii - diameter / 2) == np.abs(radii - diameter / 2).min()
    angular = profiles[:, band].sum(axis=1)
    moment = np.sum(angular * np.exp(1j * thetas))
    total = angular.sum()
    angle = float(np.degrees(np.angle(moment)) % 360.0)
    return Ring(
        center_east_uas=float(center[0]), center_north_uas=float(center[1]), diameter_uas=float(diameter),
        diameter_std_uas=float(2 * peaks.std()), width_uas=float(width),
        position_angle_deg=angle if angle < 360.0 else 0.0,
        asymmetry=float(np.abs(moment) / total) if total > 0 else float("nan"),
        radii_uas=radii, angles_deg=np.degrees(thetas), profiles=profiles, peak_radii_uas=peaks,
        mean_profile=mean_profile, angular_profile=angular,
        at_limit=bool(min(abs(diameter - d) for d in DIAMETER_RANGE_UAS) < 0.5))
