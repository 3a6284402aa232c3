"""eht-imaging's side of the EHT benchmark (``bench_eht.py``): its closure-only images of M87* and chi-squares.

    python benchmarks/bench_eht_reference.py [--force] [--data DIR]

Runs eht-imaging on the EHT's eight public 2017 M87 files (days 095, 096, 100, 101; bands lo,
hi), caches each result as ``benchmarks/results/eht/<stem>.npz`` and writes
``benchmarks/results/eht/summary.json``. A rerun reads the cache unless ``--force`` is given or
the imaging settings (or eht-imaging's version) have changed.

The error budget (the project's closure imager applies exactly the same):

1. load the file with ``eh.obsdata.load_uvfits(path)`` and scale the intra-site baselines
   (shorter than 1e8 wavelengths: ALMA-APEX, JCMT-SMA, which also see the jet's extended flux) by
   0.6 Jy over their median amplitude, visibilities and sigmas (the EHT pipeline's
   ``rescale_zerobaseline``);
2. average each scan coherently: ``obs.add_scans()`` (a new scan after a gap of more than
   0.0165 h), then ``obs.avg_coherent(0.0, scan_avg=True)``;
3. add a systematic error of 2 % of each visibility's amplitude in quadrature to its sigma,
   ``obs.add_fractional_noise(0.02)`` (as the EHT M87 eht-imaging pipeline does);
4. closure quantities are minimal sets, ``obs.c_phases(count='min')`` and
   ``obs.c_amplitudes(ctype='logcamp', count='min', debias=True)``; the closure phases leave out
   the intra-site baselines (``cp_uv_min=1e8``, as the EHT pipeline), the log closure amplitudes
   keep them (rescaled); no further systematic noise, no SNR cut;
5. images are 64 x 64 pixels over 160 micro-arcseconds (2.5 per pixel), 0.6 Jy in total, with
   delta-function pixels (``pulse=deltaPulse2D``, the project's forward model) and eht-imaging's
   direct Fourier transform (``ttype='direct'``).

An image is an array in Jy per pixel with row 0 north and column 0 east, which is also the
layout of eht-imaging's ``imvec`` (``obs_helpers.ftmatrix``: ``xlist`` and ``ylist`` decrease).

eht-imaging's imaging (``image_ehtim``) follows its examples and the EHT's M87 eht-imaging
pipeline (Paper IV; ``eht-imaging_pipeline.py`` of release 2019-D01-02), with closure data only:

- data terms: closure phases and log closure amplitudes, weight 20 each (the pipeline's
  final closure weights), no visibility amplitudes or phases;
- regularisers: maximum entropy ``'simple'`` (100) against the prior, ``'tv2'`` (1) and the
  ``'flux'`` constraint (10^4) at 0.6 Jy, normalised (``norm_reg=True``), as in the pipeline;
- prior and initial image: a circular Gaussian of FWHM 40 micro-arcseconds and 0.6 Jy at the
  centre, plus the pipeline's copy holding 0.1 % of the flux offset by one FWHM in both
  directions (to avoid singular first gradients);
- four rounds of L-BFGS-B (at most 300 iterations each), the last three each started from the
  previous result blurred with a circular Gaussian of the nominal resolution ``obs.res()``
  (the pipeline's ``converge()``).

Keeping the zero baselines has a visible cost: closure phases on the triangles of two co-located
stations (ALMA-APEX-X, JCMT-SMA-X) are about 0 for any image in a 160 micro-arcsecond field, but the
data's are not always (JCMT-SMA-ALMA on day 101 reaches 22 +- 3 degrees), so those triangles
alone hold the closure-phase chi-square above 1 on day 101 (2.5 on 101 lo, 0.67 on the other
triangles). The project's imager meets the same floor.

Run it single-threaded on a shared machine (``main`` limits BLAS to one thread).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import time
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

with contextlib.redirect_stdout(io.StringIO()):  # it greets every import
    import ehtim as eh
    from ehtim.observing.pulses import deltaPulse2D

__all__ = ["EHTIM_VERSION", "NPIX", "FOV_UAS", "FLUX_JY", "SYSTEMATIC", "SETTINGS", "FILES", "DATA_DIR", "RESULTS_DIR",
           "Seconds", "stem", "prepare", "closure_counts", "as_image", "chisq", "prior_image", "image_ehtim",
           "reference", "main"]

EHTIM_VERSION = version("ehtim")
NPIX = 64
FOV_UAS = 160.0
FLUX_JY = 0.6
SYSTEMATIC = 0.02
ZERO_BASELINE_UV = 1e8  # wavelengths: ALMA-APEX and JCMT-SMA are shorter

#: eht-imaging's imaging settings (see the module docstring); saved with each cached result.
SETTINGS = {
    "prior_fwhm_uas": 40.0,
    "data_term": {"cphase": 20.0, "logcamp": 20.0},
    "reg_term": {"simple": 100.0, "tv2": 1.0, "flux": 1e4},
    "rounds": 4,
    "maxit": 300,
    "blur_frac": 1.0,
}

#: The eight files' (day, band), in the release's order.
FILES = tuple((day, band) for day in ("095", "096", "100", "101") for band in ("lo", "hi"))
ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data" / "eht-m87-2017" / "uvfits"
RESULTS_DIR = ROOT / "benchmarks" / "results" / "eht"

# the closure tables, exactly as ``chisq`` and the imager form them (step 4)
_CLOSURE = {"maxset": False, "cp_uv_min": ZERO_BASELINE_UV, "debias": True, "snrcut": 0.0,
            "systematic_noise": 0.0, "systematic_cphase_noise": 0.0}


class Seconds(NamedTuple):
    """Time spent: ``wall`` (``time.perf_counter``) and ``cpu`` (``time.process_time``)."""

    wall: float
    cpu: float


@contextlib.contextmanager
def _quiet():
    """Silence eht-imaging's progress prints and the loader's warnings about the empty cross hands."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def stem(day: str, band: str) -> str:
    """The release's file name without its extension, e.g. ``SR1_M87_2017_095_lo_hops_netcal_StokesI``."""
    return f"SR1_M87_2017_{day}_{band}_hops_netcal_StokesI"


def prepare(path) -> "eh.obsdata.Obsdata":
    """Load a release ``uvfits`` file, scale its intra-site baselines to 0.6 Jy, average its scans and add the
    2 % systematic error (steps 1-3).

    Parameters
    ----------
    path : str or Path
        One of the release's ``SR1_M87_2017_*_StokesI.uvfits`` files.

    Returns
    -------
    ehtim.obsdata.Obsdata
        One Stokes I visibility per baseline and scan.
    """
    with _quiet():
        obs = eh.obsdata.load_uvfits(str(path))
        short = np.hypot(obs.data["u"], obs.data["v"]) < ZERO_BASELINE_UV
        factor = FLUX_JY / np.median(np.abs(obs.data["vis"][short]))
        for field in ("vis", "qvis", "uvis", "vvis", "sigma", "qsigma", "usigma", "vsigma"):
            obs.data[field][short] *= factor  # the EHT pipeline's rescale_zerobaseline
        obs.add_scans()
        obs = obs.avg_coherent(0.0, scan_avg=True)
        return obs.add_fractional_noise(SYSTEMATIC)


def closure_counts(obs) -> tuple[int, int]:
    """Numbers of closure phases and of log closure amplitudes in the minimal sets (step 4).

    Parameters
    ----------
    obs : ehtim.obsdata.Obsdata
        From ``prepare``.

    Returns
    -------
    (int, int)
    """
    with _quiet():
        cphases = obs.c_phases(count="min", uv_min=ZERO_BASELINE_UV)
        logcamps = obs.c_amplitudes(ctype="logcamp", count="min", debias=True)
    return len(cphases), len(logcamps)


def as_image(image, obs) -> "eh.image.Image":
    """An image array as an eht-imaging ``Image`` of the observation's source (step 5).

    Parameters
    ----------
    image : array of shape (64, 64)
        Jy per pixel; row 0 north, column 0 east.
    obs : ehtim.obsdata.Obsdata
        Gives the position (``ra``, ``dec``), frequency, source name and date.

    Returns
    -------
    ehtim.image.Image
        2.5 micro-arcsecond delta-function pixels.
    """
    image = np.asarray(image, dtype=float)
    if image.shape != (NPIX, NPIX):
        raise ValueError(f"image must be {NPIX} x {NPIX} (2.5 micro-arcsecond pixels), got shape {image.shape}")
    return eh.image.Image(image, FOV_UAS / NPIX * eh.RADPERUAS, obs.ra, obs.dec, rf=obs.rf,
                          source=obs.source, mjd=obs.mjd, pulse=deltaPulse2D)


def chisq(obs, image) -> tuple[float, float]:
    """eht-imaging's reduced chi-squares of an image on the closure phases and log closure amplitudes.

    Parameters
    ----------
    obs : ehtim.obsdata.Obsdata
        From ``prepare``.
    image : array of shape (64, 64)
        Jy per pixel; row 0 north, column 0 east (see ``as_image``).

    Returns
    -------
    (float, float)
        ``obs.chisq`` with ``dtype='cphase'`` and with ``dtype='logcamp'`` (direct transform,
        minimal sets, closure phases without the intra-site baselines, debiased, no systematic
        noise beyond ``prepare``'s).
    """
    im = as_image(image, obs)
    with _quiet():
        return tuple(float(obs.chisq(im, dtype=dtype, ttype="direct", **_CLOSURE)) for dtype in ("cphase", "logcamp"))


def prior_image(obs) -> "eh.image.Image":
    """The Gaussian prior and initial image: 0.6 Jy, FWHM ``SETTINGS['prior_fwhm_uas']``, delta pixels.

    As in the EHT's M87 eht-imaging pipeline, a copy holding 0.1 % of the flux, offset by one
    FWHM to the east and to the north, breaks the Gaussian's symmetry.

    Parameters
    ----------
    obs : ehtim.obsdata.Obsdata

    Returns
    -------
    ehtim.image.Image
    """
    fwhm = SETTINGS["prior_fwhm_uas"] * eh.RADPERUAS
    empty = eh.image.make_square(obs, NPIX, FOV_UAS * eh.RADPERUAS, pulse=deltaPulse2D)
    return (empty.add_gauss(FLUX_JY, (fwhm, fwhm, 0, 0, 0))
            .add_gauss(1e-3 * FLUX_JY, (fwhm, fwhm, 0, fwhm, fwhm)))


def image_ehtim(obs) -> tuple[np.ndarray, Seconds]:
    """eht-imaging's closure-only image of an observation (settings in ``SETTINGS``).

    Parameters
    ----------
    obs : ehtim.obsdata.Obsdata
        From ``prepare``.

    Returns
    -------
    image : array of shape (64, 64)
        Jy per pixel; row 0 north, column 0 east.
    seconds : Seconds
        From the prepared observation to the image, including eht-imaging's set-up of its closure
        tables and Fourier matrices.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    prior = prior_image(obs)
    with _quiet():
        imager = eh.imager.Imager(obs, prior, prior_im=prior, flux=FLUX_JY, data_term=SETTINGS["data_term"],
                                  reg_term=SETTINGS["reg_term"], maxit=SETTINGS["maxit"], norm_reg=True,
                                  ttype="direct", **_CLOSURE)
        imager.make_image_I(show_updates=False)
        for _ in range(SETTINGS["rounds"] - 1):
            imager.init_next = imager.out_last().blur_circ(SETTINGS["blur_frac"] * obs.res())
            imager.make_image_I(show_updates=False)
    image = imager.out_last().imarr().copy()
    return image, Seconds(time.perf_counter() - wall, time.process_time() - cpu)


def _settings_key() -> str:
    return json.dumps({"settings": SETTINGS, "ehtim": EHTIM_VERSION, "closure": _CLOSURE,
                       "zero_baselines": "rescaled to 0.6 Jy"}, sort_keys=True)


def reference(day: str, band: str, force: bool = False, data_dir=DATA_DIR, results_dir=RESULTS_DIR) -> dict:
    """eht-imaging's result on one file, from the cache ``<results_dir>/<stem>.npz`` or computed and cached.

    Parameters
    ----------
    day : {"095", "096", "100", "101"}
    band : {"lo", "hi"}
    force : bool
        Recompute even if a cached result with the current settings exists.
    data_dir, results_dir : path
        The folder of the ``uvfits`` files; the folder of the cache.

    Returns
    -------
    dict
        ``image`` (64 x 64, Jy per pixel, row 0 north, column 0 east), ``chi2_cphase``,
        ``chi2_logcamp``, ``seconds_wall``, ``seconds_cpu``, ``n_cphase``, ``n_logcamp``,
        ``ehtim_version`` and ``settings`` (JSON of ``SETTINGS`` and the version).
    """
    if (day, band) not in FILES:
        raise ValueError(f"(day, band) must be one of {FILES}, got {(day, band)!r}")
    cache = Path(results_dir) / f"{stem(day, band)}.npz"
    if cache.is_file() and not force:
        with np.load(cache) as saved:
            result = {key: saved[key][()] for key in saved.files}
        if str(result["settings"]) == _settings_key():
            return result
    obs = prepare(Path(data_dir) / f"{stem(day, band)}.uvfits")
    image, seconds = image_ehtim(obs)
    n_cphase, n_logcamp = closure_counts(obs)
    chi2_cphase, chi2_logcamp = chisq(obs, image)
    result = {"image": image, "chi2_cphase": chi2_cphase, "chi2_logcamp": chi2_logcamp,
              "seconds_wall": seconds.wall, "seconds_cpu": seconds.cpu, "n_cphase": n_cphase,
              "n_logcamp": n_logcamp, "ehtim_version": EHTIM_VERSION, "settings": _settings_key()}
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, **result)
    return result


def main(argv=None) -> int:
    """Image the eight files with eht-imaging (or read the cache), print a table and write ``summary.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="recompute even where a cached result exists")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="folder of the release's uvfits files")
    args = parser.parse_args(argv)
    threadpool_limits(1)
    print(f"eht-imaging {EHTIM_VERSION}, closure-only, one BLAS thread; cache {RESULTS_DIR}")
    print(f"{'file':<8} {'N_cp':>5} {'N_lca':>5} {'chi2_cp':>8} {'chi2_lca':>8} {'flux':>6} {'wall s':>7} {'CPU s':>7}")
    summary = {"ehtim_version": EHTIM_VERSION, "settings": SETTINGS, "files": {}}
    for day, band in FILES:
        result = reference(day, band, force=args.force, data_dir=args.data)
        row = {key: float(result[key]) for key in ("chi2_cphase", "chi2_logcamp", "seconds_wall", "seconds_cpu")}
        row.update(n_cphase=int(result["n_cphase"]), n_logcamp=int(result["n_logcamp"]),
                   flux_jy=float(result["image"].sum()))
        summary["files"][stem(day, band)] = row
        print(f"{day}_{band:<4} {row['n_cphase']:5d} {row['n_logcamp']:5d} {row['chi2_cphase']:8.3f} "
              f"{row['chi2_logcamp']:8.3f} {row['flux_jy']:6.3f} {row['seconds_wall']:7.1f} {row['seconds_cpu']:7.1f}")
    (RESULTS_DIR / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
