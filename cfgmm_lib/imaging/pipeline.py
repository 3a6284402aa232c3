"""From an EHT data file to an image of M87*: the settings of notebook 08, the command line and the benchmark.

1. the error budget, the EHT eht-imaging pipeline's (``eht_data``): the intra-site baselines scaled
   to the compact flux, scan averaging, 2 % systematic error;
2. the closure quantities (``closure``; the closure phases without the intra-site baselines) and a
   maximum-entropy + total-variation image
   (``closure_imager.rml``, eht-imaging's way: rounds restarted from the blurred last image);
3. with a patch prior, HQS from that image (``closure_imager.hqs``, the prior's weight ``b``).

The total flux is fixed at 0.6 Jy, the field is 64 x 64 pixels of 2.5 micro-arcseconds.

Introduced in ``notebooks/08_real_m87.py``.
"""

from __future__ import annotations

from ..core.mixture import FullMixture
from ..core.validation import check_scalar, check_seed
from . import closure_imager as ci
from . import eht_data as ed
from .priors import PRIORS, learn_prior
from .synthetic import FOV_UAS

__all__ = ["PRIOR_WEIGHT", "RML_WEIGHTS", "CHOICES", "prepare", "reconstruct"]

#: The patch prior's weight b, and the maximum-entropy and total-variation weights of the baseline
#: (and of HQS's starting image). Chosen on synthetic sources, never on M87
#: (``benchmarks/tune_m87.py`` prints the table): four rings and two non-rings (a double source, a
#: crescent with a jet), each observed with one real file's coverage, sigmas and random station
#: errors, scored by the mean nxcorr with the truth. The baseline's (mem, tv) in {(0.1, 0.1),
#: (0.3, 0.3), (1, 1), (0.3, 1), (1, 0.3)}; then HQS with the everyday prior, b in {0.01, 0.03, 0.1,
#: 0.3}; b near 0 (the prior switched off, the regularisers dropped) shows what the prior does.
PRIOR_WEIGHT = 0.03
RML_WEIGHTS = ci.REGULARISERS
#: What ``reconstruct`` takes as ``prior``.
CHOICES = ("none",) + PRIORS


def prepare(obs: ed.Observation) -> ed.Observation:
    """The error budget: ``add_systematic(scan_average(rescale_zero_baselines(obs)))``."""
    return ed.add_systematic(ed.scan_average(ed.rescale_zero_baselines(obs, ci.FLUX_JY)))


def reconstruct(obs, prior="everyday", *, b: float = PRIOR_WEIGHT, seed: int = 0,
                fov_uas: float = FOV_UAS, prepared: bool = False, start: ci.Fit | None = None):
    """Image one observation.

    Parameters
    ----------
    obs : Observation or closure_imager.Problem
        An Observation as read (``prepared=False``) or already through ``prepare``; or the Problem an
        earlier call returned (its closure quantities and Fourier matrix are reused, not rebuilt).
    prior : {"none", "everyday", "black-hole"} or FullMixture, default "everyday"
        "none" is the maximum-entropy + total-variation baseline alone; a name learns that prior
        (``priors.learn_prior(kind, seed=seed)``); a FullMixture is used as it is.
    b : float, default ``PRIOR_WEIGHT``
    seed : int, default 0
        The prior's seed (patches and EM's start); the imaging itself draws nothing.
    fov_uas : float, default 160
    start : Fit, optional
        The baseline's image, if already made (HQS starts from it).

    Returns
    -------
    problem : closure_imager.Problem
    fit : closure_imager.Fit
    """
    if isinstance(prior, str) and prior not in CHOICES:
        raise ValueError(f"prior must be one of {list(CHOICES)} or a FullMixture, got {prior!r}")
    if not isinstance(prior, (str, FullMixture)):
        raise TypeError(f"prior must be one of {list(CHOICES)} or a FullMixture, got {type(prior).__name__}")
    seed = check_seed(seed)
    b = check_scalar(b, "b", low=0.0, low_inclusive=False)
    if isinstance(obs, ci.Problem):
        problem = obs
    else:
        problem = ci.Problem(obs if prepared else prepare(obs), fov_uas=fov_uas)
    baseline = start if start is not None else ci.rml(problem, RML_WEIGHTS)
    if isinstance(prior, str) and prior == "none":
        return problem, baseline
    mixture = learn_prior(prior, seed=seed) if isinstance(prior, str) else prior
    return problem, ci.hqs(problem, mixture, b, start=baseline)
