"""``python -m cfgmm_lib.imaging reconstruct``: a FITS image that astropy reads, the fit's chi-squares
printed; and the closure imager's refusals."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from cfgmm_lib.imaging import cli, closure_imager as ci, eht_data as ed, fits_io, pipeline, synthetic


@pytest.fixture(scope="module")
def problem():
    return ci.Problem(pipeline.prepare(ed.read_uvfits(ed.data_file("100", "lo"))))


def test_reconstruct_writes_a_fits_image_and_prints_the_fit(tmp_path, capsys):
    out = tmp_path / "m87.fits"
    assert cli.main(["reconstruct", str(ed.data_file("100", "lo")), "--out", str(out), "--prior", "none"]) == 0
    text = capsys.readouterr().out
    assert "34 closure phases, 48 log closure amplitudes" in text  # 55 with the intra-site triangles
    assert "reduced chi-squares: closure phases" in text and "ring: diameter" in text
    from astropy.io import fits

    header = fits.getheader(out)
    assert header["NAXIS1"] == header["NAXIS2"] == 64
    assert header["CDELT1"] == pytest.approx(-2.5 / 3.6e9) and header["CDELT2"] == pytest.approx(2.5 / 3.6e9)
    assert header["CRVAL1"] == pytest.approx(187.70593, abs=1e-4) and header["CRVAL2"] == pytest.approx(12.39112, abs=1e-4)
    assert header["OBJECT"].strip() == "M87" and header["FREQ"] == pytest.approx(227.0707e9)
    image, meta = fits_io.read_fits(out)
    assert image.sum() == pytest.approx(0.6) and (image >= 0).all() and meta["fov_uas"] == pytest.approx(160)
    # the same file again is refused unless --overwrite
    assert cli.main(["reconstruct", str(ed.data_file("100", "lo")), "--out", str(out), "--prior", "none"]) == 2
    assert "exists" in capsys.readouterr().err


def test_reconstruct_refuses_what_it_cannot_read(tmp_path, capsys):
    bad = tmp_path / "not.uvfits"
    bad.write_text("hello")
    assert cli.main(["reconstruct", str(bad), "--out", str(tmp_path / "x.fits")]) == 2
    assert "cannot read" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["reconstruct", str(bad), "--out", str(tmp_path / "x.fits"), "--prior", "circle"])


def test_the_module_runs_as_a_command(tmp_path):
    res = subprocess.run([sys.executable, "-m", "cfgmm_lib.imaging", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "reconstruct" in res.stdout


def test_the_imager_refuses_bad_arguments(problem):
    prior = synthetic  # not a mixture
    with pytest.raises(ValueError, match="gammas must be a non-empty increasing"):
        ci.hqs(problem, _tiny_prior(), 0.1, gammas=[4, 1], start=_flat(problem))
    with pytest.raises(ValueError, match="b must be a positive number"):
        ci.hqs(problem, _tiny_prior(), 0.0, start=_flat(problem))
    with pytest.raises(ValueError, match="weights: unknown regulariser"):
        ci.rml(problem, {"l1": 1.0})
    with pytest.raises(TypeError, match="obs must be an eht_data.Observation"):
        ci.Problem(prior)
    with pytest.raises(ValueError, match="image must be a finite array of shape"):
        ci.chi_squares(problem, np.full((64, 64), np.nan))
    with pytest.raises(ValueError, match="prior must be one of"):
        pipeline.reconstruct(problem.obs, "circle", prepared=True)


def _flat(problem):
    return ci.Fit(ci.gaussian_image(flux=0.6), 0.0, 0.0, 0)


def _tiny_prior():
    from cfgmm_lib.core.mixture import FullMixture

    return FullMixture(np.zeros((1, 64)), np.eye(64)[None], np.ones(1))


def test_rml_fits_the_closures_and_keeps_the_flux(problem):
    start = ci.chi_squares(problem, ci.gaussian_image(flux=0.6))
    fit = ci.rml(problem, pipeline.RML_WEIGHTS, rounds=1, maxiter=100)
    assert fit.image.sum() == pytest.approx(0.6) and (fit.image >= 0).all()
    assert fit.chi2_cp < start[0] / 10 and fit.chi2_lca < start[1] / 10  # the Gaussian does not fit; the image does


def test_hqs_with_a_prior_keeps_the_fit(problem):
    base = ci.rml(problem, pipeline.RML_WEIGHTS, rounds=1, maxiter=100)
    h = ci.hqs(problem, _tiny_prior(), 0.03, gammas=[1, 8], start=base, maxiter=50)
    assert h.image.sum() == pytest.approx(0.6) and h.chi2_cp < 2 * max(base.chi2_cp, 0.5)
    assert h.n_iter > base.n_iter
