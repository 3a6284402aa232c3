"""Overlapping p x p patches of an image, and training patches for the prior.

``extract`` is the handout's ``z_n = P_n x`` for every pixel n at once: the patch whose
top-left corner is pixel n, wrapping around the image's edges, so that every pixel lies in
exactly ``p**2`` patches and ``sum_n P_n^T P_n = p**2 I`` (the image's border is dark sky, so
wrapping joins dark to dark). ``aggregate`` is ``sum_n P_n^T z_n``, its transpose.

Training patches come either from synthetic black holes (``synthetic``) or from the pictures
that ship inside scikit-image's wheel (galaxies, the Moon, coins, everyday photographs), so
nothing is downloaded at run time.

Introduced in ``notebooks/06_black_hole_imaging.py``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..core.validation import check_matrix, check_scalar, check_seed

__all__ = ["extract", "aggregate", "remove_dc", "PICTURES", "pictures", "picture_patches", "image_patches", "PATCH"]

#: The handout's patch side: 8 x 8 patches, 64 numbers each.
PATCH = 8

#: scikit-image's bundled pictures used for the "everyday and celestial" prior.
PICTURES = ("hubble_deep_field", "moon", "coins", "camera", "astronaut", "coffee", "rocket", "page")


def check_p(p, shape) -> int:
    """A patch side: an integer between 1 and the image's smaller side."""
    return check_scalar(p, "p", int, low=1, high=min(shape))


def check_stride(stride, p: int, shape) -> int:
    """A stride: a positive integer dividing the patch side ``p`` and both sides of the image."""
    stride = check_scalar(stride, "stride", int, low=1)
    if p % stride or shape[0] % stride or shape[1] % stride:
        raise ValueError(f"stride must be a positive integer dividing the patch side {p} and the image's sides "
                         f"{tuple(shape)}, got {stride!r}")
    return stride


def extract(image, p: int = PATCH, stride: int = 1) -> np.ndarray:
    """All ``p x p`` patches of ``image`` with wrap-around, one per ``stride``-th pixel (their top-left corners).

    Parameters
    ----------
    image : array of shape (H, W)
    p : int, default 8
    stride : int, default 1
        Must divide ``p``, ``H`` and ``W``; every pixel then lies in exactly ``(p / stride)**2`` patches.

    Returns
    -------
    array of shape (H * W / stride**2, p * p)
        Row ``i * (W / stride) + j`` is the patch with top-left pixel (stride i, stride j), flattened row by row.
    """
    image = check_matrix(image, "image")
    p = check_p(p, image.shape)
    stride = check_stride(stride, p, image.shape)
    return extract_checked(image[None], p, stride)


def extract_checked(images: np.ndarray, p: int, stride: int) -> np.ndarray:
    """``extract`` of a stack of images (k, H, W): the k images' patches one after another, (k H W / stride**2, p p)."""
    padded = np.pad(images, ((0, 0), (0, p - 1), (0, p - 1)), mode="wrap")
    windows = sliding_window_view(padded, (p, p), axis=(1, 2))[:, ::stride, ::stride]
    return windows.reshape(-1, p * p)


def aggregate(patches, shape, p: int = PATCH, stride: int = 1) -> np.ndarray:
    """``sum_n P_n^T z_n``: every patch added back where ``extract`` took it from.

    Parameters
    ----------
    patches : array of shape (H * W / stride**2, p * p)
    shape : (H, W)
    p : int, default 8
    stride : int, default 1

    Returns
    -------
    array of shape (H, W)
        ``aggregate(extract(x, p, stride), x.shape, p, stride) == (p / stride)**2 * x``.
    """
    patches = check_matrix(patches, "patches")
    H, W = shape
    p = check_p(p, shape)
    stride = check_stride(stride, p, shape)
    h, w = H // stride, W // stride
    if patches.shape != (h * w, p * p):
        raise ValueError(f"patches must have shape (H * W / stride**2, p * p) = {(h * w, p * p)}, got {patches.shape}")
    return aggregate_checked(patches, (H, W), p, stride)[0]


def aggregate_checked(patches: np.ndarray, shape, p: int, stride: int) -> np.ndarray:
    """``aggregate`` of the patches of a stack of images (as ``extract_checked`` gives them): shape (k, H, W)."""
    H, W = shape
    h, w = H // stride, W // stride
    z = patches.reshape(-1, h, w, p, p)
    out = np.zeros((len(z), H, W))
    for a in range(p):  # a loop over the p*p positions inside a patch, each vectorised over all patches
        for b in range(p):
            out[:, a % stride::stride, b % stride::stride] += np.roll(z[:, :, :, a, b], (a // stride, b // stride),
                                                                      axis=(1, 2))
    return out


def remove_dc(patches) -> tuple[np.ndarray, np.ndarray]:
    """Each patch minus its own mean (its DC level), and those means.

    Parameters
    ----------
    patches : array of shape (n, d)

    Returns
    -------
    centred : array of shape (n, d)
    means : array of shape (n,)
    """
    patches = check_matrix(patches, "patches")
    means = patches.mean(axis=1)
    return patches - means[:, None], means


def _grey(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3:
        image = image[..., :3] @ np.array([0.2125, 0.7154, 0.0721])
    return image / image.max()


def pictures(shrink: int = 4) -> dict[str, np.ndarray]:
    """scikit-image's bundled pictures in grey levels 0..1, each shrunk ``shrink`` times by block means.

    Shrinking brings their structures to the scale of the black holes' 2.5 micro-arcsecond pixels
    (a few pixels wide); a photograph at full size is almost flat inside 8 x 8 patches.

    Returns
    -------
    dict of name to array of shape (H, W)
    """
    from skimage import data

    shrink = check_scalar(shrink, "shrink", int, low=1)
    out = {}
    for name in PICTURES:
        img = _grey(getattr(data, name)())
        H, W = (s // shrink * shrink for s in img.shape)
        out[name] = img[:H, :W].reshape(H // shrink, shrink, W // shrink, shrink).mean(axis=(1, 3))
    return out


def image_patches(images, n: int, seed: int, p: int = PATCH) -> np.ndarray:
    """``n`` patches drawn at random positions (no wrap), in equal shares from each image, DC removed.

    Parameters
    ----------
    images : sequence of arrays of shape (H_i, W_i)
    n : int
    seed : int
        Seeds ``np.random.default_rng``; the caller's generators are not touched.
    p : int, default 8

    Returns
    -------
    array of shape (n, p * p)
    """
    n = check_scalar(n, "n", int, low=1)
    images = [check_matrix(img, "images[i]") for img in images]
    if not images:
        raise ValueError("images must hold at least one image")
    rng = np.random.default_rng(check_seed(seed))
    shares = np.diff(np.linspace(0, n, len(images) + 1).round().astype(int))
    out = []
    for img, m in zip(images, shares):  # a loop over pictures; the patches of each are cut at once
        windows = sliding_window_view(img, (check_p(p, img.shape), p))
        rows = rng.integers(0, windows.shape[0], m)
        cols = rng.integers(0, windows.shape[1], m)
        out.append(windows[rows, cols].reshape(m, p * p))
    return remove_dc(np.concatenate(out))[0]


def picture_patches(n: int, seed: int = 0, p: int = PATCH, shrink: int = 4) -> np.ndarray:
    """``n`` DC-removed patches from scikit-image's bundled pictures (``PICTURES``): the everyday prior's data.

    Returns
    -------
    array of shape (n, p * p)
    """
    return image_patches(list(pictures(shrink).values()), n, seed, p)
