"""Two Gaussians whose density ratio is known: the test problem of the ratio estimators.

Source rows are drawn from N(0, I_d) and target rows from N(mean, scale^2 I_d);
the true ratio p_t / p_s is a product of one-dimensional ratios. The error of
an estimate is its mean squared error relative to the variance of the true
ratio under the source, E_s[(r - 1)^2] (the chi-squared divergence): the
constant estimate 1 scores 1, a perfect one 0.
"""

import numpy as np
from scipy.stats import norm

MEAN, SCALE = 0.5, 0.7


def gaussian_shift(seed, n_features=1, n_source=500, n_target=500, mean=MEAN, scale=SCALE):
    """(X, y, sample_domain, Xs, X_new): stacked rows, masked labels, and new source rows."""
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_source, n_features))
    Xt = rng.normal(mean, scale, size=(n_target, n_features))
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] > 0).astype(int), -np.ones(n_target, dtype=int)]
    sample_domain = np.r_[np.ones(n_source, dtype=int), -2 * np.ones(n_target, dtype=int)]
    X_new = rng.normal(size=(2000, n_features))
    return X, y, sample_domain, Xs, X_new


def true_ratio(X, mean=MEAN, scale=SCALE):
    """p_t(x) / p_s(x) for target N(mean, scale^2 I) and source N(0, I)."""
    return np.prod(norm.pdf(X, mean, scale) / norm.pdf(X, 0.0, 1.0), axis=1)


def relative_error(estimate, truth):
    """Mean squared error over the variance of the true ratio (1 for the constant 1)."""
    return float(np.mean((estimate - truth) ** 2) / np.mean((truth - 1.0) ** 2))
