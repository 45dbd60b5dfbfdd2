"""Reference estimators that do no adaptation: source-only and pooled training.

They are the baselines every transfer method must beat (a method that does
worse than :class:`SourceOnly` shows negative transfer), and the smallest
estimators on tlearn's fit signature.
"""

from ._params import Estimator
from .base import BaseTransferMetaEstimator

__all__ = ["Pooled", "SourceOnly"]


class SourceOnly(BaseTransferMetaEstimator):
    r"""Fit the estimator on the source rows only, and predict target rows with it.

    The no-adaptation baseline: whatever a transfer method gains or loses is
    measured against it. Its objective is the estimator's own, on the
    labelled source rows :math:`S` only:

    .. math::

        \hat f = \arg\min_f \sum_{i \in S} \ell(f(x_i), y_i) + \Omega(f),

    with :math:`\ell` and :math:`\Omega` the loss and penalty of ``estimator``
    (for ``LogisticRegression()``, the log loss and an :math:`\ell_2`
    penalty). Target rows, labelled or not, take no part.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier or regressor; ``None`` means
        ``LogisticRegression()``. Whether ``SourceOnly`` is a classifier or a
        regressor follows it.

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the source rows.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    Pooled : fit on every labelled row, source and target.

    Notes
    -----
    A transfer method that does worse than ``SourceOnly`` on the target,
    with the same ``estimator``, shows negative transfer [1]_ [2]_.

    Cost: that of fitting ``estimator`` on the source rows.

    References
    ----------
    .. [1] M. T. Rosenstein, Z. Marx, L. P. Kaelbling and T. G. Dietterich,
       "To transfer or not to transfer", NIPS 2005 Workshop on Inductive
       Transfer.
    .. [2] Z. Wang, Z. Dai, B. Póczos and J. Carbonell, "Characterizing and
       avoiding negative transfer", CVPR 2019.

    Examples
    --------
    >>> from tlearn.baselines import SourceOnly
    >>> from tlearn.datasets import make_domain_shift
    >>> X, y, sample_domain = make_domain_shift("covariate", random_state=0)
    >>> model = SourceOnly().fit(X, y, sample_domain=sample_domain)
    >>> model.predict(X[sample_domain < 0]).shape
    (500,)
    """

    _parameter_constraints = {"estimator": [Estimator(), None]}

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _fit_adaptation(self, data):
        rows = data.source
        return data.X[rows], data.y[rows], None


class Pooled(BaseTransferMetaEstimator):
    r"""Fit the estimator on every labelled row, source and target alike.

    The naive use of a few target labels: pool them with the source rows, with
    no reweighting or mapping. Without labelled target rows it equals
    :class:`SourceOnly`. Its objective is the estimator's own, on every
    labelled row :math:`L`, source and target, each counted once:

    .. math::

        \hat f = \arg\min_f \sum_{i \in L} \ell(f(x_i), y_i) + \Omega(f).

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier or regressor; ``None`` means
        ``LogisticRegression()``.

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the labelled rows.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    SourceOnly : fit on the source rows only.

    Notes
    -----
    With a few target labels among many source rows, the source dominates
    the sum; instance weighting (TrAdaBoost) and a shared prior are two ways
    of letting the target labels count for more. Daumé III [1]_ compares it
    with other simple uses of target labels.

    Cost: that of fitting ``estimator`` on the labelled rows.

    References
    ----------
    .. [1] H. Daumé III, "Frustratingly Easy Domain Adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.baselines import Pooled
    >>> from tlearn.datasets import make_domain_shift
    >>> X, y_true, sample_domain = make_domain_shift(
    ...     "covariate", mask_target_labels=False, random_state=0)
    >>> target = np.flatnonzero(sample_domain < 0)
    >>> y = y_true.copy()
    >>> y[target[10:]] = -1  # keep ten target labels
    >>> model = Pooled().fit(X, y, sample_domain=sample_domain)
    >>> model.classes_
    array([0, 1])
    """

    _parameter_constraints = {"estimator": [Estimator(), None]}

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _fit_adaptation(self, data):
        rows = data.labeled
        return data.X[rows], data.y[rows], None
