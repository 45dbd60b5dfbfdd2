"""A tlearn transformer in the middle of a Pipeline never learns the unknown-label marker.

Issue 19, defect 1: ``make_pipeline(StandardScaler(), TCA(n_components=2),
LogisticRegression())`` fitted on stacked data gave the final classifier the
classes ``[-1, 0, 1]`` and predicted ``-1`` for most target rows. The plain
form is now refused with an error that names the supported one, and
``tlearn.pipeline.make_pipeline`` gives exactly the method's own predictions.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.pipeline import make_pipeline as sklearn_make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import SelfTrainingClassifier

from tlearn.baselines import Pooled
from tlearn.datasets import make_domain_shift
from tlearn.feature import CORAL, TCA, SubspaceAlignment
from tlearn.pipeline import make_pipeline

TRANSFORMERS = [
    pytest.param(lambda: TCA(n_components=2), id="TCA"),
    pytest.param(lambda: CORAL(), id="CORAL"),
    pytest.param(lambda: SubspaceAlignment(n_components=2), id="SA"),
]


@pytest.fixture(scope="module")
def data():
    X, y_true, sd = make_domain_shift("covariate", mask_target_labels=False, random_state=0)
    y = np.where(sd < 0, -1, y_true)
    return X, y, y_true, sd


@pytest.mark.parametrize("make", TRANSFORMERS)
def test_plain_pipeline_with_a_middle_step_is_refused(data, make):
    X, y, _, _ = data
    pipe = sklearn_make_pipeline(StandardScaler(), make(), LogisticRegression())
    with pytest.raises(ValueError, match=r"middle step.*tlearn\.pipeline\.make_pipeline"):
        pipe.fit(X, y)


@pytest.mark.parametrize("make", TRANSFORMERS)
def test_tlearn_make_pipeline_equals_the_method_with_its_estimator(data, make):
    X, y, y_true, sd = data
    target = sd < 0
    pipe = make_pipeline(StandardScaler(), make(), LogisticRegression()).fit(X, y)
    assert pipe.classes_.tolist() == [0, 1]
    assert isinstance(pipe.steps[-1][1], Pooled)
    inner = make().set_params(estimator=LogisticRegression())
    reference = sklearn_make_pipeline(StandardScaler(), inner).fit(X, y)
    np.testing.assert_array_equal(pipe.predict(X[target]), reference.predict(X[target]))
    assert pipe.score(X[target], y_true[target]) > 0.7


def test_the_defect_as_reported(data):
    """The reported numbers: 0.24 before (365 of 500 rows predicted -1), 0.86 for TCA(LR)."""
    X, y, y_true, sd = data
    target = sd < 0
    pipe = make_pipeline(StandardScaler(), TCA(n_components=2), LogisticRegression()).fit(X, y)
    y_pred = pipe.predict(X[target])
    assert not np.any(y_pred == -1)
    assert np.mean(y_pred == y_true[target]) > 0.8


def test_refused_in_nested_pipelines_and_searches(data):
    X, y, _, _ = data
    inner = Pipeline([("tca", TCA(n_components=2)), ("pca", PCA(n_components=2))])
    with pytest.raises(ValueError, match="middle step"):
        sklearn_make_pipeline(StandardScaler(), inner, LogisticRegression()).fit(X, y)
    search = GridSearchCV(
        sklearn_make_pipeline(TCA(n_components=2), LogisticRegression()),
        {"tca__mu": [0.1, 1.0]},
        cv=2,
        error_score="raise",
    )
    with pytest.raises(ValueError, match="middle step"):
        search.fit(X, y)


def test_forms_that_cannot_learn_the_marker_are_allowed(data):
    X, y, _, sd = data
    # a pipeline of transformers only: nothing learns y
    Z = sklearn_make_pipeline(StandardScaler(), TCA(n_components=2), PCA(1)).fit_transform(X, y)
    assert Z.shape == (X.shape[0], 1)
    # a tlearn final step, or Pooled around a scikit-learn one
    pipe = sklearn_make_pipeline(CORAL(), Pooled(LogisticRegression())).fit(X, y)
    assert pipe.classes_.tolist() == [0, 1]
    # scikit-learn's semi-supervised estimators read -1 as unlabelled
    pipe = sklearn_make_pipeline(CORAL(), SelfTrainingClassifier(LogisticRegression()))
    assert pipe.fit(X, y).classes_.tolist() == [0, 1]
    # every label known (sample_domain routed, all target rows labelled): no marker
    y_all = np.where(sd < 0, 0, y)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = sklearn_make_pipeline(CORAL(), LogisticRegression())
        pipe.fit(X, y_all, sample_domain=sd)


def test_make_pipeline_keeps_what_needs_no_wrapping():
    assert isinstance(make_pipeline(StandardScaler(), TCA()).steps[-1][1], TCA)
    assert isinstance(make_pipeline(CORAL(), PCA()).steps[-1][1], PCA)
    assert isinstance(make_pipeline(CORAL(), CORAL()).steps[-1][1], CORAL)
    assert isinstance(make_pipeline(Ridge()).steps[-1][1], Ridge)  # a single step: nothing before
    wrapped = make_pipeline(StandardScaler(), CORAL(), Ridge()).steps[-1][1]
    assert isinstance(wrapped, Pooled) and isinstance(wrapped.estimator, Ridge)
    with pytest.raises(ValueError, match="at least one step"):
        make_pipeline()


def test_regression_marker_never_reaches_the_final_step():
    X, y, sd = make_domain_shift("covariate", task="regression", random_state=0)
    assert np.isnan(y[sd < 0]).all()
    with pytest.raises(ValueError, match="middle step"):
        sklearn_make_pipeline(CORAL(Ridge()), Ridge()).fit(X, y)
    pipe = make_pipeline(CORAL(Ridge()), Ridge()).fit(X, y)
    assert np.isfinite(pipe.predict(X[sd < 0])).all()


def test_make_pipeline_in_a_grid_search(data):
    X, y, _, _ = data
    pipe = make_pipeline(StandardScaler(), TCA(n_components=2), LogisticRegression())
    search = GridSearchCV(pipe, {"pooled__estimator__C": [0.1, 1.0]}, cv=3).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize(
    "make, names",
    [
        (lambda: TCA(n_components=2), ["tca0", "tca1"]),
        (lambda: SubspaceAlignment(n_components=2), ["subspacealignment0", "subspacealignment1"]),
        (lambda: CORAL(), ["a", "b", "c"]),
    ],
    ids=["TCA", "SA", "CORAL"],
)
def test_feature_names_and_pandas_output(make, names):
    X, y, sd = make_domain_shift("covariate", n_features=3, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    est = make().fit(frame, y, sample_domain=sd)
    assert est.get_feature_names_out().tolist() == names
    assert est.get_feature_names_out(["a", "b", "c"]).tolist() == names
    with pytest.raises(ValueError, match="feature_names_in_"):
        est.get_feature_names_out(["c", "b", "a"])
    est.set_output(transform="pandas")
    out = est.transform(frame.iloc[:7])
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == names
    assert out.index.equals(frame.index[:7])
    default = est.set_output(transform="default").transform(frame.iloc[:7])
    np.testing.assert_allclose(out.to_numpy(), default)
    fitted = make().set_output(transform="pandas").fit_transform(frame, y, sample_domain=sd)
    assert isinstance(fitted, pd.DataFrame) and fitted.columns.tolist() == names


def test_feature_names_without_names_seen():
    X, y, sd = make_domain_shift("covariate", n_features=3, random_state=0)
    assert CORAL().fit(X, y).get_feature_names_out().tolist() == ["x0", "x1", "x2"]
    with pytest.raises(ValueError, match="length 3"):
        CORAL().fit(X, y).get_feature_names_out(["a"])
