r"""Kernel Mean Matching (Huang, Smola, Gretton, Borgwardt and Schölkopf, NIPS 2006).

The math lives in plain functions that the tests call directly:

- :func:`median_heuristic_gamma` (from :mod:`tlearn._kernels`): the default
  kernel width;
- :func:`default_eps`, :func:`project_box_band`: the feasible set
  :math:`\{0 \le b \le B,\ |\sum_i b_i - n_s| \le n_s \epsilon\}` (:math:`B` is
  ``max_weight``) and the exact Euclidean projection onto it;
- :func:`kmm_dense_terms`, :func:`kmm_nystrom_terms`: the quadratic and linear
  terms of the QP, exact (``n_s x n_s``) or through a Nystrom factor
  (``n_s x r``);
- :func:`kmm_objective`, :func:`kkt_residual`: the objective and the
  optimality measure that the solvers stop on;
- :func:`kmm_gpcg`: the default solver (projected gradient and conjugate
  gradients on the faces of the feasible set, matrix-free);
- :func:`kmm_cvxpy`: the same QP handed to cvxpy (Clarabel), imported on use.

:class:`KMM` is the thin estimator on top of them.
"""

import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, eigsh
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches

from .._kernels import (
    KERNEL_PARAMETER_CONSTRAINTS,
    MEDIAN_MAX_ROWS,
    check_kernel_params,
    estimator_gram,
    median_heuristic_gamma,
    nystrom_whitening,
    select_landmarks,
)
from .._kernels import block_rows as _block_rows
from .._kernels import random_state_or_fresh as _rng
from .._params import DEPRECATED, Estimator, Interval, Options, Renamed, param_error, param_value
from ..base import BaseInstanceTransfer

__all__ = [
    "KMM",
    "KMMSolution",
    "default_eps",
    "kkt_residual",
    "kmm_cvxpy",
    "kmm_dense_terms",
    "kmm_gpcg",
    "kmm_nystrom_terms",
    "kmm_objective",
    "median_heuristic_gamma",
    "project_box_band",
]

_SOLVERS = ("auto", "gpcg", "cvxpy")
#: Largest number of source rows for which ``n_landmarks=None`` uses the exact kernel.
DENSE_MAX_SOURCE = 5_000
#: Landmarks of the Nystrom factor when ``n_landmarks=None`` and the source is larger.
DEFAULT_LANDMARKS = 2_000

# GPCG constants (More and Toraldo 1991 use the same roles; the values are ours).
_ARMIJO = 0.01  # sufficient decrease of an accepted projected step
_ETA_GP = 0.1  # a projected-gradient phase ends when a step gains < _ETA_GP * best gain
_ETA_CG = 0.1  # a CG phase ends when a CG step gains < _ETA_CG * best gain
_GP_MAX_STEPS = 50
_SEARCH_STEPS = 10  # halvings of the projected search along a CG direction
_BAND_RTOL = 1e-10  # sum(b) this close (relatively) to a band edge: the edge is active


# --- kernel width and feasible set ---------------------------------------------------------


def default_eps(n_source):
    r"""The paper's band width :math:`\epsilon = (\sqrt{n_s} - 1) / \sqrt{n_s}`.

    Parameters
    ----------
    n_source : int

    Returns
    -------
    eps : float
    """
    root = np.sqrt(n_source)
    return float((root - 1.0) / root)


def project_box_band(v, max_weight, lo, hi):
    r"""Euclidean projection of ``v`` onto :math:`\{0 \le b \le B,\ lo \le \sum b \le hi\}`.

    The projection is :math:`b = \operatorname{clip}(v - t, 0, B)` for a scalar
    shift :math:`t` (the multiplier of the sum constraint): :math:`t = 0`
    when :math:`\operatorname{clip}(v, 0, B)` already has its sum in
    :math:`[lo, hi]`; otherwise :math:`t` solves
    :math:`\sum_i \operatorname{clip}(v_i - t, 0, B) = c` for the nearer edge
    :math:`c \in \{lo, hi\}`. That sum is piecewise linear and non-increasing
    in :math:`t`, with breakpoints :math:`v_i` and :math:`v_i - B`: the
    breakpoints are sorted, the sum is evaluated at all of them by prefix
    sums, and on the segment that contains :math:`c` the free coordinates are
    known, so :math:`t` is solved for exactly. :math:`O(n \log n)`.

    The box holds exactly (``clip``); the sum equals the edge up to rounding.

    Parameters
    ----------
    v : ndarray of shape (n,)
    max_weight : float
        :math:`B`, the positive upper bound of every coordinate.
    lo, hi : float
        Band of the sum, ``lo <= hi`` and ``lo <= n * max_weight`` (else the set is empty).

    Returns
    -------
    b : ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> project_box_band(np.array([3.0, 0.5, -1.0]), 2.0, 0.0, 10.0)  # the box alone
    array([2. , 0.5, 0. ])
    >>> project_box_band(np.array([3.0, 1.5, -1.0]), 2.0, 0.0, 2.0)  # shift t = 1.25
    array([1.75, 0.25, 0.  ])
    """
    v = np.asarray(v, dtype=np.float64)
    B = max_weight  # the paper's symbol, as in the formulas above
    z = np.clip(v, 0.0, B)
    s = z.sum()
    if lo <= s <= hi:
        return z
    target = hi if s > hi else lo
    n = v.size
    if target >= n * B:
        return np.full(n, float(B))
    if target <= 0:
        return np.zeros(n)
    vs = np.sort(v)
    cum = np.concatenate([[0.0], np.cumsum(vs)])

    def segment(t):
        # [a, c): the coordinates with 0 < v_i - t < B (v_i > t and v_i - B <= t)
        a = np.searchsorted(vs, t, side="right")
        c = np.searchsorted(vs - B, t, side="right")
        return a, c

    p = np.sort(np.concatenate([vs - B, vs]))
    a, c = segment(p)
    total = B * (n - c) + (cum[c] - cum[a]) - p * (c - a)  # the sum at each breakpoint
    # total decreases from n*B (p[0]) to 0 (p[-1]); the root lies in [p[k-1], p[k]]
    k = int(np.searchsorted(-total, -target, side="left"))
    k = min(max(k, 1), p.size - 1)
    a, c = segment(0.5 * (p[k - 1] + p[k]))
    if c > a:
        t = (cum[c] - cum[a] + B * (n - c) - target) / (c - a)
    else:  # flat segment: the sum equals target on all of it
        t = p[k]
    return np.clip(v - t, 0.0, B)


def _check_feasible(owner, n_source, max_weight, lo, hi):
    """The constraints have a solution: ``n_s * (1 - eps) <= n_s * max_weight``."""
    if not lo <= n_source * max_weight:
        raise param_error(
            owner,
            "max_weight",
            f"at least 1 - eps = {lo / n_source:g} (sum(b) >= n_s * (1 - eps) = {lo:g} but "
            f"n_s * max_weight = {n_source * max_weight:g}: the KMM constraints are "
            "infeasible; raise max_weight or eps)",
            max_weight,
        )


# --- the terms of the QP --------------------------------------------------------------------


def kmm_dense_terms(Xs, Xt, gram_fn, block_rows=None):
    r"""The exact QP terms :math:`K = k(X_s, X_s)` and :math:`\kappa`.

    :math:`\kappa_i = \frac{n_s}{n_t} \sum_j k(x^s_i, x^t_j)` is accumulated
    over blocks of target rows: :math:`O(n_s n_t d)` time and
    :math:`O(n_s \cdot \text{block})` memory beyond :math:`K`
    (:math:`O(n_s^2)`).

    Parameters
    ----------
    Xs : ndarray of shape (n_source, n_features)
    Xt : ndarray of shape (n_target, n_features)
    gram_fn : callable
        ``gram_fn(A, B)`` returns the kernel matrix between the rows of A and B.
    block_rows : int, default=None
        Target rows per block (``None``: blocks of about 64 MiB).

    Returns
    -------
    K : ndarray of shape (n_source, n_source)
        Symmetrized.
    kappa : ndarray of shape (n_source,)
    """
    n_s, n_t = Xs.shape[0], Xt.shape[0]
    K = gram_fn(Xs, Xs)
    K += K.T
    K *= 0.5
    kappa = np.zeros(n_s)
    for rows in gen_batches(n_t, block_rows or _block_rows(n_s)):
        kappa += gram_fn(Xs, Xt[rows]).sum(axis=1)
    kappa *= n_s / n_t
    return K, kappa


def kmm_nystrom_terms(Xs, Xt, landmarks, gram_fn, block_rows=None):
    r"""The QP terms for the Nystrom kernel :math:`\tilde k(x, x') = \phi(x)^\top \phi(x')`.

    :math:`\phi(x) = M^\top k(\text{landmarks}, x)` with
    :math:`M = V_r S_r^{-1/2}` from :func:`~tlearn._kernels.nystrom_whitening`
    (the landmark Gram matrix :math:`V S V^\top`, eigenvalues below ``1e-10``
    of the largest dropped). Returns the source factor
    :math:`\Phi_s` (:math:`\tilde K = \Phi_s \Phi_s^\top`) and
    :math:`\tilde\kappa = \frac{n_s}{n_t} \Phi_s \Phi_t^\top \mathbf{1}`, the
    linear term of the *same* kernel, so that the objective is the squared
    distance of the weighted source mean to the target mean in the
    :math:`r`-dimensional feature space (up to a constant). Kernel values are
    computed in row blocks: :math:`O((n_s + n_t) m d + n_s m r + m^3)` time,
    :math:`O(n_s r + m^2 + \text{block} \cdot m)` memory.

    Parameters
    ----------
    Xs : ndarray of shape (n_source, n_features)
    Xt : ndarray of shape (n_target, n_features)
    landmarks : ndarray of shape (n_landmarks, n_features)
    gram_fn : callable
    block_rows : int, default=None

    Returns
    -------
    factor : ndarray of shape (n_source, r)
        :math:`\Phi_s`.
    kappa : ndarray of shape (n_source,)
    """
    n_s, n_t = Xs.shape[0], Xt.shape[0]
    M = nystrom_whitening(gram_fn(landmarks, landmarks))
    block = block_rows or _block_rows(landmarks.shape[0])
    factor = np.empty((n_s, M.shape[1]))
    for rows in gen_batches(n_s, block):
        factor[rows] = gram_fn(Xs[rows], landmarks) @ M
    target_sum = np.zeros(landmarks.shape[0])
    for rows in gen_batches(n_t, block):
        target_sum += gram_fn(Xt[rows], landmarks).sum(axis=0)
    kappa = factor @ (M.T @ target_sum)
    kappa *= n_s / n_t
    return factor, kappa


def _operator(K, factor):
    """``x -> K x`` for a dense ``K`` or ``K = factor @ factor.T`` (exactly one given)."""
    if (K is None) == (factor is None):
        raise ValueError("Pass exactly one of K and factor.")
    if K is not None:
        return K.shape[0], (lambda x: K @ x)
    return factor.shape[0], (lambda x: factor @ (factor.T @ x))


def kmm_objective(b, kappa, *, K=None, factor=None):
    r"""The KMM objective :math:`\frac12 b^\top K b - \kappa^\top b`.

    Parameters
    ----------
    b, kappa : ndarray of shape (n_source,)
    K : ndarray of shape (n_source, n_source), default=None
    factor : ndarray of shape (n_source, r), default=None
        :math:`K = \Phi\Phi^\top`; exactly one of ``K`` and ``factor``.

    Returns
    -------
    objective : float
    """
    if factor is not None and K is None:
        z = factor.T @ b
        return float(0.5 * z @ z - kappa @ b)
    _, matvec = _operator(K, factor)
    return float(0.5 * b @ matvec(b) - kappa @ b)


def kkt_residual(b, grad, lipschitz, max_weight, lo, hi):
    r"""Optimality measure :math:`\lVert b - P(b - \nabla f(b)/L) \rVert_\infty`.

    :math:`P` is :func:`project_box_band`. It is zero exactly at the
    solutions of the QP (a fixed point of the projected gradient step is a
    KKT point), and it is measured in units of the weights.

    Parameters
    ----------
    b, grad : ndarray of shape (n_source,)
        A feasible point and :math:`\nabla f(b) = K b - \kappa`.
    lipschitz : float
        :math:`L`, the largest eigenvalue of :math:`K` (or a bound on it).
    max_weight, lo, hi : float
        The feasible set, as in :func:`project_box_band`.

    Returns
    -------
    residual : float
    """
    step = project_box_band(b - grad / lipschitz, max_weight, lo, hi)
    return float(np.max(np.abs(b - step), initial=0))


def _lambda_max(matvec, n, trace):
    """Largest eigenvalue of the PSD operator, by Lanczos (ARPACK), deterministic start.

    If ARPACK fails, the trace (an upper bound for a PSD matrix) is used.
    """
    if trace <= 0:  # a PSD matrix with zero trace is zero
        return 0.0
    if n <= 3:
        return float(np.linalg.eigvalsh(np.column_stack([matvec(e) for e in np.eye(n)]))[-1])
    v0 = np.random.default_rng(0).uniform(0.5, 1.5, n)  # fixed, local: never the global RNG
    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    try:
        return float(eigsh(op, k=1, which="LA", tol=1e-6, v0=v0, return_eigenvectors=False)[0])
    except (ArpackNoConvergence, ArpackError):
        return float(trace)


class KMMSolution(NamedTuple):
    """Result of :func:`kmm_gpcg` and :func:`kmm_cvxpy`."""

    weights: np.ndarray
    objective: float
    n_iter: int
    residual: float
    converged: bool


# --- the default solver -----------------------------------------------------------------------


def kmm_gpcg(kappa, max_weight, lo, hi, *, K=None, factor=None, max_iter=10_000, tol=1e-6):
    r"""Solve the KMM QP by projected gradient + conjugate gradients (GPCG).

    Minimises :math:`f(b) = \frac12 b^\top K b - \kappa^\top b` over
    :math:`C = \{0 \le b \le B,\ lo \le \sum_i b_i \le hi\}` (:math:`B` =
    ``max_weight``), with ``K`` either dense or given as ``factor``
    (:math:`K = \Phi\Phi^\top`); only products :math:`K x` are used. The
    method is that of Moré and Toraldo (1991) for bound-constrained QPs, with
    the band as one more constraint:

    1. *Projected-gradient phase.* Steps
       :math:`b^+ = P(b - \alpha \nabla f(b))` (:math:`P` the exact
       projection :func:`project_box_band`) from the Cauchy step
       :math:`\alpha = g_F^\top g_F / g_F^\top K g_F` on the free coordinates
       (at least :math:`1/L`). :math:`b^+` is accepted when
       :math:`f(b^+) \le f(b) + 0.01\, \nabla f(b)^\top (b^+ - b)`; otherwise
       the exact minimiser of :math:`f` on the segment :math:`[b, b^+]`
       (feasible, by convexity) is taken. The phase ends when a step leaves
       the active set (coordinates at 0 or at :math:`B`, the sum at a band edge)
       unchanged, gains less than 0.1 times the phase's best gain, or after
       50 steps.
    2. *Face phase.* Conjugate gradients on the free coordinates of ``b``
       (restricted to :math:`\sum_i d_i = 0` when the sum sits at a band
       edge), until a step gains less than 0.1 times the best CG gain or the
       reduced gradient vanishes. With :math:`w` the CG point and
       :math:`d = w - b`: :math:`w` itself when feasible; else a projected
       search :math:`P(b + a d)`, :math:`a = 1, 1/2, \dots` (at most 10
       halvings), accepted on the same sufficient decrease; else the longest
       feasible step :math:`b + a_{max} d` (a decrease, by convexity, since
       :math:`f(w) < f(b)`). If the active set is unchanged and every active
       constraint is binding (its multiplier has the right sign), another
       face phase follows; else a projected-gradient phase.

    Every iterate is feasible and every step decreases :math:`f`. The
    iteration stops as soon as the KKT residual
    :math:`\lVert b - P(b - \nabla f(b)/L) \rVert_\infty` (:func:`kkt_residual`,
    :math:`L` the largest eigenvalue of :math:`K` from Lanczos, times 1.01)
    is at most ``tol * max(1, max_i b_i)``, or after ``max_iter`` products
    with :math:`K`. The result is then projected once more (exact bounds
    despite rounding).

    Parameters
    ----------
    kappa : ndarray of shape (n,)
    max_weight : float
        :math:`B`, the upper bound of every weight.
    lo, hi : float
        Band of :math:`\sum_i b_i`.
    K : ndarray of shape (n, n), default=None
    factor : ndarray of shape (n, r), default=None
        Exactly one of ``K`` and ``factor``.
    max_iter : int, default=10000
        Maximum number of products with :math:`K` (each :math:`O(n^2)` dense,
        :math:`O(n r)` with a factor), not counting the few dozen of the
        Lanczos estimate of :math:`L`.
    tol : float, default=1e-6

    Returns
    -------
    solution : KMMSolution
        ``weights``, ``objective``, ``n_iter`` (products with :math:`K`),
        ``residual`` (the KKT residual) and ``converged``.

    References
    ----------
    .. [1] J. J. Moré and G. Toraldo, "On the solution of large quadratic
       programming problems with bound constraints", SIAM J. Optim.
       1(1):93-113, 1991.
    """
    kappa = np.asarray(kappa, dtype=np.float64)
    B = max_weight  # the paper's symbol, as in the formulas above
    n, matvec = _operator(K, factor)
    n_iter = 0

    def Kdot(x):
        nonlocal n_iter
        n_iter += 1
        return matvec(x)

    trace = np.trace(K) if K is not None else np.einsum("ij,ij->", factor, factor)
    lipschitz = 1.01 * _lambda_max(matvec, n, trace)
    if not np.isfinite(lipschitz) or lipschitz <= 0:  # K = 0: every feasible b is optimal
        lipschitz = 1.0
    band_tol = _BAND_RTOL * max(abs(hi), abs(lo), 1.0)

    def objective(x, Kx):
        return 0.5 * (x @ Kx) - kappa @ x

    def active(x):
        s = x.sum()
        edge = 1 if s >= hi - band_tol else (-1 if s <= lo + band_tol else 0)
        return (x <= 0) | (x >= B), edge

    def residual(x, Kx):
        return kkt_residual(x, Kx - kappa, lipschitz, B, lo, hi)

    def gradient_step(x, Kx, fx, g, xt):
        """Accept ``xt`` on sufficient decrease, else the best point of [x, xt]."""
        d = xt - x
        if not np.any(d):
            return x, Kx, fx
        Kxt = Kdot(xt)
        ft = objective(xt, Kxt)
        gd = g @ d
        if ft <= fx + _ARMIJO * gd:
            return xt, Kxt, ft
        Kd = Kxt - Kx
        dKd = d @ Kd
        step = 1.0 if dKd <= 0 else min(max(-gd / dKd, 0.0), 1.0)
        xs = np.clip(x + step * d, 0.0, B)
        Kxs = Kx + step * Kd
        fs = objective(xs, Kxs)
        return (xs, Kxs, fs) if fs < fx else (x, Kx, fx)

    def face_step(x, Kx, fx, w, Kw, fw):
        """Projected search on ``P(x + a (w - x))``, a = 1, 1/2, ..., else the truncated step."""
        d = w - x
        if not np.any(d) or fw >= fx:
            return x, Kx, fx
        s, sd = x.sum(), d.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(d > 0, (B - x) / d, np.where(d < 0, -x / d, np.inf))
        a_max = float(room.min(initial=np.inf))
        if sd > 0:
            a_max = min(a_max, (hi - s) / sd)
        elif sd < 0:
            a_max = min(a_max, (lo - s) / sd)
        if a_max >= 1.0:  # the CG point is feasible
            return w, Kw, fw
        g = Kx - kappa
        a = 1.0
        for _ in range(_SEARCH_STEPS):
            if a <= a_max or n_iter >= max_iter:
                break
            xt = project_box_band(x + a * d, B, lo, hi)
            Kxt = Kdot(xt)
            ft = objective(xt, Kxt)
            if ft <= fx + _ARMIJO * (g @ (xt - x)):
                return xt, Kxt, ft
            a *= 0.5
        # x + a d is feasible for a <= a_max, and f(x + a d) < f(x) there (convexity)
        a = max(a_max, 0.0)
        xs = np.clip(x + a * d, 0.0, B)
        Kxs = Kx + a * (Kw - Kx)
        fs = objective(xs, Kxs)
        return (xs, Kxs, fs) if fs < fx else (x, Kx, fx)

    x = project_box_band(np.ones(n), B, lo, hi)
    Kx = Kdot(x)
    fx = objective(x, Kx)
    res = residual(x, Kx)

    def converged(x, res):
        return res <= tol * max(1.0, float(x.max(initial=0.0)))

    while not converged(x, res) and n_iter < max_iter:
        start = n_iter
        # 1. projected-gradient phase
        act, edge = active(x)
        best = 0.0
        for _ in range(_GP_MAX_STEPS):
            g = Kx - kappa
            gF = np.where(act, 0.0, g)
            alpha = 1.0 / lipschitz
            if gF.any():
                curvature = gF @ Kdot(gF)
                if curvature > 0:
                    alpha = max(alpha, (gF @ gF) / curvature)
            f_old = fx
            x, Kx, fx = gradient_step(x, Kx, fx, g, project_box_band(x - alpha * g, B, lo, hi))
            gain = f_old - fx
            new_act, new_edge = active(x)
            same = new_edge == edge and np.array_equal(new_act, act)
            act, edge = new_act, new_edge
            if same or gain <= _ETA_GP * best or n_iter >= max_iter:
                break
            best = max(best, gain)
        res = residual(x, Kx)
        # 2. face phases
        while not converged(x, res) and n_iter < max_iter:
            free = ~act
            if not free.any():
                break
            w, Kw, fw = x.copy(), Kx.copy(), fx
            r = kappa[free] - Kw[free]  # minus the reduced gradient
            if edge:
                r -= r.mean()
            p = np.zeros(n)
            p[free] = r
            rr = r @ r
            best = 0.0
            for _ in range(int(free.sum()) + 1):
                if n_iter >= max_iter or np.max(np.abs(r)) <= 0.1 * tol * lipschitz:
                    break
                Kp = Kdot(p)
                pKp = p[free] @ Kp[free]
                if pKp <= 0:
                    break
                step = rr / pKp
                w[free] += step * p[free]
                Kw += step * Kp
                f_new = objective(w, Kw)
                gain, fw = fw - f_new, f_new
                r -= step * Kp[free]
                if edge:
                    r -= r.mean()
                rr_new = r @ r
                p[free] = r + (rr_new / rr) * p[free]
                rr = rr_new
                if gain <= _ETA_CG * best:
                    break
                best = max(best, gain)
            f_old = fx
            x, Kx, fx = face_step(x, Kx, fx, w, Kw, fw)
            res = residual(x, Kx)
            new_act, new_edge = active(x)
            g = Kx - kappa
            free = ~new_act
            t = -g[free].mean() if new_edge and free.any() else 0.0  # multiplier estimate
            binding = np.all(g[x <= 0] + t >= 0) and np.all(g[x >= B] + t <= 0)
            binding = binding and (new_edge == 0 or new_edge * t >= 0)
            unchanged = new_edge == edge and np.array_equal(new_act, act)
            act, edge = new_act, new_edge
            if not (unchanged and binding and fx < f_old):
                break
        if n_iter == start:  # no product with K: nothing can change any more
            break
    b = project_box_band(x, B, lo, hi)
    Kb = Kdot(b)
    res = residual(b, Kb)
    return KMMSolution(b, float(objective(b, Kb)), n_iter, res, bool(converged(b, res)))


# --- cvxpy ------------------------------------------------------------------------------------


def kmm_cvxpy(kappa, max_weight, lo, hi, *, K=None, factor=None, max_iter=1000):
    r"""Solve the KMM QP with cvxpy (Clarabel, else OSQP) at tight tolerances.

    cvxpy is imported here, not when tlearn is imported. The quadratic term
    is ``cp.quad_form(b, cp.psd_wrap(K))`` for a dense ``K`` (``psd_wrap``
    skips cvxpy's own eigenvalue check: ``K`` is a kernel matrix) and
    ``cp.sum_squares(factor.T @ b)`` for a factor. Clarabel runs with
    ``tol_gap_abs = tol_gap_rel = tol_feas = 1e-10`` (OSQP, when Clarabel is
    missing, with ``eps_abs = eps_rel = 1e-9`` and polishing). An interior
    point method returns bounds up to its tolerance, so the solution is then
    projected with :func:`project_box_band` (clipped to the box, shifted into
    the band if rounding left it outside), which makes the bounds exact.

    Parameters
    ----------
    kappa : ndarray of shape (n,)
    max_weight, lo, hi : float
        The feasible set, as in :func:`kmm_gpcg`.
    K : ndarray of shape (n, n), default=None
    factor : ndarray of shape (n, r), default=None
        Exactly one of ``K`` and ``factor``.
    max_iter : int, default=1000
        The solver's iteration limit (OSQP: at least 100,000).

    Returns
    -------
    solution : KMMSolution
        ``residual`` is ``nan`` (see :func:`kkt_residual`) and ``converged``
        says whether the solver reported an optimal solution.
    """
    import cvxpy as cp

    kappa = np.asarray(kappa, dtype=np.float64)
    n, _ = _operator(K, factor)
    b = cp.Variable(n)
    if K is not None:
        quad = cp.quad_form(b, cp.psd_wrap(0.5 * (K + K.T)))
    else:
        quad = cp.sum_squares(factor.T @ b)
    total = cp.sum(b)
    problem = cp.Problem(
        cp.Minimize(0.5 * quad - kappa @ b),
        [b >= 0, b <= max_weight, total >= lo, total <= hi],
    )
    installed = cp.installed_solvers()
    if "CLARABEL" in installed:
        options = dict(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
        options["max_iter"] = int(max_iter)
    elif "OSQP" in installed:
        options = dict(solver="OSQP", eps_abs=1e-9, eps_rel=1e-9, polish=True)
        options["max_iter"] = max(int(max_iter), 100_000)
    else:
        raise RuntimeError("solver='cvxpy' needs cvxpy's Clarabel or OSQP solver installed.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "solution may be inaccurate": see status
        problem.solve(**options)
    if b.value is None:
        raise RuntimeError(f"cvxpy ({options['solver']}) failed: status {problem.status!r}.")
    converged = problem.status == cp.OPTIMAL
    if not converged:
        warnings.warn(
            f"cvxpy ({options['solver']}) returned status {problem.status!r}; the KMM "
            "weights may be inaccurate.",
            ConvergenceWarning,
            stacklevel=2,
        )
    weights = project_box_band(np.asarray(b.value, dtype=np.float64), max_weight, lo, hi)
    n_iter = problem.solver_stats.num_iters
    return KMMSolution(
        weights,
        kmm_objective(weights, kappa, K=K, factor=factor),
        int(n_iter) if n_iter is not None else 0,
        float("nan"),
        converged,
    )


# --- the estimator ----------------------------------------------------------------------------


class KMM(BaseInstanceTransfer):
    r"""Kernel Mean Matching: reweight source rows so that their kernel mean is the target's.

    KMM (Huang et al., 2006) finds weights :math:`b_i \ge 0` of the source
    rows such that the weighted mean of the source rows in a kernel feature
    space is as close as possible to the mean of the target rows. Under
    covariate shift (:math:`p(y \mid x)` shared) the weights estimate the
    density ratio :math:`p_t(x) / p_s(x)` without estimating either density.
    The estimator is then fitted on the labelled rows with these weights as
    ``sample_weight``.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier or regressor whose ``fit`` takes
        ``sample_weight`` (else a ``TypeError``, before any work); ``None``
        means ``LogisticRegression()``.
    kernel : {"rbf", "laplacian", "poly", "linear"} or callable, default="rbf"
        Kernel of the feature space; a callable is called as
        ``kernel(X, Y, **kernel_params)`` on 2-D arrays of rows and returns the
        Gram matrix. KMM matches all moments only for a universal kernel
        (rbf, laplacian); "poly" and "linear" match the moments they span.
    gamma : float, default=None
        Coefficient of the rbf, laplacian and poly kernels. ``None``: the
        median heuristic for rbf (``1 / median`` squared Euclidean distance
        between rows, :func:`median_heuristic_gamma`) and laplacian (``1 /
        median`` L1 distance), over the pooled source and target rows (a
        seeded subsample of 1,000 rows when there are more);
        ``1 / n_features`` for poly.
    degree : float, default=3
        Degree of the poly kernel.
    coef0 : float, default=1
        Constant term of the poly kernel.
    kernel_params : dict, default=None
        Keyword arguments of a callable kernel.
    max_weight : float, default=1000.0
        Upper bound :math:`B` of every weight (the paper's box
        :math:`0 \le b_i \le B`). It holds exactly.
    eps : float, default=None
        Band of the weight sum, :math:`|\sum_i b_i - n_s| \le n_s \epsilon`;
        ``None`` means the paper's :math:`(\sqrt{n_s} - 1)/\sqrt{n_s}`.
        Needs ``max_weight`` :math:`\ge 1 - \epsilon` (else no feasible weights).
    solver : {"auto", "gpcg", "cvxpy"}, default="auto"
        ``"gpcg"`` (and ``"auto"``): projected gradient + conjugate gradients
        on the faces (:func:`kmm_gpcg`), matrix-free, exact bounds.
        ``"cvxpy"``: the QP in cvxpy with Clarabel (:func:`kmm_cvxpy`); a
        reference, slow beyond a few thousand rows.
    max_iter : int, default=10000
        ``"gpcg"``: maximum number of products with the kernel matrix; a
        ``ConvergenceWarning`` when reached before ``tol``. ``"cvxpy"``: the
        solver's iteration limit. (10,000 rather than 1,000: the tail of
        ill-conditioned problems, e.g. strong shift in a few dimensions, can
        need several thousand products; well-conditioned ones stop after
        tens to hundreds.)
    tol : float, default=1e-6
        ``"gpcg"`` stops when the KKT residual
        :math:`\lVert b - P(b - \nabla f(b)/L) \rVert_\infty` is at most
        ``tol * max(1, max_i b_i)`` (see Notes). Not used by ``"cvxpy"``,
        which runs at fixed tight tolerances.
    n_landmarks : int, default=None
        ``None``: the exact kernel matrix when there are at most 5,000 source
        rows, else the Nystrom factor on 2,000 landmarks. An int ``m >= 2``:
        always the Nystrom factor on ``m`` landmarks (capped at the number of
        training rows, with a warning).
    random_state : int, RandomState instance or None, default=None
        Seeds the landmark draw and the median heuristic's subsample. ``None``
        draws fresh seeds (never from numpy's global generator).
    B : float, default="deprecated"
        The old name of ``max_weight``: renamed in 0.1, removed in 0.3. Given,
        it is used as ``max_weight`` with a ``FutureWarning``; given together
        with a different ``max_weight``, a ``ValueError``.

    Attributes
    ----------
    weights_ : ndarray of shape (n_source_rows,)
        The weights :math:`b` of the source rows, in their order in ``X``.
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the labelled rows with
        ``sample_weight``: ``weights_`` on source rows, 1 on labelled target
        rows.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    gamma_ : float or None
        The kernel coefficient used (``None`` for linear and callable kernels).
    eps_ : float
        The band width used.
    objective_ : float
        :math:`\frac12 b^\top K b - \kappa^\top b` at ``weights_`` (for the
        Nystrom kernel on that path).
    kkt_residual_ : float
        :func:`kkt_residual` at ``weights_`` (``nan`` for ``"cvxpy"``).
    n_iter_ : int
        ``"gpcg"``: products with the kernel matrix; ``"cvxpy"``: solver
        iterations.
    solver_ : str
        The path used: ``"gpcg-dense"``, ``"gpcg-nystrom"``, ``"cvxpy-dense"``
        or ``"cvxpy-nystrom"``.
    n_landmarks_ : int or None
        Landmarks of the Nystrom factor (``None`` on the dense path).
    landmark_indices_ : ndarray of shape (n_landmarks_,) or None
        Their indices among the training rows.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    tlearn.feature.TCA : Kernel mean matching of the rows' embedding instead
        of their weights.

    Notes
    -----
    **The QP.** All source domains (``sample_domain >= 0``) are pooled, and
    all target domains. With :math:`n_s` source rows :math:`x^s_i`,
    :math:`n_t` target rows :math:`x^t_j`, :math:`K_{ij} = k(x^s_i, x^s_j)`
    and :math:`\kappa_i = \frac{n_s}{n_t}\sum_j k(x^s_i, x^t_j)`, KMM solves

    .. math::

        \min_b\ \tfrac12 b^\top K b - \kappa^\top b
        \quad\text{subject to}\quad 0 \le b_i \le B,\quad
        \Bigl|\sum_{i} b_i - n_s\Bigr| \le n_s \epsilon,

    with :math:`B` = ``max_weight`` and :math:`\epsilon` = ``eps``, which is
    :math:`\frac{n_s^2}{2}` times the squared distance between
    :math:`\frac{1}{n_s}\sum_i b_i \phi(x^s_i)` and
    :math:`\frac{1}{n_t}\sum_j \phi(x^t_j)` in feature space, minus a
    constant. The bounds hold exactly in ``weights_`` (both solvers end with
    the exact projection :func:`project_box_band`); the sum holds up to
    rounding.

    **Stopping rule.** With :math:`P` the projection onto the feasible set
    and :math:`L` the largest eigenvalue of :math:`K`, the KKT residual
    :math:`r(b) = \lVert b - P(b - (Kb - \kappa)/L)\rVert_\infty` is zero
    exactly at the solutions; ``"gpcg"`` stops when
    :math:`r(b) \le \text{tol} \cdot \max(1, \max_i b_i)`. On an
    ill-conditioned kernel matrix (few dimensions, many rows) the weights
    along its near-null directions barely change the objective and are
    determined only loosely; the objective is.

    **Paths, complexity and error.**

    - Dense (``n_landmarks=None`` and :math:`n_s \le 5000`): :math:`K` is
      formed (:math:`8 n_s^2` bytes, 200 MB at 5,000 rows, plus a transient
      copy while it is symmetrized), :math:`\kappa` exactly in blocks of
      target rows (:math:`O(n_s n_t d)` time, :math:`O(n_s)` memory beyond a
      64 MiB block). Each product costs :math:`O(n_s^2)`. No approximation.
    - Nystrom (:math:`n_s > 5000`, or ``n_landmarks`` given): ``m``
      landmarks drawn (seeded) from the pooled rows, stratified between
      source and target; :math:`K \approx \Phi_s\Phi_s^\top` with
      :math:`\Phi_s = k(X_s, \text{landmarks}) W_m^{-1/2}` (rank
      :math:`r \le m`), and :math:`\kappa` of the same kernel,
      :math:`\frac{n_s}{n_t}\Phi_s\Phi_t^\top\mathbf{1}`
      (:func:`kmm_nystrom_terms`). Memory :math:`8 n_s r` bytes (320 MB at
      20,000 rows and 2,000 landmarks); each product :math:`O(n_s r)`. The
      objective is that of the Nystrom kernel, so the error is that of the
      Nystrom approximation; with every row a landmark it is the exact
      kernel (up to the dropped eigenvalues below ``1e-10`` of the largest).
      The linear term uses the Nystrom kernel too, not the exact
      :math:`\kappa`: the exact one has a component outside the range of
      :math:`\Phi_s`, a linear term with no curvature against it that would
      push weights to 0 or ``max_weight`` because of the approximation alone.
    - The rows are never split into independent smaller problems: every
      path solves the one QP over all source rows.

    References
    ----------
    .. [1] J. Huang, A. J. Smola, A. Gretton, K. M. Borgwardt and
       B. Schölkopf, "Correcting Sample Selection Bias by Unlabeled Data",
       NIPS 2006.
    .. [2] J. J. Moré and G. Toraldo, "On the solution of large quadratic
       programming problems with bound constraints", SIAM J. Optim.
       1(1):93-113, 1991.
    .. [3] C. K. I. Williams and M. Seeger, "Using the Nystrom Method to Speed
       Up Kernel Machines", NIPS 2001.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.instance import KMM
    >>> X, y, sample_domain = make_domain_shift("covariate", n_features=5, random_state=0)
    >>> model = KMM(LogisticRegression(), max_weight=10.0, random_state=0)
    >>> model = model.fit(X, y, sample_domain=sample_domain)
    >>> model.solver_, model.weights_.shape
    ('gpcg-dense', (500,))
    >>> bool(model.weights_.min() >= 0.0), bool(model.weights_.max() <= 10.0)
    (True, True)
    >>> model.predict(X[sample_domain < 0]).shape
    (500,)
    """

    _requires_target = True
    _parameter_constraints = {
        "estimator": [Estimator(), None],
        **KERNEL_PARAMETER_CONSTRAINTS,
        "max_weight": [Interval(Real, 0, None, closed="neither")],
        "eps": [Interval(Real, 0, None, closed="left"), None],
        "solver": [Options(_SOLVERS)],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_landmarks": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
        "B": [Renamed("max_weight"), Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        estimator=None,
        *,
        kernel="rbf",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        max_weight=1000.0,
        eps=None,
        solver="auto",
        max_iter=10_000,
        tol=1e-6,
        n_landmarks=None,
        random_state=None,
        B=DEPRECATED,
    ):
        self.estimator = estimator
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.max_weight = max_weight
        self.eps = eps
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.n_landmarks = n_landmarks
        self.random_state = random_state
        self.B = B

    def _gram(self, X, Y):
        return estimator_gram(self, X, Y)

    def _fit_weights(self, data):
        check_kernel_params(self)
        X = np.asarray(data.X, dtype=np.float64)
        source, target = data.source, data.target
        Xs, Xt = X[source], X[target]
        n_s, d = Xs.shape
        rng = _rng(self.random_state)

        if callable(self.kernel) or self.kernel == "linear":
            self.gamma_ = None
        elif self.gamma is not None:
            self.gamma_ = float(self.gamma)
        elif self.kernel == "poly":
            self.gamma_ = 1.0 / d
        else:
            metric = "sqeuclidean" if self.kernel == "rbf" else "manhattan"
            self.gamma_ = median_heuristic_gamma(
                np.vstack([Xs, Xt]), metric=metric, max_rows=MEDIAN_MAX_ROWS, random_state=rng
            )

        self.eps_ = default_eps(n_s) if self.eps is None else float(self.eps)
        max_weight = float(param_value(self, "max_weight"))
        lo, hi = n_s * (1.0 - self.eps_), n_s * (1.0 + self.eps_)
        _check_feasible(self, n_s, max_weight, lo, hi)

        m = self.n_landmarks
        if m is None and n_s > DENSE_MAX_SOURCE:
            m = DEFAULT_LANDMARKS
        self.n_landmarks_ = self.landmark_indices_ = None
        if m is None:
            K, kappa = kmm_dense_terms(Xs, Xt, self._gram)
            terms, path = {"K": K}, "dense"
        else:
            n = X.shape[0]
            if m > n:
                warnings.warn(
                    f"n_landmarks={m} is larger than the number of training rows ({n}); "
                    "every row is a landmark.",
                    UserWarning,
                    stacklevel=5,
                )
                m = n
            index = select_landmarks(source, m, rng)
            factor, kappa = kmm_nystrom_terms(Xs, Xt, X[index], self._gram)
            terms, path = {"factor": factor}, "nystrom"
            self.n_landmarks_, self.landmark_indices_ = m, index

        solver = "gpcg" if self.solver == "auto" else self.solver
        if solver == "cvxpy":
            solution = kmm_cvxpy(kappa, max_weight, lo, hi, max_iter=self.max_iter, **terms)
        else:
            solution = kmm_gpcg(
                kappa, max_weight, lo, hi, max_iter=self.max_iter, tol=self.tol, **terms
            )
            if not solution.converged:
                warnings.warn(
                    f"KMM's solver stopped after max_iter={self.max_iter} products with the "
                    f"kernel matrix with KKT residual {solution.residual:.2e} > tol * "
                    f"max(1, max weight). Raise max_iter or tol.",
                    ConvergenceWarning,
                    stacklevel=5,
                )
        self.solver_ = f"{solver}-{path}"
        self.objective_ = solution.objective
        self.kkt_residual_ = solution.residual
        self.n_iter_ = solution.n_iter
        return solution.weights
