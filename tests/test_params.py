"""One declarative way to state and check hyper-parameters (tlearn/_params.py).

Every public estimator has a table ``_parameter_constraints`` that lists each
constructor parameter; ``validate_params`` checks it once at the start of
``fit``, before the data are read, and every invalid value gets the one
format ``"{Class}: the parameter {name!r} must be {allowed}; got {value!r}."``.
"""

import inspect
import warnings
from numbers import Integral, Real

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV

import tlearn._params as params_module
import tlearn.base as base_module
from tlearn import baselines, feature, instance, parameter
from tlearn._params import (
    Estimator,
    HasMethods,
    InstanceOf,
    Interval,
    Options,
    Renamed,
    check_param,
    check_params,
    param_error,
    param_value,
    validate_params,
)
from tlearn.base import BaseTransferEstimator

PUBLIC_NAMES = {
    "TCA",
    "CORAL",
    "SubspaceAlignment",
    "KMM",
    "KLIEP",
    "ULSIF",
    "DiscriminativeRatio",
    "TrAdaBoost",
    "TrAdaBoostR2",
    "SharedPriorLogisticRegression",
    "SharedPriorRidge",
    "SourceOnly",
    "Pooled",
}


def _public_estimators():
    found = {}
    for module in (feature, instance, parameter, baselines):
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, BaseTransferEstimator):
                found[name] = obj
    return [found[name] for name in sorted(found)]


PUBLIC = _public_estimators()
REGRESSORS = {"TrAdaBoostR2", "SharedPriorRidge"}
# small settings under which each estimator fits the data below
FIT_SETTINGS = {
    "TCA": {"n_components": 2},
    "SubspaceAlignment": {"n_components": 2},
    "TrAdaBoost": {"n_estimators": 2},
    "TrAdaBoostR2": {"n_estimators": 2},
}


def _data(regression):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    sd = np.r_[np.ones(30, dtype=int), np.full(10, -2)]
    if regression:
        y = X[:, 0] + 0.1 * rng.normal(size=40)
        y[35:] = np.nan
    else:
        y = (X[:, 0] > 0).astype(int)
        y[30:34] = [0, 1, 0, 1]
        y[35:] = -1
    return X, y, sd


def _one_format(cls, name):
    return rf"^{cls.__name__}: the parameter '{name}' must be .+; got .+\.$"


class _Opaque:
    """A value of no type that any constraint is about."""

    def __repr__(self):
        return "<opaque>"


def _invalid_values(constraints):
    """(value, error type) pairs that no entry of ``constraints`` allows."""
    cases = [(_Opaque(), TypeError)]
    intervals = [c for c in constraints if isinstance(c, Interval)]
    if "random_state" in constraints:
        intervals.append(Interval(Integral, 0, 2**32 - 1, closed="both"))
    strings = any(isinstance(c, Options) for c in constraints)
    if strings:
        cases.append(("not-an-option", ValueError))
    elif "array-like" not in constraints and callable not in constraints:
        cases.append(("a string", TypeError))
    for iv in intervals:
        if "boolean" not in constraints:
            cases += [(True, TypeError), (np.False_, TypeError)]
        if iv.low is not None:
            closed = iv.closed in ("both", "left")
            cases.append((iv.low - 1 if closed else iv.low, ValueError))
        if iv.high is not None:
            closed = iv.closed in ("both", "right")
            cases.append((iv.high + 1 if closed else iv.high, ValueError))
        if iv.type is Real:
            cases += [(np.nan, ValueError), (np.inf, ValueError), (-np.inf, ValueError)]
            cases.append((np.float32("nan"), ValueError))
        elif not any(c.type is Real for c in intervals):
            cases += [(1.5, TypeError), (np.float64(2.0), TypeError)]
    for c in constraints:
        if isinstance(c, Estimator) and c.kind is not None:
            other = Ridge() if c.kind == "classifier" else LogisticRegression()
            cases.append((other, ValueError))
    return cases


INVALID = [
    pytest.param(cls, name, value, error, id=f"{cls.__name__}-{name}-{value!r}"[:60])
    for cls in PUBLIC
    for name, constraints in cls._parameter_constraints.items()
    for value, error in _invalid_values(constraints)
]


def test_every_public_estimator_is_found():
    assert {cls.__name__ for cls in PUBLIC} == PUBLIC_NAMES


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_the_table_lists_every_constructor_parameter_and_nothing_else(cls):
    signature = inspect.signature(cls.__init__)
    names = {p for p in signature.parameters if p != "self"}
    assert "_parameter_constraints" in vars(cls), f"{cls.__name__} has no table of its own"
    assert set(cls._parameter_constraints) == names
    assert all(isinstance(v, list) and v for v in cls._parameter_constraints.values())


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_the_defaults_validate(cls):
    validate_params(cls())
    validate_params(cls(**FIT_SETTINGS.get(cls.__name__, {})))


@pytest.mark.parametrize("cls, name, value, error", INVALID)
def test_an_invalid_value_is_the_one_format_before_the_data_are_read(cls, name, value, error):
    model = cls(**{name: value})
    with pytest.raises(error, match=_one_format(cls, name)) as info:
        validate_params(model)
    message = str(info.value)
    # fit raises the same error before it reads X or y: None for both would fail there
    with pytest.raises(error) as info:
        model.fit(None, None)
    assert str(info.value) == message
    assert model.get_params()[name] is value  # the parameter is stored untouched


def test_the_cases_cover_wrong_types_ranges_nan_inf_and_bools():
    assert {c.values[0] for c in INVALID} == set(PUBLIC)
    kinds = [repr(c.values[2]) for c in INVALID]
    for needle in ("nan", "inf", "True", "<opaque>", "'not-an-option'", "Ridge()"):
        assert any(needle in k for k in kinds), needle


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_fit_validates_the_parameters_once(cls, monkeypatch):
    calls = []
    real = params_module.validate_params

    def counting(estimator):
        calls.append(type(estimator).__name__)
        return real(estimator)

    monkeypatch.setattr(base_module, "validate_params", counting)  # where fit calls it
    X, y, sd = _data(cls.__name__ in REGRESSORS)
    model = cls(**FIT_SETTINGS.get(cls.__name__, {})).fit(X, y, sample_domain=sd)
    assert calls == [cls.__name__]
    assert model.predict(X[sd < 0]).shape == (10,)


def test_numpy_numbers_are_numbers_and_bools_are_not():
    validate_params(feature.TCA(n_components=np.int64(2), mu=np.float32(0.5), tol=np.int8(0)))
    validate_params(parameter.SharedPriorLogisticRegression(fit_intercept=np.True_))
    with pytest.raises(TypeError, match="'n_components' must be an integer .*; got True"):
        validate_params(feature.TCA(n_components=True))
    with pytest.raises(TypeError, match="'mu' must be a real number .*; got np.True_|True"):
        validate_params(feature.TCA(mu=np.True_))
    with pytest.raises(TypeError, match="'n_components' must be an integer"):
        validate_params(feature.TCA(n_components=np.float64(3.0)))


def test_the_message_reads_as_one_sentence():
    with pytest.raises(ValueError) as info:
        validate_params(feature.TCA(eigen_solver="lobpcg", mu=-1.0))
    assert str(info.value) == (
        "TCA: the parameter 'mu' must be a real number in the range (0, inf); got -1.0."
    )
    with pytest.raises(ValueError) as info:
        validate_params(instance.KMM(n_landmarks=1))
    assert str(info.value) == (
        "KMM: the parameter 'n_landmarks' must be an integer in the range [2, inf) or None; got 1."
    )
    with pytest.raises(TypeError) as info:
        validate_params(feature.TCA(kernel=3))
    assert str(info.value) == (
        "TCA: the parameter 'kernel' must be a str among {'linear', 'rbf', 'poly', "
        "'laplacian'} or a callable; got 3."
    )
    with pytest.raises(ValueError, match=r"an integer in the range \[0, 4294967295\], an "):
        validate_params(instance.KMM(random_state=-1))


def test_data_dependent_checks_use_the_same_format():
    X, y, sd = _data(False)
    cases = [
        (feature.TCA(n_components=5), "TCA", "n_components"),
        (feature.SubspaceAlignment(n_components=4), "SubspaceAlignment", "n_components"),
        (instance.KMM(max_weight=0.5, eps=0.1), "KMM", "max_weight"),
        (instance.KLIEP(sigma=[1.0, -1.0]), "KLIEP", "sigma"),
        (instance.ULSIF(reg=[]), "ULSIF", "reg"),
        (parameter.SharedPriorLogisticRegression(source_weights=[1, 2]), None, "source_weights"),
        (parameter.SharedPriorLogisticRegression(prior={"coef": [1], "classes": [0, 1]}), None, ""),
    ]
    for model, owner, name in cases:
        owner = owner or type(model).__name__
        name = name or "prior"
        with pytest.raises(ValueError, match=rf"^{owner}: the parameter '{name}' must be .+; got "):
            model.fit(X, y, sample_domain=sd)


def test_intervals():
    positive = Interval(Real, 0, None, closed="neither")
    assert [positive.is_satisfied_by(v) for v in (1, 0.5, np.float32(2), np.int64(1))] == [True] * 4
    assert not any(positive.is_satisfied_by(v) for v in (0, -1, np.nan, np.inf, True, "1"))
    assert positive.matches_type(np.nan) and not positive.matches_type(True)
    with_inf = Interval(Real, 0, np.inf, closed="both")
    assert with_inf.is_satisfied_by(np.inf) and not with_inf.is_satisfied_by(-np.inf)
    assert str(with_inf) == "a real number in the range [0, inf]"
    assert not Interval(Real, 0, np.inf, closed="left").is_satisfied_by(np.inf)
    assert str(Interval(Real, None, None)) == "a finite real number"
    assert not Interval(Real, None, None).is_satisfied_by(np.inf)
    assert str(Interval(Integral, 1, 10, closed="right")) == "an integer in the range (1, 10]"
    assert str(Interval(Real, 0.5, 1)) == "a real number in the range [0.5, 1]"
    counts = Interval(int, 1, None, closed="left")
    assert counts.is_satisfied_by(np.uint8(3)) and not counts.is_satisfied_by(3.0)
    with pytest.raises(ValueError):
        Interval(str, 0, 1)
    with pytest.raises(ValueError):
        Interval(Real, 1, 0)


def test_the_other_constraints():
    assert str(Options(("a", "b"))) == "a str among {'a', 'b'}"
    assert str(InstanceOf(dict)) == "a dict" and str(InstanceOf(int)) == "an int"
    assert not InstanceOf(int).is_satisfied_by(True)
    assert str(HasMethods(["fit", "predict"])) == "an object implementing 'fit' and 'predict'"
    assert HasMethods("fit").is_satisfied_by(Ridge())
    assert not HasMethods("fit").is_satisfied_by(Ridge)  # a class, not an instance
    assert not Estimator().is_satisfied_by(Ridge)
    assert Estimator("regressor").is_satisfied_by(Ridge())
    assert not Estimator("classifier").is_satisfied_by(Ridge())
    assert Estimator("classifier").matches_type(Ridge())
    assert str(Estimator("classifier", note="x")) == "a classifier (x)"
    check_param("f", "flag", np.bool_(True), ["boolean"])
    check_param("f", "k", len, [callable])
    check_param("f", "w", np.ones(2), ["array-like"])
    check_param("f", "rs", np.random.RandomState(0), ["random_state"])
    with pytest.raises(TypeError, match="^f: the parameter 'w' must be an array-like or None"):
        check_param("f", "w", "ab", ["array-like", None])
    for scalar in (np.float64(1.0), np.False_, np.array(2.0)):  # numbers, not arrays of them
        with pytest.raises(TypeError, match="must be an array-like; got"):
            check_param("f", "w", scalar, ["array-like"])
    check_param("f", "w", (1.0,), ["array-like"])
    with pytest.raises(ValueError, match="Unknown parameter constraint"):
        check_param("f", "x", 1, ["integer"])


def test_check_params_and_param_error():
    table = {"n": [Interval(Integral, 1, None, closed="left")]}
    check_params("f", {"n": 3, "other": "not checked"}, table)
    with pytest.raises(RuntimeError, match="unknown 'n'"):
        check_params("f", {}, table)
    error = param_error(feature.CORAL(), "reg", "at most 2", 3.0)
    assert isinstance(error, ValueError)
    assert str(error) == "CORAL: the parameter 'reg' must be at most 2; got 3.0."
    error = param_error(feature.CORAL, "reg", "small", got="a large value", error=TypeError)
    assert isinstance(error, TypeError) and str(error).endswith("got a large value.")
    long = param_error("f", "x", "short", list(range(1000)))
    assert len(str(long)) < 300 and "..." in str(long)


def test_an_estimator_without_a_table_is_not_checked():
    class Plain(BaseTransferEstimator):
        def __init__(self, anything=None):
            self.anything = anything

    validate_params(Plain(anything=object()))


# --- renamed parameters (deprecated for two minor releases) ----------------------------------

# (class, old name, new name, a value that changes the fit here, settings, the fitted
# attribute that shows it)
RENAMES = [
    (instance.KMM, "B", "max_weight", 1.5, {"gamma": 2.0}, "weights_"),
    (
        feature.SubspaceAlignment,
        "gamma",
        "bound_tolerance",
        1e3,
        {"n_components": "bound"},
        "n_components_",
    ),
]
RENAME_IDS = [f"{cls.__name__}-{old}" for cls, old, *_ in RENAMES]


def test_every_rename_of_a_public_estimator_is_tested():
    found = {
        (cls.__name__, old, c.new_name, c.since, c.removed_in)
        for cls in PUBLIC
        for old, allowed in cls._parameter_constraints.items()
        for c in allowed
        if isinstance(c, Renamed)
    }
    assert found == {(cls.__name__, old, new, "0.1", "0.3") for cls, old, new, *_ in RENAMES}


@pytest.mark.parametrize("cls, old, new, value, settings, attribute", RENAMES, ids=RENAME_IDS)
def test_the_old_name_gives_the_same_fit_with_a_future_warning(
    cls, old, new, value, settings, attribute
):
    X, y, sd = _data(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new name: no warning at all
        new_fit = cls(**settings, **{new: value}).fit(X, y, sample_domain=sd)
    default_fit = cls(**settings).fit(X, y, sample_domain=sd)
    # the value matters here, so a fit that ignored the old name would differ
    assert not np.array_equal(getattr(new_fit, attribute), getattr(default_fit, attribute))

    model = cls(**settings, **{old: value})
    default = inspect.signature(cls.__init__).parameters[new].default
    assert model.get_params()[old] == value and model.get_params()[new] == default
    assert param_value(model, new) == value
    message = (
        rf"^{cls.__name__}: the parameter '{old}' was renamed '{new}' in 0\.1 and will be "
        rf"removed in 0\.3; use {new}={value!r}\.$"
    )
    with pytest.warns(FutureWarning, match=message) as record:
        old_fit = model.fit(X, y, sample_domain=sd)
    future = [w for w in record if issubclass(w.category, FutureWarning)]
    assert len(future) == 1 and future[0].filename == __file__  # the caller's line
    assert model.get_params()[old] == value  # stored untouched, not moved to the new name
    assert_array_equal(getattr(old_fit, attribute), getattr(new_fit, attribute))
    assert_array_equal(old_fit.predict(X), new_fit.predict(X))

    # both names with the same value: that value, with the warning
    with pytest.warns(FutureWarning, match=message):
        both = cls(**settings, **{old: value, new: value}).fit(X, y, sample_domain=sd)
    assert_array_equal(getattr(both, attribute), getattr(new_fit, attribute))


@pytest.mark.parametrize("cls, old, new, value, settings, attribute", RENAMES, ids=RENAME_IDS)
def test_both_names_with_different_values_is_an_error_before_the_data_are_read(
    cls, old, new, value, settings, attribute
):
    model = cls(**settings, **{old: value, new: 2 * value})
    message = (
        rf"^{cls.__name__}: the parameter '{old}' must be left unset \('deprecated'\) when "
        rf"'{new}' is given, as it was renamed '{new}' in 0\.1 \(here {new}={2 * value!r}, a "
        rf"different value\); got {value!r}\.$"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # raised before any warning
        with pytest.raises(ValueError, match=message):
            model.fit(None, None)


@pytest.mark.parametrize("cls, old, new, value, settings, attribute", RENAMES, ids=RENAME_IDS)
def test_the_old_name_survives_clone_and_set_params_and_is_not_shown_by_default(
    cls, old, new, value, settings, attribute
):
    assert clone(cls(**{old: value})).get_params()[old] == value
    assert cls().set_params(**{old: value}).get_params()[old] == value
    assert cls().get_params()[old] == "deprecated"
    assert old not in repr(cls()) and f"{old}={value!r}" in repr(cls(**{old: value}))
    validate_params(cls())  # the default "deprecated" is valid, and quiet


def test_a_search_over_the_new_name_is_quiet_and_uses_it():
    X, y, sd = _data(False)
    search = GridSearchCV(
        instance.KMM(gamma=2.0), {"max_weight": [1.5, 1000.0]}, cv=2, error_score="raise"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        search.fit(X, y, sample_domain=sd)
    assert search.best_estimator_.weights_.max() <= search.best_params_["max_weight"]


def test_the_renamed_marker_is_never_listed_in_a_message():
    entry = [Renamed("new"), Interval(Real, 0, None, closed="neither"), None]
    check_param("f", "old", "deprecated", entry)
    with pytest.raises(ValueError) as info:
        check_param("f", "old", -1.0, entry)
    assert str(info.value) == (
        "f: the parameter 'old' must be a real number in the range (0, inf) or None; got -1.0."
    )
    with pytest.raises(TypeError, match="got 'Deprecated'"):  # only the exact default
        check_param("f", "old", "Deprecated", entry)
