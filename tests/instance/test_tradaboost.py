"""TrAdaBoost and TrAdaBoost.R2 against hand computations of the papers' updates.

Dai, Yang, Xue and Yu, "Boosting for Transfer Learning", ICML 2007 (Algorithm 1);
Pardoe and Stone, "Boosting for Regression Transfer", ICML 2010 (Algorithm 3).
The scripted learners below predict, in their k-th fit, ``script[k][row id]``,
where the row id is the first feature: the tests choose every round's mistakes.
"""

import itertools
import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.ensemble import AdaBoostClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from tlearn.baselines import Pooled
from tlearn.instance import TrAdaBoost, TrAdaBoostR2
from tlearn.instance._tradaboost import (
    MIN_ERROR,
    _argmax_last,
    adjusted_errors,
    round_factor,
    second_half,
    source_factor,
    weighted_mean_proba,
    weighted_median,
    weighted_vote,
)

# --- scripted learners --------------------------------------------------------------------


class _Scripted(BaseEstimator):
    script = None  # one array of predictions per fit, indexed by row id
    fits = None  # sample_weight received by each fit

    def fit(self, X, y, sample_weight=None):
        cls = type(self)
        self.round_ = len(cls.fits)
        cls.fits.append(np.array(sample_weight, dtype=float))
        if is_classifier_stub(self):
            self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.asarray(type(self).script[self.round_])[np.asarray(X)[:, 0].astype(int)]


class _ScriptedClassifier(ClassifierMixin, _Scripted):
    pass


class _ScriptedRegressor(RegressorMixin, _Scripted):
    pass


class _ScriptedProba(ClassifierMixin, _Scripted):
    """Two classes {0, 1}: ``script[k][row id]`` is p(1 | x) in the k-th fit."""

    def predict_proba(self, X):
        p1 = np.asarray(type(self).script[self.round_])[np.asarray(X)[:, 0].astype(int)]
        return np.column_stack([1 - p1, p1])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def is_classifier_stub(est):
    return isinstance(est, (_ScriptedClassifier, _ScriptedProba))


def scripted(base, script):
    """A fresh scripted learner class (its own record of fits)."""
    return type("Stub", (base,), {"script": [np.asarray(s) for s in script], "fits": []})()


def ids(n_rows):
    return np.arange(n_rows, dtype=float).reshape(-1, 1)


def log_odds(eps):
    return math.log((1 - eps) / eps)


# --- TrAdaBoost: the updates by hand --------------------------------------------------------


def test_two_rounds_match_the_papers_updates_by_hand():
    # 4 source rows (ids 0-3), 3 target rows (ids 4-6); ids 7, 8 are query rows.
    y = np.array([0, 1, 0, 1, 0, 1, 1])
    sd = np.array([1, 1, 1, 1, -2, -2, -2])
    script = [
        # round 1: wrong on source rows 0, 1 and on target row 6
        [1, 0, 0, 1, 0, 1, 0, 1, 0],
        # round 2: wrong on source row 2 and on target row 4
        [0, 1, 1, 1, 1, 1, 1, 0, 1],
    ]
    stub = scripted(_ScriptedClassifier, script)
    model = TrAdaBoost(stub, n_estimators=2, hypothesis="label").fit(ids(7), y, sample_domain=sd)

    beta = 1 / (1 + math.sqrt(2 * math.log(4) / 2))  # n = 4 source rows, N = 2
    w1 = np.ones(7)
    eps1 = 1 / 3  # target row 6 of 3 equally weighted target rows
    beta1 = eps1 / (1 - eps1)  # = 1/2
    w2 = w1 * np.array([beta, beta, 1, 1, 1, 1, 1 / beta1])
    eps2 = w2[4] / w2[4:].sum()  # = 1 / (1 + 1 + 2)
    beta2 = eps2 / (1 - eps2)  # = 1/3
    w3 = w2 * np.array([1, 1, beta, 1, 1 / beta2, 1, 1])
    p1, p2, p3 = w1 / w1.sum(), w2 / w2.sum(), w3 / w3.sum()

    assert_allclose(eps2, 1 / 4, rtol=1e-15)
    assert_allclose(model.beta_, beta, rtol=1e-15)
    assert_allclose(model.estimator_errors_, [eps1, eps2], rtol=1e-15)
    assert_allclose(model.estimator_weights_, [math.log(2), math.log(3)], rtol=1e-14)
    assert_allclose(model.source_weights_, [p1[:4], p2[:4]], rtol=1e-14)
    assert_allclose(model.target_weights_, [p1[4:], p2[4:]], rtol=1e-14)
    assert_allclose(model.weights_, p3[:4], rtol=1e-14)
    assert model.n_estimators_ == 2 and len(model.estimators_) == 2
    # the learner sees the distribution p^t, scaled to mean 1
    assert_allclose(type(stub).fits, [7 * p1, 7 * p2], rtol=1e-14)

    # N = 2: rounds ceil(2/2) = 1 and 2 vote, with ln 2 and ln 3
    queries = np.array([[7.0], [8.0]])
    assert_array_equal(model.predict(queries), [0, 1])
    proba = np.array([[math.log(3), math.log(2)], [math.log(2), math.log(3)]]) / math.log(6)
    assert_allclose(model.predict_proba(queries), proba, rtol=1e-14)


def test_two_rounds_with_probability_hypotheses_match_the_paper_by_hand():
    # hypothesis="proba": h_t(x) = p_t(1 | x) in [0, 1] and the paper's loss |h_t(x) - c(x)|.
    # 4 source rows (ids 0-3), 3 target rows (ids 4-6); ids 7, 8 are query rows.
    y = np.array([0, 1, 0, 1, 0, 1, 1])
    sd = np.array([1, 1, 1, 1, -2, -2, -2])
    h1 = np.array([0.2, 0.6, 0.1, 0.9, 0.3, 0.8, 0.4, 0.95, 0.2])
    h2 = np.array([0.5, 0.7, 0.3, 0.6, 0.1, 0.9, 0.7, 0.45, 0.1])
    stub = scripted(_ScriptedProba, [h1, h2])
    model = TrAdaBoost(stub, n_estimators=2, hypothesis="proba").fit(ids(7), y, sample_domain=sd)

    beta = 1 / (1 + math.sqrt(2 * math.log(4) / 2))
    loss1 = np.abs(h1[:7] - y)  # [.2, .4, .1, .1, .3, .2, .6]
    eps1 = (0.3 + 0.2 + 0.6) / 3
    beta1 = eps1 / (1 - eps1)
    w2 = np.r_[beta ** loss1[:4], beta1 ** -loss1[4:]]
    loss2 = np.abs(h2[:7] - y)  # [.5, .3, .3, .4, .1, .1, .3]
    eps2 = (w2[4] * 0.1 + w2[5] * 0.1 + w2[6] * 0.3) / w2[4:].sum()
    beta2 = eps2 / (1 - eps2)
    w3 = w2 * np.r_[beta ** loss2[:4], beta2 ** -loss2[4:]]
    p1, p2, p3 = np.full(7, 1 / 7), w2 / w2.sum(), w3 / w3.sum()

    assert_allclose(model.estimator_errors_, [eps1, eps2], rtol=1e-14)
    assert_allclose(model.estimator_weights_, [-math.log(beta1), -math.log(beta2)], rtol=1e-14)
    assert_allclose(model.source_weights_, [p1[:4], p2[:4]], rtol=1e-14)
    assert_allclose(model.target_weights_, [p1[4:], p2[4:]], rtol=1e-14)
    assert_allclose(model.weights_, p3[:4], rtol=1e-14)
    # a source row that is right but unsure still loses weight; a target row gains
    assert model.weights_[3] < p1[3] and model.target_weights_[1][2] > p1[6]

    # the vote: h_f = 1 iff prod_t beta_t ** -h_t(x) >= prod_t beta_t ** -1/2, with real h_t
    a = np.array([-math.log(beta1), -math.log(beta2)])
    q1 = (a[0] * h1[7:] + a[1] * h2[7:]) / a.sum()
    queries = np.array([[7.0], [8.0]])
    assert_allclose(model.predict_proba(queries), np.column_stack([1 - q1, q1]), rtol=1e-14)
    lhs = beta1 ** -h1[7:] * beta2 ** -h2[7:]
    rhs = (beta1 * beta2) ** -0.5
    assert_array_equal(model.predict(queries), (lhs >= rhs).astype(int))
    # query 7 is class 1 (0.58), where a vote of labels would say 0 (round 2 outvotes round 1)
    assert_array_equal(model.predict(queries), [1, 0])
    assert a[1] > a[0]


def test_the_probability_loss_of_several_classes_is_one_minus_p_of_the_true_class():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 4))
    y = np.digitize(X[:, 0] + 0.7 * rng.normal(size=120), [-0.5, 0.5])
    sd = np.where(np.arange(120) < 90, 1, -2)
    model = TrAdaBoost(
        DecisionTreeClassifier(max_depth=2), n_estimators=3, hypothesis="proba", random_state=0
    )
    model.fit(X, y, sample_domain=sd)
    is_src = sd >= 0
    p = np.r_[model.source_weights_[0], model.target_weights_[0]]
    proba = model.estimators_[0].predict_proba(np.r_[X[is_src], X[~is_src]])
    y_rows = np.r_[y[is_src], y[~is_src]]
    loss = 1 - proba[np.arange(120), y_rows]
    eps = np.dot(p[90:], loss[90:]) / p[90:].sum()
    assert 0 < eps < 0.5
    assert_allclose(model.estimator_errors_[0], eps, rtol=1e-12)
    w = p * np.where(np.arange(120) < 90, model.beta_**loss, (eps / (1 - eps)) ** -loss)
    assert_allclose(model.source_weights_[1], (w / w.sum())[:90], rtol=1e-12)
    assert_allclose(model.target_weights_[1], (w / w.sum())[90:], rtol=1e-12)
    # the vote: the weighted mean of the second-half learners' probabilities
    X_new = rng.normal(size=(30, 4))
    h = [est.predict_proba(X_new) for est in model.estimators_[second_half(3)]]
    expected = weighted_mean_proba(h, model.estimator_weights_[second_half(3)])
    assert_allclose(model.predict_proba(X_new), expected, rtol=1e-12)
    assert_allclose(expected.sum(axis=1), 1.0, rtol=1e-14)


def test_a_learner_that_fits_every_labelled_row_moves_no_weight_with_the_0_1_loss():
    # 150 features, 100 + 20 rows: logistic regression separates every labelled row.
    rng = np.random.default_rng(0)
    d, n_s, n_lab = 150, 100, 20
    Xs, Xt = rng.normal(size=(n_s, d)), rng.normal(size=(n_lab, d))
    other = np.arange(n_s) < n_s // 2
    ys = np.where(other, Xs[:, 1] > 0, Xs[:, 0] > 0).astype(int)
    yt = (Xt[:, 0] > 0).astype(int)
    X, y = np.vstack([Xs, Xt]), np.r_[ys, yt]
    sd = np.r_[np.ones(n_s, dtype=int), np.full(n_lab, -2)]
    learner = LogisticRegression(C=100.0, max_iter=5000)

    with pytest.warns(UserWarning, match="no weight ever changed"):
        zero_one = TrAdaBoost(learner, n_estimators=6, hypothesis="label")
        zero_one.fit(X, y, sample_domain=sd)
    assert np.all(zero_one.estimator_errors_ == 0)
    assert_allclose(zero_one.weights_, np.full(n_s, 1 / (n_s + n_lab)), rtol=1e-12)
    X_new = rng.normal(size=(200, d))
    pooled = Pooled(learner).fit(X, y, sample_domain=sd)
    assert_array_equal(zero_one.predict(X_new), pooled.predict(X_new))

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        soft = TrAdaBoost(learner, n_estimators=6, hypothesis="proba")
        soft.fit(X, y, sample_domain=sd)
    assert np.all(soft.estimator_errors_ > 0)
    # every source row fell by beta ** (its summed loss 1 - p(true class)), so they moved
    summed = sum(1 - est.predict_proba(Xs)[np.arange(n_s), ys] for est in soft.estimators_)
    assert np.ptp(summed) > 1e-3
    assert_allclose(
        np.log(soft.weights_ / soft.weights_[0]),
        (summed - summed[0]) * np.log(soft.beta_),
        rtol=1e-6,
        atol=1e-9,
    )


def test_the_update_functions():
    assert source_factor(4, 2) == pytest.approx(1 / (1 + math.sqrt(math.log(4))), rel=1e-15)
    assert source_factor(1, 10) == 1.0 and source_factor(0, 10) == 1.0
    assert round_factor(0.25) == pytest.approx(1 / 3, rel=1e-15)
    assert round_factor(0.0) == pytest.approx(MIN_ERROR / (1 - MIN_ERROR))
    assert round_factor(0.7) == pytest.approx((0.5 - MIN_ERROR) / (0.5 + MIN_ERROR))


def test_without_source_rows_it_is_adaboost_on_the_target_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + X[:, 1] ** 2 + 0.5 * rng.normal(size=80) > 1).astype(int)
    stump = DecisionTreeClassifier(max_depth=1, random_state=0)
    N = 7
    model = TrAdaBoost(stump, n_estimators=N, hypothesis="label")
    model.fit(X, y, sample_domain=np.full(80, -2))

    # discrete AdaBoost by hand: w_i <- w_i * (eps / (1 - eps)) ** -1[wrong], normalised
    w = np.full(80, 1 / 80)
    weights, errors, rounds = [], [], []
    for _ in range(N):
        p = w / w.sum()
        h = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y, sample_weight=p)
        wrong = h.predict(X) != y
        eps = p[wrong].sum()
        weights.append(p)
        errors.append(eps)
        rounds.append(h)
        w = p * (eps / (1 - eps)) ** -wrong.astype(float)
    assert all(0 < e < 0.5 for e in errors)  # no edge round in this comparison
    assert_allclose(model.target_weights_, weights, rtol=1e-10)
    assert_allclose(model.estimator_errors_, errors, rtol=1e-10)
    assert model.source_weights_.shape == (N, 0) and model.weights_.shape == (0,)

    # scikit-learn's AdaBoost (SAMME, two classes) takes the same rounds
    ada = AdaBoostClassifier(stump, n_estimators=N, random_state=0).fit(X, y)
    assert_allclose(ada.estimator_errors_, errors, rtol=1e-10)
    assert_allclose(ada.estimator_weights_, model.estimator_weights_, rtol=1e-10)

    # the final hypothesis: the paper's rule on rounds ceil(N/2) .. N
    X_new = rng.normal(size=(200, 3))
    betas = np.array(errors) / (1 - np.array(errors))
    H = range(math.ceil(N / 2) - 1, N)
    lhs = sum(-rounds[t].predict(X_new) * math.log(betas[t]) for t in H)
    rhs = sum(-0.5 * math.log(betas[t]) for t in H)
    assert_array_equal(model.predict(X_new), (lhs >= rhs).astype(int))


def test_the_vote_uses_the_second_half_of_the_rounds_only():
    # 2 source rows (ids 0, 1; always right), 10 target rows (ids 2-11), queries 12, 13.
    y = np.zeros(12, dtype=int)
    y[[3, 5, 7, 9, 11]] = 1
    sd = np.r_[1, 1, np.full(10, -2)]

    def round_(wrong, q12, q13):
        pred = np.r_[y, q12, q13]
        pred[wrong] = 1 - pred[wrong]
        return pred

    script = [
        round_([], 0, 1),  # eps = 0: a large vote
        round_([2], 1, 0),  # eps = 0.1
        round_([3, 4, 5, 6, 7, 8, 9], 1, 1),
        round_([10, 11, 3, 4], 1, 1),
    ]
    model = TrAdaBoost(scripted(_ScriptedClassifier, script), n_estimators=4, hypothesis="label")
    model.fit(ids(12), y, sample_domain=sd)
    a = model.estimator_weights_
    assert a[0] > a[1:].sum() and a[1] > a[2] + a[3]  # the scenario below needs this

    # N = 4: rounds 2, 3, 4 vote. With round 1 the first query would be 0; without
    # round 2 (rounds 3, 4 only, a floor(N/2) slice) the second query would be 1.
    assert_array_equal(model.predict([[12.0], [13.0]]), [1, 0])
    assert list(range(4))[second_half(4)] == [1, 2, 3]
    assert list(range(5))[second_half(5)] == [2, 3, 4]
    assert list(range(1))[second_half(1)] == [0]
    assert list(range(2))[second_half(2)] == [0, 1]


def test_the_multiclass_vote_is_the_papers_binary_rule_for_two_classes():
    rng = np.random.default_rng(0)
    h = rng.integers(0, 2, size=(9, 500))  # h_t(x) in {0, 1}
    beta = rng.uniform(0.05, 0.95, size=9)
    lhs = np.prod(beta[:, None] ** -h, axis=0)  # prod_t beta_t ** -h_t(x)
    rhs = np.prod(beta**-0.5)  # prod_t beta_t ** -1/2
    clear = np.abs(np.log(lhs) - np.log(rhs)) > 1e-9
    votes = weighted_vote(h, np.log(1 / beta), 2)
    assert_array_equal(_argmax_last(votes)[clear], (lhs >= rhs)[clear].astype(int))
    # an exact tie: beta = 1/4 twice, one vote each; the paper's >= gives class 1
    tie = np.array([[0], [1]])
    assert (0.25**-0 * 0.25**-1) >= (0.25**-0.5) ** 2
    assert _argmax_last(weighted_vote(tie, np.log([4.0, 4.0]), 2))[0] == 1
    # three classes: the class with the largest total vote
    votes3 = weighted_vote(np.array([[0, 2], [1, 2], [1, 0]]), np.array([3.0, 1.0, 1.0]), 3)
    assert_allclose(votes3, [[3 / 5, 2 / 5, 0], [1 / 5, 0, 4 / 5]])
    assert_array_equal(_argmax_last(votes3), [0, 2])


def test_a_round_without_target_error_gets_a_large_finite_vote_and_boosting_goes_on():
    y = np.array([0, 1, 0, 1, 0, 1, 1])
    sd = np.array([1, 1, 1, 1, -2, -2, -2])
    perfect_on_target_wrong_on_source_0 = np.r_[1, y[1:]]
    script = [perfect_on_target_wrong_on_source_0, y, y]
    model = TrAdaBoost(scripted(_ScriptedClassifier, script), n_estimators=3, hypothesis="label")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(ids(7), y, sample_domain=sd)
    beta = source_factor(4, 3)
    assert model.n_estimators_ == 3
    assert model.estimator_errors_[0] == 0.0
    assert_allclose(model.estimator_weights_[0], log_odds(MIN_ERROR), rtol=1e-12)
    assert 23.0 < model.estimator_weights_[0] < 23.1
    w2 = np.array([beta, 1, 1, 1, 1, 1, 1])
    assert_allclose(model.source_weights_[1], w2[:4] / w2.sum(), rtol=1e-14)
    assert_allclose(model.target_weights_[1], w2[4:] / w2.sum(), rtol=1e-14)
    assert np.all(np.isfinite(model.estimator_weights_))


def test_a_round_with_target_error_of_half_or_more_has_no_vote_and_boosting_goes_on():
    y = np.array([0, 1, 0, 1, 0, 1, 1])
    sd = np.array([1, 1, 1, 1, -2, -2, -2])
    wrong = np.r_[1 - y[0], y[1:4], 1 - y[4:6], y[6]]  # source row 0, target rows 4, 5
    right = y.copy()
    model = TrAdaBoost(
        scripted(_ScriptedClassifier, [wrong, right, right]), n_estimators=3, hypothesis="label"
    )
    model.fit(ids(7), y, sample_domain=sd)
    beta = source_factor(4, 3)
    assert model.n_estimators_ == 3
    assert model.estimator_errors_[0] == pytest.approx(2 / 3, rel=1e-15)  # not clipped
    a0 = log_odds(0.5 - MIN_ERROR)
    assert_allclose(model.estimator_weights_[0], a0, rtol=1e-6)
    assert 0 < model.estimator_weights_[0] < 1e-9
    # target weights stay (beta_t is just below 1); the wrong source row falls by beta
    w2 = np.array([beta, 1, 1, 1, 1 + 4 * MIN_ERROR, 1 + 4 * MIN_ERROR, 1])
    assert_allclose(model.source_weights_[1], w2[:4] / w2.sum(), rtol=1e-9)
    assert_allclose(model.target_weights_[1], w2[4:] / w2.sum(), rtol=1e-9)


def test_predict_proba_decision_function_and_predict_agree():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 4))
    y3 = np.digitize(X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=150), [-0.5, 0.5])
    sd = np.where(np.arange(150) % 3 == 0, -2, 1)
    for hypothesis, y in itertools.product(("label", "proba"), (y3, (y3 > 0).astype(int))):
        model = TrAdaBoost(
            DecisionTreeClassifier(max_depth=2),
            n_estimators=8,
            hypothesis=hypothesis,
            random_state=0,
        )
        model.fit(X, y, sample_domain=sd)
        X_new = rng.normal(size=(100, 4))
        proba = model.predict_proba(X_new)
        y_pred = model.predict(X_new)
        assert proba.shape == (100, len(model.classes_))
        assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-14)
        assert_array_equal(model.classes_[_argmax_last(proba)], y_pred)
        untied = np.sort(proba, axis=1)[:, -1] > np.sort(proba, axis=1)[:, -2]
        assert untied.mean() > 0.9
        assert_array_equal(model.classes_[np.argmax(proba[untied], axis=1)], y_pred[untied])
        with np.errstate(divide="ignore"):
            assert_allclose(model.predict_log_proba(X_new), np.log(proba))
        decision = model.decision_function(X_new)
        if len(model.classes_) == 2:
            assert_allclose(decision, proba[:, 1] - proba[:, 0])
            assert_array_equal(y_pred, np.where(decision >= 0, 1, 0))
        else:
            assert_allclose(decision, proba)


def test_an_estimator_without_sample_weight_is_a_type_error_before_any_fit():
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    sd = np.r_[np.ones(30, dtype=int), np.full(10, -2)]
    model = TrAdaBoost(KNeighborsClassifier())
    with pytest.raises(TypeError, match="sample_weight"):
        model.fit(X, y, sample_domain=sd)
    assert not hasattr(model, "estimators_")

    class NoWeights(ClassifierMixin, BaseEstimator):
        fits = 0

        def fit(self, X, y):
            type(self).fits += 1
            return self

    with pytest.raises(TypeError, match="sample_weight"):
        TrAdaBoost(NoWeights(), hypothesis="label").fit(X, y, sample_domain=sd)
    with pytest.raises(TypeError, match="predict_proba"):
        TrAdaBoost(NoWeights(), hypothesis="proba").fit(X, y, sample_domain=sd)
    assert NoWeights.fits == 0
    with pytest.raises(TypeError, match="sample_weight"):
        TrAdaBoostR2(KNeighborsRegressor()).fit(X, X[:, 0], sample_domain=sd)


def test_target_labels_are_required():
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    sd = np.r_[np.ones(30, dtype=int), np.full(10, -2)]
    unlabelled = np.where(sd < 0, -1, y)
    with pytest.raises(ValueError, match="No labelled target rows"):
        TrAdaBoost().fit(X, unlabelled, sample_domain=sd)
    with pytest.raises(ValueError, match="No target rows"):
        TrAdaBoost().fit(X, y)  # every row is a source row
    y_reg = np.where(sd < 0, np.nan, X[:, 0])
    with pytest.raises(ValueError, match="No labelled target rows"):
        TrAdaBoostR2().fit(X, y_reg, sample_domain=sd)


def test_bad_parameters_and_estimators():
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    sd = np.r_[np.ones(30, dtype=int), np.full(10, -2)]
    for bad, error in ((0, ValueError), (2.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="^TrAdaBoost: the parameter 'n_estimators' must be"):
            TrAdaBoost(n_estimators=bad).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="^TrAdaBoostR2: the parameter 'loss' must be"):
        TrAdaBoostR2(loss="huber").fit(X, X[:, 0], sample_domain=sd)
    with pytest.raises(ValueError, match="'estimator' must be a classifier .*TrAdaBoostR2"):
        TrAdaBoost(Ridge()).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match=r"'hypothesis' must be a str among \{'label', 'proba'\}"):
        TrAdaBoost(hypothesis="soft").fit(X, y, sample_domain=sd)
    with pytest.raises(TypeError, match="'estimator' must be .*predict_proba.*probability=True"):
        TrAdaBoost(SVC(), hypothesis="proba").fit(X, y, sample_domain=sd)
    assert TrAdaBoost(SVC()).fit(X, y, sample_domain=sd).n_estimators_ == 20
    with pytest.raises(ValueError, match="'estimator' must be a regressor .*TrAdaBoost"):
        TrAdaBoostR2(LogisticRegression()).fit(X, X[:, 0], sample_domain=sd)
    with pytest.raises(ValueError, match="'random_state' must be"):
        TrAdaBoost(random_state=-1).fit(X, y, sample_domain=sd)


def test_unlabelled_target_rows_take_no_part_and_the_global_rng_is_left_alone():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    sd = np.r_[np.ones(40, dtype=int), np.full(20, -2)]
    y_some = np.where(np.arange(60) >= 50, -1, y)  # ten target labels, ten unknown
    est = DecisionTreeClassifier(max_depth=2, max_features=1)
    state = np.random.get_state()  # noqa: NPY002 (the global RNG must stay untouched)
    a = TrAdaBoost(est, n_estimators=5, random_state=3).fit(X, y_some, sample_domain=sd)
    b = TrAdaBoost(est, n_estimators=5, random_state=3).fit(X[:50], y[:50], sample_domain=sd[:50])
    assert_allclose(a.target_weights_, b.target_weights_)
    assert_allclose(a.weights_, b.weights_)
    assert_array_equal(a.predict(X), b.predict(X))
    assert a.target_weights_.shape == (5, 10)
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2:] == state[2:]


def test_transfer_beats_the_target_only_learner_on_held_out_target_rows():
    # Half of the source rows follow the target concept (x0 > 0), half another
    # concept (x1 > 0); 20 labelled target rows in 10 dimensions; 980 held out.
    rng = np.random.default_rng(0)
    d, n_s, n_t, n_lab = 10, 400, 1000, 20
    Xs, Xt = rng.normal(size=(n_s, d)), rng.normal(size=(n_t, d))
    other = rng.random(n_s) < 0.5
    ys = np.where(other, Xs[:, 1] > 0, Xs[:, 0] > 0).astype(int)
    yt = (Xt[:, 0] > 0).astype(int)
    flip = rng.random(n_t) < 0.05
    yt[flip] = 1 - yt[flip]
    lab = np.random.default_rng(100).choice(n_t, n_lab, replace=False)
    test = np.setdiff1d(np.arange(n_t), lab)
    X = np.vstack([Xs, Xt[lab]])
    y = np.r_[ys, yt[lab]]
    sd = np.r_[np.ones(n_s, dtype=int), np.full(n_lab, -2)]

    target_only = LogisticRegression().fit(Xt[lab], yt[lab]).score(Xt[test], yt[test])
    pooled = Pooled().fit(X, y, sample_domain=sd).score(Xt[test], yt[test])
    model = TrAdaBoost(n_estimators=20, hypothesis="label").fit(X, y, sample_domain=sd)
    transfer = model.score(Xt[test], yt[test])
    # 0.807 against 0.756 (target only) and 0.731 (pooled)
    assert transfer > target_only + 0.03
    assert transfer > pooled + 0.03
    # the source rows of the other concept lost weight
    assert model.weights_[other].mean() < 0.8 * model.weights_[~other].mean()


# --- TrAdaBoost.R2 --------------------------------------------------------------------------


def test_r2_two_rounds_match_the_papers_updates_by_hand():
    y = np.array([1.0, 2, 3, 4, 5, 6, 7])  # 4 source rows, 3 target rows
    sd = np.array([1, 1, 1, 1, -2, -2, -2])
    script = [
        np.r_[y + [1, 0, 0, -2, 0, 1, 0], 10, 20],  # residuals 1 0 0 2 0 1 0, D = 2
        np.r_[y + [0, 0, 1, 0, -2, 0, 0], 20, 10],  # residuals 0 0 1 0 2 0 0, D = 2
    ]
    stub = scripted(_ScriptedRegressor, script)
    model = TrAdaBoostR2(stub, n_estimators=2).fit(ids(7), y, sample_domain=sd)

    beta = 1 / (1 + math.sqrt(2 * math.log(4) / 2))
    e1 = np.array([0.5, 0, 0, 1, 0, 0.5, 0])
    eps1 = (0.5 / 3) / 1  # weighted adjusted error on the target rows
    beta1 = eps1 / (1 - eps1)  # = 1/5
    w2 = np.ones(7) * np.where(sd > 0, beta**e1, beta1**-e1)
    e2 = np.array([0, 0, 0.5, 0, 1, 0, 0])
    eps2 = (w2[4:] * e2[4:]).sum() / w2[4:].sum()  # = 1 / (2 + sqrt 5)
    beta2 = eps2 / (1 - eps2)
    w3 = w2 * np.where(sd > 0, beta**e2, beta2**-e2)
    p1, p2, p3 = np.full(7, 1 / 7), w2 / w2.sum(), w3 / w3.sum()

    assert_allclose(beta1, 1 / 5, rtol=1e-15)
    assert_allclose(eps2, 1 / (2 + math.sqrt(5)), rtol=1e-15)
    assert_allclose(model.beta_, beta, rtol=1e-15)
    assert_allclose(model.estimator_errors_, [eps1, eps2], rtol=1e-14)
    assert_allclose(model.estimator_weights_, [math.log(5), math.log(1 + math.sqrt(5))])
    assert_allclose(model.source_weights_, [p1[:4], p2[:4]], rtol=1e-14)
    assert_allclose(model.target_weights_, [p1[4:], p2[4:]], rtol=1e-14)
    assert_allclose(model.weights_, p3[:4], rtol=1e-14)
    assert_allclose(type(stub).fits, [7 * p1, 7 * p2], rtol=1e-14)
    # weighted median of rounds 1 and 2 (ln 5 > ln(1 + sqrt 5)): the first round's value
    assert_array_equal(model.predict([[7.0], [8.0]]), [10.0, 20.0])


def test_r2_adjusted_errors():
    y, y_pred = np.array([0.0, 1, 2, 3]), np.array([1.0, 1, 0, 3])  # residuals 1 0 2 0
    r = np.array([0.5, 0, 1, 0])
    assert_allclose(adjusted_errors(y, y_pred, "linear"), r)
    assert_allclose(adjusted_errors(y, y_pred, "square"), r**2)
    assert_allclose(adjusted_errors(y, y_pred, "exponential"), 1 - np.exp(-r))
    assert_array_equal(adjusted_errors(y, y, "linear"), 0.0)


def _hand_weighted_median(values, weights):
    order = np.argsort(values)
    total = 0.0
    for i in order:
        total += weights[i]
        if total >= 0.5 * np.sum(weights):
            return values[i]


def test_r2_predicts_the_weighted_median_of_the_second_half():
    y = np.zeros(6)  # source rows 0, 1; target rows 2-5; query row 6
    sd = np.array([1, 1, -2, -2, -2, -2])
    script = [
        [1, 1, 0, 0, 0, 0, 100],  # no target error: a large vote
        [1, 1, 0.1, 0, 0, 0, 1],
        [1, 1, 0, 0.5, 0.5, 0, 2],
        [1, 1, 0, 0, 0, 0.8, 3],
    ]
    model = TrAdaBoostR2(scripted(_ScriptedRegressor, script), n_estimators=4)
    model.fit(ids(6), y, sample_domain=sd)
    a = model.estimator_weights_
    assert model.n_estimators_ == 4
    values = np.array([100.0, 1, 2, 3])
    second = _hand_weighted_median(values[1:], a[1:])  # rounds 2, 3, 4
    assert second == 1.0
    assert _hand_weighted_median(values, a) == 100.0  # with round 1
    assert _hand_weighted_median(values[2:], a[2:]) == 3.0  # without round 2
    assert model.predict([[6.0]])[0] == second
    # the plain function: the smallest value whose weight reaches half
    assert_array_equal(weighted_median([[3.0], [1.0], [2.0]], [1.0, 1.0, 1.0]), [2.0])
    assert_array_equal(weighted_median([[3.0], [1.0]], [1.0, 1.0]), [1.0])
    assert_array_equal(weighted_median([[3.0], [1.0]], [1.1, 1.0]), [3.0])


def test_r2_stops_when_the_target_error_reaches_half():
    y = np.zeros(5)  # source rows 0, 1; target rows 2-4
    sd = np.array([1, 1, -2, -2, -2])
    good = [1, 0, 0.5, 0, 0, 7]  # D = 1, target errors 0.5 0 0: eps = 1/6
    bad = [0, 0, 1, 1, 0.5, 9]  # target errors 1 1 0.5 of D = 1: eps >= 1/2
    model = TrAdaBoostR2(scripted(_ScriptedRegressor, [good, bad, good]), n_estimators=3)
    model.fit(ids(5), y, sample_domain=sd)
    assert model.n_estimators_ == 1 and len(model.estimators_) == 1
    assert model.estimator_errors_[0] == pytest.approx(1 / 6)
    beta, beta1 = source_factor(2, 3), 0.2
    w2 = np.array([beta, 1, beta1**-0.5, 1, 1])
    assert_allclose(model.weights_, w2[:2] / w2.sum(), rtol=1e-14)
    assert model.predict([[5.0]])[0] == 7.0

    first_bad = TrAdaBoostR2(scripted(_ScriptedRegressor, [bad, good]), n_estimators=2)
    with pytest.warns(UserWarning, match="first learner"):
        first_bad.fit(ids(5), y, sample_domain=sd)
    assert first_bad.n_estimators_ == 1
    assert_array_equal(first_bad.estimator_weights_, [1.0])
    assert_allclose(first_bad.weights_, [0.2, 0.2])
    assert first_bad.predict([[5.0]])[0] == 9.0


def test_r2_is_a_plain_regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = X[:, 0] + 0.1 * rng.normal(size=60)
    sd = np.where(np.arange(60) % 3 == 0, -2, 1)
    model = TrAdaBoostR2(n_estimators=5, random_state=0).fit(X, y, sample_domain=sd)
    for name in ("predict_proba", "predict_log_proba", "decision_function"):
        assert not hasattr(model, name)
    assert model.score(X, y) > 0.8


def test_r2_warns_when_a_learner_that_interpolates_moves_no_weight():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    sd = np.r_[np.ones(40, dtype=int), np.full(10, -2)]
    with pytest.warns(UserWarning, match="no weight ever changed"):
        exact = TrAdaBoostR2(DecisionTreeRegressor(), n_estimators=4).fit(X, y, sample_domain=sd)
    assert np.all(exact.estimator_errors_ == 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        TrAdaBoostR2(Ridge(alpha=10.0), n_estimators=4).fit(X, y, sample_domain=sd)
