"""SourceShuffleSplit and LeaveOneSourceDomainOut: validation rows from the sources only.

Every target row is in every training and every test split (unlabelled for the
methods, needed by the label-free scorers); the source validation rows never train.
"""

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from tlearn.baselines import SourceOnly
from tlearn.datasets import make_domain_shift
from tlearn.model_selection import LeaveOneSourceDomainOut, SourceShuffleSplit


def _three_sources(seed=0):
    rng = np.random.default_rng(seed)
    sd = np.r_[np.zeros(30, int), np.ones(50, int), np.full(20, 2), np.full(40, -2)]
    y = rng.integers(0, 3, size=sd.size)
    y[sd < 0] = -1
    X = rng.normal(size=(sd.size, 2))
    return X, y, sd


@pytest.mark.parametrize("test_size", [0.1, 0.25, 0.5])
def test_source_shuffle_split_invariants(test_size):
    X, y, sd = _three_sources()
    target = np.flatnonzero(sd < 0)
    cv = SourceShuffleSplit(4, test_size=test_size, random_state=0)
    folds = list(cv.split(X, y, sample_domain=sd))
    assert len(folds) == cv.get_n_splits() == 4
    for train, test in folds:
        assert np.isin(target, train).all() and np.isin(target, test).all()
        validation = np.setdiff1d(test, target)
        assert np.intersect1d(validation, train).size == 0  # validation rows never train
        assert np.union1d(train, test).size == X.shape[0]  # every source row somewhere
        for domain in (0, 1, 2):
            rows = sd == domain
            n_val = int(np.ceil(test_size * rows.sum()))
            assert np.sum(rows[validation]) == n_val
            for label in (0, 1, 2):  # stratified: each class in proportion, within one row
                share = np.sum(rows & (y == label)) * n_val / rows.sum()
                assert abs(np.sum((rows & (y == label))[validation]) - share) < 1
    # independent draws: folds differ; the same seed gives the same folds
    assert not np.array_equal(folds[0][1], folds[1][1])
    again = list(SourceShuffleSplit(4, test_size=test_size, random_state=0).split(X, y, groups=sd))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))


def test_source_shuffle_split_infers_domains_and_does_regression():
    X, y, sd = make_domain_shift("covariate", n_source=50, n_target=30, random_state=0)
    folds = list(SourceShuffleSplit(2, random_state=0).split(X, y))  # target rows: y == -1
    for _, test in folds:
        assert np.isin(np.flatnonzero(y == -1), test).all()
        assert np.sum(y[test] != -1) == 10
    X, y, sd = make_domain_shift("covariate", task="regression", n_source=50, random_state=0)
    for train, test in SourceShuffleSplit(2, random_state=0).split(X, y, sample_domain=sd):
        assert np.sum(sd[test] >= 0) == 10 and np.isin(np.flatnonzero(sd < 0), train).all()


def test_source_shuffle_split_errors():
    X, y, sd = _three_sources()
    small = sd.copy()
    small[30:79] = -2  # source domain 1 keeps a single row
    with pytest.raises(ValueError, match="source domain 1 has 1 row"):
        list(SourceShuffleSplit(test_size=0.2).split(X, y, sample_domain=small))
    with pytest.raises(ValueError, match="too few"):
        list(SourceShuffleSplit(test_size=0.99).split(X, y, sample_domain=sd))
    with pytest.raises(ValueError, match="no target rows"):
        list(SourceShuffleSplit().split(X, y, sample_domain=np.abs(sd)))
    with pytest.raises(
        ValueError, match=r"'test_size' must be a real number in the range \(0, 1\)"
    ):
        list(SourceShuffleSplit(test_size=1.0).split(X, y, sample_domain=sd))


def test_leave_one_source_domain_out():
    X, y, sd = _three_sources()
    cv = LeaveOneSourceDomainOut()
    assert cv.get_n_splits(X, y, sample_domain=sd) == cv.get_n_splits(groups=sd) == 3
    folds = list(cv.split(X, y, sample_domain=sd))
    target = np.flatnonzero(sd < 0)
    for domain, (train, test) in zip((0, 1, 2), folds):
        np.testing.assert_array_equal(np.setdiff1d(test, target), np.flatnonzero(sd == domain))
        assert np.isin(target, train).all() and not np.any(sd[train] == domain)
        assert np.union1d(train, test).size == X.shape[0]
    with pytest.raises(ValueError, match="at least 2 source domains; got 1"):
        list(cv.split(X, y))  # inferred domains: one source domain
    with pytest.raises(ValueError, match="needs the domains"):
        cv.get_n_splits()
    with pytest.raises(ValueError, match="no target rows"):
        list(cv.split(X, y, sample_domain=np.abs(sd)))


def test_grid_search_routes_the_domains_to_the_splitters():
    X, y, sd = _three_sources()
    y = np.where(sd < 0, -1, (X[:, 0] > 0).astype(int))
    for cv in (SourceShuffleSplit(2, random_state=0), LeaveOneSourceDomainOut()):
        # routing off: the domains as groups (the default score reads the labelled rows)
        search = GridSearchCV(SourceOnly(LogisticRegression()), {"estimator__C": [0.1, 1.0]}, cv=cv)
        search.fit(X, y, groups=sd, sample_domain=sd)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        with sklearn.config_context(enable_metadata_routing=True):
            routed = GridSearchCV(search.estimator, search.param_grid, cv=cv)
            routed.fit(X, y, sample_domain=sd)
        assert routed.n_splits_ == cv.get_n_splits(groups=sd)
