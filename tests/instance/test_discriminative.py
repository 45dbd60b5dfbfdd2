"""The discriminative ratio: Bayes' rule with the prior correction, clipping, and the closed form.

For two Gaussians with one covariance the log-ratio is linear with known
coefficients, and a logistic domain classifier is the right model: the fitted
ratio must recover them (with unequal numbers of source and target rows, so
that a missing or inverted prior factor n_s / n_t fails).
"""

import numpy as np
import pytest
from _gaussians import gaussian_shift, relative_error, true_ratio
from numpy.testing import assert_allclose
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from sklearn.svm import SVC, LinearSVC

from tlearn.instance import DiscriminativeRatio
from tlearn.instance._discriminative import classifier_ratio


def test_bayes_rule_with_the_prior_correction():
    p = np.array([0.5, 0.8, 0.2])
    assert_allclose(classifier_ratio(p, 300, 100), p / (1 - p) * 3)
    assert_allclose(classifier_ratio(p, 100, 300), p / (1 - p) / 3)
    bounds = classifier_ratio(np.array([0.0, 1.0]), 10, 10, clip=0.01)
    assert_allclose(bounds, [0.01 / 0.99, 0.99 / 0.01])
    assert np.isfinite(classifier_ratio(np.array([0.0, 1.0]), 10, 10)).all()


def test_a_logistic_domain_classifier_recovers_the_linear_log_ratio():
    # source N(mu_s, S), target N(mu_t, S): log p_t/p_s (x) = w'x + c with
    # w = S^-1 (mu_t - mu_s) and c = -(mu_t' S^-1 mu_t - mu_s' S^-1 mu_s) / 2
    rng = np.random.default_rng(0)
    S = np.array([[1.0, 0.3, 0.0], [0.3, 0.8, -0.2], [0.0, -0.2, 0.5]])
    mu_s, mu_t = np.array([0.0, 0.5, -0.2]), np.array([0.4, 0.1, 0.3])
    n_s, n_t = 40_000, 16_000
    Xs = rng.multivariate_normal(mu_s, S, size=n_s)
    Xt = rng.multivariate_normal(mu_t, S, size=n_t)
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] > 0).astype(int), -np.ones(n_t, int)]
    sd = np.r_[np.ones(n_s, int), -2 * np.ones(n_t, int)]
    model = DiscriminativeRatio().fit(X, y, sample_domain=sd)
    P = np.linalg.inv(S)
    w = P @ (mu_t - mu_s)
    c = -(mu_t @ P @ mu_t - mu_s @ P @ mu_s) / 2
    log_r = np.log(model.density_ratio(np.vstack([np.zeros(3), np.eye(3)])))
    assert_allclose(log_r[0], c, atol=0.03)  # log(n_s / n_t) = 0.92 would fail
    assert_allclose(log_r[1:] - log_r[0], w, atol=0.05)
    assert model.prior_ratio_ == n_s / n_t
    assert_allclose(model.weights_.mean(), 1.0, atol=0.02)  # E_s[p_t / p_s] = 1


@pytest.mark.parametrize("seed, n_features", [(0, 1), (1, 1), (0, 3)])
def test_a_quadratic_logistic_model_tracks_the_ratio_of_two_variances(seed, n_features):
    # target N(0.5, 0.7^2 I): the log-ratio is quadratic, so logistic regression on
    # degree-2 features is the right model. Worst of seeds 0-9, 500 rows a side, at new
    # source rows: correlation >= 0.96 and error <= 0.09 (1-d), >= 0.95 and <= 0.19 (3-d)
    X, y, sd, _, X_new = gaussian_shift(seed, n_features=n_features)
    classifier = make_pipeline(PolynomialFeatures(2), LogisticRegression(C=100, max_iter=1000))
    model = DiscriminativeRatio(domain_classifier=classifier).fit(X, y, sample_domain=sd)
    estimate, r = model.density_ratio(X_new), true_ratio(X_new)
    assert np.corrcoef(estimate, r)[0, 1] > 0.95
    assert relative_error(estimate, r) < 0.25
    assert not hasattr(classifier, "n_features_in_")  # the given classifier is left unfitted


def test_clipping_bounds_the_ratio_on_separable_domains():
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(-5, 0.3, size=(60, 1)), rng.normal(5, 0.3, size=(30, 1))]
    y = np.r_[np.arange(60) % 2, -np.ones(30, int)]
    sd = np.r_[np.ones(60, int), -2 * np.ones(30, int)]
    classifier = LogisticRegression(C=1e6, max_iter=1000)
    model = DiscriminativeRatio(domain_classifier=classifier, clip=0.01).fit(X, y, sd)
    low, high = 0.01 / 0.99 * 2, 0.99 / 0.01 * 2  # n_s / n_t = 2
    assert_allclose(model.weights_, low)  # every source row at the lower bound
    assert_allclose(model.density_ratio(np.array([[20.0]])), high)


def test_the_domain_classifier_must_give_probabilities():
    X, y, sd, _, _ = gaussian_shift(0, n_source=40, n_target=30)
    for classifier in (LinearSVC(), SVC()):
        with pytest.raises(TypeError, match="the domain classifier .* has no predict_proba"):
            DiscriminativeRatio(domain_classifier=classifier).fit(X, y, sample_domain=sd)
    model = DiscriminativeRatio(domain_classifier=CalibratedClassifierCV(LinearSVC()))
    assert model.fit(X, y, sample_domain=sd).weights_.min() > 0
    with pytest.raises(ValueError, match="'domain_classifier' must be a classifier"):
        DiscriminativeRatio(domain_classifier=Ridge()).fit(X, y, sample_domain=sd)


def test_identical_domains_give_ratios_near_one():
    # worst of seeds 0-9 (500 rows a side): mean |w - 1| 0.09 (1-d), 0.13 (3-d)
    for n_features, bound in ((1, 0.12), (3, 0.17)):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(1000, n_features))
        sd = np.r_[np.ones(500, int), -2 * np.ones(500, int)]
        y = np.r_[(X[:500, 0] > 0).astype(int), -np.ones(500, int)]
        model = DiscriminativeRatio().fit(X, y, sample_domain=sd)
        assert np.mean(np.abs(model.weights_ - 1)) < bound
