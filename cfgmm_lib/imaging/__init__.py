"""The handout's last section: black-hole imaging with a Gaussian-mixture patch prior (notebooks 06 and 08).

One module per idea:

- ``full_em``: EM with full covariances (``estep``, ``mstep``, ``run``, as in the handout).
- ``vlbi``: the 2017 Event Horizon Telescope array, Earth-rotation (u, v) tracks for M87,
  the forward operator from a 64 x 64 image to visibilities, and SEFD-based thermal noise.
- ``synthetic``: ring and crescent images drawn from a seed.
- ``patches``: overlapping patch extraction and aggregation; training patches from
  synthetic black holes or from scikit-image's bundled pictures (no download).
- ``solvers``: the closed-form quadratic solves shared by the reconstructions.
- ``reconstruct``: the baselines (dirty image, Tikhonov, TSV), HQS with the patch prior,
  and the choice of weights on validation images.
- ``scores``: ``nxcorr`` (eht-imaging's normalised cross-correlation, best shift) and normalised RMSE.
- ``sources``: test sources that are not rings (disk, double, crescent with jet), the fixed ring template.
- ``priors``: notebook 06's two patch priors learned in one call.

The real data (notebook 08):

- ``eht_data``: the EHT's 2017 M87 files (uvfits, csv), scan averaging and the systematic error.
- ``closure``: minimal sets of closure phases and log closure amplitudes, with their errors.
- ``simulate``: any image observed with a real file's coverage, noise and random station errors.
- ``closure_imager``: images from closure quantities (maximum entropy + TV; HQS with the patch prior).
- ``pipeline``: the settings from a file to an image; ``cli`` (``python -m cfgmm_lib.imaging``).
- ``rings``: the ring's diameter, width and position angle (REx); ``fits_io``: FITS images.
- ``m87_figures``: notebook 08's figures and explorer.
"""
