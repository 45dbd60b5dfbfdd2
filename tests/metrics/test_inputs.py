"""The two forms of input of every metric, and what they refuse.

``f(X, y, sample_domain)`` (the fit signature) and ``f(Xs, Xt=Xt)`` give the
same value; the mix of the two, and bad rows or parameters, raise errors that
name the problem (parameters in tlearn's one format).
"""

import numpy as np
import pytest

from tlearn import stack_domains
from tlearn.datasets import make_domain_shift
from tlearn.metrics import coral_distance, mmd2, mmd_test, proxy_a_distance


def _mmd_linear(*args, **kwargs):
    return mmd2(*args, method="linear", **kwargs)


def _mmd_pvalue(*args, **kwargs):
    return mmd_test(*args, n_permutations=50, **kwargs).pvalue


SEEDED = {
    "mmd2": mmd2,
    "mmd2_linear": _mmd_linear,
    "mmd_test": _mmd_pvalue,
    "proxy_a_distance": proxy_a_distance,
}
METRICS = {**SEEDED, "coral_distance": coral_distance}


def _call(name, *args, **kwargs):
    if name in SEEDED:
        kwargs.setdefault("random_state", 0)
    return METRICS[name](*args, **kwargs)


@pytest.fixture(scope="module")
def shifted():
    X, y, sd = make_domain_shift(
        "covariate", n_source=60, n_target=40, n_features=3, random_state=0
    )
    return X, y, sd


@pytest.mark.parametrize("name", sorted(METRICS))
def test_fit_signature_equals_two_arrays(name, shifted):
    X, y, sd = shifted
    Xs, Xt = X[sd >= 0], X[sd < 0]
    two = _call(name, Xs, Xt=Xt)
    assert _call(name, X, y, sd) == two
    assert _call(name, X, y) == two  # domains inferred from the unknown labels
    assert _call(name, X, sample_domain=sd) == two  # no labels needed
    # the stacked form of tlearn.stack_domains, and several domains per side pooled
    assert _call(name, *stack_domains(Xs, np.zeros(60, dtype=int), Xt)) == two
    several = np.where(sd >= 0, np.arange(100) % 2, -2 - np.arange(100) % 3)
    assert _call(name, X, sample_domain=several) == two


@pytest.mark.parametrize("name", ["mmd2", "mmd_test", "coral_distance"])
def test_row_order_does_not_matter(name, shifted):
    X, y, sd = shifted
    order = np.random.default_rng(0).permutation(X.shape[0])
    if name == "mmd_test":  # the null depends on the order of the draws; the statistic does not
        a = mmd_test(X, y, sd, n_permutations=10, random_state=0).statistic
        b = mmd_test(X[order], y[order], sd[order], n_permutations=10, random_state=0).statistic
    else:
        a, b = _call(name, X, y, sd), _call(name, X[order], y[order], sd[order])
    assert a == pytest.approx(b, rel=1e-10)


def test_string_and_regression_labels_tell_the_domains(shifted):
    X, y, sd = shifted
    expected = mmd2(X, sample_domain=sd)
    labels = np.where(y >= 0, np.where(y == 1, "b", "a"), None).astype(object)
    assert mmd2(X, labels) == expected
    y_reg = np.where(sd >= 0, np.linspace(-1.3, 2.7, 100), np.nan)
    assert mmd2(X, y_reg) == expected
    assert mmd2(X, y_reg, sd) == expected


@pytest.mark.parametrize("name", sorted(METRICS))
def test_inputs_are_not_mutated_and_read_only_works(name, shifted):
    X, y, sd = (a.copy() for a in shifted)
    for a in (X, y, sd):
        a.setflags(write=False)
    copies = [a.copy() for a in (X, y, sd)]
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (the global state itself)
    _call(name, X, y, sd)
    _call(name, X[sd >= 0], Xt=X[sd < 0])
    for a, b in zip((X, y, sd), copies):
        np.testing.assert_array_equal(a, b)
    # numpy's global generator is never drawn from, even with random_state=None
    METRICS[name](X, y, sd)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(METRICS))
def test_bad_rows_are_named(name, shifted):
    X, y, sd = shifted
    Xs, Xt = X[sd >= 0], X[sd < 0]
    bad = Xs.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input Xs contains NaN"):
        _call(name, bad, Xt=Xt)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        _call(name, np.vstack([bad, Xt]), y, sd)
    with pytest.raises(ValueError, match="Xs has 3 features but Xt has 2"):
        _call(name, Xs, Xt=Xt[:, :2])
    with pytest.raises(ValueError, match="no target rows"):
        _call(name, X, sample_domain=np.abs(sd))
    with pytest.raises(ValueError, match="no source rows"):
        _call(name, X, sample_domain=-np.abs(sd))
    with pytest.raises(ValueError, match="not both; got Xt together with y"):
        _call(name, Xs, y[sd >= 0], Xt=Xt)
    with pytest.raises(ValueError, match="not both; got Xt together with sample_domain"):
        _call(name, Xs, sample_domain=sd[sd >= 0], Xt=Xt)
    with pytest.raises(ValueError, match=r"y is 2-D .* write \w+\(Xs, Xt=Xt\)"):
        _call(name, Xs, Xt)  # Xt passed where y goes
    with pytest.raises(ValueError, match="no way to tell the target rows"):
        _call(name, X)
    with pytest.raises(ValueError, match="sample_domain has 5 entries but X has 100 rows"):
        _call(name, X, sample_domain=sd[:5])
    with pytest.raises(TypeError, match="sample_domain must hold integer domain ids"):
        _call(name, X, sample_domain=sd.astype(float))


@pytest.mark.parametrize(
    ("method", "n_source", "ok"),
    [("unbiased", 1, False), ("linear", 1, False), ("biased", 1, True), ("unbiased", 2, True)],
)
def test_rows_per_domain_for_each_estimate(method, n_source, ok):
    rng = np.random.default_rng(0)
    Xs, Xt = rng.normal(size=(n_source, 2)), rng.normal(size=(5, 2))
    if ok:
        assert np.isfinite(mmd2(Xs, Xt=Xt, method=method))
    else:
        with pytest.raises(ValueError, match=f"needs at least 2 source rows for method=.{method}"):
            mmd2(Xs, Xt=Xt, method=method)


BAD_PARAMS = [
    (mmd2, {"method": "quadratic"}, ValueError, "method", "a str among {'unbiased', 'biased'"),
    (mmd2, {"kernel": "gaussian"}, ValueError, "kernel", "a str among {'rbf', 'laplacian'"),
    (mmd2, {"kernel": 3}, TypeError, "kernel", "a str among"),
    (mmd2, {"gamma": -1.0}, ValueError, "gamma", "a real number in the range (0, inf) or None"),
    (mmd2, {"gamma": "scale"}, TypeError, "gamma", "a real number"),
    (mmd2, {"kernel_params": {"gamma": 2.0}}, ValueError, "kernel_params", "a dict without"),
    (mmd2, {"random_state": "seed"}, TypeError, "random_state", "an integer in the range"),
    (mmd_test, {"n_permutations": 0}, ValueError, "n_permutations", "an integer in the range"),
    (mmd_test, {"n_permutations": 10.0}, TypeError, "n_permutations", "an integer"),
    (mmd_test, {"n_permutations": True}, TypeError, "n_permutations", "an integer"),
    (proxy_a_distance, {"estimator": "logistic"}, TypeError, "estimator", "a classifier"),
    (proxy_a_distance, {"cv": 1}, ValueError, "cv", "an integer in the range [2, inf)"),
    (proxy_a_distance, {"cv": "five"}, TypeError, "cv", "an integer"),
]


@pytest.mark.parametrize(
    ("func", "params", "error", "name", "allowed"),
    BAD_PARAMS,
    ids=[f"{f.__name__}-{n}-{p[n]!r}" for f, p, _, n, _ in BAD_PARAMS],
)
def test_bad_parameters_in_the_one_format(func, params, error, name, allowed, shifted):
    X, y, sd = shifted
    prefix = f"{func.__name__}: the parameter {name!r} must be "
    with pytest.raises(error) as info:
        func(X, y, sd, **params)
    assert str(info.value).startswith(prefix), info.value
    assert allowed in str(info.value)
    assert str(info.value).endswith(f"; got {params[name]!r}.")


def test_parameters_are_checked_before_the_rows():
    rows = dict(X=np.full((3, 2), np.nan), Xt=np.ones((1, 2)))
    with pytest.raises(ValueError, match="^mmd2: the parameter 'method'"):
        mmd2(**rows, method="nope")
    with pytest.raises(ValueError, match="^mmd_test: the parameter 'kernel_params'"):
        mmd_test(**rows, kernel_params={"gamma": 1.0})
    with pytest.raises(ValueError, match="^proxy_a_distance: the parameter 'cv'"):
        proxy_a_distance(**rows, cv=0)


def test_a_regressor_is_not_a_domain_classifier(shifted):
    from sklearn.linear_model import Ridge

    X, y, sd = shifted
    with pytest.raises(ValueError, match="^proxy_a_distance: the parameter 'estimator' must be"):
        proxy_a_distance(X, y, sd, estimator=Ridge())


def test_kernel_specific_errors():
    rng = np.random.default_rng(0)
    Xs, Xt = rng.normal(size=(6, 2)), rng.normal(size=(5, 2))
    with pytest.raises(ValueError, match="contains negative values"):
        mmd2(Xs, Xt=Xt, kernel="chi2")
    with pytest.raises(ValueError, match="contains negative values; the chi2 kernel needs"):
        mmd2(Xs, Xt=Xt, kernel="chi2", method="linear")
    assert np.isfinite(mmd2(np.abs(Xs), Xt=np.abs(Xt), kernel="chi2"))
