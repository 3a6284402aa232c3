"""Images from visibilities: the baselines a radio astronomer tries first, and HQS with the patch prior.

For one observation (forward matrix ``F``, noise ``sigma``; ``R = diag(sigma**2)``) an ``Imager``
prepares the closed-form solves once (``solvers``), then reconstructs any number of images, one
measurement ``y`` (2M,) at a time or a stack of them (k, 2M) at once (each step then runs on all k
images together: the large matrices are read once per step, not once per image):

* ``dirty``: ``F^T R^-1 y``, scaled by the factor that fits the data best;
* ``tikhonov``: ``argmin ||R^-1/2 (F x - y)||^2 + alpha g ||x||^2``;
* ``tsv``: ``argmin ||R^-1/2 (F x - y)||^2 + alpha g (TSV(x) + 1e-3 ||x||^2)``, TSV the total
  squared variation (eht-imaging's ``tv2``);
* ``hqs``: half-quadratic splitting with a Gaussian-mixture prior on the DC-removed 8 x 8 patches.
  For each gamma of the schedule: (1) each patch ``P_n x`` minus its mean ``m_n`` gets its most
  likely component ``c`` under the noisy prior ``N(mu_c, Lambda_c + I / gamma)`` and the Wiener
  estimate ``z_n = m_n + mu_c + Lambda_c (Lambda_c + I / gamma)^-1 (P_n x - m_n - mu_c)``; (2)
  ``(F^T R^-1 F + (beta gamma / N) sum_n P_n^T P_n) x = F^T R^-1 y + (beta gamma / N) sum_n P_n^T z_n``,
  where with wrap-around patches every ``stride``-th pixel (N of them),
  ``sum_n P_n^T P_n = (p / stride)^2 I``.

``g = trace(F^T R^-1 F) / N`` (the data's mean weight per pixel) makes ``alpha`` dimensionless,
so one grid of weights serves the full array and its subsets; the best weight in it still moves with
the array (tenfold for HQS without ALMA), so it is chosen on validation images for each
(``choose_weight``), and for the sparsest arrays it can sit at the grid's edge.

Introduced in ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ..core.mixture import FullMixture
from ..core.model_checks import check_full_mixture
from ..core.validation import check_matrix, check_scalar, check_values
from .full_em import log_joint_checked
from .patches import PATCH, aggregate_checked, check_p, check_stride, extract_checked
from .scores import nrmse, nxcorr
from .solvers import Ridge, Smooth

__all__ = ["HANDOUT_GAMMAS", "Imager", "wiener", "patch_targets", "choose_weight", "Choice"]

#: The handout's schedule for gamma.
HANDOUT_GAMMAS = (1, 4, 8, 16, 32, 64, 128, 256, 512)


def wiener(Z, prior: FullMixture, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """The HQS patch step: most likely component under ``N(mu_c, Lambda_c + I / gamma)``, then its Wiener estimate.

    Parameters
    ----------
    Z : array of shape (n, d)
        Noisy (DC-removed) patches.
    prior : FullMixture with K components of dimension d
    gamma : float > 0
        Precision of the patch noise.

    Returns
    -------
    estimates : array of shape (n, d)
        ``mu_c + Lambda_c (Lambda_c + I / gamma)^-1 (z - mu_c)`` for each patch's component c.
    labels : array of shape (n,) of int
    """
    Z = np.asarray(Z, dtype=float)
    prior = check_full_mixture(prior, Z.shape[1] if Z.ndim == 2 else -1)
    if Z.ndim != 2 or not np.isfinite(Z).all():
        raise ValueError(f"Z must be a finite 2-D array of shape (n, d), got shape {Z.shape}")
    return _wiener(Z, prior, check_scalar(gamma, "gamma", low=0.0, low_inclusive=False))


def _noisy(Z: np.ndarray, prior: FullMixture, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Each component's covariance under patch noise, ``Lambda_c + I / gamma`` (K, d, d), and each patch's
    log joint with each component under it (n, K)."""
    mu, cov, p = prior
    noisy = cov + np.eye(cov.shape[1]) / gamma
    return noisy, log_joint_checked(Z, FullMixture(mu, noisy, p))


def _wiener(Z: np.ndarray, prior: FullMixture, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    mu, cov, p = prior
    noisy, f = _noisy(Z, prior, gamma)
    labels = np.argmax(f, axis=1)
    out = np.empty_like(Z)
    for c in np.unique(labels):  # a loop over components, vectorised over their patches
        idx = labels == c
        t = np.linalg.solve(noisy[c], (Z[idx] - mu[c]).T)  # (Lambda_c + I / gamma)^-1 (z - mu_c), no inverse formed
        out[idx] = mu[c] + (cov[c] @ t).T
    return out, labels


def _wiener_mean(Z: np.ndarray, prior: FullMixture, gamma: float) -> np.ndarray:
    """The posterior mean of each patch under the mixture: ``sum_c r_nc (mu_c + Lambda_c (Lambda_c + I/gamma)^-1 (z - mu_c))``,
    ``r_nc`` the responsibilities under ``N(mu_c, Lambda_c + I / gamma)``. Unlike the most likely component's
    estimate, it moves continuously with z."""
    mu, cov, p = prior
    noisy, f = _noisy(Z, prior, gamma)
    r = np.exp(f - f.max(axis=1, keepdims=True))
    r /= r.sum(axis=1, keepdims=True)
    out = np.zeros_like(Z)
    for c in range(len(p)):  # a loop over components, vectorised over every patch
        t = np.linalg.solve(noisy[c], (Z - mu[c]).T)
        out += r[:, c:c + 1] * (mu[c] + (cov[c] @ t).T)
    return out


def patch_targets(images: np.ndarray, prior: FullMixture, gamma: float, p: int, stride: int,
                  soft: bool = False) -> np.ndarray:
    """HQS's patch step on a stack of checked images: ``sum_n P_n^T z_n`` with ``z_n = m_n + wiener(P_n x - m_n)``.

    Each patch minus its mean ``m_n`` gets its Wiener estimate under ``prior`` at precision ``gamma``
    (``wiener``: the most likely component's, as the handout and notebook 06 do; with ``soft``, the
    posterior mean over all components, which moves continuously with the image: notebook 08's
    non-linear image step needs that); the estimates, their means added back, are aggregated where
    they were taken.

    Parameters
    ----------
    images : array of shape (k, H, W)
    prior : FullMixture of dimension p**2 (checked)
    gamma : float > 0
    p, stride : int
        The patch layout (checked with ``patches.check_p`` and ``check_stride``).
    soft : bool, default False

    Returns
    -------
    array of shape (k, H, W)
    """
    Z = extract_checked(images, p, stride)  # every image's patches, one image after another
    means = Z.mean(axis=1, keepdims=True)
    Zc = _wiener_mean(Z - means, prior, gamma) if soft else _wiener(Z - means, prior, gamma)[0]
    return aggregate_checked(Zc + means, images.shape[1:], p, stride)


class Choice(NamedTuple):
    """A weight chosen on validation images: the best, and the mean nxcorr of every candidate."""

    best: float
    grid: np.ndarray
    scores: np.ndarray


def choose_weight(reconstruct: Callable, grid, truths, ys) -> Choice:
    """The weight in ``grid`` whose reconstructions ``reconstruct(Y, w)`` have the best mean nxcorr.

    Parameters
    ----------
    reconstruct : callable
        ``reconstruct(Y, weight) -> images``: called once per weight with the whole stack ``Y`` of
        measurements, shape (n, 2M), it returns the n images, shape (n, H, W), as every ``Imager``
        method does (a function of one measurement at a time does not fit: it gets the stack).
    grid : sequence of float
    truths : array of shape (n, H, W)
        Validation images (never the test images).
    ys : sequence of n arrays of shape (2M,), or an array of shape (n, 2M)
        Their measurements.

    Returns
    -------
    Choice
    """
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"grid must be a non-empty 1-D sequence of weights, got shape {grid.shape}")
    if len(truths) != len(ys) or len(truths) == 0:
        raise ValueError(f"truths and ys must be non-empty and of the same length, got {len(truths)} and {len(ys)}")
    Y = np.stack([np.asarray(y, dtype=float) for y in ys])
    scores = np.empty(len(grid))
    for i, w in enumerate(grid):
        images = np.asarray(reconstruct(Y, w))
        if images.shape != np.shape(truths):
            raise ValueError(f"reconstruct(Y, weight) must return one image per measurement, shape "
                             f"{np.shape(truths)}, got shape {images.shape}")
        scores[i] = np.mean([nxcorr(x, t) for x, t in zip(images, truths)])
    return Choice(float(grid[int(np.argmax(scores))]), grid, scores)


def _fixed(name: str, doc: str) -> property:
    """An ``Imager`` attribute set once, at construction: what it prepares (``W``, ``g``, the solvers,
    the patch layout) depends on it, so a later assignment is refused, saying how to change it."""

    def refuse(self, value):
        raise AttributeError(f"Imager.{name} is fixed when the Imager is made (its solvers and weights depend "
                             f"on it): make a new Imager(F, sigma, p=..., stride=...) instead")

    return property(lambda self: getattr(self, "_" + name), refuse, doc=doc)


class Imager:
    """Reconstructions for one observation.

    Parameters
    ----------
    F : array of shape (2M, N)
        Forward matrix (``vlbi.forward_matrix``), N = npix**2.
    sigma : array of shape (2M,)
        Noise standard deviation of each row (``vlbi.Measurement.sigma``).
    p : int, default 8
        Patch side for HQS.
    stride : int, default 2
        HQS takes the patches whose top-left corners are every ``stride``-th pixel in each direction
        (stride 1 is every overlapping patch, as in EPLL; 2 is four times faster and covers every
        pixel 16 times).

    Attributes
    ----------
    g : float
        ``trace(F^T R^-1 F) / N``, the unit of every weight.
    beta_unit : float
        ``g n / p**2`` with ``n = (npix / stride)**2`` patches: HQS's ``beta = b * beta_unit`` makes
        ``b`` a pure number, as ``alpha`` is.

    ``F``, ``sigma``, ``p`` and ``stride`` are read-only: assigning one raises ``AttributeError``.
    """

    F = _fixed("F", "array of shape (2M, N): the forward matrix")
    sigma = _fixed("sigma", "array of shape (2M,): the noise standard deviation of each row")
    p = _fixed("p", "int: the patch side for HQS")
    stride = _fixed("stride", "int: the step between HQS's patches")

    def __init__(self, F, sigma, p: int = PATCH, stride: int = 2):
        F = check_matrix(F, "F", hint="")  # a NaN or inf in the forward matrix would spread into every image
        sigma = check_values(sigma, "sigma", hint="")
        if sigma.shape != (F.shape[0],):
            raise ValueError(f"sigma must have one entry per row of F ({F.shape[0]}), got shape {sigma.shape}")
        if not (sigma > 0).all():
            raise ValueError("sigma must be > 0 everywhere")
        self.npix = int(round(np.sqrt(F.shape[1])))
        if self.npix**2 != F.shape[1]:
            raise ValueError(f"F must have npix**2 columns for a square image, got {F.shape[1]}")
        shape = (self.npix, self.npix)
        p = check_p(p, shape)
        self._F, self._sigma, self._p, self._stride = F, sigma, p, check_stride(stride, p, shape)
        self.W = F / sigma[:, None]
        self.g = float((self.W**2).sum() / F.shape[1])
        self.beta_unit = self.g * (self.npix // self._stride) ** 2 / p**2
        self.ridge = Ridge(self.W)
        self._smooth = None

    @property
    def smooth(self) -> Smooth:
        if self._smooth is None:  # prepared on first use: only TSV needs it
            self._smooth = Smooth(self.W, self.npix)
        return self._smooth

    def _check_y(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if y.ndim not in (1, 2) or y.shape[-1:] != self.sigma.shape or len(y) == 0 or not np.isfinite(y).all():
            raise ValueError(f"y must be a finite array of shape {self.sigma.shape}, or a stack of them "
                             f"(k, {len(self.sigma)}), got shape {y.shape}")
        return y

    def _image(self, x) -> np.ndarray:
        """Pixels (N,) or (k, N) as images (npix, npix) or (k, npix, npix)."""
        return x.reshape(*x.shape[:-1], self.npix, self.npix)

    def data_term(self, y) -> np.ndarray:
        """``F^T R^-1 y``, of shape (N,); (k, N) for a stack y (k, 2M)."""
        return (self._check_y(y) / self.sigma) @ self.W

    def dirty(self, y) -> np.ndarray:
        """The dirty image ``F^T R^-1 y``, scaled to fit the data best; shape (npix, npix), or (k, npix, npix).

        Where ``F^T R^-1 y`` is 0 (all-zero visibilities, or data the array cannot see), the best
        fit is the zero image (the scale would be 0 / 0).
        """
        b = self._check_y(y) / self.sigma
        d = b @ self.W
        Wd = d @ self.W.T
        num, den = np.sum(Wd * b, axis=-1, keepdims=True), np.sum(Wd * Wd, axis=-1, keepdims=True)
        scale = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        return self._image(d * scale)

    def tikhonov(self, y, alpha: float) -> np.ndarray:
        """Ridge regression with weight ``alpha * g`` (``alpha`` > 0); shape (npix, npix), or (k, npix, npix)."""
        alpha = check_scalar(alpha, "alpha", low=0.0, low_inclusive=False)
        return self._image(self.ridge.solve(self.data_term(y), alpha * self.g))

    def tsv(self, y, alpha: float) -> np.ndarray:
        """Total squared variation with weight ``alpha * g`` (``alpha`` > 0); shape (npix, npix), or (k, npix, npix)."""
        alpha = check_scalar(alpha, "alpha", low=0.0, low_inclusive=False)
        return self._image(self.smooth.solve(self.data_term(y), alpha * self.g))

    def hqs(self, y, prior: FullMixture, beta: float, gammas=HANDOUT_GAMMAS, *, steps: bool = False):
        """Half-quadratic splitting with the patch prior (see the module's docstring).

        Parameters
        ----------
        y : array of shape (2M,), or a stack (k, 2M)
            With a stack, the k images are reconstructed together: every patch of every image
            in one Wiener step, every image in one solve.
        prior : FullMixture of dimension p**2, learned on DC-removed patches
        beta : float > 0
            The handout's beta.
        gammas : sequence of non-decreasing floats > 0, default the handout's 1, 4, ..., 512
            In units of 1 / (image unit)^2: gamma = 1 lets a patch move by about one unit.
        steps : bool, default False
            Also return the starting image and the image after each gamma.

        Returns
        -------
        image : array of shape (npix, npix), or (k, npix, npix)
        start : array of the image's shape, only when ``steps``
        history : list of arrays of the image's shape, one per gamma, only when ``steps``
        """
        prior = check_full_mixture(prior, self.p**2)
        gammas = check_values(gammas, "gammas", hint="")
        if gammas.ndim != 1 or gammas.size == 0 or not (gammas > 0).all():
            raise ValueError(f"gammas must be a non-empty sequence of numbers > 0, got {gammas!r}")
        if (np.diff(gammas) < 0).any():  # a falling gamma loosens the coupling it has just tightened
            k = int(np.argmax(np.diff(gammas) < 0))
            raise ValueError(f"gammas must not decrease (HQS tightens the patch coupling step by step), but "
                             f"gammas[{k + 1}] = {gammas[k + 1]:g} < gammas[{k}] = {gammas[k]:g}")
        beta = check_scalar(beta, "beta", low=0.0, low_inclusive=False)
        r0 = self.data_term(y)
        N = (self.npix // self.stride) ** 2  # number of patches
        cover = (self.p // self.stride) ** 2  # sum_n P_n^T P_n = cover * I
        x = self.ridge.solve(r0, beta * gammas[0] * cover / N)  # start: every patch pulled to 0
        start, history = self._image(x), []
        shape = (self.npix, self.npix)
        for gamma in gammas:
            agg = patch_targets(x.reshape(-1, *shape), prior, gamma, self.p, self.stride)
            w = beta * gamma / N
            x = self.ridge.solve(r0 + w * agg.reshape(r0.shape), w * cover)
            history.append(self._image(x))
        return (self._image(x), start, history) if steps else self._image(x)

    @staticmethod
    def scores(image, truth) -> tuple[float, float]:
        """``(nxcorr, nrmse)`` of ``image`` against ``truth``."""
        return nxcorr(image, truth), nrmse(image, truth)
