"""Proxy A-distance (tlearn.metrics.proxy_a_distance): 2 (1 - 2 err) of a domain classifier."""

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from tlearn.metrics import proxy_a_distance


def test_identical_domains_give_about_zero():
    rng = np.random.default_rng(0)
    values = [
        proxy_a_distance(rng.normal(size=(300, 3)), Xt=rng.normal(size=(300, 3)), random_state=s)
        for s in range(5)
    ]
    assert max(values) <= 0.25, values
    assert min(values) >= 0.0  # clipped: never negative


def test_unequal_domain_sizes_use_the_balanced_error():
    # 400 source rows and 100 target rows of one distribution: a classifier that
    # always answers "source" has a plain error of 0.2, and 2 (1 - 2 * 0.2) = 1.2;
    # the balanced error of any classifier is 1/2 in expectation
    rng = np.random.default_rng(1)
    Xs, Xt = rng.normal(size=(400, 2)), rng.normal(size=(100, 2))
    assert proxy_a_distance(Xs, Xt=Xt, random_state=0) <= 0.3
    always_source = DummyClassifier(strategy="most_frequent")
    assert proxy_a_distance(Xs, Xt=Xt, estimator=always_source, random_state=0) == 0.0


def test_separable_domains_give_about_two():
    rng = np.random.default_rng(2)
    Xs, Xt = rng.normal(size=(200, 4)), rng.normal(size=(150, 4))
    Xt[:, 0] += 12.0
    assert proxy_a_distance(Xs, Xt=Xt, random_state=0) >= 1.95


def test_it_grows_with_the_shift():
    rng = np.random.default_rng(3)
    Xs, noise = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    values = [proxy_a_distance(Xs, Xt=noise + [s, 0.0], random_state=0) for s in (0.5, 1.5, 3.0)]
    assert values[0] < values[1] < values[2], values
    # with a unit-variance shift s along one axis the best balanced error is Phi(-s/2)
    from scipy.stats import norm

    assert values[2] == pytest.approx(2 * (1 - 2 * norm.cdf(-1.5)), abs=0.1)


def test_estimator_and_cv_are_used_as_given():
    rng = np.random.default_rng(4)
    Xs = rng.normal(size=(80, 2))
    Xt = rng.normal(size=(80, 2)) * [1.0, 0.1]  # a change of scale: no linear boundary
    Xt[:, 0] *= 0.1
    linear = proxy_a_distance(Xs, Xt=Xt, random_state=0)
    knn = proxy_a_distance(Xs, Xt=Xt, estimator=KNeighborsClassifier(5), random_state=0)
    assert knn > linear + 0.5, (knn, linear)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    value = proxy_a_distance(Xs, Xt=Xt, estimator=KNeighborsClassifier(5), cv=folds)
    assert 0.0 <= value <= 2.0
    assert proxy_a_distance(Xs, Xt=Xt, random_state=5) == proxy_a_distance(
        Xs, Xt=Xt, random_state=5
    )


def test_cv_larger_than_a_domain_is_a_parameter_error():
    rng = np.random.default_rng(5)
    with pytest.raises(ValueError, match=r"^proxy_a_distance: the parameter 'cv' must be at most"):
        proxy_a_distance(rng.normal(size=(20, 2)), Xt=rng.normal(size=(3, 2)), cv=5)


def test_chance_level_is_clipped_at_zero():
    # coin-flip predictions have a balanced error of 1/2 +- noise: above 1/2
    # about half the time, where 2 (1 - 2 err) < 0; the distance is 0 there
    rng = np.random.default_rng(6)
    Xs, Xt = rng.normal(size=(100, 2)), rng.normal(size=(100, 2))
    values = [
        proxy_a_distance(
            Xs, Xt=Xt, estimator=DummyClassifier(strategy="uniform", random_state=s), random_state=0
        )
        for s in range(8)
    ]
    assert min(values) == 0.0 and max(values) > 0.0, values
