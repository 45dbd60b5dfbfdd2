"""TransferGuard: the selection rule, abstaining, the results table, and the fit signature."""

import pickle

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tlearn.baselines import SourceOnly
from tlearn.datasets import make_domain_shift
from tlearn.feature import CORAL, SubspaceAlignment
from tlearn.model_selection import SourceShuffleSplit, TransferGuard, default_candidates
from tlearn.model_selection._guard import _select


def _data(shift="covariate", seed=0, **kwargs):
    kwargs = {"n_features": 5, "n_source": 200, "n_target": 200, **kwargs}
    X, y, sd = make_domain_shift(shift, mask_target_labels=False, random_state=seed, **kwargs)
    return X, np.where(sd < 0, -1, y), sd, y


SMALL = [("CORAL", CORAL(), {"reg": [1.0]}), ("SA", SubspaceAlignment(), {"n_components": [3]})]


def _source_accuracy(estimator, X, y, sample_domain):
    """A scorer for the tests: accuracy on the held-out source rows."""
    source = sample_domain >= 0
    return float(
        np.mean(estimator.predict(X[source], sample_domain=sample_domain[source]) == y[source])
    )


def test_select_keeps_the_best_mean_unless_source_only_is_as_good():
    # rows: SourceOnly (the reference), a gain, a larger but noisy gain, a loss
    scores = np.array(
        [
            [0.70, 0.72, 0.71],
            [0.75, 0.76, 0.76],
            [0.90, 0.60, 0.80],
            [0.60, 0.60, 0.60],
        ]
    )
    assert _select(scores, 0) == 2  # the best mean, noisy or not
    assert _select(scores[[0, 1, 3]], 0) == 1
    assert _select(scores[[0, 3]], 0) == 0  # nothing beats SourceOnly
    assert _select(scores[[1, 0, 3]], 1) == 0  # the reference need not be the first row
    tie = np.array([[0.7, 0.7, 0.7], [0.8, 0.6, 0.7]])  # the same mean: SourceOnly wins
    assert _select(tie, 0) == 0
    failed = scores.copy()
    failed[2, 1] = np.nan  # a configuration that failed on a fold is never selected
    assert _select(failed, 0) == 1
    failed[1, 0] = np.nan
    assert _select(failed, 0) == 0


def _constant_scorer(values):
    """A test scorer: a fixed value per candidate type, plus a little per-fold noise."""
    calls = {"n": 0}

    def scorer(estimator, X, y, sample_domain):
        calls["n"] += 1
        return values[type(estimator).__name__] + 1e-3 * (calls["n"] % 3)

    return scorer


def test_source_only_is_always_a_candidate_and_grids_are_capped():
    X, y, sd, _ = _data(n_features=4)
    guard = TransferGuard(
        candidates=SMALL + [("SA30", SubspaceAlignment(), {"n_components": [3, 30]})],
        scoring=_source_accuracy,
        random_state=0,
    )
    guard.fit(X, y, sample_domain=sd)
    results = guard.cv_results_
    assert results["candidate"][0] == "SourceOnly"
    # n_components 3 and 30 -> 3 and 4 (the number of features)
    assert [p for c, p in zip(results["candidate"], results["params"]) if c == "SA30"] == [
        {"n_components": 3},
        {"n_components": 4},
    ]
    n = len(results["candidate"])
    assert all(len(v) == n for v in results.values())
    assert sorted(results["rank"]) == list(range(1, n + 1))
    pd = pytest.importorskip("pandas")
    table = pd.DataFrame(results)
    assert table.shape == (n, len(results))
    # the reference's own gain is 0
    assert results["gain_score"][0] == 0.0


def test_scores_are_the_scorer_on_the_folds():
    X, y, sd, _ = _data()
    cv = SourceShuffleSplit(n_splits=3, random_state=0)
    guard = TransferGuard(candidates=SMALL, scoring=_source_accuracy, cv=cv).fit(X, y, sd)
    for i, (name, params) in enumerate(
        zip(guard.cv_results_["candidate"], guard.cv_results_["params"])
    ):
        estimator = dict((n, e) for n, e, _ in SMALL).get(name, SourceOnly())
        estimator = clone(estimator).set_params(**params)
        for k, (train, test) in enumerate(cv.split(X, y, sample_domain=sd)):
            fitted = clone(estimator).fit(X[train], y[train], sample_domain=sd[train])
            expected = _source_accuracy(fitted, X[test], y[test], sd[test])
            assert guard.cv_results_[f"split{k}_score"][i] == pytest.approx(expected)
    assert guard.scorer_ is _source_accuracy


def test_abstains_or_adapts_as_the_scores_say():
    X, y, sd, _ = _data()
    target = sd < 0
    worse = _constant_scorer({"SourceOnly": 0.8, "CORAL": 0.7, "SubspaceAlignment": 0.75})
    guard = TransferGuard(candidates=SMALL, scoring=worse, random_state=0).fit(X, y, sd)
    assert guard.selected_ == {"candidate": "SourceOnly", "params": {}}
    assert guard.abstained_
    assert type(guard.best_estimator_) is SourceOnly
    np.testing.assert_array_equal(
        guard.predict(X[target]), SourceOnly().fit(X, y, sample_domain=sd).predict(X[target])
    )
    better = _constant_scorer({"SourceOnly": 0.8, "CORAL": 0.9, "SubspaceAlignment": 0.75})
    guard = TransferGuard(candidates=SMALL, scoring=better, random_state=0).fit(X, y, sd)
    assert guard.selected_ == {"candidate": "CORAL", "params": {"reg": 1.0}}
    assert not guard.abstained_
    np.testing.assert_array_equal(
        guard.predict(X[target]), CORAL(reg=1.0).fit(X, y, sample_domain=sd).predict(X[target])
    )


def test_never_reads_a_target_label():
    X, y, sd, y_true = _data()
    labelled = np.where(sd < 0, y_true, y)  # every target label known
    shuffled = labelled.copy()
    rng = np.random.RandomState(0)
    shuffled[sd < 0] = rng.permutation(shuffled[sd < 0])
    # SourceOnly ignores target labels (CORAL or SA fit their learner on labelled target
    # rows too): any difference would come from the selection reading them
    grid = [("C", SourceOnly(), {"estimator": [LogisticRegression(C=c) for c in (0.01, 1.0)]})]
    a = TransferGuard(candidates=grid, random_state=0).fit(X, labelled, sample_domain=sd)
    b = TransferGuard(candidates=grid, random_state=0).fit(X, shuffled, sample_domain=sd)
    assert a.selected_ == b.selected_
    for key in a.cv_results_:
        if key.startswith("split"):
            np.testing.assert_allclose(a.cv_results_[key], b.cv_results_[key])


def test_same_seed_same_result_and_n_jobs_does_not_matter():
    X, y, sd, _ = _data()
    a = TransferGuard(candidates=SMALL, random_state=0).fit(X, y, sample_domain=sd)
    b = TransferGuard(candidates=SMALL, random_state=0, n_jobs=2).fit(X, y, sample_domain=sd)
    assert a.selected_ == b.selected_
    np.testing.assert_allclose(a.cv_results_["mean_score"], b.cv_results_["mean_score"])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_a_failing_candidate_is_left_out_with_its_error():
    X, y, sd, _ = _data()
    # n_components set on the estimator (not in its grid) is not capped: every fit raises
    bad = SMALL + [("TooMany", SubspaceAlignment(n_components=50), {})]
    always = _constant_scorer({"SourceOnly": 0.1, "CORAL": 0.1, "SubspaceAlignment": 0.9})
    guard = TransferGuard(candidates=bad, scoring=always, random_state=0).fit(X, y, sd)
    row = guard.cv_results_["candidate"].index("TooMany")
    assert "n_components" in guard.cv_results_["error"][row]
    assert np.isnan(guard.cv_results_["mean_score"][row])
    assert guard.selected_["candidate"] == "SA"  # the working one with the same score


def test_source_only_failing_keeps_source_only_and_warns():
    X, y, sd, _ = _data()

    def broken(estimator, X_, y_, sample_domain):
        raise ValueError("cannot score")

    with pytest.warns(UserWarning, match="SourceOnly could not be scored on every fold \\(Value"):
        guard = TransferGuard(candidates=SMALL, scoring=broken).fit(X, y, sample_domain=sd)
    assert guard.abstained_ and type(guard.best_estimator_) is SourceOnly
    assert guard.cv_results_["error"][0] == "ValueError: cannot score"


def test_defaults_and_attributes():
    X, y, sd, _ = _data()
    guard = TransferGuard(random_state=0).fit(X, y, sample_domain=sd)
    names = [name for name, _, _ in default_candidates()]
    assert set(guard.cv_results_["candidate"]) == set(names)
    assert guard.selected_["candidate"] in names
    assert guard.abstained_ == (guard.selected_["candidate"] == "SourceOnly")
    assert guard.best_index_ == guard.cv_results_["candidate"].index(
        guard.selected_["candidate"]
    ) + [
        p
        for c, p in zip(guard.cv_results_["candidate"], guard.cv_results_["params"])
        if c == guard.selected_["candidate"]
    ].index(guard.selected_["params"])
    assert set(guard.divergences_) == {"mmd2", "proxy_a_distance", "coral_distance"}
    assert guard.divergences_["coral_distance"] >= 0
    np.testing.assert_array_equal(guard.classes_, [0, 1])
    proba = guard.predict_proba(X[sd < 0])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert 0.5 < guard.score(X[sd >= 0], y[sd >= 0], sample_domain=sd[sd >= 0]) <= 1.0
    again = pickle.loads(pickle.dumps(guard))
    np.testing.assert_array_equal(again.predict(X), guard.predict(X))


def test_regression():
    X, y, sd = make_domain_shift("covariate", task="regression", n_features=4, random_state=0)
    guard = TransferGuard(Ridge(), candidates=SMALL, random_state=0).fit(X, y, sample_domain=sd)
    assert guard.predict(X).shape == (X.shape[0],)
    assert not hasattr(guard, "predict_proba")
    assert not hasattr(guard, "classes_")


def test_in_a_pipeline_with_metadata_routing():
    X, y, sd, _ = _data()
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), TransferGuard(candidates=SMALL, random_state=0)).fit(
            X, y, sample_domain=sd
        )
        pred = pipe.predict(X[sd < 0], sample_domain=sd[sd < 0])
    assert pred.shape == (int(np.sum(sd < 0)),)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"candidates": [("A", CORAL())], "cv": 1}, ValueError, "'cv'"),
        ({"candidates": [("A", LogisticRegression())]}, TypeError, "tlearn estimator"),
        ({"candidates": [CORAL()]}, TypeError, "candidates\\[0\\]"),
        ({"candidates": [("A", CORAL()), ("A", CORAL())]}, ValueError, "given twice"),
        ({"candidates": [("A", CORAL(), {"reg": 1.0})]}, ValueError, "non-empty list"),
        ({"scoring": "accuracy"}, ValueError, "'scoring'"),
        ({"cv": KFold(3)}, ValueError, "no target row in its training split"),
    ],
)
def test_bad_parameters_name_the_problem(params, error, match):
    X, y, sd, _ = _data()
    with pytest.raises(error, match=match):
        TransferGuard(**params).fit(X, y, sample_domain=sd)


def test_needs_target_rows():
    X, _, _, y_true = _data()
    with pytest.raises(ValueError, match="No target rows"):
        TransferGuard(candidates=SMALL).fit(X, y_true, sample_domain=np.ones(len(y_true), int))


@pytest.mark.parametrize("n_target", [1, 2, 4])
def test_tiny_target_domains(n_target):
    # the divergences fit fewer folds to a small domain, and are NaN for a single row
    rng = np.random.RandomState(0)
    X = rng.normal(size=(10 + n_target, 3))
    y = np.r_[np.tile([0, 1], 5), -np.ones(n_target, dtype=int)]
    sd = np.r_[np.ones(10, dtype=int), -2 * np.ones(n_target, dtype=int)]
    guard = TransferGuard(candidates=SMALL[:1], random_state=0).fit(X, y, sample_domain=sd)
    assert guard.selected_["candidate"] in ("SourceOnly", "CORAL")
    assert np.isnan(guard.divergences_["mmd2"]) == (n_target == 1)
    assert np.isnan(guard.divergences_["proxy_a_distance"]) == (n_target == 1)
