"""The project's closure imager against eht-imaging on the EHT's eight 2017 M87 files, side by side.

    python benchmarks/bench_eht.py [--json benchmarks/results/bench_eht.json] [--cached-reference]

For each file, in one run: eht-imaging's closure-only image (``bench_eht_reference.image_ehtim``,
the EHT pipeline's settings), then ours (``pipeline.reconstruct`` with the everyday prior, and the
maximum-entropy + TV baseline it starts from), both with the same error budget (scan averaging, 2 %
systematic error, minimal closure sets). Printed per file:

- the reduced chi-squares of the closure phases and log closure amplitudes, ours and eht-imaging's,
  both computed by eht-imaging (``bench_eht_reference.chisq``) and their ratio (target: <= 1.2);
- the ring of our image (REx diameter, position angle of the brightness) and of eht-imaging's
  (targets: 38 to 46 µas, the eight diameters within 4 µas of each other, the PA within 40 degrees
  of eht-imaging's);
- nxcorr of our image with eht-imaging's after both are blurred by a 20 µas FWHM Gaussian (>= 0.9);
- wall time of the imaging, ours and eht-imaging's, one after the other on the same machine (ours <=
  theirs). Our prior is learned once for all files (its time is printed apart).

With ``--cached-reference`` eht-imaging's images come from ``benchmarks/results/eht`` (no timing of it).
Not a test: ``make bench`` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import bench_eht_reference as ref  # noqa: E402
from cfgmm_lib.imaging import eht_data as ed, pipeline, priors, rings  # noqa: E402
from cfgmm_lib.imaging.scores import nxcorr  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the table here")
    parser.add_argument("--cached-reference", action="store_true", help="eht-imaging's images from the cache")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    prior = priors.learn_prior("everyday")
    prior_s = time.perf_counter() - t0
    print(f"everyday prior learned by EM once: {prior_s:.1f} s")
    rows = []
    for day, band in ref.FILES:
        path = ed.data_file(day, band)
        obs_eh = ref.prepare(path)
        if args.cached_reference:
            cached = ref.reference(day, band)
            eh_image, eh_s = cached["image"], float("nan")
        else:
            eh_image, secs = ref.image_ehtim(obs_eh)
            eh_s = secs.wall
        t = time.perf_counter()
        problem, base = pipeline.reconstruct(ed.read_uvfits(path), "none")
        base_s = time.perf_counter() - t
        t = time.perf_counter()
        _, ours = pipeline.reconstruct(problem, prior, start=base)
        ours_s = base_s + time.perf_counter() - t
        row = {"file": f"{day} {band}", "seconds_ours": ours_s, "seconds_ehtim": eh_s}
        for name, img in (("ours", ours.image), ("baseline", base.image), ("ehtim", eh_image)):
            cp, lca = ref.chisq(obs_eh, img)
            r = rings.measure_ring(img)
            row.update({f"chi2_cp_{name}": cp, f"chi2_lca_{name}": lca, f"d_{name}": r.diameter_uas,
                        f"pa_{name}": r.position_angle_deg})
        blur = lambda img: rings.blur(img, 20.0)  # noqa: E731
        row["nxcorr_blurred"] = nxcorr(blur(ours.image), blur(eh_image))
        row["nxcorr_blurred_baseline"] = nxcorr(blur(base.image), blur(eh_image))
        row["chi2_ratio_cp"] = row["chi2_cp_ours"] / row["chi2_cp_ehtim"]
        row["chi2_ratio_lca"] = row["chi2_lca_ours"] / row["chi2_lca_ehtim"]
        dpa = (row["pa_ours"] - row["pa_ehtim"] + 180) % 360 - 180
        row["pa_difference"] = dpa
        rows.append(row)
        print(f"{row['file']}: chi2 cp {row['chi2_cp_ours']:.2f} / {row['chi2_cp_ehtim']:.2f}, "
              f"lca {row['chi2_lca_ours']:.2f} / {row['chi2_lca_ehtim']:.2f}; d {row['d_ours']:.1f} "
              f"(eht-imaging {row['d_ehtim']:.1f}); PA {row['pa_ours']:.0f} ({row['pa_ehtim']:.0f}); "
              f"nxcorr {row['nxcorr_blurred']:.3f}; {ours_s:.1f} s / {eh_s:.1f} s", flush=True)
    print()
    print("| file | chi2 cp ours / eht-imaging (ratio) | chi2 lca ours / eht-imaging (ratio) | diameter ours (eht-imaging) µas "
          "| PA ours (eht-imaging) deg | nxcorr, 20 µas blur | time ours / eht-imaging s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['file']} | {r['chi2_cp_ours']:.2f} / {r['chi2_cp_ehtim']:.2f} ({r['chi2_ratio_cp']:.2f}) "
              f"| {r['chi2_lca_ours']:.2f} / {r['chi2_lca_ehtim']:.2f} ({r['chi2_ratio_lca']:.2f}) "
              f"| {r['d_ours']:.1f} ({r['d_ehtim']:.1f}) | {r['pa_ours']:.0f} ({r['pa_ehtim']:.0f}) "
              f"| {r['nxcorr_blurred']:.3f} | {r['seconds_ours']:.1f} / {r['seconds_ehtim']:.1f} |")
    d = np.array([r["d_ours"] for r in rows])
    checks = {
        "chi2 ratios <= 1.2": max(max(r["chi2_ratio_cp"], r["chi2_ratio_lca"]) for r in rows),
        "diameters in 38-46 µas": (d.min(), d.max()),
        "diameters agree within 4 µas (spread)": d.max() - d.min(),
        "PA within 40 deg of eht-imaging's": max(abs(r["pa_difference"]) for r in rows),
        "nxcorr >= 0.9 (worst)": min(r["nxcorr_blurred"] for r in rows),
        "time ours / eht-imaging (worst)": max(r["seconds_ours"] / r["seconds_ehtim"] for r in rows),
    }
    print()
    for k, v in checks.items():
        print(f"{k}: {np.round(v, 3)}")
    if args.json:
        args.json.write_text(json.dumps({"prior_seconds": prior_s, "rows": rows,
                                         "ehtim_version": ref.EHTIM_VERSION}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
