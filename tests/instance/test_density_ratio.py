"""What KLIEP, ULSIF and DiscriminativeRatio promise alike.

``weights_`` are the fitted ratio at the source rows (non-negative, finite,
equal to ``density_ratio`` there), the estimator is fitted with them, a seed
fixes the result, the caller's arrays and numpy's global generator are left
alone, several source or target domains are pooled, labelled target rows are
target rows, and bad input is a clear error.
"""

import numpy as np
import pytest
from _gaussians import gaussian_shift
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier

from tlearn.instance import KLIEP, ULSIF, DiscriminativeRatio

ESTIMATORS = [
    KLIEP(random_state=0),
    KLIEP(cv_criterion="normalized", n_centers=20, random_state=0),
    ULSIF(random_state=0),
    DiscriminativeRatio(),
]
SEEDED = [KLIEP, ULSIF]


def _name(est):
    return f"{type(est).__name__}({getattr(est, 'cv_criterion', '')})"


@pytest.fixture(scope="module")
def data():
    return gaussian_shift(3, n_features=2, n_source=120, n_target=90)


@pytest.mark.parametrize("est", ESTIMATORS, ids=_name)
def test_weights_are_the_ratio_at_the_source_rows(est, data):
    X, y, sd, Xs, X_new = data
    model = clone(est).fit(X, y, sample_domain=sd)
    w = model.weights_
    assert w.shape == (120,) and np.all(np.isfinite(w)) and w.min() >= 0
    assert_allclose(model.density_ratio(Xs), w, rtol=1e-12)
    ratio = model.density_ratio(X_new)
    assert ratio.shape == (len(X_new),) and ratio.min() >= 0
    # rows one at a time give the same values (blocks and order do not matter)
    assert_allclose([model.density_ratio(row[None])[0] for row in X_new[:5]], ratio[:5])
    # the estimator is fitted on the source rows with the weights
    expected = LogisticRegression().fit(Xs, y[sd > 0], sample_weight=w)
    assert_allclose(model.estimator_.coef_, expected.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("cls", SEEDED, ids=lambda c: c.__name__)
def test_a_seed_fixes_the_result(cls, data):
    X, y, sd, _, X_new = data
    a = cls(n_centers=30, random_state=5).fit(X, y, sample_domain=sd)
    b = cls(n_centers=30, random_state=5).fit(X, y, sample_domain=sd)
    c = cls(n_centers=30, random_state=6).fit(X, y, sample_domain=sd)
    assert_array_equal(a.weights_, b.weights_)
    assert_array_equal(a.center_indices_, b.center_indices_)
    assert not np.array_equal(a.center_indices_, c.center_indices_)
    assert np.all(sd[a.center_indices_] < 0)  # the centres are target rows
    rng = np.random.RandomState(5)
    d = cls(n_centers=30, random_state=rng).fit(X, y, sample_domain=sd)
    assert_array_equal(d.weights_, a.weights_)


@pytest.mark.parametrize("est", ESTIMATORS, ids=_name)
def test_inputs_and_global_state_are_left_alone(est, data):
    X, y, sd, _, X_new = data
    arrays = [a.copy() for a in (X, y, sd, X_new)]
    for a in arrays:
        a.setflags(write=False)
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is untouched)
    model = clone(est).set_params(
        **({"random_state": None} if "random_state" in est.get_params() else {})
    )
    model.fit(arrays[0], arrays[1], sample_domain=arrays[2])
    model.density_ratio(arrays[3])
    for before, after in zip((X, y, sd, X_new), arrays):
        assert_array_equal(before, after)
    assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


@pytest.mark.parametrize("est", ESTIMATORS, ids=_name)
def test_domains_are_pooled_and_labelled_target_rows_are_target_rows(est, data):
    X, y, sd, _, _ = data
    model = clone(est).fit(X, y, sample_domain=sd)
    split = np.where(np.arange(len(sd)) % 2 == 0, sd, np.where(sd > 0, 0, -5))  # 2 + 2 domains
    assert_allclose(clone(est).fit(X, y, sample_domain=split).weights_, model.weights_)
    labelled = y.copy()
    labelled[sd < 0] = (X[sd < 0, 0] > 0).astype(int)
    with_labels = clone(est).fit(X, labelled, sample_domain=sd)
    assert_allclose(with_labels.weights_, model.weights_)
    # labelled target rows weigh 1 in the estimator's fit
    weight = np.r_[model.weights_, np.ones(int((sd < 0).sum()))]
    expected = LogisticRegression().fit(X, labelled, sample_weight=weight)
    assert_allclose(with_labels.estimator_.coef_, expected.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("est", ESTIMATORS, ids=_name)
def test_regression_and_bad_input(est, data):
    X, y, sd, Xs, _ = data
    y_reg = np.where(sd > 0, X[:, 0], np.nan)
    model = clone(est).set_params(estimator=Ridge()).fit(X, y_reg, sample_domain=sd)
    assert model.predict(Xs).shape == (120,)
    with pytest.raises(NotFittedError):
        clone(est).density_ratio(Xs)
    with pytest.raises(ValueError, match="X has 1 features"):
        model.density_ratio(Xs[:, :1])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.density_ratio(np.where(Xs == Xs[0, 0], np.nan, Xs))
    with pytest.raises(TypeError, match="KNeighborsClassifier.fit does not accept sample_weight"):
        clone(est).set_params(estimator=KNeighborsClassifier()).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="No target rows"):
        clone(est).fit(Xs, y[sd > 0])


@pytest.mark.parametrize("cls", SEEDED, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", [[1.0, -1.0], [], [[1.0, 2.0]], [1.0, np.nan], ["a"]])
def test_a_bad_grid_is_the_one_format(cls, value, data):
    X, y, sd, _, _ = data
    message = rf"^{cls.__name__}: the parameter 'sigma' must be a positive number or a non-empty"
    with pytest.raises(ValueError, match=message):
        cls(sigma=value).fit(X, y, sample_domain=sd)
    model = cls(sigma=[2.0, 0.5, 2.0], random_state=0).fit(X, y, sample_domain=sd)
    assert_array_equal(model.sigma_grid_, [0.5, 2.0])  # sorted, without duplicates
    if cls is ULSIF:
        with pytest.raises(ValueError, match=r"^ULSIF: the parameter 'reg' must be a positive"):
            ULSIF(reg=value).fit(X, y, sample_domain=sd)
