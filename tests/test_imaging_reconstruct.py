"""Reconstructions, their solvers and scores (cfgmm_lib.imaging.solvers, reconstruct, scores)."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.common import NotConvergedWarning
from cfgmm_lib.imaging import full_em, patches, synthetic, vlbi
from cfgmm_lib.imaging.full_em import FullMixture
from cfgmm_lib.imaging.reconstruct import Imager, choose_weight, wiener
from cfgmm_lib.imaging.scores import nrmse, nxcorr
from cfgmm_lib.imaging.solvers import Ridge, Smooth, path_laplacian


def _short_fit(fit):
    """A fit cut short on purpose (a few iterations are enough here): it says so, with the package's warning."""
    with pytest.warns(NotConvergedWarning):
        return fit()


def _prior(K=3, d=4, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(K, d, d))
    return FullMixture(rng.normal(size=(K, d)), A @ A.transpose(0, 2, 1) + 0.1 * np.eye(d), np.full(K, 1 / K))


def test_wiener_step_is_the_closed_form():
    prior = _prior()
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(50, 4)) * 2
    gamma = 3.0
    est, labels = wiener(Z, prior, gamma)
    for z, e, c in zip(Z, est, labels):
        mu, lam = prior.mu[c], prior.cov[c]
        noisy = [np.log(prior.p[k]) + _logpdf(z, prior.mu[k], prior.cov[k] + np.eye(4) / gamma) for k in range(3)]
        assert c == int(np.argmax(noisy))
        np.testing.assert_allclose(e, mu + lam @ np.linalg.inv(lam + np.eye(4) / gamma) @ (z - mu), rtol=1e-10)
    assert len(set(labels)) > 1
    # gamma -> infinity trusts the patch; gamma -> 0 returns the mean
    np.testing.assert_allclose(wiener(Z, prior, 1e12)[0], Z, atol=1e-8)


def _logpdf(z, mu, S):
    d = z - mu
    return -0.5 * (d @ np.linalg.solve(S, d) + np.linalg.slogdet(2 * np.pi * S)[1])


def test_ridge_and_smooth_solve_their_normal_equations():
    rng = np.random.default_rng(2)
    npix = 6
    W = rng.normal(size=(10, npix * npix))
    r = rng.normal(size=npix * npix)
    for a in (1e-3, 0.5, 20.0):
        x = Ridge(W).solve(r, a)
        np.testing.assert_allclose((W.T @ W + a * np.eye(npix**2)) @ x, r, rtol=1e-8, atol=1e-10)
        L = np.kron(path_laplacian(npix), np.eye(npix)) + np.kron(np.eye(npix), path_laplacian(npix))
        x = Smooth(W, npix, eps=1e-3).solve(r, a)
        np.testing.assert_allclose((W.T @ W + a * (L + 1e-3 * np.eye(npix**2))) @ x, r, rtol=1e-7, atol=1e-9)
    img = rng.random((npix, npix))
    tsv = np.sum(np.diff(img, axis=0) ** 2) + np.sum(np.diff(img, axis=1) ** 2)
    assert img.ravel() @ L @ img.ravel() == pytest.approx(tsv)
    with pytest.raises(ValueError, match="regularisation weight"):
        Ridge(W).solve(r, 0.0)


def test_scores():
    truth = synthetic.black_hole(1)
    assert nxcorr(truth, truth) == pytest.approx(1.0)
    shifted = np.roll(truth, (3, -2), axis=(0, 1))
    plain = np.corrcoef(shifted.ravel(), truth.ravel())[0, 1]
    assert plain < 0.8 < nxcorr(shifted, truth)  # the best shift finds it
    inside = np.zeros((96, 96))
    inside[10:74, 20:84] = truth
    moved = np.roll(inside, (7, -12), axis=(0, 1))  # the same picture elsewhere in the field, nothing cut
    assert 0.999 < nxcorr(moved, inside) < 1.0  # eht-imaging's resampling blurs the two copies differently
    assert nxcorr(2 * truth, truth) == pytest.approx(1.0)  # standardised: the flux scale does not count
    assert nxcorr(truth + 5, truth) < 0.5  # but a constant does: padded with zeros, it is a bright square
    assert nxcorr(np.zeros_like(truth), truth) == 0.0
    assert nrmse(truth, truth) == 0.0 and nrmse(np.zeros_like(truth), truth) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        nxcorr(truth[:10], truth)
    with pytest.raises(ValueError, match="truth must not be all zeros"):
        nrmse(truth, np.zeros_like(truth))


@pytest.fixture(scope="module")
def small_problem():
    cov = vlbi.coverage(hours=6, step_min=30)
    F = vlbi.forward_matrix(cov)
    sigma = vlbi.thermal_sigma(cov)
    truths = synthetic.black_holes(range(3000, 3003))
    meas = [vlbi.observe(t, F, sigma, i) for i, t in enumerate(truths)]
    return Imager(F, meas[0].sigma), truths, [m.y for m in meas]


def test_reconstructions_run_and_hqs_uses_its_prior(small_problem):
    im, truths, ys = small_problem
    X = patches.remove_dc(np.concatenate([patches.extract(t) for t in synthetic.black_holes(range(5))]))[0]
    prior = _short_fit(lambda: full_em.fit(X[::4], 5, seed=0, max_iter=10)).mixture
    dirty, tik, tsv = im.dirty(ys[0]), im.tikhonov(ys[0], 1e-2), im.tsv(ys[0], 1e-1)
    hqs, start, steps = im.hqs(ys[0], prior, 1e-4 * im.g * 64, steps=True)
    assert len(steps) == 9 and start.shape == (64, 64) and all(a.shape == (64, 64) for a in (dirty, tik, tsv, hqs))
    assert nxcorr(tik, truths[0]) > nxcorr(dirty, truths[0]) - 0.2
    assert nxcorr(hqs, truths[0]) > 0.5
    choice = choose_weight(im.tikhonov, [1e-4, 1e-2, 1.0], truths, ys)
    assert choice.best == choice.grid[np.argmax(choice.scores)] and choice.scores.shape == (3,)


def test_a_stack_of_measurements_gives_each_images_own_reconstruction(small_problem):
    """Every method takes a stack (k, 2M): row i of the result is what y_i alone gives (to rounding:
    the stack's solves are matrix products, one image's are matrix-vector products)."""
    im, truths, ys = small_problem
    X = patches.remove_dc(np.concatenate([patches.extract(t) for t in synthetic.black_holes(range(5))]))[0]
    prior = _short_fit(lambda: full_em.fit(X[::4], 5, seed=0, max_iter=10)).mixture
    Y = np.stack(ys)
    Y_before = Y.copy()
    beta = 1e-4 * im.g * 64
    for name, f in {"dirty": im.dirty, "tikhonov": lambda y: im.tikhonov(y, 1e-2),
                    "tsv": lambda y: im.tsv(y, 1e-1), "hqs": lambda y: im.hqs(y, prior, beta)}.items():
        stack = f(Y)
        assert stack.shape == (3, 64, 64), name
        for i, y in enumerate(ys):
            np.testing.assert_allclose(stack[i], f(y), rtol=0, atol=1e-9 * np.abs(stack[i]).max(), err_msg=name)
    _, start, steps = im.hqs(Y, prior, beta, steps=True)
    assert start.shape == (3, 64, 64) and len(steps) == 9 and steps[-1].shape == (3, 64, 64)
    np.testing.assert_array_equal(Y, Y_before)  # the caller's stack is untouched
    # the Ridge solve of k rows solves each row's normal equations
    rng = np.random.default_rng(4)
    W, R = rng.normal(size=(10, 36)), rng.normal(size=(4, 36))
    np.testing.assert_allclose(Ridge(W).solve(R, 0.5) @ (W.T @ W + 0.5 * np.eye(36)), R, rtol=1e-8, atol=1e-10)
    # the patches of a stack are each image's patches, one image after another, and back
    from cfgmm_lib.imaging.patches import aggregate_checked, extract_checked
    imgs = rng.random((3, 12, 10))
    np.testing.assert_array_equal(extract_checked(imgs, 4, 2), np.concatenate([patches.extract(x, 4, 2) for x in imgs]))
    np.testing.assert_array_equal(aggregate_checked(extract_checked(imgs, 4, 2), (12, 10), 4, 2), 4 * imgs)


def test_bad_reconstruction_inputs(small_problem):
    im, truths, ys = small_problem
    prior = _prior(d=64)
    for bad in (ys[0][:5], np.stack(ys)[:, :5], np.stack(ys)[None], np.zeros((0, len(ys[0]))), np.float64(1.0)):
        with pytest.raises(ValueError, match="y must be a finite array"):
            im.tikhonov(bad, 1.0)
    with pytest.raises(ValueError, match="beta must be"):
        im.hqs(ys[0], prior, -1.0)
    with pytest.raises(ValueError, match="gammas must be"):
        im.hqs(ys[0], prior, 1.0, gammas=[])
    with pytest.raises(ValueError, match="mixture.mu must have shape"):
        im.hqs(ys[0], _prior(d=4), 1.0)
    with pytest.raises(ValueError, match="sigma must have one entry"):
        Imager(im.F, im.sigma[:3])
    # what an Imager prepared depends on F, sigma, p and stride: a later assignment is refused by name
    for name, value in (("p", 4), ("stride", 1), ("F", im.F[:, :16]), ("sigma", 2 * im.sigma)):
        before = getattr(im, name)
        with pytest.raises(AttributeError, match=rf"Imager\.{name} is fixed .* make a new Imager"):
            setattr(im, name, value)
        assert getattr(im, name) is before
    with pytest.raises(ValueError, match="gamma must be"):
        wiener(np.zeros((2, 64)), prior, 0)
    with pytest.raises(ValueError, match="grid must be"):
        choose_weight(im.tikhonov, [], truths, ys)
    with pytest.raises(ValueError, match="one image per measurement"):  # a function of one y gets the stack
        choose_weight(lambda Y, w: im.tikhonov(Y[0], w), [1.0], truths, ys)
