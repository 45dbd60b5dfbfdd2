"""Ridge regression with a prior shared from the source, in closed form."""

import numpy as np
from scipy import linalg
from sklearn.linear_model import Ridge
from sklearn.utils.validation import check_is_fitted

from ._prior import _BaseSharedPrior, check_source_weights, simplex_qp

__all__ = ["SharedPriorRidge", "fit_shared_prior_ridge", "shared_prior_ridge_objective"]


def shared_prior_ridge_objective(coef, intercept, X, y, sample_weight, prior_coef, reg, alpha=0.0):
    """``1/2 sum_i s_i (y_i - x_i w - b)^2 + reg/2 ||w - w0||^2 + alpha/2 ||w||^2``."""
    residual = y - X @ coef - intercept
    return float(
        sample_weight @ residual**2 / 2
        + reg / 2 * np.sum((coef - prior_coef) ** 2)
        + alpha / 2 * np.sum(coef**2)
    )


def _regularised_solver(A, lam):
    """A function ``V -> (A'A + lam I)^{-1} V``, through the smaller of the two systems.

    ``n >= d``: Cholesky of the ``d x d`` matrix ``A'A + lam I``. ``n < d``:
    the Woodbury identity ``(A'A + lam I)^{-1} = (I - A'(AA' + lam I)^{-1} A) / lam``
    with the ``n x n`` matrix. ``lam`` must be positive.
    """
    n, d = A.shape
    if n >= d:
        factor = linalg.cho_factor(A.T @ A + lam * np.eye(d))
        return lambda V: linalg.cho_solve(factor, V)
    factor = linalg.cho_factor(A @ A.T + lam * np.eye(n))
    return lambda V: (V - A.T @ linalg.cho_solve(factor, A @ V)) / lam


def fit_shared_prior_ridge(
    X, y, sample_weight, prior_coefs, source_weights, *, reg, alpha=0.0, fit_intercept=True
):
    """Minimise :func:`shared_prior_ridge_objective` exactly.

    With an unpenalised intercept, ``X`` and ``y`` are centred by their
    ``sample_weight``-weighted means first. Then, with ``A = S^{1/2} X_c``,
    ``w = (A'A + (reg + alpha) I)^{-1} (A' S^{1/2} y_c + reg w0)`` and
    ``b = ybar - xbar w``. With ``reg = alpha = 0``, the minimum-norm least
    squares solution (``scipy.linalg.lstsq``).

    ``source_weights="learn"``: ``w`` is eliminated in closed form, which
    leaves a convex quadratic in the source weights ``a``,
    ``1/2 a'Ga - c'a`` with ``G = reg M M' - reg^2 M P^{-1} M'`` and
    ``c = reg M P^{-1} A' r`` (``M`` the source coefficients, one per row,
    ``P = A'A + (reg + alpha) I``), minimised exactly over the simplex.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,)
    prior_coefs : ndarray of shape (n_sources, n_features)
    source_weights : ndarray of shape (n_sources,) or "learn"
    reg, alpha : float
    fit_intercept : bool, default=True

    Returns
    -------
    coef : ndarray of shape (n_features,)
    intercept : float
    source_weights : ndarray of shape (n_sources,)
    """
    n_sources = prior_coefs.shape[0]
    x_mean, y_mean = np.zeros(X.shape[1]), 0.0
    if fit_intercept:
        total = sample_weight.sum()
        if total <= 0:
            raise ValueError(
                "The sample weights of the labelled target rows sum to 0: the intercept "
                "is not determined."
            )
        x_mean, y_mean = sample_weight @ X / total, sample_weight @ y / total
    root = np.sqrt(sample_weight)
    A = (X - x_mean) * root[:, None]
    r = (y - y_mean) * root
    lam = reg + alpha
    learn = isinstance(source_weights, str)
    a = np.full(n_sources, 1.0 / n_sources) if learn else source_weights
    if lam == 0:  # no penalty at all: the prior plays no part
        coef = linalg.lstsq(A, r)[0]
        return coef, float(y_mean - x_mean @ coef), a
    solve = _regularised_solver(A, lam)
    q = A.T @ r
    if learn and reg > 0:
        P_inv_Mt = solve(prior_coefs.T)
        G = reg * prior_coefs @ prior_coefs.T - reg**2 * prior_coefs @ P_inv_Mt
        a = simplex_qp(G, reg * P_inv_Mt.T @ q)
    coef = solve(q + reg * (a @ prior_coefs))
    return coef, float(y_mean - x_mean @ coef), a


class SharedPriorRidge(_BaseSharedPrior):
    """Least squares on the target labels, pulled towards a source model.

    The source model's coefficients :math:`w_0` serve as the mean of a
    Gaussian prior on the target coefficients (Chelba and Acero, 2006;
    Evgeniou and Pontil, 2004). Over the labelled target rows :math:`i` with
    sample weights :math:`s_i`:

    .. math::

        \\min_{w, b} \\; \\frac{1}{2} \\sum_i s_i (y_i - x_i w - b)^2
        + \\frac{\\lambda}{2} \\|w - w_0\\|^2 + \\frac{\\alpha}{2} \\|w\\|^2,

    solved in closed form. ``reg -> inf`` gives the source coefficients
    back; ``reg = alpha = 0`` is ordinary least squares on the target rows
    (scikit-learn's ``LinearRegression``), and ``reg = 0`` is
    ``Ridge(alpha)``.

    Parameters
    ----------
    reg : float, default=1.0
        :math:`\\lambda \\ge 0`, the pull towards the prior. The loss is a
        sum over the target rows: the prior's weight is relative to the
        number of target labels.
    alpha : float, default=0.0
        :math:`\\alpha \\ge 0`, an ordinary L2 penalty towards zero (the
        ``alpha`` of scikit-learn's ``Ridge``).
    prior : estimator, dict or list of them, default=None
        The prior, given instead of fitted: a fitted linear regressor
        (``coef_``, ``intercept_``), a dict ``{"coef": ..., "intercept": ...}``,
        or a list of these. When given, **the source rows are not used**, and
        with ``sample_domain=None`` every labelled row passed to ``fit`` is a
        labelled target row. Wrap a fitted estimator in
        ``sklearn.frozen.FrozenEstimator`` so that it survives ``clone``.
    source_estimator : estimator, default=None
        Unfitted linear regressor (``coef_`` and ``intercept_`` after
        ``fit``), cloned and fitted on each source domain (``None``:
        ``Ridge()``). Used when ``prior`` is None.
    source_weights : None, array-like of shape (n_sources,) or "learn", default=None
        Mixture of several priors, :math:`w_0 = \\sum_k a_k w_k`: ``None``
        uniform, an array (normalised to sum 1), or ``"learn"``: the
        objective minimised jointly over :math:`w, b` and :math:`a` in the
        probability simplex (see Notes).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept (the prior's intercept is not used).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
        ``0.0`` when ``fit_intercept`` is False.
    prior_coef_ : ndarray of shape (n_features,)
        :math:`w_0`, the mixed prior.
    prior_intercept_ : float
        The mixed intercept of the priors (reported, not penalised).
    source_coefs_ : ndarray of shape (n_sources, n_features)
    source_intercepts_ : ndarray of shape (n_sources,)
    source_weights_ : ndarray of shape (n_sources,)
    source_estimators_ : list of estimators
        The fitted source models (only when ``prior`` is None).
    source_domains_ : ndarray of shape (n_sources,)
        Their source domain ids (only when ``prior`` is None).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` has string column names.

    See Also
    --------
    SharedPriorLogisticRegression : the same prior for classification.

    Notes
    -----
    The intercept is unpenalised: ``X`` and ``y`` are centred by their
    weighted means over the target rows, then
    :math:`w = (X_c^\\top S X_c + (\\lambda + \\alpha) I)^{-1}
    (X_c^\\top S y_c + \\lambda w_0)` and :math:`b = \\bar y - \\bar x w`.

    ``source_weights="learn"``: :math:`w` is eliminated in closed form,
    which leaves a convex quadratic in :math:`a`, minimised exactly over the
    simplex by an active-set method (a few variables). With ``reg = 0`` the
    weights have no effect and stay uniform.

    Cost: :math:`O(n_t d \\min(n_t, d) + \\min(n_t, d)^3)` time for
    :math:`n_t` labelled target rows and :math:`d` features (the
    :math:`d \\times d` system when :math:`n_t \\ge d`, else the
    :math:`n_t \\times n_t` one), plus :math:`O(K d \\min(n_t, d) + K^3)`
    for ``"learn"`` with :math:`K` sources, plus the source models.

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
    >>> from tlearn.parameter import SharedPriorRidge
    >>> X, y_true, sample_domain = make_domain_shift(
    ...     "conditional", task="regression", mask_target_labels=False, random_state=0)
    >>> target = np.flatnonzero(sample_domain < 0)
    >>> y = y_true.copy()
    >>> y[target[10:]] = np.nan  # ten target labels
    >>> model = SharedPriorRidge(reg=5.0).fit(X, y, sample_domain=sample_domain)
    >>> model.coef_.shape
    (2,)
    >>> model.predict(X[target]).shape
    (500,)
    """

    _estimator_type_tag = "regressor"
    _parameter_constraints = dict(_BaseSharedPrior._parameter_constraints)

    def __init__(
        self,
        reg=1.0,
        *,
        alpha=0.0,
        prior=None,
        source_estimator=None,
        source_weights=None,
        fit_intercept=True,
    ):
        self.reg = reg
        self.alpha = alpha
        self.prior = prior
        self.source_estimator = source_estimator
        self.source_weights = source_weights
        self.fit_intercept = fit_intercept

    def _default_source_estimator(self):
        return Ridge()

    def fit(self, X, y, sample_domain=None, sample_weight=None):
        """Fit the prior (unless given), then the target model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of every domain, stacked.
        y : array-like of shape (n_samples,)
            Targets; ``NaN`` marks an unknown one.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain id per row: ``>= 0`` source, ``< 0`` target. ``None``:
            rows with an unknown target are target rows, the others source
            rows (every labelled row is a target row when ``prior`` is given).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows: of the target rows' squared errors, and
            passed to the source models for the source rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X_t, y_t, sw_t, priors = self._prepare(X, y, sample_domain, sample_weight)
        coefs = np.stack([p.coef[0] for p in priors])
        intercepts = np.array([p.intercept[0] for p in priors])
        weights = check_source_weights(self.source_weights, len(priors), owner=self)
        coef, intercept, weights = fit_shared_prior_ridge(
            X_t,
            np.asarray(y_t, dtype=np.float64),
            sw_t,
            coefs,
            weights,
            reg=float(self.reg),
            alpha=float(self.alpha),
            fit_intercept=bool(self.fit_intercept),
        )
        self.coef_ = coef
        self.intercept_ = intercept if self.fit_intercept else 0.0
        self.prior_coef_ = weights @ coefs
        self.prior_intercept_ = float(weights @ intercepts)
        self.source_coefs_ = coefs
        self.source_intercepts_ = intercepts
        self.source_weights_ = weights
        return self

    def predict(self, X, sample_domain=None):
        """Predict with the target model: ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_domain : array-like of int of shape (n_samples,), default=None
            Checked only: every row is predicted by the target model.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        data = self._check_domains(X, None, sample_domain, reset=False)
        return np.asarray(data.X, dtype=np.float64) @ self.coef_ + self.intercept_
