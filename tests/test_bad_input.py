"""Bad input gets a clear error: the error type and a message that names the problem.

Every case goes through a public entry point (an estimator's fit or predict, or
``stack_domains`` / ``split_domains``), so the table also checks that the one
validation entry point is really the one used.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import LinearSVC

from tlearn import split_domains, stack_domains
from tlearn.base import BaseFeatureTransfer, BaseInstanceTransfer, BaseParameterTransfer
from tlearn.baselines import SourceOnly
from tlearn.instance import KLIEP, ULSIF, DiscriminativeRatio
from tlearn.parameter import SharedPriorLogisticRegression, SharedPriorRidge

rng = np.random.default_rng(0)
X = rng.normal(size=(12, 3))
Y = np.array([0, 1] * 6)
SD = np.array([1] * 8 + [-2] * 4)
Y_MASKED = np.where(SD < 0, -1, Y)


class _NeedsTarget(BaseFeatureTransfer):
    _requires_target = True

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _fit_map(self, data):
        pass

    def _map_rows(self, X, sample_domain):
        return X


class _Weighted(BaseInstanceTransfer):
    def __init__(self, estimator=None):
        self.estimator = estimator

    def _fit_weights(self, data):
        return np.ones(int(data.source.sum()))


class _NeedsTargetLabels(BaseParameterTransfer):
    def __init__(self):
        pass

    def fit(self, X, y, sample_domain=None):
        self._check_domains(X, y, sample_domain, reset=True)
        return self


def _with(a, i, v):
    a = np.array(a, dtype=float if isinstance(v, float) else None, copy=True)
    a.flat[i] = v
    return a


def fit(est=None, X=X, y=Y_MASKED, sample_domain=None):
    est = SourceOnly() if est is None else est
    return lambda: est.fit(X, y, sample_domain=sample_domain)


def predict(X_new, sample_domain=None):
    model = SourceOnly().fit(X, Y_MASKED)
    return lambda: model.predict(X_new, sample_domain=sample_domain)


# (id, callable, error type, regex the message must match)
CASES = [
    ("X with NaN", fit(X=_with(X, 4, np.nan)), ValueError, "Input X contains NaN"),
    ("X with inf", fit(X=_with(X, 4, np.inf)), ValueError, "Input X contains infinity"),
    ("1-D X", fit(X=X[:, 0]), ValueError, "Expected 2D array, got 1D array"),
    ("3-D X", fit(X=X[:, :, None]), ValueError, "Found array with dim 3"),
    ("complex X", fit(X=X + 1j), ValueError, "Complex data not supported"),
    ("X with 0 rows", fit(X=X[:0], y=Y[:0]), ValueError, "0 sample"),
    ("string X", fit(X=np.array([["a", "b"]] * 12)), ValueError, "could not convert"),
    ("len(y) != len(X)", fit(y=Y_MASKED[:-1]), ValueError, "X has 12 rows but y has 11"),
    ("y is None", fit(y=None), ValueError, "requires y to be passed"),
    ("multi-output y", fit(y=np.c_[Y, Y]), ValueError, r"y should be a 1d array.*\(12, 2\)"),
    ("y with inf", fit(y=_with(Y_MASKED, 0, np.inf)), ValueError, "y contains infinity"),
    ("continuous y for a classifier", fit(y=X[:, 0]), ValueError, "Unknown label type"),
    (
        "string y for a regressor",
        fit(SourceOnly(Ridge()), y=np.array(["a", "b"] * 6)),
        ValueError,
        "y must be numeric for a regressor",
    ),
    (
        "strings mixed with -1",
        fit(y=np.array(["a", "b"] * 5 + [-1, -1], dtype=object)),
        TypeError,
        "mixes string labels.*LabelEncoder",
    ),
    (
        "sample_domain too short",
        fit(y=Y, sample_domain=SD[:-2]),
        ValueError,
        "sample_domain has 10 entries but X has 12 rows",
    ),
    (
        "sample_domain of floats",
        fit(y=Y, sample_domain=SD.astype(float)),
        TypeError,
        "sample_domain must hold integer domain ids.*float64",
    ),
    (
        "sample_domain of bools",
        fit(y=Y, sample_domain=SD > 0),
        TypeError,
        "sample_domain must hold integer domain ids.*bool",
    ),
    (
        "sample_domain of strings",
        fit(y=Y, sample_domain=SD.astype(str)),
        TypeError,
        "sample_domain must hold integer domain ids",
    ),
    (
        "2-D sample_domain",
        fit(y=Y, sample_domain=SD[:, None]),
        ValueError,
        r"sample_domain must be 1-D.*\(12, 1\)",
    ),
    (
        "no source rows",
        fit(y=Y, sample_domain=-2 * np.ones(12, dtype=int)),
        ValueError,
        "No labelled source rows",
    ),
    (
        "no target rows where needed",
        fit(_NeedsTarget(), y=Y),
        ValueError,
        "No target rows: _NeedsTarget needs target rows",
    ),
    (
        "no labelled target rows where needed",
        fit(_NeedsTargetLabels(), sample_domain=SD),
        ValueError,
        "No labelled target rows: _NeedsTargetLabels",
    ),
    ("every label unknown", fit(y=-np.ones(12, dtype=int)), ValueError, "Every label is unknown"),
    (
        "every regression target NaN",
        fit(SourceOnly(Ridge()), y=np.full(12, np.nan)),
        ValueError,
        "Every label is unknown",
    ),
    (
        "labels {-1, 1} without domains",
        fit(y=np.where(Y == 0, -1, 1)),
        ValueError,
        r"Ambiguous labels.*\{-1, 1\}.*Pass sample_domain",
    ),
    (
        "-1 a source class and a target marker",
        fit(y=np.where(Y == 0, -1, 1), sample_domain=SD),
        ValueError,
        "-1 on target rows is ambiguous",
    ),
    (
        "NaN label on a source row",
        fit(SourceOnly(Ridge()), y=_with(Y, 0, np.nan), sample_domain=SD),
        ValueError,
        "NaN on 1 source rows: source rows must have known labels",
    ),
    (
        "one class",
        fit(y=np.where(SD < 0, -1, 0), sample_domain=SD),
        ValueError,
        r"at least 2 classes; got 1 class \(0\)",
    ),
    (
        "sparse X where unsupported",
        fit(X=sp.csr_matrix(X)),
        TypeError,
        "Sparse data was passed.*dense data is required",
    ),
    (
        "estimator without sample_weight",
        fit(_Weighted(KNeighborsClassifier())),
        TypeError,
        "KNeighborsClassifier.fit does not accept sample_weight",
    ),
    (
        "unexpected sample_weight",
        lambda: SourceOnly().fit(X, Y, sample_weight=np.ones(12)),
        TypeError,
        "unexpected keyword argument 'sample_weight'",
    ),
    (
        "predict with other n_features",
        predict(X[:, :2]),
        ValueError,
        "X has 2 features, but SourceOnly is expecting 3 features",
    ),
    (
        "predict sample_domain of wrong length",
        predict(X, SD[:3]),
        ValueError,
        "sample_domain has 3 entries but X has 12 rows",
    ),
    (
        "score with no known label",
        lambda: SourceOnly().fit(X, Y_MASKED).score(X[SD < 0], Y_MASKED[SD < 0]),
        ValueError,
        "Every label is unknown",
    ),
    (
        "score sample_weight of wrong length",
        lambda: SourceOnly().fit(X, Y_MASKED).score(X, Y, sample_weight=np.ones(3)),
        ValueError,
        r"sample_weight must have shape \(12,\)",
    ),
    ("predict before fit", lambda: SourceOnly().predict(X), NotFittedError, "not fitted yet"),
    (
        "stack: feature counts differ",
        lambda: stack_domains(X, Y, X[:, :2]),
        ValueError,
        r"different numbers of features \(source then target: 3, 2\)",
    ),
    (
        "stack: ys length",
        lambda: stack_domains(X, Y[:5], X),
        ValueError,
        r"ys must be 1-D with 12 labels; got shape \(5,\)",
    ),
    (
        "stack: NaN in X",
        lambda: stack_domains(_with(X, 0, np.nan), Y, X),
        ValueError,
        "Input Xs\\[0\\] contains NaN",
    ),
    (
        "split: sample_domain wrong length",
        lambda: split_domains(X, Y, SD[:4]),
        ValueError,
        "sample_domain has 4 entries but X has 12 rows",
    ),
    (
        "shared prior: prior with other n_features",
        fit(SharedPriorLogisticRegression(prior={"coef": [1, 2], "classes": [0, 1]}), y=Y),
        ValueError,
        "'prior' must be a model of 3 features, as X; got prior with coef of 2 features",
    ),
    (
        "shared prior: NaN in the prior",
        fit(SharedPriorRidge(prior={"coef": [1, np.nan, 2]}), y=X[:, 0]),
        ValueError,
        "'prior' must be a model with finite coefficients.*; got prior with NaN or infinite",
    ),
    (
        "shared prior: negative source_weights",
        fit(SharedPriorLogisticRegression(source_weights=[-1.0]), y=Y, sample_domain=SD),
        ValueError,
        "'source_weights' must be finite, non-negative",
    ),
    (
        "shared prior: source_weights of wrong length",
        fit(SharedPriorLogisticRegression(source_weights=[1, 1]), y=Y, sample_domain=SD),
        ValueError,
        r"'source_weights' must be one weight per source model \(1\); got 2 entries",
    ),
    (
        "shared prior: no labelled target rows",
        fit(SharedPriorLogisticRegression(), sample_domain=SD),
        ValueError,
        "No labelled target rows: SharedPriorLogisticRegression",
    ),
    (
        "density_ratio before fit",
        lambda: ULSIF().density_ratio(X),
        NotFittedError,
        "This ULSIF instance is not fitted yet",
    ),
    (
        "density_ratio with other n_features",
        lambda: DiscriminativeRatio().fit(X, Y_MASKED, sample_domain=SD).density_ratio(X[:, :2]),
        ValueError,
        "X has 2 features, but DiscriminativeRatio is expecting 3 features",
    ),
    (
        "density_ratio with NaN",
        lambda: DiscriminativeRatio().fit(X, Y_MASKED).density_ratio(_with(X, 0, np.nan)),
        ValueError,
        "Input X contains NaN",
    ),
    (
        "domain classifier without predict_proba",
        fit(DiscriminativeRatio(domain_classifier=LinearSVC()), sample_domain=SD),
        TypeError,
        "the domain classifier LinearSVC has no predict_proba",
    ),
    (
        "ratio width grid with a negative width",
        fit(KLIEP(sigma=[1.0, -1.0]), sample_domain=SD),
        ValueError,
        r"^KLIEP: the parameter 'sigma' must be a positive number or a non-empty 1-D array",
    ),
    (
        "ratio width grid with one target row",
        fit(ULSIF(), y=Y, sample_domain=np.r_[SD[:8], 1, 1, 1, -2]),
        ValueError,
        r"^ULSIF: the parameter 'sigma' must be one value, and reg one value, when there are",
    ),
    (
        "unknown task",
        lambda: __import__("tlearn._domains")._domains.check_domain_data(
            None, X, Y, task="ranking"
        ),
        ValueError,
        "task must be one of",
    ),
]


@pytest.mark.parametrize("call, error, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_table_is_large_enough():
    assert len(CASES) >= 20
    assert len({c[0] for c in CASES}) == len(CASES)


def test_classifier_default_is_logistic_regression():
    # a sanity anchor for the table: the good input fits
    model = SourceOnly().fit(X, Y_MASKED)
    assert isinstance(model.estimator_, LogisticRegression)
