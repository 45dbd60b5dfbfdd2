"""One declarative way to state and check hyper-parameters.

Every public estimator states what each constructor parameter may be in a
class attribute ``_parameter_constraints``, a ``dict`` that maps the name of
every ``__init__`` parameter to a list of constraints; a value is valid when
it satisfies at least one of them. :func:`validate_params` checks an
estimator against its table at the start of ``fit`` (before the data are
read, so before any heavy work), and raises one error format::

    {owner}: the parameter {name!r} must be {what is allowed}; got {value!r}.

for example ``TCA: the parameter 'mu' must be a real number in the range
(0, inf); got -1.0.`` The error is a ``TypeError`` when the value is of no
type that a constraint is about (a string for a number, a bool for a number)
and a ``ValueError`` when it is of the right type with a wrong value (out of
range, NaN, infinity, a string that is not an option).

A constraint is one of:

- :class:`Interval`: a real or integral number in a range. A bool is never a
  number; numpy integers and floats are. NaN is never in an interval, and
  infinity only when a bound is ``numpy.inf`` itself, closed on that side.
- :class:`Options`: one of a few strings.
- :class:`HasMethods`, :class:`Estimator`: an object with these methods; an
  estimator (optionally a classifier or a regressor).
- :class:`InstanceOf`, or a type itself (``dict``, ``list``): an instance.
- ``None``: the value ``None``.
- ``"boolean"``: ``True``/``False`` (numpy booleans too).
- ``"random_state"``: ``None``, an int in ``[0, 2**32 - 1]`` or a
  ``numpy.random.RandomState``, what
  :func:`sklearn.utils.check_random_state` accepts.
- ``"array-like"``: a list, a tuple or an array of at least one dimension
  (not a string, not a numpy scalar).
- ``callable``: any callable.
- :class:`Renamed`: the default ``"deprecated"`` of a parameter's old name
  while a rename is deprecated; the old name's own constraints follow it.

A renamed parameter keeps its old name in ``__init__`` for two minor
releases, with the default ``"deprecated"`` (meaning "not given"), and its
table entry starts with ``Renamed(new_name)``::

    "B": [Renamed("max_weight"), Interval(Real, 0, None, closed="neither")],

:func:`validate_params` then checks the old value like any other, and when it
was given emits a ``FutureWarning`` (pointing at the caller's line outside
tlearn) or, if the new name was given a different value too, raises a
``ValueError``; ``fit`` reads the value to use with :func:`param_value`.

Parameters whose validity depends on the data (``n_components`` against the
number of features, say) are checked later in ``fit``; :func:`param_error`
builds their error in the same format. :func:`check_params` checks the
arguments of a plain function (``make_domain_shift``) against a table.

This is the bottom layer: it imports no other tlearn module.
"""

import inspect
import numbers
import os
import warnings

import numpy as np

__all__ = [
    "DEPRECATED",
    "Estimator",
    "HasMethods",
    "InstanceOf",
    "Interval",
    "Options",
    "Renamed",
    "check_param",
    "check_params",
    "param_error",
    "param_value",
    "validate_params",
]

#: The default of a renamed parameter's old name: "not given".
DEPRECATED = "deprecated"

#: Longest representation of a value in an error message (longer ones are cut).
_MAX_REPR = 200


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


class _Constraint:
    """A set of allowed values: ``is_satisfied_by``, ``matches_type`` and a description."""

    def is_satisfied_by(self, value):
        raise NotImplementedError

    def matches_type(self, value):
        """Whether ``value`` is of the kind this constraint is about (if not, a TypeError)."""
        return self.is_satisfied_by(value)

    def __str__(self):
        raise NotImplementedError

    def __repr__(self):
        return f"<{type(self).__name__}: {self}>"


class Interval(_Constraint):
    """A real or integral number in a range.

    Parameters
    ----------
    type : {numbers.Real, numbers.Integral, float, int}
        ``numbers.Integral`` (or ``int``) allows Python and numpy integers;
        ``numbers.Real`` (or ``float``) also allows floats. A bool (Python's
        or numpy's) is never a number.
    low, high : float or None
        Bounds; ``None`` means unbounded on that side. Infinity is in the
        interval only when the bound is ``numpy.inf`` (or ``-numpy.inf``) and
        that side is closed; NaN never is.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds belong to the interval.

    Examples
    --------
    >>> from numbers import Real
    >>> Interval(Real, 0, None, closed="neither").is_satisfied_by(0.0)
    False
    >>> str(Interval(Real, 0, 1, closed="left"))
    'a real number in the range [0, 1)'
    """

    def __init__(self, type, low, high, *, closed="both"):
        if type in (int, numbers.Integral):
            type = numbers.Integral
        elif type in (float, numbers.Real):
            type = numbers.Real
        else:
            raise ValueError(f"Interval type must be numbers.Real or numbers.Integral; got {type}.")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither'; got {closed}.")
        if low is not None and high is not None and low > high:
            raise ValueError(f"Interval low={low} is larger than high={high}.")
        self.type, self.low, self.high, self.closed = type, low, high, closed

    def matches_type(self, value):
        return isinstance(value, self.type) and not _is_bool(value)

    def is_satisfied_by(self, value):
        if not self.matches_type(value):
            return False
        if self.type is numbers.Real:
            if np.isnan(value):
                return False
            if np.isinf(value):
                bound = self.high if value > 0 else self.low
                closed = ("both", "right") if value > 0 else ("both", "left")
                return bound is not None and bound == value and self.closed in closed
        left_closed = self.closed in ("both", "left")
        right_closed = self.closed in ("both", "right")
        if self.low is not None and (value < self.low or (value == self.low and not left_closed)):
            return False
        if self.high is not None and (
            value > self.high or (value == self.high and not right_closed)
        ):
            return False
        return True

    def __str__(self):
        kind = "an integer" if self.type is numbers.Integral else "a real number"
        if self.low is None and self.high is None:
            return "a finite real number" if self.type is numbers.Real else kind
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else _number(self.low)
        high = "inf" if self.high is None else _number(self.high)
        return f"{kind} in the range {left}{low}, {high}{right}"


def _number(x):
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return str(int(x)) if float(x).is_integer() else repr(float(x))


class Options(_Constraint):
    """One of a few strings.

    Parameters
    ----------
    options : iterable of str
        The allowed strings, listed in this order in the error message.

    Examples
    --------
    >>> str(Options(("auto", "dense")))
    "a str among {'auto', 'dense'}"
    """

    def __init__(self, options):
        self.options = tuple(options)

    def matches_type(self, value):
        return isinstance(value, str)

    def is_satisfied_by(self, value):
        return isinstance(value, str) and value in self.options

    def __str__(self):
        return "a str among {" + ", ".join(map(repr, self.options)) + "}"


class InstanceOf(_Constraint):
    """An instance of a type (``dict``, ``list``, ``numpy.random.RandomState``, ...).

    Parameters
    ----------
    type : type
    name : str, default=None
        The type's name in the error message (default: its module and name).
    """

    def __init__(self, type, name=None):
        self.type, self.name = type, name

    def is_satisfied_by(self, value):
        return isinstance(value, self.type) and not (self.type in (int, float) and _is_bool(value))

    def __str__(self):
        if self.name is not None:
            return f"an instance of {self.name!r}"
        if self.type.__module__ == "builtins":
            name = self.type.__name__
            return f"an {name}" if name[0] in "aeiou" else f"a {name}"
        return f"an instance of '{self.type.__module__}.{self.type.__qualname__}'"


class HasMethods(_Constraint):
    """An object (not a class) with these methods.

    Parameters
    ----------
    methods : str or list of str
    """

    def __init__(self, methods):
        self.methods = [methods] if isinstance(methods, str) else list(methods)

    def is_satisfied_by(self, value):
        return not isinstance(value, type) and all(
            callable(getattr(value, m, None)) for m in self.methods
        )

    def __str__(self):
        names = [repr(m) for m in self.methods]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"an object implementing {listed}"


class Estimator(_Constraint):
    """An estimator: an object with ``fit``, and a classifier or a regressor if asked.

    An object with ``fit`` of the other kind is a ``ValueError``; anything
    else (a string, a class instead of an instance) a ``TypeError``.

    Parameters
    ----------
    kind : {None, "classifier", "regressor"}, default=None
        ``None`` allows any estimator; otherwise scikit-learn's tags
        (:func:`sklearn.base.is_classifier`, :func:`sklearn.base.is_regressor`)
        decide.
    note : str, default=None
        Added to the description in parentheses (what to use instead).
    """

    def __init__(self, kind=None, *, note=None):
        if kind not in (None, "classifier", "regressor"):
            raise ValueError(f"kind must be None, 'classifier' or 'regressor'; got {kind!r}.")
        self.kind, self.note = kind, note

    def matches_type(self, value):
        return not isinstance(value, type) and callable(getattr(value, "fit", None))

    def is_satisfied_by(self, value):
        if not self.matches_type(value):
            return False
        if self.kind is None:
            return True
        from sklearn.base import is_classifier, is_regressor

        test = is_classifier if self.kind == "classifier" else is_regressor
        try:
            return bool(test(value))
        except (AttributeError, TypeError, ValueError):  # an object without tags
            return False

    def __str__(self):
        text = "an estimator (an object with fit)" if self.kind is None else f"a {self.kind}"
        return text if self.note is None else f"{text} ({self.note})"


class Renamed(_Constraint):
    """The old name of a renamed parameter: its default ``"deprecated"`` is allowed.

    Put it first in the old name's table entry, before the old name's own
    constraints. The value ``"deprecated"`` (the default, meaning "not
    given") satisfies it; an error message never names it, so an invalid old
    value reads as before the rename.

    Parameters
    ----------
    new_name : str
        The parameter's new name (a constructor parameter of its own, with the
        old default).
    since : str, default="0.1"
        The release that renamed it.
    removed_in : str, default="0.3"
        The release that removes the old name (two minor releases later).

    Examples
    --------
    >>> from numbers import Real
    >>> entry = [Renamed("max_weight"), Interval(Real, 0, None, closed="neither")]
    >>> check_param("KMM", "B", "deprecated", entry)
    >>> check_param("KMM", "B", -1.0, entry)
    Traceback (most recent call last):
    ...
    ValueError: KMM: the parameter 'B' must be a real number in the range (0, inf); got -1.0.
    """

    def __init__(self, new_name, *, since="0.1", removed_in="0.3"):
        self.new_name, self.since, self.removed_in = new_name, since, removed_in

    def is_satisfied_by(self, value):
        return isinstance(value, str) and value == DEPRECATED

    def __str__(self):
        return f"{DEPRECATED!r} (renamed {self.new_name!r})"


def _given(value):
    """Whether an old name's value was given (it is not the default ``"deprecated"``)."""
    return not (isinstance(value, str) and value == DEPRECATED)


class _NoneConstraint(_Constraint):
    def is_satisfied_by(self, value):
        return value is None

    def __str__(self):
        return "None"


class _Boolean(_Constraint):
    def is_satisfied_by(self, value):
        return _is_bool(value)

    def __str__(self):
        return "a bool"


class _Callable(_Constraint):
    def is_satisfied_by(self, value):
        return callable(value)

    def __str__(self):
        return "a callable"


class _ArrayLike(_Constraint):
    def is_satisfied_by(self, value):
        if isinstance(value, (list, tuple)):
            return True
        # a numpy scalar has __array__ too, but it is a number, not an array of them
        return hasattr(value, "__array__") and not isinstance(value, str) and np.ndim(value) > 0

    def __str__(self):
        return "an array-like"


_RANDOM_STATE = [
    Interval(numbers.Integral, 0, 2**32 - 1, closed="both"),
    InstanceOf(np.random.RandomState, "numpy.random.RandomState"),
    _NoneConstraint(),
]


def _make_constraints(constraints):
    """The constraint objects of one table entry (strings and types expanded)."""
    made = []
    for c in constraints:
        if isinstance(c, _Constraint):
            made.append(c)
        elif c is None:
            made.append(_NoneConstraint())
        elif isinstance(c, str) and c == "boolean":
            made.append(_Boolean())
        elif isinstance(c, str) and c == "random_state":
            made.extend(_RANDOM_STATE)
        elif isinstance(c, str) and c == "array-like":
            made.append(_ArrayLike())
        elif c is callable:
            made.append(_Callable())
        elif isinstance(c, type):
            made.append(InstanceOf(c))
        else:
            raise ValueError(f"Unknown parameter constraint {c!r}.")
    return made


def _describe(constraints):
    """``"A, B or C"``, with None last (and a :class:`Renamed` marker never named)."""
    shown = [c for c in constraints if not isinstance(c, Renamed)]
    parts = [str(c) for c in shown if not isinstance(c, _NoneConstraint)]
    parts += ["None"] * any(isinstance(c, _NoneConstraint) for c in shown)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _owner_name(owner):
    if isinstance(owner, str):
        return owner
    return owner.__name__ if isinstance(owner, type) else type(owner).__name__


def _short_repr(value):
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def param_error(owner, name, allowed, value=None, *, got=None, error=ValueError):
    """The error of an invalid parameter, in the one format (returned, not raised).

    For the checks that depend on the data, or on several parameters, and so
    run in ``fit`` rather than in :func:`validate_params`::

        raise param_error(self, "n_components", f"at most {n_features}", 50)

    Parameters
    ----------
    owner : estimator, class or str
        Names the message: the class name of an estimator, else the string
        (a function's name).
    name : str
        The parameter.
    allowed : str
        What the parameter must be, completing ``"... must be "``.
    value : object, default=None
        The value given; its ``repr`` follows ``"got"``.
    got : str, default=None
        Text that replaces ``repr(value)`` (a summary of a large value).
    error : type, default=ValueError
        ``ValueError`` for a wrong value, ``TypeError`` for a wrong type.

    Returns
    -------
    error : Exception

    Examples
    --------
    >>> param_error("make_domain_shift", "n_features", "an integer >= 2 for shift='subspace'", 1)
    ValueError("make_domain_shift: the parameter 'n_features' must be an integer >= 2 for \
shift='subspace'; got 1.")
    """
    got = _short_repr(value) if got is None else got
    return error(f"{_owner_name(owner)}: the parameter {name!r} must be {allowed}; got {got}.")


def check_param(owner, name, value, constraints):
    """Raise the one-format error unless ``value`` satisfies one of ``constraints``.

    Parameters
    ----------
    owner : estimator, class or str
    name : str
    value : object
    constraints : list
        Constraints as in ``_parameter_constraints`` (see the module notes).

    Raises
    ------
    TypeError
        When no constraint is about the type of ``value``.
    ValueError
        When one is, but the value is not allowed.
    """
    made = _make_constraints(constraints)
    if any(c.is_satisfied_by(value) for c in made):
        return
    error = ValueError if any(c.matches_type(value) for c in made) else TypeError
    raise param_error(owner, name, _describe(made), value, error=error)


def check_params(owner, params, constraints):
    """Check a ``dict`` of arguments against a table, in the table's order.

    Parameters
    ----------
    owner : estimator, class or str
    params : dict
        ``name -> value``; a name that the table does not list is not checked.
    constraints : dict
        ``name -> list of constraints``; each name must be in ``params``.
    """
    for name, allowed in constraints.items():
        if name not in params:
            raise RuntimeError(f"{_owner_name(owner)} has constraints for an unknown {name!r}.")
        check_param(owner, name, params[name], allowed)


def validate_params(estimator):
    """Check every constructor parameter of ``estimator`` against its table.

    The table is the class attribute ``_parameter_constraints``; an estimator
    without one (a user's subclass of a tlearn base class) is not checked.
    tlearn calls this once at the start of ``fit``, before the data are read
    (:meth:`tlearn.base.BaseTransferEstimator._check_domains` with
    ``reset=True``), and
    :class:`~tlearn.model_selection.DomainStratifiedKFold` at the start of
    ``split``.

    A parameter given under its old name (:class:`Renamed`) is checked with
    the old name's constraints, then gives a ``FutureWarning`` that names the
    new one; given under both names with different values, a ``ValueError``.

    Parameters
    ----------
    estimator : estimator object
        Or any object that stores its constructor parameters under their
        names, as scikit-learn's cross-validators do.

    Raises
    ------
    TypeError, ValueError
        ``"{ClassName}: the parameter {name!r} must be {allowed}; got {value!r}."``

    Warns
    -----
    FutureWarning
        When a renamed parameter is given under its old name.

    Examples
    --------
    >>> from tlearn.feature import CORAL
    >>> validate_params(CORAL(reg=-1.0))
    Traceback (most recent call last):
    ...
    ValueError: CORAL: the parameter 'reg' must be a real number in the range [0, inf); got -1.0.
    """
    constraints = getattr(type(estimator), "_parameter_constraints", None)
    if constraints is None:
        return
    params = _init_params(estimator)
    check_params(estimator, params, constraints)
    for old, renamed in _renames(constraints):
        if _given(params[old]):
            _check_renamed(estimator, params, old, renamed)


def _init_params(obj):
    """The constructor parameters of ``obj``: ``get_params``, or read as it reads them.

    A cross-validator (:class:`tlearn.model_selection.DomainStratifiedKFold`)
    stores its parameters as an estimator does but has no ``get_params``.
    """
    if hasattr(obj, "get_params"):
        return obj.get_params(deep=False)
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    signature = inspect.signature(type(obj).__init__)
    names = [p.name for p in list(signature.parameters.values())[1:] if p.kind not in kinds]
    return {name: getattr(obj, name) for name in names}


def _renames(constraints):
    """``(old name, Renamed)`` of each renamed parameter of a table."""
    for name, allowed in constraints.items():
        for c in allowed:
            if isinstance(c, Renamed):
                yield name, c


def _init_default(estimator, name):
    return inspect.signature(type(estimator).__init__).parameters[name].default


def _equal(a, b):
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and other values without one truth value
        return False


def _check_renamed(estimator, params, old, renamed):
    """The old name was given: a ``ValueError`` if the new one differs, else a ``FutureWarning``."""
    new, value = renamed.new_name, params[old]
    if not _equal(params[new], _init_default(estimator, new)) and not _equal(params[new], value):
        raise param_error(
            estimator,
            old,
            f"left unset ({DEPRECATED!r}) when {new!r} is given, as it was renamed {new!r} in "
            f"{renamed.since} (here {new}={_short_repr(params[new])}, a different value)",
            value,
        )
    warnings.warn(
        f"{_owner_name(estimator)}: the parameter {old!r} was renamed {new!r} in "
        f"{renamed.since} and will be removed in {renamed.removed_in}; use "
        f"{new}={_short_repr(value)}.",
        FutureWarning,
        stacklevel=_caller_stacklevel(),
    )


def param_value(estimator, name):
    """The value of parameter ``name`` that ``fit`` uses: its old name's, if that was given.

    While a rename is deprecated (:class:`Renamed`), a value given under the
    old name stands for the new one; :func:`validate_params` has warned about
    it (or raised, when both names were given different values).

    Parameters
    ----------
    estimator : estimator object
    name : str
        The parameter's current name.

    Returns
    -------
    value : object

    Examples
    --------
    >>> from tlearn.instance import KMM
    >>> param_value(KMM(max_weight=5.0), "max_weight")
    5.0
    >>> param_value(KMM(B=5.0), "max_weight")  # the old name (fit warns)
    5.0
    """
    constraints = getattr(type(estimator), "_parameter_constraints", None) or {}
    for old, renamed in _renames(constraints):
        if renamed.new_name == name and _given(getattr(estimator, old)):
            return getattr(estimator, old)
    return getattr(estimator, name)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _caller_stacklevel():
    """The ``stacklevel`` that points a warning at the first frame outside tlearn.

    Called by the function that calls :func:`warnings.warn`: a warning about a
    user's argument names the user's line (or scikit-learn's, for a fit that a
    Pipeline or a search makes), however deep in tlearn it is raised.
    """
    frame = inspect.currentframe()
    frame = frame.f_back if frame is not None else None  # the function that warns: level 1
    level = 1
    try:
        while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            _PACKAGE_DIR
        ):
            frame = frame.f_back
            level += 1
    finally:
        del frame
    return level
