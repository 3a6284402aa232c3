"""The imaging's conventions against eht-imaging's (``ehtim``, a test dependency, never a runtime one).

The forward model's sign, the Stokes I thermal noise and ``nxcorr`` are each computed by
eht-imaging on the same input and compared.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from cfgmm_lib.imaging import scores, synthetic, vlbi

# eht-imaging's own warnings (numpy.matlib, pandas, empty cross-hand columns) are not ours
pytestmark = pytest.mark.filterwarnings("ignore::Warning:ehtim")

with contextlib.redirect_stdout(io.StringIO()):  # it greets every import
    import ehtim as eh
    from ehtim.observing import obs_helpers
    from ehtim.observing.pulses import deltaPulse2D


def _eh_image(img: np.ndarray, psize_uas: float = synthetic.PIXEL_UAS) -> "eh.image.Image":
    ra, dec = 12.5137287, 12.3911232  # M87, hours and degrees
    return eh.image.Image(img, psize_uas * eh.RADPERUAS, ra, dec, rf=230e9, pulse=deltaPulse2D)


def test_forward_model_is_eht_imagings_to_1e9():
    cov = vlbi.coverage(hours=6)
    npix = 32
    img = np.random.default_rng(0).random((npix, npix))
    F = vlbi.forward_matrix(cov, npix, synthetic.FOV_UAS)
    ours = F[: len(cov.u)] @ img.ravel() + 1j * (F[len(cov.u):] @ img.ravel())
    A = obs_helpers.ftmatrix(synthetic.FOV_UAS * eh.RADPERUAS / npix, npix, npix, np.c_[cov.u, cov.v],
                             pulse=deltaPulse2D)
    theirs = A @ img.ravel()
    assert np.max(np.abs(ours - theirs)) <= 1e-9 * np.max(np.abs(theirs))
    # and not its complex conjugate (what this project computed before): that would rotate M87* by 180 degrees
    assert np.max(np.abs(ours - np.conj(theirs))) > 0.05 * np.max(np.abs(theirs))


def test_thermal_noise_is_eht_imagings_stokes_i():
    cov = vlbi.coverage(hours=2)
    ours = vlbi.thermal_sigma(cov)
    rr = np.array([obs_helpers.blnoise(vlbi.SEFD[a], vlbi.SEFD[b], vlbi.T_INT_S, vlbi.BANDWIDTH_HZ)
                   for a, b in zip(cov.station1, cov.station2)])
    # Stokes I = (RR + LL) / 2: eht-imaging's sigma of I is 0.5 sqrt(sig_RR^2 + sig_LL^2)
    assert ours == pytest.approx(0.5 * np.sqrt(rr**2 + rr**2), rel=1e-12)


@pytest.mark.parametrize("case", ["noisy copy", "shifted copy", "other ring", "blurred", "not square"])
def test_nxcorr_is_compare_images(case):
    rng = np.random.default_rng(1)
    truth = synthetic.black_hole(3)
    if case == "noisy copy":
        other = truth + 0.5 * rng.standard_normal(truth.shape)
    elif case == "shifted copy":
        other = np.roll(truth, (4, -3), axis=(0, 1))
    elif case == "other ring":
        other = synthetic.black_hole(11)
    elif case == "blurred":
        other = gaussian_filter(truth, 3.0)
    else:
        truth, other = truth[:, 8:56], synthetic.black_hole(5)[:, 4:52]
    theirs = _eh_image(truth).compare_images(_eh_image(other), metric=["nxcorr"])[0][0]
    assert scores.nxcorr(truth, other) == pytest.approx(theirs, abs=1e-9)
