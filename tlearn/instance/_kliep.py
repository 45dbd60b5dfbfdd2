r"""KLIEP, the Kullback-Leibler importance estimation procedure (Sugiyama et al., NIPS 2007).

The ratio model is :math:`\hat w(x) = \sum_{l=1}^{b} \alpha_l K_\sigma(x, c_l)` with
Gaussian kernels :math:`K_\sigma(x, c) = \exp(-\lVert x - c\rVert^2 / (2\sigma^2))`
at centres :math:`c_l` drawn from the target rows. KLIEP maximises the
log-likelihood of the target rows under :math:`\hat w\, p_s`,

.. math::

    \max_{\alpha \ge 0}\ \sum_{j=1}^{n_t} \log \hat w(x^t_j)
    \quad\text{subject to}\quad \frac{1}{n_s}\sum_{i=1}^{n_s} \hat w(x^s_i) = 1,

and chooses :math:`\sigma` by likelihood cross-validation over the target
rows. The math lives in plain functions that the tests call directly:

- :func:`kliep_solve`: the convex problem above, solved exactly (sequential
  quadratic programming), with its optimality certificate;
- :func:`kliep_duality_gap`: that certificate for any feasible
  :math:`\alpha`, independent of the solver;
- :func:`kliep_log_likelihood`: the objective, as a mean over rows;
- :func:`kliep_cv_scores`: the likelihood cross-validation score of each
  width.

:class:`KLIEP` is the thin estimator on top of them.
"""

import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy import linalg
from scipy.optimize import nnls
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from sklearn.utils import gen_batches

from .._kernels import block_rows, select_centers
from .._kernels import random_state_or_fresh as _rng
from .._params import Estimator, Interval, Options, param_error
from ._ratio import (
    BaseDensityRatio,
    candidate_grid,
    default_sigma_grid,
    gaussian_gram,
    kernel_ratio,
)

__all__ = [
    "KLIEP",
    "KLIEPSolution",
    "kliep_cv_scores",
    "kliep_duality_gap",
    "kliep_log_likelihood",
    "kliep_solve",
]

#: A centre whose mean kernel value over the source rows is below this gets coefficient 0:
#: the constraint does not bound its coefficient (1 / mean overflows), see KLIEP's Notes.
MIN_SOURCE_MEAN = 1e-300
_CV_CRITERIA = ("paper", "normalized")
_HESSIAN_RIDGE = 1e-10  # times the mean diagonal of the Hessian, to make it definite
_ARMIJO = 0.01  # sufficient decrease of an accepted step
_MAX_HALVINGS = 60


class KLIEPSolution(NamedTuple):
    """Result of :func:`kliep_solve`."""

    alpha: np.ndarray
    objective: float
    duality_gap: float
    n_iter: int
    converged: bool


def kliep_log_likelihood(alpha, A_target):
    r"""The mean log-ratio of the target rows, :math:`\frac{1}{n_t}\sum_j \log (A\alpha)_j`.

    Parameters
    ----------
    alpha : ndarray of shape (n_centers,)
    A_target : ndarray of shape (n_target, n_centers)
        :math:`A_{jl} = K_\sigma(x^t_j, c_l)`.

    Returns
    -------
    objective : float
        ``-inf`` when the ratio is 0 at some target row.

    Examples
    --------
    >>> import numpy as np
    >>> kliep_log_likelihood(np.array([1.0]), np.array([[1.0], [np.e]]))
    0.5
    """
    z = A_target @ alpha
    with np.errstate(divide="ignore"):
        return float(np.mean(np.log(z)))


def kliep_duality_gap(alpha, A_target, b_source):
    r"""A bound on the optimality gap of a feasible :math:`\alpha`, per target row.

    With :math:`\beta_l = b_l \alpha_l` the constraint is
    :math:`\beta \in \Delta` (the simplex) and the objective
    :math:`L(\beta) = \sum_j \log (\tilde A \beta)_j`,
    :math:`\tilde A_{jl} = A_{jl} / b_l`. :math:`L` is concave and its
    gradient :math:`G = \tilde A^\top (1 / \tilde A\beta)` has
    :math:`G^\top \beta = n_t`, so for the maximiser :math:`\beta^*`

    .. math::

        L(\beta^*) \le L(\beta) + G^\top(\beta^* - \beta)
        \le L(\beta) + \max_l G_l - n_t .

    The value returned is :math:`(\max_l G_l - n_t) / n_t \ge 0`: the mean
    log-likelihood of the target rows is within it of the maximum. It is
    zero exactly at the solutions (the KKT conditions :math:`G_l = n_t`
    where :math:`\beta_l > 0` and :math:`G_l \le n_t` elsewhere).

    Parameters
    ----------
    alpha : ndarray of shape (n_centers,)
        Non-negative, with :math:`b^\top\alpha = 1`.
    A_target : ndarray of shape (n_target, n_centers)
    b_source : ndarray of shape (n_centers,)
        :math:`b_l = \frac{1}{n_s}\sum_i K_\sigma(x^s_i, c_l)`.

    Returns
    -------
    gap : float

    Examples
    --------
    >>> import numpy as np
    >>> A, b = np.eye(2), np.array([0.5, 0.5])
    >>> kliep_duality_gap(np.array([1.0, 1.0]), A, b)  # the optimum: equal weights
    0.0
    >>> round(kliep_duality_gap(np.array([1.6, 0.4]), A, b), 3)
    1.5
    """
    keep = b_source > 0
    z = A_target @ alpha
    with np.errstate(divide="ignore"):
        G = (A_target[:, keep].T @ (1.0 / z)) / b_source[keep]
    n_t = A_target.shape[0]
    return float(max(G.max() - n_t, 0.0) / n_t)


def _simplex_certificate(M, beta):
    """:func:`kliep_duality_gap` in the variables ``beta`` (on the simplex) of ``M = A / b``."""
    with np.errstate(divide="ignore"):
        G = M.T @ (1.0 / (M @ beta))
    m = M.shape[0]
    return float(max(G.max() - m, 0.0) / m)


def _maximise_on_simplex(M, tol, max_iter):
    r"""Maximise :math:`\sum_j \log (M\beta)_j` over the simplex: sequential quadratic programming.

    The method of Kim, Carbonetto, Stephens and Anitescu (2020) for this very
    problem (the maximum-likelihood mixture proportions): minimise
    :math:`f(x) = -\frac1m\sum_j \log (Mx)_j + \mathbf 1^\top x` over
    :math:`x \ge 0`, whose minimiser lies on the simplex (the scale
    :math:`c` of :math:`x = c\beta` is optimal at :math:`-\log c + c`, i.e.
    :math:`c = 1`), so the equality constraint drops out. Each iteration
    forms the exact gradient and Hessian
    (:math:`\frac1m W^\top W`, :math:`W = M / (Mx)` row by row), solves the
    quadratic model over :math:`y \ge 0` exactly (an active-set
    non-negative least-squares solve, :func:`scipy.optimize.nnls`, on its
    Cholesky factor), and takes the step towards :math:`y` with a
    backtracking (Armijo) line search. It stops when the certificate of
    :func:`kliep_duality_gap` is at most ``tol``, after ``max_iter``
    iterations, or when no step decreases :math:`f` at floating-point
    precision.
    """
    m, k = M.shape
    x = np.full(k, 1.0 / k)

    def f(x):
        with np.errstate(divide="ignore"):
            return -np.mean(np.log(M @ x)) + x.sum()

    fx = f(x)
    n_iter = 0
    while n_iter < max_iter and _simplex_certificate(M, x / x.sum()) > tol:
        n_iter += 1
        W = M / (M @ x)[:, None]
        g = 1.0 - W.mean(axis=0)
        H = W.T @ W / m
        ridge = _HESSIAN_RIDGE * max(np.trace(H) / k, np.finfo(float).tiny)
        while True:  # H is PSD; a tiny ridge makes it definite when rows are few
            try:
                R = linalg.cholesky(H + ridge * np.eye(k), check_finite=False)
                break
            except linalg.LinAlgError:
                ridge *= 100.0
        # min_{y >= 0} 1/2 y'Hy + (g - Hx)'y  ==  min_{y >= 0} 1/2 ||R y - (R x - R^-T g)||^2
        rhs = R @ x - linalg.solve_triangular(R, g, trans="T", check_finite=False)
        y = nnls(R, rhs, maxiter=max(50 * k, 100))[0]
        step = y - x
        slope = g @ step
        if not slope < 0:
            break  # no descent direction left: x is optimal at this precision
        s = 1.0
        for _ in range(_MAX_HALVINGS):
            trial = x + s * step
            f_trial = f(trial)
            if f_trial <= fx + _ARMIJO * s * slope:
                break
            s *= 0.5
        else:
            break
        x, fx = trial, f_trial
    beta = x / x.sum()
    return beta, n_iter, _simplex_certificate(M, beta) <= tol


def kliep_solve(A_target, b_source, *, tol=1e-6, max_iter=100):
    r"""Solve KLIEP's convex problem exactly, for fixed centres and width.

    Maximises :math:`\frac{1}{n_t}\sum_j \log (A\alpha)_j` subject to
    :math:`b^\top\alpha = 1` and :math:`\alpha \ge 0`. In the variables
    :math:`\beta_l = b_l\alpha_l` the feasible set is the simplex; the
    problem is the maximum-likelihood estimate of mixture proportions, and
    is solved by the sequential quadratic programming method of Kim et al.
    (2020): Newton steps whose quadratic model is minimised exactly over
    the non-negative orthant (an active-set solve), so the zeros of
    :math:`\alpha` are exact, with a backtracking line search; until the
    certificate :func:`kliep_duality_gap` is at most ``tol``: the mean
    log-likelihood is then within ``tol`` of its maximum. (The paper's
    fixed-size gradient steps, each followed by a step onto the constraint's
    hyperplane, clipping at 0 and rescaling, are not projected gradient
    steps onto the feasible set, and stall at points that are not optimal:
    on 8 random problems of 40 target rows and 8 centres, 20,000 steps of
    size :math:`10^{-2}` ended :math:`7 \cdot 10^{-5}` to 0.08 below the
    maximum mean log-likelihood, and smaller steps approach the same
    points more slowly.) Each iteration costs :math:`O(n_t b^2 + b^3)`; 1 to 20 of
    them are typical.

    Centres that the source rows do not reach (:math:`b_l` below
    :data:`MIN_SOURCE_MEAN`, where the constraint does not bound
    :math:`\alpha_l`) get :math:`\alpha_l = 0`; target rows that no other
    centre reaches (:math:`A_{jl} = 0` for every kept centre) are left out
    of the maximisation, which they do not affect (their log-ratio is
    :math:`-\infty` for every :math:`\alpha`).

    Parameters
    ----------
    A_target : ndarray of shape (n_target, n_centers)
        :math:`A_{jl} = K_\sigma(x^t_j, c_l)`.
    b_source : ndarray of shape (n_centers,)
        :math:`b_l = \frac{1}{n_s}\sum_i K_\sigma(x^s_i, c_l)`.
    tol : float, default=1e-6
        Largest certified gap of the mean log-likelihood.
    max_iter : int, default=100
        Largest number of iterations.

    Returns
    -------
    solution : KLIEPSolution
        ``alpha``, ``objective`` (:func:`kliep_log_likelihood`, over every
        target row), ``duality_gap`` (over the rows that some centre
        reaches), ``n_iter`` (iterations) and ``converged``.

    Raises
    ------
    ValueError
        When no centre is reached by the source rows or no target row by a
        centre (the width is far too small for the data).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # two target rows at centre 0
    >>> solution = kliep_solve(A, np.array([0.5, 0.5]))
    >>> solution.alpha.round(4)  # the ratio is 4/3 and 2/3 at the centres
    array([1.3333, 0.6667])
    >>> bool(solution.converged), float(solution.alpha @ [0.5, 0.5])
    (True, 1.0)
    """
    A_target = np.asarray(A_target, dtype=np.float64)
    b_source = np.asarray(b_source, dtype=np.float64)
    keep = b_source >= MIN_SOURCE_MEAN
    M = A_target[:, keep] / b_source[keep]
    rows = M.max(axis=1, initial=0.0) > 0
    if not rows.any():
        raise ValueError(
            "KLIEP: no target row is reached by a kernel centre that the source rows reach; "
            "the kernel width is too small for these data."
        )
    beta, n_iter, converged = _maximise_on_simplex(M[rows], tol, max_iter)
    alpha = np.zeros(b_source.shape[0])
    alpha[keep] = beta / b_source[keep]
    return KLIEPSolution(
        alpha,
        kliep_log_likelihood(alpha, A_target),
        kliep_duality_gap(alpha, A_target[rows], b_source),
        n_iter,
        bool(converged),
    )


def _source_means(Xs, centers, sigma):
    total = np.zeros(centers.shape[0])
    for rows in gen_batches(Xs.shape[0], block_rows(centers.shape[0])):
        total += gaussian_gram(Xs[rows], centers, sigma).sum(axis=0)
    return total / Xs.shape[0]


def kliep_cv_scores(Xs, Xt, centers, sigmas, folds, *, source_folds=None, tol=1e-6, max_iter=100):
    r"""Likelihood cross-validation score of each width.

    The target rows are split into the given folds :math:`\mathcal X_r`;
    for each fold the ratio :math:`\hat w_r` is fitted on the other target
    rows, and scored on the held-out ones. The score of a width is the mean
    of the folds' scores (higher is better). The centres stay fixed across
    folds: the basis is part of the model, as in the paper. A width at which
    some held-out target row gets ratio 0, or at which a fold cannot be
    fitted, scores ``-inf``.

    - ``source_folds=None``, the paper's criterion: every fit uses all source
      rows, and the fold's score is
      :math:`\hat J_r = \frac{1}{|\mathcal X_r|}\sum_{x \in \mathcal X_r}
      \log \hat w_r(x)`.
    - ``source_folds`` given (pairs of source-row indices, one per target
      fold), the normalised criterion: fold :math:`r` is fitted on the
      training part of both sides, and scored by
      :math:`\hat J_r - \log \frac{1}{|\mathcal S_r|}\sum_{x \in
      \mathcal S_r} \hat w_r(x)` with :math:`\mathcal S_r` its held-out
      source rows: the held-out log-likelihood of the normalised model
      :math:`\hat w_r\, p_s / \int \hat w_r\, p_s`, that is
      :math:`-\mathrm{KL}(p_t \,\Vert\, \hat w_r p_s / Z_r)` up to a
      constant. The paper's criterion takes :math:`Z_r = 1`, which holds on
      the source rows that the fit saw but not beyond them: it rewards a
      large coefficient at a centre that few source rows reach (the
      constraint charges little for it, the held-out target rows near the
      centre gain), so it can prefer kernels too narrow for the source
      sample; the normalised one charges that on held-out source rows.

    Parameters
    ----------
    Xs : ndarray of shape (n_source, n_features)
    Xt : ndarray of shape (n_target, n_features)
    centers : ndarray of shape (n_centers, n_features)
    sigmas : ndarray of shape (n_sigmas,)
    folds : list of (train, test) index arrays into the target rows
    source_folds : list of (train, test) index arrays into the source rows, default=None
        As many as ``folds``.
    tol, max_iter
        Passed to :func:`kliep_solve`.

    Returns
    -------
    scores : ndarray of shape (n_sigmas,)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> Xs, Xt = rng.normal(size=(50, 1)), rng.normal(0.5, 0.5, size=(40, 1))
    >>> halves = lambda n: [(np.flatnonzero(np.arange(n) % 2 != r),
    ...                      np.flatnonzero(np.arange(n) % 2 == r)) for r in (0, 1)]
    >>> scores = kliep_cv_scores(Xs, Xt, Xt[:10], np.array([0.05, 0.5]), halves(40))
    >>> bool(scores[1] > scores[0])  # far too narrow kernels fit the held-out rows badly
    True
    >>> kliep_cv_scores(Xs, Xt, Xt[:10], np.array([0.5]), halves(40), source_folds=halves(50)).shape
    (1,)
    """
    if source_folds is not None and len(source_folds) != len(folds):
        raise ValueError(
            f"source_folds must have one pair per target fold ({len(folds)}); "
            f"got {len(source_folds)}."
        )
    scores = np.empty(len(sigmas))
    for s, sigma in enumerate(sigmas):
        A = gaussian_gram(Xt, centers, sigma)
        if source_folds is None:
            b = _source_means(Xs, centers, sigma)
        else:
            As = gaussian_gram(Xs, centers, sigma)
        total = 0.0
        for r, (train, test) in enumerate(folds):
            if source_folds is not None:
                source_train, source_test = source_folds[r]
                b = As[source_train].mean(axis=0)
            try:
                solution = kliep_solve(A[train], b, tol=tol, max_iter=max_iter)
            except ValueError:
                total = -np.inf
                break
            total += kliep_log_likelihood(solution.alpha, A[test])
            if source_folds is not None:
                with np.errstate(divide="ignore"):
                    total -= np.log(np.mean(As[source_test] @ solution.alpha))
        scores[s] = total / len(folds)
    return scores


class KLIEP(BaseDensityRatio):
    r"""KLIEP: importance weights :math:`p_t(x)/p_s(x)` by maximum target likelihood.

    KLIEP (Sugiyama et al., 2007) models the density ratio
    :math:`w(x) = p_t(x) / p_s(x)` directly, as a non-negative combination of
    Gaussian kernels at target rows, and chooses it so that
    :math:`\hat w\, p_s` is as close as possible to :math:`p_t` in
    Kullback-Leibler divergence, without estimating either density. The
    kernel width is chosen by likelihood cross-validation on the target
    rows. The ``estimator`` is then fitted on the labelled rows with the
    ratio at the source rows as ``sample_weight``: importance-weighted
    learning for covariate shift (:math:`p(y\mid x)` shared).

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier or regressor whose ``fit`` takes
        ``sample_weight`` (else a ``TypeError``, before any work); ``None``
        means ``LogisticRegression()``.
    sigma : float or array-like of float, default=None
        Width :math:`\sigma` of the Gaussian kernel
        :math:`\exp(-\lVert x - c\rVert^2 / (2\sigma^2))`. One value: used as
        given. Several: the one with the best likelihood cross-validation
        score. ``None``: the candidates are the median-heuristic width
        :math:`\sigma_{med}` (:math:`2\sigma_{med}^2` the median squared
        distance between the pooled source and target rows, over a seeded
        subsample of 1,000 rows when there are more) times
        :math:`2^{-3}, 2^{-2.5}, \dots, 2^{1}`.
    n_centers : int, default=100
        Number :math:`b` of kernel centres, drawn (seeded) without
        replacement from the target rows; every target row is a centre when
        there are at most ``n_centers`` (the paper's choice,
        :math:`b = \min(100, n_t)`).
    cv : int, default=5
        Folds :math:`R` of the likelihood cross-validation over the target
        rows (the paper's 5), capped at the number of target rows (and of
        source rows with ``cv_criterion="normalized"``); not used when
        ``sigma`` is one value.
    cv_criterion : {"paper", "normalized"}, default="paper"
        The held-out score of a width (:func:`kliep_cv_scores`).
        ``"paper"``: the mean log-ratio of the held-out target rows, each
        fold fitted on every source row (Sugiyama et al.). ``"normalized"``:
        the source rows are split into folds too, and the score is the
        held-out log-likelihood of the normalised model, which also charges
        a ratio that is large on held-out source rows. The paper's criterion
        can choose kernels too narrow for the source sample, whose ratio is
        then very large between the source rows (see Notes).
    tol : float, default=1e-6
        The solver stops when the mean log-likelihood of the target rows is
        certified within ``tol`` of its maximum (:func:`kliep_duality_gap`).
    max_iter : int, default=100
        Largest number of solver iterations per fit; a
        ``ConvergenceWarning`` when the final fit reaches it first.
    random_state : int, RandomState instance or None, default=None
        Seeds the centres, the folds and the median heuristic's subsample.
        ``None`` draws fresh seeds (never from numpy's global generator).

    Attributes
    ----------
    weights_ : ndarray of shape (n_source_rows,)
        :math:`\hat w(x^s_i)` at the source rows, in their order in ``X``:
        the estimated ratio itself, not rescaled; the constraint makes their
        mean exactly 1 (up to rounding). Equal to ``density_ratio`` at those
        rows.
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the labelled rows with
        ``sample_weight``: ``weights_`` on source rows, 1 on labelled target
        rows.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    alpha_ : ndarray of shape (n_centers_,)
        The coefficients :math:`\alpha` (non-negative; many are 0).
    centers_ : ndarray of shape (n_centers_, n_features)
        The kernel centres :math:`c_l`.
    center_indices_ : ndarray of shape (n_centers_,)
        Their indices among the rows of ``X``.
    sigma_ : float
        The kernel width used.
    sigma_grid_ : ndarray of shape (n_sigmas,)
        The candidate widths, ascending.
    cv_scores_ : ndarray of shape (n_sigmas,) or None
        The likelihood cross-validation score of each candidate
        (:func:`kliep_cv_scores`; higher is better), ``None`` with one
        candidate.
    objective_ : float
        :math:`\frac{1}{n_t}\sum_j \log \hat w(x^t_j)` at the solution.
    duality_gap_ : float
        Its certified distance to the maximum (:func:`kliep_duality_gap`).
    n_iter_ : int
        Solver iterations of the final fit.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    ULSIF : The least-squares fit of the same model, in closed form.
    DiscriminativeRatio : The ratio from a probabilistic domain classifier.
    KMM : Weights of the source rows only, by kernel mean matching.

    Notes
    -----
    **The problem.** All source domains (``sample_domain >= 0``) are pooled,
    and all target domains. With :math:`A_{jl} = K_\sigma(x^t_j, c_l)` and
    :math:`b_l = \frac{1}{n_s}\sum_i K_\sigma(x^s_i, c_l)`, KLIEP solves

    .. math::

        \max_{\alpha}\ \sum_{j=1}^{n_t} \log (A\alpha)_j
        \quad\text{subject to}\quad b^\top\alpha = 1,\ \alpha \ge 0,

    the maximum-likelihood fit of :math:`\hat w\, p_s` to the target rows
    under the normalisation :math:`\int \hat w\, p_s = 1` (estimated on the
    source rows). It is concave, and solved exactly by sequential quadratic
    programming (:func:`kliep_solve`, the method of Kim et al. for mixture
    proportions), not by the paper's fixed-step projected gradient ascent:
    the solver stops on a certificate that the objective is within ``tol``
    of its maximum, and the zeros of :math:`\alpha` are exact. A centre that the
    source rows do not reach at all (:math:`b_l` underflows, below
    :data:`MIN_SOURCE_MEAN`) would have an unbounded coefficient; it gets 0.

    **Model selection.** Likelihood cross-validation: the target rows are
    split into ``cv`` seeded folds; each width is fitted on the other folds
    and scored on the held-out one; the centres stay the same throughout,
    and the width with the highest mean score (the widest among equal ones)
    is refitted on every row.
    The paper's score (``cv_criterion="paper"``) is the mean log-ratio
    :math:`\log\hat w(x)` of the held-out target rows, with every source
    row in every fit. It takes the normalisation
    :math:`\frac{1}{n_s}\sum_i \hat w(x^s_i) = 1` for granted beyond the
    source rows the fit saw, so it rewards a large coefficient at a centre
    that few source rows reach, and can choose a kernel too narrow for the
    source sample: the ratio is then correct on average over the source
    rows (the constraint) but very large between them. Measured on source
    :math:`N(0, I_3)`, target :math:`N(0.5, 0.7^2 I_3)`, 500 rows each, 10
    seeds: the paper's score chose :math:`\sigma` of 0.24 to 0.49 and the
    ratio on new source rows had a normalised squared error (against the
    true ratio, relative to its variance) of 0.4 to :math:`2 \cdot 10^8`;
    ``cv_criterion="normalized"``, which splits the source rows into folds
    too and scores the held-out log-likelihood of the normalised model
    (:func:`kliep_cv_scores`), chose 0.48 to 1.36, with errors of 0.003 to
    0.16 in 9 seeds of 10 (4.4 in the tenth).

    **Complexity.** With :math:`b` centres, :math:`S` candidate widths and
    :math:`R` folds: the kernel values cost :math:`O(S (n_s + n_t) b d)`
    time; each fit :math:`O(n_t b^2 + b^3)` per iteration (1 to 20
    iterations), and there are :math:`S R + 1` fits. Memory :math:`O(n_t b)` for
    the target kernel matrix (source rows are summed in blocks of about
    64 MiB) and :math:`O(b^2)` for the quadratic model. ``density_ratio`` on
    :math:`n` rows costs :math:`O(n b d)` time, in blocks.

    References
    ----------
    .. [1] M. Sugiyama, S. Nakajima, H. Kashima, P. von Bünau and
       M. Kawanabe, "Direct Importance Estimation with Model Selection and
       Its Application to Covariate Shift Adaptation", NIPS 2007.
    .. [2] Y. Kim, P. Carbonetto, M. Stephens and M. Anitescu, "A Fast
       Algorithm for Maximum Likelihood Estimation of Mixture Proportions
       Using Sequential Quadratic Programming", Journal of Computational and
       Graphical Statistics 29(2):261-273, 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.instance import KLIEP
    >>> X, y, sample_domain = make_domain_shift("covariate", n_features=3, random_state=0)
    >>> model = KLIEP(LogisticRegression(), random_state=0).fit(X, y, sample_domain=sample_domain)
    >>> model.weights_.shape, model.centers_.shape
    ((500,), (100, 3))
    >>> round(float(model.weights_.mean()), 6)  # the constraint: mean 1 over the source rows
    1.0
    >>> bool(np.allclose(model.density_ratio(X[sample_domain >= 0]), model.weights_))
    True
    >>> model.predict(X[sample_domain < 0]).shape
    (500,)
    """

    _parameter_constraints = {
        "estimator": [Estimator(), None],
        "sigma": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "cv_criterion": [Options(_CV_CRITERIA)],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        sigma=None,
        n_centers=100,
        cv=5,
        cv_criterion="paper",
        tol=1e-6,
        max_iter=100,
        random_state=None,
    ):
        self.estimator = estimator
        self.sigma = sigma
        self.n_centers = n_centers
        self.cv = cv
        self.cv_criterion = cv_criterion
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def _fit_weights(self, data):
        X = np.asarray(data.X, dtype=np.float64)
        source, target = data.source, data.target
        Xs, Xt = X[source], X[target]
        rng = _rng(self.random_state)
        default = None
        if self.sigma is None:
            default = default_sigma_grid(np.vstack([Xs, Xt]), rng)
        self.sigma_grid_ = candidate_grid(self, "sigma", self.sigma, default)

        target_index = np.flatnonzero(target)
        self.center_indices_ = select_centers(target_index, self.n_centers, rng)
        self.centers_ = X[self.center_indices_]

        self.cv_scores_ = None
        if self.sigma_grid_.size > 1:
            normalized = self.cv_criterion == "normalized"
            n_folds = min(self.cv, Xt.shape[0], Xs.shape[0] if normalized else self.cv)
            if n_folds < 2:
                raise param_error(
                    self,
                    "sigma",
                    "one value when there is a single target row, or a single source row "
                    "with cv_criterion='normalized' (likelihood cross-validation needs two)",
                    self.sigma,
                )
            folds = list(KFold(n_folds, shuffle=True, random_state=rng).split(Xt))
            source_folds = None
            if normalized:
                source_folds = list(KFold(n_folds, shuffle=True, random_state=rng).split(Xs))
            self.cv_scores_ = kliep_cv_scores(
                Xs,
                Xt,
                self.centers_,
                self.sigma_grid_,
                folds,
                source_folds=source_folds,
                tol=self.tol,
                max_iter=self.max_iter,
            )
            # the best score; among equal ones (every fold unfit: -inf) the widest kernel
            best = self.cv_scores_.size - 1 - int(np.argmax(self.cv_scores_[::-1]))
            self.sigma_ = float(self.sigma_grid_[best])
        else:
            self.sigma_ = float(self.sigma_grid_[0])

        b = _source_means(Xs, self.centers_, self.sigma_)
        try:
            A = gaussian_gram(Xt, self.centers_, self.sigma_)
            solution = kliep_solve(A, b, tol=self.tol, max_iter=self.max_iter)
        except ValueError as exc:
            raise param_error(
                self, "sigma", "a width at which the source rows reach the centres", self.sigma_
            ) from exc
        if not solution.converged:
            warnings.warn(
                f"KLIEP's solver stopped after max_iter={self.max_iter} iterations with a "
                f"certified gap of {solution.duality_gap:.2e} > tol={self.tol:g}. Raise "
                "max_iter or tol.",
                ConvergenceWarning,
                stacklevel=5,
            )
        self.alpha_ = solution.alpha
        self.objective_ = solution.objective
        self.duality_gap_ = solution.duality_gap
        self.n_iter_ = solution.n_iter
        return self._ratio(Xs)

    def _ratio(self, X):
        return kernel_ratio(X, self.centers_, self.sigma_, self.alpha_)
