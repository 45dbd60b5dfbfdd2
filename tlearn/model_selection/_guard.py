"""A guard against negative transfer: adapt only when a label-free estimate says it helps."""

import inspect
import time
import warnings
from copy import deepcopy
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ParameterGrid
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._params import Estimator, HasMethods, InstanceOf, Interval, Options
from ..base import BaseTransferEstimator
from ..baselines import SourceOnly
from ..feature import CORAL, TCA, SubspaceAlignment
from ..instance import KMM, DiscriminativeRatio
from ..metrics import coral_distance, mmd2, proxy_a_distance
from ._scorers import _SCORERS, get_transfer_scorer
from ._split import SourceShuffleSplit

__all__ = ["TransferGuard", "default_candidates"]

#: Candidates whose ``n_components`` is capped by the number of features.
_N_COMPONENTS = "n_components"


def default_candidates():
    """The candidate adaptations that :class:`TransferGuard` tries by default.

    Every unsupervised tlearn method that applies to any classifier or regressor,
    each with a small grid: ``(name, estimator, grid)`` triples, the estimator
    with ``estimator=None`` (the guard's ``estimator`` is put in), the grid a
    dict of lists for :class:`~sklearn.model_selection.ParameterGrid` (values of
    ``n_components`` above the number of features are capped to it).

    - ``SourceOnly``: no adaptation, the reference;
    - ``CORAL``: ``reg`` in {0.1, 1};
    - ``SubspaceAlignment``: ``n_components`` in {10, 30};
    - ``TCA``: linear kernel, ``mu = 1``, ``n_components`` in {10, 30};
    - ``KMM``: rbf kernel, the median-heuristic width, ``max_weight = 1000``;
    - ``DiscriminativeRatio``: a logistic domain classifier.

    KLIEP and ULSIF are left out by default: they estimate the same ratio as
    ``DiscriminativeRatio`` at a higher cost. TCA with an rbf kernel is left out
    because its exact solve is cubic in the number of rows.

    Returns
    -------
    candidates : list of (str, estimator, dict)

    Examples
    --------
    >>> from tlearn.model_selection import default_candidates
    >>> [name for name, _, _ in default_candidates()]
    ['SourceOnly', 'CORAL', 'SubspaceAlignment', 'TCA', 'KMM', 'DiscriminativeRatio']
    """
    return [
        ("SourceOnly", SourceOnly(), {}),
        ("CORAL", CORAL(), {"reg": [0.1, 1.0]}),
        ("SubspaceAlignment", SubspaceAlignment(), {_N_COMPONENTS: [10, 30]}),
        ("TCA", TCA(kernel="linear", mu=1.0), {_N_COMPONENTS: [10, 30]}),
        ("KMM", KMM(), {}),
        ("DiscriminativeRatio", DiscriminativeRatio(), {}),
    ]


def _candidate_list(candidates, owner):
    """``[(name, estimator, grid)]`` from the ``candidates`` parameter, checked."""
    if candidates is None:
        candidates = default_candidates()
    out, names = [], set()
    for i, entry in enumerate(candidates):
        if isinstance(entry, tuple) and len(entry) == 2:
            entry = (*entry, {})
        if not (
            isinstance(entry, tuple)
            and len(entry) == 3
            and isinstance(entry[0], str)
            and hasattr(entry[1], "fit")
            and isinstance(entry[2], dict)
        ):
            raise TypeError(
                f"{owner}: candidates[{i}] must be a (name, estimator) or a (name, estimator, "
                f"grid) tuple with a str name and a dict grid; got {entry!r}."
            )
        name, estimator, grid = entry
        if name in names:
            raise ValueError(f"{owner}: the candidate name {name!r} is given twice.")
        if not isinstance(estimator, BaseTransferEstimator):
            raise TypeError(
                f"{owner}: candidate {name!r} must be a tlearn estimator on the fit signature "
                f"(fit(X, y, sample_domain)); got {type(estimator).__name__}. Wrap a "
                "scikit-learn estimator in tlearn.baselines.SourceOnly."
            )
        for key, values in grid.items():
            if isinstance(values, str) or not hasattr(values, "__iter__") or not len(values):
                raise ValueError(
                    f"{owner}: the grid of candidate {name!r} must map each parameter to a "
                    f"non-empty list of values; got {key!r}: {values!r}."
                )
        names.add(name)
        out.append((name, estimator, grid))
    if not any(type(est) is SourceOnly and not grid for _, est, grid in out):
        out.insert(0, ("SourceOnly", SourceOnly(), {}))
    return out


def _configurations(candidates, estimator, n_features):
    """Every (name, params, unfitted estimator) of the candidates' grids.

    The guard's ``estimator`` replaces a candidate's ``estimator=None``; values
    of ``n_components`` above ``n_features`` are capped to it (duplicates
    dropped).
    """
    configs = []
    for name, candidate, grid in candidates:
        seen = []
        for params in ParameterGrid(grid):
            params = dict(params)
            if isinstance(params.get(_N_COMPONENTS), Integral):
                params[_N_COMPONENTS] = min(int(params[_N_COMPONENTS]), n_features)
            if params in seen:
                continue
            seen.append(params)
            est = clone(candidate).set_params(**params)
            if "estimator" in est.get_params(deep=False) and est.estimator is None:
                est.set_params(estimator=clone(estimator))
            configs.append((name, params, est))
    return configs


def _split_kwargs(cv, sample_domain):
    """How to hand the domains to ``cv.split``: as ``sample_domain`` if it takes it."""
    params = inspect.signature(cv.split).parameters
    if "sample_domain" in params:
        return {"sample_domain": sample_domain}
    return {"groups": sample_domain}


def _fit_and_score(estimator, X, y, sample_domain, train, test, scorer):
    """Fit one configuration on one training split; its score, fit time and error."""
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings of the inner learners
            est = clone(estimator).fit(X[train], y[train], sample_domain=sample_domain[train])
            score = float(scorer(est, X[test], y[test], sample_domain=sample_domain[test]))
    except (ValueError, np.linalg.LinAlgError, ArithmeticError) as exc:
        return np.nan, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"
    return score, time.perf_counter() - start, ""


def _paired_gain(scores, reference):
    """Mean paired gain of every row over row ``reference``, and its standard error."""
    gains = scores - scores[reference]
    n = scores.shape[1]
    stderr = gains.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(scores.shape[0])
    return gains.mean(axis=1), stderr


def _select(scores, reference):
    """The selected row of a (configuration x fold) score table: the guard's rule.

    Parameters
    ----------
    scores : ndarray of shape (n_configurations, n_folds)
        The score of every configuration on every fold (higher is better; NaN
        where it failed).
    reference : int
        The row of ``SourceOnly``.

    Returns
    -------
    row : int
        The row of best mean score among those scored on every fold, if that
        mean is above the mean of ``reference``; else ``reference`` (which so
        wins every tie).
    """
    scores = np.asarray(scores, dtype=float)
    finite = np.all(np.isfinite(scores), axis=1)
    means = np.where(finite, scores.mean(axis=1), -np.inf)
    best = int(np.argmax(np.where(np.arange(len(means)) == reference, -np.inf, means)))
    return best if means[best] > means[reference] else reference


def _inner_has(method):
    """Whether the guard's ``estimator`` (and so every candidate) has ``method``."""

    def check(self):
        return hasattr(self._get_estimator(), method)

    return check


class TransferGuard(BaseTransferEstimator):
    r"""Adapt only when a label-free estimate says that it helps; else keep ``SourceOnly``.

    ``TransferGuard`` answers "should I adapt, and how?" without target labels.
    It fits every candidate adaptation of ``candidates`` (each with its small
    hyper-parameter grid), always including no adaptation
    (:class:`~tlearn.baselines.SourceOnly`), on the folds of ``cv``; scores
    each fitted configuration on its fold (the held-out source rows and the
    target rows) without reading a target label; and keeps the best
    configuration, refitted on all rows, **unless** its estimate is not
    above that of ``SourceOnly``: then it abstains and keeps ``SourceOnly``.

    The rule: with :math:`\bar s_c` the mean score of configuration
    :math:`c` over the folds, the guard keeps :math:`c^\star =
    \arg\max_c \bar s_c` if :math:`\bar s_{c^\star} > \bar s_{\mathrm{SO}}`,
    and ``SourceOnly`` otherwise (it wins ties). ``cv_results_`` also gives
    each configuration's paired gain over ``SourceOnly`` fold by fold and its
    standard error, to judge how clear a gain is; the rule does not require
    the gain to exceed it: with the default score, that requirement lost
    more good adaptations than bad ones (it fell 0.4 points below
    source-only on Office-Caltech-10, and adapted in 4 of 10 seeds of a
    shift where subspace alignment and TCA gain 4 to 15 points;
    ``docs/design.md``).

    The default score is importance-weighted validation
    (:class:`ImportanceWeightedScorer`, IWCV): the accuracy (or minus the
    squared error, for a regressor) of the configuration's target predictor
    on the held-out source rows, each weighted by the density ratio
    :math:`p_t(x)/p_s(x)` of a logistic domain classifier, an estimate of its
    target score when :math:`p(y \mid x)` is shared. Of the label-free scores
    of :mod:`tlearn.model_selection`, it was the one whose pick was never
    below ``SourceOnly`` on the mean of any data set of
    ``benchmarks/when_to_transfer.py`` (Office-Caltech-10 SURF, the Amazon
    reviews, two synthetic shifts), where DEV, reverse validation, the
    prediction entropy and the soft neighbourhood density each lost points
    (up to 21 on average) on at least one.

    Parameters
    ----------
    estimator : estimator object, default=None
        The learner every candidate fits on its adapted rows (put in place of a
        candidate's ``estimator=None``); ``None`` means ``LogisticRegression()``.
        Whether the guard is a classifier or a regressor follows it.
    candidates : list of tuples, default=None
        ``(name, tlearn estimator)`` or ``(name, tlearn estimator, grid)``
        tuples, ``grid`` a dict of lists of parameter values; ``None`` means
        :func:`default_candidates`. A ``("SourceOnly", SourceOnly(), {})``
        entry is added first when no candidate is a plain ``SourceOnly``.
    scoring : str or callable, default=None
        The label-free score, higher is better: ``None`` means ``"iwcv"``; a
        name of :func:`get_transfer_scorer` (``"iwcv"``, ``"dev"``,
        ``"reverse"``, ``"entropy"``, ``"snd"``) or a callable
        ``scoring(estimator, X, y, sample_domain=sample_domain)``, which gets
        the fold's held-out source rows (labelled) and the target rows and
        must never read a target label.
    cv : int or cross-validation splitter, default=3
        An int means ``SourceShuffleSplit(n_splits=cv, random_state=...)``
        (every target row in every training and test split; a fifth of each
        source domain held out). A splitter must keep target rows in the
        training splits and source rows in the test splits; its ``split``
        gets the domains as ``sample_domain`` (tlearn's splitters) or as
        ``groups``.
    n_jobs : int, default=None
        Number of processes fitting the (configuration, fold) pairs
        (joblib); ``None`` means 1, ``-1`` all cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds of an int ``cv`` and the row subsample of
        ``divergences_``. The candidates' own ``random_state`` are left as
        they are.

    Attributes
    ----------
    best_estimator_ : tlearn estimator
        The selected configuration, refitted on all rows; it predicts.
    selected_ : dict
        ``{"candidate": name, "params": dict}`` of the selected configuration.
    abstained_ : bool
        Whether the guard kept ``SourceOnly`` (no candidate's estimate was
        above its estimate).
    best_index_ : int
        The row of ``cv_results_`` that was selected.
    cv_results_ : dict of lists
        One entry per configuration (``pandas.DataFrame(cv_results_)`` makes
        a table): ``candidate``, ``params``, ``split{k}_score``,
        ``mean_score``, ``std_score``, ``gain_score`` (mean paired gain over
        ``SourceOnly``), ``gain_stderr_score`` (its standard error), ``rank``
        (1 is the best mean score), ``mean_fit_time`` (seconds per fold, fit
        and scoring), ``error`` (the first error of a configuration that
        failed on a fold, whose scores are then NaN; ``""`` otherwise).
    divergences_ : dict
        How far apart the domains are, on the input features:
        ``{"mmd2": ..., "proxy_a_distance": ..., "coral_distance": ...}``
        (:mod:`tlearn.metrics`: the unbiased squared MMD with an rbf kernel
        and the median heuristic, the proxy A-distance of a 5-fold logistic
        domain classifier (fewer folds for a domain of fewer than 5 rows), the
        CORAL distance; on at most 1,000 rows of each domain; all NaN when a
        domain has a single row).
    scorer_ : callable
        The scorer used.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    tlearn.baselines.SourceOnly : the reference that the guard falls back to.
    ImportanceWeightedScorer : the default score.
    SourceShuffleSplit : the default folds.

    Notes
    -----
    **When it abstains.** When no configuration's mean estimate is above
    that of ``SourceOnly``.
    Every label-free score rests on an assumption that the data can break
    (see each scorer's failure mode), so the guard can still pick a harmful
    adaptation or miss a helpful one; the rule makes adapting the exception
    that needs evidence. A few labelled target rows, kept aside, remain the
    only direct check (:ref:`negative_transfer`).

    Labelled target rows are passed to the candidates that use them, but the
    selection never reads a target label; with enough labelled target rows,
    select on them instead (``GridSearchCV`` with
    :class:`DomainStratifiedKFold`).

    A configuration that raises a ``ValueError``, a ``LinAlgError`` or an
    arithmetic error on a fold, or whose score is NaN, is left out (its error
    is in ``cv_results_``). When ``SourceOnly`` itself cannot be scored on
    every fold (on very small data, say), nothing can be compared with it:
    the guard keeps ``SourceOnly`` and warns (``UserWarning``).

    **Cost.** :math:`K` fits of every configuration (9 for the defaults), each
    followed by its scoring (a logistic domain classifier on the fold's
    validation and target rows), then one refit of the selected one, and the
    divergences
    (:math:`O(m^2 d)`, :math:`m \le 1000`). ``benchmarks/when_to_transfer.py``
    reports the fit time on the Amazon reviews (2,000 + 2,000 rows, 400
    features).

    References
    ----------
    .. [1] M. T. Rosenstein, Z. Marx, L. P. Kaelbling and T. G. Dietterich,
       "To transfer or not to transfer", NIPS 2005 Workshop on Inductive
       Transfer.
    .. [2] M. Sugiyama, M. Krauledat and K.-R. Müller, "Covariate shift
       adaptation by importance weighted cross validation", JMLR 8, 2007.

    Examples
    --------
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.model_selection import TransferGuard
    >>> X, y, sample_domain = make_domain_shift("covariate", n_features=5, random_state=0)
    >>> guard = TransferGuard(random_state=0).fit(X, y, sample_domain=sample_domain)
    >>> sorted(guard.selected_)
    ['candidate', 'params']
    >>> guard.predict(X[sample_domain < 0]).shape
    (500,)
    """

    _requires_target = True

    _parameter_constraints = {
        "estimator": [Estimator(), None],
        "candidates": [InstanceOf(list), InstanceOf(tuple), None],
        "scoring": [Options(set(_SCORERS)), callable, None],
        "cv": [Interval(Integral, 2, None, closed="left"), HasMethods(["split"])],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self, estimator=None, *, candidates=None, scoring=None, cv=3, n_jobs=None, random_state=None
    ):
        self.estimator = estimator
        self.candidates = candidates
        self.scoring = scoring
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _get_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    def _task(self):
        return "classification" if is_classifier(self._get_estimator()) else "regression"

    def _get_scorer(self):
        if self.scoring is None:
            return get_transfer_scorer("iwcv")
        if isinstance(self.scoring, str):
            return get_transfer_scorer(self.scoring)
        return self.scoring

    def _get_cv(self):
        if isinstance(self.cv, Integral):
            return SourceShuffleSplit(n_splits=int(self.cv), random_state=self.random_state)
        return self.cv

    def fit(self, X, y, sample_domain=None):
        """Score every candidate configuration without target labels, keep the best or abstain.

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
            The fitted guard.
        """
        data = self._check_domains(X, y, sample_domain, reset=True)
        owner = type(self).__name__
        candidates = _candidate_list(self.candidates, owner)
        scorer = self._get_scorer()
        X, y, sd = data.X, data.y, data.sample_domain
        configs = _configurations(candidates, self._get_estimator(), X.shape[1])
        cv = self._get_cv()
        splits = list(cv.split(X, y, **_split_kwargs(cv, sd)))
        for k, (train, test) in enumerate(splits):
            if not np.any(sd[train] < 0) or not np.any(sd[test] >= 0):
                raise ValueError(
                    f"{owner}: fold {k} of cv has no target row in its training split or no "
                    "source row in its test split; use a splitter that keeps every target row "
                    "in training, such as SourceShuffleSplit."
                )
        jobs = [(i, k) for i in range(len(configs)) for k in range(len(splits))]
        out = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_score)(configs[i][2], X, y, sd, *splits[k], scorer) for i, k in jobs
        )
        scores = np.full((len(configs), len(splits)), np.nan)
        times = np.zeros_like(scores)
        errors = [""] * len(configs)
        for (i, k), (score, seconds, error) in zip(jobs, out):
            if not error and not np.isfinite(score):
                error = f"the score is {score} on fold {k}"
            scores[i, k], times[i, k] = score, seconds
            if error and not errors[i]:
                errors[i] = error
        reference = next(i for i, c in enumerate(configs) if c[0] == "SourceOnly" and not c[1])
        if np.all(np.isfinite(scores[reference])):
            self.best_index_ = _select(scores, reference)
        else:  # nothing can be compared with SourceOnly: no evidence for adapting
            warnings.warn(
                f"{owner}: SourceOnly could not be scored on every fold ({errors[reference]}); "
                "no candidate can be compared with it, so the guard keeps SourceOnly.",
                UserWarning,
                stacklevel=2,
            )
            self.best_index_ = reference
        self.cv_results_ = _results(configs, scores, times, errors, reference)
        name, params, best = configs[self.best_index_]
        self.selected_ = {"candidate": name, "params": params}
        self.abstained_ = self.best_index_ == reference
        self.scorer_ = scorer
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.best_estimator_ = clone(best).fit(X, y, sample_domain=sd)
        if self._task() == "classification":
            self.classes_ = self.best_estimator_.classes_
        self.divergences_ = _divergences(X, sd, self.random_state)
        return self

    def _predict_data(self, X, sample_domain):
        check_is_fitted(self)
        data = self._check_domains(X, None, sample_domain, reset=False)
        return data.X, data.sample_domain

    def predict(self, X, sample_domain=None):
        """Predict with the selected configuration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids; ``None`` means every row is a target row.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X, sd = self._predict_data(X, sample_domain)
        return self.best_estimator_.predict(X, sample_domain=sd)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities of the selected configuration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids; ``None`` means every row is a target row.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        X, sd = self._predict_data(X, sample_domain)
        return self.best_estimator_.predict_proba(X, sample_domain=sd)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X, sample_domain=None):
        """Decision function of the selected configuration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids; ``None`` means every row is a target row.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        X, sd = self._predict_data(X, sample_domain)
        return self.best_estimator_.decision_function(X, sample_domain=sd)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._get_estimator())
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        if tags.classifier_tags is not None:
            tags.classifier_tags.multi_label = False  # y is 1-D, unknown labels marked
        return tags


def _results(configs, scores, times, errors, reference):
    """The ``cv_results_`` table: one entry per configuration."""
    finite = np.all(np.isfinite(scores), axis=1)
    results = {"candidate": [c[0] for c in configs], "params": [c[1] for c in configs]}
    for k in range(scores.shape[1]):
        results[f"split{k}_score"] = scores[:, k].tolist()
    gain, stderr = _paired_gain(scores, reference)
    results["mean_score"] = np.where(finite, scores.mean(axis=1), np.nan).tolist()
    results["std_score"] = np.where(finite, scores.std(axis=1), np.nan).tolist()
    results["gain_score"] = np.where(finite, gain, np.nan).tolist()
    results["gain_stderr_score"] = np.where(finite, stderr, np.nan).tolist()
    means = np.where(finite, scores.mean(axis=1), -np.inf)
    rank = np.empty(len(configs), dtype=int)
    rank[np.argsort(-means, kind="stable")] = np.arange(1, len(configs) + 1)
    results["rank"] = rank.tolist()
    results["mean_fit_time"] = times.mean(axis=1).tolist()
    results["error"] = list(errors)
    return results


def _divergences(X, sample_domain, random_state):
    """The divergences of ``divergences_``: MMD^2, proxy A-distance, CORAL distance."""
    rng = np.random.RandomState(random_state if isinstance(random_state, Integral) else 0)
    rows = []
    for mask in (sample_domain >= 0, sample_domain < 0):
        idx = np.flatnonzero(mask)
        rows.append(np.sort(rng.choice(idx, 1000, replace=False)) if idx.size > 1000 else idx)
    Xs, Xt = X[rows[0]], X[rows[1]]
    if min(len(Xs), len(Xt)) < 2:  # no spread to compare in a domain of one row
        return {"mmd2": np.nan, "proxy_a_distance": np.nan, "coral_distance": np.nan}
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["mmd2"] = float(mmd2(Xs, Xt=Xt, random_state=0))
        folds = min(5, len(Xs), len(Xt))  # every fold needs rows of both domains
        out["proxy_a_distance"] = float(proxy_a_distance(Xs, Xt=Xt, cv=folds, random_state=0))
        out["coral_distance"] = float(coral_distance(Xs, Xt=Xt))
    return out
