"""The fit signature everywhere scikit-learn users put an estimator.

The reference estimators (``SourceOnly``, ``Pooled``) go through ``Pipeline``,
``GridSearchCV``, ``cross_validate``, ``clone`` and ``pickle`` with metadata
routing off (domains inferred from ``y == -1``, or passed as fit parameters)
and on (``sample_domain`` routed as metadata). Small subclasses exercise the
base class of each family.
"""

import inspect
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from tlearn.base import (
    BaseFeatureTransfer,
    BaseInstanceTransfer,
    BaseParameterTransfer,
    BaseTransferEstimator,
)
from tlearn.baselines import Pooled, SourceOnly
from tlearn.feature import CORAL
from tlearn.parameter import SharedPriorLogisticRegression


def _masked(y, sample_domain):
    return np.where(sample_domain < 0, -1, y)


def _source_model(X, y, sample_domain, **params):
    source = sample_domain >= 0
    return LogisticRegression(**params).fit(X[source], y[source])


# --- the reference estimator on its own ---------------------------------------------


def test_source_only_fits_the_source_rows_only(two_domains):
    X, y, sd = two_domains
    expected = _source_model(X, y, sd).coef_
    # inferred from y == -1
    assert_allclose(SourceOnly().fit(X, _masked(y, sd)).estimator_.coef_, expected)
    # given explicitly, with the target labels known: still only the source rows
    assert_allclose(SourceOnly().fit(X, y, sample_domain=sd).estimator_.coef_, expected)


def test_pooled_uses_labelled_target_rows(two_domains):
    X, y, sd = two_domains
    y_few = _masked(y, sd)
    few = np.flatnonzero(sd < 0)[:10]
    y_few[few] = y[few]
    rows = (sd >= 0) | np.isin(np.arange(len(y)), few)
    expected = LogisticRegression().fit(X[rows], y[rows]).coef_
    assert_allclose(Pooled().fit(X, y_few, sample_domain=sd).estimator_.coef_, expected)
    assert_allclose(Pooled().fit(X, y_few).estimator_.coef_, expected)


def test_tags_and_methods_follow_the_estimator(two_domains):
    X, y, sd = two_domains
    assert is_classifier(SourceOnly()) and not is_regressor(SourceOnly())
    assert is_regressor(SourceOnly(Ridge())) and not is_classifier(SourceOnly(Ridge()))
    assert hasattr(SourceOnly(), "predict_proba")
    assert not hasattr(SourceOnly(Ridge()), "predict_proba")
    assert not hasattr(SourceOnly(LinearSVC()), "predict_proba")
    assert hasattr(SourceOnly(LinearSVC()), "decision_function")
    model = SourceOnly().fit(X, _masked(y, sd))
    assert_array_equal(model.classes_, [0, 1])
    Xt = X[sd < 0]
    assert_allclose(model.predict_proba(Xt), model.estimator_.predict_proba(Xt))
    assert_allclose(model.predict_log_proba(Xt), model.estimator_.predict_log_proba(Xt))
    assert_allclose(model.decision_function(Xt), model.estimator_.decision_function(Xt))


def test_regression_with_nan_as_unknown(two_domains):
    X, _, sd = two_domains
    y = X @ np.array([1.0, -2.0, 0.5])
    y_masked = np.where(sd < 0, np.nan, y)
    model = SourceOnly(LinearRegression()).fit(X, y_masked)
    assert_allclose(model.estimator_.coef_, [1.0, -2.0, 0.5])
    # score skips the unknown targets; on the known ones the fit is exact
    assert model.score(X, y_masked) == pytest.approx(1.0)


def test_score_skips_unknown_labels(two_domains):
    X, y, sd = two_domains
    model = SourceOnly().fit(X, _masked(y, sd))
    known = sd >= 0
    expected = np.mean(model.predict(X[known]) == y[known])
    assert model.score(X, _masked(y, sd)) == pytest.approx(expected)
    # every row is a target row by default: the full score is plain accuracy
    assert model.score(X, y) == pytest.approx(np.mean(model.predict(X) == y))


def test_minus_one_is_a_class_when_the_domains_are_given():
    X = np.arange(20, dtype=float).reshape(-1, 1)
    y = np.where(X[:, 0] < 10, -1, 1)
    sd = np.r_[np.ones(16, dtype=int), -2 * np.ones(4, dtype=int)]
    model = SourceOnly().fit(X, y, sample_domain=sd)
    assert_array_equal(model.classes_, [-1, 1])
    # -1 is a learned class, so score counts it as a label, not as unknown
    assert model.score(X[:10], y[:10]) == pytest.approx(np.mean(model.predict(X[:10]) == -1))


def test_clone_and_pickle_round_trip(two_domains):
    X, y, sd = two_domains
    model = SourceOnly(LogisticRegression(C=0.5)).fit(X, _masked(y, sd))
    cloned = clone(model)
    assert cloned.get_params()["estimator__C"] == 0.5
    assert not hasattr(cloned, "estimator_")
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict(X), model.predict(X))
    assert_allclose(restored.predict_proba(X), model.predict_proba(X))


# --- routing off ---------------------------------------------------------------------


def test_pipeline_infers_the_domains_without_routing(two_domains):
    X, y, sd = two_domains
    pipe = make_pipeline(StandardScaler(), SourceOnly())
    pipe.fit(X, _masked(y, sd))
    Z = StandardScaler().fit(X).transform(X)
    assert_allclose(pipe[-1].estimator_.coef_, _source_model(Z, y, sd).coef_)
    # the domains can also be passed explicitly as a step parameter
    pipe2 = make_pipeline(StandardScaler(), SourceOnly()).fit(X, y, sourceonly__sample_domain=sd)
    assert_allclose(pipe2[-1].estimator_.coef_, pipe[-1].estimator_.coef_)
    assert_array_equal(pipe.predict(X), pipe2.predict(X))


def test_grid_search_without_routing_scores_known_labels(two_domains):
    X, y, sd = two_domains
    y_masked = _masked(y, sd)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"estimator__C": [0.01, 1.0]}
    search = GridSearchCV(SourceOnly(LogisticRegression()), grid, cv=cv).fit(X, y_masked)
    # recompute one split by hand: fit on the training rows (domains inferred),
    # accuracy on the test rows whose label is known
    for i, (train, test) in enumerate(cv.split(X, y_masked)):
        for j, C in enumerate(grid["estimator__C"]):
            tr = train[y_masked[train] != -1]
            model = LogisticRegression(C=C).fit(X[tr], y[tr])
            te = test[y_masked[test] != -1]
            expected = np.mean(model.predict(X[te]) == y[te])
            assert search.cv_results_[f"split{i}_test_score"][j] == pytest.approx(expected)
    assert search.best_params_["estimator__C"] in grid["estimator__C"]


def test_cross_validate_passes_sample_domain_as_fit_param(two_domains):
    X, y, sd = two_domains
    result = cross_validate(
        SourceOnly(), X, y, params={"sample_domain": sd}, cv=3, return_estimator=True
    )
    for est in result["estimator"]:
        assert_array_equal(est.classes_, [0, 1])
    assert np.all(np.isfinite(result["test_score"]))


# --- routing on ----------------------------------------------------------------------


def test_pipeline_routes_sample_domain(two_domains):
    X, y, sd = two_domains
    with config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), SourceOnly())
        pipe.fit(X, y, sample_domain=sd)  # target labels known, domains routed
        Z = StandardScaler().fit(X).transform(X)
        assert_allclose(pipe[-1].estimator_.coef_, _source_model(Z, y, sd).coef_)
        # predict: sample_domain routed too (every row mapped as given)
        assert_array_equal(pipe.predict(X, sample_domain=sd), pipe.predict(X))
        # and domains inferred when nothing is routed
        pipe_inferred = make_pipeline(StandardScaler(), SourceOnly()).fit(X, _masked(y, sd))
        assert_allclose(pipe_inferred[-1].estimator_.coef_, pipe[-1].estimator_.coef_)


def test_grid_search_routes_sample_domain(two_domains):
    X, y, sd = two_domains
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"estimator__C": [0.01, 1.0]}
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(SourceOnly(LogisticRegression()), grid, cv=cv)
        search.fit(X, y, sample_domain=sd)
        best = search.best_estimator_
    # refit on the source rows only although every label is known
    expected = _source_model(X, y, sd, C=search.best_params_["estimator__C"]).coef_
    assert_allclose(best.estimator_.coef_, expected)
    for i, (train, test) in enumerate(cv.split(X, y)):
        for j, C in enumerate(grid["estimator__C"]):
            tr = train[sd[train] >= 0]
            model = LogisticRegression(C=C).fit(X[tr], y[tr])
            # score gets the routed domains; every test label is known
            expected = np.mean(model.predict(X[test]) == y[test])
            assert search.cv_results_[f"split{i}_test_score"][j] == pytest.approx(expected)


def test_cross_validate_routes_sample_domain(two_domains):
    X, y, sd = two_domains
    with config_context(enable_metadata_routing=True):
        result = cross_validate(
            SourceOnly(), X, y, params={"sample_domain": sd}, cv=3, return_estimator=True
        )
    for est in result["estimator"]:
        assert_array_equal(est.classes_, [0, 1])
    assert len(result["test_score"]) == 3


def test_routing_can_be_turned_off_per_estimator(two_domains):
    X, y, sd = two_domains
    with config_context(enable_metadata_routing=True):
        est = SourceOnly().set_fit_request(sample_domain=False)
        pipe = make_pipeline(StandardScaler(), est)
        with pytest.raises(TypeError, match="sample_domain"):
            pipe.fit(X, y, sample_domain=sd)


# --- the family base classes -----------------------------------------------------------


class _ConstantWeights(BaseInstanceTransfer):
    """Instance-based test estimator: every source row gets weight ``w``."""

    def __init__(self, estimator=None, w=2.0):
        self.estimator = estimator
        self.w = w

    def _fit_weights(self, data):
        return np.full(int(data.source.sum()), self.w)


class _DomainCentering(BaseFeatureTransfer):
    """Feature-based test estimator: centre each domain on its own mean."""

    _requires_target = True

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _fit_map(self, data):
        self.source_mean_ = data.X[data.source].mean(axis=0)
        self.target_mean_ = data.X[data.target].mean(axis=0)

    def _map_rows(self, X, sample_domain):
        return X - np.where((sample_domain >= 0)[:, None], self.source_mean_, self.target_mean_)


class _ShrunkMean(BaseParameterTransfer):
    """Parameter-based test regressor: target mean shrunk toward the source mean."""

    _estimator_type_tag = "regressor"

    def __init__(self, lam=1.0):
        self.lam = lam

    def fit(self, X, y, sample_domain=None):
        data = self._check_domains(X, y, sample_domain, reset=True)
        y_t = data.y[data.labeled_target]
        self.mean_ = (y_t.sum() + self.lam * data.y[data.source].mean()) / (len(y_t) + self.lam)
        return self

    def predict(self, X, sample_domain=None):
        data = self._check_domains(X, None, sample_domain, reset=False)
        return np.full(data.X.shape[0], self.mean_)


def test_instance_base_fits_with_the_weights(two_domains):
    X, y, sd = two_domains
    y_few = _masked(y, sd)
    first_target = np.flatnonzero(sd < 0)[0]
    y_few[first_target] = y[first_target]
    model = _ConstantWeights(w=3.0).fit(X, y_few, sample_domain=sd)
    assert_allclose(model.weights_, np.full((sd >= 0).sum(), 3.0))
    rows = np.flatnonzero(y_few != -1)
    weight = np.where(sd[rows] >= 0, 3.0, 1.0)
    expected = LogisticRegression().fit(X[rows], y[rows], sample_weight=weight).coef_
    assert_allclose(model.estimator_.coef_, expected)


def test_instance_base_refuses_an_estimator_without_sample_weight(two_domains):
    X, y, sd = two_domains
    with pytest.raises(TypeError, match="KNeighborsClassifier.fit does not accept sample_weight"):
        _ConstantWeights(KNeighborsClassifier()).fit(X, _masked(y, sd))


def test_feature_base_maps_each_domain(two_domains):
    X, y, sd = two_domains
    model = _DomainCentering().fit(X, _masked(y, sd))
    assert_allclose(model.transform(X[sd < 0]).mean(axis=0), 0, atol=1e-12)
    Z = model.fit_transform(X, _masked(y, sd))
    assert_allclose(Z[sd >= 0].mean(axis=0), 0, atol=1e-12)
    assert_allclose(Z, model.transform(X, sample_domain=sd))
    # predict maps the rows as target rows by default
    Zt = X[sd < 0] - model.target_mean_
    assert_array_equal(model.predict(X[sd < 0]), model.estimator_.predict(Zt))
    with pytest.raises(ValueError, match="No target rows"):
        _DomainCentering().fit(X[sd >= 0], y[sd >= 0])


def test_parameter_base(two_domains):
    X, _, sd = two_domains
    y = np.where(sd >= 0, 1.0, 3.0)
    y_few = np.where(sd < 0, np.nan, y)
    y_few[np.flatnonzero(sd < 0)[:2]] = 3.0
    model = _ShrunkMean(lam=2.0).fit(X, y_few, sample_domain=sd)
    assert is_regressor(model)
    assert model.mean_ == pytest.approx((6.0 + 2.0 * 1.0) / 4.0)
    with pytest.raises(ValueError, match="No labelled target rows"):
        _ShrunkMean().fit(X, np.where(sd < 0, np.nan, y), sample_domain=sd)
    # without sample_domain, known labels make source rows
    with pytest.raises(ValueError, match="No labelled target rows"):
        _ShrunkMean().fit(X, y_few)
    # score skips the unknown targets
    assert model.score(X[:5], [1.5, np.nan, 2.0, np.nan, 1.0]) == pytest.approx(
        1 - (0.5**2 + 0**2 + 1**2) / (0.5**2 + 0**2 + 0.5**2)
    )


def test_nan_marks_unknown_in_float_class_labels(two_domains):
    X, y, sd = two_domains
    y_float = np.where(sd < 0, np.nan, y.astype(float))
    model = SourceOnly().fit(X, y_float)
    assert_allclose(model.estimator_.coef_, _source_model(X, y, sd).coef_)
    # NaN cannot be a class, so one known class plus NaN is not ambiguous:
    # it is a one-class problem
    with pytest.raises(ValueError, match="at least 2 classes; got 1 class"):
        SourceOnly().fit(X, np.where(sd < 0, np.nan, 1.0))


def test_score_takes_sample_weight_like_scikit_learn(two_domains):
    X, y, sd = two_domains
    model = SourceOnly().fit(X, _masked(y, sd))
    w = np.random.default_rng(1).uniform(size=len(y))
    expected = np.average(model.predict(X) == y, weights=w)
    assert model.score(X, y, sample_weight=w) == pytest.approx(expected)
    # unknown labels are skipped together with their weights
    y_masked = _masked(y, sd)
    known = y_masked != -1
    expected = np.average(model.predict(X[known]) == y[known], weights=w[known])
    assert model.score(X, y_masked, sample_weight=w) == pytest.approx(expected)


# --- score's keywords: fit's order, keyword-only; the old positional order deprecated -------


def _coral_and_weights(two_domains):
    """A fitted CORAL (its score depends on the domains) and weights that change its score."""
    X, y, sd = two_domains
    model = CORAL().fit(X, _masked(y, sd), sample_domain=sd)
    w = np.random.default_rng(2).uniform(size=len(y)) ** 4
    by_keyword = model.score(X, y, sample_domain=sd, sample_weight=w)
    # each argument changes the score, so reading one as the other cannot pass unseen
    assert by_keyword != pytest.approx(model.score(X, y, sample_weight=w))
    assert by_keyword != pytest.approx(model.score(X, y, sample_domain=sd))
    return model, w


def test_score_takes_its_keywords_in_fits_order_and_by_keyword_only():
    kinds = {
        name: p.kind
        for name, p in inspect.signature(BaseTransferEstimator.score).parameters.items()
    }
    assert list(kinds) == ["self", "X", "y", "sample_domain", "sample_weight"]
    assert kinds["sample_domain"] == kinds["sample_weight"] == inspect.Parameter.KEYWORD_ONLY
    # fit, where it takes both, has the same order
    fit = list(inspect.signature(SharedPriorLogisticRegression.fit).parameters)
    assert fit.index("sample_domain") < fit.index("sample_weight")
    request = inspect.signature(SourceOnly().set_score_request).parameters
    assert [name for name in request if name != "self"] == ["sample_domain", "sample_weight"]


def test_positional_score_arguments_keep_their_old_meaning_with_a_future_warning(two_domains):
    X, y, sd = two_domains
    model, w = _coral_and_weights(two_domains)
    with pytest.warns(
        FutureWarning,
        match=r"^CORAL\.score: passing sample_weight and "
        r"sample_domain positionally is deprecated since 0\.1 and will be an "
        r"error in 0\.3: .*score\(X, y, sample_weight=\.\.\., "
        r"sample_domain=\.\.\.\)\.$",
    ) as record:
        both = model.score(X, y, w, sd)  # the old order: sample_weight, sample_domain
    assert record[0].filename == __file__  # the warning names the caller's line
    assert both == model.score(X, y, sample_domain=sd, sample_weight=w)
    with pytest.warns(FutureWarning, match=r"passing sample_weight positionally"):
        one = model.score(X, y, w, sample_domain=sd)
    assert one == both
    with pytest.raises(TypeError, match="multiple values for 'sample_weight'"):
        model.score(X, y, w, sample_weight=w)
    with pytest.raises(TypeError, match="takes X and y positionally"):
        model.score(X, y, w, sd, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # by keyword: quiet
        assert model.score(X, y, sample_weight=w, sample_domain=sd) == both


def test_metadata_routing_sees_both_score_parameters(two_domains):
    X, y, sd = two_domains
    model, w = _coral_and_weights(two_domains)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    with config_context(enable_metadata_routing=True):
        est = CORAL().set_score_request(sample_domain=True, sample_weight=True)
        assert est.get_metadata_routing().score.requests == {
            "sample_domain": True,
            "sample_weight": True,
        }
        params = {"sample_domain": sd, "sample_weight": w}
        result = cross_validate(
            est, X, y, params=params, cv=cv, return_estimator=True, return_indices=True
        )
        grid = {"reg": [0.5, 1.0]}
        search = GridSearchCV(est, grid, cv=cv).fit(X, y, **params)
    folds = zip(result["estimator"], result["indices"]["test"], result["test_score"])
    plain = []
    for fitted, test, score in folds:
        expected = fitted.score(X[test], y[test], sample_domain=sd[test], sample_weight=w[test])
        assert score == pytest.approx(expected)
        plain.append(fitted.score(X[test], y[test]))
    assert not np.allclose(plain, result["test_score"])  # so both were routed
    # GridSearchCV's default scoring (estimator.score) gets both as well
    for i, (train, test) in enumerate(cv.split(X, y)):
        for j, reg in enumerate(grid["reg"]):
            fitted = CORAL(reg=reg).fit(X[train], y[train], sample_domain=sd[train])
            expected = fitted.score(X[test], y[test], sample_domain=sd[test], sample_weight=w[test])
            assert search.cv_results_[f"split{i}_test_score"][j] == pytest.approx(expected)
