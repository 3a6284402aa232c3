"""The command line, as radio astronomers use one::

    python -m cfgmm_lib.imaging reconstruct DATA.uvfits --out IMAGE.fits [--prior everyday|black-hole|none]
                                            [--fov 160] [--seed 0] [--weight 0.03]

reads a calibrated Stokes I uvfits file (the EHT's 2017 release, or any file in its layout), images
it from its closure quantities (``pipeline.reconstruct``), writes a 64 x 64 FITS image (Jy per
pixel, RA---SIN / DEC--SIN, the source's position and the frequency in the header) and prints the
fit's reduced chi-squares and the ring's measurements.

Introduced in ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

from . import eht_data, fits_io, pipeline, rings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cfgmm_lib.imaging",
                                     description="Image M87* (or any compact source) from EHT closure quantities.")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("reconstruct", help="image one uvfits file and write a FITS image")
    rec.add_argument("data", type=Path, help="calibrated Stokes I visibilities (.uvfits)")
    rec.add_argument("--out", type=Path, required=True, help="the FITS image to write")
    rec.add_argument("--prior", choices=pipeline.CHOICES, default="everyday",
                     help="the EM-learned patch prior (default everyday; none: maximum entropy + TV only)")
    rec.add_argument("--fov", type=float, default=160.0, help="field of view in micro-arcseconds (default 160)")
    rec.add_argument("--seed", type=int, default=0, help="the prior's seed (default 0)")
    rec.add_argument("--weight", type=float, default=pipeline.PRIOR_WEIGHT,
                     help=f"the prior's weight b (default {pipeline.PRIOR_WEIGHT:g})")
    rec.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    return parser


def _date(mjd: int) -> str:
    """The ISO date of a modified Julian date."""
    return (datetime.date(1858, 11, 17) + datetime.timedelta(days=int(mjd))).isoformat()


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.out.exists() and not args.overwrite:
        print(f"error: {args.out} exists (add --overwrite to replace it)", file=sys.stderr)
        return 2
    try:
        obs = eht_data.read_uvfits(args.data)
    except (OSError, KeyError, ValueError) as exc:
        print(f"error: cannot read {args.data} as calibrated uvfits: {exc}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        problem, fit = pipeline.reconstruct(obs, args.prior, b=args.weight, seed=args.seed, fov_uas=args.fov)
    except (TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - t0
    fits_io.write_fits(args.out, fit.image, args.fov, obs.freq_hz, obs.ra_deg, obs.dec_deg, source=obs.source,
                       date_obs=_date(obs.mjd),
                       history=[f"cfgmm_lib.imaging reconstruct {args.data.name} --prior {args.prior} "
                                f"--weight {args.weight:g} --seed {args.seed} --fov {args.fov:g}",
                                "closure phases and log closure amplitudes; scan-averaged, 2% systematic error; "
                                "total flux fixed at 0.6 Jy"], overwrite=args.overwrite)
    print(f"{args.data.name}: {len(problem.cp.value)} closure phases, {len(problem.lca.value)} log closure amplitudes")
    print(f"reduced chi-squares: closure phases {fit.chi2_cp:.3f}, log closure amplitudes {fit.chi2_lca:.3f}")
    try:
        ring = rings.measure_ring(fit.image, args.fov)
        limit = " (at REx's limit: its prior, not the image, set it)" if ring.at_limit else ""
        print(f"ring: diameter {ring.diameter_uas:.1f} uas{limit}, width {ring.width_uas:.1f} uas, "
              f"brightest at position angle {ring.position_angle_deg:.0f} deg (east of north)")
    except ValueError as exc:
        print(f"no ring measured: {exc}")
    print(f"imaged in {seconds:.1f} s; wrote {args.out}")
    return 0
