"""Logistic regression with a prior shared from the source (Chelba and Acero, 2006)."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import log_expit, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from .._params import Interval
from ._logistic import fit_shared_prior_logistic, intercept_penalty_basis, learn_source_weights
from ._prior import (
    _BaseSharedPrior,
    check_source_weights,
    express_prior,
    mix,
    union_classes,
)

__all__ = ["SharedPriorLogisticRegression"]


class SharedPriorLogisticRegression(_BaseSharedPrior):
    """Logistic regression on the target labels, pulled towards a source model.

    The source model's coefficients :math:`W_0` serve as the mean of a
    Gaussian prior on the target model's coefficients (Chelba and Acero,
    2006), which is also the regularised multi-task objective of Evgeniou
    and Pontil (2004) with the source task fixed. Over the labelled target
    rows :math:`i` with sample weights :math:`s_i`:

    .. math::

        \\min_{W, b} \\; \\sum_i s_i \\, \\ell(y_i, x_i W^\\top + b)
        + \\frac{\\lambda}{2} \\|W - W_0\\|_F^2
        + \\frac{\\alpha}{2} \\|W\\|_F^2
        \\; \\left[ + \\frac{\\lambda}{2} \\|b - b_0\\|^2
        \\text{ if penalize\\_intercept} \\right]

    with :math:`\\ell` the logistic loss: binary (one coefficient vector, as
    scikit-learn's ``LogisticRegression``) for two classes, multinomial
    (softmax, one row per class) for more. ``reg`` is :math:`\\lambda`:
    ``reg -> inf`` gives the source coefficients back, ``reg = 0`` (with
    ``alpha = 0``) the unpenalised target-only model.

    Parameters
    ----------
    reg : float, default=1.0
        :math:`\\lambda \\ge 0`, the pull towards the prior (``lambda`` is a
        Python keyword; the name follows ``CORAL``'s ``reg``). The loss is a
        sum over the target rows, not a mean, so the pull of the prior is
        relative to the number of target labels: the more labels, the less
        the prior matters.
    alpha : float, default=0.0
        :math:`\\alpha \\ge 0`, an ordinary L2 penalty towards zero (the
        ``1 / C`` of scikit-learn's ``LogisticRegression``).
    prior : estimator, dict or list of them, default=None
        The prior, given instead of fitted: a fitted linear classifier
        (``coef_``, ``intercept_``, ``classes_``), a dict ``{"coef": ...,
        "intercept": ..., "classes": ...}`` (``intercept`` defaults to 0), or
        a list of these (several sources). When given, **the source rows are
        not used**, and with ``sample_domain=None`` every labelled row passed
        to ``fit`` is read as a labelled target row. A fitted estimator loses
        its fit when this model is cloned (``GridSearchCV``,
        ``cross_validate``): wrap it in ``sklearn.frozen.FrozenEstimator``, or
        pass the dict form.
    source_estimator : estimator, default=None
        Unfitted classifier with ``coef_``, ``intercept_`` and ``classes_``
        after ``fit``, cloned and fitted on the rows of each source domain
        (``None``: ``LogisticRegression()``). Used when ``prior`` is None.
    source_weights : None, array-like of shape (n_sources,) or "learn", default=None
        How several priors are mixed, :math:`W_0 = \\sum_k a_k W_k`:
        ``None`` uniform, an array (normalised to sum 1), or ``"learn"``: the
        same objective minimised jointly over :math:`W`, :math:`b` and
        :math:`a` in the probability simplex (see Notes).
    fit_intercept : bool, default=True
        Fit an intercept; when False there is none (and the prior's is unused).
    penalize_intercept : bool, default=False
        Pull every intercept towards the prior's too. When False, the
        intercepts are free, except where the target labels miss a class
        (see Notes).
    tol : float, default=1e-6
        L-BFGS-B's ``gtol``: the largest gradient entry allowed at the end,
        in variables rescaled by a bound on the curvature (see
        :func:`fit_shared_prior_logistic`).
    max_iter : int, default=1000
        Most L-BFGS-B iterations; reaching it gives a ``ConvergenceWarning``.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Zeros when ``fit_intercept`` is False.
    classes_ : ndarray of shape (n_classes,)
        The union of the prior's classes and the labelled target classes.
    prior_coef_ : ndarray of the shape of ``coef_``
        :math:`W_0`, the mixed prior on ``classes_``.
    prior_intercept_ : ndarray of the shape of ``intercept_``
    source_coefs_ : ndarray of shape (n_sources, n_rows, n_features)
        Each source prior put on ``classes_`` (``n_rows`` as ``coef_``).
    source_intercepts_ : ndarray of shape (n_sources, n_rows)
    source_weights_ : ndarray of shape (n_sources,)
        The weights :math:`a` of the mixture.
    source_estimators_ : list of estimators
        The fitted source models (only when ``prior`` is None).
    source_domains_ : ndarray of shape (n_sources,)
        Their source domain ids (only when ``prior`` is None).
    n_iter_ : int
        L-BFGS-B iterations (in total, with ``"learn"``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` has string column names.

    See Also
    --------
    SharedPriorRidge : the same prior for least squares.
    tlearn.baselines.SourceOnly, tlearn.baselines.Pooled : no-adaptation baselines.

    Notes
    -----
    The loss is a **sum**, not a mean, over the labelled target rows: the
    penalty is the negative log of a Gaussian prior and the loss the
    negative log-likelihood, as in Chelba and Acero (2006). Hence ``reg``
    is measured against the number of target labels (and their weights);
    ``reg = 0, alpha = 1/C`` is scikit-learn's ``LogisticRegression(C=C)``.

    Classes. ``classes_`` is the union of the prior's classes and the target
    labels, so the target labels may cover only some classes: the others
    keep their prior rows through the penalty. Free intercepts cannot be
    kept there: the target labels say that a missing class never occurs,
    and its probability would run to 0 through the intercepts. So, even with
    ``penalize_intercept=False``, the prior pulls (with ``reg``) the
    intercept of each missing class and the mean intercept of the present
    classes; the differences between present classes stay free
    (:func:`intercept_penalty_basis`). A class seen in the target but in no
    source model gets a zero prior row. With more than two classes,
    a binary source model :math:`w` is put in multinomial form as the rows
    :math:`-w/2` and :math:`w/2` of its two classes (the same
    probabilities); a multiclass prior with a binary target stays
    multinomial over the union.

    Several sources (source domain ids, or a list of priors):
    :math:`W_0 = \\sum_k a_k W_k`, :math:`b_0 = \\sum_k a_k b_k`. With
    ``"learn"``, :math:`a` is in the simplex and the objective above is
    minimised over :math:`(W, b, a)`; it is jointly convex (the penalty is a
    squared norm of an affine function of :math:`(W, a)`). It is solved by
    one L-BFGS-B run over :math:`U = W - \\sum_k a_k W_k`, :math:`b` and
    :math:`a = z / \\sum_k z_k` with bounds :math:`z \\ge 0`: alternating
    exact steps in :math:`(W, b)` and in :math:`a` stalls when ``reg`` is
    large (``docs/design.md``). With ``reg = 0`` the weights have no effect
    and stay uniform.

    Prediction uses the target model for every row; ``sample_domain`` is
    accepted (and checked) for tlearn's common signature.

    Choosing ``reg`` by cross-validation on the labelled target rows needs
    two labels per class or more. With one, every fold lacks the class of
    the row it holds out, so the score favours a large ``reg`` whatever the
    data (see the user guide's parameter-based section).

    Cost: one evaluation of the objective and gradient is
    :math:`O(n_t d C)` for :math:`n_t` labelled target rows, :math:`d`
    features and :math:`C` classes (``"learn"`` with :math:`K` sources adds
    :math:`O(K d C)`); L-BFGS-B adds :math:`O(m d C)` per iteration (memory
    :math:`m = 10`), and memory is :math:`O(n_t C + K d C)`. The source
    models cost what their estimator costs.

    References
    ----------
    .. [1] C. Chelba and A. Acero. "Adaptation of maximum entropy capitalizer:
       Little data can help a lot". Computer Speech and Language 20(4),
       382-399, 2006.
    .. [2] T. Evgeniou and M. Pontil. "Regularized multi-task learning".
       KDD 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.parameter import SharedPriorLogisticRegression
    >>> X, y_true, sample_domain = make_domain_shift(
    ...     "conditional", mask_target_labels=False, random_state=0)
    >>> target = np.flatnonzero(sample_domain < 0)
    >>> y = y_true.copy()
    >>> y[target[20:]] = -1  # twenty target labels
    >>> model = SharedPriorLogisticRegression(reg=10.0).fit(X, y, sample_domain=sample_domain)
    >>> model.coef_.shape, model.source_weights_
    ((1, 2), array([1.]))
    >>> model.predict(X[target]).shape
    (500,)
    """

    _estimator_type_tag = "classifier"
    _parameter_constraints = {
        **_BaseSharedPrior._parameter_constraints,
        "penalize_intercept": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        reg=1.0,
        *,
        alpha=0.0,
        prior=None,
        source_estimator=None,
        source_weights=None,
        fit_intercept=True,
        penalize_intercept=False,
        tol=1e-6,
        max_iter=1000,
    ):
        self.reg = reg
        self.alpha = alpha
        self.prior = prior
        self.source_estimator = source_estimator
        self.source_weights = source_weights
        self.fit_intercept = fit_intercept
        self.penalize_intercept = penalize_intercept
        self.tol = tol
        self.max_iter = max_iter

    def _default_source_estimator(self):
        return LogisticRegression()

    def fit(self, X, y, sample_domain=None, sample_weight=None):
        """Fit the prior (unless given), then the target model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of every domain, stacked.
        y : array-like of shape (n_samples,)
            Labels; ``-1`` (or ``NaN``) marks an unknown label.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain id per row: ``>= 0`` source, ``< 0`` target. ``None``:
            rows with an unknown label are target rows and the others source
            rows, which leaves no labelled target row unless ``prior`` is
            given (then every labelled row is a target row).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows: of the target rows' losses, and passed to
            the source models for the source rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X_t, y_t, sw_t, priors = self._prepare(X, y, sample_domain, sample_weight)
        classes = union_classes(priors, y_t)
        expressed = [express_prior(p, classes) for p in priors]
        coefs = np.stack([c for c, _ in expressed])
        intercepts = np.stack([b for _, b in expressed])
        weights = check_source_weights(self.source_weights, len(priors), owner=self)
        y_index = np.searchsorted(classes, y_t)
        options = dict(
            fit_intercept=bool(self.fit_intercept),
            penalize_intercept=intercept_penalty_basis(
                np.isin(classes, y_t[sw_t > 0]), bool(self.penalize_intercept)
            ),
            tol=self.tol,
            max_iter=self.max_iter,
        )
        reg, alpha = float(self.reg), float(self.alpha)
        if isinstance(weights, str) and (len(priors) == 1 or reg == 0):
            weights = np.full(len(priors), 1.0 / len(priors))  # nothing to learn
        if isinstance(weights, str):  # "learn"
            coef, intercept, weights, n_iter, converged = learn_source_weights(
                X_t, y_index, sw_t, coefs, intercepts, reg=reg, alpha=alpha, **options
            )
        else:
            W0, b0 = mix(weights, coefs, intercepts)
            coef, intercept, n_iter, converged = fit_shared_prior_logistic(
                X_t, y_index, sw_t, W0, b0, reg=reg, alpha=alpha, **options
            )
        if not converged:
            warnings.warn(
                f"{type(self).__name__} did not converge in max_iter={self.max_iter} "
                "L-BFGS-B iterations; increase max_iter, or reg / alpha (the "
                "unpenalised model has no minimum on separable data).",
                ConvergenceWarning,
                stacklevel=2,
            )
        W0, b0 = mix(weights, coefs, intercepts)
        self.classes_ = classes
        self.coef_ = coef
        self.intercept_ = intercept if intercept is not None else np.zeros(coef.shape[0])
        self.prior_coef_ = W0
        self.prior_intercept_ = b0 if self.fit_intercept else np.zeros(coef.shape[0])
        self.source_coefs_ = coefs
        self.source_intercepts_ = intercepts
        self.source_weights_ = weights
        self.n_iter_ = n_iter
        return self

    def decision_function(self, X, sample_domain=None):
        """Scores of the target model: ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_domain : array-like of int of shape (n_samples,), default=None
            Checked only: every row is predicted by the target model.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: the score of ``classes_[1]``.
        """
        check_is_fitted(self)
        data = self._check_domains(X, None, sample_domain, reset=False)
        scores = np.asarray(data.X, dtype=np.float64) @ self.coef_.T + self.intercept_
        return scores[:, 0] if self.coef_.shape[0] == 1 else scores

    def predict_log_proba(self, X, sample_domain=None):
        """Log class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_domain : array-like of int of shape (n_samples,), default=None
            Checked only.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X, sample_domain)
        if scores.ndim == 1:
            return np.column_stack([log_expit(-scores), log_expit(scores)])
        return scores - logsumexp(scores, axis=1, keepdims=True)

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_domain : array-like of int of shape (n_samples,), default=None
            Checked only.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return np.exp(self.predict_log_proba(X, sample_domain))

    def predict(self, X, sample_domain=None):
        """The most probable class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_domain : array-like of int of shape (n_samples,), default=None
            Checked only.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X, sample_domain)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]
