"""The measurement: the 2017 Event Horizon Telescope observing M87 at 230 GHz.

Each pair of stations (i, j) measures, at each moment, one complex *visibility*: the Fourier
transform of the sky image at the spatial frequency ``(u, v)`` = the baseline ``r_i - r_j``,
projected on the plane of the sky and measured in wavelengths. As the Earth turns, the
projections move, and each baseline draws a track in the (u, v) plane (Earth-rotation synthesis).
With ``H`` the source's Greenwich hour angle and ``delta`` its declination (Thompson, Moran and
Swenson, eq. 4.1, with Earth-centred coordinates X towards longitude 0, Z towards the north pole)::

    u = ( sin H  B_x + cos H  B_y) / lambda
    v = (-sin delta cos H  B_x + sin delta sin H  B_y + cos delta  B_z) / lambda

A station sees the source when its elevation (from the geocentric vertical) is above 10 degrees.
The visibility of an image ``I`` with pixel offsets ``(l, m)`` (radians east and north) is
``V(u, v) = sum_pixels I(l, m) exp(+2 pi i (u l + v m))``, with ``(u, v)`` the baseline from
station 1 to station 2 as the data define it: the sign convention of the EHT's data and of
eht-imaging (``obs_helpers.ftmatrix``). With the opposite sign, every image of real data would
come out rotated by 180 degrees. Stacking real and imaginary parts gives the real forward matrix
``F`` of shape (2M, N).

Thermal noise (the radiometer equation, as in eht-imaging): the real and the imaginary part of one
polarisation product (RR or LL) on baseline (i, j) each have standard deviation
``sqrt(SEFD_i SEFD_j) / (0.88 sqrt(2 bandwidth t_int))`` (0.88 the 2-bit quantisation efficiency,
eht-imaging's ``blnoise``); Stokes I = (RR + LL) / 2 averages two of them, so its noise is that
divided by sqrt(2):

    sigma_ij = sqrt(SEFD_i SEFD_j) / (0.88 sqrt(2 bandwidth t_int)) / sqrt(2)   [Jy].

The SEFDs are eht-imaging's nominal ones; the real 2017 data's 10 s sigmas are a median 2 to 3
times larger (notebook 08 uses the data's own). We assume ``BANDWIDTH_HZ`` = 2 GHz and
``T_INT_S`` = 10 s per visibility, one visibility per baseline every ``STEP_MIN`` = 10 minutes.

Introduced in ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.validation import check_matrix, check_scalar, check_seed, check_values
from .synthetic import FOV_UAS, NPIX, UNIT_JY, pixel_coordinates

__all__ = ["STATIONS", "SEFD", "WAVELENGTH_M", "DEC_M87_DEG", "BANDWIDTH_HZ", "T_INT_S", "STEP_MIN",
           "Coverage", "elevation", "coverage", "baseline_uv", "fourier_matrix", "forward_matrix", "thermal_sigma", "Measurement", "observe",
           "UAS"]

#: EHT 2017 stations: Earth-centred x, y, z in metres (eht-imaging's arrays/EHT2017.txt).
STATIONS = {
    "ALMA": (2225061.164, -5440057.37, -2481681.15),
    "APEX": (2225039.53, -5441197.63, -2479303.36),
    "JCMT": (-5464584.68, -2493001.17, 2150653.98),
    "LMT": (-768713.9637, -5988541.7982, 2063275.9472),
    "PV": (5088967.9, -301681.6, 3825015.8),
    "SMA": (-5464523.4, -2493147.08, 2150611.75),
    "SMT": (-1828796.2, -5054406.8, 3427865.2),
    "SPT": (0.01, 0.01, -6359609.7),
}
#: System equivalent flux densities in Jy (the same table).
SEFD = {"ALMA": 90.0, "APEX": 3500.0, "JCMT": 6000.0, "LMT": 600.0, "PV": 1400.0, "SMA": 4900.0,
        "SMT": 5000.0, "SPT": 5000.0}

WAVELENGTH_M = 299_792_458.0 / 230e9  # 1.3 mm
DEC_M87_DEG = 12.391
MIN_ELEVATION_DEG = 10.0
BANDWIDTH_HZ = 2e9
T_INT_S = 10.0
STEP_MIN = 10.0
#: Most bytes ``coverage`` may hold in its arrays (time steps x (stations + baselines)); a smaller
#: ``step_min`` is refused, with the size it would need.
MAX_COVERAGE_BYTES = 2**30
QUANTISATION_EFFICIENCY = 0.88
#: One micro-arcsecond in radians.
UAS = np.pi / 180 / 3600 / 1e6


class Coverage(NamedTuple):
    """The (u, v) points of one observation, one per baseline and time.

    Attributes
    ----------
    u, v : arrays of shape (M,)
        Spatial frequencies in wavelengths.
    station1, station2 : arrays of shape (M,) of str
    hour_angle : array of shape (M,)
        Greenwich hour angle of M87 in hours.
    """

    u: np.ndarray
    v: np.ndarray
    station1: np.ndarray
    station2: np.ndarray
    hour_angle: np.ndarray


def _check_stations(stations) -> list[str]:
    if stations is None:
        return list(STATIONS)
    if isinstance(stations, str):
        raise TypeError(f"stations must be a list of station names, got the string {stations!r}")
    stations = list(stations)
    unknown = [s for s in stations if s not in STATIONS]
    if unknown:
        raise ValueError(f"stations: unknown name(s) {unknown}; the EHT 2017 stations are {list(STATIONS)}")
    if len(set(stations)) < 2:
        raise ValueError(f"stations must name at least two different stations, got {stations}")
    return sorted(set(stations), key=list(STATIONS).index)


def elevation(station: str, hour_angle_h, dec_deg: float = DEC_M87_DEG) -> np.ndarray:
    """Elevation in degrees of the source seen from ``station`` at Greenwich hour angle(s) ``hour_angle_h``."""
    if not isinstance(station, str) or station not in STATIONS:
        raise ValueError(f"station: unknown name {station!r}; the EHT 2017 stations are {list(STATIONS)}")
    return _elevation(station, hour_angle_h, _check_dec(dec_deg))


def _elevation(station: str, hour_angle_h, dec_deg: float) -> np.ndarray:
    r = np.asarray(STATIONS[station])
    H = np.asarray(hour_angle_h, dtype=float) * np.pi / 12
    d = np.radians(dec_deg)
    s = np.stack([np.cos(d) * np.cos(H), -np.cos(d) * np.sin(H), np.full_like(H, np.sin(d))], axis=-1)
    return np.degrees(np.arcsin(s @ r / np.linalg.norm(r)))


def coverage(stations=None, hours: float = 12.0, start_h: float | None = None,
             step_min: float = STEP_MIN, dec_deg: float = DEC_M87_DEG) -> Coverage:
    """The (u, v) tracks of an observation of ``hours`` hours.

    Parameters
    ----------
    stations : list of str, optional
        Default: all eight.
    hours : float, default 12
        Length of the observation (0 < hours <= 24).
    start_h : float, optional
        Greenwich hour angle at the start, in hours. Default: the start that gives the most
        (u, v) points for this array and length.
    step_min : float, default 10
        Minutes between visibilities.
    dec_deg : float, default M87's

    Returns
    -------
    Coverage

    Raises
    ------
    ValueError
        On a start or declination that is NaN or inf, a ``step_min`` so small that the arrays
        would exceed ``MAX_COVERAGE_BYTES`` (the message says how large), or stations of which
        no two see the source together (above ``MIN_ELEVATION_DEG``) during the observation.
    """
    names = _check_stations(stations)
    hours = check_scalar(hours, "hours", low=0.0, low_inclusive=False, high=24.0)
    start_h = check_scalar(start_h, "start_h", allow_none=True)
    dec_deg = _check_dec(dec_deg)
    step_min = check_scalar(step_min, "step_min (minutes)", low=0.0, low_inclusive=False, high=60 * hours)
    n_steps, n_base = int(hours * 60 / step_min + 1e-7) + 1, len(names) * (len(names) - 1) // 2
    need = n_steps * (8 * 4 * len(names) + 8 * 5 * n_base)  # per step: each station's elevation, each baseline's point
    if need > MAX_COVERAGE_BYTES:
        raise ValueError(f"step_min = {step_min:g} minutes would make {n_steps:,} time steps over {hours:g} h, and "
                         f"arrays of {need / 1e9:,.1f} GB (the limit is {MAX_COVERAGE_BYTES / 1e9:.1f} GB); take "
                         f"step_min >= {step_min * need / MAX_COVERAGE_BYTES:.2g}")
    steps = np.arange(0.0, hours + 1e-9, step_min / 60)
    i, j = np.triu_indices(len(names), 1)
    if start_h is None:
        starts = np.arange(0.0, 24.0, 0.5)
        seen = [_visible(names, s + steps, dec_deg) for s in starts]
        counts = [(v[:, i] & v[:, j]).sum() for v in seen]
        start_h = float(starts[int(np.argmax(counts))])
    H = (start_h + steps) % 24
    seen = _visible(names, H, dec_deg)  # (T, S)
    both = seen[:, i] & seen[:, j]  # (T, B)
    if not both.any():  # an empty coverage would image nothing, silently
        raise ValueError(f"stations {names}: no two see the source (declination {dec_deg:g} deg) together above "
                         f"{MIN_ELEVATION_DEG:g} deg during the {hours:g} h from hour angle {start_h:g} h; choose other "
                         "stations, a longer observation or another start")
    t, b = np.nonzero(both)
    pos = np.array([STATIONS[s] for s in names])
    u, v = baseline_uv(pos[i[b]] - pos[j[b]], H[t], dec_deg)
    names = np.array(names)
    return Coverage(u, v, names[i[b]], names[j[b]], H[t])


def baseline_uv(baseline_m, hour_angle_h, dec_deg: float, wavelength_m: float = WAVELENGTH_M):
    """(u, v) in wavelengths of Earth-centred baselines ``r_1 - r_2`` (metres) at Greenwich hour angles.

    Parameters
    ----------
    baseline_m : array of shape (M, 3)
    hour_angle_h : array of shape (M,)
        The source's Greenwich hour angle (Greenwich sidereal time minus right ascension), hours.
    dec_deg : float
    wavelength_m : float, default 1.3 mm

    Returns
    -------
    u, v : arrays of shape (M,)
        The module's formula; with the data's station positions and times it gives the data's
        own (u, v) to 1e-5 (median) and 2e-4 at most (``tests/test_eht_data.py``).
    """
    B = np.asarray(baseline_m, dtype=float)
    h = np.asarray(hour_angle_h, dtype=float) * np.pi / 12
    d = np.radians(dec_deg)
    u = (np.sin(h) * B[:, 0] + np.cos(h) * B[:, 1]) / wavelength_m
    v = (-np.sin(d) * np.cos(h) * B[:, 0] + np.sin(d) * np.sin(h) * B[:, 1] + np.cos(d) * B[:, 2]) / wavelength_m
    return u, v


def _check_dec(dec_deg) -> float:
    return check_scalar(dec_deg, "dec_deg (the source's declination, degrees)", low=-90.0, high=90.0)


def _visible(names, H, dec_deg) -> np.ndarray:
    return np.stack([_elevation(s, H, dec_deg) > MIN_ELEVATION_DEG for s in names], axis=1)


def forward_matrix(cov: Coverage, npix: int = NPIX, fov_uas: float = FOV_UAS) -> np.ndarray:
    """The real forward operator: image (flattened row by row) to real and imaginary visibility parts.

    Returns
    -------
    array of shape (2M, npix * npix)
        Rows 0..M-1 give ``Re V = sum I cos(2 pi (u l + v m))``; rows M..2M-1 give
        ``Im V = sum I sin(2 pi (u l + v m))`` (the data's sign, see the module's docstring).
    """
    A = fourier_matrix(cov.u, cov.v, npix, fov_uas)
    return np.concatenate([A.real, A.imag])


def fourier_matrix(u, v, npix: int = NPIX, fov_uas: float = FOV_UAS) -> np.ndarray:
    """The complex forward operator ``A_mj = exp(+2 pi i (u_m l_j + v_m n_j))`` (the data's sign).

    Parameters
    ----------
    u, v : arrays of shape (M,)
        Spatial frequencies in wavelengths.
    npix : int, default 64
    fov_uas : float, default 160

    Returns
    -------
    complex array of shape (M, npix * npix)
        ``A @ image.ravel()`` is the visibility of an image (row 0 north, column 0 east).
    """
    east, north = pixel_coordinates(npix, fov_uas)
    return np.exp(2j * np.pi * (np.outer(u, east.ravel() * UAS) + np.outer(v, north.ravel() * UAS)))


def thermal_sigma(cov: Coverage, bandwidth_hz: float = BANDWIDTH_HZ, t_int_s: float = T_INT_S) -> np.ndarray:
    """Stokes I thermal noise of each visibility's real (and imaginary) part, in Jy (the radiometer equation above).

    Returns
    -------
    array of shape (M,)
    """
    bandwidth_hz = check_scalar(bandwidth_hz, "bandwidth_hz", low=0.0, low_inclusive=False)
    t_int_s = check_scalar(t_int_s, "t_int_s", low=0.0, low_inclusive=False)
    s1 = np.array([SEFD[s] for s in cov.station1])
    s2 = np.array([SEFD[s] for s in cov.station2])
    return np.sqrt(s1 * s2) / (QUANTISATION_EFFICIENCY * np.sqrt(2 * bandwidth_hz * t_int_s)) / np.sqrt(2)


class Measurement(NamedTuple):
    """What the array records of one image, in image units (``synthetic.UNIT_JY`` = 4 mJy).

    Attributes
    ----------
    F : array of shape (2M, N)
        Forward matrix.
    y : array of shape (2M,)
        Noisy real and imaginary visibility parts.
    sigma : array of shape (2M,)
        Their noise standard deviations (the diagonal of R is ``sigma**2``).
    """

    F: np.ndarray
    y: np.ndarray
    sigma: np.ndarray


def observe(image, F, sigma_jy, seed: int) -> Measurement:
    """Measure ``image`` (units of ``UNIT_JY``): ``y = F x + noise``, the noise drawn from ``seed``.

    Parameters
    ----------
    image : array of shape (npix, npix)
    F : array of shape (2M, npix * npix)
    sigma_jy : array of shape (M,)
        From ``thermal_sigma``: finite and >= 0 (0: no noise).
    seed : int

    Returns
    -------
    Measurement

    Raises
    ------
    ValueError
        On an image or F holding NaN or inf, an image whose shape is not the (npix, npix) of F's
        npix**2 columns, or a noise that is negative, NaN or inf.
    """
    image = check_matrix(image, "image", hint="")
    F = check_matrix(F, "F", hint="")
    npix = int(round(np.sqrt(F.shape[1])))
    if image.shape != (npix, npix) or npix**2 != F.shape[1]:
        raise ValueError(f"image must have the shape F was made for, ({npix}, {npix}) (F must have one column per "
                         f"pixel: it has {F.shape[1]}), got {image.shape}")
    sigma_jy = check_values(sigma_jy, "sigma_jy", hint="")
    if sigma_jy.shape != (F.shape[0] // 2,) or F.shape[0] % 2:
        raise ValueError(f"sigma_jy must have one entry per visibility ({F.shape[0] // 2}), got {sigma_jy.shape}")
    if (sigma_jy < 0).any():
        raise ValueError(f"sigma_jy must be >= 0 (a noise standard deviation), got {sigma_jy.min():g}")
    x, sigma = image.ravel(), np.tile(sigma_jy / UNIT_JY, 2)
    rng = np.random.default_rng(check_seed(seed))
    return Measurement(F, F @ x + sigma * rng.standard_normal(sigma.size), sigma)
