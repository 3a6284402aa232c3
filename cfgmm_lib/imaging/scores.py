"""How close is a reconstruction to the truth?

``nxcorr`` is eht-imaging's normalised cross-correlation: both images standardised (mean 0,
standard deviation 1), then the largest correlation over all relative shifts (zero-padded, so
nothing wraps around): 1 for the same picture anywhere in the field. ``nrmse`` is
``||x - truth|| / ||truth||``, with no shift: it also sees errors of position and of flux.

Introduced in ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

import numpy as np

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
    float in [-1, 1]; 0 when either image is constant.
    """
    image, truth = _pair(image, truth)
    a, b = image - image.mean(), truth - truth.mean()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    shape = [2 * s for s in a.shape]
    corr = np.fft.irfft2(np.fft.rfft2(a, shape) * np.conj(np.fft.rfft2(b, shape)), shape)
    return float(corr.max() / (na * nb))


def nrmse(image, truth) -> float:
    """``||image - truth|| / ||truth||`` (Frobenius norms)."""
    image, truth = _pair(image, truth)
    norm = np.linalg.norm(truth)
    if norm == 0:
        raise ValueError("truth must not be all zeros (its norm divides the error)")
    return float(np.linalg.norm(image - truth) / norm)
