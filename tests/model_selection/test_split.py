"""DomainStratifiedKFold: folds that keep what every method needs (issue 19, defect 3).

With scikit-learn's default (unshuffled) folds on stacked data, one fold holds
out every labelled target row, so a few-label method's fit fails there:
``GridSearchCV`` recorded ``NaN`` and ``best_params_`` was just the first
candidate. The fit now fails with an error naming the splitter, and the
splitter makes every fold valid.
"""

import inspect
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV, cross_validate

from tlearn.datasets import make_domain_shift
from tlearn.instance import TrAdaBoost
from tlearn.model_selection import DomainStratifiedKFold
from tlearn.parameter import SharedPriorLogisticRegression


def _few_label_data(n_labels=10, random_state=0):
    X, y_true, sd = make_domain_shift(
        "covariate", mask_target_labels=False, random_state=random_state
    )
    y = np.where(sd < 0, -1, y_true)
    target = np.flatnonzero(sd < 0)
    y[target[:n_labels]] = y_true[target[:n_labels]]
    return X, y, sd


@pytest.mark.parametrize("n_splits", [2, 3, 5, 10])
@pytest.mark.parametrize("n_labels", [2, 3, 7, 20])
@pytest.mark.parametrize("shuffle", [True, False])
def test_every_training_split_keeps_labelled_target_rows(n_splits, n_labels, shuffle):
    X, y, sd = _few_label_data(n_labels)
    labeled = np.flatnonzero(y != -1)
    labeled_target = np.flatnonzero((y != -1) & (sd < 0))
    unlabeled = np.flatnonzero(y == -1)
    cv = DomainStratifiedKFold(n_splits, shuffle=shuffle, random_state=0)
    folds = list(cv.split(X, y, sample_domain=sd))
    assert len(folds) == cv.get_n_splits() == n_splits
    tests = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(np.sort(tests), labeled)  # a partition of the labelled rows
    for train, test in folds:
        assert np.intersect1d(train, test).size == 0
        assert np.isin(unlabeled, train).all()  # unlabelled rows train, never test
        assert np.isin(labeled_target, train).any()
        assert np.union1d(train, test).size == X.shape[0]
    # each domain's labelled rows spread evenly: fold counts differ by at most one
    for domain in (1, -2):
        counts = [np.sum(sd[test] == domain) for _, test in folds]
        assert max(counts) - min(counts) <= 1


def test_each_class_of_a_domain_is_spread_too():
    X, y, sd = _few_label_data(40)
    for _, test in DomainStratifiedKFold(4, random_state=1).split(X, y, sample_domain=sd):
        for domain in (1, -2):
            for label in (0, 1):
                rows = (sd == domain) & (y == label)
                n_test = np.sum(rows[test])
                assert abs(n_test - rows.sum() / 4) <= 1


def test_same_seed_same_folds_other_seed_other_folds():
    X, y, sd = _few_label_data()

    def folds(seed):
        cv = DomainStratifiedKFold(3, random_state=seed)
        return [test.tolist() for _, test in cv.split(X, y, sample_domain=sd)]

    assert folds(0) == folds(0)
    assert folds(0) != folds(1)


def test_domains_from_groups_or_inferred():
    X, y, sd = _few_label_data()
    cv = DomainStratifiedKFold(3, random_state=0)
    by_domain = [t.tolist() for _, t in cv.split(X, y, sample_domain=sd)]
    by_groups = [t.tolist() for _, t in cv.split(X, y, groups=sd)]
    assert by_domain == by_groups
    # inferred: the labelled target rows count as source rows, the rest as before
    inferred = list(cv.split(X, y))
    assert all(np.isin(np.flatnonzero(y == -1), train).all() for train, _ in inferred)


def test_regression_and_string_labels():
    X, y, sd = make_domain_shift("covariate", task="regression", random_state=0)
    folds = list(DomainStratifiedKFold(3, random_state=0).split(X, y, sample_domain=sd))
    assert sum(len(t) for _, t in folds) == np.sum(~np.isnan(y))
    names = np.array(["a", "b"] * 10, dtype=object)
    names[15:] = None
    sd2 = np.where(np.arange(20) < 12, 1, -2)
    folds = list(DomainStratifiedKFold(3, random_state=0).split(np.zeros((20, 1)), names, sd2))
    assert all(np.isin(np.arange(15, 20), train).all() for train, _ in folds)


def test_the_table_lists_every_constructor_parameter():
    names = set(inspect.signature(DomainStratifiedKFold.__init__).parameters) - {"self"}
    assert set(DomainStratifiedKFold._parameter_constraints) == names


def test_errors():
    X, y, sd = _few_label_data(1)
    with pytest.raises(ValueError, match="single labelled row"):
        list(DomainStratifiedKFold(3).split(X, y, sample_domain=sd))
    # the parameters are checked as every estimator's are (tlearn/_params.py), in one format
    prefix = "^DomainStratifiedKFold: the parameter "
    n_splits = prefix + r"'n_splits' must be an integer in the range \[2, inf\); got "
    with pytest.raises(ValueError, match=n_splits + r"1\.$"):
        list(DomainStratifiedKFold(1).split(X, y, sample_domain=sd))
    with pytest.raises(TypeError, match=n_splits + r"True\.$"):  # a bool is not a number
        DomainStratifiedKFold(True).get_n_splits()
    with pytest.raises(TypeError, match=n_splits + r"3\.0\.$"):
        DomainStratifiedKFold(3.0).get_n_splits()
    with pytest.raises(TypeError, match=prefix + r"'shuffle' must be a bool; got 'yes'\.$"):
        list(DomainStratifiedKFold(3, shuffle="yes").split(X, y, sample_domain=sd))
    with pytest.raises(ValueError, match=prefix + r"'random_state' must be an integer in the"):
        list(DomainStratifiedKFold(3, random_state=-1).split(X, y, sample_domain=sd))
    y_few = np.full(20, -1)
    y_few[:2] = [0, 1]
    with pytest.raises(ValueError, match="Cannot make 3 folds from 2 labelled rows"):
        list(DomainStratifiedKFold(3).split(np.zeros((20, 1)), y_few))


ESTIMATORS = [
    (TrAdaBoost(n_estimators=3), {"n_estimators": [2, 3]}),
    (SharedPriorLogisticRegression(), {"reg": [0.1, 10.0]}),
]


@pytest.mark.parametrize("est, grid", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_default_folds_fail_with_an_error_naming_the_splitter(est, grid):
    X, y, sd = _few_label_data()
    with pytest.raises(ValueError, match=r"No labelled target rows.*DomainStratifiedKFold"):
        GridSearchCV(est, grid, cv=3, error_score="raise").fit(X, y, sample_domain=sd)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GridSearchCV(est, grid, cv=3).fit(X, y, sample_domain=sd)
    messages = [str(w.message) for w in caught if issubclass(w.category, FitFailedWarning)]
    assert messages and "DomainStratifiedKFold" in messages[0]


@pytest.mark.parametrize("est, grid", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_grid_search_with_the_splitter_scores_every_fold(est, grid):
    X, y, sd = _few_label_data()
    cv = DomainStratifiedKFold(3, random_state=0)
    search = GridSearchCV(est, grid, cv=cv, error_score="raise")
    search.fit(X, y, groups=sd, sample_domain=sd)
    means = search.cv_results_["mean_test_score"]
    assert np.isfinite(means).all()
    assert search.best_index_ == int(np.argmax(means))
    with sklearn.config_context(enable_metadata_routing=True):
        routed = GridSearchCV(est, grid, cv=cv, error_score="raise")
        routed.fit(X, y, sample_domain=sd)  # the splitter requests sample_domain itself
        np.testing.assert_allclose(routed.cv_results_["mean_test_score"], means)
        result = cross_validate(est, X, y, params={"sample_domain": sd}, cv=cv)
    assert np.isfinite(result["test_score"]).all()
