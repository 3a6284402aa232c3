"""Synthetic observations with the real array's coverage, noise and station errors.

``observe_like(obs, image, seed)`` replaces the visibilities of a real observation (its (u, v),
times, stations and sigmas kept) by those of a model image, then corrupts them as the atmosphere
and the stations do:

- each station, at each time stamp (each scan, once scan-averaged), gets a random phase, uniform
  in [0, 2 pi) (the handout's "can be viewed as random"), and a gain amplitude ``exp(g)`` with
  ``g ~ N(0, gain_sigma^2)`` (``gain_sigma`` = 0.1: amplitudes good to about 10 %, as the EHT's
  a-priori calibration);
- baseline (a, b) records ``g_a conj(g_b) (V_ab + noise)``, the noise complex Gaussian with the
  real data's own sigma on each part (a calibration error scales what was recorded, noise
  included, so the signal-to-noise ratio is the data's).

Closure phases and log closure amplitudes do not see the station errors, only the noise.

Introduced in ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_matrix, check_scalar, check_seed
from .eht_data import Observation, station_indices
from .synthetic import FOV_UAS
from .vlbi import fourier_matrix

__all__ = ["model_visibilities", "station_gains", "observe_like"]


def model_visibilities(obs: Observation, image, fov_uas: float = FOV_UAS) -> np.ndarray:
    """``V = sum_pixels I exp(+2 pi i (u l + v m))`` of ``image`` (npix, npix; Jy per pixel) at obs's (u, v).

    Returns
    -------
    complex array of shape (M,)
    """
    image = check_matrix(image, "image")
    if image.shape[0] != image.shape[1]:
        raise ValueError(f"image must be square, got shape {image.shape}")
    fov_uas = check_scalar(fov_uas, "fov_uas", low=0.0, low_inclusive=False)
    return fourier_matrix(obs.u, obs.v, image.shape[0], fov_uas) @ image.ravel()


def station_gains(obs: Observation, seed: int, gain_sigma: float = 0.1, phases: bool = True) -> np.ndarray:
    """Each row's ``g_a conj(g_b)``: one random complex gain per station and time stamp.

    Returns
    -------
    complex array of shape (M,)
    """
    gain_sigma = check_scalar(gain_sigma, "gain_sigma", low=0.0, high=1.0)
    rng = np.random.default_rng(check_seed(seed))
    times, t = np.unique(obs.time_h, return_inverse=True)
    a, b = station_indices(obs)
    shape = (len(times), len(obs.stations))
    log_amp = gain_sigma * rng.standard_normal(shape)
    phase = rng.uniform(0, 2 * np.pi, shape) if phases else np.zeros(shape)
    g = np.exp(log_amp + 1j * phase)
    return g[t, a] * np.conj(g[t, b])


def observe_like(obs: Observation, image, seed: int, *, fov_uas: float = FOV_UAS, gain_sigma: float = 0.1,
                 phases: bool = True) -> Observation:
    """``obs`` with its visibilities replaced by a corrupted observation of ``image`` (Jy per pixel).

    Parameters
    ----------
    obs : Observation with M rows
        Its (u, v), times, stations and sigmas are kept (use the scan-averaged data without the
        systematic error, and add it afterwards, as for the real data).
    image : array of shape (npix, npix)
    seed : int
        Draws the station errors and the noise; the caller's generators are not touched.
    gain_sigma : float, default 0.1
    phases : bool, default True
        Random station phases (False: gain amplitudes only).

    Returns
    -------
    Observation
    """
    if not isinstance(obs, Observation):
        raise TypeError(f"obs must be an eht_data.Observation, got {type(obs).__name__}")
    seed = check_seed(seed)
    V = model_visibilities(obs, image, fov_uas)
    rng = np.random.default_rng([seed, 1])
    noise = obs.sigma * (rng.standard_normal(len(V)) + 1j * rng.standard_normal(len(V)))
    return obs._replace(vis=(V + noise) * station_gains(obs, seed, gain_sigma, phases))
