"""CORAL distance (tlearn.metrics.coral_distance): ||Cs - Ct||_F^2 / (4 d^2)."""

import numpy as np
import pytest

from tlearn.feature._coral import domain_covariance
from tlearn.metrics import coral_distance


def with_covariance(rng, n, cov, mean):
    """``n`` rows whose sample covariance (n - 1) is exactly ``cov`` and mean exactly ``mean``."""
    d = cov.shape[0]
    Z = rng.normal(size=(n, d))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(Z.T @ Z / (n - 1))).T  # sample covariance I
    return Z @ np.linalg.cholesky(cov).T + mean


COV_S = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
COV_T = np.array([[1.0, -0.3, 0.1], [-0.3, 3.0, 0.0], [0.1, 0.0, 1.5]])


def test_closed_form_on_known_covariances():
    rng = np.random.default_rng(0)
    Xs = with_covariance(rng, 50, COV_S, np.zeros(3))
    Xt = with_covariance(rng, 30, COV_T, np.zeros(3))
    expected = np.sum((COV_S - COV_T) ** 2) / (4 * 3**2)
    assert coral_distance(Xs, Xt=Xt) == pytest.approx(expected, rel=1e-10)


def test_zero_for_equal_covariances_and_blind_to_means():
    rng = np.random.default_rng(1)
    Xs = with_covariance(rng, 40, COV_S, np.zeros(3))
    Xt = with_covariance(rng, 25, COV_S, np.array([5.0, -3.0, 10.0]))
    assert coral_distance(Xs, Xt=Xt) == pytest.approx(0.0, abs=1e-12)
    Xt2 = with_covariance(rng, 25, COV_T, np.zeros(3))
    shifted = coral_distance(Xs + 7.0, Xt=Xt2 - [1.0, 2.0, 3.0])
    assert shifted == pytest.approx(coral_distance(Xs, Xt=Xt2), rel=1e-10)


def test_the_covariances_of_coral():
    rng = np.random.default_rng(2)
    Xs, Xt = rng.normal(size=(12, 4)), 3.0 * rng.normal(size=(9, 4))
    Cs, Ct = domain_covariance(Xs), domain_covariance(Xt)
    assert coral_distance(Xs, Xt=Xt) == pytest.approx(np.sum((Cs - Ct) ** 2) / 64, rel=1e-12)
    np.testing.assert_allclose(Cs, np.cov(Xs, rowvar=False, ddof=1))


def test_needs_two_rows_per_domain():
    rng = np.random.default_rng(3)
    with pytest.raises(ValueError, match="at least 2 target rows for a covariance; got 1"):
        coral_distance(rng.normal(size=(5, 2)), Xt=rng.normal(size=(1, 2)))
