"""The handout's last section: black-hole imaging with a Gaussian-mixture patch prior (notebook 06).

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
- ``scores``: ``nxcorr`` (normalised cross-correlation, best shift) and normalised RMSE.
"""
