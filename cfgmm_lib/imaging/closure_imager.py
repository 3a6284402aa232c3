"""Images from closure quantities: regularised maximum likelihood, and HQS with the EM-learned patch prior.

The data terms are eht-imaging's reduced chi-squares of the closure phases and log closure amplitudes
(``closure``) of the model visibilities ``V = A x``, ``A_mj = exp(+2 pi i (u_m l_j + v_m n_j))``:

    chi2_cp  = (2 / N_cp)  sum_t (1 - cos(psi_t - psi_t(V))) / sigma_t^2
    chi2_lca = (1 / N_lca) sum_q (L_q - L_q(V))^2 / sigma_q^2

With ``psi(V) = sum_k s_k arg V_k`` and ``d arg V_k / dx = Im(A_k / V_k)``,
``d log|V_k| / dx = Re(A_k / V_k)``, both gradients are one product with A:
``grad = Re(((c_lca - i c_cp) / V) A)``, where ``c`` gathers each visibility's share of the residuals.

Closure quantities do not see the total flux, nor where the image sits: the total flux is fixed
(``flux``, 0.6 Jy by default, M87's compact flux at 230 GHz in 2017, as in the EHT's imaging),
and positivity and that flux are built in by the parametrisation ``x = flux softmax(s)``
(``grad_s = x (grad_x - x.grad_x / flux)``). scipy's L-BFGS-B minimises over ``s``.

Regularisers (each divided by the flux, so its weight is a pure number; implemented here, after
eht-imaging's ``simple``, ``tv`` and ``tv2``):

- ``mem``: ``sum x log(x / p) / flux``, relative entropy to a prior image p (a circular Gaussian of
  ``prior_fwhm_uas``);
- ``tv``: ``sum sqrt(dx^2 + dy^2 + eps^2) / flux``, total variation (forward differences, dark sky
  beyond the edge);
- ``tv2``: ``npix^2 sum (dx^2 + dy^2) / flux^2``, total squared variation.

``rml`` runs them as eht-imaging's examples do: a few rounds, each started from the last result
blurred by the array's nominal resolution. ``hqs`` then adds the patch prior: for each gamma of the
schedule, the patch step (``reconstruct.patch_targets``: notebook 06's, with each patch's posterior
mean over the components instead of the most likely component's estimate: a choice among
components jumps when the image moves a little, and the fit, and the ring measured on it, would
jump with it) and an image step
that minimises the chi-squares plus ``(b gamma / n) sum_n ||P_n x - z_n||^2 / 2`` (n patches; the
image in ``synthetic.UNIT_JY``, as the prior learned it).

Introduced in ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from ..core.mixture import FullMixture
from ..core.model_checks import check_full_mixture
from ..core.validation import check_scalar
from .closure import closure_phases, log_closure_amplitudes
from .eht_data import ZERO_BASELINE_UV, Observation
from .patches import PATCH
from .reconstruct import HANDOUT_GAMMAS, patch_targets
from .rings import blur
from .synthetic import FOV_UAS, FWHM_PER_SIGMA, NPIX, UNIT_JY, pixel_coordinates
from .vlbi import UAS, fourier_matrix

__all__ = ["FLUX_JY", "REGULARISERS", "Problem", "Fit", "rml", "hqs", "gaussian_image", "chi_squares"]

FLUX_JY = 0.6
#: Default weights of the regularisers: those chosen on synthetic sources (``benchmarks/tune_m87.py``;
#: ``pipeline.RML_WEIGHTS`` is this dictionary).
REGULARISERS = {"mem": 0.3, "tv": 0.3, "tv2": 0.0}


class Fit(NamedTuple):
    """An image and how well it fits.

    Attributes
    ----------
    image : array of shape (npix, npix)
        Jy per pixel; row 0 north, column 0 east.
    chi2_cp, chi2_lca : float
        Reduced chi-squares of the closure phases and log closure amplitudes.
    n_iter : int
        L-BFGS-B iterations in all.
    """

    image: np.ndarray
    chi2_cp: float
    chi2_lca: float
    n_iter: int


class Problem:
    """The closure quantities of one observation, ready to image.

    Parameters
    ----------
    obs : Observation
        Usually ``pipeline.prepare`` of a file (zero baselines rescaled, scan-averaged, systematic error added).
    npix : int, default 64
    fov_uas : float, default 160
    flux_jy : float, default 0.6
    cp_uv_min : float, default ``eht_data.ZERO_BASELINE_UV``
        Closure phases leave out baselines shorter than this (the EHT pipeline's ``cp_uv_min``).

    Attributes
    ----------
    A : complex array of shape (M, npix**2)
        ``vlbi.fourier_matrix`` at obs's (u, v).
    cp, lca : Closures
        The closure phases (minimal set, short baselines left out) and log closure amplitudes.
    flux : float
        The fixed total flux in image units (``synthetic.UNIT_JY``): 150 for 0.6 Jy.
    resolution_uas : float
        The array's nominal resolution, ``1 / max |uv|``, in micro-arcseconds.
    obs : Observation
    """

    def __init__(self, obs: Observation, npix: int = NPIX, fov_uas: float = FOV_UAS, flux_jy: float = FLUX_JY,
                 cp_uv_min: float = ZERO_BASELINE_UV):
        if not isinstance(obs, Observation):
            raise TypeError(f"obs must be an eht_data.Observation, got {type(obs).__name__}")
        finite = all(np.isfinite(np.asarray(x)).all() for x in (obs.u, obs.v, obs.vis, obs.sigma))
        if len(obs.u) == 0 or not finite or not (np.asarray(obs.sigma) > 0).all():
            raise ValueError("obs must hold visibilities with finite u, v, vis and sigma, and sigma > 0")
        self.npix = check_scalar(npix, "npix", int, low=PATCH)
        self.fov_uas = check_scalar(fov_uas, "fov_uas", low=0.0, low_inclusive=False)
        self.flux = check_scalar(flux_jy, "flux_jy", low=0.0, low_inclusive=False) / UNIT_JY  # image units
        self.A = fourier_matrix(obs.u, obs.v, self.npix, self.fov_uas)
        self.cp, self.lca = closure_phases(obs, cp_uv_min), log_closure_amplitudes(obs)
        if len(self.cp.value) == 0 and len(self.lca.value) == 0:
            raise ValueError("obs has no closure phase and no closure amplitude (fewer than 3 stations at every time)")
        self.resolution_uas = 1 / np.hypot(obs.u, obs.v).max() / UAS
        self.obs = obs

    def data_terms(self, x: np.ndarray) -> tuple[float, float, np.ndarray]:
        """``chi2_cp``, ``chi2_lca`` and the gradient of their sum (shape (N,)), for pixels x of shape (N,)."""
        V = self.A @ x
        M = len(V)
        coef = np.zeros(M, dtype=complex)
        chi_cp = chi_lca = 0.0
        if len(self.cp.value):
            c = self.cp
            Vk = np.where(c.signs > 0, V[c.rows], np.conj(V[c.rows]))
            d = c.value - np.angle(np.prod(Vk, axis=1))
            n = len(d)
            chi_cp = 2.0 / n * np.sum((1 - np.cos(d)) / c.sigma**2)
            w = -2.0 / n * np.sin(d) / c.sigma**2  # d chi2 / d psi_model
            coef -= 1j * np.bincount(c.rows.ravel(), (w[:, None] * c.signs).ravel(), M)
        if len(self.lca.value):
            q = self.lca
            d = q.value - np.sum(q.signs * np.log(np.abs(V[q.rows])), axis=1)
            n = len(d)
            chi_lca = np.sum(d**2 / q.sigma**2) / n
            w = -2.0 / n * d / q.sigma**2
            coef += np.bincount(q.rows.ravel(), (w[:, None] * q.signs).ravel(), M)
        grad = np.real((coef / V) @ self.A)
        return float(chi_cp), float(chi_lca), grad


def chi_squares(problem: Problem, image) -> tuple[float, float]:
    """The reduced chi-squares ``(chi2_cp, chi2_lca)`` of an image (npix, npix), any flux units."""
    image = np.asarray(image, dtype=float)
    if image.shape != (problem.npix, problem.npix) or not np.isfinite(image).all():
        raise ValueError(f"image must be a finite array of shape {(problem.npix, problem.npix)}, got {image.shape}")
    chi_cp, chi_lca, _ = problem.data_terms(image.ravel())
    return chi_cp, chi_lca


def gaussian_image(npix: int = NPIX, fov_uas: float = FOV_UAS, fwhm_uas: float = 50.0, flux: float = 1.0) -> np.ndarray:
    """A centred circular Gaussian of total ``flux``, shape (npix, npix)."""
    east, north = pixel_coordinates(npix, fov_uas)
    g = np.exp(-0.5 * (east**2 + north**2) / (fwhm_uas / FWHM_PER_SIGMA) ** 2)
    return flux * g / g.sum()


def _regulariser(x: np.ndarray, p: np.ndarray, weights: dict, npix: int, flux: float) -> tuple[float, np.ndarray]:
    value, grad = 0.0, np.zeros_like(x)
    if weights.get("mem", 0):
        r = np.log(np.maximum(x, 1e-300) / p)  # x = 0 (an underflow) adds 0 log 0 = 0
        value += weights["mem"] * np.sum(x * r) / flux
        grad += weights["mem"] * (r + 1) / flux
    if weights.get("tv", 0) or weights.get("tv2", 0):
        img = x.reshape(npix, npix)
        dx = np.diff(img, axis=1, append=0.0)  # dark sky beyond the edge
        dy = np.diff(img, axis=0, append=0.0)
        if weights.get("tv", 0):
            eps = 1e-3 * flux / npix**2
            norm = np.sqrt(dx**2 + dy**2 + eps**2)
            value += weights["tv"] * np.sum(norm) / flux
            gx, gy = dx / norm, dy / norm
            g = -gx - gy
            g[:, 1:] += gx[:, :-1]
            g[1:, :] += gy[:-1, :]
            grad += weights["tv"] * g.ravel() / flux
        if weights.get("tv2", 0):
            scale = weights["tv2"] * npix**2 / flux**2
            value += scale * np.sum(dx**2 + dy**2)
            g = -2 * dx - 2 * dy
            g[:, 1:] += 2 * dx[:, :-1]
            g[1:, :] += 2 * dy[:-1, :]
            grad += scale * g.ravel()
    return value, grad


def _minimise(problem: Problem, x0: np.ndarray, extra, maxiter: int) -> tuple[np.ndarray, int]:
    """L-BFGS-B over s with x = flux softmax(s); ``extra(x) -> (value, grad_x)`` adds the priors."""
    flux = problem.flux

    def objective(s):
        e = np.exp(s - s.max())
        x = flux * e / e.sum()
        chi_cp, chi_lca, g = problem.data_terms(x)
        value, g_extra = extra(x)
        g = g + g_extra
        return chi_cp + chi_lca + value, x * (g - np.dot(x, g) / flux)

    with threadpool_limits(1):  # products of a few hundred rows: threads cost more than they give (8 times here)
        res = minimize(objective, np.log(np.maximum(x0, 1e-12 * flux)), jac=True, method="L-BFGS-B",
                       options={"maxiter": maxiter, "maxcor": 20})
    e = np.exp(res.x - res.x.max())
    return flux * e / e.sum(), int(res.nit)


def _fit(problem: Problem, x: np.ndarray, n_iter: int) -> Fit:
    chi_cp, chi_lca, _ = problem.data_terms(x)
    return Fit(x.reshape(problem.npix, problem.npix) * UNIT_JY, chi_cp, chi_lca, n_iter)


def _check_weights(weights) -> dict:
    weights = dict(REGULARISERS if weights is None else weights)
    unknown = set(weights) - set(REGULARISERS)
    if unknown:
        raise ValueError(f"weights: unknown regulariser(s) {sorted(unknown)}; the choices are {list(REGULARISERS)}")
    return {k: check_scalar(v, f"weights[{k!r}]", low=0.0) for k, v in weights.items()}


def rml(problem: Problem, weights=None, *, prior_fwhm_uas: float = 50.0, rounds: int = 3,
        maxiter: int = 300) -> Fit:
    """Regularised maximum likelihood: closure chi-squares plus ``mem``/``tv``/``tv2`` (eht-imaging's way).

    Parameters
    ----------
    problem : Problem
    weights : dict, optional
        Weights of ``REGULARISERS`` (default ``REGULARISERS``).
    prior_fwhm_uas : float, default 50
        The Gaussian that starts round 1 and is the maximum-entropy prior p.
    rounds : int, default 3
        Round r + 1 starts from round r's image blurred to the array's nominal resolution.
    maxiter : int, default 300
        L-BFGS-B iterations per round at most.

    Returns
    -------
    Fit
    """
    weights = _check_weights(weights)
    rounds = check_scalar(rounds, "rounds", int, low=1)
    maxiter = check_scalar(maxiter, "maxiter", int, low=1)
    prior_fwhm_uas = check_scalar(prior_fwhm_uas, "prior_fwhm_uas", low=0.0, low_inclusive=False)
    p = _prior_image(problem, prior_fwhm_uas)
    x, total = p.copy(), 0
    for r in range(rounds):
        if r:
            x = _blur(x, problem)
        x, n = _minimise(problem, x, lambda x: _regulariser(x, p, weights, problem.npix, problem.flux), maxiter)
        total += n
    return _fit(problem, x, total)


def _prior_image(problem: Problem, fwhm_uas: float) -> np.ndarray:
    """The maximum-entropy prior p (N,): a centred Gaussian of the total flux, floored at 1e-8 of its peak."""
    p = gaussian_image(problem.npix, problem.fov_uas, fwhm_uas, problem.flux).ravel()
    return np.maximum(p, 1e-8 * p.max())


def _blur(x: np.ndarray, problem: Problem) -> np.ndarray:
    img = blur(x.reshape(problem.npix, problem.npix), problem.resolution_uas, problem.fov_uas)
    img = np.maximum(img, 1e-8 * img.max())
    return (img * problem.flux / img.sum()).ravel()


def hqs(problem: Problem, prior: FullMixture, b: float = 1.0, gammas=HANDOUT_GAMMAS, *, start: Fit | None = None,
        stride: int = 2, maxiter: int = 100, weights=None, prior_fwhm_uas: float = 50.0) -> Fit:
    """Half-quadratic splitting with the EM-learned patch prior, the image step on closure quantities.

    Parameters
    ----------
    problem : Problem
    prior : FullMixture of dimension 64 (``priors.learn_prior``)
    b : float > 0, default 1
        The prior's weight: the patch term is ``(b gamma / n) sum_n ||P_n x - z_n||^2 / 2``.
    gammas : increasing sequence of float > 0, default the handout's 1, 4, ..., 512
    start : Fit, optional
        The starting image (default ``rml(problem)``).
    stride : int, default 2
        Patches every ``stride`` pixels (wrap-around), as notebook 06's ``Imager``.
    maxiter : int, default 100
        L-BFGS-B iterations per gamma at most.
    weights : dict, optional
        Regularisers kept beside the patch term (default none).
    prior_fwhm_uas : float, default 50
        The maximum-entropy prior's width, if ``weights`` has ``mem``.

    Returns
    -------
    Fit
    """
    prior = check_full_mixture(prior, PATCH**2)
    b = check_scalar(b, "b", low=0.0, low_inclusive=False)
    gammas = np.asarray(gammas, dtype=float)
    if gammas.ndim != 1 or gammas.size == 0 or not np.isfinite(gammas).all() or not (gammas > 0).all() \
            or (np.diff(gammas) < 0).any():
        raise ValueError(f"gammas must be a non-empty increasing sequence of numbers > 0, got {gammas!r}")
    weights = _check_weights({} if weights is None else weights)
    maxiter = check_scalar(maxiter, "maxiter", int, low=1)
    stride = check_scalar(stride, "stride", int, low=1)
    if PATCH % stride or problem.npix % stride:
        raise ValueError(f"stride must divide the patch side {PATCH} and npix {problem.npix}, got {stride}")
    prior_fwhm_uas = check_scalar(prior_fwhm_uas, "prior_fwhm_uas", low=0.0, low_inclusive=False)
    start = rml(problem) if start is None else start
    x = np.asarray(start.image, dtype=float).ravel() / UNIT_JY
    p = _prior_image(problem, prior_fwhm_uas)
    n = (problem.npix // stride) ** 2
    cover = (PATCH // stride) ** 2
    shape = (problem.npix, problem.npix)
    total = start.n_iter
    for gamma in gammas:
        agg = patch_targets(x.reshape(1, *shape), prior, gamma, PATCH, stride, soft=True).ravel()
        w = b * gamma / n

        def extra(x, agg=agg, w=w):
            value, grad = _regulariser(x, p, weights, problem.npix, problem.flux)
            # sum_n ||P_n x - z_n||^2 = cover |x|^2 - 2 x.agg + const
            return value + 0.5 * w * (cover * x @ x - 2 * x @ agg), grad + w * (cover * x - agg)

        x, it = _minimise(problem, x, extra, maxiter)
        total += it
    return _fit(problem, x, total)
