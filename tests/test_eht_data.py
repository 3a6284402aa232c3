"""The EHT 2017 M87 data: reading (uvfits and csv), scan averaging, the error budget, closure quantities,
station errors in the simulation, and the closure imager's gradients. Hand-built cases, then the
real files against eht-imaging (a test dependency only)."""

from __future__ import annotations

import contextlib
import io
import itertools

import numpy as np
import pytest

from cfgmm_lib.imaging import closure, closure_imager as ci, eht_data as ed, simulate, synthetic, vlbi

# eht-imaging's own warnings (numpy.matlib, pandas, empty cross-hand columns) are not ours
pytestmark = pytest.mark.filterwarnings("ignore::Warning:ehtim")

with contextlib.redirect_stdout(io.StringIO()):
    import ehtim as eh


@pytest.fixture(scope="module")
def raw():
    return ed.read_uvfits(ed.data_file("095", "lo"))


@pytest.fixture(scope="module")
def averaged(raw):
    return ed.add_systematic(ed.scan_average(raw))


@pytest.fixture(scope="module")
def ehtim_obs():
    with contextlib.redirect_stdout(io.StringIO()):
        obs = eh.obsdata.load_uvfits(str(ed.data_file("095", "lo")))
        obs.add_scans()
        obs = obs.avg_coherent(0.0, scan_avg=True).add_fractional_noise(0.02)
    return obs


def test_every_shipped_file_reads_as_the_release_describes():
    longest = []
    for day, band in itertools.product(ed.DAYS, ed.BANDS):
        obs = ed.read_uvfits(ed.data_file(day, band))
        longest.append(np.hypot(obs.u, obs.v).max() * (227.0707e9 / obs.freq_hz))
        seen = set(obs.station1) | set(obs.station2)
        assert seen == {"AA", "AP", "AZ", "JC", "LM", "PV", "SM"}  # 7 stations, no SPT
        assert len({tuple(sorted(p)) for p in zip(obs.station1, obs.station2)}) == 21
        assert 2367 <= len(obs.u) <= 9081
        assert obs.freq_hz == pytest.approx(227.0707e9 if band == "lo" else 229.0707e9, rel=1e-7)
        assert obs.source == "M87" and (obs.sigma > 0).all() and np.isfinite(obs.vis).all()
    assert max(longest) == pytest.approx(8.26e9, rel=2e-3)  # 8.26 billion wavelengths at 227 GHz (8.33 at 229)


def test_uvfits_and_csv_agree(raw):
    csv = ed.read_csv(ed.data_file("095", "lo", "csv"))
    np.testing.assert_array_equal(raw.station1, csv.station1)
    np.testing.assert_allclose(raw.u, csv.u, rtol=1e-7, atol=1.0)  # the csv prints 4 decimals of float32 values
    np.testing.assert_allclose(raw.time_h, csv.time_h, atol=1e-7)
    np.testing.assert_allclose(raw.vis, csv.vis, atol=2e-6)  # the csv prints 8 decimals of Jy
    np.testing.assert_allclose(raw.sigma, csv.sigma, rtol=1e-5)  # Stokes I's sigma, not RR's


def test_uv_from_the_station_positions_is_the_datas(raw):
    from astropy.time import Time

    index = {c: i for i, c in enumerate(raw.stations)}
    B = raw.positions[[index[s] for s in raw.station1]] - raw.positions[[index[s] for s in raw.station2]]
    gmst = Time(raw.mjd + raw.time_h / 24, format="mjd", scale="utc").sidereal_time("mean", "greenwich").hour
    u, v = vlbi.baseline_uv(B, gmst - raw.ra_deg / 15, raw.dec_deg, 299_792_458.0 / raw.freq_hz)
    err = np.hypot(u - raw.u, v - raw.v) / np.hypot(raw.u, raw.v)
    assert err.max() < 2e-4 and np.median(err) < 1e-5


def test_a_damaged_file_is_refused(tmp_path):
    (tmp_path / "uvfits").mkdir()
    good = ed.data_file("095", "lo")
    (tmp_path / "uvfits" / good.name).write_bytes(good.read_bytes()[:-10] + b"0123456789")
    (tmp_path / "SHA256SUMS").write_text((ed.DATA_DIR / "SHA256SUMS").read_text())
    with pytest.raises(ValueError, match="is damaged"):
        ed.data_file("095", "lo", root=tmp_path)
    with pytest.raises(ValueError, match="day must be one of"):
        ed.data_file("097")


def test_scan_average_and_systematic_error_are_eht_imagings(averaged, ehtim_obs):
    d = ehtim_obs.data
    order = np.lexsort((d["t2"], d["t1"], d["time"]))
    assert len(d) == len(averaged.u) == 168
    np.testing.assert_array_equal(d["t1"][order], averaged.station1)
    np.testing.assert_allclose(d["time"][order], averaged.time_h, atol=1e-9)
    np.testing.assert_allclose(d["vis"][order], averaged.vis, atol=1e-7)
    np.testing.assert_allclose(d["sigma"][order], averaged.sigma, rtol=1e-6)


def test_closure_quantities_are_eht_imagings_minimal_sets(averaged, ehtim_obs):
    with contextlib.redirect_stdout(io.StringIO()):
        cp = ehtim_obs.c_phases(count="min")
        lca = ehtim_obs.c_amplitudes(ctype="logcamp", count="min", debias=True)
    ours_cp, ours_lca = closure.closure_phases(averaged), closure.log_closure_amplitudes(averaged)
    assert len(ours_cp.value) == len(cp) == 96 and len(ours_lca.value) == len(lca) == 78
    np.testing.assert_array_equal(ours_cp.stations, np.c_[cp["t1"], cp["t2"], cp["t3"]])
    np.testing.assert_allclose(np.degrees(ours_cp.value), cp["cphase"], atol=1e-4)
    np.testing.assert_allclose(np.degrees(ours_cp.sigma), cp["sigmacp"], rtol=1e-5)
    np.testing.assert_array_equal(ours_lca.stations, np.c_[lca["t1"], lca["t2"], lca["t3"], lca["t4"]])
    np.testing.assert_allclose(ours_lca.value, lca["camp"], atol=1e-6)
    np.testing.assert_allclose(ours_lca.sigma, lca["sigmaca"], rtol=1e-5)
    with contextlib.redirect_stdout(io.StringIO()):  # without the intra-site baselines (cp_uv_min)
        cut = ehtim_obs.c_phases(count="min", uv_min=1e8)
    ours_cut = closure.closure_phases(averaged, uv_min=1e8)
    assert len(ours_cut.value) == len(cut) < len(cp)
    np.testing.assert_array_equal(ours_cut.stations, np.c_[cut["t1"], cut["t2"], cut["t3"]])
    np.testing.assert_allclose(np.degrees(ours_cut.value), cut["cphase"], atol=1e-4)


def _toy(n_stations=5, times=3, seed=0):
    """A hand-built observation: every baseline at every time, random visibilities."""
    rng = np.random.default_rng(seed)
    codes = tuple("ABCDEFGH"[:n_stations])
    pairs = list(itertools.combinations(codes, 2))
    rows = [(t, a, b) for t in range(times) for a, b in pairs]
    M = len(rows)
    vis = (1 + rng.random(M)) * np.exp(1j * rng.uniform(-np.pi, np.pi, M))
    return ed.Observation(np.array([r[0] for r in rows], float), np.array([r[1] for r in rows]),
                          np.array([r[2] for r in rows]), rng.normal(0, 1e9, M), rng.normal(0, 1e9, M), vis,
                          np.full(M, 0.01), 230e9, 187.7, 12.39, 57848, "toy", codes, np.zeros((n_stations, 3)))


@pytest.mark.parametrize("n", [3, 4, 5, 7])
def test_closure_counts_are_the_independent_ones(n):
    obs = _toy(n, times=2)
    n_cp, n_ca = closure.count_independent(n)
    assert len(closure.closure_phases(obs).value) == 2 * n_cp == 2 * (n - 1) * (n - 2) // 2
    assert len(closure.log_closure_amplitudes(obs).value) == 2 * n_ca == 2 * n * (n - 3) // 2


def test_a_missing_baseline_drops_only_its_triangles():
    obs = _toy(5, times=1)
    keep = ~((obs.station1 == "B") & (obs.station2 == "C"))
    cp = closure.closure_phases(obs._replace(**{k: getattr(obs, k)[keep] for k in
                                                ("time_h", "station1", "station2", "u", "v", "vis", "sigma")}))
    assert len(cp.value) == 6 - 1 and not any({"B", "C"} <= set(t) for t in cp.stations)


def test_station_phases_and_gains_leave_closures_unchanged():
    obs = _toy(6, times=4)
    cp, lca = closure.closure_phases(obs), closure.log_closure_amplitudes(obs)
    corrupted = obs._replace(vis=obs.vis * simulate.station_gains(obs, seed=3, gain_sigma=0.3))
    assert not np.allclose(np.angle(corrupted.vis), np.angle(obs.vis))
    cp2, lca2 = closure.closure_phases(corrupted), closure.log_closure_amplitudes(corrupted)
    np.testing.assert_allclose(np.angle(np.exp(1j * (cp2.value - cp.value))), 0, atol=1e-12)
    # the debiasing term moves with the amplitudes' signal-to-noise; without noise the closures are exact
    exact = closure.model_log_closure_amplitudes
    np.testing.assert_allclose(exact(corrupted.vis, lca), exact(obs.vis, lca), atol=1e-12)


def test_closure_errors_propagate_as_the_formulas_say():
    obs = _toy(4, times=1, seed=2)
    cp = closure.closure_phases(obs)
    r = cp.rows[0]
    assert cp.sigma[0] == pytest.approx(np.sqrt(np.sum(obs.sigma[r] ** 2 / np.abs(obs.vis[r]) ** 2)))
    # a Monte Carlo of the noise gives the same spread (first order holds at this signal-to-noise)
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(4000):
        noisy = obs.vis + obs.sigma * (rng.standard_normal(len(obs.vis)) + 1j * rng.standard_normal(len(obs.vis)))
        draws.append(closure.model_closure_phases(noisy, cp)[0])
    assert np.std(draws) == pytest.approx(cp.sigma[0], rel=0.05)
    lca = closure.log_closure_amplitudes(obs)
    A = np.sqrt(np.abs(obs.vis[lca.rows[0]]) ** 2 - obs.sigma[lca.rows[0]] ** 2)
    snr2 = (A / obs.sigma[lca.rows[0]]) ** 2
    assert lca.sigma[0] == pytest.approx(np.sqrt(np.sum(1 / snr2)))
    assert lca.value[0] == pytest.approx(np.log(A[0] * A[1] / (A[2] * A[3])) + 0.5 * (1 / snr2[0] + 1 / snr2[1]
                                                                                       - 1 / snr2[2] - 1 / snr2[3]))


def test_the_data_terms_gradient_matches_finite_differences(averaged):
    P = ci.Problem(averaged)
    rng = np.random.default_rng(0)
    x = rng.random(P.npix**2) + 0.1
    _, _, grad = P.data_terms(x)
    for k in rng.choice(x.size, 5, replace=False):
        e = np.zeros_like(x)
        e[k] = 1e-6
        up, down = P.data_terms(x + e), P.data_terms(x - e)
        assert grad[k] == pytest.approx((sum(up[:2]) - sum(down[:2])) / 2e-6, rel=1e-5, abs=1e-8)


def test_the_chi_squares_are_eht_imagings(averaged, ehtim_obs):
    from ehtim.observing.pulses import deltaPulse2D

    img = synthetic.black_hole(4) * synthetic.UNIT_JY
    P = ci.Problem(averaged)
    im = eh.image.Image(img, synthetic.PIXEL_UAS * eh.RADPERUAS, ehtim_obs.ra, ehtim_obs.dec, rf=ehtim_obs.rf,
                        pulse=deltaPulse2D, source=ehtim_obs.source, mjd=ehtim_obs.mjd)
    with contextlib.redirect_stdout(io.StringIO()):
        cp_all = ehtim_obs.chisq(im, dtype="cphase", ttype="direct", maxset=False)
        cp_cut = ehtim_obs.chisq(im, dtype="cphase", ttype="direct", maxset=False, cp_uv_min=1e8)
        lca = ehtim_obs.chisq(im, dtype="logcamp", ttype="direct", maxset=False)
    ours = ci.chi_squares(P, img)  # the closure phases without the intra-site baselines, as the EHT pipeline
    assert ours[0] == pytest.approx(cp_cut, rel=1e-4) and ours[1] == pytest.approx(lca, rel=1e-4)
    assert ci.chi_squares(ci.Problem(averaged, cp_uv_min=0.0), img)[0] == pytest.approx(cp_all, rel=1e-4)
    assert abs(cp_all - cp_cut) > 1e-3 * cp_all  # the cut changes something


def test_simulated_observations_keep_the_coverage_and_corrupt_only_what_closures_cancel(averaged):
    truth = synthetic.black_hole(2) * synthetic.UNIT_JY
    clean = simulate.model_visibilities(averaged, truth)
    sim = simulate.observe_like(averaged, truth, seed=1)
    assert np.array_equal(sim.u, averaged.u) and np.array_equal(sim.sigma, averaged.sigma)
    cp = closure.closure_phases(sim)
    resid = np.angle(np.exp(1j * (cp.value - closure.model_closure_phases(clean, cp))))
    assert np.sqrt(np.mean((resid / cp.sigma) ** 2)) == pytest.approx(1.0, abs=0.3)  # noise only
    np.testing.assert_array_equal(simulate.observe_like(averaged, truth, seed=1).vis, sim.vis)
    with pytest.raises(ValueError, match="gain_sigma"):
        simulate.observe_like(averaged, truth, seed=1, gain_sigma=-0.1)


def test_zero_baselines_are_scaled_to_the_compact_flux(raw):
    short = np.hypot(raw.u, raw.v) < ed.ZERO_BASELINE_UV
    assert set(zip(raw.station1[short], raw.station2[short])) == {("AA", "AP"), ("JC", "SM")}
    assert np.median(np.abs(raw.vis[short])) == pytest.approx(1.2, abs=0.15)  # the ring and the jet
    before = raw.vis.copy()
    scaled = ed.rescale_zero_baselines(raw, 0.6)
    np.testing.assert_array_equal(raw.vis, before)  # the caller's observation is not changed
    assert np.median(np.abs(scaled.vis[short])) == pytest.approx(0.6)
    ratio = np.abs(scaled.vis / raw.vis)
    np.testing.assert_allclose(ratio[~short], 1.0)
    np.testing.assert_allclose(scaled.sigma / raw.sigma, ratio)  # the signal-to-noise ratio is kept


def _write_variant(tmp_path, change):
    from astropy.io import fits

    with fits.open(ed.data_file("100", "lo")) as hdus:
        change(hdus)
        path = tmp_path / "variant.uvfits"
        hdus.writeto(path)
    return path


def test_a_file_of_another_layout_is_refused(tmp_path):
    def stokes_basis(hdus):
        hdus[0].header["CRVAL3"] = 1.0  # I, Q, U, V instead of RR, LL, RL, LR
    with pytest.raises(ValueError, match="must start with RR and LL"):
        ed.read_uvfits(_write_variant(tmp_path, stokes_basis))


def test_a_flagged_hand_leaves_the_other(tmp_path):
    def flag_ll(hdus):
        hdus[0].data.data[:5, 0, 0, 0, 0, 1, 2] = 0.0  # LL's weight of the first five rows
        hdus[0].data.data[5:8, 0, 0, 0, 0, :2, 2] = -1.0  # both hands of the next three
    variant = ed.read_uvfits(_write_variant(tmp_path, flag_ll))
    full = ed.read_uvfits(ed.data_file("100", "lo"))
    assert len(variant.u) == len(full.u) - 3
    np.testing.assert_allclose(variant.vis[:5], full.vis[:5], rtol=1e-6)  # RR alone holds the same Stokes I
    np.testing.assert_allclose(variant.sigma[:5], np.sqrt(2) * full.sigma[:5], rtol=1e-6)  # from one hand


def test_counts_of_independent_closures_start_at_three_and_four_stations():
    n_cp, n_ca = closure.count_independent(np.arange(6))
    assert list(n_cp) == [0, 0, 0, 1, 3, 6] and list(n_ca) == [0, 0, 0, 0, 2, 5]
    with pytest.raises(ValueError, match="n_stations must be >= 0"):
        closure.count_independent(-1)
