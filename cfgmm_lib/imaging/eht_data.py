"""The EHT's calibrated 2017 M87 data (data product 2019-D01-01): reading, scan averaging, error budget.

The release (EHT Collaboration 2019, ApJL 875 L3, "M87 Paper III") holds network-calibrated
Stokes I visibilities of M87 on 5, 6, 10 and 11 April 2017 (days 095, 096, 100, 101), low and high
band, 10 s averages, as ``uvfits`` (read here with astropy, the field's standard reader) and as
``csv``. In the ``uvfits`` files the parallel hands RR and LL both hold the Stokes I value, each
with a sigma sqrt(2) times Stokes I's; the reader returns Stokes I and its own sigma, the numbers
the ``csv`` files give. The eight ``uvfits`` files ship with the project under
``data/eht-m87-2017/`` (public domain, ODC-PDDL; see its README for the attribution).

The error budget before imaging is the EHT eht-imaging pipeline's:

0. ``rescale_zero_baselines``: the intra-site baselines (ALMA-APEX, JCMT-SMA), which also see the
   jet's extended emission, are scaled to the compact source's 0.6 Jy;
1. ``scan_average``: a new scan starts after a gap of more than ``SCAN_GAP_H`` (0.0165 h, about a
   minute) between successive time stamps; each baseline's visibilities within a scan are averaged
   coherently (mean of the complex values; ``sigma = sqrt(sum sigma_k^2) / n``), at the baseline's
   first time in the scan, with the mean (u, v). These are eht-imaging's ``add_scans()`` and
   ``avg_coherent(0, scan_avg=True)``, to the same numbers.
2. ``add_systematic``: ``sigma^2 + (f |V|)^2`` with ``f`` = ``SYSTEMATIC`` (2 %), eht-imaging's
   ``add_fractional_noise``: residual calibration errors that no thermal noise accounts for.

Introduced in ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..core.validation import check_scalar

__all__ = ["Observation", "STATION_NAMES", "DATA_DIR", "DAYS", "BANDS", "SCAN_GAP_H", "SYSTEMATIC", "ZERO_BASELINE_UV",
           "read_uvfits", "read_csv", "data_file", "station_indices", "scan_average", "rescale_zero_baselines",
           "add_systematic"]

#: The uvfits station codes and the names used in the text (and by ``vlbi.STATIONS``).
STATION_NAMES = {"AA": "ALMA", "AP": "APEX", "AZ": "SMT", "JC": "JCMT", "LM": "LMT", "PV": "PV", "SM": "SMA",
                 "SR": "SMA reference", "SP": "SPT"}
DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "eht-m87-2017"
DAYS = {"095": "5 April 2017", "096": "6 April 2017", "100": "10 April 2017", "101": "11 April 2017"}
BANDS = ("lo", "hi")
SCAN_GAP_H = 0.0165
SYSTEMATIC = 0.02
#: Baselines shorter than this (wavelengths) are the intra-site ones: ALMA-APEX, JCMT-SMA (0.1 to 2.6 million).
ZERO_BASELINE_UV = 1e8
_C = 299_792_458.0


class Observation(NamedTuple):
    """Stokes I visibilities of one file, one row per baseline and time.

    Attributes
    ----------
    time_h : array of shape (M,)
        UTC hours since 0 h of ``mjd``.
    station1, station2 : arrays of shape (M,) of str
        Station codes ("AA" is ALMA; ``STATION_NAMES``); (u, v) runs from station 1 to station 2.
    u, v : arrays of shape (M,)
        Spatial frequencies in wavelengths.
    vis : complex array of shape (M,)
        Visibilities in Jy.
    sigma : array of shape (M,)
        Noise standard deviation of the real (and of the imaginary) part, in Jy.
    freq_hz : float
    ra_deg, dec_deg : float
        The source's position (J2000).
    mjd : int
        Modified Julian date of the observing day.
    source : str
    stations : tuple of str
        The array's stations in the file's order; the first present at a time is the reference
        station of the closure quantities' minimal sets (as in eht-imaging).
    positions : array of shape (len(stations), 3)
        Earth-centred station coordinates in metres (from the file's antenna table).
    """

    time_h: np.ndarray
    station1: np.ndarray
    station2: np.ndarray
    u: np.ndarray
    v: np.ndarray
    vis: np.ndarray
    sigma: np.ndarray
    freq_hz: float
    ra_deg: float
    dec_deg: float
    mjd: int
    source: str
    stations: tuple
    positions: np.ndarray


def data_file(day: str = "095", band: str = "lo", kind: str = "uvfits", root=None) -> Path:
    """The path of one of the release's files, checked against its SHA-256 sum.

    Parameters
    ----------
    day : {"095", "096", "100", "101"}
        Day of the year 2017 (5, 6, 10, 11 April).
    band : {"lo", "hi"}
        227.0707 GHz or 229.0707 GHz.
    kind : {"uvfits", "csv"}
    root : path, optional
        The release's folder (with ``SHA256SUMS``); default the project's ``data/eht-m87-2017``.

    Returns
    -------
    Path
    """
    if day not in DAYS:
        raise ValueError(f"day must be one of {list(DAYS)} (5, 6, 10, 11 April 2017), got {day!r}")
    if band not in BANDS:
        raise ValueError(f"band must be one of {list(BANDS)}, got {band!r}")
    if kind not in ("uvfits", "csv"):
        raise ValueError(f"kind must be 'uvfits' or 'csv', got {kind!r}")
    root = DATA_DIR if root is None else Path(root)
    name = f"SR1_M87_2017_{day}_{band}_hops_netcal_StokesI.{kind}"
    path = root / kind / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the project ships the uvfits files under {DATA_DIR}")
    sums = dict(line.split()[::-1] for line in (root / "SHA256SUMS").read_text().splitlines() if line.strip())
    key = next((k for k in sums if k.endswith(f"{kind}/{name}") or k == name), None)
    if key is None:
        raise FileNotFoundError(f"{root / 'SHA256SUMS'} has no sum for {kind}/{name}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sums[key]:
        raise ValueError(f"{path} is damaged: its SHA-256 is {digest}, the release's is {sums[key]}")
    return path


def _axis(header, name: str) -> int | None:
    """The FITS axis number (2..NAXIS) whose CTYPE is ``name``, or None."""
    return next((k for k in range(2, header["NAXIS"] + 1) if str(header.get(f"CTYPE{k}", "")).strip() == name), None)


def _check_layout(header, path) -> None:
    """Refuse a uvfits file this reader would misread: not random groups, not RR and LL first, or more
    than one IF or channel."""
    if not header.get("GROUPS", False):
        raise ValueError(f"{path}: not a random-groups uvfits file (GROUPS is not T)")
    stokes, freq, ifs = _axis(header, "STOKES"), _axis(header, "FREQ"), _axis(header, "IF")
    if stokes is None or freq is None:
        raise ValueError(f"{path}: the file has no STOKES or no FREQ axis")
    if header[f"CRVAL{stokes}"] != -1 or header[f"CDELT{stokes}"] != -1 or header[f"NAXIS{stokes}"] < 2:
        raise ValueError(f"{path}: the polarisation axis must start with RR and LL (CRVAL -1, CDELT -1, 2 or more), "
                         f"as the EHT release's files do; got CRVAL {header[f'CRVAL{stokes}']}, "
                         f"CDELT {header[f'CDELT{stokes}']}, {header[f'NAXIS{stokes}']} products")
    if header[f"NAXIS{freq}"] != 1 or (ifs is not None and header[f"NAXIS{ifs}"] != 1):
        raise ValueError(f"{path}: one IF and one channel are read (the release averages over all 32 IFs); this "
                         f"file has {header[f'NAXIS{freq}']} channels and "
                         f"{header[f'NAXIS{ifs}'] if ifs is not None else 1} IFs")


def read_uvfits(path) -> Observation:
    """Read a release ``uvfits`` file (random groups) into Stokes I visibilities.

    Parameters
    ----------
    path : str or Path
        A calibrated file in the release's layout: random groups, the polarisation axis starting with
        RR and LL, one IF and one channel (other layouts are refused with ``ValueError``).

    Returns
    -------
    Observation
        Stokes I is the inverse-variance mean of RR and LL (both hold the Stokes I estimate in the
        release, each with weight ``1 / (2 sigma_I^2)``), its sigma ``1 / sqrt(w_RR + w_LL)``, which is
        sigma_I; where one hand is flagged (weight <= 0 or not finite) the other alone is used, and rows
        with neither are dropped.
    """
    from astropy.io import fits  # astropy is slow to import: only the readers need it

    with fits.open(Path(path), memmap=False) as hdus:
        groups, header = hdus[0].data, hdus[0].header
        _check_layout(header, path)
        antennas = hdus["AIPS AN"].data
        codes = tuple(str(a).strip() for a in antennas["ANNAME"])
        numbers = np.asarray(antennas["NOSTA"], dtype=int)
        positions = np.asarray(antennas["STABXYZ"], dtype=float)
        freq = float(header[f"CRVAL{_axis(header, 'FREQ')}"])
        mjd = int(round(float(header.get("MJD", 0)))) or None
        data = np.asarray(groups.data, dtype=float).reshape(len(groups), -1, 3)  # (M, pol, re/im/weight)
        baseline = np.asarray(groups.par("BASELINE"), dtype=float)
        jd = np.asarray(groups.par("DATE"), dtype=float)  # astropy sums the two DATE parameters
        u = np.asarray(groups.par("UU---SIN"), dtype=float) * freq
        v = np.asarray(groups.par("VV---SIN"), dtype=float) * freq
        ra, dec = float(header["OBSRA"]), float(header["OBSDEC"])
        source = str(header.get("OBJECT", "")).strip()
    hands = data[:, :2]  # RR, LL: (M, 2, 3)
    valid = np.isfinite(hands).all(axis=2) & (hands[:, :, 2] > 0)
    w = np.where(valid, hands[:, :, 2], 0.0)  # (M, 2)
    total = w.sum(axis=1)
    keep = total > 0
    safe = np.where(keep, total, 1.0)
    re = np.sum(w * np.where(valid, hands[:, :, 0], 0.0), axis=1) / safe
    im = np.sum(w * np.where(valid, hands[:, :, 1], 0.0), axis=1) / safe
    a1, a2 = np.divmod(np.rint(baseline).astype(int), 256)
    order = np.argsort(numbers)
    names = np.asarray(codes)[order]
    first = names[np.searchsorted(numbers[order], a1)]
    second = names[np.searchsorted(numbers[order], a2)]
    if mjd is None:
        mjd = int(np.floor(jd.min() - 2400000.5))
    time_h = (jd - 2400000.5 - mjd) * 24.0
    return Observation(time_h[keep], first[keep], second[keep], u[keep], v[keep], (re + 1j * im)[keep],
                       1.0 / np.sqrt(total[keep]), freq, ra, dec, mjd, source, codes, positions)


def read_csv(path, stations=None) -> Observation:
    """Read a release ``csv`` file (time, T1, T2, U, V, Iamp, Iphase, Isigma) into an Observation.

    The csv files carry no antenna table: ``stations`` (the order of the reference station) defaults
    to the codes in alphabetical order (the uvfits files' order), and ``positions`` is all NaN.
    """
    path = Path(path)
    head = path.read_text().splitlines()[0]
    meta = dict(item.split(":", 1) for item in head.lstrip("#").split(","))
    freq = float(meta["FREQ"].replace("GHz", "")) * 1e9
    mjd = int(meta["DATE(MJD)"])
    t = np.genfromtxt(path, delimiter=",", comments="#", dtype=None, encoding="ascii")
    time_h = t["f0"].astype(float)
    s1, s2 = t["f1"].astype(str), t["f2"].astype(str)
    amp, phase = t["f5"].astype(float), np.radians(t["f6"].astype(float))
    codes = tuple(sorted(set(s1) | set(s2))) if stations is None else tuple(stations)
    return Observation(time_h, s1, s2, t["f3"].astype(float), t["f4"].astype(float), amp * np.exp(1j * phase),
                       t["f7"].astype(float), freq, np.nan, np.nan, mjd, meta["SRC"], codes,
                       np.full((len(codes), 3), np.nan))


def station_indices(obs: Observation) -> tuple[np.ndarray, np.ndarray]:
    """Each row's two stations as positions in ``obs.stations``.

    Returns
    -------
    a, b : int arrays of shape (M,)
    """
    codes = np.asarray(obs.stations)
    order = np.argsort(codes)
    out = []
    for names in (obs.station1, obs.station2):
        pos = np.searchsorted(codes[order], names)
        pos = np.minimum(pos, len(codes) - 1)
        found = codes[order][pos] == names
        if not found.all():
            raise ValueError(f"obs: station(s) {sorted(set(np.asarray(names)[~found]))} are not in obs.stations "
                             f"{list(codes)}")
        out.append(order[pos])
    return out[0], out[1]


def _with(obs: Observation, rows, **fields) -> Observation:
    """``obs`` restricted to ``rows`` (an index or mask over its visibilities), with ``fields`` replaced."""
    per_row = {name: getattr(obs, name)[rows] for name in ("time_h", "station1", "station2", "u", "v", "vis", "sigma")}
    per_row.update(fields)
    return obs._replace(**per_row)


def scan_average(obs: Observation, gap_h: float = SCAN_GAP_H) -> Observation:
    """Coherent average of each baseline over each scan (eht-imaging's ``avg_coherent(0, scan_avg=True)``).

    Parameters
    ----------
    obs : Observation with M rows
    gap_h : float, default ``SCAN_GAP_H``
        A gap between successive time stamps longer than this starts a new scan.

    Returns
    -------
    Observation with one row per (scan, baseline), sorted by time then baseline
    """
    gap_h = check_scalar(gap_h, "gap_h", low=0.0, low_inclusive=False)
    if len(obs.time_h) == 0:
        raise ValueError("obs holds no visibility: there is nothing to average")
    times = np.unique(obs.time_h)
    scan_of_time = np.concatenate([[0], np.cumsum(np.diff(times) > gap_h)])
    scan = scan_of_time[np.searchsorted(times, obs.time_h)]
    a, b = station_indices(obs)
    key = (scan * len(obs.stations) + a) * len(obs.stations) + b  # one key per (scan, baseline)
    groups, first, group = np.unique(key, return_index=True, return_inverse=True)
    n = np.bincount(group).astype(float)

    def mean(x):
        return np.bincount(group, x) / n

    t0 = np.full(len(groups), np.inf)
    np.minimum.at(t0, group, obs.time_h)
    vis = mean(obs.vis.real) + 1j * mean(obs.vis.imag)
    sigma = np.sqrt(np.bincount(group, obs.sigma**2)) / n
    averaged = obs._replace(time_h=t0, station1=obs.station1[first], station2=obs.station2[first],
                            u=mean(obs.u), v=mean(obs.v), vis=vis, sigma=sigma)
    order = np.lexsort((averaged.station2, averaged.station1, averaged.time_h))
    return _with(averaged, order)


def rescale_zero_baselines(obs: Observation, flux_jy: float = 0.6, uv_max: float = ZERO_BASELINE_UV) -> Observation:
    """Scale the intra-site baselines (ALMA-APEX, JCMT-SMA: shorter than ``uv_max`` wavelengths) to the
    compact source's flux, as the EHT's eht-imaging pipeline does (``rescale_zerobaseline``).

    Those baselines see about 1.2 Jy: the ring's 0.6 Jy and the jet's larger emission, which every
    longer baseline resolves out. An image of the compact source alone cannot give them more than its
    own flux, so their visibilities and sigmas are multiplied by ``flux_jy / median |V|`` of the short
    rows (the pipeline uses ALMA-APEX's median; the two intra-site baselines agree to 1 %).

    Returns
    -------
    Observation (the caller's is not changed)
    """
    flux_jy = check_scalar(flux_jy, "flux_jy", low=0.0, low_inclusive=False)
    uv_max = check_scalar(uv_max, "uv_max", low=0.0, low_inclusive=False)
    short = np.hypot(obs.u, obs.v) < uv_max
    if not short.any():
        return obs
    factor = flux_jy / np.median(np.abs(obs.vis[short]))
    scale = np.where(short, factor, 1.0)
    return obs._replace(vis=obs.vis * scale, sigma=obs.sigma * scale)


def add_systematic(obs: Observation, fraction: float = SYSTEMATIC) -> Observation:
    """Add ``fraction`` of each visibility's amplitude to its sigma, in quadrature (eht-imaging's
    ``add_fractional_noise``).

    Returns
    -------
    Observation with ``sigma = sqrt(sigma**2 + (fraction |vis|)**2)``
    """
    fraction = check_scalar(fraction, "fraction", low=0.0, high=1.0)
    return obs._replace(sigma=np.sqrt(obs.sigma**2 + (fraction * np.abs(obs.vis)) ** 2))
