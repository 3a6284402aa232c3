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
VALIDATION_SEEDS = range(1000, 1003)    # ... the weights are chosen on ...
TEST_SEEDS = range(2000, 2020)          # ... and the scores are measured on (never seen before)
ALPHAS = [10.0**e for e in range(-4, 1)]     # Tikhonov and TSV weights tried (times g, see below)
BETAS = [3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1]  # HQS weights tried (times g N / p^2, see below)

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
#    on validation images and scores measured on unseen test images;
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
from cfgmm_lib.imaging import full_em, patches, synthetic, vlbi
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
# $$V(u, v) = \sum_{\text{pixels}} I(l, m)\, e^{-2\pi i (u l + v m)} .$$
#
# As the Earth turns, each baseline's $(u, v)$ point draws an arc (Earth-rotation synthesis). A
# station takes part while M87 (declination $+12.391^\circ$) is more than $10^\circ$ above its
# horizon. Stacking the real and imaginary parts, the measurement is linear:
# $y = F x + \text{noise}$, with $x$ the $64 \times 64$ image (a 160 micro-arcsecond field,
# 2.5 µas pixels) and noise covariance $R = \mathrm{diag}(\sigma^2)$.
#
# **Noise.** Each baseline has its own thermal noise, from the stations' system equivalent flux
# densities (SEFD; the radiometer equation, 0.88 being the 2-bit quantisation efficiency):
# $\sigma_{ij} = \sqrt{\mathrm{SEFD}_i\,\mathrm{SEFD}_j} / \big(0.88 \sqrt{2\, \Delta\nu\, t}\big)$.
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
# The handout's text of this section has slips; here each is beside its correction.
#
# | where | the handout writes | corrected |
# | --- | --- | --- |
# | the density | an exponent without its minus sign, and $\lvert\Lambda\rvert$ without the index $c$ in the normaliser | $\exp(-\tfrac12 (z-\mu_c)^T\Lambda_c^{-1}(z-\mu_c)) / ((2\pi)^{d/2}\lvert\Lambda_c\rvert^{1/2})$ |
# | the M-step | the mean as $\mu_x$ | $\mu_c = \sum_n p(c \mid z_n)\, z_n / \sum_n p(c \mid z_n)$ |
# | the Wiener filter | $\Lambda_c(\Lambda_c + I/\gamma)$ with the inverse missing | $z_n = \mu_c + \Lambda_c (\Lambda_c + I/\gamma)^{-1} (P_n x - \mu_c)$ |
# | the closed form | the left-hand side repeated where the right-hand side belongs | $\big(F^T R^{-1} F + \tfrac{\beta\gamma}{N} \sum_n P_n^T P_n\big) x = F^T R^{-1} y + \tfrac{\beta\gamma}{N} \sum_n P_n^T z_n$ |
# | the regulariser | its sum over patches written twice | $\tfrac{\beta\gamma}{N} \sum_n P_n^T P_n$, one sum |
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
# chosen again) score within 0.005 of these (mean nxcorr 0.854 and 0.821, against 0.850 and 0.824
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
#    $c = \arg\max_c \pi_c \mathcal N(P_n x - m_n; \mu_c, \Lambda_c + I/\gamma)$, then the Wiener
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
# Every method has one weight, chosen on the validation black holes by the mean normalised
# cross-correlation with the truth (eht-imaging's `nxcorr`: both images standardised, the best
# over all shifts; 1 is a perfect picture). The test images are used once, at the end.
# - **dirty image**: $F^T R^{-1} y$, scaled to fit the data; no weight.
# - **Tikhonov**: $\min \lVert R^{-1/2}(Fx - y)\rVert^2 + \alpha g \lVert x \rVert^2$;
# - **TSV** (total squared variation, eht-imaging's `tv2`): $\min \lVert R^{-1/2}(Fx - y)\rVert^2 +
#   \alpha g \sum (x_{i+1,j} - x_{ij})^2 + (x_{i,j+1} - x_{ij})^2$ (plus $10^{-3}\alpha g\lVert x\rVert^2$
#   to pin the constant image);
# - **HQS** with each prior, $\beta = b\, g N / p^2$.
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
for name, ch in choices.items():
    tried = ", ".join(f"{w:g}: {s:.4f}" for w, s in zip(ch.grid, ch.scores))
    print(f"{name:<28} chose {ch.best:g}   (mean validation nxcorr per weight: {tried})")
print(f"[{time.perf_counter() - t0:.1f} s]")

# %%
# each method reconstructs the whole stack of test measurements, (len(TEST_SEEDS), 2M), at once
methods = {
    "dirty image": lambda y: imager.dirty(y),
    "Tikhonov": lambda y: imager.tikhonov(y, choices["Tikhonov"].best),
    "TSV": lambda y: imager.tsv(y, choices["TSV"].best),
    "HQS, black-hole prior": lambda y: imager.hqs(y, prior_bh,
                                                   choices["HQS, black-hole prior"].best * imager.beta_unit),
    "HQS, everyday prior": lambda y: imager.hqs(y, fits["everyday prior"].mixture,
                                                 choices["HQS, everyday prior"].best * imager.beta_unit),
}
recons = {name: f(np.stack(ys_test)) for name, f in methods.items()}
_, hqs_start, hqs_history = imager.hqs(ys_test[0], prior_bh, choices["HQS, black-hole prior"].best * imager.beta_unit,
                                       steps=True)  # test image 0 again, keeping every step (section 6)
scores = {name: np.array([[nxcorr(x, t), nrmse(x, t)] for x, t in zip(imgs, truths_test)])
          for name, imgs in recons.items()}
print(f"{len(TEST_SEEDS)} test black holes (mean ± standard deviation):\n")
print(fg.score_table(scores))
hqs = scores["HQS, black-hole prior"][:, 0]
wins = int(np.sum((hqs > scores["Tikhonov"][:, 0]) & (hqs > scores["TSV"][:, 0])))
wins_pic = int(np.sum((scores["HQS, everyday prior"][:, 0] > scores["Tikhonov"][:, 0])
                      & (scores["HQS, everyday prior"][:, 0] > scores["TSV"][:, 0])))
print(f"\nHQS with the black-hole prior beats both Tikhonov and TSV on {wins} of {len(hqs)} test images; "
      f"with the everyday prior on {wins_pic}.")

# %% [markdown]
# **Checkpoint.** On the held-out black holes, HQS with the black-hole prior beats the best-tuned
# Tikhonov and TSV on mean nxcorr, and on most images one by one.

# %%
# NBVAL_CHECK_OUTPUT
mean = {name: s[:, 0].mean() for name, s in scores.items()}
beats = bool(mean["HQS, black-hole prior"] > max(mean["Tikhonov"], mean["TSV"]))
print(f"at least 20 test images: {len(TEST_SEEDS) >= 20}")
print(f"HQS (black-hole prior) beats Tikhonov and TSV on mean nxcorr: {beats}")
print(f"... and on most images one by one: {wins > len(hqs) / 2}")
assert len(TEST_SEEDS) >= 20 and beats and wins > len(hqs) / 2

# %%
fg.gallery_figure(truths_test[:4], {k: v[:4] for k, v in recons.items()}, scores)

# %% [markdown]
# **What to see.** Four test black holes (rows), every image on its truth's brightness scale but the
# dirty image (its own), so a dimmer ring has less flux. The dirty image keeps the sidelobes;
# Tikhonov and TSV remove them by preferring small or smooth images, which also blurs the ring and
# leaves ripples around it. HQS with either prior clears the ripples from the dark sky and keeps a
# dark centre and the bright side in the right place: its prior knows that sky patches are flat and
# ring patches are arcs. Its rings are still wider than the truth: the array resolves about
# 25 µas, and the prior does not invent the finer detail.
# The everyday prior, which has never seen a black hole, does nearly as well: edges are edges
# (Bouman's point: the prior need not come from black holes). Read the score table for the
# honest size of each gap.

# %% [markdown]
# ## 6 · Explore
#
# Each slider redraws from cached results: an observation's solver, a prior's fit and an HQS
# run are computed once per setting. Without a running kernel, a still picture of each slider's
# starting values stands beneath it.
#
# **The array.** Hours of observation (how many (u, v) points) and which stations take part
# (ctrl- or shift-click to choose several). Each new array gets its own weights, chosen on the
# validation images as above (a few seconds the first time); the line under the sliders gives
# them. Although $\alpha$ and $b$ are pure numbers, the best ones move with the array: without
# ALMA (12 hours), HQS with the full array's $b$ (0.001) images test black hole 0 with an nxcorr
# of 0.53, and with its own (0.01) 0.90.

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
# **What this notebook leaves out.** (1) Real VLBI stations record with independent clocks and
# through different atmospheres, so the absolute phase of each visibility is scrambled. The EHT
# therefore images from *closure phases* (the sum of phases around a triangle of stations, in
# which station errors cancel) and closure amplitudes; our $y = Fx + \text{noise}$ assumes
# calibrated phases, and with closure quantities the problem is no longer linear or quadratic.
# (2) The source changes during the night (Sgr A* within minutes); Bouman's thesis models that
# with Gaussian hidden Markov models over time. (3) Our test images come from the same family as
# the black-hole prior's training images, which flatters that prior; the everyday prior has no
# such advantage.
#
# ## Recap
# - A VLBI array measures a few hundred Fourier coefficients of the image; the dirty image shows
#   what the missing ones cost.
# - EM with full covariances is notebook 02's EM with $\Lambda_c$ for $\sigma_j^2 I$, done with
#   Cholesky factors in the log domain and a covariance floor.
# - HQS alternates a per-patch Wiener filter under the mixture and a closed-form image update,
#   while gamma grows.
# - Weights are chosen on validation images and scores measured on unseen test images.
#
# ## Questions to discuss
# 1. Drop ALMA and APEX with the array slider. Which scores suffer most, and why does ALMA
#    matter more than its number of baselines suggests (look at its SEFD)? Why does the best
#    $b$ grow when ALMA goes, although $g$ makes it a pure number?
# 2. The black-hole prior was trained on the same family of rings as the test images. Design a
#    fairer test; what result would convince you that the prior is not simply memorising rings?
# 3. HQS picks one component per patch (a hard assignment). What would change if each patch's
#    Wiener estimates were averaged with its posterior weights $p(c \mid z_n)$?
