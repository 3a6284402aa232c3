"""Every hyper-parameter of the newer modules (imaging, scale) goes through the one scalar checker.

``core.validation.check_scalar`` answers alike everywhere: a bool or a string is a ``TypeError``
that names the argument, NaN, an infinity or a value out of range a ``ValueError`` that names it.
"""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.imaging import full_em, patches, synthetic, vlbi
from cfgmm_lib.imaging.reconstruct import wiener
from cfgmm_lib.imaging.solvers import Ridge
from cfgmm_lib.scale import netflix_like

COV = vlbi.coverage(["ALMA", "SMA", "LMT"], hours=2.0)
IMAGE = np.random.default_rng(0).random((8, 8))
PRIOR = full_em.FullMixture(np.zeros((1, 4)), np.eye(4)[None], np.ones(1))

CASES = [
    (lambda: vlbi.coverage(hours=True), TypeError, "hours must be a real number, got the bool True"),
    (lambda: vlbi.coverage(hours=30), ValueError, "hours must be"),
    (lambda: vlbi.coverage(start_h=float("nan")), ValueError, "start_h must be finite"),
    (lambda: vlbi.coverage(start_h="noon"), TypeError, "start_h must be a real number"),
    (lambda: vlbi.coverage(dec_deg=120.0), ValueError, "dec_deg"),
    (lambda: vlbi.coverage(step_min=0), ValueError, "step_min"),
    (lambda: vlbi.elevation("XYZ", 0.0), ValueError, "station: unknown name 'XYZ'"),
    (lambda: vlbi.elevation("ALMA", 0.0, dec_deg=float("inf")), ValueError, "dec_deg"),
    (lambda: vlbi.thermal_sigma(COV, bandwidth_hz=0), ValueError, "bandwidth_hz must be a positive number"),
    (lambda: vlbi.thermal_sigma(COV, t_int_s=-1.0), ValueError, "t_int_s must be a positive number"),
    (lambda: vlbi.observe(np.zeros((64, 64)), vlbi.forward_matrix(COV), vlbi.thermal_sigma(COV), seed=-1),
     ValueError, "seed must be a non-negative integer"),
    (lambda: vlbi.forward_matrix(COV, npix=0), ValueError, "npix must be a positive integer"),
    (lambda: synthetic.pixel_coordinates(fov_uas=-1.0), ValueError, "fov_uas must be a positive number"),
    (lambda: synthetic.draw_parameters(2.0), TypeError, "seed must be an integer, got the float 2.0"),
    (lambda: patches.extract(IMAGE, p=2.5), TypeError, "p must be an integer"),
    (lambda: patches.extract(IMAGE, p=4, stride=3), ValueError, "stride must be a positive integer dividing"),
    (lambda: patches.image_patches([IMAGE], True, 0), TypeError, "n must be an integer, got the bool True"),
    (lambda: patches.image_patches([IMAGE], 3, -2), ValueError, "seed must be a non-negative integer"),
    (lambda: patches.pictures(shrink=0), ValueError, "shrink must be a positive integer"),
    (lambda: wiener(np.zeros((2, 4)), PRIOR, gamma=0.0), ValueError, "gamma must be a positive number"),
    (lambda: Ridge(np.eye(3)).solve(np.ones(3), float("nan")), ValueError, "regularisation weight must be finite"),
    (lambda: full_em.fit(np.random.default_rng(0).normal(size=(20, 2)), 2, reg_covar=True), TypeError,
     "reg_covar must be a real number, got the bool True"),
    (lambda: netflix_like(50, 40, 200, K=True), TypeError, "K must be an integer, got the bool True"),
    (lambda: netflix_like(50, 40, 200, seed=-1), ValueError, "seed must be a non-negative integer"),
]


@pytest.mark.parametrize("call, error, message", CASES, ids=[c[2][:40] for c in CASES])
def test_a_bad_hyper_parameter_is_refused_by_name(call, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
