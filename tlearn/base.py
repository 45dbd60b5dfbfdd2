"""Shared base classes of tlearn's three families.

- :class:`BaseTransferEstimator`: the fit signature ``fit(X, y, sample_domain=None)``,
  validation through :func:`tlearn._domains.check_domain_data`, the default
  metadata request for ``sample_domain`` and a ``score`` on the rows whose
  label is known.
- :class:`BaseTransferMetaEstimator`: wraps a scikit-learn ``estimator``
  (default ``LogisticRegression()``), follows its tags and exposes the
  prediction methods that it has.
- :class:`BaseInstanceTransfer`, :class:`BaseFeatureTransfer`,
  :class:`BaseParameterTransfer`: the three families.
"""

import functools
import inspect
import warnings
from copy import deepcopy

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone, is_classifier, is_regressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.pipeline import Pipeline
from sklearn.utils import ClassifierTags, RegressorTags, TransformerTags, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from ._domains import UNKNOWN_CLASS, check_domain_data, check_sample_weight
from ._params import _caller_stacklevel, validate_params

__all__ = [
    "BaseFeatureTransfer",
    "BaseInstanceTransfer",
    "BaseParameterTransfer",
    "BaseTransferEstimator",
    "BaseTransferMetaEstimator",
]


def _estimator_has(attr):
    """``available_if`` check: the fitted (else the given) estimator has ``attr``."""

    def check(self):
        inner = self.estimator_ if hasattr(self, "estimator_") else self._get_estimator()
        return hasattr(inner, attr)

    return check


_DELEGATE_DOC = """{what} of the fitted estimator on the adapted rows.

Parameters
----------
X : array-like of shape (n_samples, n_features)
    Rows to predict.
sample_domain : array-like of int of shape (n_samples,), default=None
    Domain ids; ``None`` means every row is a target row.

Returns
-------
{returns}
"""


def _delegate(method, what, returns):
    """A prediction method of a meta-estimator: map the rows, then ask ``estimator_``."""

    def delegated(self, X, sample_domain=None):
        Z = self._adapted(X, sample_domain)
        return getattr(self.estimator_, method)(Z)

    delegated.__name__ = method
    delegated.__qualname__ = f"BaseTransferMetaEstimator.{method}"
    delegated.__doc__ = _DELEGATE_DOC.format(what=what, returns=returns)
    return available_if(_estimator_has(method))(delegated)


#: The order in which ``score`` read extra positional arguments before 0.1.
_OLD_SCORE_ORDER = ("sample_weight", "sample_domain")


def _keyword_only_score(score):
    """``score(X, y, *, sample_domain=None, sample_weight=None)``, old positional calls warned.

    Before 0.1 ``score`` took ``(X, y, sample_weight=None, sample_domain=None)``,
    the reverse of ``fit``'s order. Until 0.3 a third and a fourth positional
    argument keep that old meaning (``sample_weight``, then ``sample_domain``)
    with a ``FutureWarning``, so that no call silently changes meaning; then
    they are an error. ``functools.wraps`` keeps the keyword-only signature
    visible to :func:`inspect.signature` (and so to scikit-learn's metadata
    routing and estimator checks).
    """

    @functools.wraps(score)
    def wrapper(self, X, y, *args, **kwargs):
        if args:
            if len(args) > len(_OLD_SCORE_ORDER):
                raise TypeError(
                    f"{type(self).__name__}.score takes X and y positionally and "
                    f"sample_domain, sample_weight by keyword; got {2 + len(args)} positional "
                    "arguments."
                )
            names = _OLD_SCORE_ORDER[: len(args)]
            for name, value in zip(names, args):
                if name in kwargs:
                    raise TypeError(
                        f"{type(self).__name__}.score got multiple values for {name!r}."
                    )
                kwargs[name] = value
            listed = " and ".join(names)
            keywords = ", ".join(f"{name}=..." for name in names)
            warnings.warn(
                f"{type(self).__name__}.score: passing {listed} positionally is deprecated "
                "since 0.1 and will be an error in 0.3: the arguments after X and y are "
                "keyword-only, in fit's order (sample_domain, then sample_weight), and the "
                "positional ones still mean the old order (sample_weight, then "
                f"sample_domain). Pass them by keyword: score(X, y, {keywords}).",
                FutureWarning,
                stacklevel=_caller_stacklevel(),
            )
        return score(self, X, y, **kwargs)

    return wrapper


class BaseTransferEstimator(BaseEstimator):
    """Base of every tlearn estimator: the one fit signature.

    Subclasses implement ``fit(X, y, sample_domain=None)`` and call
    :meth:`_check_domains` first. ``sample_domain`` is requested by default as
    metadata of ``fit`` and of the prediction methods, so that with
    scikit-learn's metadata routing enabled, ``Pipeline``, ``GridSearchCV`` and
    ``cross_validate`` pass it on without a ``set_fit_request`` call.

    Class attributes set what ``fit`` requires of the data:
    ``_requires_target`` (target rows) and ``_requires_labeled_target``
    (labelled target rows); ``_accepts_sparse`` says whether sparse ``X`` is
    supported.

    Examples
    --------
    Every tlearn estimator requests ``sample_domain`` by default:

    >>> from tlearn.base import BaseTransferEstimator
    >>> from tlearn.feature import CORAL
    >>> isinstance(CORAL(), BaseTransferEstimator)
    True
    >>> CORAL().get_metadata_routing().fit.requests
    {'sample_domain': True}
    """

    __metadata_request__fit = {"sample_domain": True}
    __metadata_request__predict = {"sample_domain": True}
    __metadata_request__predict_proba = {"sample_domain": True}
    __metadata_request__predict_log_proba = {"sample_domain": True}
    __metadata_request__decision_function = {"sample_domain": True}
    __metadata_request__score = {"sample_domain": True}

    _requires_target = False
    _requires_labeled_target = False
    _accepts_sparse = False

    def _task(self):
        return "regression" if is_regressor(self) else "classification"

    def _check_domains(self, X, y=None, sample_domain=None, *, reset, **kwargs):
        """Validate through the one entry point with this estimator's requirements."""
        if reset:
            validate_params(self)  # the parameters first, before the data
            kwargs.setdefault("require_target", self._requires_target)
            kwargs.setdefault("require_labeled_target", self._requires_labeled_target)
        return check_domain_data(
            self,
            X,
            y,
            sample_domain,
            task=self._task(),
            reset=reset,
            accept_sparse=self._accepts_sparse,
            **kwargs,
        )

    @_keyword_only_score
    def score(self, X, y, *, sample_domain=None, sample_weight=None):
        """Accuracy (classification) or R^2 (regression) on the rows with known labels.

        Rows whose label is unknown (``-1`` / ``NaN``) are left out. With
        ``sample_domain=None`` every row is read as a target row; pass the
        domains to map source rows as source rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,)
            True labels; unknown ones (``-1`` / ``NaN``) are skipped.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids; ``None`` means every row is a target row. Keyword
            only, as ``sample_weight``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows. Keyword only: until 0.1 ``score`` took
            ``(X, y, sample_weight, sample_domain)`` positionally, and until
            0.3 a third and fourth positional argument still mean that (with
            a ``FutureWarning``).

        Returns
        -------
        score : float

        Examples
        --------
        >>> from tlearn.baselines import SourceOnly
        >>> from tlearn.datasets import make_domain_shift
        >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
        >>> model = SourceOnly().fit(X, y, sample_domain=sample_domain)
        >>> source = sample_domain >= 0
        >>> accuracy = model.score(X[source], y[source], sample_domain=sample_domain[source])
        >>> 0.5 < accuracy <= 1.0
        True
        """
        check_is_fitted(self)
        classes = getattr(self, "classes_", ())
        data = self._check_domains(
            X,
            y,
            sample_domain,
            reset=False,
            infer_domains=False,
            require_source=False,
            unknown_is_class=bool(np.isin(UNKNOWN_CLASS, classes)) if len(classes) else False,
        )
        rows = data.labeled
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, data.X.shape[0])[rows]
        y_pred = self.predict(data.X[rows], sample_domain=data.sample_domain[rows])
        metric = r2_score if self._task() == "regression" else accuracy_score
        return float(metric(data.y[rows], y_pred, sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = self._accepts_sparse
        return tags


class BaseTransferMetaEstimator(BaseTransferEstimator):
    """Base of the meta-estimators (instance- and feature-based families).

    The wrapped ``estimator`` (default ``LogisticRegression()``) is cloned
    into ``estimator_`` and fitted on the rows that :meth:`_fit_adaptation`
    returns. Whether the tlearn estimator is a classifier or a regressor
    follows ``estimator`` (scikit-learn tags); ``predict``,
    ``predict_proba``, ``predict_log_proba`` and ``decision_function`` exist
    when ``estimator`` has them, and map the rows with :meth:`_adapt` first.

    Subclasses define ``__init__`` (storing ``estimator`` and their own
    parameters untouched) and :meth:`_fit_adaptation`.

    Examples
    --------
    The kind of estimator, and its prediction methods, follow ``estimator``:

    >>> from sklearn.base import is_regressor
    >>> from sklearn.linear_model import Ridge
    >>> from tlearn.baselines import SourceOnly
    >>> is_regressor(SourceOnly(Ridge())), hasattr(SourceOnly(Ridge()), "predict_proba")
    (True, False)
    >>> hasattr(SourceOnly(), "predict_proba")  # LogisticRegression() by default
    True
    """

    def _get_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    def _task(self):
        return "regression" if is_regressor(self._get_estimator()) else "classification"

    def fit(self, X, y, sample_domain=None):
        """Fit the adaptation, then the estimator on the adapted labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of every domain, stacked.
        y : array-like of shape (n_samples,)
            Labels; ``-1`` (classification) or ``NaN`` (regression) marks an
            unknown label.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain id per row: ``>= 0`` source, ``< 0`` target. ``None``
            infers it: rows with an unknown label are target rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        data = self._check_domains(X, y, sample_domain, reset=True)
        X_fit, y_fit, sample_weight = self._fit_adaptation(data)
        estimator = clone(self._get_estimator())
        if sample_weight is None:
            estimator.fit(X_fit, y_fit)
        else:
            estimator.fit(X_fit, y_fit, sample_weight=sample_weight)
        self.estimator_ = estimator
        if is_classifier(estimator):
            self.classes_ = estimator.classes_
        return self

    def _fit_adaptation(self, data):
        """Learn the adaptation from ``data`` (a :class:`~tlearn._domains.DomainData`).

        Returns ``(X_fit, y_fit, sample_weight)``: the rows, labels and
        weights (or ``None``) that the estimator is fitted on.
        """
        raise NotImplementedError

    def _adapt(self, data):
        """Features that the fitted estimator sees for the validated rows."""
        return data.X

    def _adapted(self, X, sample_domain):
        check_is_fitted(self)
        return self._adapt(self._check_domains(X, None, sample_domain, reset=False))

    predict = _delegate("predict", "Predict", "y_pred : ndarray of shape (n_samples,)")
    predict_proba = _delegate(
        "predict_proba",
        "Class probabilities",
        "proba : ndarray of shape (n_samples, n_classes)\n    Columns follow ``classes_``.",
    )
    predict_log_proba = _delegate(
        "predict_log_proba",
        "Log class probabilities",
        "log_proba : ndarray of shape (n_samples, n_classes)",
    )
    decision_function = _delegate(
        "decision_function",
        "Decision function",
        "scores : ndarray of shape (n_samples,) or (n_samples, n_classes)",
    )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._get_estimator())
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        if tags.classifier_tags is not None:
            # y is 1-D with unknown labels marked -1: never multilabel
            tags.classifier_tags.multi_label = False
        tags.input_tags.sparse = self._accepts_sparse and inner.input_tags.sparse
        return tags


class BaseInstanceTransfer(BaseTransferMetaEstimator):
    """Base of the instance-based family: reweight the source rows.

    Subclasses implement ``_fit_weights(data)``, returning one non-negative
    weight per source row; it is stored as ``weights_``. The estimator is
    then fitted on the labelled rows with ``sample_weight``: the source rows
    with ``weights_``, labelled target rows (if any) with weight 1. An
    estimator whose ``fit`` does not take ``sample_weight`` is a
    ``TypeError``, raised before any work is done.

    Examples
    --------
    A new instance-based method only says how to weigh the source rows:

    >>> import numpy as np
    >>> from tlearn.base import BaseInstanceTransfer
    >>> from tlearn.datasets import make_domain_shift
    >>> class HalfWeight(BaseInstanceTransfer):
    ...     def __init__(self, estimator=None):
    ...         self.estimator = estimator
    ...     def _fit_weights(self, data):
    ...         return np.full(int(data.source.sum()), 0.5)
    >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
    >>> HalfWeight().fit(X, y, sample_domain=sample_domain).weights_[:3]
    array([0.5, 0.5, 0.5])
    """

    def _check_sample_weight_support(self):
        estimator = self._get_estimator()
        if not has_fit_parameter(estimator, "sample_weight"):
            raise TypeError(
                f"{type(estimator).__name__}.fit does not accept sample_weight, which "
                f"{type(self).__name__} needs to fit the reweighted source rows. Use an "
                "estimator whose fit takes sample_weight."
            )

    def _fit_weights(self, data):
        raise NotImplementedError

    def _fit_adaptation(self, data):
        self._check_sample_weight_support()
        source_weights = np.asarray(self._fit_weights(data), dtype=np.float64)
        n_source = int(data.source.sum())
        if source_weights.shape != (n_source,):
            raise RuntimeError(
                f"{type(self).__name__}._fit_weights returned shape "
                f"{source_weights.shape}; expected ({n_source},)."
            )
        self.weights_ = source_weights
        weight = np.ones(data.X.shape[0])
        weight[data.source] = source_weights
        rows = data.labeled
        return data.X[rows], data.y[rows], weight[rows]


def _learns_unknown_marker(step):
    """Whether ``step``, fitted on ``y`` with unknown labels, would learn their marker.

    tlearn estimators skip unknown labels, and scikit-learn's semi-supervised
    estimators read ``-1`` as unlabelled; an unsupervised step ignores ``y``;
    any other predictor learns ``-1`` as a class (or fails on ``NaN``).
    """
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return False
    if isinstance(step, Pipeline):
        return _learns_unknown_marker(step.steps[-1][1])
    if isinstance(step, BaseTransferEstimator):
        return False
    if isinstance(getattr(step, "estimator", None), BaseTransferEstimator):
        return False  # a search or wrapper around a tlearn estimator
    if type(step).__module__.startswith("sklearn.semi_supervised"):
        return False
    return is_classifier(step) or is_regressor(step) or hasattr(step, "predict")


def _enclosing_pipelines(max_depth=100):
    """The scikit-learn Pipelines whose ``fit`` is on the call stack, innermost first.

    A transformer cannot see the steps after it in a Pipeline, nor the ``y``
    they receive; the call stack is the one place that shows them. Where
    frames are not available (``inspect.currentframe()`` is None on some
    Python implementations) this finds nothing and no check is made.
    """
    frame = inspect.currentframe()
    found = []
    try:
        frame = frame.f_back if frame is not None else None
        for _ in range(max_depth):
            if frame is None:
                break
            owner = frame.f_locals.get("self") if "self" in frame.f_code.co_varnames else None
            if isinstance(owner, Pipeline) and all(p is not owner for p in found):
                found.append(owner)
            frame = frame.f_back
    finally:
        del frame
    return found


def _check_not_a_middle_step(transformer, data):
    """Refuse a Pipeline whose later, plain scikit-learn predictor would learn the marker."""
    if data.labeled.all():
        return
    for pipe in _enclosing_pipelines():
        name, final = pipe.steps[-1]
        if final is transformer or not _learns_unknown_marker(final):
            continue
        name_t = type(transformer).__name__
        name_f = type(final).__name__
        raise ValueError(
            f"{name_t} is fitted as a middle step of a Pipeline whose final step "
            f"{name!r} ({name_f}) is not a tlearn estimator: fitted on the same y, it "
            "would learn the unknown-label marker of the target rows as a class. Use "
            "tlearn.pipeline.make_pipeline(...), which fits the final step on the "
            f"labelled rows only; or wrap the final step yourself, Pooled({name_f}(...)) "
            "from tlearn.baselines; or make the method the final step, "
            f"{name_t}({name_f}(...))."
        )


class BaseFeatureTransfer(TransformerMixin, BaseTransferMetaEstimator):
    """Base of the feature-based family: map the domains into a shared space.

    Subclasses implement ``_fit_map(data)`` (learn the map, store it in
    fitted attributes) and ``_map_rows(X, sample_domain)`` (apply it: each
    row according to its domain). The estimator is fitted on the mapped
    labelled rows; prediction maps the rows first (``sample_domain=None``:
    as target rows).

    Examples
    --------
    A new feature-based method learns a map and applies it, row by row
    according to the domain; here each domain is centred on its own mean:

    >>> import numpy as np
    >>> from tlearn.base import BaseFeatureTransfer
    >>> from tlearn.datasets import make_domain_shift
    >>> class Centering(BaseFeatureTransfer):
    ...     _requires_target = True
    ...     def __init__(self, estimator=None):
    ...         self.estimator = estimator
    ...     def _fit_map(self, data):
    ...         self.source_mean_ = data.X[data.source].mean(axis=0)
    ...         self.target_mean_ = data.X[data.target].mean(axis=0)
    ...     def _map_rows(self, X, sample_domain):
    ...         source = (sample_domain >= 0)[:, None]
    ...         return X - np.where(source, self.source_mean_, self.target_mean_)
    >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
    >>> model = Centering().fit(X, y, sample_domain=sample_domain)
    >>> bool(np.allclose(model.transform(X[sample_domain < 0]).mean(axis=0), 0))
    True
    """

    def _fit_map(self, data):
        raise NotImplementedError

    def _map_rows(self, X, sample_domain):
        raise NotImplementedError

    def _source_domain_rows(self, sample_domain):
        """Yield ``(index, mask)`` per fitted source domain (``source_domains_``).

        A source id that ``fit`` did not see is a ``ValueError``: there is no
        map for it.
        """
        source = sample_domain >= 0
        unseen = np.setdiff1d(sample_domain[source], self.source_domains_)
        if unseen.size:
            raise ValueError(
                f"sample_domain has source ids {unseen.tolist()} that were not seen in "
                f"fit (seen: {self.source_domains_.tolist()})."
            )
        for i, sid in enumerate(self.source_domains_):
            rows = sample_domain == sid
            if rows.any():
                yield i, rows

    def _fit_adaptation(self, data):
        self._fit_map(data)
        Z = self._map_rows(data.X, data.sample_domain)
        rows = data.labeled
        return Z[rows], data.y[rows], None

    def _adapt(self, data):
        return self._map_rows(data.X, data.sample_domain)

    def transform(self, X, sample_domain=None):
        """Map rows into the adapted feature space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to map.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids; ``None`` maps every row as a target row.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
        """
        return self._adapted(X, sample_domain)

    def fit_transform(self, X, y, sample_domain=None):
        """Fit, then map the training rows, each according to its own domain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of every domain, stacked.
        y : array-like of shape (n_samples,)
            Labels; ``-1`` / ``NaN`` marks an unknown label.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids; ``None`` infers them from unknown labels as ``fit`` does.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
        """
        self.fit(X, y, sample_domain)
        data = self._check_domains(X, y, sample_domain, reset=False)
        _check_not_a_middle_step(self, data)
        return self._map_rows(data.X, data.sample_domain)

    @property
    def _n_features_out(self):
        """Number of output features: ``n_components_`` where the map has one, else the input's."""
        n_components = getattr(self, "n_components_", None)
        return self.n_features_in_ if n_components is None else int(n_components)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        A map that keeps the input features (CORAL) keeps their names; one
        onto ``n_components_`` axes names them ``"<class name>0"``,
        ``"<class name>1"``, ... in lower case (``tca0``, ``tca1``, ...).

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input feature names; ``None`` means ``feature_names_in_`` when
            ``fit`` saw them, else ``x0``, ``x1``, ...

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        names_in = getattr(self, "feature_names_in_", None)
        if input_features is None:
            input_features = (
                names_in if names_in is not None else [f"x{i}" for i in range(self.n_features_in_)]
            )
        input_features = np.asarray(input_features, dtype=object)
        if input_features.ndim != 1 or input_features.shape[0] != self.n_features_in_:
            raise ValueError(
                f"input_features should have length {self.n_features_in_} (n_features_in_); "
                f"got shape {input_features.shape}."
            )
        if names_in is not None and not np.array_equal(input_features, names_in):
            raise ValueError("input_features is not equal to feature_names_in_.")
        if getattr(self, "n_components_", None) is None:
            return input_features
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self._n_features_out)], dtype=object)

    __metadata_request__transform = {"sample_domain": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags()
        return tags


class BaseParameterTransfer(BaseTransferEstimator):
    """Base of the parameter-based family: a model whose prior comes from the source.

    Subclasses are plain classifiers or regressors: they set
    ``_estimator_type_tag`` to ``"classifier"`` or ``"regressor"`` (the
    scikit-learn tags follow it; no mixin is needed, so that :meth:`score`
    skips unknown labels as everywhere in tlearn) and implement
    ``fit(X, y, sample_domain=None)`` with :meth:`_check_domains`. Labelled
    target rows are required (``_requires_labeled_target = True``): the
    target model is what they learn.

    Examples
    --------
    A toy regressor whose prediction is the mean of the target labels,
    shrunk towards the mean of the source labels:

    >>> import numpy as np
    >>> from tlearn.base import BaseParameterTransfer
    >>> class ShrunkMean(BaseParameterTransfer):
    ...     _estimator_type_tag = "regressor"
    ...     def __init__(self, lam=1.0):
    ...         self.lam = lam
    ...     def fit(self, X, y, sample_domain=None):
    ...         data = self._check_domains(X, y, sample_domain, reset=True)
    ...         y_t = data.y[data.labeled_target]
    ...         prior = data.y[data.source].mean()
    ...         self.mean_ = (y_t.sum() + self.lam * prior) / (len(y_t) + self.lam)
    ...         return self
    ...     def predict(self, X, sample_domain=None):
    ...         data = self._check_domains(X, None, sample_domain, reset=False)
    ...         return np.full(data.X.shape[0], self.mean_)
    >>> X = np.zeros((5, 1))
    >>> y = np.array([1.0, 1.0, 1.0, 3.0, np.nan])
    >>> model = ShrunkMean(lam=1.0).fit(X, y, sample_domain=[1, 1, 1, -2, -2])
    >>> float(model.mean_)  # (3 + 1 * 1) / (1 + 1)
    2.0
    """

    _requires_labeled_target = True
    _estimator_type_tag = "classifier"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = self._estimator_type_tag
        if self._estimator_type_tag == "classifier":
            tags.classifier_tags = ClassifierTags()
        else:
            tags.regressor_tags = RegressorTags()
        return tags
