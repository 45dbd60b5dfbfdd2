"""CORAL against its closed form (Sun, Feng and Saenko, AAAI 2016)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import linalg
from sklearn.covariance import ledoit_wolf
from sklearn.linear_model import LogisticRegression

from tlearn import stack_domains
from tlearn.feature import CORAL
from tlearn.feature._coral import coral_transform, domain_covariance


def _domains(n_s=80, n_t=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d)) @ rng.normal(size=(d, d))
    Xt = rng.normal(size=(n_t, d)) @ rng.normal(size=(d, d)) + 1.0
    ys = (Xs[:, 0] > np.median(Xs[:, 0])).astype(int)
    return Xs, ys, Xt


def test_source_gets_the_regularised_target_covariance():
    Xs, ys, Xt = _domains()
    model = CORAL(reg=1.0).fit(*stack_domains(Xs, ys, Xt))
    A = model.coral_transform_[0]
    eye = np.eye(Xs.shape[1])
    Cs, Ct = np.cov(Xs.T), np.cov(Xt.T)
    assert_allclose(A.T @ (Cs + eye) @ A, Ct + eye, atol=1e-10)
    # i.e. the mapped source rows have covariance Ct + I - A'A
    assert_allclose(np.cov((Xs @ A).T), Ct + eye - A.T @ A, atol=1e-10)
    assert_allclose(model.target_covariance_, Ct, atol=1e-12)


def test_without_regularisation_the_covariances_match_exactly():
    Xs, ys, Xt = _domains()
    model = CORAL(reg=0.0).fit(*stack_domains(Xs, ys, Xt))
    mapped = model.transform(Xs, sample_domain=np.ones(len(Xs), dtype=int))
    assert_allclose(np.cov(mapped.T), np.cov(Xt.T), atol=1e-9)


def test_the_map_uses_symmetric_square_roots():
    # A Cholesky whitening also matches the covariances, but it is not CORAL:
    # the paper's map is Cs^-1/2 Ct^1/2 with symmetric square roots.
    Xs, ys, Xt = _domains()
    eye = np.eye(Xs.shape[1])
    Cs, Ct = np.cov(Xs.T) + eye, np.cov(Xt.T) + eye
    A = CORAL().fit(*stack_domains(Xs, ys, Xt)).coral_transform_[0]
    whitening = A @ linalg.inv(linalg.sqrtm(Ct).real)
    assert_allclose(whitening, whitening.T, atol=1e-10)
    assert_allclose(whitening @ Cs @ whitening, eye, atol=1e-10)
    L_s, L_t = linalg.cholesky(Cs, lower=True), linalg.cholesky(Ct, lower=True)
    cholesky_map = linalg.inv(L_s).T @ L_t.T
    assert_allclose(cholesky_map.T @ Cs @ cholesky_map, Ct, atol=1e-9)
    assert not np.allclose(cholesky_map, A, atol=1e-3)


def test_default_regularisation_is_the_papers_lambda_of_one():
    assert CORAL().reg == 1.0
    Xs, ys, Xt = _domains()
    eye = np.eye(Xs.shape[1])
    expected = coral_transform(np.cov(Xs.T), np.cov(Xt.T), 1.0)
    assert_allclose(CORAL().fit(*stack_domains(Xs, ys, Xt)).coral_transform_[0], expected)
    assert_allclose(expected.T @ (np.cov(Xs.T) + eye) @ expected, np.cov(Xt.T) + eye)


def test_more_features_than_rows():
    Xs, ys, Xt = _domains(n_s=12, n_t=9, d=30)
    model = CORAL().fit(*stack_domains(Xs, ys, Xt))
    A = model.coral_transform_[0]
    eye = np.eye(30)
    assert_allclose(A.T @ (np.cov(Xs.T) + eye) @ A, np.cov(Xt.T) + eye, atol=1e-9)
    with pytest.raises(ValueError, match="singular"):
        CORAL(reg=0.0).fit(*stack_domains(Xs, ys, Xt))


def test_target_rows_are_left_as_they_are_and_predicted_with_the_estimator():
    Xs, ys, Xt = _domains()
    model = CORAL(LogisticRegression()).fit(*stack_domains(Xs, ys, Xt))
    assert_allclose(model.transform(Xt), Xt)
    assert_allclose(model.predict_proba(Xt), model.estimator_.predict_proba(Xt))
    # the estimator was fitted on the recoloured source rows
    expected = LogisticRegression().fit(Xs @ model.coral_transform_[0], ys)
    assert_allclose(model.estimator_.coef_, expected.coef_)


def test_several_sources_get_their_own_map():
    Xs1, ys1, Xt = _domains(seed=1)
    Xs2, ys2, _ = _domains(seed=2)
    X, y, sd = stack_domains([Xs1, Xs2], [ys1, ys2], Xt)
    model = CORAL().fit(X, y, sample_domain=sd)
    assert model.source_domains_.tolist() == [1, 2]
    for i, Xs in enumerate((Xs1, Xs2)):
        assert_allclose(model.coral_transform_[i], coral_transform(np.cov(Xs.T), np.cov(Xt.T)))
    with pytest.raises(ValueError, match=r"source ids \[5\] that were not seen"):
        model.transform(Xs1, sample_domain=np.full(len(Xs1), 5))


@pytest.mark.parametrize("covariance", ["ledoit_wolf", "oas"])
def test_shrinkage_covariances(covariance):
    Xs, ys, Xt = _domains(n_s=15, n_t=10, d=20)
    model = CORAL(covariance=covariance).fit(*stack_domains(Xs, ys, Xt))
    assert_allclose(model.target_covariance_, domain_covariance(Xt, covariance))
    if covariance == "ledoit_wolf":
        assert_allclose(model.target_covariance_, ledoit_wolf(Xt)[0])


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"reg": -1.0}, ValueError, r"'reg' must be a real number in the range \[0, inf\); got -1"),
        ({"reg": np.nan}, ValueError, "'reg' must be"),
        ({"reg": np.inf}, ValueError, "'reg' must be"),
        ({"reg": "1"}, TypeError, "'reg' must be"),
        ({"covariance": "mle"}, ValueError, r"'covariance' must be a str among \{'empirical'"),
        ({"estimator": "ridge"}, TypeError, "'estimator' must be an estimator"),
    ],
)
def test_bad_parameters(params, error, match):
    Xs, ys, Xt = _domains()
    with pytest.raises(error, match="^CORAL: the parameter " + match):
        CORAL(**params).fit(*stack_domains(Xs, ys, Xt))


def test_needs_target_rows():
    Xs, ys, _ = _domains()
    with pytest.raises(ValueError, match="No target rows"):
        CORAL().fit(Xs, ys)
