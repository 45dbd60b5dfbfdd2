"""Property tests: the stack/split round trip, that nothing mutates its inputs, density ratios."""

import re

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_array_equal
from sklearn.linear_model import LinearRegression

from tlearn import split_domains, stack_domains
from tlearn._domains import check_domain_data
from tlearn.baselines import Pooled, SourceOnly

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def domains(draw, regression=False):
    d = draw(st.integers(1, 4))
    n_s = draw(st.integers(2, 12))
    n_t = draw(st.integers(1, 12))
    Xs = draw(arrays(np.float64, (n_s, d), elements=finite))
    Xt = draw(arrays(np.float64, (n_t, d), elements=finite))
    if regression:
        ys = draw(arrays(np.float64, n_s, elements=finite))
    else:
        # two classes at least, so that domains can also be inferred from y == -1
        ys = np.array(
            [0, 1] + draw(st.lists(st.integers(0, 3), min_size=n_s - 2, max_size=n_s - 2))
        )
    return Xs, ys, Xt


def _assert_split_is(parts, Xs, ys, Xt, yt):
    for got, expected in zip(parts, (Xs, ys, Xt, yt)):
        assert_array_equal(got, expected)


@settings(max_examples=60, deadline=None)
@given(domains(), st.booleans())
def test_stack_split_round_trip_classification(data, with_target_labels):
    Xs, ys, Xt = data
    yt = np.arange(len(Xt)) % 2 if with_target_labels else None
    X, y, sd = stack_domains(Xs, ys, Xt, yt)
    assert_array_equal(sd, np.r_[np.ones(len(Xs)), -2 * np.ones(len(Xt))])
    expected_yt = yt if with_target_labels else -np.ones(len(Xt), dtype=int)
    _assert_split_is(split_domains(X, y, sd), Xs, ys, Xt, expected_yt)
    if not with_target_labels:  # the domains can be inferred from y == -1
        _assert_split_is(split_domains(X, y), Xs, ys, Xt, expected_yt)


@settings(max_examples=40, deadline=None)
@given(domains(regression=True))
def test_stack_split_round_trip_regression(data):
    Xs, ys, Xt = data
    X, y, sd = stack_domains(Xs, ys, Xt)
    Xs2, ys2, Xt2, yt2 = split_domains(X, y, sd)
    _assert_split_is((Xs2, ys2, Xt2), Xs, ys, Xt, None)
    assert np.isnan(yt2).all() and len(yt2) == len(Xt)
    _assert_split_is(split_domains(X, y)[:3], Xs, ys, Xt, None)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(1, 6), min_size=1, max_size=3),
    st.lists(st.integers(1, 6), min_size=1, max_size=3),
)
def test_several_domains_get_distinct_ids(source_sizes, target_sizes):
    Xs = [np.zeros((n, 2)) for n in source_sizes]
    ys = [np.arange(n) % 2 for n in source_sizes]
    Xt = [np.ones((n, 2)) for n in target_sizes]
    X, y, sd = stack_domains(Xs, ys, Xt)
    expected = np.concatenate(
        [np.full(n, i + 1) for i, n in enumerate(source_sizes)]
        + [np.full(n, -2 - i) for i, n in enumerate(target_sizes)]
    )
    assert_array_equal(sd, expected)
    assert_array_equal(y[sd < 0], -1)
    Xs_all, ys_all, Xt_all, _ = split_domains(X, y, sd)
    assert_array_equal(Xs_all, np.concatenate(Xs))
    assert_array_equal(ys_all, np.concatenate(ys))
    assert len(Xt_all) == sum(target_sizes)


def _frozen(*arrays_):
    out = []
    for a in arrays_:
        a = np.array(a, copy=True)
        a.setflags(write=False)  # any in-place write raises
        out.append(a)
    return out


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@settings(max_examples=25, deadline=None)
@given(domains(), st.booleans())
def test_nothing_mutates_its_inputs(data, regression):
    Xs, ys, Xt = data
    if regression:
        ys = ys.astype(float)
    X, y, sd = stack_domains(Xs, ys, Xt)
    X, y, sd = _frozen(X, y, sd)
    copies = [a.copy() for a in (X, y, sd)]
    global_rng = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is untouched)
    config = sklearn.get_config()

    check_domain_data(None, X, y, sd, task="regression" if regression else "classification")
    split_domains(X, y, sd)
    stack_domains(*_frozen(Xs, ys, Xt))
    models = (
        [SourceOnly(LinearRegression()), Pooled(LinearRegression())]
        if regression
        else [SourceOnly(), Pooled()]
    )
    for model in models:
        model.fit(X, y)
        model.fit(X, y, sample_domain=sd)
        model.predict(X, sample_domain=sd)
        model.score(X, y, sample_domain=sd)

    for before, after in zip(copies, (X, y, sd)):
        assert_array_equal(before, after)
    assert_array_equal(np.random.get_state()[1], global_rng)  # noqa: NPY002
    assert sklearn.get_config() == config


# the two clear errors of the kernel ratios when no source row is near the target rows
NO_OVERLAP = (
    r"^KLIEP: the parameter 'sigma' must be a width at which the source rows reach|"
    r"^ULSIF: the fitted density ratio is 0 at every source row"
)


@st.composite
def shifted_domains(draw):
    """Source and target rows of moderate values, at least two a side, two source classes."""
    d = draw(st.integers(1, 3))
    n_s, n_t = draw(st.integers(2, 15)), draw(st.integers(2, 15))
    values = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
    Xs = draw(arrays(np.float64, (n_s, d), elements=values))
    Xt = draw(arrays(np.float64, (n_t, d), elements=values))
    ys = np.array([0, 1] + draw(st.lists(st.integers(0, 1), min_size=n_s - 2, max_size=n_s - 2)))
    return Xs, ys, Xt


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@settings(max_examples=40, deadline=None)
@given(shifted_domains(), st.sampled_from(["KLIEP", "ULSIF", "DiscriminativeRatio"]))
def test_density_ratios_are_finite_non_negative_and_leave_the_inputs_alone(data, name):
    from tlearn import instance

    Xs, ys, Xt = data
    X, y, sd = _frozen(*stack_domains(Xs, ys, Xt))
    copies = [a.copy() for a in (X, y, sd)]
    global_rng = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is untouched)
    params = {} if name == "DiscriminativeRatio" else {"random_state": 0}
    model = getattr(instance, name)(**params)
    try:
        model.fit(X, y, sample_domain=sd)
    except ValueError as exc:  # domains that do not overlap at any candidate width
        assert re.search(NO_OVERLAP, str(exc)), exc
        return
    w = model.weights_
    assert w.shape == (len(Xs),) and np.all(np.isfinite(w)) and np.all(w >= 0)
    np.testing.assert_allclose(model.density_ratio(X[sd > 0]), w, rtol=1e-10, atol=1e-300)
    assert np.all(np.isfinite(model.density_ratio(X))) and np.all(model.density_ratio(X) >= 0)
    for before, after in zip(copies, (X, y, sd)):
        assert_array_equal(before, after)
    assert_array_equal(np.random.get_state()[1], global_rng)  # noqa: NPY002
