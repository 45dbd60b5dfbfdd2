import numpy as np
import pytest


@pytest.fixture
def two_domains():
    """Two shifted Gaussian domains: (X, y_true, sample_domain); target rows last.

    ``y_true`` holds every label; mask the target ones with ``np.where`` to
    get the unsupervised setting.
    """
    rng = np.random.default_rng(0)
    n_s, n_t = 120, 80
    Xs = rng.normal(size=(n_s, 3))
    Xt = rng.normal(loc=(1.0, 0.5, 0.0), size=(n_t, 3))
    X = np.vstack([Xs, Xt])
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=n_s + n_t) > 0.5).astype(int)
    sample_domain = np.r_[np.ones(n_s, dtype=int), -2 * np.ones(n_t, dtype=int)]
    return X, y, sample_domain
