"""Squared MMD (tlearn.metrics.mmd2) and its permutation test (mmd_test).

Closed forms: for the rbf kernel k(x, y) = exp(-gamma ||x - y||^2) and
independent X ~ N(a, A), Y ~ N(b, B),

    E k(X, Y) = det(I + 2 gamma (A + B))^(-1/2)
                * exp(-gamma (a - b)' (I + 2 gamma (A + B))^(-1) (a - b)),

so the population MMD^2 = E k(X, X') + E k(Y, Y') - 2 E k(X, Y) of two
Gaussians is known exactly; each estimator's mean over seeded samples is
checked against it within a few standard errors.
"""

import numpy as np
import pytest
from scipy import stats
from sklearn.gaussian_process.kernels import RBF

from tlearn._kernels import SKLEARN_KERNELS, kernel_gram, paired_kernel
from tlearn.metrics import MMDTestResult, mmd2, mmd_test
from tlearn.metrics._divergence import linear_mmd, mmd_from_terms, quadratic_mmd_terms


def gaussian_rbf_mean(a, A, b, B, gamma):
    """E exp(-gamma ||X - Y||^2) for independent X ~ N(a, A), Y ~ N(b, B)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    M = np.eye(a.size) + 2.0 * gamma * (np.asarray(A) + np.asarray(B))
    delta = a - b
    return np.linalg.det(M) ** -0.5 * np.exp(-gamma * delta @ np.linalg.solve(M, delta))


def population_mmd2(a, A, b, B, gamma):
    return (
        gaussian_rbf_mean(a, A, a, A, gamma)
        + gaussian_rbf_mean(b, B, b, B, gamma)
        - 2.0 * gaussian_rbf_mean(a, A, b, B, gamma)
    )


MU_S, COV_S = np.zeros(2), np.diag([1.0, 0.5])
MU_T, COV_T = np.array([0.8, 0.0]), np.array([[1.5, 0.3], [0.3, 1.0]])
GAMMA = 0.5


def test_the_closed_form_itself():
    # isotropic case by hand: (1 + 4 gamma s^2)^(-d/2) for E k(X, X')
    s2, d = 1.3, 3
    value = gaussian_rbf_mean(np.zeros(d), s2 * np.eye(d), np.zeros(d), s2 * np.eye(d), 0.2)
    assert value == pytest.approx((1 + 4 * 0.2 * s2) ** (-d / 2), rel=1e-12)
    assert population_mmd2(MU_S, COV_S, MU_S, COV_S, GAMMA) == pytest.approx(0.0, abs=1e-15)
    # and by Monte Carlo on 200,000 pairs
    rng = np.random.default_rng(0)
    x = rng.multivariate_normal(MU_S, COV_S, size=200_000)
    y = rng.multivariate_normal(MU_T, COV_T, size=200_000)
    mc = np.exp(-GAMMA * np.sum((x - y) ** 2, axis=1)).mean()
    assert mc == pytest.approx(gaussian_rbf_mean(MU_S, COV_S, MU_T, COV_T, GAMMA), abs=4e-3)


def _replicates(method, n_s, n_t, n_rep, same=False, seed=0):
    rng = np.random.default_rng(seed)
    mu_t, cov_t = (MU_S, COV_S) if same else (MU_T, COV_T)
    values = np.empty(n_rep)
    for r in range(n_rep):
        Xs = rng.multivariate_normal(MU_S, COV_S, size=n_s)
        Xt = rng.multivariate_normal(mu_t, cov_t, size=n_t)
        values[r] = mmd2(Xs, Xt=Xt, gamma=GAMMA, method=method, random_state=r)
    return values


def _within(values, expected, n_se=4.0):
    se = values.std(ddof=1) / np.sqrt(values.size)
    return abs(values.mean() - expected) <= n_se * se, (values.mean(), expected, se)


def test_unbiased_mean_is_the_population_mmd2():
    truth = population_mmd2(MU_S, COV_S, MU_T, COV_T, GAMMA)
    assert truth > 0.05  # a real difference, not a degenerate case
    values = _replicates("unbiased", 40, 30, 250)
    ok, info = _within(values, truth)
    assert ok, info


def test_biased_mean_is_off_by_its_known_bias():
    # E[V-statistic] = MMD^2 + (k(x, x) - E k(x, x')) / m + (k(y, y) - E k(y, y')) / n
    n_s, n_t = 40, 30
    truth = population_mmd2(MU_S, COV_S, MU_T, COV_T, GAMMA)
    bias = (1 - gaussian_rbf_mean(MU_S, COV_S, MU_S, COV_S, GAMMA)) / n_s + (
        1 - gaussian_rbf_mean(MU_T, COV_T, MU_T, COV_T, GAMMA)
    ) / n_t
    values = _replicates("biased", n_s, n_t, 250)
    ok, info = _within(values, truth + bias)
    assert ok, info
    # the same check catches the biased estimate as an estimate of MMD^2
    ok, info = _within(values, truth)
    assert not ok, info


def test_linear_mean_is_the_population_mmd2():
    truth = population_mmd2(MU_S, COV_S, MU_T, COV_T, GAMMA)
    values = _replicates("linear", 200, 150, 400)
    ok, info = _within(values, truth)
    assert ok, info


@pytest.mark.parametrize("method", ["unbiased", "linear"])
def test_identical_distributions_give_mmd2_near_zero(method):
    values = _replicates(method, 40, 40, 200, same=True, seed=1)
    ok, info = _within(values, 0.0)
    assert ok, info
    assert (values < 0).any()  # an unbiased estimate of 0 takes both signs


# --- exact agreement with brute-force formulas -----------------------------------------------


def _brute_force(Xs, Xt, k, method):
    m, n = len(Xs), len(Xt)
    ss = sum(k(Xs[i], Xs[j]) for i in range(m) for j in range(m) if method == "biased" or i != j)
    tt = sum(k(Xt[i], Xt[j]) for i in range(n) for j in range(n) if method == "biased" or i != j)
    st = sum(k(Xs[i], Xt[j]) for i in range(m) for j in range(n))
    if method == "biased":
        return ss / m**2 + tt / n**2 - 2 * st / (m * n)
    return ss / (m * (m - 1)) + tt / (n * (n - 1)) - 2 * st / (m * n)


KERNELS = {
    "rbf": (dict(kernel="rbf", gamma=0.7), lambda x, y: np.exp(-0.7 * np.sum((x - y) ** 2))),
    "laplacian": (
        dict(kernel="laplacian", gamma=0.3),
        lambda x, y: np.exp(-0.3 * np.sum(np.abs(x - y))),
    ),
    "poly": (
        dict(kernel="poly", gamma=0.5, degree=2, coef0=1.5),
        lambda x, y: (0.5 * x @ y + 1.5) ** 2,
    ),
    "callable": (
        dict(kernel=RBF(length_scale=2.0)),
        lambda x, y: np.exp(-np.sum((x - y) ** 2) / 8.0),
    ),
}


@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("method", ["unbiased", "biased"])
def test_quadratic_estimates_equal_the_brute_force_formula(name, method):
    params, k = KERNELS[name]
    rng = np.random.default_rng(3)
    Xs, Xt = rng.normal(size=(7, 3)), rng.normal(0.5, size=(5, 3))
    expected = _brute_force(Xs, Xt, k, method)
    assert mmd2(Xs, Xt=Xt, method=method, **params) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("block_rows", [1, 2, 5, None])
def test_blockwise_terms_of_many_splits_equal_brute_force(block_rows):
    # the permutation test's path: every column a split, the Gram matrix in row blocks
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(11, 2))
    n_s = 6
    splits = np.zeros((11, 8), dtype=bool)
    for b in range(8):
        splits[rng.permutation(11)[:n_s], b] = True

    def gram(A, B):
        return kernel_gram(A, B, "rbf", gamma=0.4)

    terms = quadratic_mmd_terms(Z, splits, gram, block_rows=block_rows)
    for method in ("unbiased", "biased"):
        values = mmd_from_terms(*terms, n_s, 11 - n_s, method)
        for b in range(8):
            a = splits[:, b]
            expected = _brute_force(
                Z[a], Z[~a], lambda x, y: np.exp(-0.4 * np.sum((x - y) ** 2)), method
            )
            assert values[b] == pytest.approx(expected, rel=1e-12)


def test_linear_estimate_equals_its_formula_on_random_pairs():
    rng = np.random.default_rng(5)
    Xs, Xt = rng.normal(size=(9, 2)), rng.normal(1.0, size=(12, 2))

    def k(x, y):
        return np.exp(-0.6 * np.sum((x - y) ** 2))

    # the pairs: a random order of each side, from the seed, 2 * floor(9 / 2) = 8 rows each
    order = np.random.RandomState(7)
    rows_s, rows_t = order.permutation(9)[:8], order.permutation(12)[:8]
    x, y = Xs[rows_s], Xt[rows_t]
    expected = np.mean(
        [
            k(x[i], x[i + 1]) + k(y[i], y[i + 1]) - k(x[i], y[i + 1]) - k(x[i + 1], y[i])
            for i in range(0, 8, 2)
        ]
    )
    got = mmd2(Xs, Xt=Xt, kernel="rbf", gamma=0.6, method="linear", random_state=7)
    assert got == pytest.approx(expected, rel=1e-12)
    assert linear_mmd(x, y, lambda A, B: paired_kernel(A, B, "rbf", gamma=0.6)) == got


def test_linear_pairs_are_drawn_at_random_not_in_row_order():
    # With m = n rows and every row used, the mean of the linear estimate over
    # random pairings is exactly the unbiased estimate on the same rows. Source
    # rows sorted by cluster would make in-order pairs mostly same-cluster
    # pairs, far above it.
    rng = np.random.default_rng(6)
    centres = np.repeat([[0.0, 0.0], [6.0, 0.0]], 20, axis=0)
    Xs = centres + rng.normal(size=(40, 2))  # sorted: 20 rows of one cluster, then the other
    Xt = (centres + rng.normal(size=(40, 2)))[rng.permutation(40)]
    unbiased = mmd2(Xs, Xt=Xt, gamma=0.5)
    linear = np.array(
        [mmd2(Xs, Xt=Xt, gamma=0.5, method="linear", random_state=s) for s in range(600)]
    )
    ok, info = _within(linear, unbiased)
    assert ok, info
    in_order = linear_mmd(Xs, Xt, lambda A, B: paired_kernel(A, B, "rbf", gamma=0.5))
    ok, info = _within(linear, in_order)
    assert not ok, info


def test_median_heuristic_is_the_default_width():
    rng = np.random.default_rng(8)
    Xs, Xt = rng.normal(size=(30, 2)), rng.normal(1.0, size=(20, 2))
    Z = np.vstack([Xs, Xt])
    d2 = np.sum((Z[:, None] - Z[None]) ** 2, axis=-1)[np.triu_indices(50, 1)]
    gamma = 1.0 / np.median(d2)
    assert mmd2(Xs, Xt=Xt) == pytest.approx(mmd2(Xs, Xt=Xt, gamma=gamma), rel=1e-12)
    assert mmd2(Xs, Xt=Xt) != pytest.approx(mmd2(Xs, Xt=Xt, gamma=0.5), rel=1e-3)


# --- the permutation test ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["unbiased", "linear"])
def test_pvalues_are_uniform_under_the_null(method):
    rng = np.random.default_rng(9)
    n_seeds, B = 200, 99
    pvalues = np.empty(n_seeds)
    for s in range(n_seeds):
        Xs, Xt = rng.normal(size=(16, 2)), rng.normal(size=(14, 2))
        result = mmd_test(Xs, Xt=Xt, method=method, n_permutations=B, random_state=s)
        pvalues[s] = result.pvalue
    # the p-values live on {1/100, ..., 1}; under the null P(p <= k/100) = k/100
    assert stats.kstest(pvalues, "uniform").pvalue > 1e-3
    below = int(np.sum(pvalues <= 0.05))
    lo, hi = stats.binom.ppf([1e-4, 1 - 1e-4], n_seeds, 0.05)
    assert lo <= below <= hi, below


@pytest.mark.parametrize("method", ["unbiased", "biased", "linear"])
def test_different_distributions_give_the_smallest_pvalue(method):
    rng = np.random.default_rng(10)
    Xs, Xt = rng.normal(size=(60, 2)), rng.normal(2.0, size=(60, 2))
    result = mmd_test(Xs, Xt=Xt, method=method, n_permutations=199, random_state=0)
    assert result.pvalue == 1.0 / 200  # the +1 correction: never 0
    assert (result.null_distribution < result.statistic).all()


def test_the_result_and_its_pvalue_formula():
    rng = np.random.default_rng(11)
    Xs, Xt = rng.normal(size=(25, 3)), rng.normal(0.3, size=(20, 3))
    result = mmd_test(Xs, Xt=Xt, n_permutations=300, random_state=0)
    assert isinstance(result, MMDTestResult)
    assert result.null_distribution.shape == (300,)
    assert result.statistic == pytest.approx(mmd2(Xs, Xt=Xt, random_state=0), rel=1e-12)
    count = np.sum(result.null_distribution >= result.statistic)
    assert result.pvalue == (1 + count) / 301
    assert 0 < result.pvalue < 1
    again = mmd_test(Xs, Xt=Xt, n_permutations=300, random_state=0)
    np.testing.assert_array_equal(again.null_distribution, result.null_distribution)
    assert "300 permuted statistics" in repr(result)


def test_the_null_distribution_is_that_of_random_splits():
    # every permuted statistic is mmd2 of some split of the pooled rows with as
    # many source rows; the mean of the unbiased estimate over all splits is
    # the exact permutation mean, which the null's mean matches
    rng = np.random.default_rng(12)
    Xs, Xt = rng.normal(size=(8, 2)), rng.normal(1.5, size=(6, 2))
    result = mmd_test(Xs, Xt=Xt, gamma=0.5, n_permutations=3000, random_state=0)
    Z = np.vstack([Xs, Xt])
    splits = np.zeros((14, 2000), dtype=bool)
    check = np.random.default_rng(1)
    for b in range(2000):
        splits[check.permutation(14)[:8], b] = True
    reference = mmd_from_terms(
        *quadratic_mmd_terms(Z, splits, lambda A, B: kernel_gram(A, B, "rbf", gamma=0.5)), 8, 6
    )
    assert stats.ks_2samp(result.null_distribution, reference).pvalue > 1e-3
    assert result.null_distribution.min() >= reference.min() - 1e-12


@pytest.mark.parametrize("kernel", SKLEARN_KERNELS)
def test_every_sklearn_kernel_name(kernel):
    # the biased estimate is w' K w, w = (1/m, ..., -1/n, ...), with scikit-learn's Gram matrix
    from sklearn.metrics.pairwise import pairwise_kernels

    rng = np.random.default_rng(13)
    Xs, Xt = np.abs(rng.normal(size=(9, 3))), np.abs(rng.normal(0.5, size=(7, 3)))
    params = dict(gamma=0.4, degree=2, coef0=1.0)
    Z = np.vstack([Xs, Xt])
    K = pairwise_kernels(Z, metric=kernel, filter_params=True, **params)
    w = np.r_[np.full(9, 1 / 9), np.full(7, -1 / 7)]
    got = mmd2(Xs, Xt=Xt, kernel=kernel, method="biased", **params)
    assert got == pytest.approx(w @ K @ w, rel=1e-10, abs=1e-14)
    assert np.isfinite(mmd2(Xs, Xt=Xt, kernel=kernel, method="linear", random_state=0, **params))
