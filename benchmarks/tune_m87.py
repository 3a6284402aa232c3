"""How notebook 08's imaging weights were chosen: on synthetic sources, never on M87.

    python benchmarks/tune_m87.py

Six validation sources (four synthetic black holes, seeds 3000-3003, a double source and a
crescent with a jet, seeds 3100 and 3101; none of them a test source of notebooks 06 or 08), each
observed with one real file's coverage and sigmas, random station phases and 10 % gains
(``simulate.observe_like``), with the real data's error budget. Printed: the mean nxcorr with the
truth of

1. the maximum-entropy + TV baseline for each (mem, tv) of a grid;
2. HQS with the everyday prior from the best baseline, for each b of a grid, and b = 1e-6 (the
   prior switched off: what the image step does without it);
3. HQS with the black-hole prior at the chosen b.

``pipeline.RML_WEIGHTS`` and ``pipeline.PRIOR_WEIGHT`` hold the winners. About 3 minutes.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from cfgmm_lib.imaging import closure_imager as ci, eht_data as ed, pipeline, priors, simulate, sources, synthetic  # noqa: E402
from cfgmm_lib.imaging.scores import nxcorr  # noqa: E402

FILES = [("095", "lo"), ("096", "hi"), ("100", "lo"), ("101", "hi"), ("096", "lo"), ("101", "lo")]
RML_GRID = [(0.1, 0.1), (0.3, 0.3), (1.0, 1.0), (0.3, 1.0), (1.0, 0.3)]
B_GRID = [1e-6, 0.01, 0.03, 0.1, 0.3]


def validation():
    truths = [synthetic.black_hole(3000 + i) for i in range(4)] + [sources.double(3100), sources.crescent_with_jet(3101)]
    out = []
    for i, ((day, band), truth) in enumerate(zip(FILES, truths)):
        base = ed.scan_average(ed.read_uvfits(ed.data_file(day, band)))
        sim = ed.add_systematic(simulate.observe_like(base, truth * synthetic.UNIT_JY, seed=100 + i))
        out.append((ci.Problem(sim), truth))
    return out


def main() -> int:
    cases = validation()
    scores = {}
    for mem, tv in RML_GRID:
        fits = [ci.rml(P, {"mem": mem, "tv": tv, "tv2": 0.0}) for P, _ in cases]
        scores[(mem, tv)] = (np.mean([nxcorr(f.image, t) for f, (_, t) in zip(fits, cases)]), fits)
        print(f"baseline mem = {mem:g}, tv = {tv:g}: mean nxcorr {scores[(mem, tv)][0]:.3f}", flush=True)
    best = max(scores, key=lambda k: scores[k][0])
    starts = scores[best][1]
    print(f"best baseline: mem = {best[0]:g}, tv = {best[1]:g} (pipeline.RML_WEIGHTS: {pipeline.RML_WEIGHTS})")
    everyday = priors.learn_prior("everyday")
    by_b = {}
    for b in B_GRID:
        by_b[b] = np.mean([nxcorr(ci.hqs(P, everyday, b, start=f).image, t) for (P, t), f in zip(cases, starts)])
        print(f"HQS, everyday prior, b = {b:g}: mean nxcorr {by_b[b]:.3f}", flush=True)
    chosen = max(by_b, key=by_b.get)
    print(f"best b: {chosen:g} (pipeline.PRIOR_WEIGHT: {pipeline.PRIOR_WEIGHT:g})")
    bh = priors.learn_prior("black-hole")
    s = np.mean([nxcorr(ci.hqs(P, bh, chosen, start=f).image, t) for (P, t), f in zip(cases, starts)])
    print(f"HQS, black-hole prior, b = {chosen:g}: mean nxcorr {s:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
