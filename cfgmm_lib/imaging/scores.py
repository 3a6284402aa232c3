"""How close is a reconstruction to the truth?

``nxcorr`` is eht-imaging's normalised cross-correlation, exactly as ``Image.compare_images``
computes it: each H x W image is resampled onto a square field twice as wide (2n x 2n pixels, n = max(H, W), zero outside
the image) by eht-imaging's ``regrid_image`` (bilinear interpolation from a grid whose end pixels
sit on the field's edges, so the copy is very slightly stretched and smoothed), standardised over
that padded field (mean 0, standard deviation 1), and the largest circular cross-correlation over
all relative shifts, divided by the number of padded pixels, is the score. Two unrelated pictures
score about 0; the same picture (at any flux scale) scores 1, and a shifted copy just under 1
(0.99998 for a ring moved by 5 pixels: the resampling blurs the two copies differently). A
constant added to an image changes its score: padded with zeros, the constant is a bright square.
``nrmse`` is
``||x - truth|| / ||truth||``, with no shift: it also sees errors of position and of flux.

Introduced in ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import RectBivariateSpline

from ..core.validation import check_matrix

__all__ = ["nxcorr", "nrmse"]


def _pair(image, truth) -> tuple[np.ndarray, np.ndarray]:
    image, truth = check_matrix(image, "image"), check_matrix(truth, "truth")
    if image.shape != truth.shape:
        raise ValueError(f"image and truth must have the same shape, got {image.shape} and {truth.shape}")
    return image, truth


def nxcorr(image, truth) -> float:
    """Normalised cross-correlation, maximised over shifts.

    Parameters
    ----------
    image, truth : arrays of shape (H, W)

    Returns
    -------
    float in [-1, 1]; 0 when either image is all zeros (a constant image is still a picture:
    padded, it is a square).
    """
    image, truth = _pair(image, truth)
    a, b = _padded(image), _padded(truth)
    sa, sb = a.std(), b.std()
    if sa == 0 or sb == 0:
        return 0.0
    a, b = (a - a.mean()) / sa, (b - b.mean()) / sb
    corr = np.fft.irfft2(np.fft.rfft2(a) * np.conj(np.fft.rfft2(b)), a.shape)
    return float(np.clip(corr.max() / a.size, -1.0, 1.0))  # rounding can take nxcorr(x, x) past 1


def _padded(image: np.ndarray) -> np.ndarray:
    """eht-imaging's ``regrid_image(2 fov, 2 npix)``, in pixel units: bilinear, zero outside the field."""
    H, W = image.shape
    n = max(H, W)  # a square field twice the larger side
    rows, cols = np.linspace(-H / 2, H / 2, H), np.linspace(-W / 2, W / 2, W)
    trows = tcols = np.linspace(-n, n, 2 * n)
    out = RectBivariateSpline(rows, cols, image, kx=1, ky=1)(trows, tcols)
    out[np.abs(trows) > H / 2, :] = 0.0
    out[:, np.abs(tcols) > W / 2] = 0.0
    return out


def nrmse(image, truth) -> float:
    """``||image - truth|| / ||truth||`` (Frobenius norms)."""
    image, truth = _pair(image, truth)
    norm = np.linalg.norm(truth)
    if norm == 0:
        raise ValueError("truth must not be all zeros (its norm divides the error)")
    return float(np.linalg.norm(image - truth) / norm)
