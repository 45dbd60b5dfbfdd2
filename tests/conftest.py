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


NO_TARGET_ROWS = "No target rows"


def _chain(exc):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


@pytest.fixture
def run_check():
    """Run a scikit-learn check; xfail it only when it fails for want of target rows.

    scikit-learn's checks call ``fit(X, y)`` with every label known, so no row
    is a target row. A method that needs target rows (TCA, CORAL, SA, KMM)
    cannot apply such a check. This runner accepts exactly that failure (our
    "No target rows" error anywhere in the exception chain) and re-raises any
    other, so a real incompatibility still fails the test.
    """

    def run(check, estimator):
        try:
            check(estimator)
        except Exception as exc:
            if any(NO_TARGET_ROWS in str(e) for e in _chain(exc)):
                pytest.xfail("the check fits without target rows, which this method needs")
            raise

    return run
