"""SharedPriorRidge against its closed form, its limits and scikit-learn's linear models."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import linalg
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

from tlearn.parameter import SharedPriorRidge
from tlearn.parameter._prior import simplex_qp
from tlearn.parameter._shared_prior_ridge import (
    fit_shared_prior_ridge,
    shared_prior_ridge_objective,
)


def _domains(n_s=200, n_t=30, d=5, seed=0, n_sources=1, true_source=0):
    """Source domains (ids 0, 1, ...) with different linear models; the target's
    model is source ``true_source``'s plus a small change."""
    rng = np.random.default_rng(seed)
    ws = [2 * rng.normal(size=d) for _ in range(n_sources)]
    Xs = [rng.normal(size=(n_s, d)) for _ in range(n_sources)]
    ys = [X @ w + 1.0 + 0.3 * rng.normal(size=n_s) for X, w in zip(Xs, ws)]
    w_t = ws[true_source] + 0.3 * rng.normal(size=d)
    Xt = rng.normal(loc=0.5, size=(n_t, d))
    yt = Xt @ w_t - 0.5 + 0.3 * rng.normal(size=n_t)
    X, y = np.vstack(Xs + [Xt]), np.concatenate(ys + [yt])
    sd = np.concatenate([np.full(n_s, k) for k in range(n_sources)] + [np.full(n_t, -1)])
    return X, y, sd


def _direct(X, y, sw, w0, reg, alpha, fit_intercept=True):
    """The normal equations of the objective in (w, b), solved as one system."""
    Z = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    d = X.shape[1]
    P = np.zeros((Z.shape[1], Z.shape[1]))
    P[:d, :d] = (reg + alpha) * np.eye(d)
    rhs = Z.T @ (sw * y)
    rhs[:d] += reg * w0
    theta = linalg.solve(Z.T @ (sw[:, None] * Z) + P, rhs)
    return theta[:d], (theta[d] if fit_intercept else 0.0)


@pytest.mark.parametrize("n_t", [60, 4], ids=["d x d", "n x n"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_the_closed_form_equals_a_direct_solve(n_t, fit_intercept):
    X, y, sd = _domains(n_t=n_t, d=8)
    sw = np.random.default_rng(1).uniform(0.2, 3.0, size=len(X))
    model = SharedPriorRidge(3.0, alpha=0.5, fit_intercept=fit_intercept)
    model.fit(X, y, sample_domain=sd, sample_weight=sw)
    tgt = sd < 0
    w, b = _direct(X[tgt], y[tgt], sw[tgt], model.prior_coef_, 3.0, 0.5, fit_intercept)
    assert_allclose(model.coef_, w, atol=1e-10)
    assert model.intercept_ == pytest.approx(b, abs=1e-10)
    # and it is the minimum: any step away costs
    obj = shared_prior_ridge_objective
    args = (X[tgt], y[tgt], sw[tgt], model.prior_coef_, 3.0, 0.5)
    best = obj(model.coef_, model.intercept_, *args)
    rng = np.random.default_rng(0)
    for _ in range(5):
        step = 1e-3 * rng.normal(size=8)
        assert obj(model.coef_ + step, model.intercept_, *args) > best


@pytest.mark.parametrize("given", [False, True], ids=["fitted", "given"])
def test_huge_reg_gives_the_source_coefficients_back(given):
    X, y, sd = _domains()
    source = Ridge().fit(X[sd >= 0], y[sd >= 0])
    if given:
        tgt = sd < 0
        model = SharedPriorRidge(1e10, prior=source).fit(X[tgt], y[tgt])
    else:
        model = SharedPriorRidge(1e10).fit(X, y, sample_domain=sd)
    assert_allclose(model.coef_, source.coef_, atol=1e-7)
    assert_allclose(model.prior_coef_, source.coef_)
    assert model.prior_intercept_ == pytest.approx(source.intercept_)


@pytest.mark.parametrize("n_t", [60, 4], ids=["overdetermined", "underdetermined"])
def test_reg_zero_is_least_squares_on_the_target_rows(n_t):
    X, y, sd = _domains(n_t=n_t)
    tgt = sd < 0
    sw = np.random.default_rng(2).uniform(0.5, 2.0, size=len(X))
    model = SharedPriorRidge(0.0).fit(X, y, sample_domain=sd, sample_weight=sw)
    reference = LinearRegression().fit(X[tgt], y[tgt], sample_weight=sw[tgt])
    assert_allclose(model.predict(X), reference.predict(X), atol=1e-8)
    if n_t > X.shape[1]:
        assert_allclose(model.coef_, reference.coef_, atol=1e-10)


@pytest.mark.parametrize("n_t", [60, 4])
def test_reg_zero_with_alpha_is_sklearns_ridge(n_t):
    X, y, sd = _domains(n_t=n_t)
    tgt = sd < 0
    sw = np.random.default_rng(3).uniform(0.5, 2.0, size=len(X))
    model = SharedPriorRidge(0.0, alpha=2.5).fit(X, y, sample_domain=sd, sample_weight=sw)
    reference = Ridge(alpha=2.5).fit(X[tgt], y[tgt], sample_weight=sw[tgt])
    assert_allclose(model.coef_, reference.coef_, atol=1e-10)
    assert model.intercept_ == pytest.approx(reference.intercept_, abs=1e-10)


def test_the_two_systems_agree():
    rng = np.random.default_rng(0)
    X, y, sw = rng.normal(size=(6, 10)), rng.normal(size=6), rng.uniform(0.5, 2, size=6)
    priors = rng.normal(size=(2, 10))
    tall = fit_shared_prior_ridge(
        np.vstack([X, np.zeros((10, 10))]), np.r_[y, np.zeros(10)], np.r_[sw, np.zeros(10)],
        priors, np.array([0.3, 0.7]), reg=2.0, alpha=0.1,
    )  # fmt: skip
    wide = fit_shared_prior_ridge(X, y, sw, priors, np.array([0.3, 0.7]), reg=2.0, alpha=0.1)
    assert_allclose(tall[0], wide[0], atol=1e-10)


def test_sample_weight_is_row_repetition():
    X, y, sd = _domains(n_s=60, n_t=20)
    sw = np.random.default_rng(4).integers(0, 4, size=len(X))
    weighted = SharedPriorRidge(2.0).fit(X, y, sample_domain=sd, sample_weight=sw)
    rows = np.repeat(np.arange(len(X)), sw)
    repeated = SharedPriorRidge(2.0).fit(X[rows], y[rows], sample_domain=sd[rows])
    assert_allclose(weighted.source_coefs_, repeated.source_coefs_, atol=1e-10)
    assert_allclose(weighted.coef_, repeated.coef_, atol=1e-10)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, abs=1e-10)


def test_sample_weight_is_repetition_on_the_sklearn_checks_data():
    # the data of scikit-learn's check_sample_weight_equivalence (15 rows, 30
    # features: the n x n path; weights 0 to 4), with domains that follow the rows
    rng = np.random.RandomState(42)
    X, y, sw = rng.rand(15, 30), rng.rand(15), rng.randint(0, 5, size=15)
    sd = np.where(np.arange(15) % 2 == 0, 1, -2)
    weighted = SharedPriorRidge(0.5).fit(X, y, sample_domain=sd, sample_weight=sw)
    rows = np.repeat(np.arange(15), sw)
    repeated = SharedPriorRidge(0.5).fit(X[rows], y[rows], sample_domain=sd[rows])
    assert_allclose(weighted.predict(X), repeated.predict(X), atol=1e-10)


def test_several_sources_uniform_given_and_learned():
    X, y, sd = _domains(n_sources=3, true_source=2)
    uniform = SharedPriorRidge(5.0).fit(X, y, sample_domain=sd)
    assert_allclose(uniform.prior_coef_, uniform.source_coefs_.mean(axis=0))
    given = SharedPriorRidge(5.0, source_weights=np.array([2, 0, 2])).fit(X, y, sample_domain=sd)
    assert_allclose(given.source_weights_, [0.5, 0, 0.5])
    learned = SharedPriorRidge(5.0, source_weights="learn").fit(X, y, sample_domain=sd)
    a = learned.source_weights_
    assert np.all(a >= 0) and a.sum() == pytest.approx(1.0)
    assert a[2] > 0.95
    tgt = sd < 0

    def objective(model):
        return shared_prior_ridge_objective(
            model.coef_, model.intercept_, X[tgt], y[tgt], np.ones(tgt.sum()),
            model.prior_coef_, 5.0,
        )  # fmt: skip

    rng = np.random.default_rng(0)
    value = objective(learned)
    for weights in [None, *np.eye(3), *rng.dirichlet(np.ones(3), size=5)]:
        other = clone(learned).set_params(source_weights=weights).fit(X, y, sample_domain=sd)
        assert value <= objective(other) + 1e-9 * abs(value)
    # joint optimality: a is the best mixture for the fitted w
    M = learned.source_coefs_
    assert_allclose(simplex_qp(M @ M.T, M @ learned.coef_), a, atol=1e-8)


def test_learn_with_reg_zero_keeps_uniform_weights():
    X, y, sd = _domains(n_sources=2)
    model = SharedPriorRidge(0.0, source_weights="learn").fit(X, y, sample_domain=sd)
    assert_allclose(model.source_weights_, [0.5, 0.5])


@pytest.mark.parametrize(
    "params, error, match",
    [
        (
            {"prior": {"coef": np.ones(3)}},
            ValueError,
            "of 5 features, as X; got prior with coef of 3",
        ),
        ({"prior": {"coef": [np.nan] * 5}}, ValueError, "NaN or infinite"),
        ({"prior": {"coef": np.ones(5), "classes": [0, 1]}}, ValueError, "unknown keys"),
        ({"prior": {"coef": np.ones((2, 5))}}, ValueError, "one coef row"),
        ({"source_weights": [0.5, -0.5]}, ValueError, "non-negative"),
        ({"source_weights": [1, 1, 1]}, ValueError, r"per source model \(2\); got 3 entries"),
        (
            {"reg": np.inf},
            ValueError,
            r"'reg' must be a real number in the range \[0, inf\); got inf",
        ),
        (
            {"fit_intercept": "no"},
            TypeError,
            "^SharedPriorRidge: the parameter 'fit_intercept' must",
        ),
    ],
)
def test_bad_input_is_a_clear_error(params, error, match):
    X, y, sd = _domains(n_sources=2)
    with pytest.raises(error, match=match):
        SharedPriorRidge(**params).fit(X, y, sample_domain=sd)


def test_a_classifier_is_no_regression_prior():
    X, y, sd = _domains()
    classifier = LogisticRegression().fit(X, y > 0)
    with pytest.raises(ValueError, match="got prior is a classifier"):
        SharedPriorRidge(prior=classifier).fit(X, y, sample_domain=sd)


def test_labelled_target_rows_are_required_and_zero_target_weight_is_an_error():
    X, y, sd = _domains()
    with pytest.raises(ValueError, match="No labelled target rows: SharedPriorRidge"):
        SharedPriorRidge().fit(X, np.where(sd < 0, np.nan, y), sample_domain=sd)
    with pytest.raises(ValueError, match="sum to 0"):
        SharedPriorRidge().fit(X, y, sample_domain=sd, sample_weight=(sd >= 0).astype(float))
