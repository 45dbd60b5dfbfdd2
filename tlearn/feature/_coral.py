"""CORrelation ALignment (CORAL; Sun, Feng and Saenko, AAAI 2016)."""

from numbers import Real

import numpy as np
from scipy import linalg
from sklearn.covariance import ledoit_wolf, oas

from .._params import Estimator, Interval, Options
from ..base import BaseFeatureTransfer

__all__ = ["CORAL", "coral_transform", "domain_covariance"]

_COVARIANCES = ("empirical", "ledoit_wolf", "oas")


def domain_covariance(X, covariance="empirical"):
    """Covariance of the rows of ``X``: empirical (``n - 1`` normalisation) or shrunk.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows of one domain.
    covariance : {"empirical", "ledoit_wolf", "oas"}, default="empirical"
        ``"empirical"`` is the unbiased sample covariance used in the CORAL
        paper; the others are scikit-learn's shrinkage estimates
        (:func:`sklearn.covariance.ledoit_wolf`, :func:`sklearn.covariance.oas`),
        useful when there are few rows per feature.

    Returns
    -------
    C : ndarray of shape (n_features, n_features)
    """
    if covariance == "empirical":
        if X.shape[0] < 2:
            return np.zeros((X.shape[1], X.shape[1]))
        Xc = X - X.mean(axis=0)
        return Xc.T @ Xc / (X.shape[0] - 1)
    if covariance == "ledoit_wolf":
        return ledoit_wolf(X)[0]
    if covariance == "oas":
        return oas(X)[0]
    raise ValueError(f"covariance must be one of {_COVARIANCES}; got {covariance!r}.")


def _sym_power(C, power):
    """``C ** power`` for a symmetric positive definite ``C``, through its eigendecomposition."""
    eigvals, eigvecs = linalg.eigh(C)
    if eigvals[0] <= eigvals[-1] * 1e-12 or eigvals[0] <= 0:
        raise ValueError(
            "A regularised covariance matrix is singular (smallest eigenvalue "
            f"{eigvals[0]:.3g}); use reg > 0 or a shrinkage covariance."
        )
    return (eigvecs * eigvals**power) @ eigvecs.T


def coral_transform(C_source, C_target, reg=1.0):
    """The CORAL map ``A = (Cs + lambda I)^(-1/2) (Ct + lambda I)^(1/2)``.

    Source rows mapped by ``X @ A`` have the regularised covariance of the
    target: ``A.T @ (Cs + lambda I) @ A == Ct + lambda I``.

    Parameters
    ----------
    C_source, C_target : ndarray of shape (n_features, n_features)
        Covariances of the source and the target rows.
    reg : float, default=1.0
        Ridge added to both covariances (the paper's ``lambda = 1``).

    Returns
    -------
    A : ndarray of shape (n_features, n_features)
    """
    eye = np.eye(C_source.shape[0])
    return _sym_power(C_source + reg * eye, -0.5) @ _sym_power(C_target + reg * eye, 0.5)


class CORAL(BaseFeatureTransfer):
    """CORrelation ALignment: recolour the source rows with the target covariance.

    Each source domain is whitened with its own regularised covariance and
    recoloured with the regularised covariance of the target rows:

    .. math::

        A_s = (C_s + \\lambda I)^{-1/2} (C_t + \\lambda I)^{1/2},
        \\qquad x \\mapsto x A_s \\ \\text{(source rows)},
        \\qquad x \\mapsto x \\ \\text{(target rows)},

    the closed-form minimiser of :math:`\\|A^\\top \\hat C_s A - \\hat C_t\\|_F^2`
    over linear maps for the regularised covariances
    :math:`\\hat C = C + \\lambda I` (Sun et al., 2016). The ``estimator`` is
    then fitted on the mapped labelled rows and predicts target rows as they
    are.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier or regressor; ``None`` means
        ``LogisticRegression()``.
    reg : float, default=1.0
        Ridge added to every covariance (the paper's :math:`\\lambda = 1`). It
        also makes the map well defined when there are more features than
        rows. ``0`` is allowed when every covariance is non-singular.
    covariance : {"empirical", "ledoit_wolf", "oas"}, default="empirical"
        Covariance estimate of each domain: the paper's sample covariance, or
        a shrinkage estimate from :mod:`sklearn.covariance`.

    Attributes
    ----------
    source_domains_ : ndarray of shape (n_source_domains,)
        The source domain ids seen in ``fit``, in increasing order.
    coral_transform_ : ndarray of shape (n_source_domains, n_features, n_features)
        The map :math:`A_s` of each source domain, in the order of
        ``source_domains_``.
    target_covariance_ : ndarray of shape (n_features, n_features)
        Covariance of the target rows (every target domain pooled), before
        the ridge.
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the mapped labelled rows.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    SubspaceAlignment : align PCA subspaces instead of covariances.

    Notes
    -----
    Several domains: each source domain gets its own map; every target
    domain is pooled into one target covariance. Rows are not centred, as in
    the paper, whose features are z-scored within each domain first (do the
    same, for example with a per-domain scaler, when the domain means
    differ).

    Cost: :math:`O(n d^2 + d^3)` time and :math:`O(d^2)` memory per source
    domain, for :math:`n` rows and :math:`d` features.

    References
    ----------
    .. [1] B. Sun, J. Feng and K. Saenko. "Return of Frustratingly Easy Domain
       Adaptation". AAAI 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.feature import CORAL
    >>> from tlearn.datasets import make_domain_shift
    >>> X, y, sample_domain = make_domain_shift("subspace", n_features=5, random_state=0)
    >>> model = CORAL().fit(X, y, sample_domain=sample_domain)
    >>> model.coral_transform_.shape
    (1, 5, 5)
    >>> model.predict(X[sample_domain < 0]).shape
    (500,)
    """

    _requires_target = True
    _parameter_constraints = {
        "estimator": [Estimator(), None],
        "reg": [Interval(Real, 0, None, closed="left")],
        "covariance": [Options(_COVARIANCES)],
    }

    def __init__(self, estimator=None, *, reg=1.0, covariance="empirical"):
        self.estimator = estimator
        self.reg = reg
        self.covariance = covariance

    def _fit_map(self, data):
        X = np.asarray(data.X, dtype=np.float64)
        self.target_covariance_ = domain_covariance(X[data.target], self.covariance)
        self.source_domains_ = np.unique(data.sample_domain[data.source])
        self.coral_transform_ = np.stack(
            [
                coral_transform(
                    domain_covariance(X[data.sample_domain == sid], self.covariance),
                    self.target_covariance_,
                    self.reg,
                )
                for sid in self.source_domains_
            ]
        )

    def _map_rows(self, X, sample_domain):
        X = np.asarray(X, dtype=np.float64)
        Z = X.copy()
        for i, rows in self._source_domain_rows(sample_domain):
            Z[rows] = X[rows] @ self.coral_transform_[i]
        return Z
