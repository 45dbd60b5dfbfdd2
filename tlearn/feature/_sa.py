"""Subspace alignment (SA; Fernando, Habrard, Sebban and Tuytelaars, ICCV 2013)."""

from numbers import Integral, Real

import numpy as np
from scipy import linalg

from .._params import DEPRECATED, Estimator, Interval, Options, Renamed, param_error, param_value
from ..base import BaseFeatureTransfer

__all__ = ["SubspaceAlignment", "pca_basis", "stability_bound_dimension"]


def pca_basis(X, n_components):
    r"""Mean, principal axes and variances of the rows of ``X`` (exact PCA).

    With at least as many rows as features the axes are the eigenvectors of
    the scatter matrix :math:`X_c^\top X_c` (one product and a
    :math:`d \times d` symmetric eigensolver, several times faster than an
    SVD of the rows: 15x at 20,000 x 200); otherwise they come from the thin
    SVD of the centred rows. Both are exact; the first squares the condition
    number, which only blurs axes of near-equal tiny variance.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_components : int or None
        Number of axes to keep; ``None`` keeps ``min(n_samples, n_features)``.

    Returns
    -------
    mean : ndarray of shape (n_features,)
    basis : ndarray of shape (n_features, n_components)
        Orthonormal columns, by decreasing variance; the sign of each column
        makes its largest-magnitude entry positive (deterministic).
    variances : ndarray of shape (min(n_samples, n_features),)
        Every eigenvalue of the sample covariance (``n - 1`` normalisation)
        that the SVD gives, by decreasing size.
    """
    mean = X.mean(axis=0)
    centred = X - mean
    n_samples, n_features = X.shape
    if n_samples >= n_features:
        scatter, axes = linalg.eigh(centred.T @ centred)
        squares, V = np.clip(scatter[::-1], 0.0, None), axes[:, ::-1]
    else:
        _, s, Vt = linalg.svd(centred, full_matrices=False)
        squares, V = s**2, Vt.T
    basis = V[:, :n_components]
    signs = np.sign(basis[np.argmax(np.abs(basis), axis=0), np.arange(basis.shape[1])])
    basis = basis * np.where(signs == 0, 1.0, signs)
    return mean, basis, squares / max(n_samples - 1, 1)


def stability_bound_dimension(variances, n_min, norm_bound, delta=0.1, bound_tolerance=1e5):
    """Largest subspace dimension allowed by SA's stability bound.

    Fernando et al. (2013, Theorem 1) bound the deviation of the sample
    alignment from the true one; keeping it within :math:`\\gamma`
    (``bound_tolerance``) with probability :math:`1 - \\delta` (``delta``)
    allows a dimension ``d`` when

    .. math::

        \\lambda^{\\min}_d - \\lambda^{\\min}_{d+1} \\ge
        \\Big(1 + \\sqrt{\\tfrac{\\ln(2/\\delta)}{2}}\\Big)
        \\frac{16\\, d^{3/2} B}{\\gamma \\sqrt{n_{\\min}}},

    where :math:`\\lambda^{\\min}_d - \\lambda^{\\min}_{d+1}` is the smaller of
    the source's and the target's ``d``-th eigenvalue gaps, :math:`B` bounds
    the norm of every row and :math:`n_{\\min}` is the smaller domain size.
    The chosen dimension is the largest ``d`` that satisfies it (``1`` when
    none does).

    Parameters
    ----------
    variances : list of ndarray
        Covariance eigenvalues of each domain, by decreasing size.
    n_min : int
        Number of rows of the smallest domain.
    norm_bound : float
        :math:`B`, the largest row norm.
    delta : float, default=0.1
        :math:`\\delta`: the bound holds with probability :math:`1 - \\delta`.
    bound_tolerance : float, default=1e5
        :math:`\\gamma`, the tolerated deviation of the alignment.

    Returns
    -------
    d : int
    """
    length = min(len(v) for v in variances)
    gaps = np.min([v[: length - 1] - v[1:length] for v in variances], axis=0)
    d = np.arange(1, length)
    threshold = (1 + np.sqrt(np.log(2 / delta) / 2)) * 16 * d**1.5 * norm_bound
    threshold /= bound_tolerance * np.sqrt(n_min)
    allowed = np.flatnonzero(gaps >= threshold)
    return int(d[allowed[-1]]) if allowed.size else 1


class SubspaceAlignment(BaseFeatureTransfer):
    """Subspace alignment: map the source PCA basis onto the target's.

    With :math:`P_s` and :math:`P_t` the top-``n_components`` PCA bases of
    the source and the target rows, the alignment

    .. math::

        M^\\ast = \\arg\\min_M \\|P_s M - P_t\\|_F^2 = P_s^\\top P_t

    maps source rows by :math:`(x - \\mu_s) P_s M^\\ast` and target rows by
    :math:`(x - \\mu_t) P_t` (Fernando et al., 2013). The ``estimator`` is
    fitted on the mapped labelled rows and predicts target rows mapped by
    :math:`P_t`.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier or regressor; ``None`` means
        ``LogisticRegression()``.
    n_components : int or "bound", default=20
        Dimension of the subspaces; ``"bound"`` chooses it with the paper's
        stability bound (see :func:`stability_bound_dimension`).
    delta : float, default=0.1
        Confidence of the stability bound: it holds with probability
        ``1 - delta`` (used with ``n_components="bound"``).
    bound_tolerance : float, default=1e5
        Tolerated deviation of the alignment in the stability bound, the
        paper's :math:`\\gamma` (used with ``n_components="bound"``).
    gamma : float, default="deprecated"
        The old name of ``bound_tolerance``: renamed in 0.1 (in tlearn
        ``gamma`` is always a kernel coefficient), removed in 0.3. Given, it is
        used as ``bound_tolerance`` with a ``FutureWarning``; given together
        with a different ``bound_tolerance``, a ``ValueError``.

    Attributes
    ----------
    n_components_ : int
        Dimension used.
    source_domains_ : ndarray of shape (n_source_domains,)
        Source domain ids seen in ``fit``.
    source_means_ : ndarray of shape (n_source_domains, n_features)
        Mean of each source domain.
    source_bases_ : ndarray of shape (n_source_domains, n_features, n_components_)
        :math:`P_s` of each source domain.
    alignment_ : ndarray of shape (n_source_domains, n_components_, n_components_)
        :math:`M^\\ast = P_s^\\top P_t` of each source domain.
    target_mean_ : ndarray of shape (n_features,)
        Mean of the target rows (every target domain pooled).
    target_basis_ : ndarray of shape (n_features, n_components_)
        :math:`P_t`.
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
    CORAL : align covariances instead of subspaces.

    Notes
    -----
    Each domain is centred on its own mean before projection; on the
    paper's preprocessing (features z-scored within each domain) this
    changes nothing, and it keeps the map independent of a domain's offset.
    Several domains: each source domain gets its own basis and alignment;
    every target domain is pooled into one target basis.

    Cost per domain of :math:`n` rows and :math:`d` features:
    :math:`O(n d^2 + d^3)` time and :math:`O(n d + d^2)` memory when
    :math:`n \\ge d` (scatter matrix and its eigenvectors), else a thin SVD,
    :math:`O(n^2 d)` time and :math:`O(n d)` memory.

    References
    ----------
    .. [1] B. Fernando, A. Habrard, M. Sebban and T. Tuytelaars. "Unsupervised
       Visual Domain Adaptation Using Subspace Alignment". ICCV 2013.

    Examples
    --------
    >>> from tlearn.feature import SubspaceAlignment
    >>> from tlearn.datasets import make_domain_shift
    >>> X, y, sample_domain = make_domain_shift("subspace", n_features=5, random_state=0)
    >>> model = SubspaceAlignment(n_components=2).fit(X, y, sample_domain=sample_domain)
    >>> model.transform(X[sample_domain < 0]).shape
    (500, 2)
    """

    _requires_target = True
    _parameter_constraints = {
        "estimator": [Estimator(), None],
        "n_components": [Interval(Integral, 1, None, closed="left"), Options(("bound",))],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "bound_tolerance": [Interval(Real, 0, None, closed="neither")],
        "gamma": [Renamed("bound_tolerance"), Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self, estimator=None, *, n_components=20, delta=0.1, bound_tolerance=1e5, gamma=DEPRECATED
    ):
        self.estimator = estimator
        self.n_components = n_components
        self.delta = delta
        self.bound_tolerance = bound_tolerance
        self.gamma = gamma

    def _check_n_components(self, n_max):
        """``n_components`` as an int (``None`` for ``"bound"``), at most ``n_max``."""
        nc = self.n_components
        if isinstance(nc, str):  # "bound", as validate_params has checked
            return None
        if nc > n_max:
            raise param_error(
                self,
                "n_components",
                f"at most the rank any domain's PCA can have (min(n_rows of the smallest "
                f"domain, n_features) = {n_max}), or 'bound'",
                nc,
            )
        return int(nc)

    def _fit_map(self, data):
        X = np.asarray(data.X, dtype=np.float64)
        self.source_domains_ = np.unique(data.sample_domain[data.source])
        domains = [X[data.sample_domain == sid] for sid in self.source_domains_]
        domains.append(X[data.target])
        n_max = min(min(D.shape) for D in domains)
        n_components = self._check_n_components(n_max)
        fits = [pca_basis(D, n_components) for D in domains]
        if n_components is None:
            norm_bound = float(np.max(np.linalg.norm(X, axis=1)))
            n_components = stability_bound_dimension(
                [f[2] for f in fits],
                min(D.shape[0] for D in domains),
                norm_bound,
                self.delta,
                param_value(self, "bound_tolerance"),
            )
            fits = [(mean, basis[:, :n_components], v) for mean, basis, v in fits]
        self.n_components_ = n_components
        self.target_mean_, self.target_basis_, _ = fits[-1]
        self.source_means_ = np.stack([f[0] for f in fits[:-1]])
        self.source_bases_ = np.stack([f[1] for f in fits[:-1]])
        self.alignment_ = np.stack([P.T @ self.target_basis_ for P in self.source_bases_])

    def _map_rows(self, X, sample_domain):
        X = np.asarray(X, dtype=np.float64)
        Z = (X - self.target_mean_) @ self.target_basis_
        for i, rows in self._source_domain_rows(sample_domain):
            Z[rows] = (X[rows] - self.source_means_[i]) @ (
                self.source_bases_[i] @ self.alignment_[i]
            )
        return Z
