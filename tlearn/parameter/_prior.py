"""Priors for the shared-prior models: given, or fitted on each source domain.

A prior is a linear model: coefficients, intercepts and (for classification)
classes. It is either given (a fitted linear model, a dict, or a list of
them) or fitted on the rows of each source domain. This module reads those
forms, puts every prior on the classes of the target model, mixes several
priors with the source weights, and solves the small quadratic programme on
the probability simplex that learns the source weights.
"""

from collections import namedtuple
from numbers import Real

import numpy as np
from scipy import linalg
from sklearn.base import clone, is_classifier
from sklearn.utils.validation import has_fit_parameter

from .._domains import check_sample_weight
from .._params import Estimator, Interval, Options, param_error
from ..base import BaseParameterTransfer

__all__ = ["check_prior", "express_prior", "simplex_qp"]

#: One prior: ``coef`` (n_rows, n_features), ``intercept`` (n_rows,) and
#: ``classes`` (None for regression). A binary classifier has one row, for
#: its second class, as in scikit-learn.
Prior = namedtuple("Prior", ["coef", "intercept", "classes"])

_DICT_KEYS = {
    "classification": {"coef", "intercept", "classes"},
    "regression": {"coef", "intercept"},
}
_NOT_FITTED = (
    "with no coef_ (it is not fitted, or not a linear model; note that clone(), as in "
    "GridSearchCV or cross_validate, drops the fit of an estimator passed as a parameter: "
    "wrap it in sklearn.frozen.FrozenEstimator, or pass the dict form)"
)


def _read_one(obj, name, n_features, task, owner="check_prior", param="prior"):
    """One prior as a :data:`Prior`, checked against ``n_features`` and ``task``.

    ``name`` says which prior (``"prior"``, ``"prior[1]"``, a fitted source
    model) in the error, which names ``owner`` and the parameter ``param`` in
    the one format of :func:`tlearn._params.param_error`.
    """
    classification = task == "classification"

    def fail(allowed, got, error=ValueError):
        return param_error(owner, param, allowed, got=f"{name} {got}", error=error)

    if isinstance(obj, dict):
        unknown = set(obj) - _DICT_KEYS[task]
        if unknown:
            raise fail(
                f"a dict with keys among {sorted(_DICT_KEYS[task])} (a {task} prior)",
                f"with unknown keys {sorted(unknown)}",
            )
        if "coef" not in obj:
            raise fail("a dict with a 'coef' entry", "with no 'coef' entry")
        if classification and "classes" not in obj:
            raise fail(
                "a dict with a 'classes' entry (a classification prior needs them)",
                "with no 'classes' entry",
            )
        coef, intercept, classes = obj["coef"], obj.get("intercept", 0.0), obj.get("classes")
    elif hasattr(obj, "coef_"):
        if classification and not hasattr(obj, "classes_"):
            raise fail("a fitted classifier (coef_ and classes_)", "with coef_ but no classes_")
        if not classification and (hasattr(obj, "classes_") or is_classifier(obj)):
            raise fail("a linear regressor (a regression prior)", "is a classifier")
        coef, intercept = obj.coef_, getattr(obj, "intercept_", 0.0)
        classes = obj.classes_ if classification else None
    elif hasattr(obj, "fit"):
        raise fail(
            f"a fitted linear model (coef_, intercept_{', classes_' if classification else ''})"
            " or a dict",
            _NOT_FITTED,
        )
    else:
        raise fail(
            f"a fitted linear model or a dict with keys {sorted(_DICT_KEYS[task])}",
            f"of type {type(obj).__name__}",
            error=TypeError,
        )

    if hasattr(coef, "toarray"):  # a sparsified coef_
        coef = coef.toarray()
    coef = np.array(coef, dtype=np.float64)  # a copy: never a view of the user's array
    if coef.ndim == 1:
        coef = coef[None, :]
    if coef.ndim != 2:
        raise fail("a model whose coef is 1-D or 2-D", f"with coef of shape {coef.shape}")
    if coef.shape[1] != n_features:
        raise fail(
            f"a model of {n_features} features, as X", f"with coef of {coef.shape[1]} features"
        )
    intercept = np.array(intercept, dtype=np.float64).ravel()
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise fail(
            "a model with finite coefficients and intercepts",
            "with NaN or infinite coefficients or intercepts",
        )

    if not classification:
        if coef.shape[0] != 1:
            raise fail("a regression model with one coef row", f"with {coef.shape[0]} rows")
        if intercept.size not in (1,):
            raise fail(
                "a regression model with a scalar intercept", f"with {intercept.size} intercepts"
            )
        return Prior(coef, intercept, None)

    classes = np.asarray(classes)
    if classes.ndim != 1 or classes.size < 2 or np.unique(classes).size != classes.size:
        raise fail(
            "a classifier whose classes are 1-D with at least 2 distinct labels",
            f"with classes {classes!r}",
        )
    n_rows = 1 if classes.size == 2 else classes.size
    if coef.shape[0] not in (n_rows, classes.size):
        raise fail(
            f"a model with {n_rows}{' or 2' if classes.size == 2 else ''} coef rows for its "
            f"{classes.size} classes",
            f"with {coef.shape[0]} coef rows",
        )
    if intercept.size == 1:
        intercept = np.repeat(intercept, coef.shape[0])
    if intercept.size != coef.shape[0]:
        raise fail(
            f"a model with one intercept per coef row ({coef.shape[0]})",
            f"with {intercept.size} intercepts",
        )
    return Prior(coef, intercept, classes)


def check_prior(prior, n_features, task="classification", owner="check_prior"):
    """Read a given prior: a fitted linear model, a dict, or a list of either.

    Parameters
    ----------
    prior : estimator, dict, or list of them
        A fitted linear model (``coef_``, ``intercept_`` and, for
        classification, ``classes_``), or a dict with keys ``"coef"``,
        ``"intercept"`` (default 0) and ``"classes"`` (classification).
    n_features : int
        Number of features the prior must have.
    task : {"classification", "regression"}, default="classification"
    owner : estimator or str, default="check_prior"
        Names the errors (:func:`tlearn._params.param_error`).

    Returns
    -------
    priors : list of Prior
    """
    items = list(prior) if isinstance(prior, (list, tuple)) else [prior]
    if not items:
        raise param_error(owner, "prior", "a non-empty list (at least one prior)", prior)
    several = isinstance(prior, (list, tuple))
    return [
        _read_one(p, f"prior[{i}]" if several else "prior", n_features, task, owner)
        for i, p in enumerate(items)
    ]


def _multinomial_rows(prior):
    """The prior with one row per class of its own (a binary ``w`` becomes ``[-w/2, w/2]``)."""
    if prior.coef.shape[0] == 1 and prior.classes.size == 2:
        half_w, half_b = prior.coef[0] / 2, prior.intercept[0] / 2
        return np.stack([-half_w, half_w]), np.array([-half_b, half_b])
    return prior.coef, prior.intercept


def express_prior(prior, classes):
    """Put a classification prior on the target model's ``classes``.

    Parameters
    ----------
    prior : Prior
        Its classes must be a subset of ``classes``.
    classes : ndarray of shape (n_classes,)
        Sorted classes of the target model.

    Returns
    -------
    coef : ndarray of shape (n_rows, n_features)
        One row (binary: the second class against the first, as in
        scikit-learn) when there are two classes, else one row per class:
        a class the prior does not know gets a zero row, and a binary prior
        ``w`` gives its two classes ``-w/2`` and ``w/2`` (the same
        probabilities).
    intercept : ndarray of shape (n_rows,)
    """
    coef, intercept = _multinomial_rows(prior)
    rows = np.searchsorted(classes, prior.classes)
    W = np.zeros((classes.size, coef.shape[1]))
    b = np.zeros(classes.size)
    W[rows], b[rows] = coef, intercept
    if classes.size == 2:
        return W[1:] - W[:1], b[1:] - b[:1]
    return W, b


def union_classes(priors, y_target):
    """Sorted union of the priors' classes and the labelled target classes."""
    parts = [p.classes for p in priors] + [np.asarray(y_target)]
    kinds = {"str" if p.dtype.kind in "USO" else "num" for p in parts if p.size}
    if len(kinds) > 1:
        raise ValueError(
            "The prior's classes and the target labels are of different types (strings "
            "and numbers); encode them the same way."
        )
    return np.unique(np.concatenate(parts))


def check_source_weights(source_weights, n_sources, owner="check_source_weights"):
    """``None`` -> uniform, ``"learn"`` -> ``"learn"``, an array -> normalised to sum 1.

    The checks against the number of sources (and of the entries) run here,
    in fit; errors name ``owner`` in the one format of
    :func:`tlearn._params.param_error`.
    """
    if source_weights is None:
        return np.full(n_sources, 1.0 / n_sources)
    if isinstance(source_weights, str):
        if source_weights != "learn":
            raise param_error(
                owner, "source_weights", "None, 'learn' or an array-like", source_weights
            )
        return "learn"
    a = np.asarray(source_weights)
    if a.dtype.kind not in "biuf":
        raise param_error(
            owner, "source_weights", "an array-like of numbers", source_weights, error=TypeError
        )
    a = a.astype(np.float64).ravel() if a.ndim == 0 else a.astype(np.float64)
    if a.ndim != 1 or a.shape[0] != n_sources:
        raise param_error(
            owner,
            "source_weights",
            f"one weight per source model ({n_sources})",
            got=f"{a.size} entries",
        )
    if not np.all(np.isfinite(a)) or np.any(a < 0) or a.sum() <= 0:
        raise param_error(
            owner, "source_weights", "finite, non-negative and not all zero", a.tolist()
        )
    return a / a.sum()


def simplex_qp(G, c, max_iter=None):
    """Minimise ``1/2 a'Ga - c'a`` over the probability simplex (``a >= 0``, ``sum(a) = 1``).

    A primal active-set method for a convex (positive semi-definite ``G``)
    problem on a few variables: from the uniform point, each step solves the
    problem with the active bounds held at zero, in the null space of the
    sum constraint (the part of that space where ``G`` has no curvature is
    followed to the next bound, where the problem is linear); bounds are
    added when a step reaches them and dropped when their multiplier is
    negative. The answer is exact up to rounding.

    Parameters
    ----------
    G : ndarray of shape (K, K)
        Symmetric positive semi-definite.
    c : ndarray of shape (K,)
    max_iter : int, default=None
        Cap on the steps; ``None`` means ``20 * K + 20``.

    Returns
    -------
    a : ndarray of shape (K,)
        The minimiser (one of them when it is not unique), in the simplex.
    """
    G = np.asarray(G, dtype=np.float64)
    G = (G + G.T) / 2
    c = np.asarray(c, dtype=np.float64)
    K = c.shape[0]
    a = np.full(K, 1.0 / K)
    if K == 1:
        return a
    eps = 1e-11 * max(1.0, float(np.abs(G).max()), float(np.abs(c).max()))
    flat_tol = 1e-10 * max(float(np.abs(G).max()), np.finfo(np.float64).tiny)
    active = np.zeros(K, dtype=bool)
    for _ in range(max_iter or 20 * K + 20):
        g = G @ a - c
        free = np.flatnonzero(~active)
        p, to_bound = np.zeros(K), False
        if free.size > 1:
            # orthonormal basis Z of {p_free : sum(p_free) = 0}
            Z = linalg.qr(np.ones((free.size, 1)), mode="full")[0][:, 1:]
            lam, V = linalg.eigh(Z.T @ G[np.ix_(free, free)] @ Z)
            r = V.T @ (Z.T @ g[free])  # reduced gradient in the eigenbasis
            flat = lam <= flat_tol
            to_bound = np.linalg.norm(r[flat]) > eps
            if to_bound:  # no curvature but a descent: the problem is linear there
                p[free] = -Z @ (V[:, flat] @ r[flat])
            else:  # the Newton step on the curved part
                p[free] = -Z @ (V[:, ~flat] @ (r[~flat] / lam[~flat]))
        if not to_bound and np.abs(p).max() <= 1e-15:
            # stationary on the free set: check the multipliers of the active bounds
            mu = g - g[free].mean()
            if not active.any() or mu[active].min() >= -eps:
                break
            active[np.flatnonzero(active)[np.argmin(mu[active])]] = False
            continue
        steps = np.full(K, np.inf)
        shrinking = p < 0
        steps[shrinking] = -a[shrinking] / p[shrinking]
        j = int(np.argmin(steps))
        t = steps[j] if to_bound else min(1.0, steps[j])
        a = np.maximum(a + t * p, 0.0)
        if t == steps[j]:  # a bound was reached: hold it
            a[j] = 0.0
            active[j] = True
    return a / a.sum()


def mix(a, coefs, intercepts):
    """``sum_k a_k W_k`` and ``sum_k a_k b_k``."""
    return np.tensordot(a, coefs, axes=1), np.tensordot(a, intercepts, axes=1)


class _BaseSharedPrior(BaseParameterTransfer):
    """What the shared-prior models share: reading the data and building the prior.

    Subclasses set ``_estimator_type_tag`` and ``_default_source_estimator``
    and implement ``fit`` with :meth:`_prepare`.
    """

    _requires_target = True
    #: The table of the parameters that both models have (their own add to it).
    _parameter_constraints = {
        "reg": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "prior": [dict, list, tuple, Estimator(), None],
        "source_estimator": [Estimator(), None],
        "source_weights": [Options(("learn",)), "array-like", None],
        "fit_intercept": ["boolean"],
    }

    def _default_source_estimator(self):
        raise NotImplementedError

    def _prepare(self, X, y, sample_domain, sample_weight):
        """Validate, and build the priors.

        Returns ``(X_t, y_t, sw_t, priors)``: the labelled target rows, their
        labels and weights, and the list of :data:`Prior`. Sets
        ``source_estimators_`` and ``source_domains_`` when the priors are
        fitted on the source rows (and deletes stale ones otherwise).
        """
        task = self._task()
        given = self.prior is not None
        kwargs = {}
        if given:  # the source is the prior: source rows are not needed
            kwargs = dict(
                require_source=False,
                require_target=False,
                require_labeled_target=sample_domain is not None,
                min_classes=1,
            )
        data = self._check_domains(X, y, sample_domain, reset=True, **kwargs)
        n_rows, n_features = data.X.shape
        sw = None if sample_weight is None else check_sample_weight(sample_weight, n_rows)
        for name in ("source_estimators_", "source_domains_"):
            if hasattr(self, name):
                delattr(self, name)
        if given:
            # sample_domain=None: every labelled row is a labelled target row
            rows = data.labeled if sample_domain is None else data.labeled_target
            priors = check_prior(self.prior, n_features, task, owner=self)
        else:
            rows = data.labeled_target
            template = self.source_estimator
            if template is None:
                template = self._default_source_estimator()
            domains, models = _fit_source_models(template, data, sw, task)
            if not hasattr(models[0], "coef_"):
                raise param_error(
                    self,
                    "source_estimator",
                    "a linear model (coef_, intercept_"
                    f"{', classes_' if task == 'classification' else ''} after fit)",
                    template,
                    got=f"{type(template).__name__}, which has no coef_ after fit",
                )
            priors = [
                _read_one(
                    m,
                    f"the model fitted on source domain {d}",
                    n_features,
                    task,
                    self,
                    "source_estimator",
                )
                for d, m in zip(domains, models)
            ]
            self.source_estimators_ = models
            self.source_domains_ = domains
        X_t = np.asarray(data.X[rows], dtype=np.float64)
        sw_t = np.ones(X_t.shape[0]) if sw is None else sw[rows]
        return X_t, data.y[rows], sw_t, priors


def _fit_source_models(template, data, sample_weight, task):
    """Clone ``template`` and fit it on the rows of each source domain."""
    if sample_weight is not None and not has_fit_parameter(template, "sample_weight"):
        raise TypeError(
            f"{type(template).__name__}.fit does not accept sample_weight, which was "
            "given for the source rows. Use a source_estimator whose fit takes "
            "sample_weight, or pass no sample_weight."
        )
    domains = np.unique(data.sample_domain[data.source])
    models = []
    for domain in domains:
        rows = data.sample_domain == domain
        y_rows = data.y[rows]
        if task == "classification" and np.unique(y_rows).size < 2:
            raise ValueError(
                f"Source domain {domain} has labelled rows of one class only "
                f"({y_rows[0]}); a source model needs at least 2 classes."
            )
        model = clone(template)
        if sample_weight is None:
            model.fit(data.X[rows], y_rows)
        else:
            model.fit(data.X[rows], y_rows, sample_weight=sample_weight[rows])
        models.append(model)
    return domains, models
