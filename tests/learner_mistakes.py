"""Each known mistake, written as a learner would write it: a small edit of the answers' course folder.

``tools/exercises.py course-folder`` writes the series' answers as the handout's four files; each
entry below edits one line (or a few) of one file the way a learner gets it wrong, and names the
step(s) whose check must then fail and name the mistake. Used by tests/test_check.py.
"""

#: mistake id -> (file, text in the right answer, the learner's wrong text, steps that must name it)
EDITS = {
    "normaliser-uses-d": ("em.py", "- counts / 2 * np.log(2 * np.pi * var)", "- X.shape[1] / 2 * np.log(2 * np.pi * var)",
                          ["em.estep"]),
    "variance-old-mean": ("em.py", "- 2 * X @ mu.T + M @ (mu ** 2).T    # with the new means",
                          "- 2 * X @ mixture.mu.T + M @ (mixture.mu ** 2).T", ["em.mstep"]),
    "variance-divides-by-d": ("em.py", "/ (post.T @ M.sum(axis=1))", "/ (X.shape[1] * post.sum(axis=0))", ["em.mstep"]),
    "mean-update-threshold": ("em.py", "update = weight >= 1", "update = weight > 0", ["em.mstep"]),
    "no-variance-floor": ("em.py", "GaussianMixture(mu, np.maximum(var, min_variance),", "GaussianMixture(mu, var,",
                          ["em.mstep"]),
    "weights-without-eps": ("em.py", "np.log(p + 1e-16)", "np.log(p)", ["em.estep"]),
    "not-log-domain": ("em.py", "total = logsumexp(f, axis=1, keepdims=True)                                  # (n, 1)\n"
                                "    return np.exp(f - total), float(total.sum())",
                       "joint = np.exp(f)\n    total = joint.sum(axis=1, keepdims=True)\n"
                       "    return joint / total, float(np.log(total).sum())", ["em.estep"]),
    "mutates-input": ("em.py", "mu = mixture.mu.copy()", "mu = mixture.mu", ["em.mstep"]),
    "unobserved-in-distance": ("em.py", "sq = (X ** 2).sum(axis=1, keepdims=True) - 2 * X @ mu.T + M @ (mu ** 2).T    # (n, K)",
                               "sq = ((X[:, None, :] - mu[None, :, :]) ** 2).sum(axis=2)", ["em.estep"]),
    "fill-overwrites-observed": ("em.py", "return np.where(X == 0, post @ mixture.mu, X)", "return post @ mixture.mu",
                                 ["em.fill_matrix"]),
    "bic-parameter-count": ("common.py", "K * d + K + (K - 1)", "K * d + K + K", ["common.bic"]),
    "stopping-rule": ("em.py", "ll - old_ll <= 1e-6 * abs(ll)", "ll - old_ll <= 1e-6", ["em.run"]),
    "variance-forgets-d": ("naive_em.py", "var = (post * sq).sum(axis=0) / (d * n_hat)",
                           "var = (post * sq).sum(axis=0) / n_hat", ["naive_em.mstep"]),
    "rmse-without-root": ("common.py", "return float(np.sqrt(np.mean((X - Y) ** 2)))",
                          "return float(np.mean((X - Y) ** 2))", ["common.rmse"]),
}

EDITS["normaliser-without-2pi"] = ("em.py", "- counts / 2 * np.log(2 * np.pi * var)", "- counts / 2 * np.log(var)",
                                   ["em.estep"])

#: More ways of writing a mistake already in EDITS, each with its own test:
#: (mistake id, file, text in the right answer, the learner's wrong text, steps that must name it).
MORE_EDITS = [
    # the mean-update rule with > where the handout has >=: wrong only where a soft count is exactly 1
    ("mean-update-threshold", "em.py", "update = weight >= 1", "update = weight > 1", ["em.mstep"]),
    # K-means' order (old - new) kept for a log-likelihood, which grows: stops on the second iteration
    ("stopping-rule", "em.py", "ll - old_ll <= 1e-6 * abs(ll)", "old_ll - ll <= 1e-6 * abs(ll)", ["em.run"]),
    # the handout's own loop (it ends on an E-step), with an absolute rule
    ("stopping-rule", "naive_em.py",
     "        mixture = mstep(X, post)\n        if old_ll is not None and ll - old_ll <= 1e-6 * abs(ll):\n"
     "            return mixture, post, ll\n",
     "        if old_ll is not None and ll - old_ll <= 1e-6:\n            return mixture, post, ll\n"
     "        mixture = mstep(X, post)\n", ["naive_em.run"]),
]

#: Not a mistake: the handout's own loop (stop right after an E-step, return that E-step's mixture),
#: which the course grades correct beside em.run's: (file, right text, the handout's text).
HANDOUT_LOOP = ("em.py",
                "        mixture = mstep(X, post, mixture)\n"
                "        if old_ll is not None and ll - old_ll <= 1e-6 * abs(ll):\n"
                "            return mixture, post, ll\n",
                "        if old_ll is not None and ll - old_ll <= 1e-6 * abs(ll):\n"
                "            return mixture, post, ll\n"
                "        mixture = mstep(X, post, mixture)\n")
