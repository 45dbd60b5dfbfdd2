"""The shared-prior logistic objective, its gradient and its solvers (plain functions)."""

import numpy as np
from scipy import linalg, optimize
from scipy.special import expit, log_expit, logsumexp

from ._prior import mix

__all__ = [
    "fit_shared_prior_logistic",
    "intercept_penalty_basis",
    "learn_source_weights",
    "shared_prior_logistic_loss",
]


def intercept_penalty_basis(present, penalize_intercept=False):
    """The directions of the intercepts that the prior pulls: a matrix ``Q``.

    The intercept penalty is ``reg/2 ||Q'(b - b_0)||^2``; ``Q`` has
    orthonormal columns.

    - ``penalize_intercept``: every direction (``Q = I``).
    - Otherwise, when every class has labelled target rows: none.
    - Otherwise the target labels cannot say how frequent the classes they
      lack are: with free intercepts, those classes' probabilities would run
      to 0 (their intercepts to minus infinity, or the others' to plus
      infinity). So the prior pulls the intercept of each missing class, and
      the mean intercept of the present classes; the differences between
      present classes stay free. Binary with a class missing: the one
      intercept.

    Parameters
    ----------
    present : ndarray of bool of shape (n_classes,)
        Whether each class has labelled target rows of positive weight (a
        row of weight 0 counts as absent, as with repetition).
    penalize_intercept : bool, default=False

    Returns
    -------
    Q : ndarray of shape (n_rows, n_penalized)
        ``n_rows`` is 1 for two classes, else ``n_classes``.
    """
    n_rows = 1 if present.size == 2 else present.size
    if penalize_intercept:
        return np.eye(n_rows)
    if present.all():
        return np.zeros((n_rows, 0))
    if n_rows == 1 or not present.any():
        return np.eye(n_rows)
    missing = np.eye(n_rows)[:, ~present]
    return np.column_stack([missing, present / np.sqrt(present.sum())])


def _penalty_basis(penalize_intercept, n_rows):
    """``Q`` from a bool (every direction or none) or as given."""
    if isinstance(penalize_intercept, np.ndarray) and penalize_intercept.ndim == 2:
        return penalize_intercept
    return np.eye(n_rows) if penalize_intercept else np.zeros((n_rows, 0))


def _complement(Q):
    """An orthonormal basis ``N`` of the complement of the columns of ``Q``."""
    n_rows, n_pen = Q.shape
    if n_pen == 0:
        return np.eye(n_rows)
    return linalg.qr(Q, mode="full")[0][:, n_pen:]


def shared_prior_logistic_loss(
    coef,
    intercept,
    X,
    y_index,
    sample_weight,
    prior_coef,
    prior_intercept,
    reg,
    alpha=0.0,
    penalize_intercept=False,
):
    """The shared-prior objective and its exact gradient.

    .. math::

        \\sum_i s_i \\, \\ell(y_i, x_i W^\\top + b)
        + \\frac{\\lambda}{2} \\|W - W_0\\|_F^2 + \\frac{\\alpha}{2} \\|W\\|_F^2
        \\; \\left[ + \\frac{\\lambda}{2} \\|b - b_0\\|^2 \\right]

    with :math:`\\ell` the binary logistic loss when ``coef`` has one row
    (``log(1 + exp(z)) - y z``, computed as ``-log_expit``) and the
    multinomial loss otherwise (``logsumexp(z) - z_y``).

    Parameters
    ----------
    coef : ndarray of shape (n_rows, n_features)
        ``n_rows = 1``: binary (the second class against the first);
        otherwise one row per class.
    intercept : ndarray of shape (n_rows,) or None
        ``None``: no intercept.
    X : ndarray of shape (n_samples, n_features)
    y_index : ndarray of int of shape (n_samples,)
        Index of each row's class (``0`` or ``1`` when binary).
    sample_weight : ndarray of shape (n_samples,)
    prior_coef : ndarray of shape (n_rows, n_features)
    prior_intercept : ndarray of shape (n_rows,) or None
    reg, alpha : float
        :math:`\\lambda` (pull towards the prior) and :math:`\\alpha` (pull
        towards zero).
    penalize_intercept : bool or ndarray of shape (n_rows, n_penalized), default=False
        Add the bracketed term. An array ``Q`` with orthonormal columns
        penalises ``lambda/2 ||Q'(b - b_0)||^2``: only the directions of
        ``b`` it spans (see :func:`intercept_penalty_basis`).

    Returns
    -------
    loss : float
    grad_coef : ndarray of shape (n_rows, n_features)
    grad_intercept : ndarray of shape (n_rows,) or None
    """
    Z = X @ coef.T
    if intercept is not None:
        Z = Z + intercept
    if coef.shape[0] == 1:
        z, y = Z[:, 0], (y_index == 1).astype(np.float64)
        # log(1 + exp(z)) - y z = -log_expit(z) + (1 - y) z, stable for any z
        loss = sample_weight @ (-log_expit(z) + (1.0 - y) * z)
        R = (sample_weight * (expit(z) - y))[:, None]
    else:
        lse = logsumexp(Z, axis=1)
        loss = sample_weight @ (lse - Z[np.arange(Z.shape[0]), y_index])
        R = np.exp(Z - lse[:, None])
        R[np.arange(Z.shape[0]), y_index] -= 1.0
        R *= sample_weight[:, None]
    diff = coef - prior_coef
    loss += reg / 2 * np.sum(diff**2) + alpha / 2 * np.sum(coef**2)
    grad_coef = R.T @ X + reg * diff + alpha * coef
    grad_intercept = None
    if intercept is not None:
        grad_intercept = R.sum(axis=0)
        Q = _penalty_basis(penalize_intercept, coef.shape[0])
        if Q.shape[1]:
            diff_b = Q.T @ (intercept - prior_intercept)
            loss += reg / 2 * np.sum(diff_b**2)
            grad_intercept = grad_intercept + reg * (Q @ diff_b)
    return float(loss), grad_coef, grad_intercept


def fit_shared_prior_logistic(
    X,
    y_index,
    sample_weight,
    prior_coef,
    prior_intercept,
    *,
    reg,
    alpha=0.0,
    fit_intercept=True,
    penalize_intercept=False,
    tol=1e-6,
    max_iter=1000,
    coef_init=None,
    intercept_init=None,
):
    """Minimise :func:`shared_prior_logistic_loss` with L-BFGS-B on the exact gradient.

    The variables are rescaled by the square root of a bound on the diagonal
    of the Hessian (``sum_i s_i x_ij^2 / 4 + reg + alpha`` for a
    coefficient, ``sum_i s_i / 4`` (``+ reg``) for an intercept), which
    keeps the problem well conditioned from ``reg = 0`` to ``reg = 1e10``.
    The start is ``coef_init`` (default: the prior).

    Returns
    -------
    coef : ndarray of shape (n_rows, n_features)
    intercept : ndarray of shape (n_rows,) or None
        ``None`` when ``fit_intercept`` is False.
    n_iter : int
        L-BFGS-B iterations.
    converged : bool
        False when ``max_iter`` was reached.
    """
    n_rows, n_features = prior_coef.shape
    coef0 = prior_coef if coef_init is None else coef_init
    start = coef0.ravel()
    h = np.tile(sample_weight @ X**2 / 4 + reg + alpha, n_rows)
    if fit_intercept:
        b0 = prior_intercept if intercept_init is None else intercept_init
        start = np.concatenate([start, b0])
        Q = _penalty_basis(penalize_intercept, n_rows)
        h = np.concatenate([h, sample_weight.sum() / 4 + reg * (Q**2).sum(axis=1)])
    inv_sqrt_h = 1.0 / np.sqrt(np.where(h > 0, h, 1.0))
    n_coef = n_rows * n_features

    def unpack(theta):
        params = start + theta * inv_sqrt_h
        coef = params[:n_coef].reshape(n_rows, n_features)
        return coef, (params[n_coef:] if fit_intercept else None)

    def fun(theta):
        coef, intercept = unpack(theta)
        loss, g_coef, g_b = shared_prior_logistic_loss(
            coef,
            intercept,
            X,
            y_index,
            sample_weight,
            prior_coef,
            prior_intercept,
            reg,
            alpha,
            penalize_intercept,
        )
        grad = g_coef.ravel() if g_b is None else np.concatenate([g_coef.ravel(), g_b])
        return loss, grad * inv_sqrt_h

    result = optimize.minimize(
        fun,
        np.zeros_like(start),
        jac=True,
        method="L-BFGS-B",
        options={
            "maxiter": max_iter,
            "maxls": 50,
            "gtol": tol,
            "ftol": 64 * np.finfo(np.float64).eps,
        },
    )
    coef, intercept = unpack(result.x)
    return coef, intercept, int(result.nit), result.status != 1


def learn_source_weights(X, y_index, sw, coefs, intercepts, *, reg, alpha, **options):
    """Minimise the objective jointly over ``(W, b)`` and the source weights ``a``.

    The objective ``F(W, b, a)`` is jointly convex, but the penalty couples
    ``W`` and ``a`` with strength ``reg``: alternating exact minimisations
    in ``(W, b)`` and in ``a`` contracts by about ``reg / (reg + h)`` per
    round (``h`` the curvature of the loss along the priors), so it stalls
    for large ``reg``. Instead, one L-BFGS-B run takes every variable at
    once, in coordinates where the coupling is mild:

    - ``U = W - sum_k a_k W_k`` (and the same for the penalised part
      ``Q'b`` of the intercepts), so that the penalty is ``reg/2 ||U||^2``;
    - ``a = z / sum(z)`` with bounds ``z >= 0``, plus ``mu/2 (sum(z) - 1)^2``
      to fix the scale of ``z``.

    Every stationary point in ``(U, b, z)`` satisfies the optimality
    conditions of the convex problem in ``(W, b, a)`` (the gradient in ``z``
    is the gradient in ``a`` minus its ``a``-weighted mean, over
    ``sum(z)``; and the scale term vanishes there), so the minimum found is
    the joint minimum, with exact zeros in ``a`` where the bounds hold.

    Parameters
    ----------
    X, y_index, sw
        As in :func:`shared_prior_logistic_loss`.
    coefs : ndarray of shape (n_sources, n_rows, n_features)
    intercepts : ndarray of shape (n_sources, n_rows)
    reg, alpha : float
    **options
        ``fit_intercept``, ``penalize_intercept``, ``tol``, ``max_iter`` as
        in :func:`fit_shared_prior_logistic`.

    Returns
    -------
    coef, intercept : ndarrays
        As :func:`fit_shared_prior_logistic` returns them.
    source_weights : ndarray of shape (n_sources,)
        In the probability simplex.
    n_iter : int
    converged : bool
    """
    fit_intercept, tol = options["fit_intercept"], options["tol"]
    K, n_rows, n_features = coefs.shape
    n_coef = n_rows * n_features
    # intercepts in the coordinates b = Q c + N f: c penalised (with the
    # coefficients), f free; [Q, N] is orthogonal
    Q = _penalty_basis(options["penalize_intercept"], n_rows)
    if not fit_intercept:
        Q = np.zeros((n_rows, 0))
    N = _complement(Q) if fit_intercept else np.zeros((n_rows, 0))
    M = np.hstack([coefs.reshape(K, -1), intercepts @ Q])
    n_u, n_b = M.shape[1], N.shape[1]

    # diagonal scaling: bounds on the curvature of each variable
    h_u = np.concatenate(
        [np.tile(sw @ X**2 / 4 + reg + alpha, n_rows), np.full(Q.shape[1], sw.sum() / 4 + reg)]
    )
    h_b = np.full(n_b, sw.sum() / 4)
    scores = np.einsum("nd,krd->knr", X, coefs) + (intercepts @ Q @ Q.T)[:, None, :]
    h_a = (scores**2).sum(axis=2) @ sw / 4 + alpha * (coefs**2).sum(axis=(1, 2))
    mu = max(float(h_a.mean()), 1.0)
    h = np.concatenate([h_u, h_b, h_a + mu])
    inv_sqrt_h = 1.0 / np.sqrt(np.where(h > 0, h, 1.0))

    a0 = np.full(K, 1.0 / K)
    start = np.concatenate([np.zeros(n_u), mix(a0, coefs, intercepts)[1] @ N, a0])
    lower = np.full(start.size, -np.inf)
    lower[n_u + n_b :] = -start[n_u + n_b :] / inv_sqrt_h[n_u + n_b :]  # z >= 0

    def unpack(theta):
        params = start + theta * inv_sqrt_h
        u, b_free, z = params[:n_u], params[n_u : n_u + n_b], params[n_u + n_b :]
        z = np.maximum(z, 0.0)
        total = max(z.sum(), np.finfo(np.float64).tiny)
        a = z / total
        w = M.T @ a + u
        coef = w[:n_coef].reshape(n_rows, n_features)
        intercept = Q @ w[n_coef:] + N @ b_free if fit_intercept else None
        return u, a, total, coef, intercept

    def fun(theta):
        u, a, total, coef, intercept = unpack(theta)
        # loss + alpha term: the prior is the point itself, with reg = 0
        loss, g_coef, g_b = shared_prior_logistic_loss(
            coef, intercept, X, y_index, sw, coef, intercept, 0.0, alpha, False
        )
        if g_b is None:
            g_w, g_free = g_coef.ravel(), np.zeros(0)
        else:
            g_w, g_free = np.concatenate([g_coef.ravel(), Q.T @ g_b]), N.T @ g_b
        g_a = M @ g_w
        g_z = (g_a - a @ g_a) / total + mu * (total - 1.0)
        value = loss + reg / 2 * u @ u + mu / 2 * (total - 1.0) ** 2
        grad = np.concatenate([g_w + reg * u, g_free, g_z])
        return value, grad * inv_sqrt_h

    result = optimize.minimize(
        fun,
        np.zeros_like(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(lo, None) for lo in lower],
        options={
            "maxiter": options["max_iter"],
            "maxls": 50,
            "gtol": tol,
            "ftol": 64 * np.finfo(np.float64).eps,
        },
    )
    _, a, _, coef, intercept = unpack(result.x)
    return coef, intercept, a, int(result.nit), result.status != 1
