"""String labels and unknown-label placeholders (issue 19, defect 2).

A string label array cannot hold ``-1``; target rows filled with ``"-1"``,
``"?"`` or ``""`` were learned as a class by every estimator. Unknown string
labels are now ``None`` (or ``NaN``) in an object array, and a placeholder is
a ``ValueError`` that says so.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from tlearn import split_domains, stack_domains
from tlearn.baselines import Pooled, SourceOnly
from tlearn.datasets import make_domain_shift
from tlearn.feature import CORAL, TCA, SubspaceAlignment
from tlearn.instance import KLIEP, KMM, ULSIF, DiscriminativeRatio, TrAdaBoost
from tlearn.parameter import SharedPriorLogisticRegression

UNSUPERVISED = [
    CORAL(),
    TCA(n_components=2),
    SubspaceAlignment(n_components=2),
    KMM(),
    KLIEP(random_state=0),
    ULSIF(random_state=0),
    DiscriminativeRatio(),
    SourceOnly(),
    Pooled(),
]
FEW_LABEL = [TrAdaBoost(n_estimators=5), SharedPriorLogisticRegression()]
ALL = UNSUPERVISED + FEW_LABEL


def _name(est):
    return type(est).__name__


@pytest.fixture(scope="module")
def shift():
    X, y_int, sd = make_domain_shift("covariate", mask_target_labels=False, random_state=0)
    names = np.array(["neg", "pos"])[y_int]
    return X, names, sd


def _few_labels(y, sd, n=10):
    y = y.astype(object)
    target = np.flatnonzero(sd < 0)
    y[target[n:]] = None
    return y


@pytest.mark.parametrize("est", UNSUPERVISED, ids=_name)
def test_none_marks_unknown_string_labels(shift, est):
    X, names, sd = shift
    Xs, ys, Xt, yt = split_domains(X, names, sd)
    X2, y2, sd2 = stack_domains(Xs, ys, Xt)
    assert y2.dtype == object and all(v is None for v in y2[sd2 < 0])
    for kwargs in ({}, {"sample_domain": sd2}):
        model = est.fit(X2, y2, **kwargs)
        assert model.classes_.tolist() == ["neg", "pos"]
        y_pred = model.predict(Xt)
        assert set(y_pred) <= {"neg", "pos"}
        assert np.mean(y_pred == yt) > 0.7
        # score skips the unknown labels, and reads strings
        assert model.score(X2, y2, sample_domain=sd2) == pytest.approx(
            model.score(Xs, ys, sample_domain=np.ones(len(ys), dtype=int))
        )


@pytest.mark.parametrize("est", FEW_LABEL, ids=_name)
def test_few_label_methods_with_string_labels(shift, est):
    X, names, sd = shift
    y = _few_labels(names, sd)
    model = est.fit(X, y, sample_domain=sd)
    assert model.classes_.tolist() == ["neg", "pos"]
    assert np.mean(model.predict(X[sd < 0]) == names[sd < 0]) > 0.7


@pytest.mark.parametrize("missing", [np.nan, pd.NA, float("nan")], ids=["np.nan", "pd.NA", "nan"])
def test_other_missing_values_mark_unknown_too(shift, missing):
    X, names, sd = shift
    y = names.astype(object)
    y[sd < 0] = missing
    assert CORAL().fit(X, y).classes_.tolist() == ["neg", "pos"]


def test_pandas_string_labels(shift):
    X, names, sd = shift
    for dtype in ("object", "string", "category"):
        y = pd.Series(names, dtype=dtype)
        y[sd < 0] = None
        assert CORAL().fit(X, y).classes_.tolist() == ["neg", "pos"]


@pytest.mark.parametrize("est", ALL, ids=_name)
@pytest.mark.parametrize("placeholder", ["-1", "?", "", "unknown", " NaN ", "None"])
def test_placeholder_strings_are_refused(shift, est, placeholder):
    X, names, sd = shift
    y = names.astype(object)
    y[np.flatnonzero(sd < 0)[10:]] = placeholder
    with pytest.raises(ValueError, match="placeholder.*None"):
        est.fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="placeholder.*None"):
        est.fit(X, y.astype(str))  # a fixed-width string array, domains inferred


@pytest.mark.parametrize("est", ALL, ids=_name)
def test_one_unseen_label_on_every_target_row_is_refused(shift, est):
    X, names, sd = shift
    y = names.astype(object)
    y[sd < 0] = "zzz"
    with pytest.raises(ValueError, match="no source row has.*placeholder"):
        est.fit(X, y, sample_domain=sd)
    y_int = (names == "pos").astype(int)
    y_int[sd < 0] = 999
    with pytest.raises(ValueError, match="label 999, which no source row has"):
        est.fit(X, y_int, sample_domain=sd)


def test_score_refuses_placeholders(shift):
    X, names, sd = shift
    model = CORAL().fit(X, np.where(sd < 0, None, names.astype(object)))
    y = names.astype(object)
    y[:3] = "?"
    with pytest.raises(ValueError, match="placeholder"):
        model.score(X, y)


def test_none_on_a_source_row_is_refused(shift):
    X, names, sd = shift
    y = names.astype(object)
    y[0] = None
    with pytest.raises(ValueError, match="source rows must have known labels"):
        CORAL().fit(X, y, sample_domain=sd)


def test_mixed_strings_and_numbers_are_refused(shift):
    X, names, sd = shift
    y = names.astype(object)
    y[0] = 3
    with pytest.raises(TypeError, match="mixes string labels"):
        CORAL().fit(X, y, sample_domain=sd)


def test_numeric_labels_unchanged_by_the_string_rules():
    X, y, sd = make_domain_shift("covariate", random_state=0)
    assert CORAL().fit(X, y).classes_.tolist() == [0, 1]
    y_obj = y.astype(object)  # integers in an object array: -1 still marks unknown
    assert CORAL().fit(X, y_obj).classes_.tolist() == [0, 1]
    Xr, yr, sdr = make_domain_shift("covariate", task="regression", random_state=0)
    yr_obj = yr.astype(object)
    yr_obj[sdr < 0] = None
    assert np.isfinite(CORAL(Ridge()).fit(Xr, yr_obj).predict(Xr[:3])).all()


def test_scoring_a_few_rows_of_one_class_is_no_placeholder(shift):
    X, names, sd = shift
    model = CORAL().fit(X, np.where(sd < 0, None, names.astype(object)), sample_domain=sd)
    source = np.flatnonzero((sd >= 0) & (names == "neg"))[:5]
    target = np.flatnonzero((sd < 0) & (names == "pos"))[:2]
    rows = np.concatenate([source, target])
    assert 0 <= model.score(X[rows], names[rows], sample_domain=sd[rows]) <= 1
