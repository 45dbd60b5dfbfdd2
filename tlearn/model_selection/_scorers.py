r"""Label-free scorers: estimates of the target performance that read no target label.

Each scorer is an object called as ``scorer(estimator, X, y, sample_domain=None)``
on a fitted estimator and a test split that holds labelled validation source
rows and (unlabelled) target rows, as the splits of
:class:`~tlearn.model_selection.SourceShuffleSplit` and
:class:`~tlearn.model_selection.LeaveOneSourceDomainOut` do. It returns a
float, higher is better (scikit-learn's scorer convention), so it can be
given as ``scoring=`` to ``GridSearchCV`` and ``cross_validate``:

- :class:`ImportanceWeightedScorer`: importance-weighted validation (IWCV);
- :class:`DeepEmbeddedValidationScorer`: IWCV with a control variate (DEV);
- :class:`ReverseValidationScorer`: reverse (circular) validation;
- :class:`PredictionEntropyScorer`: minus the mean prediction entropy;
- :class:`SoftNeighborhoodDensityScorer`: soft neighbourhood density (SND).

:func:`importance_weighted_risk` and :func:`dev_risk` are the two risk
estimates as plain functions of the per-row losses and weights.
"""

import inspect
from numbers import Real

import numpy as np
from scipy import sparse
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.metrics import get_scorer, r2_score
from sklearn.pipeline import Pipeline
from sklearn.utils.metadata_routing import MetadataRequest

from .._domains import (
    SOURCE_ID,
    TARGET_ID,
    _as_1d_labels,
    _check_sample_domain,
    _infer_domains,
    _unknown_mask,
    infer_task,
)
from .._params import HasMethods, Interval, Options, validate_params
from ..instance import DiscriminativeRatio

__all__ = [
    "DeepEmbeddedValidationScorer",
    "ImportanceWeightedScorer",
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SoftNeighborhoodDensityScorer",
    "dev_risk",
    "get_transfer_scorer",
    "importance_weighted_risk",
]

_LOSSES = ("auto", "zero_one", "log_loss", "squared_error")


# ---------------------------------------------------------------------------------------
# the two risk estimates


def _check_losses_and_weights(loss_values, weights):
    loss = np.asarray(loss_values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if loss.ndim != 1 or loss.size == 0:
        raise ValueError(f"loss_values must be a non-empty 1-D array; got shape {loss.shape}.")
    if w.shape != loss.shape:
        raise ValueError(f"weights must have the shape of loss_values {loss.shape}; got {w.shape}.")
    if not np.all(np.isfinite(loss)):
        raise ValueError("loss_values must be finite.")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative.")
    if not w.sum() > 0:
        raise ValueError(
            "Every weight is 0: the ratio gives no weight to any validation source row, "
            "so it says nothing about the target risk (the domains may not overlap)."
        )
    return loss, w


def importance_weighted_risk(loss_values, weights):
    r"""Self-normalised importance-weighted risk :math:`\sum_i w_i l_i / \sum_i w_i`.

    With :math:`w_i = p_t(x_i) / p_s(x_i)` at source rows :math:`x_i` drawn
    from :math:`p_s`, :math:`\frac1n\sum_i w_i l_i` is an unbiased estimate of
    the target risk :math:`E_t[l]` (Sugiyama, Krauledat and Müller 2007);
    dividing by :math:`\sum_i w_i` instead of :math:`n` (self-normalisation)
    makes the estimate invariant to the scale of the weights and a weighted
    mean of the losses (so within their range), at the price of an
    :math:`O(1/n)` bias.

    Parameters
    ----------
    loss_values : array-like of shape (n_samples,)
        The loss of each validation source row, finite.
    weights : array-like of shape (n_samples,)
        The importance weight of each row: finite, non-negative, not all 0.

    Returns
    -------
    risk : float

    See Also
    --------
    dev_risk : the same estimate with a control variate.

    Examples
    --------
    >>> importance_weighted_risk([0.0, 1.0, 1.0], [2.0, 1.0, 1.0])
    0.5
    """
    loss, w = _check_losses_and_weights(loss_values, weights)
    return float(np.dot(w, loss) / w.sum())


def dev_risk(loss_values, weights):
    r"""Importance-weighted risk with the weights as control variate (DEV, You et al. 2019).

    With :math:`L_i = w_i l_i`, the sample covariance
    :math:`\operatorname{Cov}(L, w)` and variance :math:`\operatorname{Var}(w)`
    (``ddof=1``), and :math:`\eta = -\operatorname{Cov}(L, w) /
    \operatorname{Var}(w)`,

    .. math::

        \hat R_{DEV} = \bar L + \eta \bar w - \eta .

    The true ratio has source mean :math:`E_s[w] = 1`, so
    :math:`\eta(\bar w - 1)` has mean 0 and the estimate stays unbiased
    (up to the :math:`O(1/n)` of estimating :math:`\eta`) while the optimal
    :math:`\eta` removes the part of the variance of :math:`\bar L` that is
    explained by the variance of :math:`\bar w`. The weights are used **as
    they are, not normalised to mean 1**: with :math:`\bar w = 1` the
    correction term is exactly 0 and the estimate is the plain weighted mean
    (the control variate is the sample mean's deviation from 1). When the
    weights do not vary (:math:`\operatorname{Var}(w) = 0`, or a single
    row), :math:`\eta` is undefined and the risk is the self-normalised
    :func:`importance_weighted_risk`, which is the limit of
    :math:`\hat R_{DEV}` for weights that vary ever less independently of
    the losses.

    Parameters
    ----------
    loss_values : array-like of shape (n_samples,)
        The loss of each validation source row, finite.
    weights : array-like of shape (n_samples,)
        The importance weight of each row (an estimate of
        :math:`p_t / p_s`, not rescaled): finite, non-negative, not all 0.

    Returns
    -------
    risk : float

    See Also
    --------
    importance_weighted_risk : without the control variate.

    References
    ----------
    .. [1] K. You, X. Wang, M. Long and M. I. Jordan, "Towards Accurate Model
       Selection in Deep Unsupervised Domain Adaptation", ICML 2019.

    Examples
    --------
    >>> dev_risk([0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0])  # constant weights: the mean
    0.5
    >>> dev_risk([0.0, 1.0, 0.0, 1.0], [0.5, 1.5, 0.5, 1.5])  # mean weight 1: no correction
    0.75
    """
    loss, w = _check_losses_and_weights(loss_values, weights)
    if w.size < 2:
        return importance_weighted_risk(loss, w)
    weighted = w * loss
    var_w = float(np.var(w, ddof=1))
    if var_w <= (np.finfo(np.float64).eps * w.mean()) ** 2:
        return importance_weighted_risk(loss, w)
    eta = -float(np.cov(weighted, w, ddof=1)[0, 1]) / var_w
    return float(weighted.mean() + eta * w.mean() - eta)


# ---------------------------------------------------------------------------------------
# reading a test split


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _take(X, rows):
    """Rows of ``X`` (an array, a sparse matrix, a DataFrame or a list)."""
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    if sparse.issparse(X) or isinstance(X, np.ndarray):
        return X[rows]
    return np.asarray(X)[rows]


def _estimator_task(estimator):
    if is_classifier(estimator):
        return "classification"
    if is_regressor(estimator):
        return "regression"
    return None


def _split_rows(owner, estimator, X, y, sample_domain, task=None):
    """``(source, target, y_source, task)``: the rows of a test split and the source labels.

    Source rows are ``sample_domain >= 0`` (their labels must be known), target
    rows ``< 0`` (their labels are never read). Without ``sample_domain`` the
    rows with an unknown label are the target rows.
    """
    n_samples = _n_rows(X)
    y = _as_1d_labels(y, n_samples)
    if task is None:
        task = _estimator_task(estimator)
    if sample_domain is not None:
        sd = _check_sample_domain(sample_domain, n_samples)
        source, target = np.flatnonzero(sd >= 0), np.flatnonzero(sd < 0)
        y_source = y[source]
        if task is None:
            task = infer_task(y_source)
        y_source, unknown = _unknown_mask(y_source, task, unknown_is_class=True)
        if unknown.any():
            raise ValueError(
                f"{owner}: y is unknown (NaN / None) on {int(unknown.sum())} source rows of "
                "the test split; the validation source rows must be labelled."
            )
    else:
        if task is None:
            task = infer_task(y)
        y, unknown = _unknown_mask(y, task)
        sd = _infer_domains(y, unknown, task)
        source, target = np.flatnonzero(~unknown), np.flatnonzero(unknown)
        y_source = y[source]
    if target.size == 0:
        raise ValueError(
            f"{owner}: the test split has no target row (sample_domain < 0, or unknown "
            "labels -1 / NaN / None when sample_domain is None). The label-free scorers "
            "need the target rows in every test split: use "
            "cv=tlearn.model_selection.SourceShuffleSplit() or LeaveOneSourceDomainOut()."
        )
    if source.size == 0:
        raise ValueError(
            f"{owner}: the test split has no labelled source row (sample_domain >= 0, or "
            "known labels when sample_domain is None) to validate on. Use "
            "cv=tlearn.model_selection.SourceShuffleSplit() or LeaveOneSourceDomainOut()."
        )
    return source, target, y_source, task


def _loss_name(owner, loss, estimator):
    if loss != "auto":
        return loss
    task = _estimator_task(estimator)
    if task is None:
        raise TypeError(
            f"{owner}: loss='auto' needs a classifier (zero_one) or a regressor "
            f"(squared_error); {type(estimator).__name__} is neither. Pass loss= explicitly."
        )
    return "zero_one" if task == "classification" else "squared_error"


def _pointwise_loss(owner, estimator, X, y, loss):
    """The loss of each row of ``X`` under the fitted ``estimator``."""
    if loss == "log_loss":
        if not hasattr(estimator, "predict_proba"):
            raise TypeError(
                f"{owner}: loss='log_loss' needs predict_proba, which "
                f"{type(estimator).__name__} does not have."
            )
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        match = np.asarray(y)[:, None] == np.asarray(estimator.classes_)[None, :]
        p_true = np.sum(proba * match, axis=1)  # 0 for a class the model never saw
        return -np.log(np.clip(p_true, np.finfo(np.float64).eps, 1.0))
    y_pred = np.asarray(estimator.predict(X))
    if loss == "zero_one":
        return (y_pred != np.asarray(y)).astype(np.float64)
    return (y_pred.astype(np.float64) - np.asarray(y, dtype=np.float64)) ** 2


def _with_unknown_target(y_source, n_target, task):
    """Source labels followed by ``n_target`` unknown labels (NaN, or None for strings)."""
    if task == "regression" or y_source.dtype.kind in "biuf":
        return np.concatenate([y_source.astype(np.float64), np.full(n_target, np.nan)])
    return np.concatenate([y_source.astype(object), np.full(n_target, None, dtype=object)])


def _stack(A, B):
    if sparse.issparse(A) or sparse.issparse(B):
        return sparse.vstack([A, B], format="csr")
    if hasattr(A, "iloc") and hasattr(B, "iloc"):
        import pandas as pd  # only reached with DataFrames, so pandas is there

        return pd.concat([A, B], axis=0, ignore_index=True)
    return np.concatenate([np.asarray(A), np.asarray(B)])


def _fit_ratio(ratio_estimator, F_source, y_source, F_target, task):
    """The importance weights at the source rows: a ratio fitted on source vs target rows."""
    n_s, n_t = _n_rows(F_source), _n_rows(F_target)
    if ratio_estimator is None:
        # only the ratio is used: a DummyRegressor costs nothing and reads no label
        ratio = DiscriminativeRatio(DummyRegressor())
        y_fit = np.r_[np.zeros(n_s), np.full(n_t, np.nan)]
    else:
        ratio = clone(ratio_estimator, safe=False)
        y_fit = _with_unknown_target(y_source, n_t, task)
    sd = np.r_[np.full(n_s, SOURCE_ID), np.full(n_t, TARGET_ID)].astype(np.int64)
    ratio.fit(_stack(F_source, F_target), y_fit, sample_domain=sd)
    return np.asarray(ratio.density_ratio(F_source), dtype=np.float64)


def _features(owner, estimator, X):
    """The features that enter the estimator's last step (Pipeline) or its ``transform``."""
    if isinstance(estimator, Pipeline):
        return X if len(estimator.steps) == 1 else estimator[:-1].transform(X)
    if not hasattr(estimator, "transform"):
        raise TypeError(
            f"{owner}: features='transform' needs an estimator with transform (or a "
            f"Pipeline); {type(estimator).__name__} has none. Use features='input'."
        )
    return estimator.transform(X)


# ---------------------------------------------------------------------------------------
# the scorers


class _TransferScorer(BaseEstimator):
    """Base of the label-free scorers: the call, the routing of ``sample_domain``.

    ``sample_domain`` is requested for ``score`` by default, so that with
    scikit-learn's metadata routing enabled ``GridSearchCV`` and
    ``cross_validate`` pass each test split's domain ids;
    ``set_score_request(sample_domain=False)`` opts out.
    """

    def get_metadata_routing(self):
        """The metadata request: ``sample_domain`` for ``score``.

        Returns
        -------
        routing : MetadataRequest
        """
        request = MetadataRequest(owner=self)
        alias = getattr(self, "_sample_domain_request", True)
        request.score.add_request(param="sample_domain", alias=alias)
        return request

    def set_score_request(self, *, sample_domain=True):
        """Whether (and under which name) ``sample_domain`` is routed to the scorer.

        Parameters
        ----------
        sample_domain : bool, None or str, default=True
            ``True`` requests it, ``False`` does not, a string routes the
            metadata of that name.

        Returns
        -------
        self : object
        """
        self._sample_domain_request = sample_domain
        return self

    def __call__(self, estimator, X, y, sample_domain=None):
        """Score the fitted ``estimator`` on a test split; higher is better.

        Parameters
        ----------
        estimator : estimator object
            Fitted.
        X : array-like of shape (n_samples, n_features)
            The test split: validation source rows and target rows.
        y : array-like of shape (n_samples,)
            Labels of the source rows; the target labels are never read.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain ids (``>= 0`` source, ``< 0`` target); ``None`` means the
            rows with an unknown label are the target rows.

        Returns
        -------
        score : float
        """
        validate_params(self)
        return float(self._score(estimator, X, y, sample_domain))

    def _score(self, estimator, X, y, sample_domain):
        raise NotImplementedError


class ImportanceWeightedScorer(_TransferScorer):
    r"""Importance-weighted validation (IWCV): the target risk from weighted source rows.

    Under covariate shift (:math:`p(y \mid x)` shared,
    :math:`p_s(x) \ne p_t(x)`), the target risk of a predictor is a weighted
    source risk, :math:`E_t[l] = E_s[w\,l]` with
    :math:`w(x) = p_t(x) / p_s(x)`. On a test split the scorer

    1. fits a clone of ``ratio_estimator`` on the split's source rows against
       its target rows and evaluates :math:`w_i` at the validation source rows;
    2. computes the loss :math:`l_i` of each validation source row;
    3. returns the self-normalised weighted risk
       :math:`\hat R = \sum_i w_i l_i / \sum_i w_i`
       (:func:`importance_weighted_risk`) as ``-risk``, or, for
       ``loss="zero_one"``, as the estimated target **accuracy**
       :math:`1 - \hat R`, so that it reads as an accuracy. Higher is better
       in both cases.

    The rows are predicted as ``estimator.predict(X)``, with no
    ``sample_domain``: as target rows, which is how the fitted model will
    be used, so :math:`\hat R` estimates the risk of that very predictor.

    Parameters
    ----------
    ratio_estimator : object with ``fit`` and ``density_ratio``, default=None
        A tlearn density-ratio estimator (:class:`~tlearn.instance.KLIEP`,
        :class:`~tlearn.instance.ULSIF`,
        :class:`~tlearn.instance.DiscriminativeRatio`, ...), cloned and fitted
        as ``fit(X, y, sample_domain)`` on the split's source rows (their
        labels) and target rows (labels unknown), then asked
        ``density_ratio`` at the source rows. Its own ``estimator`` is fitted
        too but unused, so it must suit the labels (a ``DummyClassifier`` or
        ``DummyRegressor`` costs nothing). ``None`` means
        ``DiscriminativeRatio`` with its default logistic domain classifier
        (and a ``DummyRegressor`` fitted on no label).
    loss : {"auto", "zero_one", "log_loss", "squared_error"}, default="auto"
        The loss :math:`l_i` of each validation source row: ``"zero_one"``
        (``1[prediction != y]``), ``"log_loss"`` (:math:`-\log p(y \mid x)`
        from ``predict_proba``, clipped at the float64 epsilon, so a class the
        model never saw costs about 36) or ``"squared_error"``; ``"auto"`` is
        ``"zero_one"`` for a classifier and ``"squared_error"`` for a regressor.

    See Also
    --------
    DeepEmbeddedValidationScorer : the same with a control variate, on any features.
    importance_weighted_risk : the estimate itself.

    Notes
    -----
    **Known failure mode: high-variance weights.** Where the supports of the
    two domains barely overlap, a few source rows near the target get huge
    weights and the estimate rests on them alone (its variance grows with
    :math:`E_s[w^2]`, the chi-squared divergence plus one); where they do not
    overlap at all, no weighting can see the target's error. It also assumes
    covariate shift: under a shift of :math:`p(y \mid x)` (a conditional
    shift) the weighted source labels are the wrong labels. The weights come
    from a ratio fitted on the same validation source rows it is evaluated
    at (in-sample), which a flexible ratio model can overfit.

    **The ratio model must fit the shift.** The default logistic domain
    classifier gives a log-ratio linear in the features: exact for a mean
    shift with a shared covariance, misspecified when the spread changes. On
    source :math:`N(0, 1)`, target :math:`N(1, 0.7^2)` and labels
    :math:`1[|x| < 1]` (1,000 rows each, ``SourceOnly``, 5 folds of
    :class:`~tlearn.model_selection.SourceShuffleSplit`; three seeds) the
    target accuracy was 0.50-0.52, the source accuracy 0.68-0.70, IWCV with
    the default ratio 0.25-0.31 and with quadratic features
    (``DiscriminativeRatio(domain_classifier=make_pipeline(PolynomialFeatures(2),
    LogisticRegression()))``) 0.49-0.56.

    **Cost**: one fit of the ratio estimator on the
    :math:`n_v + n_t` rows of the split and one prediction of the validation
    rows, per call.

    References
    ----------
    .. [1] M. Sugiyama, M. Krauledat and K.-R. Müller, "Covariate Shift
       Adaptation by Importance Weighted Cross Validation", JMLR 8:985-1005,
       2007.

    Examples
    --------
    >>> from sklearn.model_selection import cross_validate
    >>> from tlearn.baselines import SourceOnly
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.model_selection import ImportanceWeightedScorer, SourceShuffleSplit
    >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
    >>> cv = SourceShuffleSplit(n_splits=3, random_state=0)
    >>> result = cross_validate(SourceOnly(), X, y, cv=cv, scoring=ImportanceWeightedScorer())
    >>> bool(all(0.0 <= s <= 1.0 for s in result["test_score"]))  # target accuracies
    True
    """

    _parameter_constraints = {
        "ratio_estimator": [HasMethods(["fit", "density_ratio"]), None],
        "loss": [Options(_LOSSES)],
    }

    def __init__(self, ratio_estimator=None, loss="auto"):
        self.ratio_estimator = ratio_estimator
        self.loss = loss

    _risk = staticmethod(importance_weighted_risk)

    def _ratio_features(self, estimator, X):
        return X

    def _score(self, estimator, X, y, sample_domain):
        owner = type(self).__name__
        loss = _loss_name(owner, self.loss, estimator)
        task = "regression" if loss == "squared_error" else "classification"
        source, target, y_source, task = _split_rows(owner, estimator, X, y, sample_domain, task)
        X_source, X_target = _take(X, source), _take(X, target)
        losses = _pointwise_loss(owner, estimator, X_source, y_source, loss)
        F_source = self._ratio_features(estimator, X_source)
        F_target = self._ratio_features(estimator, X_target)
        weights = _fit_ratio(self.ratio_estimator, F_source, y_source, F_target, task)
        risk = self._risk(losses, weights)
        return 1.0 - risk if loss == "zero_one" else -risk


class DeepEmbeddedValidationScorer(ImportanceWeightedScorer):
    r"""Deep embedded validation (DEV): IWCV with a control variate, on any features.

    As :class:`ImportanceWeightedScorer`, with two changes (You et al. 2019):

    - the density ratio is fitted on the features the estimator predicts
      from (``features="transform"``) or on the input (``"input"``): in the
      adapted feature space the domains overlap more, so the weights vary
      less;
    - the risk is :func:`dev_risk`: with :math:`L_i = w_i l_i` and
      :math:`\eta = -\operatorname{Cov}(L, w) / \operatorname{Var}(w)`,
      :math:`\hat R = \bar L + \eta \bar w - \eta`. The weights are the
      ratio's estimates **as they are, not normalised to mean 1**: the
      control variate is :math:`\bar w - 1`, whose expectation is 0 for the
      true ratio, and normalising first would make the correction exactly 0
      (the estimate would then be the self-normalised IWCV). Constant
      weights give the self-normalised IWCV.

    The score is ``1 - risk`` for ``loss="zero_one"`` (an estimated target
    accuracy) and ``-risk`` otherwise; higher is better.

    Parameters
    ----------
    ratio_estimator : object with ``fit`` and ``density_ratio``, default=None
        As in :class:`ImportanceWeightedScorer`; ``None`` means
        ``DiscriminativeRatio`` with its logistic domain classifier.
    loss : {"auto", "zero_one", "log_loss", "squared_error"}, default="auto"
        The loss of each validation source row, as in
        :class:`ImportanceWeightedScorer` (``"auto"``: ``"zero_one"`` for a
        classifier, ``"squared_error"`` for a regressor).
    features : {"input", "transform"}, default="input"
        Where the ratio is fitted: on ``X`` itself, or on
        ``estimator.transform(X)`` (for a ``Pipeline``, the features entering
        its last step, ``pipeline[:-1].transform(X)``). The transform maps
        every row as a target row (no ``sample_domain``), as at prediction
        time. An estimator without ``transform`` is a ``TypeError``.

    See Also
    --------
    ImportanceWeightedScorer : without the control variate, on the input.
    dev_risk : the estimate itself.

    Notes
    -----
    **Known failure mode**: that of IWCV, high-variance weights where the
    supports barely overlap, made smaller but not removed by the control
    variate; an estimated :math:`\eta` is itself noisy on a few rows. With
    ``features="transform"`` the estimate is only valid when the loss of a
    row depends on it through those features alone and the labels given
    the features are shared by the domains; a map that collapses the target
    onto the source makes the weights near 1 whatever its error.

    **Cost**: one ``transform`` of the split (``features="transform"``), one
    fit of the ratio estimator on its :math:`n_v + n_t` rows and one
    prediction of the validation rows, per call.

    References
    ----------
    .. [1] K. You, X. Wang, M. Long and M. I. Jordan, "Towards Accurate Model
       Selection in Deep Unsupervised Domain Adaptation", ICML 2019.
    .. [2] M. Sugiyama, M. Krauledat and K.-R. Müller, "Covariate Shift
       Adaptation by Importance Weighted Cross Validation", JMLR 8:985-1005,
       2007.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.feature import CORAL
    >>> from tlearn.model_selection import DeepEmbeddedValidationScorer, SourceShuffleSplit
    >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
    >>> search = GridSearchCV(
    ...     CORAL(), {"reg": [0.1, 1.0]}, cv=SourceShuffleSplit(n_splits=3, random_state=0),
    ...     scoring=DeepEmbeddedValidationScorer(features="transform"),
    ... ).fit(X, y)
    >>> search.best_params_["reg"] in (0.1, 1.0)
    True
    """

    _parameter_constraints = {
        **ImportanceWeightedScorer._parameter_constraints,
        "features": [Options(("input", "transform"))],
    }

    def __init__(self, ratio_estimator=None, loss="auto", features="input"):
        self.ratio_estimator = ratio_estimator
        self.loss = loss
        self.features = features

    _risk = staticmethod(dev_risk)

    def _ratio_features(self, estimator, X):
        if self.features == "input":
            return X
        return _features(type(self).__name__, estimator, X)


def _target_proba(owner, estimator, X, y, sample_domain):
    """``predict_proba`` of the fitted estimator at the target rows of the split."""
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(
            f"{owner} needs predict_proba, which {type(estimator).__name__} does not have."
        )
    _, target, _, _ = _split_rows(owner, estimator, X, y, sample_domain, "classification")
    return np.asarray(estimator.predict_proba(_take(X, target)), dtype=np.float64)


def _entropy(P):
    """Shannon entropy (nats) of each row of probabilities; ``0 log 0 = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * np.log(P), 0.0)
    return -terms.sum(axis=1)


class PredictionEntropyScorer(_TransferScorer):
    r"""Minus the mean Shannon entropy of the predictions on the target rows.

    .. math::

        \text{score} = \frac{1}{n_t}\sum_{j \in \text{target}}
        \sum_k p_{jk} \log p_{jk}

    with :math:`p_{jk}` the ``predict_proba`` of row :math:`j`, class
    :math:`k`, in nats (``0 log 0 = 0``). It is 0 for one-hot predictions and
    :math:`-\log K` for uniform ones over :math:`K` classes: higher (more
    confident on the target) is better. The source rows and every label are
    ignored, but the split must still hold a labelled source row (as for every
    scorer here).

    See Also
    --------
    SoftNeighborhoodDensityScorer : rewards clustered, not merely confident, predictions.

    Notes
    -----
    **Known failure mode: confident wrong predictions score best.** A model
    that puts every target row in one class with probability 1 (collapsed
    predictions) has entropy 0, the best score; so has one that is sure and
    wrong. Use it to compare models of one family that are equally
    calibrated, never alone to pick a regularisation strength that makes
    probabilities sharper.

    **Cost**: one ``predict_proba`` of the :math:`n_t` target rows,
    :math:`O(n_t K)`.

    References
    ----------
    .. [1] M. Long, H. Zhu, J. Wang and M. I. Jordan, "Unsupervised Domain
       Adaptation with Residual Transfer Networks", NeurIPS 2016 (the entropy
       criterion of model selection).
    .. [2] K. Saito, D. Kim, P. Teterwak, S. Sclaroff, T. Darrell and
       K. Saenko, "Tune it the Right Way: Unsupervised Validation of Domain
       Adaptation via Soft Neighborhood Density", ICCV 2021 (its failure
       mode).

    Examples
    --------
    >>> from tlearn.baselines import SourceOnly
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.model_selection import PredictionEntropyScorer
    >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
    >>> model = SourceOnly().fit(X, y, sample_domain=sample_domain)
    >>> score = PredictionEntropyScorer()(model, X, y, sample_domain=sample_domain)
    >>> bool(-0.7 < score <= 0.0)  # between -log 2 and 0
    True
    """

    _parameter_constraints = {}

    def _score(self, estimator, X, y, sample_domain):
        P = _target_proba(type(self).__name__, estimator, X, y, sample_domain)
        return -float(np.mean(_entropy(P)))


def _soft_neighborhood_density(proba, temperature=0.05):
    """SND of rows of probabilities (see :class:`SoftNeighborhoodDensityScorer`)."""
    P = np.asarray(proba, dtype=np.float64)
    norms = np.linalg.norm(P, axis=1, keepdims=True)
    P = P / np.where(norms > 0, norms, 1.0)
    S = (P @ P.T) / temperature
    np.fill_diagonal(S, -np.inf)
    log_q = S - logsumexp(S, axis=1, keepdims=True)
    return float(np.mean(_entropy(np.exp(log_q))))


class SoftNeighborhoodDensityScorer(_TransferScorer):
    r"""Soft neighbourhood density (SND, Saito et al. 2021) of the target predictions.

    With :math:`p_j` the ``predict_proba`` row of target row :math:`j`:

    1. normalise each row to unit L2 norm, :math:`f_j = p_j / \lVert p_j\rVert`;
    2. similarities :math:`s_{jk} = f_j^\top f_k`, the diagonal excluded;
    3. a soft neighbourhood of each row, the softmax
       :math:`q_{jk} = \exp(s_{jk}/\tau) / \sum_{m \ne j} \exp(s_{jm}/\tau)`
       with temperature :math:`\tau`;
    4. the score is the mean entropy :math:`\frac{1}{n_t}\sum_j
       -\sum_{k\ne j} q_{jk}\log q_{jk}` (nats).

    A high entropy means each target row has many close neighbours in the
    prediction space: the predictions form dense clusters, which Saito et al.
    found to go with a good adaptation. Higher is better.

    Parameters
    ----------
    temperature : float, default=0.05
        :math:`\tau > 0`, the paper's value by default. Smaller values make
        the neighbourhoods harder (fewer neighbours count).

    See Also
    --------
    PredictionEntropyScorer : the confidence of the predictions alone.

    Notes
    -----
    **Known failure mode: collapsed predictions score well.** When every
    target row gets the same prediction (one class for all, or the same
    uniform vector), every pair is equally similar, each neighbourhood is
    uniform and the entropy takes its largest value :math:`\log(n_t - 1)`;
    confident wrong clusters score as well as right ones. Compare the score
    only between models that do not collapse (check the predicted class
    counts).

    **Cost**: :math:`O(n_t^2 K)` time and :math:`O(n_t^2)` memory for the
    similarity matrix of the :math:`n_t` target rows of the split (about
    0.8 GB at 10,000 rows); there is no subsampling. It needs at least two
    target rows.

    References
    ----------
    .. [1] K. Saito, D. Kim, P. Teterwak, S. Sclaroff, T. Darrell and
       K. Saenko, "Tune it the Right Way: Unsupervised Validation of Domain
       Adaptation via Soft Neighborhood Density", ICCV 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.baselines import SourceOnly
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.model_selection import SoftNeighborhoodDensityScorer
    >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
    >>> model = SourceOnly().fit(X, y, sample_domain=sample_domain)
    >>> score = SoftNeighborhoodDensityScorer()(model, X, y, sample_domain=sample_domain)
    >>> bool(0.0 < score < np.log(499))
    True
    """

    _parameter_constraints = {"temperature": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, temperature=0.05):
        self.temperature = temperature

    def _score(self, estimator, X, y, sample_domain):
        owner = type(self).__name__
        P = _target_proba(owner, estimator, X, y, sample_domain)
        if P.shape[0] < 2:
            raise ValueError(f"{owner} needs at least 2 target rows; the split has 1.")
        return _soft_neighborhood_density(P, self.temperature)


def _fits_with_domains(estimator):
    try:
        return "sample_domain" in inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        return False


class ReverseValidationScorer(_TransferScorer):
    r"""Reverse (circular) validation (Zhong et al. 2010): adapt back to the source.

    On a test split with validation source rows :math:`(X_v, y_v)` and
    target rows :math:`X_t`:

    1. label the target rows with the fitted estimator,
       :math:`\hat y_t = h(X_t)`;
    2. fit a clone of the estimator (same hyper-parameters) with
       :math:`(X_t, \hat y_t)` as the labelled **source** and :math:`X_v` as
       the unlabelled **target**;
    3. score that reverse model on :math:`(X_v, y_v)` (predicted as target
       rows): accuracy for a classifier, :math:`R^2` for a regressor, or
       ``scoring``.

    A model whose target labels are right, and which the method can carry
    back across the shift, gives a reverse model that predicts the source
    labels well. Higher is better.

    Parameters
    ----------
    scoring : str, callable or None, default=None
        How the reverse model is scored on the validation source rows:
        ``None`` (accuracy, or :math:`R^2` for a regressor), the name of a
        scikit-learn scorer (``"balanced_accuracy"``, ...) or a callable
        ``scorer(estimator, X, y)``.

    See Also
    --------
    ImportanceWeightedScorer : a weighted source risk, with no extra fit.

    Notes
    -----
    The reverse fit gets its domains through ``sample_domain`` when the
    estimator's ``fit`` takes it (tlearn estimators: source id 1, target id
    -2), else through the labels alone (the validation rows' labels marked
    unknown, ``NaN`` or ``None``), which is how a Pipeline ending in a
    tlearn estimator reads them without routing. The reverse model's
    classes are those the forward model predicted on the target.

    **Known failure modes.** It costs a fit per call, and it favours methods
    that are stable under the swap of roles: a method that does the same
    thing in both directions (no adaptation at all, say) and a forward model
    whose target labels are consistent but wrong can score well, while a
    method that adapts well in one direction only scores badly. A forward
    classifier that predicts one class on the whole target leaves nothing to
    fit: the reverse model is then the constant prediction of that class, and
    the score is the share of that class among the validation rows (what any
    reverse model trained on those labels would reach).

    **Cost**: one prediction of the :math:`n_t` target rows, one fit of the
    estimator on the :math:`n_t + n_v` rows of the split and one prediction
    of the :math:`n_v` validation rows, per call.

    References
    ----------
    .. [1] E. Zhong, W. Fan, Q. Yang, O. Verscheure and J. Ren, "Cross
       Validation Framework to Choose amongst Models and Datasets for
       Transfer Learning", ECML PKDD 2010.

    Examples
    --------
    >>> from tlearn.baselines import SourceOnly
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.model_selection import ReverseValidationScorer
    >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
    >>> model = SourceOnly().fit(X, y, sample_domain=sample_domain)
    >>> score = ReverseValidationScorer()(model, X, y, sample_domain=sample_domain)
    >>> bool(0.5 < score <= 1.0)
    True
    """

    _parameter_constraints = {"scoring": [str, callable, None]}

    def __init__(self, scoring=None):
        self.scoring = scoring

    def _score(self, estimator, X, y, sample_domain):
        owner = type(self).__name__
        source, target, y_source, task = _split_rows(owner, estimator, X, y, sample_domain)
        X_val, X_target = _take(X, source), _take(X, target)
        pseudo = np.asarray(estimator.predict(X_target))
        X_rev = _stack(X_target, X_val)
        y_rev = _with_unknown_target(pseudo, len(source), task)
        reverse = clone(estimator)
        if task == "classification" and np.unique(pseudo).size == 1:
            # one class on every target row: no classifier can be fitted to it, and the
            # reverse model is the constant prediction of that class
            reverse = DummyClassifier(strategy="constant", constant=pseudo[:1])
            reverse.fit(X_val, np.full(len(source), pseudo[0], dtype=pseudo.dtype))
        elif _fits_with_domains(reverse):
            sd = np.r_[np.full(len(target), SOURCE_ID), np.full(len(source), TARGET_ID)]
            reverse.fit(X_rev, y_rev, sample_domain=sd.astype(np.int64))
        else:
            reverse.fit(X_rev, y_rev)
        if self.scoring is not None:
            scorer = get_scorer(self.scoring)
            return scorer(reverse, X_val, y_source)
        y_pred = np.asarray(reverse.predict(X_val))
        if task == "regression":
            return r2_score(np.asarray(y_source, dtype=np.float64), y_pred)
        return float(np.mean(y_pred == np.asarray(y_source)))  # accuracy, labels of any kind


_SCORERS = {
    "iwcv": ImportanceWeightedScorer,
    "dev": DeepEmbeddedValidationScorer,
    "reverse": ReverseValidationScorer,
    "entropy": PredictionEntropyScorer,
    "snd": SoftNeighborhoodDensityScorer,
}


def get_transfer_scorer(name):
    """A label-free scorer by name, with its default parameters.

    Parameters
    ----------
    name : {"iwcv", "dev", "reverse", "entropy", "snd"}
        :class:`ImportanceWeightedScorer`, :class:`DeepEmbeddedValidationScorer`,
        :class:`ReverseValidationScorer`, :class:`PredictionEntropyScorer` or
        :class:`SoftNeighborhoodDensityScorer`.

    Returns
    -------
    scorer : callable
        A new instance, callable as ``scorer(estimator, X, y, sample_domain=None)``.

    Examples
    --------
    >>> from tlearn.model_selection import get_transfer_scorer
    >>> get_transfer_scorer("dev")
    DeepEmbeddedValidationScorer()
    """
    if not isinstance(name, str) or name not in _SCORERS:
        raise ValueError(
            f"Unknown transfer scorer {name!r}; the names are {', '.join(map(repr, _SCORERS))}."
        )
    return _SCORERS[name]()
