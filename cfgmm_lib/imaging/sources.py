"""Test sources beyond the training family, the fixed ring template, and the truth at the array's resolution.

The black-hole prior learns from rings and crescents (``synthetic``); a fair test also shows it
sources that are not rings, where a method that only knows "ring" must fail:

* ``disk``: a filled disk with a soft edge, brighter on one side;
* ``double``: two Gaussian blobs;
* ``crescent_with_jet``: a crescent (``synthetic.render``) with a jet leaving its edge.

Each is drawn from its own seed (``np.random.default_rng(seed)``), its parameters uniform in the
ranges below (lengths in micro-arcseconds, angles in radians from north through east, offsets of
the source's centre from the field's centre). Units are ``synthetic``'s: ``NPIX x NPIX`` pixels
over ``FOV_UAS``, pixel values in ``UNIT_JY``, every image summing to
``TOTAL_FLUX_JY / UNIT_JY``.

Two references with no method behind them:

* ``ring_template``: one fixed ring, centred, the same for every image: what a method that
  ignores the data and answers "a ring" scores;
* ``blurred``: the truth convolved with a circular Gaussian (``rings.blur``), e.g. to 20
  micro-arcseconds, about the array's resolution: the picture an array that measured every
  Fourier coefficient up to its longest baseline would see.

Introduced in ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfc

from ..core.validation import as_real_array, check_scalar, check_seed
from .rings import blur
from .synthetic import FOV_UAS, FWHM_PER_SIGMA, NPIX, TOTAL_FLUX_JY, UNIT_JY, RingParameters, pixel_coordinates, render

__all__ = ["DISK_RANGES", "DOUBLE_RANGES", "JET_RANGES", "KINDS", "disk", "double", "crescent_with_jet", "images",
           "ring_template", "blurred"]


#: ``disk``: radius, edge (the standard deviation of the Gaussian that softens the edge), gradient
#: (brightness ``1 + gradient cos(angle - orientation)``), offset.
DISK_RANGES = {"radius": (10.0, 25.0), "edge": (1.0, 4.0), "gradient": (0.0, 0.5), "offset": (0.0, 8.0)}
#: ``double``: separation of the two centres, each blob's FWHM, the second's flux over the first's, offset
#: of their midpoint.
DOUBLE_RANGES = {"separation": (20.0, 50.0), "fwhm": (6.0, 16.0), "ratio": (0.3, 1.0), "offset": (0.0, 8.0)}
#: ``crescent_with_jet``: the crescent's radius, width (FWHM) and asymmetry, its offset; the jet's share of
#: the flux, its length (the e-folding length of its brightness) and width (FWHM).
JET_RANGES = {"radius": (16.0, 24.0), "width": (4.0, 10.0), "asymmetry": (0.5, 0.9), "offset": (0.0, 8.0),
              "jet_flux": (0.1, 0.25), "jet_length": (10.0, 20.0), "jet_width": (4.0, 8.0)}


def _draw(seed, ranges: dict) -> tuple[dict, np.random.Generator]:
    rng = np.random.default_rng(check_seed(seed))
    return {k: rng.uniform(*r) for k, r in ranges.items()}, rng


def _offset(rng: np.random.Generator, r: float) -> tuple[float, float]:
    """(east, north) of a point ``r`` from the centre, in a direction drawn from ``rng``."""
    phi = rng.uniform(0, 2 * np.pi)
    return r * np.sin(phi), r * np.cos(phi)


def _frame(npix, fov_uas, ox: float, oy: float) -> tuple[np.ndarray, np.ndarray]:
    """East and north offsets (npix, npix) of the pixels from the point (ox, oy)."""
    east, north = pixel_coordinates(npix, fov_uas)
    return east - ox, north - oy


def _to_flux(img: np.ndarray) -> np.ndarray:
    return img * (TOTAL_FLUX_JY / UNIT_JY / img.sum())


def disk(seed: int, npix: int = NPIX, fov_uas: float = FOV_UAS) -> np.ndarray:
    """A filled disk with a soft edge, brighter on one side (parameters from ``DISK_RANGES``).

    Parameters
    ----------
    seed : int
    npix : int, default 64
    fov_uas : float, default 160.0

    Returns
    -------
    array of shape (npix, npix)
        In units of ``UNIT_JY``, summing to ``TOTAL_FLUX_JY / UNIT_JY``.

    Introduced in ``notebooks/06_black_hole_imaging.py``.
    """
    q, rng = _draw(seed, DISK_RANGES)
    orientation = rng.uniform(0, 2 * np.pi)
    x, y = _frame(npix, fov_uas, *_offset(rng, q["offset"]))
    inside = 0.5 * erfc((np.hypot(x, y) - q["radius"]) / (np.sqrt(2) * q["edge"]))  # a step blurred by the edge
    return _to_flux(inside * (1 + q["gradient"] * np.cos(np.arctan2(x, y) - orientation)))


def double(seed: int, npix: int = NPIX, fov_uas: float = FOV_UAS) -> np.ndarray:
    """Two circular Gaussian blobs (parameters from ``DOUBLE_RANGES``, the pair's direction uniform).

    Parameters
    ----------
    seed : int
    npix : int, default 64
    fov_uas : float, default 160.0

    Returns
    -------
    array of shape (npix, npix)
        In units of ``UNIT_JY``, summing to ``TOTAL_FLUX_JY / UNIT_JY``.

    Introduced in ``notebooks/06_black_hole_imaging.py``.
    """
    q, rng = _draw(seed, DOUBLE_RANGES)
    half = np.array(_offset(rng, q["separation"] / 2))  # from the midpoint to the first blob
    mid = np.array(_offset(rng, q["offset"]))
    centres = np.stack([mid + half, mid - half])  # (2, 2): east, north of each blob
    east, north = pixel_coordinates(npix, fov_uas)
    d2 = (east - centres[:, 0, None, None]) ** 2 + (north - centres[:, 1, None, None]) ** 2  # (2, npix, npix)
    sigma = q["fwhm"] / FWHM_PER_SIGMA
    blobs = np.exp(-0.5 * d2 / sigma**2)
    blobs /= blobs.sum(axis=(1, 2), keepdims=True)
    return _to_flux(blobs[0] + q["ratio"] * blobs[1])


def crescent_with_jet(seed: int, npix: int = NPIX, fov_uas: float = FOV_UAS) -> np.ndarray:
    """A crescent with a jet leaving its edge (parameters from ``JET_RANGES``, directions uniform).

    The crescent is ``synthetic.render``'s. The jet starts on the ring, at the crescent's radius from
    its centre, and points away from it; along its axis its brightness falls as
    ``exp(-s / jet_length)`` beyond the ring (and as a Gaussian of the jet's width inside it), across
    its axis as a Gaussian of FWHM ``jet_width``. It carries ``jet_flux`` of the total.

    Parameters
    ----------
    seed : int
    npix : int, default 64
    fov_uas : float, default 160.0

    Returns
    -------
    array of shape (npix, npix)
        In units of ``UNIT_JY``, summing to ``TOTAL_FLUX_JY / UNIT_JY``.

    Introduced in ``notebooks/06_black_hole_imaging.py``.
    """
    q, rng = _draw(seed, JET_RANGES)
    orientation, direction = rng.uniform(0, 2 * np.pi, size=2)
    ox, oy = _offset(rng, q["offset"])
    crescent = render(RingParameters(q["radius"], q["width"], q["asymmetry"], orientation, ox, oy), npix, fov_uas)
    x, y = _frame(npix, fov_uas, ox, oy)
    along = x * np.sin(direction) + y * np.cos(direction) - q["radius"]  # from the ring, outwards
    across = -x * np.cos(direction) + y * np.sin(direction)
    sigma = q["jet_width"] / FWHM_PER_SIGMA
    jet = np.where(along > 0, np.exp(-np.maximum(along, 0) / q["jet_length"]), np.exp(-0.5 * (along / sigma) ** 2))
    jet = jet * np.exp(-0.5 * (across / sigma) ** 2)
    return _to_flux((1 - q["jet_flux"]) * crescent / crescent.sum() + q["jet_flux"] * jet / jet.sum())


#: The kinds of test source beyond the training family, by name.
KINDS = {"disk": disk, "double source": double, "crescent with jet": crescent_with_jet}


def images(kind: str, seeds, npix: int = NPIX, fov_uas: float = FOV_UAS) -> np.ndarray:
    """One source of ``kind`` (a key of ``KINDS``) per seed.

    Returns
    -------
    array of shape (len(seeds), npix, npix)

    Introduced in ``notebooks/06_black_hole_imaging.py``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds is empty: it needs at least one seed")
    return np.stack([KINDS[kind](s, npix, fov_uas) for s in seeds])


def ring_template(radius_uas: float = 20.0, width_uas: float = 8.0, npix: int = NPIX,
                  fov_uas: float = FOV_UAS) -> np.ndarray:
    """The fixed ring that uses no data: centred, uniform, of the given radius and width (FWHM).

    The defaults are M87's 40 micro-arcsecond ring and the middle of the training family's widths
    (``synthetic.RANGES``): the ring a method that ignores the data would draw.

    Parameters
    ----------
    radius_uas : float > 0, default 20.0
    width_uas : float > 0, default 8.0
    npix : int, default 64
    fov_uas : float, default 160.0

    Returns
    -------
    array of shape (npix, npix)
        In units of ``UNIT_JY``, summing to ``TOTAL_FLUX_JY / UNIT_JY``.

    Introduced in ``notebooks/06_black_hole_imaging.py``.
    """
    radius_uas = check_scalar(radius_uas, "radius_uas", low=0.0, low_inclusive=False)
    width_uas = check_scalar(width_uas, "width_uas", low=0.0, low_inclusive=False)
    return render(RingParameters(radius_uas, width_uas, 0.0, 0.0, 0.0, 0.0), npix, fov_uas)


def blurred(image, fwhm_uas: float, fov_uas: float = FOV_UAS) -> np.ndarray:
    """The image (or each image of a stack) convolved with a circular Gaussian of FWHM ``fwhm_uas``.

    ``rings.blur``: ``scipy.ndimage.gaussian_filter``, zero outside the field, so the flux is kept
    as long as the source stays a few widths away from the field's edges.

    Parameters
    ----------
    image : array of shape (npix, npix), or a stack (k, npix, npix)
    fwhm_uas : float >= 0
    fov_uas : float, default 160.0
        Width of the field, in micro-arcseconds.

    Returns
    -------
    array of image's shape

    Introduced in ``notebooks/06_black_hole_imaging.py``.
    """
    arr = as_real_array(image, "image")
    fwhm_uas = check_scalar(fwhm_uas, "fwhm_uas", low=0.0)
    if arr.ndim == 3:
        if len(arr) == 0:
            raise ValueError("image is an empty stack: it needs at least one image")
        return np.stack([blur(a, fwhm_uas, fov_uas) for a in arr])
    return blur(arr, fwhm_uas, fov_uas)  # a 2-D image, or a refusal naming ``image``
