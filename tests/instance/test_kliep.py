"""KLIEP: the convex problem, its solver and certificate, likelihood cross-validation, the ratio.

Each claim of ``tlearn/instance/_kliep.py`` has a test that fails on the wrong
version: the solver's optimum agrees with an independent exponential-cone
solver (the paper's own projected gradient ascent stalls below it); the
constraint holds and no feasible perturbation does better;
the certificate bounds the true gap; the cross-validation scores are the
defined ones; the ratio tracks the true ratio of two Gaussians (with
thresholds measured over 10 seeds, see below); identical domains give
ratios near 1.
"""

import warnings

import numpy as np
import pytest
from _gaussians import gaussian_shift, relative_error, true_ratio
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from tlearn.instance import KLIEP
from tlearn.instance._kliep import (
    MIN_SOURCE_MEAN,
    kliep_cv_scores,
    kliep_duality_gap,
    kliep_log_likelihood,
    kliep_solve,
)


def _random_problem(seed, m=40, k=8):
    """Kernel values of m target rows at k centres, and the centres' source means."""
    rng = np.random.default_rng(seed)
    Xs, Xt = rng.normal(size=(60, 2)), rng.normal(0.5, 0.7, size=(m, 2))
    C = Xt[:k]
    A = np.exp(-((Xt[:, None, :] - C[None]) ** 2).sum(axis=2) / (2 * 0.6**2))
    b = np.exp(-((Xs[:, None, :] - C[None]) ** 2).sum(axis=2) / (2 * 0.6**2)).mean(axis=0)
    return A, b


def _paper_projected_gradient(A, b, step=1e-4, n_iter=20_000):
    """Sugiyama et al.'s algorithm (NIPS 2007, figure 1), written out independently."""
    alpha = np.ones(A.shape[1])
    alpha /= b @ alpha
    for _ in range(n_iter):
        alpha = alpha + step * A.T @ (1.0 / (A @ alpha))
        alpha = alpha + (1 - b @ alpha) * b / (b @ b)
        alpha = np.maximum(0.0, alpha)
        alpha = alpha / (b @ alpha)
    return alpha


# --- the convex problem ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_the_solver_reaches_the_optimum_of_an_exponential_cone_solver(seed):
    cp = pytest.importorskip("cvxpy")
    A, b = _random_problem(seed)
    solution = kliep_solve(A, b, tol=1e-10)
    a = cp.Variable(A.shape[1], nonneg=True)
    problem = cp.Problem(cp.Maximize(cp.sum(cp.log(A @ a)) / A.shape[0]), [b @ a == 1])
    problem.solve(solver="CLARABEL")
    assert problem.status == "optimal"
    assert solution.converged and solution.duality_gap <= 1e-10
    assert solution.objective >= problem.value - 1e-7
    assert_allclose(solution.alpha, np.maximum(a.value, 0), atol=1e-4 * solution.alpha.max())


@pytest.mark.parametrize("seed", [0, 2])
def test_the_papers_projected_gradient_ascent_stalls_below_the_optimum(seed):
    # its "projection" (onto the hyperplane, clip, rescale) is not the projection onto
    # the feasible set, and its fixed points are not optimal: on seeds 0-7 of this
    # problem 20,000 steps of 1e-2 ended 7e-5 to 0.08 below the maximum (1e-3: the same)
    A, b = _random_problem(seed)
    solution = kliep_solve(A, b, tol=1e-10)
    for step in (1e-3, 1e-2):
        paper = _paper_projected_gradient(A, b, step=step)
        assert abs(b @ paper - 1) < 1e-12  # feasible ...
        assert kliep_log_likelihood(paper, A) < solution.objective - 1e-3  # ... and below
        assert kliep_duality_gap(paper, A, b) > 1e-3  # which the certificate reports


@pytest.mark.parametrize("seed", [3, 4])
def test_the_constraint_holds_and_no_feasible_perturbation_does_better(seed):
    A, b = _random_problem(seed)
    solution = kliep_solve(A, b)
    alpha = solution.alpha
    assert alpha.min() >= 0.0
    assert abs(b @ alpha - 1.0) < 1e-12  # (1/ns) sum_i w(x_i^s) = 1
    assert 0 < (alpha > 0).sum() < alpha.size  # an optimum with active bounds
    rng = np.random.default_rng(seed)
    for scale in (1e-3, 1e-2, 1e-1):
        for _ in range(100):
            other = np.maximum(alpha + scale * alpha.max() * rng.normal(size=alpha.size), 0)
            other /= b @ other
            assert kliep_log_likelihood(other, A) <= solution.objective + 1e-6


def test_the_certificate_bounds_the_true_gap_and_vanishes_at_the_optimum():
    A, b = _random_problem(5)
    best = kliep_solve(A, b, tol=1e-12)
    assert best.duality_gap <= 1e-12
    rng = np.random.default_rng(5)
    for _ in range(50):
        alpha = rng.dirichlet(np.ones(b.size)) / b  # feasible: b'alpha = 1
        gap = best.objective - kliep_log_likelihood(alpha, A)
        assert 0 <= gap <= kliep_duality_gap(alpha, A, b) + 1e-12


def test_centres_that_no_source_row_reaches_get_no_weight():
    A, b = _random_problem(6)
    b = b.copy()
    b[2] = 0.0  # the constraint would not bound alpha_2
    solution = kliep_solve(A, b)
    assert solution.alpha[2] == 0.0 and np.isfinite(solution.objective)
    assert abs(b @ solution.alpha - 1.0) < 1e-12
    b[:] = MIN_SOURCE_MEAN / 10
    with pytest.raises(ValueError, match="no target row is reached"):
        kliep_solve(A, b)


def test_an_iteration_limit_is_reported():
    X, y, sd, _, _ = gaussian_shift(0, n_source=200, n_target=200)
    with pytest.warns(ConvergenceWarning, match="max_iter=1 iterations"):
        model = KLIEP(sigma=0.3, max_iter=1, random_state=0).fit(X, y, sample_domain=sd)
    assert model.n_iter_ == 1 and model.duality_gap_ > model.tol
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = KLIEP(sigma=0.3, random_state=0).fit(X, y, sample_domain=sd)
    assert model.duality_gap_ <= model.tol


# --- likelihood cross-validation ---------------------------------------------------------------


def _gaussian(X, C, sigma):
    return np.exp(-((X[:, None, :] - C[None]) ** 2).sum(axis=2) / (2 * sigma**2))


def test_the_cv_scores_are_the_defined_held_out_likelihoods():
    rng = np.random.default_rng(7)
    Xs, Xt = rng.normal(size=(40, 2)), rng.normal(0.5, 0.7, size=(30, 2))
    C = Xt[::3]
    index = np.arange(30)
    folds = [(index[index % 3 != r], index[index % 3 == r]) for r in (0, 1)]
    source_folds = [(np.arange(40)[10:], np.arange(10)), (np.arange(40)[:30], np.arange(30, 40))]
    sigmas = np.array([0.4, 1.0])
    paper = kliep_cv_scores(Xs, Xt, C, sigmas, folds)
    normalized = kliep_cv_scores(Xs, Xt, C, sigmas, folds, source_folds=source_folds)
    for s, sigma in enumerate(sigmas):
        A, As = _gaussian(Xt, C, sigma), _gaussian(Xs, C, sigma)
        expected_paper, expected_normalized = [], []
        for (train, test), (s_train, s_test) in zip(folds, source_folds):
            alpha = kliep_solve(A[train], As.mean(axis=0)).alpha  # every source row
            expected_paper.append(np.mean(np.log(A[test] @ alpha)))
            alpha = kliep_solve(A[train], As[s_train].mean(axis=0)).alpha  # training part
            held_out = np.mean(np.log(A[test] @ alpha))
            expected_normalized.append(held_out - np.log(np.mean(As[s_test] @ alpha)))
        assert_allclose(paper[s], np.mean(expected_paper), rtol=1e-6)
        assert_allclose(normalized[s], np.mean(expected_normalized), rtol=1e-6)
    with pytest.raises(ValueError, match="one pair per target fold"):
        kliep_cv_scores(Xs, Xt, C, sigmas, folds, source_folds=source_folds[:1])


def test_the_width_is_the_best_candidate_and_a_given_width_is_used_as_given():
    X, y, sd, _, _ = gaussian_shift(1, n_source=150, n_target=120)
    model = KLIEP(sigma=[0.05, 0.3, 1.0, 5.0], cv=4, random_state=0)
    model.fit(X, y, sample_domain=sd)
    assert_allclose(model.sigma_grid_, [0.05, 0.3, 1.0, 5.0])
    assert model.cv_scores_.shape == (4,)
    assert model.sigma_ == model.sigma_grid_[np.argmax(model.cv_scores_)]
    assert model.cv_scores_[0] < model.cv_scores_.max()  # far too narrow loses
    given = KLIEP(sigma=model.sigma_, random_state=0).fit(X, y, sample_domain=sd)
    assert given.cv_scores_ is None
    assert_allclose(given.alpha_, model.alpha_)
    default = KLIEP(random_state=0).fit(X, y, sample_domain=sd)
    assert default.sigma_grid_.size == 9
    assert_allclose(default.sigma_grid_[1:] / default.sigma_grid_[:-1], np.sqrt(2))


# --- the ratio against the truth ---------------------------------------------------------------
#
# Thresholds: the worst of seeds 0-9 (source N(0, 1), target N(0.5, 0.7^2), 500 rows
# each; ``relative_error`` is the mean squared error over the variance of the true
# ratio, 1 for the constant estimate), rounded outwards; the tests run seeds 0 and 1.
# Measured with the code of these tests over seeds 0-9:
#   paper criterion, 1-d, at the source rows: correlation >= 0.82, error <= 0.70;
#   normalized criterion, 1-d, at new source rows: correlation >= 0.92, error <= 0.17;
#   normalized criterion, 3-d, at the source rows: correlation >= 0.85, error <= 0.29.


@pytest.mark.parametrize("seed", [0, 1])
def test_the_papers_criterion_tracks_the_true_ratio_at_the_source_rows(seed):
    X, y, sd, Xs, _ = gaussian_shift(seed)
    model = KLIEP(random_state=seed).fit(X, y, sample_domain=sd)
    r = true_ratio(Xs)
    assert np.corrcoef(model.weights_, r)[0, 1] > 0.8
    assert relative_error(model.weights_, r) < 0.75
    assert_allclose(model.weights_.mean(), 1.0, rtol=1e-10)  # the constraint


@pytest.mark.parametrize("seed", [0, 1])
def test_the_normalized_criterion_tracks_the_true_ratio_on_new_rows(seed):
    X, y, sd, _, X_new = gaussian_shift(seed)
    model = KLIEP(cv_criterion="normalized", random_state=seed).fit(X, y, sample_domain=sd)
    estimate, r = model.density_ratio(X_new), true_ratio(X_new)
    assert np.corrcoef(estimate, r)[0, 1] > 0.9
    assert relative_error(estimate, r) < 0.2


@pytest.mark.parametrize("seed", [0, 1])
def test_in_three_dimensions_the_papers_criterion_chooses_too_narrow_kernels(seed):
    # the documented failure of the paper's criterion, and the normalized one's fix:
    # over seeds 0-9 the paper's error on new source rows was 6 to 3e9 times the other's
    X, y, sd, Xs, X_new = gaussian_shift(seed, n_features=3)
    paper = KLIEP(random_state=seed).fit(X, y, sample_domain=sd)
    normalized = KLIEP(cv_criterion="normalized", random_state=seed).fit(X, y, sample_domain=sd)
    r, r_new = true_ratio(Xs), true_ratio(X_new)
    assert paper.sigma_ < normalized.sigma_
    assert np.corrcoef(normalized.weights_, r)[0, 1] > 0.85
    assert relative_error(normalized.weights_, r) < 0.3
    errors = [relative_error(m.density_ratio(X_new), r_new) for m in (paper, normalized)]
    assert errors[0] > 5 * errors[1]


def test_identical_domains_give_ratios_near_one():
    # worst of seeds 0-9 (500 rows a side, 1-d): mean |w - 1| 0.25 (paper), 0.20 (normalized)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 1))
    sd = np.r_[np.ones(500, int), -2 * np.ones(500, int)]
    y = np.r_[(X[:500, 0] > 0).astype(int), -np.ones(500, int)]
    for criterion, bound in (("paper", 0.3), ("normalized", 0.25)):
        model = KLIEP(cv_criterion=criterion, random_state=0).fit(X, y, sample_domain=sd)
        assert np.mean(np.abs(model.weights_ - 1)) < bound
        assert np.mean(np.abs(model.density_ratio(rng.normal(size=(500, 1))) - 1)) < bound
    X_shift, y_shift, sd_shift, Xs, _ = gaussian_shift(0)
    shifted = KLIEP(random_state=0).fit(X_shift, y_shift, sample_domain=sd_shift)
    assert np.mean(np.abs(shifted.weights_ - 1)) > 0.4  # the true E_s|r - 1| is 0.54


def test_few_target_rows_need_a_single_width():
    X, y, sd, _, _ = gaussian_shift(0, n_source=20, n_target=1)
    with pytest.raises(ValueError, match=r"^KLIEP: the parameter 'sigma' must be one value"):
        KLIEP().fit(X, y, sample_domain=sd)
    model = KLIEP(sigma=1.0).fit(X, y, sample_domain=sd)
    assert model.centers_.shape == (1, 1)
    with pytest.raises(ValueError, match=r"^KLIEP: the parameter 'sigma' must be a width at"):
        KLIEP(sigma=1e-3).fit(np.r_[X[:20], X[20:] + 100], y, sample_domain=sd)
    # every candidate unfit in every fold (-inf): the widest is refitted, and fails clearly
    X, y, sd, _, _ = gaussian_shift(0, n_source=20, n_target=10)
    X[sd < 0] += 100
    with pytest.raises(ValueError, match=r"must be a width at which .*; got 0\.002\.$"):
        KLIEP(sigma=[1e-3, 2e-3], cv=2).fit(X, y, sample_domain=sd)
