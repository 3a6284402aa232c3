# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# 06 · Black-hole imaging with a Gaussian-mixture patch prior. Parameters: change them and run all cells.
HOURS = 12                              # length of the night's observation, in hours
STATIONS = ["ALMA", "APEX", "JCMT", "LMT", "PV", "SMA", "SMT", "SPT"]  # the EHT 2017 array
K, SEED = 20, 0                         # the prior's number of components and EM's init seed
N_PATCHES = 5000                        # 8 x 8 training patches per prior
MAX_ITER = 20                           # EM iterations at most (the handout's rule would take about 50 and 180 here)
TRAIN_SEEDS = range(0, 100)             # synthetic black holes the prior learns from ...
VALIDATION_SEEDS = range(1000, 1010)    # ... the weights are chosen on ...
TEST_SEEDS = range(2000, 2020)          # ... and the scores are measured on (never seen before)
BEYOND_SEEDS = {"disk": range(3000, 3004), "double source": range(3100, 3104),  # test sources that are
                "crescent with jet": range(3200, 3204)}                         # not of the training family
ALPHAS = [10.0**e for e in range(-4, 1)]     # Tikhonov and TSV weights tried (times g, see below)
BETAS = [1e-4, 3e-4, 1e-3, 3e-3]             # HQS weights tried (times g N / p^2, see below)
BLUR_UAS = 20.0                         # the reference: the truth blurred to about the array's resolution

# %% [markdown]
# # 06 · The handout's last section: imaging a black hole with EM
#
# The handout ends with "An Application of the EM algorithm: Black Hole Imaging", after
# Katherine Bouman's work. The EM you wrote in notebook 02 learns what small pieces of images
# look like; that knowledge then fills the gaps of a telescope the size of the Earth, which
# measures only a few hundred Fourier coefficients of a 4096-pixel picture.
#
# By the end you will be able to:
# 1. say what a very-long-baseline interferometer (VLBI) measures, and draw its (u, v) coverage;
# 2. fit a Gaussian mixture with **full** covariances to image patches, and read its components;
# 3. run half-quadratic splitting (HQS) with that prior, one gamma at a time;
# 4. compare it fairly with the baselines a radio astronomer would try first, with weights chosen
#    on validation images and scores measured on unseen test images, some of them not rings, beside
#    two references that use no method: a fixed ring (no data) and the truth blurred to the array's
#    resolution;
# 5. name the handout's slips in this section, and their corrections.
#
# Nothing here needs the course files: the images are synthetic and the training pictures ship
# inside scikit-image.

# %%
# %matplotlib inline
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from cfgmm_lib.common import NotConvergedWarning
from cfgmm_lib.imaging import full_em, patches, sources, synthetic, vlbi
from cfgmm_lib.imaging import figures as fg
from cfgmm_lib.imaging.reconstruct import HANDOUT_GAMMAS, Imager, choose_weight, wiener
from cfgmm_lib.imaging.scores import nrmse, nxcorr

# The matrices here are small (64 x 64 covariances, a few thousand patches): one BLAS thread does them
# faster than two, and on a shared or busy machine a second thread fighting for a core can make every
# step ten times slower.
threadpool_limits(1)
T_START = time.perf_counter()

# %% [markdown]
# ## 1 · The measurement
#
# Each pair of stations $(i, j)$ measures one complex **visibility** at a time: the Fourier
# transform of the sky image $I$ at the spatial frequency $(u, v)$, the baseline $r_i - r_j$
# projected on the sky and counted in wavelengths (1.3 mm at 230 GHz):
#
# $$V(u, v) = \sum_{\text{pixels}} I(l, m)\, e^{+2\pi i (u l + v m)} ,$$
#
# with $(u, v)$ from $r_i - r_j$, $i$ the first station of the pair as the data list it: the sign
# of the EHT's data and of eht-imaging (with the other sign, an image of real data comes out
# rotated by 180 degrees).
# As the Earth turns, each baseline's $(u, v)$ point draws an arc (Earth-rotation synthesis). A
# station takes part while M87 (declination $+12.391^\circ$) is more than $10^\circ$ above its
# horizon. Stacking the real and imaginary parts, the measurement is linear:
# $y = F x + \text{noise}$, with $x$ the $64 \times 64$ image (a 160 micro-arcsecond field,
# 2.5 µas pixels) and noise covariance $R = \mathrm{diag}(\sigma^2)$.
#
# **Noise.** Each baseline has its own thermal noise, from the stations' system equivalent flux
# densities (SEFD; the radiometer equation, 0.88 being the 2-bit quantisation efficiency, as in
# eht-imaging). That is the noise of one polarisation product (RR or LL); the total intensity
# (Stokes I) is their average, so its noise is $\sqrt 2$ smaller:
# $\sigma_{ij} = \sqrt{\mathrm{SEFD}_i\,\mathrm{SEFD}_j} / \big(0.88 \sqrt{2\, \Delta\nu\, t}\big) / \sqrt 2$.
# We assume a bandwidth $\Delta\nu$ = 2 GHz and $t$ = 10 s per visibility, one visibility per
# baseline every 10 minutes. The images carry M87's compact flux, 0.6 Jy.
#
# **Units.** A pixel unit is 4 mJy, so the ring's brightest pixels are of order 1, like the grey
# levels 0..1 of a photograph. That is why the handout's gamma schedule is used unchanged below:
# gamma is the precision of a patch's noise in these units, so gamma = 1 lets a patch move by
# about the ring's peak, and gamma = 512 by 0.04 of it.

# %%
print(f"{'station':<6} {'x (m)':>14} {'y (m)':>14} {'z (m)':>14} {'SEFD (Jy)':>10} {'max elevation':>14}")
for name, (x, y, z) in vlbi.STATIONS.items():
    top = vlbi.elevation(name, np.linspace(0, 24, 289)).max()
    print(f"{name:<6} {x:>14.1f} {y:>14.1f} {z:>14.1f} {vlbi.SEFD[name]:>10.0f} {top:>13.1f}°")

coverage = vlbi.coverage(STATIONS, hours=HOURS)
F = vlbi.forward_matrix(coverage)
sigma_jy = vlbi.thermal_sigma(coverage)
short = {pair: np.hypot(coverage.u, coverage.v)[(coverage.station1 == pair[0]) & (coverage.station2 == pair[1])]
         for pair in [("ALMA", "APEX"), ("JCMT", "SMA")]}
for (a, b), lengths in short.items():
    print(f"{a}-{b}: {lengths.max() / 1e6:.2f} million wavelengths at most")
pair = np.array([f"{a}-{b}" for a, b in zip(coverage.station1, coverage.station2)])
others = ~np.isin(pair, ["ALMA-APEX", "JCMT-SMA"])
print(f"shortest of the other baselines: {np.hypot(coverage.u, coverage.v)[others].min() / 1e9:.2f} billion wavelengths")
print(f"{len(coverage.u)} visibilities over {HOURS} h; longest baseline {np.hypot(coverage.u, coverage.v).max() / 1e9:.2f} "
      f"billion wavelengths, a resolution of about {1 / np.hypot(coverage.u, coverage.v).max() / vlbi.UAS:.0f} µas")

# %% [markdown]
# **What to see.** SPT, at the South Pole, never sees M87 (it stays 12° below the horizon), so it
# adds nothing to this observation. The co-located pairs ALMA-APEX and JCMT-SMA give baselines of at
# most a few million wavelengths, hundreds to thousands of times shorter than any other (printed
# above): they see a 40 µas ring as a point, so they measure its **total flux**. We keep them: the
# total flux is exactly what the patch prior below leaves to the data (it removes each patch's
# mean). With any third station, the two of a pair draw the same track: the more sensitive baseline
# is drawn on top (ALMA's over APEX's, SMA's over JCMT's), and each baseline keeps its colour in the
# array explorer below, so the tracks a station brings are the ones that change colour or vanish
# when it leaves.

# %%
truths_val = synthetic.black_holes(VALIDATION_SEEDS)
truths_test = synthetic.black_holes(TEST_SEEDS)


def measure(truths, seeds, F, sigma_jy):
    """Each image observed through F, with thermal noise sigma_jy drawn from the seed 10000 + its own."""
    return [vlbi.observe(t, F, sigma_jy, seed=10_000 + s).y for t, s in zip(truths, seeds)]


ys_val = measure(truths_val, VALIDATION_SEEDS, F, sigma_jy)
ys_test = measure(truths_test, TEST_SEEDS, F, sigma_jy)
sigma = vlbi.observe(truths_test[0], F, sigma_jy, seed=0).sigma
imager = Imager(F, sigma)
V = F @ truths_test[0].ravel()
snr = np.hypot(V[: len(coverage.u)], V[len(coverage.u):]) / sigma[: len(coverage.u)]
print(f"signal-to-noise ratio of the visibilities of test image 0: median {np.median(snr):.0f}, "
      f"lowest {snr.min():.1f}, highest {snr.max():.0f}")
fg.measurement_figure(coverage, truths_test[0], imager.dirty(ys_test[0]),
                      caption=f"{HOURS} h of M87, {len(set(coverage.station1) | set(coverage.station2))} stations seeing it")

# %% [markdown]
# **What to see.** Left: the (u, v) points (and their mirror images, since the image is real),
# one colour per baseline: large holes everywhere. Right: the **dirty image** $F^T R^{-1} y$
# (scaled to fit the data): the sidelobes that the holes create swamp the ring, which you would
# not guess from this picture.
# The data alone cannot fill the holes: there are 4096 pixels and only twice as many numbers as
# visibilities (printed above). Something must say what images look like.

# %% [markdown]
# ## 2 · The handout's model, and its slips
#
# Cut the image into overlapping $p \times p$ patches $z_n = P_n x$ ($p = 8$; $P_n$ picks patch
# $n$). The prior says each patch comes from a mixture of Gaussians with **full** covariances:
#
# $$p(z) = \sum_{c=1}^{K} \pi_c\, \mathcal N(z; \mu_c, \Lambda_c), \qquad
# \mathcal N(z; \mu_c, \Lambda_c) = \frac{1}{(2\pi)^{d/2} |\Lambda_c|^{1/2}}
# \exp\!\Big(-\tfrac12 (z - \mu_c)^T \Lambda_c^{-1} (z - \mu_c)\Big).$$
#
# The handout's text of this section has slips; here each is beside its correction. (We write
# $\mathcal R(x)$ for the regulariser: $R$ is the noise covariance here.)
#
# | where | the handout writes | corrected |
# | --- | --- | --- |
# | the density | an exponent without its minus sign and with $\Lambda^{-1}$ for $\Lambda_c^{-1}$, and $\lvert\Lambda\rvert$ without the index $c$ in the normaliser | $\exp(-\tfrac12 (z-\mu_c)^T\Lambda_c^{-1}(z-\mu_c)) / ((2\pi)^{d/2}\lvert\Lambda_c\rvert^{1/2})$ |
# | a posterior | an implication arrow, $\Rightarrow$ | "proportional to", $\propto$: equal up to a factor that does not depend on the unknown, e.g. $p(c \mid z_n) \propto \pi_c \mathcal N(z_n; \mu_c, \Lambda_c)$, $p(x \mid y) \propto p(y \mid x)\, p(x)$ |
# | the M-step | the mean as $\mu_x$ | $\mu_c = \sum_n p(c \mid z_n)\, z_n / \sum_n p(c \mid z_n)$ |
# | the objective | $+\beta \mathcal R(x)$ kept once $\mathcal R$ is a penalty (a cost) | a penalty is added to what is minimised, subtracted from what is maximised: $\hat x = \arg\min_x \tfrac12 (y - Fx)^T R^{-1} (y - Fx) + \beta \mathcal R(x)$, $\mathcal R(x) = -\tfrac1N \sum_n \log p(P_n x)$ |
# | gamma's power | $\gamma$ where $\gamma^{-1}$ belongs | $\gamma^{-1} = 1/\gamma$: gamma is the *precision* of the tie between a patch and its copy (its weight $\beta\gamma/N$ grows with gamma), so the patch noise's variance is $1/\gamma$, as in $\Lambda_c + I/\gamma$ |
# | the component chosen | $\arg\max_c \pi_c \mathcal N(P_n x; \mu_c, \Lambda_c)$ | $\arg\max_c \pi_c \mathcal N(P_n x; \mu_c, \Lambda_c + I/\gamma)$: $P_n x$ is a clean patch plus noise of variance $1/\gamma$, and under component $c$ that sum has covariance $\Lambda_c + I/\gamma$ (EPLL's rule). With $\Lambda_c$ alone, the dark-sky components, at the covariance floor, call the slightest ripple impossible and are never chosen (section 6 counts it) |
# | the Wiener filter | $\Lambda_c(\Lambda_c + I/\gamma)$ with the inverse missing | $z_n = \mu_c + \Lambda_c (\Lambda_c + I/\gamma)^{-1} (P_n x - \mu_c)$ |
# | the closed form | the left-hand side repeated where the right-hand side belongs | $\big(F^T R^{-1} F + \tfrac{\beta\gamma}{N} \sum_n P_n^T P_n\big) x = F^T R^{-1} y + \tfrac{\beta\gamma}{N} \sum_n P_n^T z_n$ |
# | the regulariser | its sum over patches written twice | $\tfrac{\beta\gamma}{N} \sum_n P_n^T P_n$, one sum |
# | the weight | $\beta = 1/2$ | a weight tuned on validation images (section 5): $\beta$ is measured against the data term, whose size depends on the units and the noise, so no one number serves every observation. Taken literally here, $\beta = 1/2$ leaves the prior almost no say (section 5 prints its score) |
#
# **EM with full covariances** is notebook 02's EM with $\sigma_j^2 I$ replaced by $\Lambda_c$:
# the E-step computes $p(c \mid z_n) \propto \pi_c \mathcal N(z_n; \mu_c, \Lambda_c)$ in the log
# domain, with the Cholesky factor $\Lambda_c = L_c L_c^T$ (the quadratic form is
# $\lVert L_c^{-1}(z_n - \mu_c)\rVert^2$, a linear solve with $L_c$, no inverse formed; $\log\lvert\Lambda_c\rvert = 2 \sum \log
# \mathrm{diag}\, L_c$); the M-step sets $n_c = \sum_n p(c\mid z_n)$, $\pi_c = n_c / n$, the mean above, and
# $\Lambda_c = \sum_n p(c \mid z_n)(z_n - \mu_c)(z_n - \mu_c)^T / n_c + 10^{-6} I$, the small floor
# keeping every covariance invertible (a flat patch would otherwise collapse a component).
#
# **Removing each patch's mean (DC).** As in EPLL (Zoran and Weiss, 2011) and CHIRP (Bouman et
# al., 2016), the prior sees $z_n - \bar z_n$: a patch's mean brightness says how bright the
# source is there, not what shape it has. Without it the mixture would spend components on
# brightness levels; with it, it learns edges and curves, which is what can carry over from
# photographs to black holes. The means are put back after the Wiener step, and the total flux
# is left to the data (the short baselines above).

# %% [markdown]
# ## 3 · EM learns the patch prior
#
# Two priors, from the same EM:
# - **black-hole prior**: patches of synthetic rings and crescents (radius, width, brightness
#   asymmetry, orientation and offset drawn from each image's seed; training, validation and test
#   seeds never overlap);
# - **everyday prior**: patches of the pictures bundled with scikit-image (the Hubble deep field,
#   the Moon, coins, a camera man, an astronaut, coffee, a rocket, a page of text), shrunk four
#   times so their structures are a few pixels wide: the handout's "other planets, galaxies ...
#   and even daily life pictures".
#
# First the slow way, one patch and one component at a time, beside the library's vectorised
# E-step:

# %%
train_images = synthetic.black_holes(TRAIN_SEEDS)
X_bh = patches.image_patches(list(train_images), N_PATCHES, seed=SEED)
X_pic = patches.picture_patches(N_PATCHES, seed=SEED)


def estep_loop(X, mixture):
    """The E-step written out: one patch, one component at a time."""
    mu, cov, p = mixture
    post = np.zeros((X.shape[0], p.size))
    for n in range(X.shape[0]):
        for c in range(p.size):
            diff = X[n] - mu[c]
            sign, logdet = np.linalg.slogdet(2 * np.pi * cov[c])
            post[n, c] = np.log(p[c]) - 0.5 * (logdet + diff @ np.linalg.solve(cov[c], diff))
    ll = np.logaddexp.reduce(post, axis=1)
    return np.exp(post - ll[:, None]), float(ll.sum())


start, _ = full_em.init(X_bh, K, SEED)
post_loop, ll_loop = estep_loop(X_bh[:300], start)
post_fast, ll_fast = full_em.estep(X_bh[:300], start)
print(f"log-likelihood of 300 patches: loop {ll_loop:.8f}, vectorised {ll_fast:.8f}")

# %%
t0 = time.perf_counter()
with warnings.catch_warnings():  # the cap is on purpose: each fit says below whether it stopped there
    warnings.simplefilter("ignore", NotConvergedWarning)
    fits = {"black-hole prior": full_em.fit(X_bh, K, SEED, max_iter=MAX_ITER),
            "everyday prior": full_em.fit(X_pic, K, SEED, max_iter=MAX_ITER)}
print(f"two fits of K = {K} full-covariance components to {N_PATCHES} patches of 64 numbers: "
      f"{time.perf_counter() - t0:.1f} s")
for name, fit in fits.items():
    gain = (fit.lls[-1] - fit.lls[-2]) / abs(fit.lls[-1])
    stop = ("converged by the handout's rule" if fit.converged else
            f"stopped at its cap, MAX_ITER = {MAX_ITER}: the last gain was {gain:.0e} of |ll|, the handout's rule "
            "asks for 1e-6")
    print(f"{name}: {fit.n_iter} iterations ({stop}), log-likelihood per patch {fit.lls[-1] / N_PATCHES:.3f}")
fg.learning_figure({k: f.lls for k, f in fits.items()}, {k: N_PATCHES for k in fits})

# %% [markdown]
# **Reading these log-likelihoods.** They are log-densities of 64 numbers each, so they can be
# positive, and the two priors' values cannot be compared: each scores its own patches. Most of the
# black-hole prior's comes from the dark sky. Three in five of its training patches are flat to
# $10^{-6}$, almost one point; components that reach it shrink onto it until the covariance floor
# stops them, and a component at the floor scores a flat patch about
# $-\tfrac{64}{2}\log(2\pi \cdot 10^{-6}) \approx 383$. Without the floor the likelihood would grow
# without bound there. Both fits stop at `MAX_ITER`, before the handout's rule: run on, they take
# 51 and 183 iterations, six times as long, for priors whose HQS images of section 5 (weights
# chosen again) score within 0.005 of these (mean nxcorr 0.867 and 0.836, against 0.863 and 0.839
# below).
#
# **Checkpoint.** The loop and the vectorised E-step agree, and over these iterations EM never
# lowers the log-likelihood. (The floor is added after each M-step, outside the maximisation, so
# the guarantee is only nearly true: run to convergence, the black-hole prior's 51st and last
# iteration lowers the log-likelihood by 3e-6 of |ll|, and the handout's rule stops there.)

# %%
# NBVAL_CHECK_OUTPUT
assert np.allclose(post_loop, post_fast, rtol=1e-9, atol=1e-12) and np.isclose(ll_loop, ll_fast, rtol=1e-10)
print("the loop and full_em.estep agree")
for name, fit in fits.items():
    rises = bool(np.all(np.diff(fit.lls) >= -1e-9 * np.abs(fit.lls[1:])))
    assert rises
    print(f"{name}: the log-likelihood never decreases: {rises}")

# %%
fg.components_figure(fits["black-hole prior"].mixture, "black-hole prior")

# %%
fg.components_figure(fits["everyday prior"].mixture, "everyday prior")

# %%
for name, fit in fits.items():
    mu, cov, p = fit.mixture
    per_pixel = np.trace(cov, axis1=1, axis2=2) / mu.shape[1]  # a component's variance per pixel
    flat = (np.abs(mu).max(axis=1) < 1e-2) & (per_pixel < 1e-3)
    equal = (mu[:, None] == mu[None]).all(-1) & (cov[:, None] == cov[None]).all((-1, -2))  # to the last bit
    print(f"{name}: nearly flat components (mean within 0.01 of 0, variance per pixel below 1e-3): {flat.sum()}, "
          f"with {p[flat].sum():.2f} of the weight, {int((per_pixel[flat] < 1.1e-6).sum())} of them at the floor; "
          f"exact copies of one another: {int((equal.sum(axis=1) > 1).sum())}")

# %% [markdown]
# **What to see.** Each column is one component, heaviest first: its mean (top row), then the
# leading directions of its covariance (one standard deviation each, all on one grey scale). Black
# holes: the three heaviest components, nearly three quarters of the weight, are dark sky: a flat
# mean and a covariance at the floor, the almost-point of flat patches (the line above counts a
# fourth, lighter one that is nearly flat too). Seven light, faint ones are exact copies of one
# another, to the last bit: they started on patches flat to about $10^{-24}$ or better, so their
# posteriors were the same to the last bit from the first E-step on (starts flat only to $10^{-12}$
# did come apart), and equal components get equal updates for ever (EM cannot split them; the
# course's `init` draws its starting rows at random and does not look at their values). About seven
# hold clear structure: gradients and arcs at several orientations, the pieces of a ring's edge; the
# last few are nearly flat. So K = 20 buys 14 different components here, seven of them with clear
# structure (try the K and seed sliders in section 6). Everyday pictures: the heaviest, a fifth of
# the weight, is nearly flat too (skies and backgrounds), and the next two nearly so; the rest are
# edges, bars and textures, mostly weaker in contrast than a ring's: shrunk photographs vary less
# within 8 x 8 pixels than a sharp ring does.

# %% [markdown]
# ## 4 · HQS, one gamma at a time
#
# Finding the image that fits the data and whose every patch is likely under the prior is hard,
# because the patches overlap. Half-quadratic splitting gives each patch its own copy $z_n$, tied
# to $P_n x$ by a penalty of weight $\beta\gamma/N$, and alternates two easy steps while gamma
# grows along the handout's schedule 1, 4, 8, ..., 512 (the tie tightens):
#
# 1. **patches** (x fixed): for each patch minus its mean $m_n$ (the prior sees shapes), the
#    component most likely to have produced it,
#    $c = \arg\max_c \pi_c \mathcal N(P_n x - m_n; \mu_c, \Lambda_c + I/\gamma)$ (not the handout's
#    $\Lambda_c$: section 2), then the Wiener
#    filter, with the mean put back:
#    $z_n = m_n + \mu_c + \Lambda_c (\Lambda_c + I/\gamma)^{-1}(P_n x - m_n - \mu_c)$;
# 2. **image** (z fixed): the closed form of the table above.
#
# Two implementation choices, both exact for what they compute: the patches wrap around the
# image's edges (its border is dark sky) and start at every second pixel, so every pixel lies in
# $(8/2)^2 = 16$ patches and $\sum_n P_n^T P_n = 16 I$; the image step is then a ridge problem,
# solved for every gamma from one eigendecomposition of $W W^T$, $W = R^{-1/2} F$
# (`cfgmm_lib.imaging.solvers`). The first image is that step with all $z_n = 0$.
#
# Checkpoint of the patch step against its closed form, with an explicit inverse:

# %%
# NBVAL_CHECK_OUTPUT
prior_bh = fits["black-hole prior"].mixture
Z = patches.remove_dc(patches.extract(truths_test[0], 8, 2))[0][:50]
estimate, labels = wiener(Z, prior_bh, 8.0)
c = labels[0]
closed = prior_bh.mu[c] + prior_bh.cov[c] @ np.linalg.inv(prior_bh.cov[c] + np.eye(64) / 8.0) @ (Z[0] - prior_bh.mu[c])
assert np.allclose(estimate[0], closed, rtol=1e-8, atol=1e-10)
print("Wiener step = mu_c + Lambda_c (Lambda_c + I / gamma)^-1 (z - mu_c): agrees")

# %% [markdown]
# ## 5 · Weights chosen on validation images, scores on unseen test images
#
# Every method has one weight, chosen on the validation black holes (rings and crescents of the
# training family) by the mean normalised cross-correlation with the truth (eht-imaging's
# `nxcorr`, as its `compare_images` computes it: both images resampled onto a field twice as wide,
# zero outside the image, standardised there, and the best over all shifts; 1 is a perfect
# picture). The test images are used once, at the end.
# - **dirty image**: $F^T R^{-1} y$, scaled to fit the data; no weight.
# - **Tikhonov**: $\min \lVert R^{-1/2}(Fx - y)\rVert^2 + \alpha g \lVert x \rVert^2$;
# - **TSV** (total squared variation, eht-imaging's `tv2`): $\min \lVert R^{-1/2}(Fx - y)\rVert^2 +
#   \alpha g \sum (x_{i+1,j} - x_{ij})^2 + (x_{i,j+1} - x_{ij})^2$ (plus $10^{-3}\alpha g\lVert x\rVert^2$
#   to pin the constant image);
# - **HQS** with each prior, $\beta = b\, g N / p^2$, in place of the handout's $\beta = 1/2$.
#
# Here $g = \mathrm{tr}(F^T R^{-1} F) / 4096$ is the data's weight per pixel, so $\alpha$ and $b$ are
# pure numbers.

# %%
t0 = time.perf_counter()
choices = {
    "Tikhonov": choose_weight(imager.tikhonov, ALPHAS, truths_val, ys_val),
    "TSV": choose_weight(imager.tsv, ALPHAS, truths_val, ys_val),
}
for name, fit in fits.items():
    choices[f"HQS, {name}"] = choose_weight(lambda y, b, m=fit.mixture: imager.hqs(y, m, b * imager.beta_unit),
                                            BETAS, truths_val, ys_val)
print(f"on {len(VALIDATION_SEEDS)} validation images:")
for name, ch in choices.items():
    tried = ", ".join(f"{w:g}: {s:.4f}" for w, s in zip(ch.grid, ch.scores))
    print(f"{name:<28} chose {ch.best:g}   (mean validation nxcorr per weight: {tried})")
b_half = 0.5 / imager.beta_unit  # the handout's beta = 1/2, in our units
half = choose_weight(lambda y, b: imager.hqs(y, prior_bh, b * imager.beta_unit), [b_half], truths_val, ys_val)
tie = 0.5 * HANDOUT_GAMMAS[-1] * (8 // 2) ** 2 / (imager.npix // 2) ** 2  # beta gamma (p / stride)^2 / N, per pixel
print(f"the handout's beta = 1/2 is b = {b_half:.1e} here: mean validation nxcorr {half.scores[0]:.4f} (HQS, "
      f"black-hole prior); at gamma = {HANDOUT_GAMMAS[-1]} it ties each pixel with weight {tie:g}, the data with "
      f"g = {imager.g:.0f} on average")
print(f"[{time.perf_counter() - t0:.1f} s]")

# %% [markdown]
# The handout's $\beta = 1/2$, taken literally in these units, ties the image to its patches'
# copies so loosely, even at the last gamma, that the data and their holes decide almost alone:
# its validation score (printed above) is far below every weight tried for any method. Hence a
# weight tuned on validation images instead; the best $b$ lies in the middle of the grid for both
# priors.
#
# **The test images, and two references that are not methods.** Besides the 20 test black holes
# of the training family, 12 test sources that are not: four disks, four double sources and four
# crescents with a jet (`cfgmm_lib.imaging.sources`; the weights stay those chosen on the
# family's validation images). Two rows of the table use no method:
# - the **ring template** (no data): one fixed, centred ring of radius 20 µas and width 8 µas,
#   the same answer for every image. What a method gains over it is what it has learned from the
#   data;
# - the **truth blurred to 20 µas** (a circular Gaussian of that FWHM, about the array's
#   resolution): the picture an instrument of that resolution would see. It is not a ceiling on
#   these scores: a method with a prior may sharpen beyond it.

# %%
truths_beyond = {kind: sources.images(kind, seeds) for kind, seeds in BEYOND_SEEDS.items()}
ys_beyond = {kind: measure(truths_beyond[kind], seeds, F, sigma_jy) for kind, seeds in BEYOND_SEEDS.items()}
truths_all = np.concatenate([truths_test, *truths_beyond.values()])  # the 20 rings, then each kind
Y_all = np.stack(ys_test + [y for ys in ys_beyond.values() for y in ys])
sets, end = {"rings": np.arange(len(TEST_SEEDS))}, len(TEST_SEEDS)  # where each set sits in the stack
for kind, seeds in BEYOND_SEEDS.items():
    sets[kind], end = end + np.arange(len(seeds)), end + len(seeds)
beyond = np.arange(len(TEST_SEEDS), len(truths_all))
template = sources.ring_template()
b_bh = choices["HQS, black-hole prior"].best * imager.beta_unit
hqs_bh, starts, histories = imager.hqs(Y_all, prior_bh, b_bh, steps=True)  # every step kept, for section 6
hqs_start, hqs_history = starts[0], [h[0] for h in histories]  # test black hole 0's
recons = {  # each method reconstructs the whole stack of test measurements, (len(truths_all), 2M), at once
    "ring template (no data)": np.broadcast_to(template, truths_all.shape),
    f"truth blurred to {BLUR_UAS:g} µas": sources.blurred(truths_all, BLUR_UAS),
    "dirty image": imager.dirty(Y_all),
    "Tikhonov": imager.tikhonov(Y_all, choices["Tikhonov"].best),
    "TSV": imager.tsv(Y_all, choices["TSV"].best),
    "HQS, black-hole prior": hqs_bh,
    "HQS, everyday prior": imager.hqs(Y_all, fits["everyday prior"].mixture,
                                      choices["HQS, everyday prior"].best * imager.beta_unit),
}
scores = {name: np.array([[nxcorr(x, t), nrmse(x, t)] for x, t in zip(imgs, truths_all)])
          for name, imgs in recons.items()}
print(f"{len(TEST_SEEDS)} test black holes (mean ± standard deviation):\n")
print(fg.score_table({name: s[sets["rings"]] for name, s in scores.items()}))
print(f"\n{len(beyond)} test sources beyond the training family: mean nxcorr (mean normalised RMSE)\n")
print(fg.kind_table(scores, {**{kind: sets[kind] for kind in BEYOND_SEEDS}, f"all {len(beyond)}": beyond}))

# %%
nx = {name: s[:, 0] for name, s in scores.items()}
hqs, pic = nx["HQS, black-hole prior"], nx["HQS, everyday prior"]
wins = int(np.sum(((hqs > nx["Tikhonov"]) & (hqs > nx["TSV"]))[sets["rings"]]))
wins_pic = int(np.sum(((pic > nx["Tikhonov"]) & (pic > nx["TSV"]))[sets["rings"]]))
print(f"HQS with the black-hole prior beats both Tikhonov and TSV on {wins} of {len(TEST_SEEDS)} test black holes; "
      f"with the everyday prior on {wins_pic}.\n")
ring = nx["ring template (no data)"]
print(f"{'gain in nxcorr over the ring template':<40} {'test black holes':>25} {'beyond the family':>25}")
for name in list(recons)[1:]:
    cells = [f"{(nx[name] - ring)[idx].mean():+.3f} ({int(np.sum((nx[name] > ring)[idx]))} of {len(idx)} higher)"
             for idx in (sets["rings"], beyond)]
    print(f"{name:<40} {cells[0]:>25} {cells[1]:>25}")
others = [nxcorr(truths_test[i], truths_test[j]) for i, j in zip(*np.triu_indices(len(truths_test), 1))]
print(f"\ntwo different test black holes: mean nxcorr {np.mean(others):.3f} (all {len(others)} pairs)")

# %% [markdown]
# **Checkpoint.** On the held-out black holes, HQS with the black-hole prior beats the best-tuned
# Tikhonov and TSV on mean nxcorr, and on most images one by one; it beats the ring template on
# the black holes and on every kind beyond the family; and it makes no ring from nothing: each
# non-ring source's HQS image (with either prior) correlates better with its truth than with the
# ring template.

# %%
# NBVAL_CHECK_OUTPUT
mean = {name: {k: s[idx, 0].mean() for k, idx in sets.items()} for name, s in scores.items()}
beats = bool(mean["HQS, black-hole prior"]["rings"] > max(mean["Tikhonov"]["rings"], mean["TSV"]["rings"]))
above_template = all(mean["HQS, black-hole prior"][k] > mean["ring template (no data)"][k] for k in sets)
no_ring = all(nxcorr(recons[name][i], truths_all[i]) > nxcorr(recons[name][i], template)
              for name in ("HQS, black-hole prior", "HQS, everyday prior") for i in beyond)
print(f"at least 20 test images and 10 validation images: {len(TEST_SEEDS) >= 20 and len(VALIDATION_SEEDS) >= 10}")
print(f"HQS (black-hole prior) beats Tikhonov and TSV on mean nxcorr: {beats}")
print(f"... and on most images one by one: {wins > len(TEST_SEEDS) / 2}")
print(f"... and the ring template on the black holes and on each kind beyond the family: {above_template}")
print(f"no ring from nothing (HQS, either prior, every non-ring source): {no_ring}")
assert len(TEST_SEEDS) >= 20 and len(VALIDATION_SEEDS) >= 10 and beats and wins > len(TEST_SEEDS) / 2
assert above_template and no_ring

# %%
fg.gallery_figure(truths_test[:4], {k: v[:4] for k, v in recons.items() if k in list(recons)[2:]},
                  {k: v[:4] for k, v in scores.items()})

# %% [markdown]
# **What to see.** Four test black holes (rows), every image on its truth's brightness scale but the
# dirty image (its own), so a dimmer ring has less flux. The dirty image keeps the sidelobes;
# Tikhonov and TSV remove them by preferring small or smooth images, which also blurs the ring and
# leaves ripples around it. HQS with either prior clears the ripples from the dark sky and keeps a
# dark centre and the bright side in the right place: its prior knows that sky patches are flat and
# ring patches are arcs. Its rings are still wider than the truth: the array resolves about
# 25 µas, and the prior does not invent all the finer detail. The everyday prior, which has never
# seen a black hole, does nearly as well: edges are edges (Bouman's point: the prior need not come
# from black holes).

# %%
first = [int(sets[kind][0]) for kind in BEYOND_SEEDS]  # the first source of each kind
fg.gallery_figure(truths_all[first], {k: recons[k][first] for k in
                                      ("ring template (no data)", f"truth blurred to {BLUR_UAS:g} µas", "TSV",
                                       "HQS, black-hole prior", "HQS, everyday prior")},
                  {k: v[first] for k, v in scores.items()}, row_labels=list(BEYOND_SEEDS))

# %% [markdown]
# **What to see.** One test source of each kind beyond the training family (rows; Tikhonov, close
# to TSV, and the dirty image are left out). The ring template is the same picture in every row,
# and scores well only where the truth is mostly a ring. The methods with data see the disk as a
# disk and the double as two blobs; HQS, with either prior, makes no ring of them, and of the jet
# it keeps the bright base, not the faint tail.
#
# **Reading the tables honestly.** On the test black holes, the fixed ring that ignores the data
# scores a mean nxcorr of 0.834: above Tikhonov (0.768) and TSV (0.783), level with HQS with the
# everyday prior (0.839, higher than the template on 10 of the 20 images), and only 0.029 below HQS
# with the black-hole prior (higher on 13 of 20). Two different test black holes correlate at
# 0.741: on rings of one family, nxcorr mostly says "a ring of about this size", and what the
# data add is the last few hundredths. The normalised RMSE, which also sees position and flux,
# separates them more (the template's 0.747, HQS's 0.499).
#
# Beyond the family the template fails where it must: 0.496 on the disks and 0.439 on the double
# sources, where Tikhonov, TSV and HQS score between 0.718 and 0.982. On the crescents with a jet,
# mostly a ring, it still scores 0.753, level with TSV (0.752) and above Tikhonov (0.741); only HQS
# gains there (0.855 and 0.821). Over the 12 sources, Tikhonov, TSV and HQS gain 0.22 to 0.35 over
# the template, and HQS with either prior, its weight chosen on rings only, is best on every kind.
#
# The truth blurred to 20 µas is no ceiling for HQS: on the black holes it scores 0.787, below
# HQS and even below the template (blurring spreads a thin ring); on the disks 0.929, below both
# HQS (0.982 and 0.979). A prior that knows the sources' shapes puts back detail finer than the
# array's resolution. Tikhonov and TSV, which know only "small" and "smooth", do not: they score
# below the blurred truth on every kind.

# %% [markdown]
# ## 6 · Explore
#
# Each slider redraws from cached results: an observation's solver, a prior's fit and an HQS
# run are computed once per setting. Without a running kernel, a still picture of each explorer's
# starting values stands in its place.
#
# **The array.** Hours of observation (how many (u, v) points) and which stations take part
# (ctrl- or shift-click to choose several). Each new array gets its own weights, chosen on the
# validation images as above (several seconds the first time); the line under the sliders gives
# them. Although $\alpha$ and $b$ are pure numbers, the best ones move with the array: without
# ALMA (12 hours), HQS with the full array's $b$ (0.0003) images test black hole 0 with an nxcorr
# of 0.47, and with its own (0.003, the largest tried) 0.90.

# %% tags=["nbval-ignore-output"]
arrays = {(HOURS, tuple(STATIONS)): (coverage, imager)}
weights = {imager: (choices["Tikhonov"].best, choices["HQS, black-hole prior"].best)}  # each array's (alpha, b)


def make_imager(hours, stations):
    if (hours, stations) not in arrays:
        cov, im = vlbi.coverage(list(stations), hours=hours), None
        if len(cov.u):  # its Imager, and its weights chosen on the validation images as in section 5
            im = Imager(vlbi.forward_matrix(cov), np.tile(vlbi.thermal_sigma(cov) / synthetic.UNIT_JY, 2))
            ys = measure(truths_val, VALIDATION_SEEDS, im.F, vlbi.thermal_sigma(cov))
            weights[im] = (choose_weight(im.tikhonov, ALPHAS, truths_val, ys).best,
                           choose_weight(lambda y, b: im.hqs(y, prior_bh, b * im.beta_unit), BETAS, truths_val, ys).best)
        arrays[(hours, stations)] = (cov, im)
    return arrays[(hours, stations)]


def observe(im, cov):  # test black hole 0, with the same noise draw as in section 5
    return measure(truths_test[:1], TEST_SEEDS[:1], im.F, vlbi.thermal_sigma(cov))[0]


def array_weights(hours, stations):
    if len(stations) < 2:  # the picture asks for a second station
        return ""
    _, im = make_imager(hours, tuple(stations))
    if im is None:
        return ""
    alpha, b = weights[im]
    return (f"weights chosen on the validation images for this array: Tikhonov alpha = {alpha:g}, HQS b = {b:g} "
            f"(full array: {weights[imager][0]:g} and {weights[imager][1]:g})")


array_slider = fg.array_explorer(
    make_imager, truths_test[0], observe,
    {"dirty": lambda im, y: im.dirty(y),
     "Tikhonov": lambda im, y: im.tikhonov(y, weights[im][0]),
     "HQS": lambda im, y: im.hqs(y, prior_bh, weights[im][1] * im.beta_unit)},
    STATIONS, HOURS, caption=array_weights)
array_slider

# %% [markdown]
# **HQS step by step.** Step 0 is the start (the image step with every $z_n = 0$); step $k$ is the
# image after the $k$-th gamma of the schedule. Watch the sidelobes fade and the ring sharpen as
# the patches are tied ever more tightly to the prior.

# %% tags=["nbval-ignore-output"]
step_slider = fg.hqs_step_explorer(truths_test[0], hqs_history, HANDOUT_GAMMAS, hqs_start)
step_slider

# %% [markdown]
# All the steps at once:

# %%
fg.hqs_steps_figure(truths_test[0], hqs_history, HANDOUT_GAMMAS, start=hqs_start)

# %% [markdown]
# **Which component does the patch step choose?** The handout picks the component with
# $\Lambda_c$; HQS here with $\Lambda_c + I/\gamma$ (section 2). At each step of the run above, the
# patches that are dark sky in the truth, and how many of them each rule gives to a flat component
# (the dark-sky components of section 3):

# %%
mu, cov, p = prior_bh
flat = (np.abs(mu).max(axis=1) < 1e-2) & (np.trace(cov, axis1=1, axis2=2) / mu.shape[1] < 1e-3)
sky = patches.extract(truths_test[0], 8, 2).max(axis=1) < 0.01 * truths_test[0].max()  # patches of dark sky
print(f"{sky.sum()} of {sky.size} patches of test black hole 0 are dark sky; the share of them given a flat component:")
print(f"{'gamma':>6} {'Lambda_c + I/gamma':>20} {'Lambda_c alone':>16}")
for gamma, before in zip(HANDOUT_GAMMAS, [hqs_start] + hqs_history[:-1]):  # the image each patch step starts from
    Z = patches.remove_dc(patches.extract(before, 8, 2))[0][sky]
    _, noisy = wiener(Z, prior_bh, gamma)
    _, alone = wiener(Z, prior_bh, 1e12)  # Lambda_c + 1e-12 I: the handout's Lambda_c, to rounding
    print(f"{gamma:>6} {flat[noisy].mean():>20.0%} {flat[alone].mean():>16.0%}")

# %% [markdown]
# With $\Lambda_c + I/\gamma$, every dark-sky patch goes to a flat component at every step, and
# its Wiener estimate, the copy the image is tied to, is flat: as gamma grows, the tie pulls the
# sidelobes' ripples out of the sky (the figure above). With $\Lambda_c$ alone, none
# does, at any step: a flat component's covariance is the floor, $10^{-6} I$ (a standard deviation
# of $10^{-3}$ per pixel), so any ripple left in the image makes a patch impossible under it, and
# the dark sky would be filtered by the components built for a ring's edges, which keep ripples.
# $P_n x$ is not a clean patch but a clean patch plus noise of variance $1/\gamma$, and the rule
# must say so.

# %% [markdown]
# **The prior's K and seed.** Each (K, seed) fits a new black-hole prior on the same training
# patches (several seconds the first time, then cached; the starting values reuse the fit above),
# shows the leading direction of its heaviest components, and images test black hole 0 with it.

# %% tags=["nbval-ignore-output"]
priors = {(K, SEED): prior_bh}


def fit_prior(K_, seed_):
    if (K_, seed_) not in priors:
        with warnings.catch_warnings():  # capped at MAX_ITER on purpose, as in section 3
            warnings.simplefilter("ignore", NotConvergedWarning)
            priors[(K_, seed_)] = full_em.fit(X_bh, K_, seed_, max_iter=MAX_ITER).mixture
    return priors[(K_, seed_)]


prior_slider = fg.prior_explorer(
    fit_prior, lambda m: imager.hqs(ys_test[0], m, choices["HQS, black-hole prior"].best * imager.beta_unit),
    truths_test[0], K=K, seed=SEED, K_max=30, seeds=range(5))
prior_slider

# %%
print(f"whole notebook: {time.perf_counter() - T_START:.0f} s")

# %% [markdown]
# ## 7 · What the prior buys, and what real EHT imaging does beyond it
#
# **What it buys.** With the same data and each method's best weight, a prior learned by EM on
# 8 x 8 patches beats the two classic quadratic regularisers on the test images, one by one
# (the count is printed under the table above): it knows that the sky is mostly flat and that a ring
# is made of arcs, where Tikhonov only knows "small" and TSV only "smooth". A prior learned from
# photographs, galaxies and the Moon comes close to it, which is the point of Bouman's CHIRP: the
# data decide the picture, the prior only needs to know what natural images look like.
#
# **What it does not buy.** On black holes of the training family, a fixed ring that uses no data
# at all scores nearly as well (0.029 below the black-hole prior in mean nxcorr, level with the
# everyday prior, above Tikhonov and TSV): there, nxcorr rewards "a ring" more than the data's
# detail. The worth of the data, and of a prior that does not force a ring, shows on the sources
# that are not rings, where the template fails and HQS does not.
#
# **What this notebook leaves out.** (1) Real VLBI stations record with independent clocks and
# through different atmospheres, so the absolute phase of each visibility is scrambled. The EHT
# therefore images from *closure phases* (the sum of phases around a triangle of stations, in
# which station errors cancel) and closure amplitudes; our $y = Fx + \text{noise}$ assumes
# calibrated phases, and with closure quantities the problem is no longer linear or quadratic.
# (2) The source changes during the night (Sgr A* within minutes); Bouman's thesis models that
# with Gaussian hidden Markov models over time. (3) Most of our test images come from the same
# family as the black-hole prior's training images, which flatters that prior, and every weight
# was chosen on that family; the 12 sources beyond it are still smooth blobs and arcs, not the
# filaments and knots of a real jet.
#
# ## Recap
# - A VLBI array measures a few hundred Fourier coefficients of the image; the dirty image shows
#   what the missing ones cost.
# - EM with full covariances is notebook 02's EM with $\Lambda_c$ for $\sigma_j^2 I$, done with
#   Cholesky factors in the log domain and a covariance floor.
# - HQS alternates a per-patch Wiener filter under the mixture and a closed-form image update,
#   while gamma grows.
# - Weights are chosen on validation images and scores measured on unseen test images, beside a
#   ring template that uses no data (what a method gains over it is what it took from the data)
#   and on sources that are not rings.
#
# ## Questions to discuss
# 1. Drop ALMA and APEX with the array slider. Which scores suffer most, and why does ALMA
#    matter more than its number of baselines suggests (look at its SEFD)? Why does the best
#    $b$ grow when ALMA goes, although $g$ makes it a pure number?
# 2. The fixed ring template scores nearly as well as HQS on the test black holes. Which score,
#    or which test images, would show the worth of the data better? The disks and double sources
#    were imaged with weights chosen on rings: would a validation set with all the kinds change
#    the table?
# 3. HQS picks one component per patch (a hard assignment). What would change if each patch's
#    Wiener estimates were averaged with its posterior weights $p(c \mid z_n)$?
