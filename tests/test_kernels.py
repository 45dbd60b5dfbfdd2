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
def test_one_kernel_parameter_table_for_every_family(cls):
    for name, allowed in _kernels.KERNEL_PARAMETER_CONSTRAINTS.items():
        assert cls._parameter_constraints[name] is allowed
    X = np.random.RandomState(0).normal(size=(20, 2))
    y = np.r_[np.tile([0, 1], 5), np.full(10, -1)]
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"^{name}: the parameter 'gamma' must be a real number"):
        cls(kernel="rbf", gamma=-1.0).fit(X, y)
    with pytest.raises(ValueError, match=rf"^{name}: the parameter 'kernel' must be a str among"):
        cls(kernel="cosine").fit(X, y)
    with pytest.raises(TypeError, match=rf"^{name}: the parameter 'degree' must be"):
        cls(degree=True).fit(X, y)
    with pytest.raises(ValueError, match=rf"^{name}: the parameter 'coef0' must be a finite real"):
        cls(coef0=np.inf).fit(X, y)
    with pytest.raises(ValueError, match=rf"^{name}: the parameter 'kernel_params' .*\['gamma'\]"):
        cls(kernel="rbf", kernel_params={"gamma": 1}).fit(X, y)
    _kernels.check_kernel_params(cls(kernel=rbf_kernel, kernel_params={"gamma": 1}))  # callable


def test_the_kernel_parameters_reach_the_kernel():
    X = np.random.RandomState(1).normal(size=(12, 3))
    seen = {}

    def kernel(A, B, **params):
        seen.update(params)
        return rbf_kernel(A, B, **params)

    K = _kernels.kernel_gram(X, X[:5], kernel, kernel_params={"gamma": 0.25})
    assert seen == {"gamma": 0.25}
    np.testing.assert_allclose(K, rbf_kernel(X, X[:5], gamma=0.25))
    K = _kernels.kernel_gram(X, kernel="poly", gamma=0.5, degree=2, coef0=3.0)
    np.testing.assert_allclose(K, (0.5 * X @ X.T + 3.0) ** 2)
    assert _kernels.kernel_gram(X, kernel="rbf")[0, 1] == rbf_kernel(X, gamma=1 / 3)[0, 1]


def test_median_heuristic_lives_in_the_shared_layer():
    from tlearn.instance import _kmm

    assert _kmm.median_heuristic_gamma is _kernels.median_heuristic_gamma
    X = np.array([[0.0], [1.0], [3.0]])
    assert _kernels.median_heuristic_gamma(X) == 0.25  # squared distances 1, 4, 9
    assert _kernels.median_heuristic_gamma(X, metric="manhattan") == 0.5  # 1, 2, 3
    assert _kernels.median_heuristic_gamma(np.zeros((4, 2))) == 1.0
    assert _kernels.median_heuristic_gamma(np.array([[0.0], [8e-162]])) == 1.0  # 1/med overflows
    with pytest.raises(ValueError, match="metric must be"):
        _kernels.median_heuristic_gamma(X, metric="cosine")
    big = np.random.RandomState(0).normal(size=(50, 2))
    a = _kernels.median_heuristic_gamma(big, max_rows=10, random_state=3)
    assert a == _kernels.median_heuristic_gamma(big, max_rows=10, random_state=3)


def test_a_fresh_random_state_never_touches_the_global_one():
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is untouched)
    rng = _kernels.random_state_or_fresh(None)
    rng.uniform(size=3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    same = np.random.RandomState(0)
    assert _kernels.random_state_or_fresh(same) is same


def test_estimator_gram_uses_the_fitted_parameters():
    X = np.random.RandomState(0).normal(size=(30, 2))
    y = np.r_[np.tile([0, 1], 10), np.full(10, -1)]
    tca = TCA(kernel="poly", degree=2, coef0=0.5, gamma=0.7, n_components=2).fit(X, y)
    expected = (0.7 * X @ X.T + 0.5) ** 2
    np.testing.assert_allclose(_kernels.estimator_gram(tca, X, X), expected)
    assert _kernels.block_rows(10**9) == 1 and _kernels.block_rows(1) == 20_000


def test_sklearn_kernels_are_every_kernel_of_pairwise_kernels():
    from sklearn.metrics.pairwise import kernel_metrics

    assert set(_kernels.SKLEARN_KERNELS) == set(kernel_metrics())
    assert set(_kernels.KERNELS) <= set(_kernels.SKLEARN_KERNELS)


@pytest.mark.parametrize("kernel", [*_kernels.SKLEARN_KERNELS, "callable"])
def test_paired_kernel_is_the_diagonal_of_the_gram(kernel):
    from sklearn.gaussian_process.kernels import RBF, DotProduct

    rng = np.random.RandomState(0)
    X, Y = np.abs(rng.normal(size=(150, 4))), np.abs(rng.normal(size=(150, 4)))
    X[3] = 0.0  # a zero row (cosine) and zero sums (chi2)
    Y[3] = 0.0
    params = dict(gamma=0.3, degree=2, coef0=0.5)
    if kernel == "callable":
        kernel, params = RBF(1.5) + DotProduct(), {}  # more than one block of 64 pairs
    got = _kernels.paired_kernel(X, Y, kernel, **params)
    expected = np.diagonal(_kernels.kernel_gram(X, Y, kernel, **params))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_kernel_arguments_of_a_function_in_the_one_format():
    with pytest.raises(ValueError, match=r"^mmd2: the parameter 'kernel_params' must be a dict"):
        _kernels.check_kernel_arguments("mmd2", "rbf", {"gamma": 1.0, "foo": 2})
    _kernels.check_kernel_arguments("mmd2", rbf_kernel, {"gamma": 1.0})  # a callable's own


def test_centers_are_a_seeded_subset_of_the_candidates():
    candidates = np.arange(100, 160)
    a = _kernels.select_centers(candidates, 10, random_state=4)
    assert a.size == 10 and np.unique(a).size == 10 and np.isin(a, candidates).all()
    np.testing.assert_array_equal(a, np.sort(a))
    np.testing.assert_array_equal(a, _kernels.select_centers(candidates, 10, random_state=4))
    assert not np.array_equal(a, _kernels.select_centers(candidates, 10, random_state=5))
    # with few candidates every one is a centre, and nothing is drawn
    np.testing.assert_array_equal(_kernels.select_centers(np.array([7, 3]), 10), [3, 7])
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is untouched)
    _kernels.select_centers(candidates, 10, random_state=np.random.RandomState(0))
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    with pytest.raises(ValueError, match="n_centers must be at least 1"):
        _kernels.select_centers(candidates, 0)


def test_sigma_to_gamma_is_the_gaussian_kernel_of_width_sigma():
    X = np.random.RandomState(2).normal(size=(6, 3))
    sigma = 0.8
    K = _kernels.kernel_gram(X, kernel="rbf", gamma=_kernels.sigma_to_gamma(sigma))
    D2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    np.testing.assert_allclose(K, np.exp(-D2 / (2 * sigma**2)))
    assert _kernels.sigma_to_gamma(1e-200) == np.inf  # sigma^2 underflows: no ZeroDivisionError
