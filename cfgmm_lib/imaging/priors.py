"""The two patch priors of notebook 06, learned by EM in one call (notebook 08 and the command line).

- ``"everyday"``: 8 x 8 patches of the pictures bundled with scikit-image (no ring among them);
- ``"black-hole"``: patches of synthetic rings and crescents (``synthetic.black_holes``).

Each is ``full_em.fit`` of K full-covariance Gaussians to ``n_patches`` DC-removed patches, stopped
at ``max_iter`` iterations as notebook 06 explains (its fits are the same for the same arguments).

Introduced in ``notebooks/06_black_hole_imaging.py``; used from ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

import warnings

from ..core.loop import NotConvergedWarning
from ..core.mixture import FullMixture
from ..core.validation import check_scalar, check_seed
from . import full_em, patches, synthetic

__all__ = ["PRIORS", "TRAIN_SEEDS", "learn_prior"]

PRIORS = ("everyday", "black-hole")
#: The synthetic black holes the black-hole prior learns from (notebook 06's).
TRAIN_SEEDS = range(0, 100)


def learn_prior(kind: str = "everyday", K: int = 20, n_patches: int = 5000, seed: int = 0,
                max_iter: int = 20) -> FullMixture:
    """EM's patch prior of the given kind.

    Parameters
    ----------
    kind : {"everyday", "black-hole"}
    K : int, default 20
    n_patches : int, default 5000
    seed : int, default 0
        Draws the patches and starts EM (``full_em.init``); the caller's generators are not touched.
    max_iter : int, default 20
        EM stops here if the handout's rule has not stopped it before (no warning: on purpose).

    Returns
    -------
    FullMixture with K components of dimension 64
    """
    if kind not in PRIORS:
        raise ValueError(f"kind must be one of {list(PRIORS)}, got {kind!r}")
    K = check_scalar(K, "K", int, low=1)
    n_patches = check_scalar(n_patches, "n_patches", int, low=K)
    seed = check_seed(seed)
    if kind == "everyday":
        X = patches.picture_patches(n_patches, seed=seed)
    else:
        X = patches.image_patches(list(synthetic.black_holes(TRAIN_SEEDS)), n_patches, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotConvergedWarning)
        return full_em.fit(X, K, seed, max_iter=max_iter).mixture
