"""The shared kernel layer (tlearn/_kernels.py), called directly."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import rbf_kernel

from tlearn import _kernels
from tlearn.feature import TCA
from tlearn.instance import KMM


def test_nystrom_with_every_row_a_landmark_is_the_exact_gram():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    K = _kernels.kernel_gram(X, kernel="rbf", gamma=0.3)
    np.testing.assert_allclose(K, rbf_kernel(X, gamma=0.3))
    source = np.arange(40) < 25
    index = _kernels.select_landmarks(source, 40, random_state=0)
    np.testing.assert_array_equal(index, np.arange(40))
    M = _kernels.nystrom_whitening(K[np.ix_(index, index)])
    Phi = K[:, index] @ M
    np.testing.assert_allclose(Phi @ Phi.T, K, atol=1e-8)


def test_landmarks_are_stratified_by_side():
    source = np.arange(100) < 80
    index = _kernels.select_landmarks(source, 10, random_state=1)
    assert np.sum(source[index]) == 8 and np.sum(~source[index]) == 2
    with pytest.raises(ValueError, match="n_landmarks must be between 2 and 100"):
        _kernels.select_landmarks(source, 101)


@pytest.mark.parametrize("cls", [TCA, KMM])
def test_one_kernel_parameter_check_for_every_family(cls):
    assert _kernels.kernel_param_errors("rbf", None, 3, 1, None) == []
    errors = _kernels.kernel_param_errors("cosine", -1.0, -2, np.inf, {"gamma": 1})
    assert len(errors) == 5
    X = np.random.RandomState(0).normal(size=(20, 2))
    y = np.r_[np.tile([0, 1], 5), np.full(10, -1)]
    with pytest.raises(ValueError, match="gamma must be None or a positive number"):
        cls(kernel="rbf", gamma=-1.0).fit(X, y)


def test_estimator_gram_uses_the_fitted_parameters():
    X = np.random.RandomState(0).normal(size=(30, 2))
    y = np.r_[np.tile([0, 1], 10), np.full(10, -1)]
    tca = TCA(kernel="poly", degree=2, coef0=0.5, gamma=0.7, n_components=2).fit(X, y)
    expected = (0.7 * X @ X.T + 0.5) ** 2
    np.testing.assert_allclose(_kernels.estimator_gram(tca, X, X), expected)
    assert _kernels.block_rows(10**9) == 1 and _kernels.block_rows(1) == 20_000
