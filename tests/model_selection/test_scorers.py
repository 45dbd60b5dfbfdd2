"""The label-free scorers: closed forms, invariants, and use as scoring= (issue 14).

The importance-weighted estimates are checked with the true density ratio of two
known Gaussians, where they are unbiased for the target risk; the target labels of
a test split are never read; every scorer works in GridSearchCV and cross_validate
with routing off (the domains inferred from the unknown labels) and on.
"""

import numpy as np
import pytest
import sklearn
from _gaussians import true_ratio
from numpy.testing import assert_allclose
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from tlearn.baselines import SourceOnly
from tlearn.datasets import make_domain_shift
from tlearn.feature import CORAL
from tlearn.instance import DiscriminativeRatio
from tlearn.model_selection import (
    DeepEmbeddedValidationScorer,
    ImportanceWeightedScorer,
    LeaveOneSourceDomainOut,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
    SourceShuffleSplit,
    dev_risk,
    get_transfer_scorer,
    importance_weighted_risk,
)


class TrueRatio(BaseEstimator):
    """The exact p_t / p_s of source N(0, 1) and target N(0.5, 0.7^2); fit does nothing."""

    def fit(self, X, y=None, sample_domain=None):
        return self

    def density_ratio(self, X):
        return true_ratio(np.asarray(X))


class ConstantRatio(BaseEstimator):
    def __init__(self, value=3.0):
        self.value = value

    def fit(self, X, y=None, sample_domain=None):
        return self

    def density_ratio(self, X):
        return np.full(np.asarray(X).shape[0], self.value)


def _label(X, rng):
    return (X[:, 0] + 0.5 * rng.normal(size=len(X)) > 0.6).astype(int)


def _gaussian_split(seed, n=100):
    rng = np.random.default_rng(seed)
    Xs, Xt = rng.normal(size=(n, 1)), rng.normal(0.5, 0.7, size=(n, 1))
    y = np.r_[_label(Xs, rng), -np.ones(n, dtype=int)]
    sd = np.r_[np.ones(n, dtype=int), np.full(n, -2)]
    return np.vstack([Xs, Xt]), y, sd


@pytest.fixture(scope="module")
def threshold_model():
    """A fixed classifier (threshold near 0) and its accuracy on large target and source samples."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 1))
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    big_t = rng.normal(0.5, 0.7, size=(200_000, 1))
    big_s = rng.normal(size=(200_000, 1))
    target_acc = np.mean(model.predict(big_t) == _label(big_t, rng))
    source_acc = np.mean(model.predict(big_s) == _label(big_s, rng))
    return model, target_acc, source_acc


def _draws(scorer, model, n_draws=300):
    return np.array([scorer(model, *_gaussian_split(seed)) for seed in range(1, n_draws + 1)])


@pytest.mark.parametrize("cls", [ImportanceWeightedScorer, DeepEmbeddedValidationScorer])
def test_true_ratio_is_unbiased_for_the_target_accuracy(cls, threshold_model):
    model, target_acc, source_acc = threshold_model
    assert source_acc - target_acc > 0.05  # the shift matters: plain validation is off
    scores = _draws(cls(TrueRatio()), model)
    se = scores.std(ddof=1) / np.sqrt(scores.size)
    assert abs(scores.mean() - target_acc) < 3 * se
    assert abs(scores.mean() - source_acc) > 10 * se


def test_dev_variance_is_not_above_iwcv(threshold_model):
    model = threshold_model[0]
    iwcv = _draws(ImportanceWeightedScorer(TrueRatio()), model)
    dev = _draws(DeepEmbeddedValidationScorer(TrueRatio()), model)
    assert not np.allclose(iwcv, dev)  # the control variate does something
    assert dev.var() <= iwcv.var()
    # below the plain (not self-normalised) weighted mean, sum(w l) / n
    plain = []
    for seed in range(1, 301):
        X, y, sd = _gaussian_split(seed)
        w = true_ratio(X[sd >= 0])
        plain.append(1 - np.mean(w * (model.predict(X[sd >= 0]) != y[sd >= 0])))
    assert dev.var() < 0.9 * np.var(plain)


def test_constant_weights_give_the_source_validation_accuracy(threshold_model):
    model = threshold_model[0]
    X, y, sd = _gaussian_split(0)
    source = sd >= 0
    accuracy = np.mean(model.predict(X[source]) == y[source])
    for value in (1.0, 3.0):
        iwcv = ImportanceWeightedScorer(ConstantRatio(value))(model, X, y, sd)
        dev = DeepEmbeddedValidationScorer(ConstantRatio(value))(model, X, y, sd)
        assert_allclose([iwcv, dev], accuracy)


def test_the_risk_functions():
    rng = np.random.default_rng(0)
    loss, w = rng.random(50), rng.exponential(size=50)
    assert importance_weighted_risk(loss, w) == pytest.approx(np.sum(w * loss) / np.sum(w))
    L = w * loss
    eta = -np.cov(L, w)[0, 1] / np.var(w, ddof=1)
    assert dev_risk(loss, w) == pytest.approx(L.mean() + eta * w.mean() - eta)
    assert dev_risk(loss, 2 * w) != pytest.approx(dev_risk(loss, w))  # weights not rescaled
    assert dev_risk(loss, np.full(50, 2.0)) == pytest.approx(loss.mean())
    assert importance_weighted_risk(loss, 2 * w) == pytest.approx(importance_weighted_risk(loss, w))
    with pytest.raises(ValueError, match="Every weight is 0"):
        importance_weighted_risk(loss, np.zeros(50))
    with pytest.raises(ValueError, match="non-negative"):
        dev_risk(loss, -w)
    with pytest.raises(ValueError, match="shape"):
        dev_risk(loss, w[:3])


def test_losses_and_the_accuracy_convention(threshold_model):
    model = threshold_model[0]
    X, y, sd = _gaussian_split(0)
    source = sd >= 0
    proba = model.predict_proba(X[source])[np.arange(source.sum()), y[source]]
    log_loss = ImportanceWeightedScorer(ConstantRatio(), loss="log_loss")(model, X, y, sd)
    assert log_loss == pytest.approx(np.mean(np.log(proba)))  # minus the mean log-loss
    Xr, yr, sdr = make_domain_shift("covariate", task="regression", random_state=0)
    ridge = SourceOnly(Ridge()).fit(Xr, yr, sample_domain=sdr)
    src = sdr >= 0
    mse = np.mean((ridge.predict(Xr[src]) - yr[src]) ** 2)
    score = ImportanceWeightedScorer(ConstantRatio())(ridge, Xr, yr, sdr)  # auto: squared error
    assert score == pytest.approx(-mse)
    default = ImportanceWeightedScorer()(ridge, Xr, yr, sdr)  # the default ratio on regression
    assert np.isfinite(default) and default < 0


@pytest.mark.parametrize(
    "scorer",
    [
        ImportanceWeightedScorer(),
        DeepEmbeddedValidationScorer(features="transform"),
        ReverseValidationScorer(),
        PredictionEntropyScorer(),
        SoftNeighborhoodDensityScorer(),
    ],
    ids=lambda s: type(s).__name__,
)
def test_target_labels_are_never_read(scorer):
    X, y_true, sd = make_domain_shift("covariate", mask_target_labels=False, random_state=0)
    model = CORAL().fit(X, np.where(sd < 0, -1, y_true), sample_domain=sd)
    scores = set()
    for y_target in (y_true[sd < 0], 1 - y_true[sd < 0], np.zeros(int(np.sum(sd < 0)), int)):
        y = y_true.copy()
        y[sd < 0] = y_target
        scores.add(scorer(model, X, y, sample_domain=sd))
    scores.add(scorer(model, X, np.where(sd < 0, -1, y_true)))  # inferred domains: the same
    assert len(scores) == 1


def test_errors():
    X, y, sd = make_domain_shift("covariate", n_source=40, n_target=30, random_state=0)
    model = SourceOnly().fit(X, y, sample_domain=sd)
    source = sd >= 0
    for scorer in [get_transfer_scorer(name) for name in ("iwcv", "dev", "reverse", "entropy")]:
        with pytest.raises(ValueError, match="no target row"):
            scorer(model, X[source], y[source], sample_domain=sd[source])
        with pytest.raises(ValueError, match="no labelled source row"):
            scorer(model, X[~source], y[~source], sample_domain=sd[~source])
    with pytest.raises(ValueError, match="no target row"):
        ImportanceWeightedScorer()(model, X[source], y[source])  # inferred: no unknown label
    with pytest.raises(ValueError, match=r"the parameter 'loss' must be a str among"):
        ImportanceWeightedScorer(loss="hinge")(model, X, y, sd)
    with pytest.raises(ValueError, match="'temperature' must be a real number in the range"):
        SoftNeighborhoodDensityScorer(temperature=0)(model, X, y, sd)
    svc = SourceOnly(LinearSVC()).fit(X, y, sample_domain=sd)
    with pytest.raises(TypeError, match="log_loss' needs predict_proba"):
        ImportanceWeightedScorer(loss="log_loss")(svc, X, y, sd)
    with pytest.raises(TypeError, match="needs predict_proba"):
        PredictionEntropyScorer()(svc, X, y, sd)
    with pytest.raises(TypeError, match="features='transform' needs an estimator with transform"):
        DeepEmbeddedValidationScorer(features="transform")(model, X, y, sd)
    with pytest.raises(ValueError, match="Unknown transfer scorer 'nope'; the names are 'iwcv'"):
        get_transfer_scorer("nope")
    y_nan = y.astype(float)
    y_nan[0] = np.nan
    with pytest.raises(ValueError, match="unknown .* on 1 source rows"):
        ImportanceWeightedScorer()(model, X, y_nan, sd)


def test_dev_features_of_a_pipeline_enter_its_last_step():
    X, y, sd = make_domain_shift("covariate", random_state=0)

    class Recorder(BaseEstimator):
        def fit(self, X, y=None, sample_domain=None):
            return self

        def density_ratio(self, X):
            Recorder.seen.append(np.asarray(X))
            return np.ones(len(X))

    Recorder.seen = []
    pipe = make_pipeline(StandardScaler(), SourceOnly()).fit(X, y)
    DeepEmbeddedValidationScorer(Recorder(), features="transform")(pipe, X, y, sd)
    assert_allclose(Recorder.seen[-1], pipe[0].transform(X[sd >= 0]))
    coral = CORAL().fit(X, y, sample_domain=sd)
    DeepEmbeddedValidationScorer(Recorder(), features="transform")(coral, X, y, sd)
    assert_allclose(Recorder.seen[-1], coral.transform(X[sd >= 0]))  # rows mapped as target


SCORERS = ["iwcv", "dev", "reverse", "entropy", "snd"]


@pytest.mark.parametrize("name", SCORERS)
def test_grid_search_and_cross_validate_routing_off_and_on(name):
    X, y, sd = make_domain_shift("covariate", n_source=80, n_target=60, random_state=0)
    scorer = get_transfer_scorer(name)
    cv = SourceShuffleSplit(2, random_state=0)
    grid = {"reg": [0.1, 10.0]}
    off = GridSearchCV(CORAL(), grid, cv=cv, scoring=scorer, error_score="raise").fit(X, y)
    cv_off = cross_validate(SourceOnly(), X, y, cv=cv, scoring=scorer, error_score="raise")
    with sklearn.config_context(enable_metadata_routing=True):
        assert scorer.get_metadata_routing().score.requests == {"sample_domain": True}
        on = GridSearchCV(CORAL(), grid, cv=cv, scoring=scorer, error_score="raise")
        on.fit(X, y, sample_domain=sd)
        cv_on = cross_validate(
            SourceOnly(), X, y, cv=cv, scoring=scorer, params={"sample_domain": sd}
        )
    means = off.cv_results_["mean_test_score"]
    assert np.isfinite(means).all() and off.best_index_ == int(np.argmax(means))
    # the domains routed or inferred from the unknown labels: the same splits and scores
    assert_allclose(on.cv_results_["mean_test_score"], means)
    assert_allclose(cv_on["test_score"], cv_off["test_score"])


def test_routing_reaches_the_scorer_and_can_be_switched_off():
    X, y, sd = make_domain_shift("covariate", n_source=60, n_target=40, random_state=0)
    y_known = np.where(sd < 0, 0, y)  # target rows found through sample_domain only
    cv = SourceShuffleSplit(2, random_state=0)
    scorer = ImportanceWeightedScorer()
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_validate(
            SourceOnly(), X, y_known, cv=cv, scoring=scorer, params={"sample_domain": sd}
        )
        assert np.isfinite(routed["test_score"]).all()
        opted_out = ImportanceWeightedScorer().set_score_request(sample_domain=False)
        assert opted_out.get_metadata_routing().score.requests == {"sample_domain": False}
        with pytest.raises(ValueError, match="no target row"):
            cross_validate(
                SourceOnly(),
                X,
                y_known,
                cv=cv,
                scoring=opted_out,
                params={"sample_domain": sd},
                error_score="raise",
            )


def test_discriminative_ratio_as_given_ratio_estimator():
    X, y, sd = make_domain_shift("covariate", random_state=0)
    model = SourceOnly().fit(X, y, sample_domain=sd)
    given = ImportanceWeightedScorer(DiscriminativeRatio())(model, X, y, sd)
    default = ImportanceWeightedScorer()(model, X, y, sd)
    assert given == pytest.approx(default)  # the same domain classifier, the same weights


class FixedProba(ClassifierMixin, BaseEstimator):
    """A 'fitted' classifier whose probabilities at the target rows are given."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y, sample_domain=None):
        return self

    def predict_proba(self, X):
        return np.asarray(self.proba, dtype=float)[: len(X)]

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)


def _three_target_rows():
    X = np.zeros((5, 1))
    y = np.array([0, 1, -1, -1, -1])
    return X, y, np.array([1, 1, -2, -2, -2])


def test_entropy_closed_forms():
    X, y, sd = _three_target_rows()
    uniform = FixedProba(np.full((3, 3), 1 / 3))
    assert PredictionEntropyScorer()(uniform, X, y, sd) == pytest.approx(-np.log(3))
    assert PredictionEntropyScorer()(FixedProba(np.eye(3)), X, y, sd) == 0.0  # 0 log 0 = 0
    mixed = FixedProba([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])
    rows = [np.log(2), 0.0, -(0.2 * np.log(0.2) + 0.3 * np.log(0.3) + 0.5 * np.log(0.5))]
    assert PredictionEntropyScorer()(mixed, X, y, sd) == pytest.approx(-np.mean(rows))


def test_snd_by_hand_on_three_rows():
    X, y, sd = _three_target_rows()
    model = FixedProba([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    tau = 0.5
    c = np.sqrt(0.5)  # cosine of [1, 0] and [0.5, 0.5] once L2-normalised

    def entropy_of_softmax(similarities):
        e = np.exp(np.asarray(similarities) / tau)
        q = e / e.sum()
        return -np.sum(q * np.log(q))

    # row 1 sees rows 2 and 3 (similarities c, 0); row 2 sees c, c; row 3 sees 0, c
    expected = np.mean(
        [entropy_of_softmax([c, 0.0]), entropy_of_softmax([c, c]), entropy_of_softmax([0.0, c])]
    )
    score = SoftNeighborhoodDensityScorer(temperature=tau)(model, X, y, sd)
    assert score == pytest.approx(expected)
    assert entropy_of_softmax([c, c]) == pytest.approx(np.log(2))
    # collapsed predictions: every neighbourhood uniform, the largest value log(n_t - 1)
    collapsed = FixedProba(np.tile([0.9, 0.1], (3, 1)))
    assert SoftNeighborhoodDensityScorer()(collapsed, X, y, sd) == pytest.approx(np.log(2))
    with pytest.raises(ValueError, match="at least 2 target rows"):
        SoftNeighborhoodDensityScorer()(model, X[:3], y[:3], sd[:3])


def test_reverse_validation_by_hand():
    X, y, sd = make_domain_shift("covariate", n_source=80, n_target=60, random_state=1)
    source, target = sd >= 0, sd < 0
    model = SourceOnly(LogisticRegression()).fit(X, y, sample_domain=sd)
    pseudo = model.predict(X[target])
    reverse = LogisticRegression().fit(X[target], pseudo)  # the reverse SourceOnly
    expected = np.mean(reverse.predict(X[source]) == y[source])
    assert ReverseValidationScorer()(model, X, y, sd) == pytest.approx(expected)
    balanced = ReverseValidationScorer(scoring="balanced_accuracy")(model, X, y, sd)
    assert 0.0 <= balanced <= 1.0
    # a Pipeline gets the domains through the unknown labels: the scaler sees every row
    pipe = make_pipeline(StandardScaler(), SourceOnly()).fit(X, y)
    scaler = StandardScaler().fit(np.vstack([X[target], X[source]]))
    pseudo = pipe.predict(X[target])
    reverse = LogisticRegression().fit(scaler.transform(X[target]), pseudo)
    expected = np.mean(reverse.predict(scaler.transform(X[source])) == y[source])
    assert ReverseValidationScorer()(pipe, X, y, sd) == pytest.approx(expected)


def test_reverse_validation_of_one_predicted_class_is_that_class_share():
    # a forward model that puts every target row in one class leaves no classifier to
    # fit: the reverse model predicts that class, and scores its share of the source rows
    from sklearn.dummy import DummyClassifier

    X, y, sd = make_domain_shift("covariate", n_features=3, random_state=0)
    model = SourceOnly(DummyClassifier(strategy="constant", constant=1)).fit(X, y, sd)
    score = ReverseValidationScorer()(model, X, y, sample_domain=sd)
    assert score == pytest.approx(np.mean(y[sd >= 0] == 1))


def test_leave_one_source_domain_out_with_the_scorers():
    X, y, sd = make_domain_shift("covariate", n_source=120, n_target=80, random_state=0)
    sd = np.where(sd >= 0, np.arange(len(sd)) % 2, sd)  # two source domains, 0 and 1
    scoring = {name: get_transfer_scorer(name) for name in ("iwcv", "dev", "entropy")}
    cv = LeaveOneSourceDomainOut()
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_validate(
            SourceOnly(), X, y, cv=cv, scoring=scoring, params={"sample_domain": sd}
        )
    off = cross_validate(SourceOnly(), X, y, cv=cv, groups=sd, scoring=scoring)
    for name in scoring:
        assert routed[f"test_{name}"].shape == (2,)
        assert_allclose(routed[f"test_{name}"], off[f"test_{name}"])
