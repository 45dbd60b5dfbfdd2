r"""uLSIF, unconstrained least-squares importance fitting (Kanamori, Hido and Sugiyama, JMLR 2009).

The ratio model is :math:`\hat w(x) = \sum_{l=1}^{b} \alpha_l K_\sigma(x, c_l)` with
Gaussian kernels at centres :math:`c_l` drawn from the target rows, fitted to
:math:`w = p_t / p_s` in squared error under :math:`p_s`:

.. math::

    \min_\beta\ \tfrac12 \beta^\top \hat H \beta - \hat h^\top \beta
    + \tfrac{\lambda}{2} \beta^\top\beta, \qquad
    \hat H = \tfrac{1}{n_s} \Phi_s^\top \Phi_s, \quad
    \hat h = \tfrac{1}{n_t} \Phi_t^\top \mathbf 1,

so :math:`\tilde\beta = (\hat H + \lambda I)^{-1} \hat h` and
:math:`\alpha = \max(0, \tilde\beta)`. :math:`\Phi_s` and :math:`\Phi_t` hold
the kernel values of the source and target rows at the centres. The math
lives in plain functions that the tests call directly:

- :func:`ulsif_terms`: :math:`\hat H` and :math:`\hat h`;
- :func:`ulsif_alpha`: the closed-form solution;
- :func:`ulsif_loo_scores`: the paper's closed-form leave-one-out score of
  every regularisation value at one width;
- :func:`ulsif_score`: the squared-error criterion on held-out rows, which
  the leave-one-out score averages.

:class:`ULSIF` is the thin estimator on top of them.
"""

from numbers import Integral, Real

import numpy as np
from scipy import linalg

from .._kernels import random_state_or_fresh as _rng
from .._kernels import select_centers
from .._params import Estimator, Interval, param_error
from ._ratio import (
    BaseDensityRatio,
    candidate_grid,
    default_sigma_grid,
    gaussian_gram,
    kernel_ratio,
)

__all__ = ["ULSIF", "ulsif_alpha", "ulsif_loo_scores", "ulsif_score", "ulsif_terms"]

#: The default regularisation candidates: 10^-3, 10^-2.5, ..., 10^1 (as in the paper's code).
REG_GRID = 10.0 ** np.arange(-3.0, 1.01, 0.5)


def ulsif_terms(Phi_source, Phi_target):
    r"""uLSIF's terms :math:`\hat H = \frac{1}{n_s}\Phi_s^\top\Phi_s`, :math:`\hat h = \bar\Phi_t`.

    :math:`\hat h = \frac{1}{n_t}\Phi_t^\top\mathbf 1` is the mean of the
    target rows' kernel values.

    Parameters
    ----------
    Phi_source : ndarray of shape (n_source, n_centers)
        Kernel values of the source rows at the centres.
    Phi_target : ndarray of shape (n_target, n_centers)

    Returns
    -------
    H : ndarray of shape (n_centers, n_centers)
    h : ndarray of shape (n_centers,)

    Examples
    --------
    >>> import numpy as np
    >>> H, h = ulsif_terms(np.array([[1.0], [3.0]]), np.array([[2.0]]))
    >>> H, h
    (array([[5.]]), array([2.]))
    """
    H = Phi_source.T @ Phi_source / Phi_source.shape[0]
    h = Phi_target.mean(axis=0)
    return H, h


def ulsif_alpha(H, h, reg):
    r"""uLSIF's solution :math:`\alpha = \max(0, (\hat H + \lambda I)^{-1} \hat h)`.

    Parameters
    ----------
    H : ndarray of shape (n_centers, n_centers)
    h : ndarray of shape (n_centers,)
    reg : float
        :math:`\lambda > 0`.

    Returns
    -------
    alpha : ndarray of shape (n_centers,)

    Examples
    --------
    >>> import numpy as np
    >>> ulsif_alpha(np.eye(2), np.array([3.0, -1.0]), 0.5)
    array([2., 0.])
    """
    B = H + reg * np.eye(H.shape[0])
    beta = linalg.solve(B, h, assume_a="pos", check_finite=False)
    return np.maximum(beta, 0.0)


def ulsif_score(w_source, w_target):
    r"""The squared-error criterion of a ratio on ``n`` source and ``n`` target rows.

    :math:`\frac{1}{2n}\sum_i \hat w(x^s_i)^2 - \frac{1}{n}\sum_i \hat w(x^t_i)`:
    :math:`\frac12 \int (\hat w - w)^2 p_s = \frac12 \int \hat w^2 p_s - \int \hat w\, p_t
    + \text{const}`, estimated on source and target rows (lower is better).

    Parameters
    ----------
    w_source, w_target : ndarray of shape (n,)
        The ratio at ``n`` source rows and ``n`` target rows.

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> ulsif_score(np.array([1.0, 1.0]), np.array([1.0, 1.0]))  # the ratio 1
    -0.5
    """
    return float(np.mean(w_source**2) / 2 - np.mean(w_target))


def ulsif_loo_scores(Phi_source, Phi_target, loo_source, loo_target, regs):
    r"""The closed-form leave-one-out score of each :math:`\lambda` (Kanamori et al., 2009).

    The ``n`` held-out pairs are the source rows ``loo_source`` and the
    target rows ``loo_target`` (index arrays of the same length ``n``). For
    pair :math:`i`, :math:`\hat H_{-i}` and :math:`\hat h_{-i}` are the terms
    without source row :math:`a_i` and target row :math:`c_i` (their
    kernel values), :math:`\alpha_{-i} = \max(0, (\hat H_{-i} + \lambda
    I)^{-1} \hat h_{-i})` (the centres stay fixed), and the score is

    .. math::

        \text{LOO}(\lambda) = \frac1n \sum_{i=1}^n
        \Bigl[\tfrac12 (a_i^\top\alpha_{-i})^2 - c_i^\top\alpha_{-i}\Bigr].

    Every :math:`\alpha_{-i}` comes from one matrix inverse by the
    Sherman-Morrison formula: with
    :math:`B = \hat H + \lambda \frac{n_s - 1}{n_s} I`,
    :math:`\hat H_{-i} + \lambda I = \frac{n_s}{n_s - 1}
    (B - a_i a_i^\top / n_s)` and :math:`\hat h_{-i} =
    (n_t \hat h - c_i) / (n_t - 1)`, so

    .. math::

        \tilde\beta_{-i} = \frac{n_s - 1}{n_s (n_t - 1)}
        \Bigl[n_t \Bigl(B^{-1}\hat h + B^{-1}a_i
        \frac{a_i^\top B^{-1}\hat h}{n_s - a_i^\top B^{-1} a_i}\Bigr)
        - \Bigl(B^{-1}c_i + B^{-1}a_i
        \frac{a_i^\top B^{-1} c_i}{n_s - a_i^\top B^{-1} a_i}\Bigr)\Bigr],

    the paper's :math:`B_0` and :math:`B_1`, and
    :math:`\alpha_{-i} = \max(0, \tilde\beta_{-i})` (:math:`B_2`). One
    eigendecomposition of :math:`\hat H` serves every :math:`\lambda`:
    :math:`O(b^3 + |\Lambda| n b^2)` time and :math:`O(n b)` memory for
    ``n`` pairs, :math:`b` centres and :math:`|\Lambda|` values.

    Parameters
    ----------
    Phi_source : ndarray of shape (n_source, n_centers)
    Phi_target : ndarray of shape (n_target, n_centers)
    loo_source, loo_target : ndarray of int of shape (n,)
        The held-out pairs; ``n_source`` and ``n_target`` must be at least 2.
    regs : ndarray of shape (n_regs,)
        Positive values of :math:`\lambda`.

    Returns
    -------
    scores : ndarray of shape (n_regs,)
        Lower is better.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> Phi_s, Phi_t = rng.uniform(size=(6, 2)), rng.uniform(size=(5, 2))
    >>> ulsif_loo_scores(Phi_s, Phi_t, np.arange(5), np.arange(5), np.array([0.1, 1.0])).shape
    (2,)
    """
    n_s, n_t = Phi_source.shape[0], Phi_target.shape[0]
    H, h = ulsif_terms(Phi_source, Phi_target)
    s, V = linalg.eigh(H)
    s = np.maximum(s, 0.0)  # H is PSD; rounding can leave tiny negative eigenvalues
    A = Phi_source[loo_source].T  # b x n: the held-out source rows a_i
    C = Phi_target[loo_target].T  # b x n: the held-out target rows c_i
    VA, VC, Vh = V.T @ A, V.T @ C, V.T @ h
    scale = (n_s - 1) / (n_s * (n_t - 1))
    scores = np.empty(len(regs))
    for r, reg in enumerate(regs):
        inv = 1.0 / (s + reg * (n_s - 1) / n_s)  # B^-1 = V diag(inv) V'
        Binv_h = V @ (inv * Vh)
        Binv_A = V @ (inv[:, None] * VA)
        Binv_C = V @ (inv[:, None] * VC)
        denom = n_s - np.einsum("li,li->i", A, Binv_A)
        B0 = Binv_h[:, None] + Binv_A * ((h @ Binv_A) / denom)
        B1 = Binv_C + Binv_A * (np.einsum("li,li->i", C, Binv_A) / denom)
        B2 = np.maximum(scale * (n_t * B0 - B1), 0.0)
        w_source = np.einsum("li,li->i", A, B2)
        w_target = np.einsum("li,li->i", C, B2)
        scores[r] = ulsif_score(w_source, w_target)
    return scores


class ULSIF(BaseDensityRatio):
    r"""uLSIF: importance weights :math:`p_t(x)/p_s(x)` by least squares, in closed form.

    uLSIF (Kanamori et al., 2009) fits a non-negative combination of
    Gaussian kernels at target rows to the density ratio
    :math:`w(x) = p_t(x) / p_s(x)` in squared error weighted by
    :math:`p_s`, without estimating either density. The fit is a ridge-type
    linear system, and its leave-one-out error has a closed form too, so the
    kernel width and the regularisation are chosen by exact leave-one-out
    cross-validation at the cost of a few matrix products. The
    ``estimator`` is then fitted on the labelled rows with the ratio at the
    source rows as ``sample_weight``: importance-weighted learning for
    covariate shift (:math:`p(y\mid x)` shared).

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier or regressor whose ``fit`` takes
        ``sample_weight`` (else a ``TypeError``, before any work); ``None``
        means ``LogisticRegression()``.
    sigma : float or array-like of float, default=None
        Width :math:`\sigma` of the Gaussian kernel
        :math:`\exp(-\lVert x - c\rVert^2 / (2\sigma^2))`: one value, or the
        candidates of the leave-one-out search. ``None``: the
        median-heuristic width :math:`\sigma_{med}` (:math:`2\sigma_{med}^2`
        the median squared distance between the pooled source and target
        rows, over a seeded subsample of 1,000 rows when there are more)
        times :math:`2^{-3}, 2^{-2.5}, \dots, 2^{1}`.
    reg : float or array-like of float, default=None
        The regularisation :math:`\lambda`: one value, or the candidates.
        ``None``: :math:`10^{-3}, 10^{-2.5}, \dots, 10^{1}`.
    n_centers : int, default=100
        Number :math:`b` of kernel centres, drawn (seeded) without
        replacement from the target rows; every target row is a centre when
        there are at most ``n_centers`` (the paper's
        :math:`b = \min(100, n_t)`).
    random_state : int, RandomState instance or None, default=None
        Seeds the centres, the held-out pairs of the leave-one-out score and
        the median heuristic's subsample. ``None`` draws fresh seeds (never
        from numpy's global generator).

    Attributes
    ----------
    weights_ : ndarray of shape (n_source_rows,)
        :math:`\hat w(x^s_i)` at the source rows, in their order in ``X``:
        the estimated ratio itself, not rescaled (its mean is near 1, not
        exactly 1). Equal to ``density_ratio`` at those rows.
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the labelled rows with
        ``sample_weight``: ``weights_`` on source rows, 1 on labelled target
        rows.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    alpha_ : ndarray of shape (n_centers_,)
        The coefficients :math:`\alpha = \max(0, (\hat H + \lambda I)^{-1} \hat h)`.
    centers_ : ndarray of shape (n_centers_, n_features)
        The kernel centres :math:`c_l`.
    center_indices_ : ndarray of shape (n_centers_,)
        Their indices among the rows of ``X``.
    sigma_, reg_ : float
        The kernel width and regularisation used.
    sigma_grid_, reg_grid_ : ndarray
        The candidates, ascending.
    cv_scores_ : ndarray of shape (n_sigmas, n_regs) or None
        The leave-one-out score of each pair of candidates
        (:func:`ulsif_loo_scores`; lower is better), ``None`` with a single
        pair.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    KLIEP : The maximum-likelihood fit of the same model.
    DiscriminativeRatio : The ratio from a probabilistic domain classifier.
    KMM : Weights of the source rows only, by kernel mean matching.

    Notes
    -----
    **The fit.** All source domains (``sample_domain >= 0``) are pooled, and
    all target domains. With :math:`(\Phi_s)_{il} = K_\sigma(x^s_i, c_l)`
    and :math:`(\Phi_t)_{jl} = K_\sigma(x^t_j, c_l)`, uLSIF minimises the
    empirical :math:`\frac12\int (\hat w - w)^2 p_s` plus a ridge penalty,

    .. math::

        \min_\beta\ \frac{1}{2 n_s}\lVert \Phi_s\beta \rVert^2
        - \frac{1}{n_t}\mathbf 1^\top \Phi_t\beta
        + \frac{\lambda}{2}\lVert\beta\rVert^2,

    without the constraint :math:`\beta \ge 0` (that is the *unconstrained*
    of the name), then rounds negative coefficients up to 0:
    :math:`\alpha = \max(0, (\hat H + \lambda I)^{-1}\hat h)`. The ratio is
    :math:`p_t / p_s`: :math:`\hat h` averages the *target* rows and
    :math:`\hat H` the *source* rows.

    **Model selection.** For each width, the leave-one-out score of every
    :math:`\lambda` in closed form (:func:`ulsif_loo_scores`): ``n =
    min(n_s, n_t)`` pairs of one source row and one target row (drawn,
    seeded, from each side) are held out in turn, each pair's fit is
    derived from the full one by the Sherman-Morrison formula, and the
    held-out squared-error criterion is averaged. The pair with the lowest
    score is refitted on every row. It needs two rows on each side.

    **Complexity.** With :math:`b` centres, :math:`S` widths and
    :math:`|\Lambda|` regularisation values: per width,
    :math:`O((n_s + n_t) b d)` for the kernel values,
    :math:`O(n_s b^2)` for :math:`\hat H`, :math:`O(b^3)` for its
    eigendecomposition and :math:`O(|\Lambda| \min(n_s, n_t) b^2)` for the
    leave-one-out scores; the final fit :math:`O(b^3)`. Memory
    :math:`O((n_s + n_t) b + b^2)` for the kernel values of one width.
    ``density_ratio`` on :math:`n` rows costs :math:`O(n b d)`, in blocks.

    References
    ----------
    .. [1] T. Kanamori, S. Hido and M. Sugiyama, "A Least-squares Approach
       to Direct Importance Estimation", Journal of Machine Learning
       Research 10:1391-1445, 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.instance import ULSIF
    >>> X, y, sample_domain = make_domain_shift("covariate", n_features=3, random_state=0)
    >>> model = ULSIF(LogisticRegression(), random_state=0).fit(X, y, sample_domain=sample_domain)
    >>> model.cv_scores_.shape  # 9 widths x 9 regularisation values
    (9, 9)
    >>> bool(model.weights_.min() >= 0.0)
    True
    >>> bool(np.allclose(model.density_ratio(X[sample_domain >= 0]), model.weights_))
    True
    """

    _parameter_constraints = {
        "estimator": [Estimator(), None],
        "sigma": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "reg": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, sigma=None, reg=None, n_centers=100, random_state=None):
        self.estimator = estimator
        self.sigma = sigma
        self.reg = reg
        self.n_centers = n_centers
        self.random_state = random_state

    def _fit_weights(self, data):
        X = np.asarray(data.X, dtype=np.float64)
        source, target = data.source, data.target
        Xs, Xt = X[source], X[target]
        n_s, n_t = Xs.shape[0], Xt.shape[0]
        rng = _rng(self.random_state)
        default = None
        if self.sigma is None:
            default = default_sigma_grid(np.vstack([Xs, Xt]), rng)
        self.sigma_grid_ = candidate_grid(self, "sigma", self.sigma, default)
        self.reg_grid_ = candidate_grid(self, "reg", self.reg, REG_GRID)

        self.center_indices_ = select_centers(np.flatnonzero(target), self.n_centers, rng)
        self.centers_ = X[self.center_indices_]

        self.cv_scores_ = None
        if self.sigma_grid_.size * self.reg_grid_.size > 1:
            if min(n_s, n_t) < 2:
                raise param_error(
                    self,
                    "sigma",
                    "one value, and reg one value, when there are fewer than two source or "
                    "target rows (the leave-one-out score needs two of each)",
                    self.sigma,
                )
            n = min(n_s, n_t)
            loo_source = rng.choice(n_s, n, replace=False)
            loo_target = rng.choice(n_t, n, replace=False)
            self.cv_scores_ = np.vstack(
                [
                    ulsif_loo_scores(
                        gaussian_gram(Xs, self.centers_, sigma),
                        gaussian_gram(Xt, self.centers_, sigma),
                        loo_source,
                        loo_target,
                        self.reg_grid_,
                    )
                    for sigma in self.sigma_grid_
                ]
            )
            i, j = np.unravel_index(int(np.argmin(self.cv_scores_)), self.cv_scores_.shape)
            self.sigma_, self.reg_ = float(self.sigma_grid_[i]), float(self.reg_grid_[j])
        else:
            self.sigma_, self.reg_ = float(self.sigma_grid_[0]), float(self.reg_grid_[0])

        H, h = ulsif_terms(
            gaussian_gram(Xs, self.centers_, self.sigma_),
            gaussian_gram(Xt, self.centers_, self.sigma_),
        )
        self.alpha_ = ulsif_alpha(H, h, self.reg_)
        weights = self._ratio(Xs)
        if not weights.any():
            raise ValueError(
                f"ULSIF: the fitted density ratio is 0 at every source row (sigma_="
                f"{self.sigma_:g}, reg_={self.reg_:g}): at this kernel width no source row lies "
                "near the target rows, so there is nothing to reweight. Give a larger sigma, "
                "or use a method that does not reweight the source rows."
            )
        return weights

    def _ratio(self, X):
        return kernel_ratio(X, self.centers_, self.sigma_, self.alpha_)
