"""SharedPriorLogisticRegression: its limits, its gradient, its optimum, and its priors.

Each claim of ``tlearn/parameter/_shared_prior.py`` has a test that fails on the
wrong version: ``reg -> inf`` gives the source coefficients back and
``reg = 0`` scikit-learn's unpenalised model (binary and multinomial), the
gradient matches finite differences, the solution is stationary, weights are
repetitions, classes the target does not label keep their prior rows, unseen
classes get a zero prior, several sources mix as documented and ``"learn"``
finds the joint minimum.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import check_grad
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from tlearn.datasets import make_domain_shift
from tlearn.parameter import SharedPriorLogisticRegression
from tlearn.parameter._logistic import (
    fit_shared_prior_logistic,
    intercept_penalty_basis,
    shared_prior_logistic_loss,
)
from tlearn.parameter._prior import simplex_qp

TIGHT = dict(tol=1e-10, max_iter=5000)


def _draw(rng, n, W, b):
    """Rows from N(0, I) and labels drawn from the softmax (or sigmoid) model (W, b)."""
    X = rng.normal(size=(n, W.shape[1]))
    Z = X @ W.T + b
    if W.shape[0] == 1:
        return X, (rng.random(n) < expit(Z[:, 0])).astype(int)
    P = softmax(Z, axis=1)
    return X, (rng.random(n)[:, None] > np.cumsum(P, axis=1)).sum(axis=1)


def _domains(n_classes=2, n_s=300, n_t=60, d=4, seed=0):
    """A source and a related target; the target model is the source's plus noise."""
    rng = np.random.default_rng(seed)
    rows = 1 if n_classes == 2 else n_classes
    W_s, b_s = rng.normal(size=(rows, d)), 0.5 * rng.normal(size=rows)
    W_t = W_s + 0.7 * rng.normal(size=(rows, d))
    Xs, ys = _draw(rng, n_s, W_s, b_s)
    Xt, yt = _draw(rng, n_t, W_t, b_s)
    X, y = np.vstack([Xs, Xt]), np.r_[ys, yt]
    sd = np.r_[np.ones(n_s, dtype=int), -2 * np.ones(n_t, dtype=int)]
    return X, y, sd


def _source_model(X, y, sd, **kw):
    return LogisticRegression(**kw).fit(X[sd >= 0], y[sd >= 0])


def _as_dict(model):
    return {"coef": model.coef_, "intercept": model.intercept_, "classes": model.classes_}


# --- the two limits --------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("given", [False, True], ids=["fitted", "given"])
def test_huge_reg_gives_the_source_coefficients_back(n_classes, given):
    X, y, sd = _domains(n_classes)
    source = _source_model(X, y, sd)
    if given:  # the target rows alone, every one of them labelled
        tgt = sd < 0
        model = SharedPriorLogisticRegression(1e10, prior=_as_dict(source), penalize_intercept=True)
        model.fit(X[tgt], y[tgt])
    else:
        model = SharedPriorLogisticRegression(1e10, penalize_intercept=True)
        model.fit(X, y, sample_domain=sd)
    assert_allclose(model.coef_, source.coef_, atol=1e-7)
    assert_allclose(model.intercept_, source.intercept_, atol=1e-7)
    # the intercept is refitted on the target rows unless it is penalised too
    free = clone(model).set_params(penalize_intercept=False)
    free.fit(X[sd < 0], y[sd < 0]) if given else free.fit(X, y, sample_domain=sd)
    assert_allclose(free.coef_, source.coef_, atol=1e-7)
    assert np.abs(free.intercept_ - source.intercept_).max() > 1e-3


def _unpenalised(X, y):
    # sklearn 1.8 deprecated penalty=None: C=np.inf is how 1.9 spells "no penalty"
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        return LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)


def test_reg_zero_is_the_unpenalised_target_model_binary():
    X, y, sd = _domains(2)
    tgt = sd < 0
    model = SharedPriorLogisticRegression(0.0, **TIGHT).fit(X, y, sample_domain=sd)
    reference = _unpenalised(X[tgt], y[tgt])
    assert_allclose(model.coef_, reference.coef_, rtol=1e-5, atol=1e-6)
    assert_allclose(model.intercept_, reference.intercept_, rtol=1e-5, atol=1e-6)


def test_reg_zero_is_the_unpenalised_target_model_multinomial():
    # non-separable target rows (checked below): the probabilities are unique,
    # the coefficients only up to a common shift of the class rows
    X, y, sd = _domains(3, n_t=150)
    tgt = sd < 0
    model = SharedPriorLogisticRegression(0.0, **TIGHT).fit(X, y, sample_domain=sd)
    reference = _unpenalised(X[tgt], y[tgt])
    assert reference.score(X[tgt], y[tgt]) < 0.95
    assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-6)
    centred = model.coef_ - model.coef_.mean(axis=0)
    assert_allclose(centred, reference.coef_ - reference.coef_.mean(axis=0), atol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_alpha_is_logistic_regressions_one_over_C(n_classes):
    X, y, sd = _domains(n_classes)
    tgt = sd < 0
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=len(X))
    model = SharedPriorLogisticRegression(0.0, alpha=4.0, **TIGHT)
    model.fit(X, y, sample_domain=sd, sample_weight=sw)
    reference = LogisticRegression(C=0.25, tol=1e-12, max_iter=10000)
    reference.fit(X[tgt], y[tgt], sample_weight=sw[tgt])
    assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-7)
    assert_array_equal(model.predict(X), reference.predict(X))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_loss_is_a_sum_so_doubling_the_target_labels_halves_the_penalties(n_classes):
    # 2 * sum(loss) + reg/2 ||W - W0||^2 + alpha/2 ||W||^2 has the minimiser of
    # sum(loss) + reg/4 ||W - W0||^2 + alpha/4 ||W||^2 (a mean would not care)
    X, y, sd = _domains(n_classes)
    sw = np.where(sd < 0, 2.0, 1.0)  # the source model is left as it is
    kw = dict(penalize_intercept=True, **TIGHT)
    doubled = SharedPriorLogisticRegression(4.0, alpha=1.0, **kw)
    doubled.fit(X, y, sample_domain=sd, sample_weight=sw)
    halved = SharedPriorLogisticRegression(2.0, alpha=0.5, **kw).fit(X, y, sample_domain=sd)
    same = SharedPriorLogisticRegression(4.0, alpha=1.0, **kw).fit(X, y, sample_domain=sd)
    assert_allclose(doubled.coef_, halved.coef_, atol=1e-7)
    assert_allclose(doubled.intercept_, halved.intercept_, atol=1e-7)
    assert np.abs(doubled.coef_ - same.coef_).max() > 1e-2


# --- loss, gradient and optimum ---------------------------------------------------


@pytest.mark.parametrize("n_rows", [1, 3], ids=["binary", "multinomial"])
@pytest.mark.parametrize("penalize_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(n_rows, penalize_intercept, weighted):
    rng = np.random.default_rng(0)
    n, d = 40, 3
    X = rng.normal(size=(n, d))
    y_index = rng.integers(0, 2 if n_rows == 1 else n_rows, size=n)
    sw = rng.uniform(0.1, 3.0, size=n) if weighted else np.ones(n)
    W0, b0 = rng.normal(size=(n_rows, d)), rng.normal(size=n_rows)

    def split(theta):
        return theta[: n_rows * d].reshape(n_rows, d), theta[n_rows * d :]

    def f(theta):
        W, b = split(theta)
        return shared_prior_logistic_loss(
            W, b, X, y_index, sw, W0, b0, 2.5, 0.7, penalize_intercept
        )[0]

    def grad(theta):
        W, b = split(theta)
        _, gW, gb = shared_prior_logistic_loss(
            W, b, X, y_index, sw, W0, b0, 2.5, 0.7, penalize_intercept
        )
        return np.concatenate([gW.ravel(), gb])

    for _ in range(3):
        theta = 2 * rng.normal(size=n_rows * (d + 1))
        assert check_grad(f, grad, theta, epsilon=1e-6) < 1e-5 * max(1.0, np.abs(grad(theta)).max())


def test_the_loss_is_stable_for_huge_scores():
    # two rows, each wrong by a score margin of 2000 (multinomial) or 1000 (binary)
    X, y_index, sw = np.array([[1e3], [-1e3]]), np.array([1, 0]), np.ones(2)
    for W, expected in ((np.array([[-1.0]]), 2000.0), (np.array([[1.0], [-1.0], [0.0]]), 4000.0)):
        b = np.zeros(W.shape[0])
        loss, gW, gb = shared_prior_logistic_loss(W, b, X, y_index, sw, W, b, 0.0)
        assert loss == pytest.approx(expected)
        assert np.all(np.isfinite(gW)) and np.all(np.isfinite(gb))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("penalize_intercept", [False, True])
def test_the_solution_is_stationary(n_classes, penalize_intercept):
    X, y, sd = _domains(n_classes)
    sw = np.random.default_rng(2).uniform(0.5, 2.0, size=len(X))
    model = SharedPriorLogisticRegression(
        3.0, alpha=0.5, penalize_intercept=penalize_intercept, **TIGHT
    ).fit(X, y, sample_domain=sd, sample_weight=sw)
    tgt = sd < 0
    y_index = np.searchsorted(model.classes_, y[tgt])
    _, gW, gb = shared_prior_logistic_loss(
        model.coef_,
        model.intercept_,
        X[tgt],
        y_index,
        sw[tgt],
        model.prior_coef_,
        model.prior_intercept_,
        3.0,
        0.5,
        penalize_intercept,
    )
    assert np.abs(gW).max() < 1e-5 and np.abs(gb).max() < 1e-5
    assert model.n_iter_ >= 1


def test_max_iter_reached_is_a_convergence_warning():
    X, y, sd = _domains(3)
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=2"):
        model = SharedPriorLogisticRegression(0.1, max_iter=2).fit(X, y, sample_domain=sd)
    assert model.n_iter_ == 2


# --- weights ----------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
def test_sample_weight_is_row_repetition(n_classes):
    X, y, sd = _domains(n_classes, n_s=80, n_t=40)
    sw = np.random.default_rng(3).integers(0, 4, size=len(X))
    sw[sd < 0][:2] = 1
    source = LogisticRegression(tol=1e-12, max_iter=10000)
    model = SharedPriorLogisticRegression(2.0, source_estimator=source, **TIGHT)
    weighted = clone(model).fit(X, y, sample_domain=sd, sample_weight=sw)
    rows = np.repeat(np.arange(len(X)), sw)
    repeated = clone(model).fit(X[rows], y[rows], sample_domain=sd[rows])
    assert_allclose(weighted.source_coefs_, repeated.source_coefs_, atol=1e-6)
    assert_allclose(weighted.coef_, repeated.coef_, atol=1e-6)
    assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-6)


def test_sample_weight_is_repetition_on_the_sklearn_checks_data():
    # the data of scikit-learn's check_sample_weight_equivalence (15 rows, 30
    # features, 3 classes, weights 0 to 4), with domains that follow the rows
    rng = np.random.RandomState(42)
    X, y, sw = rng.rand(15, 30), rng.randint(0, 3, size=15), rng.randint(0, 5, size=15)
    sd = np.where(np.arange(15) % 2 == 0, 1, -2)
    sd[[0, 1, 2]] = [1, -2, -2]  # every class in the source domain
    y[[0, 2, 4]] = [0, 1, 2]
    sw[[1, 3, 5]] = 1
    source = LogisticRegression(tol=1e-12, max_iter=10000)
    model = SharedPriorLogisticRegression(0.5, source_estimator=source, **TIGHT)
    weighted = clone(model).fit(X, y, sample_domain=sd, sample_weight=sw)
    rows = np.repeat(np.arange(15), sw)
    repeated = clone(model).fit(X[rows], y[rows], sample_domain=sd[rows])
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-6)


def test_source_estimator_without_sample_weight_is_a_clear_error():
    from sklearn.neighbors import KNeighborsClassifier

    X, y, sd = _domains(2)
    model = SharedPriorLogisticRegression(source_estimator=KNeighborsClassifier())
    with pytest.raises(TypeError, match="KNeighborsClassifier.fit does not accept sample_weight"):
        model.fit(X, y, sample_domain=sd, sample_weight=np.ones(len(X)))
    with pytest.raises(
        ValueError, match="'source_estimator' must be a linear model .* KNeighborsClassifier, which"
    ):
        model.fit(X, y, sample_domain=sd)


# --- classes ----------------------------------------------------------------------


def _partial_labels(X, y, sd, n_labels=10):
    """Target labels of classes 0 and 1 only: the first ``n_labels`` of them."""
    tgt = np.flatnonzero(sd < 0)
    labelled = tgt[np.isin(y[tgt], [0, 1])][:n_labels]
    y_masked = np.where(sd >= 0, y, -1)
    y_masked[labelled] = y[labelled]
    return y_masked


def test_classes_the_target_does_not_label_keep_their_prior_rows():
    # three source classes; the ten target labels are of classes 0 and 1 only
    X, y, sd = _domains(3, n_t=200)
    y_masked = _partial_labels(X, y, sd)
    model = SharedPriorLogisticRegression(10.0).fit(X, y_masked, sample_domain=sd)
    assert_array_equal(model.classes_, [0, 1, 2])
    assert model.coef_.shape == (3, 4) and model.predict_proba(X).shape == (len(X), 3)
    # class 2 is still predicted where it lives, from its prior row alone
    is_2 = (sd < 0) & (y == 2)
    assert np.mean(model.predict(X[is_2]) == 2) > 0.6
    # at a huge reg: the row of class 2 and its intercept are the prior's, and
    # so is the mean intercept of classes 0 and 1 (their difference is free)
    pinned = SharedPriorLogisticRegression(1e10).fit(X, y_masked, sample_domain=sd)
    assert_allclose(pinned.coef_, pinned.prior_coef_, atol=1e-6)
    assert_allclose(pinned.intercept_[2], pinned.prior_intercept_[2], atol=1e-6)
    assert_allclose(pinned.intercept_[:2].mean(), pinned.prior_intercept_[:2].mean(), atol=1e-6)
    assert np.abs(pinned.intercept_[:2] - pinned.prior_intercept_[:2]).max() > 1e-2


def test_without_the_pull_on_missing_classes_the_free_intercepts_run_away():
    # why intercept_penalty_basis exists: with every intercept free, the
    # target labels (no class 2) push class 2's probability to 0
    X, y, sd = _domains(3, n_t=200)
    y_masked = _partial_labels(X, y, sd)
    model = SharedPriorLogisticRegression(1e6).fit(X, y_masked, sample_domain=sd)
    tgt = y_masked >= 0
    tgt &= sd < 0
    args = (X[tgt], np.searchsorted(model.classes_, y[tgt]), np.ones(tgt.sum()))
    prior = (model.prior_coef_, model.prior_intercept_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, free_b, _, _ = fit_shared_prior_logistic(*args, *prior, reg=1e6, max_iter=200)
    assert np.ptp(free_b) > 10  # class 2 pushed far below the others
    assert np.ptp(model.intercept_) < 2
    Q = intercept_penalty_basis(np.array([True, True, False]))
    assert_allclose(Q.T @ Q, np.eye(2), atol=1e-12)
    assert_allclose(Q @ Q.T @ [1.0, -1.0, 0.0], 0.0, atol=1e-12)  # the difference is free
    assert_allclose(intercept_penalty_basis(np.array([True, False])), [[1.0]])
    assert intercept_penalty_basis(np.array([True, True, True])).shape == (3, 0)


def test_a_class_in_no_source_model_gets_a_zero_prior_row():
    # binary source {0, 1}; the target also labels class 2
    X, y, sd = _domains(2)
    tgt = np.flatnonzero(sd < 0)
    y = y.copy()
    y[tgt[:15]] = 2
    source = _source_model(X, y, sd)
    model = SharedPriorLogisticRegression(1e10, penalize_intercept=True).fit(X, y, sample_domain=sd)
    assert_array_equal(model.classes_, [0, 1, 2])
    w, b = source.coef_[0], source.intercept_[0]
    # the binary source in multinomial form: rows -w/2 and w/2, and a zero row
    assert_allclose(model.prior_coef_, [-w / 2, w / 2, np.zeros(4)])
    assert_allclose(model.prior_intercept_, [-b / 2, b / 2, 0.0])
    assert_allclose(model.coef_, model.prior_coef_, atol=1e-7)
    # the multinomial form gives the binary model's probabilities between 0 and 1
    P = model.predict_proba(X)
    assert_allclose(P[:, 1] / (P[:, 0] + P[:, 1]), source.predict_proba(X)[:, 1], atol=1e-7)


def test_a_given_prior_may_come_with_target_labels_of_one_class():
    X, y, sd = _domains(2)
    source = _source_model(X, y, sd)
    tgt = (sd < 0) & (y == 0)
    model = SharedPriorLogisticRegression(1.0, prior=_as_dict(source)).fit(X[tgt], y[tgt])
    assert_array_equal(model.classes_, [0, 1])
    # the labels of class 0 pull the intercept down
    assert model.intercept_[0] < source.intercept_[0]


def test_a_prior_with_its_classes_in_another_order():
    X, y, sd = _domains(2)
    source = _source_model(X, y, sd)
    flipped = {"coef": -source.coef_, "intercept": -source.intercept_, "classes": [1, 0]}
    tgt = sd < 0
    kw = dict(reg=1e10, penalize_intercept=True)
    a = SharedPriorLogisticRegression(prior=flipped, **kw).fit(X[tgt], y[tgt])
    assert_allclose(a.coef_, source.coef_, atol=1e-7)


def test_string_classes():
    X, y, sd = _domains(3)
    names = np.array(["ant", "bee", "cat"])[y]
    model = SharedPriorLogisticRegression().fit(X, names, sample_domain=sd)
    assert_array_equal(model.classes_, ["ant", "bee", "cat"])
    assert model.score(X[sd < 0], names[sd < 0]) > 0.5


# --- priors -----------------------------------------------------------------------


def test_a_given_prior_ignores_the_source_rows_and_accepts_models_and_dicts():
    X, y, sd = _domains(3)
    source = _source_model(X, y, sd)
    a = SharedPriorLogisticRegression(prior=source).fit(X, y, sample_domain=sd)
    scrambled = np.where(sd >= 0, np.random.default_rng(0).permutation(y), y)
    b = SharedPriorLogisticRegression(prior=_as_dict(source)).fit(X, scrambled, sample_domain=sd)
    c = SharedPriorLogisticRegression(prior=source).fit(X[sd < 0], y[sd < 0])  # sd=None
    for other in (b, c):
        assert_allclose(other.coef_, a.coef_)
        assert_allclose(other.intercept_, a.intercept_)
    assert not hasattr(a, "source_estimators_")
    assert_allclose(a.prior_coef_, source.coef_)


def test_a_frozen_prior_survives_clone_and_a_plain_one_says_what_to_do():
    X, y, sd = _domains(2)
    source = _source_model(X, y, sd)
    tgt = sd < 0
    frozen = clone(SharedPriorLogisticRegression(prior=FrozenEstimator(source)))
    assert_allclose(frozen.fit(X[tgt], y[tgt]).prior_coef_, source.coef_)
    plain = clone(SharedPriorLogisticRegression(prior=source))
    with pytest.raises(ValueError, match="got prior with no coef_.*FrozenEstimator"):
        plain.fit(X[tgt], y[tgt])


def test_any_linear_source_estimator():
    X, y, sd = _domains(2)
    model = SharedPriorLogisticRegression(1e10, source_estimator=LinearSVC())
    model.fit(X, y, sample_domain=sd)
    assert isinstance(model.source_estimators_[0], LinearSVC)
    assert_allclose(model.coef_, model.source_estimators_[0].coef_, atol=1e-7)


def _three_sources(n_classes=2, seed=0, n_t=60, true_source=1):
    """Three source domains (ids 0, 3, 7) with different models; the target is
    drawn from the model of source ``true_source``."""
    rng = np.random.default_rng(seed)
    rows, d = (1 if n_classes == 2 else n_classes), 4
    models = [(2 * rng.normal(size=(rows, d)), 0.3 * rng.normal(size=rows)) for _ in range(3)]
    parts = [_draw(rng, 300, W, b) for W, b in models]
    Xt, yt = _draw(rng, n_t, *models[true_source])
    X = np.vstack([p[0] for p in parts] + [Xt])
    y = np.concatenate([p[1] for p in parts] + [yt])
    sd = np.concatenate([np.full(300, i) for i in (0, 3, 7)] + [np.full(n_t, -1)])
    return X, y, sd


def test_several_sources_mix_uniformly_or_with_the_given_weights():
    X, y, sd = _three_sources()
    model = SharedPriorLogisticRegression().fit(X, y, sample_domain=sd)
    assert_array_equal(model.source_domains_, [0, 3, 7])
    for k, domain in enumerate((0, 3, 7)):
        alone = _source_model(X[sd == domain], y[sd == domain], np.ones((sd == domain).sum()))
        assert_allclose(model.source_coefs_[k], alone.coef_)
    assert_allclose(model.source_weights_, [1 / 3] * 3)
    assert_allclose(model.prior_coef_, model.source_coefs_.mean(axis=0))
    weighted = SharedPriorLogisticRegression(source_weights=[1, 0, 3]).fit(X, y, sample_domain=sd)
    assert_allclose(weighted.source_weights_, [0.25, 0, 0.75])
    assert_allclose(
        weighted.prior_coef_, 0.25 * model.source_coefs_[0] + 0.75 * model.source_coefs_[2]
    )


def _objective(model, X, y, sd, reg, alpha=0.0, penalize_intercept=False):
    tgt = sd < 0
    return shared_prior_logistic_loss(
        model.coef_,
        model.intercept_,
        X[tgt],
        np.searchsorted(model.classes_, y[tgt]),
        np.ones(tgt.sum()),
        model.prior_coef_,
        model.prior_intercept_,
        reg,
        alpha,
        penalize_intercept,
    )[0]


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("reg", [1.0, 100.0])
def test_learned_source_weights_find_the_generating_source_and_the_joint_minimum(n_classes, reg):
    X, y, sd = _three_sources(n_classes, n_t=80)
    learn = SharedPriorLogisticRegression(reg, source_weights="learn", **TIGHT)
    learned = learn.fit(X, y, sample_domain=sd)
    a = learned.source_weights_
    assert np.all(a >= 0) and a.sum() == pytest.approx(1.0)
    assert a[1] > 0.9
    value = _objective(learned, X, y, sd, reg)
    # not above the objective at uniform weights, at each vertex, or at random weights
    # (the same source models, given, on the target rows alone)
    priors = [_as_dict(m) for m in learned.source_estimators_]
    tgt = sd < 0
    rng = np.random.default_rng(0)
    for weights in [None, *np.eye(3), *rng.dirichlet(np.ones(3), size=2)]:
        fixed = clone(learn).set_params(prior=priors, source_weights=weights)
        fixed.fit(X[tgt], y[tgt])
        assert value <= _objective(fixed, X, y, sd, reg) + 1e-7 * abs(value)
    # the joint optimum: W is optimal for a (stationary), and a is optimal for W
    M = learned.source_coefs_.reshape(3, -1)
    assert_allclose(simplex_qp(M @ M.T, M @ learned.coef_.ravel()), a, atol=1e-4)


def test_learned_weights_with_a_penalised_intercept_and_a_list_of_priors():
    X, y, sd = _three_sources(3, n_t=80)
    priors = [_source_model(X[sd == k], y[sd == k], np.ones((sd == k).sum())) for k in (0, 3, 7)]
    priors[2] = _as_dict(priors[2])
    tgt = sd < 0
    model = SharedPriorLogisticRegression(
        10.0, prior=priors, source_weights="learn", penalize_intercept=True, **TIGHT
    ).fit(X[tgt], y[tgt])
    a = model.source_weights_
    assert a[1] > 0.9
    M = np.hstack([model.source_coefs_.reshape(3, -1), model.source_intercepts_])
    w = np.concatenate([model.coef_.ravel(), model.intercept_])
    assert_allclose(simplex_qp(M @ M.T, M @ w), a, atol=1e-4)


def test_learn_with_reg_zero_or_one_source_keeps_the_trivial_weights():
    X, y, sd = _three_sources()
    model = SharedPriorLogisticRegression(0.0, source_weights="learn").fit(X, y, sample_domain=sd)
    assert_allclose(model.source_weights_, [1 / 3] * 3)
    X, y, sd = _domains(2)
    model = SharedPriorLogisticRegression(source_weights="learn").fit(X, y, sample_domain=sd)
    assert_allclose(model.source_weights_, [1.0])


# --- outputs and bad input --------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
def test_prediction_methods_agree(n_classes):
    X, y, sd = _domains(n_classes)
    model = SharedPriorLogisticRegression().fit(X, y, sample_domain=sd)
    scores = model.decision_function(X)
    assert scores.shape == ((len(X),) if n_classes == 2 else (len(X), n_classes))
    proba = model.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_allclose(np.log(proba), model.predict_log_proba(X))
    assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert_allclose(scores, X @ model.coef_.T.squeeze() + model.intercept_.squeeze())


def test_the_domain_shift_data_gains_from_the_prior():
    X, y_true, sd = make_domain_shift(
        "conditional", n_target=400, mask_target_labels=False, random_state=0
    )
    tgt = np.flatnonzero(sd < 0)
    y = y_true.copy()
    y[tgt[10:]] = -1  # ten target labels
    test = tgt[10:]
    shared = SharedPriorLogisticRegression(10.0).fit(X, y, sample_domain=sd)
    target_only = LogisticRegression().fit(X[tgt[:10]], y_true[tgt[:10]])
    assert shared.score(X[test], y_true[test]) >= target_only.score(X[test], y_true[test]) - 0.02


def _frozen(a):
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def test_inputs_are_not_mutated():
    X, y, sd = (_frozen(a) for a in _three_sources(3))
    sw = _frozen(np.ones(len(X)))
    copies = [a.copy() for a in (X, y, sd, sw)]
    model = SharedPriorLogisticRegression(source_weights="learn").fit(X, y, sd, sample_weight=sw)
    model.predict_proba(X)
    prior = {k: _frozen(v) for k, v in _as_dict(model.source_estimators_[0]).items()}
    prior_copy = {k: v.copy() for k, v in prior.items()}
    SharedPriorLogisticRegression(prior=prior).fit(X, y, sd)
    for before, after in zip(copies, (X, y, sd, sw)):
        assert_array_equal(before, after)
    for key in prior:
        assert_array_equal(prior[key], prior_copy[key])


def _bad(**params):
    X, y, sd = _domains(2, n_s=40, n_t=20)
    return lambda: SharedPriorLogisticRegression(**params).fit(X, y, sample_domain=sd)


def _prior(**changes):
    base = {"coef": np.ones((1, 4)), "intercept": np.zeros(1), "classes": np.array([0, 1])}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            _bad(prior=_prior(coef=np.ones((1, 3)))),
            ValueError,
            "of 4 features, as X; got prior with coef of 3",
        ),
        (
            _bad(prior=[_prior(), _prior(coef=np.ones(5))]),
            ValueError,
            r"got prior\[1\] with coef of 5 features",
        ),
        (
            _bad(prior=_prior(coef=np.full((1, 4), np.nan))),
            ValueError,
            "got prior with NaN or infinite",
        ),
        (_bad(prior=_prior(intercept=[np.inf])), ValueError, "got prior with NaN or infinite"),
        (_bad(prior=_prior(classes=None)), ValueError, "got prior with no 'classes' entry"),
        (_bad(prior=_prior(classes=[0])), ValueError, "at least 2 distinct labels"),
        (
            _bad(prior=_prior(coef=np.ones((3, 4)))),
            ValueError,
            "1 or 2 coef rows for its 2 classes; got prior with 3",
        ),
        (
            _bad(prior={"coef": np.ones(4), "classes": [0, 1], "bias": 1}),
            ValueError,
            "unknown keys",
        ),
        (
            _bad(prior=LogisticRegression()),
            ValueError,
            r"got prior with no coef_ \(it is not fitted",
        ),
        (_bad(prior="source"), TypeError, "'prior' must be a dict, a list, a tuple, an estimator"),
        (_bad(prior=["source"]), TypeError, "'prior' must be a fitted linear model or a dict"),
        (_bad(prior=[]), ValueError, "'prior' must be a non-empty list"),
        (_bad(prior=_prior(classes=["a", "b"])), ValueError, "different types"),
        (_bad(source_weights=[-1.0]), ValueError, "'source_weights' must be finite, non-negative"),
        (
            _bad(source_weights=[0.5, 0.5]),
            ValueError,
            r"'source_weights' must be one weight per source model \(1\); got 2 entries",
        ),
        (
            _bad(source_weights="learned"),
            ValueError,
            r"'source_weights' must be a str among \{'learn'\}",
        ),
        (_bad(source_weights=0.5), TypeError, "'source_weights' must be"),
        (_bad(reg=-1.0), ValueError, r"'reg' must be a real number in the range \[0, inf\)"),
        (_bad(alpha=np.nan), ValueError, r"'alpha' must be a real number in the range \[0, inf\)"),
        (_bad(tol=0.0), ValueError, r"'tol' must be a real number in the range \(0, inf\)"),
        (_bad(max_iter=0), ValueError, r"'max_iter' must be an integer in the range \[1, inf\)"),
        (_bad(penalize_intercept="yes"), TypeError, "'penalize_intercept' must be a bool"),
    ],
)
def test_bad_input_is_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_labelled_target_rows_are_required():
    X, y, sd = _domains(2)
    masked = np.where(sd < 0, -1, y)
    with pytest.raises(ValueError, match="No labelled target rows: SharedPriorLogisticRegression"):
        SharedPriorLogisticRegression().fit(X, masked, sample_domain=sd)
    with pytest.raises(ValueError, match="No labelled target rows"):
        SharedPriorLogisticRegression().fit(X, masked)  # inferred: labelled rows are source
    with pytest.raises(ValueError, match="No target rows"):
        SharedPriorLogisticRegression().fit(X, y)  # every label known: every row a source row
    prior = _as_dict(_source_model(X, y, sd))
    with pytest.raises(ValueError, match="No labelled target rows"):
        SharedPriorLogisticRegression(prior=prior).fit(X, masked, sample_domain=sd)
    with pytest.raises(ValueError, match="Source domain 1 has labelled rows of one class only"):
        SharedPriorLogisticRegression().fit(X, np.where(sd >= 0, 0, y), sample_domain=sd)
