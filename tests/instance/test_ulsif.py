"""uLSIF: the closed form, its direction, the closed-form leave-one-out score, and the ratio.

The leave-one-out score is checked against brute force (each pair removed and
the fit recomputed from scratch) on a small problem, and the test is shown to
tell the plausible wrong formulas apart (no removal, removing one side only, the
regularisation not rescaled); the ratio tracks the true ratio of two Gaussians
with thresholds measured over 10 seeds.
"""

import numpy as np
import pytest
from _gaussians import gaussian_shift, relative_error, true_ratio
from numpy.testing import assert_allclose

from tlearn.instance import ULSIF
from tlearn.instance._ulsif import REG_GRID, ulsif_alpha, ulsif_loo_scores, ulsif_score, ulsif_terms


def _gaussian(X, C, sigma):
    return np.exp(-((X[:, None, :] - C[None]) ** 2).sum(axis=2) / (2 * sigma**2))


def _brute_force_loo(Phi_s, Phi_t, loo_s, loo_t, reg, drop_source=True, drop_target=True):
    """Remove pair i, refit (H + reg I)^-1 h from scratch, clip, score the held-out pair."""
    total = []
    for i_s, i_t in zip(loo_s, loo_t):
        keep_s = np.arange(len(Phi_s)) != i_s if drop_source else slice(None)
        keep_t = np.arange(len(Phi_t)) != i_t if drop_target else slice(None)
        H = Phi_s[keep_s].T @ Phi_s[keep_s] / len(Phi_s[keep_s])
        h = Phi_t[keep_t].mean(axis=0)
        alpha = np.maximum(np.linalg.solve(H + reg * np.eye(len(h)), h), 0)
        total.append(0.5 * (Phi_s[i_s] @ alpha) ** 2 - Phi_t[i_t] @ alpha)
    return float(np.mean(total))


def _small_problem(seed, n_s=25, n_t=18, n_centers=7):
    rng = np.random.default_rng(seed)
    Xs, Xt = rng.normal(size=(n_s, 2)), rng.normal(0.5, 0.7, size=(n_t, 2))
    return Xs, Xt, Xt[rng.choice(n_t, n_centers, replace=False)]


# --- the closed form ---------------------------------------------------------------------------


def test_the_terms_and_the_solution_are_the_papers():
    Xs, Xt, C = _small_problem(0)
    Phi_s, Phi_t = _gaussian(Xs, C, 0.8), _gaussian(Xt, C, 0.8)
    H, h = ulsif_terms(Phi_s, Phi_t)
    assert_allclose(H, sum(np.outer(p, p) for p in Phi_s) / len(Xs))  # source rows
    assert_allclose(h, Phi_t.sum(axis=0) / len(Xt))  # target rows
    for reg in (1e-3, 0.1, 10.0):
        alpha = ulsif_alpha(H, h, reg)
        beta = np.linalg.solve(H + reg * np.eye(len(h)), h)
        assert_allclose(alpha, np.maximum(beta, 0))
        # beta minimises 1/2 b'Hb - h'b + reg/2 b'b: the gradient vanishes
        assert_allclose(H @ beta - h + reg * beta, 0, atol=1e-12)
    assert (ulsif_alpha(H, h, 1e-3) == 0).any()  # the rounding up to 0 is exercised


def test_the_ratio_is_target_over_source():
    # p_t / p_s, not p_s / p_t: with the roles of the rows swapped the weights
    # track the inverse ratio and not the ratio
    X, y, sd, Xs, _ = gaussian_shift(0)
    r = true_ratio(Xs)
    model = ULSIF(random_state=0).fit(X, y, sample_domain=sd)
    assert np.corrcoef(model.weights_, r)[0, 1] > 0.9
    Xt = X[sd < 0]
    y_swapped = np.r_[(Xt[:, 0] > 0).astype(int), -np.ones(500, int)]
    swapped = ULSIF(random_state=0).fit(np.vstack([Xt, Xs]), y_swapped, sample_domain=sd)
    assert np.corrcoef(swapped.density_ratio(Xs), r)[0, 1] < 0


# --- the closed-form leave-one-out score ---------------------------------------------------------


@pytest.mark.parametrize("seed, n_s, n_t", [(1, 25, 18), (2, 15, 22)])
def test_the_loo_score_equals_brute_force_leave_one_out(seed, n_s, n_t):
    Xs, Xt, C = _small_problem(seed, n_s, n_t)
    rng = np.random.default_rng(seed)
    n = min(n_s, n_t)
    loo_s, loo_t = rng.choice(n_s, n, replace=False), rng.choice(n_t, n, replace=False)
    regs = np.array([1e-3, 0.03, 1.0])
    for sigma in (0.4, 1.5):
        Phi_s, Phi_t = _gaussian(Xs, C, sigma), _gaussian(Xt, C, sigma)
        closed = ulsif_loo_scores(Phi_s, Phi_t, loo_s, loo_t, regs)
        for reg, score in zip(regs, closed):
            brute = _brute_force_loo(Phi_s, Phi_t, loo_s, loo_t, reg)
            assert_allclose(score, brute, rtol=1e-9, atol=1e-12)
            # the plausible wrong formulas give other numbers, far beyond the tolerance
            wrong = [
                _brute_force_loo(Phi_s, Phi_t, loo_s, loo_t, reg, False, False),  # no removal
                _brute_force_loo(Phi_s, Phi_t, loo_s, loo_t, reg, drop_target=False),
                _brute_force_loo(Phi_s, Phi_t, loo_s, loo_t, reg, drop_source=False),
                _brute_force_loo(Phi_s, Phi_t, loo_s, loo_t, reg * (n_s - 1) / n_s),
            ]
            for value in wrong:
                assert abs(value - brute) > 1e-6 * max(1.0, abs(brute))


def test_the_criterion_is_the_squared_error_up_to_a_constant():
    # 1/2 E_s[(w_hat - w)^2] = 1/2 E_s[w_hat^2] - E_t[w_hat] + const: the criterion
    # orders two estimates as their squared errors do, with large samples
    rng = np.random.default_rng(3)
    Xs, Xt = rng.normal(size=(200_000, 1)), rng.normal(0.5, 0.7, size=(200_000, 1))
    r = true_ratio(Xs)
    good, poor = r * 0.9 + 0.1, np.ones_like(r)
    const = 0.5 * np.mean(r**2)
    for estimate, on_target in ((good, true_ratio(Xt) * 0.9 + 0.1), (poor, np.ones(len(Xt)))):
        assert_allclose(
            ulsif_score(estimate, on_target) + const,
            0.5 * np.mean((estimate - r) ** 2),
            atol=5e-3,
        )


def test_the_chosen_pair_minimises_the_loo_score():
    X, y, sd, _, _ = gaussian_shift(4, n_source=150, n_target=120)
    model = ULSIF(random_state=0).fit(X, y, sample_domain=sd)
    assert model.cv_scores_.shape == (9, 9)
    assert_allclose(model.reg_grid_, REG_GRID)
    i, j = np.unravel_index(np.argmin(model.cv_scores_), model.cv_scores_.shape)
    assert (model.sigma_, model.reg_) == (model.sigma_grid_[i], model.reg_grid_[j])
    # refitted on every row with the chosen pair: the closed form on all rows
    given = ULSIF(sigma=model.sigma_, reg=model.reg_, random_state=0)
    given.fit(X, y, sample_domain=sd)
    assert given.cv_scores_ is None
    C = X[given.center_indices_]
    H, h = ulsif_terms(_gaussian(X[sd > 0], C, model.sigma_), _gaussian(X[sd < 0], C, model.sigma_))
    assert_allclose(given.alpha_, ulsif_alpha(H, h, model.reg_), rtol=1e-10)
    assert_allclose(given.alpha_, model.alpha_)


# --- the ratio against the truth ---------------------------------------------------------------
#
# Thresholds: the worst of seeds 0-9 (source N(0, I), target N(0.5, 0.7^2 I), 500 rows
# each, the defaults; ``relative_error`` as in tests/_gaussians.py), rounded outwards;
# the tests run seeds 0 and 1. At new source rows: 1-d correlation >= 0.86 and error
# <= 0.35; 3-d correlation >= 0.93 and error <= 0.14.


@pytest.mark.parametrize(
    "seed, n_features, min_corr, max_error",
    [(0, 1, 0.85, 0.4), (1, 1, 0.85, 0.4), (0, 3, 0.9, 0.2)],
)
def test_the_ratio_tracks_the_true_ratio(seed, n_features, min_corr, max_error):
    X, y, sd, Xs, X_new = gaussian_shift(seed, n_features=n_features)
    model = ULSIF(random_state=seed).fit(X, y, sample_domain=sd)
    estimate, r = model.density_ratio(X_new), true_ratio(X_new)
    assert np.corrcoef(estimate, r)[0, 1] > min_corr
    assert relative_error(estimate, r) < max_error
    assert np.corrcoef(model.weights_, true_ratio(Xs))[0, 1] > min_corr


def test_identical_domains_give_ratios_near_one():
    # worst of seeds 0-9 (500 rows a side): mean |w - 1| 0.19 (1-d), 0.10 (3-d)
    for n_features, bound in ((1, 0.25), (3, 0.15)):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(1000, n_features))
        sd = np.r_[np.ones(500, int), -2 * np.ones(500, int)]
        y = np.r_[(X[:500, 0] > 0).astype(int), -np.ones(500, int)]
        model = ULSIF(random_state=0).fit(X, y, sample_domain=sd)
        assert np.mean(np.abs(model.weights_ - 1)) < bound
        assert np.mean(np.abs(model.density_ratio(rng.normal(size=(500, n_features))) - 1)) < bound


def test_the_loo_score_needs_two_rows_a_side():
    X, y, sd, _, _ = gaussian_shift(0, n_source=20, n_target=1)
    with pytest.raises(ValueError, match=r"^ULSIF: the parameter 'sigma' must be one value"):
        ULSIF().fit(X, y, sample_domain=sd)
    model = ULSIF(sigma=1.0, reg=0.1).fit(X, y, sample_domain=sd)
    assert model.alpha_.shape == (1,) and model.alpha_[0] > 0


def test_domains_far_apart_at_the_width_are_a_clear_error():
    X = np.r_[np.zeros((4, 1)), np.full((3, 1), 5.0)]
    y, sd = np.r_[0, 1, 0, 1, -1, -1, -1], np.r_[np.ones(4, int), -2 * np.ones(3, int)]
    with pytest.raises(ValueError, match=r"^ULSIF: the fitted density ratio is 0 at every source"):
        ULSIF(sigma=0.05, reg=0.1).fit(X, y, sample_domain=sd)
    assert ULSIF(sigma=3.0, reg=0.1).fit(X, y, sample_domain=sd).weights_.min() > 0
