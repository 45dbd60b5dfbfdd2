"""Common API checks on every public estimator, with target rows in the data.

scikit-learn's own checks (test_sklearn_checks.py, feature/test_*sklearn_checks.py)
fit without target rows; methods that need them can only xfail those checks.
This module runs the essential ones again on stacked source + target data:
clone, pickle, idempotent fit, parameters left alone, feature counts and
names, dtypes, read-only input, row-order and batch invariance, Pipeline and
GridSearchCV with metadata routing off and on.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tlearn.base import BaseParameterTransfer
from tlearn.baselines import Pooled, SourceOnly
from tlearn.datasets import make_domain_shift
from tlearn.feature import CORAL, TCA, SubspaceAlignment
from tlearn.instance import KLIEP, KMM, ULSIF, DiscriminativeRatio, TrAdaBoost, TrAdaBoostR2
from tlearn.model_selection import TransferGuard
from tlearn.parameter import SharedPriorLogisticRegression, SharedPriorRidge

ESTIMATORS = [
    SourceOnly(LogisticRegression()),
    SourceOnly(Ridge()),
    Pooled(LogisticRegression()),
    CORAL(LogisticRegression()),
    CORAL(Ridge(), covariance="ledoit_wolf"),
    SubspaceAlignment(LogisticRegression(), n_components=3),
    SubspaceAlignment(Ridge(), n_components="bound"),
    TCA(LogisticRegression(), n_components=3),
    TCA(Ridge(), kernel="rbf", n_components=3, n_landmarks=30, random_state=0),
    KMM(LogisticRegression()),
    KMM(Ridge(), n_landmarks=50, random_state=0),
    KLIEP(LogisticRegression(), random_state=0),
    KLIEP(Ridge(), cv_criterion="normalized", n_centers=10, random_state=0),
    ULSIF(LogisticRegression(), random_state=0),
    ULSIF(Ridge(), sigma=[0.5, 1.0], reg=0.1, random_state=0),
    DiscriminativeRatio(LogisticRegression()),
    DiscriminativeRatio(Ridge(), clip=0.01),
    TrAdaBoost(LogisticRegression(), n_estimators=5),
    TrAdaBoostR2(Ridge(), n_estimators=5),
    SharedPriorLogisticRegression(),
    SharedPriorLogisticRegression(0.5, source_weights="learn", penalize_intercept=True),
    SharedPriorRidge(),
    # one candidate and two folds keep it quick; SourceOnly is added by the guard
    TransferGuard(LogisticRegression(), candidates=[("CORAL", CORAL())], cv=2, random_state=0),
    TransferGuard(Ridge(), candidates=[("CORAL", CORAL())], cv=2, random_state=0),
]
GRIDS = {"estimator__C": [0.1, 1.0], "estimator__alpha": [0.1, 1.0]}
PARAMETER_GRID = {"reg": [0.1, 10.0]}  # the parameter-based family has no estimator


def _id(est):
    if isinstance(est, BaseParameterTransfer):
        return f"{type(est).__name__}({est.reg}, source_weights={est.source_weights})"
    return f"{type(est).__name__}({type(est.estimator).__name__})"


def _data(est, masked=True):
    """Stacked source + target rows; every target label unknown, except every
    fourth one for the methods that need labelled target rows."""
    task = "classification" if is_classifier(est) else "regression"
    X, y, sd = make_domain_shift(
        "covariate",
        task=task,
        n_source=60,
        n_target=40,
        n_features=4,
        mask_target_labels=False,
        random_state=0,
    )
    if masked:
        target = np.flatnonzero(sd < 0)
        if est._requires_labeled_target:
            target = target[np.arange(len(target)) % 4 != 0]
        y = y.astype(float) if task == "regression" else y.copy()
        y[target] = np.nan if task == "regression" else -1
    return X, y, sd


def _outputs(model, X, sd=None):
    methods = ["predict", "predict_proba", "decision_function", "transform"]
    return {m: getattr(model, m)(X, sample_domain=sd) for m in methods if hasattr(model, m)}


def _assert_same_outputs(a, b, **kw):
    assert a.keys() == b.keys()
    for key in a:
        assert_allclose(a[key], b[key], err_msg=key, **kw)


@pytest.fixture(params=ESTIMATORS, ids=_id)
def est(request):
    return clone(request.param)


def test_fit_returns_self_and_leaves_params_alone(est):
    X, y, sd = _data(est)
    params = clone(est).get_params(deep=False)
    assert est.fit(X, y, sample_domain=sd) is est
    after = est.get_params(deep=False)
    assert after.keys() == params.keys()
    for key, value in params.items():
        if hasattr(value, "get_params"):
            assert after[key].get_params() == value.get_params()
            assert not hasattr(after[key], "n_features_in_"), "the given estimator was fitted"
        elif isinstance(value, (list, tuple)):  # TransferGuard's candidates hold estimators
            assert repr(after[key]) == repr(value)
        else:
            assert after[key] == value


def test_clone_pickle_and_idempotent_fit(est):
    X, y, sd = _data(est)
    model = clone(est).fit(X, y, sample_domain=sd)
    expected = _outputs(model, X, sd)
    _assert_same_outputs(_outputs(pickle.loads(pickle.dumps(model)), X, sd), expected)
    _assert_same_outputs(_outputs(model.fit(X, y, sample_domain=sd), X, sd), expected)
    refit = clone(model)
    assert not hasattr(refit, "estimator_")
    _assert_same_outputs(_outputs(refit.fit(X, y, sample_domain=sd), X, sd), expected)


def test_inferred_domains_equal_given_domains(est):
    if est._requires_labeled_target:
        pytest.skip("known target labels make inferred rows source rows")
    X, y, sd = _data(est)
    _assert_same_outputs(
        _outputs(clone(est).fit(X, y), X, sd),
        _outputs(clone(est).fit(X, y, sample_domain=sd), X, sd),
    )


def test_feature_counts_names_and_dtypes(est):
    pd = pytest.importorskip("pandas")
    X, y, sd = _data(est)
    model = clone(est).fit(X, y, sample_domain=sd)
    assert model.n_features_in_ == 4
    with pytest.raises(ValueError, match="X has 3 features"):
        model.predict(X[:, :3])
    frame = pd.DataFrame(X, columns=list("abcd"))
    named = clone(est).fit(frame, y, sample_domain=sd)
    assert_array_equal(named.feature_names_in_, list("abcd"))
    _assert_same_outputs(_outputs(named, frame, sd), _outputs(model, X, sd))
    for dtype in (np.float32, np.int64):
        clone(est).fit(X.astype(dtype), y, sample_domain=sd).predict(X.astype(dtype))


def test_read_only_input(est):
    X, y, sd = _data(est)
    for a in (X, y, sd):
        a.setflags(write=False)
    model = clone(est).fit(X, y, sample_domain=sd)
    _outputs(model, X, sd)


def test_batch_and_row_order_invariance(est):
    X, y, sd = _data(est)
    model = clone(est).fit(X, y, sample_domain=sd)
    full = _outputs(model, X, sd)
    order = np.random.default_rng(0).permutation(len(X))
    shuffled = _outputs(model, X[order], sd[order])
    for key in full:
        assert_allclose(shuffled[key], full[key][order], err_msg=key, atol=1e-10)
    halves = [_outputs(model, X[part], sd[part]) for part in (slice(0, 50), slice(50, None))]
    for key in full:
        assert_allclose(np.concatenate([h[key] for h in halves]), full[key], atol=1e-10)


def test_pipeline_and_grid_search_routing_off_and_on(est):
    X, y, sd = _data(est)
    grid = {k: v for k, v in GRIDS.items() if k in est.get_params()}
    if isinstance(est, BaseParameterTransfer):
        grid = PARAMETER_GRID
    pipe = make_pipeline(StandardScaler(), clone(est))
    grid = {f"{pipe.steps[-1][0]}__{k}": v for k, v in grid.items()}
    # shuffled folds: the stacked rows put every target row last, and a fold of
    # unlabelled target rows alone has nothing to score
    cv = KFold(3, shuffle=True, random_state=0)
    step = pipe.steps[-1][0]
    if est._requires_labeled_target:  # routing off: the domains as a step parameter
        off = GridSearchCV(pipe, grid, cv=cv).fit(X, y, **{f"{step}__sample_domain": sd})
    else:  # routing off: the domains inferred from the unknown labels
        off = GridSearchCV(pipe, grid, cv=cv).fit(X, y)
    with config_context(enable_metadata_routing=True):
        on = GridSearchCV(pipe, grid, cv=cv).fit(X, y, sample_domain=sd)
        assert np.all(np.isfinite(on.cv_results_["mean_test_score"]))
        on.predict(X)
    # the same domains, inferred or routed, give the same refitted model
    assert off.best_params_.keys() == on.best_params_.keys()
    if off.best_params_ == on.best_params_:
        _assert_same_outputs(
            _outputs(off.best_estimator_[-1], X, sd), _outputs(on.best_estimator_[-1], X, sd)
        )
