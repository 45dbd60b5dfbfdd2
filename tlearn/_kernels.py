"""Kernels shared by every family: Gram matrices, kernel parameters, landmarks, Nystrom maps.

The bottom layer under the families (TCA, KMM, and the methods that will
need kernels: MMD, KLIEP, uLSIF, JDA): it imports no family module, and no
family imports another family's module for these pieces.

- :func:`kernel_gram`: the Gram matrix of a named or callable kernel;
  :func:`estimator_gram`: the same with a fitted estimator's kernel
  parameters; :func:`kernel_param_errors`: what is wrong with them;
- :func:`select_landmarks`, :func:`nystrom_whitening`: the landmarks and the
  map :math:`M = V_r S_r^{-1/2}` of the Nystrom feature map
  :math:`\\Phi = k(X, \\text{landmarks}) M`;
- :func:`block_rows`: rows per block that keep a block of kernel values near
  64 MiB.
"""

import numbers

import numpy as np
from scipy import linalg
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.utils import check_random_state

__all__ = [
    "KERNELS",
    "block_rows",
    "estimator_gram",
    "kernel_gram",
    "kernel_param_errors",
    "nystrom_whitening",
    "select_landmarks",
]

KERNELS = ("linear", "rbf", "poly", "laplacian")
#: Eigenvalues of the landmark Gram matrix below this fraction of the largest are dropped.
_NYSTROM_RTOL = 1e-10
#: Upper bound on the entries of one block of kernel values (64 MiB of float64).
_BLOCK_ELEMENTS = 8_000_000
_MAX_BLOCK_ROWS = 20_000


def block_rows(n_columns):
    """Rows per block so that a block of ``n_columns`` kernel values stays small."""
    return int(max(1, min(_MAX_BLOCK_ROWS, _BLOCK_ELEMENTS // max(int(n_columns), 1))))


def kernel_gram(X, Y=None, kernel="linear", *, gamma=None, degree=3, coef0=1, kernel_params=None):
    """Gram matrix ``k(X, Y)`` of a named kernel or of a matrix-valued callable.

    Parameters
    ----------
    X : ndarray of shape (n_samples_X, n_features)
    Y : ndarray of shape (n_samples_Y, n_features), default=None
        ``None`` means ``X``.
    kernel : {"linear", "rbf", "poly", "laplacian"} or callable, default="linear"
        A name goes to :func:`sklearn.metrics.pairwise.pairwise_kernels` with
        ``gamma``, ``degree``, ``coef0`` (each kernel takes the ones it has).
        A callable is called once, as ``kernel(X, Y, **kernel_params)``, and
        must return the ``(n_samples_X, n_samples_Y)`` Gram matrix (unlike
        ``pairwise_kernels``, which calls a callable once per pair of rows).
    gamma : float, default=None
        ``None`` means ``1 / n_features``.
    degree, coef0 : float
        Parameters of the polynomial kernel.
    kernel_params : dict, default=None
        Extra keyword arguments of the kernel.

    Returns
    -------
    K : ndarray of shape (n_samples_X, n_samples_Y), float64
    """
    Y = X if Y is None else Y
    params = dict(kernel_params or {})
    if callable(kernel):
        K = np.asarray(kernel(X, Y, **params), dtype=np.float64)
        if K.shape != (X.shape[0], Y.shape[0]):
            raise ValueError(
                f"The callable kernel returned an array of shape {K.shape}; expected the "
                f"Gram matrix of shape {(X.shape[0], Y.shape[0])}. A callable kernel is "
                "called as kernel(X, Y, **kernel_params) on 2-D arrays of rows."
            )
        return K
    if gamma is None:
        gamma = 1.0 / X.shape[1]
    return pairwise_kernels(
        X,
        Y,
        metric=kernel,
        filter_params=True,
        gamma=gamma,
        degree=degree,
        coef0=coef0,
        **params,
    ).astype(np.float64, copy=False)


def select_landmarks(source, n_landmarks, random_state=None):
    """Indices of ``n_landmarks`` rows drawn without replacement, stratified by side.

    Source and target rows get landmarks in proportion to their numbers, at
    least one each (several source or target domains are pooled, as in TCA).

    Parameters
    ----------
    source : ndarray of bool of shape (n_samples,)
    n_landmarks : int
        Between 2 and ``n_samples``.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    indices : ndarray of int of shape (n_landmarks,)
        Sorted.
    """
    rng = check_random_state(random_state)
    src = np.flatnonzero(source)
    tgt = np.flatnonzero(~np.asarray(source, dtype=bool))
    n = src.size + tgt.size
    if not 2 <= n_landmarks <= n:
        raise ValueError(f"n_landmarks must be between 2 and {n}; got {n_landmarks}.")
    m_t = int(round(n_landmarks * tgt.size / n))
    m_t = min(max(m_t, 1, n_landmarks - src.size), tgt.size, n_landmarks - 1)
    chosen = np.concatenate(
        [rng.choice(src, n_landmarks - m_t, replace=False), rng.choice(tgt, m_t, replace=False)]
    )
    return np.sort(chosen)


def nystrom_whitening(W_landmarks, rtol=_NYSTROM_RTOL):
    r"""The map :math:`M = V_r S_r^{-1/2}` (``W_landmarks = V S V^T``).

    Eigenvalues below ``rtol`` times the largest are dropped, so that
    :math:`\Phi = C M` has full column rank ``r`` and
    :math:`\Phi\Phi^\top = C W_l^{+} C^\top` is the Nystrom approximation
    of ``K``.

    Parameters
    ----------
    W_landmarks : ndarray of shape (n_landmarks, n_landmarks)
        Kernel matrix of the landmarks.
    rtol : float, default=1e-10

    Returns
    -------
    M : ndarray of shape (n_landmarks, r)
    """
    s, V = linalg.eigh(0.5 * (W_landmarks + W_landmarks.T))
    keep = (s > rtol * s[-1]) & (s > 0)
    return V[:, keep] / np.sqrt(s[keep])


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)


def estimator_gram(est, X, Y):
    """``k(X, Y)`` with a fitted estimator's kernel parameters."""
    return kernel_gram(
        X,
        Y,
        est.kernel,
        gamma=est.gamma_,
        degree=est.degree,
        coef0=est.coef0,
        kernel_params=est.kernel_params,
    )


def kernel_param_errors(kernel, gamma, degree, coef0, kernel_params):
    """Messages naming each invalid kernel parameter."""
    errors = []
    named = isinstance(kernel, str)
    if not callable(kernel) and not (named and kernel in KERNELS):
        errors.append(
            f"kernel must be one of {', '.join(map(repr, KERNELS))} or a callable "
            f"k(X, Y); got {kernel!r}."
        )
    if gamma is not None and (not _is_real(gamma) or gamma <= 0):
        errors.append(f"gamma must be None or a positive number; got {gamma!r}.")
    if not _is_real(degree) or degree < 0:
        errors.append(f"degree must be a non-negative number; got {degree!r}.")
    if not _is_real(coef0):
        errors.append(f"coef0 must be a finite number; got {coef0!r}.")
    if kernel_params is not None:
        if not isinstance(kernel_params, dict):
            errors.append(f"kernel_params must be None or a dict; got {type(kernel_params)}.")
        elif named:
            clash = sorted({"gamma", "degree", "coef0"} & set(kernel_params))
            if clash:
                errors.append(
                    f"kernel_params repeats {clash}: with a named kernel, pass them as "
                    "the gamma, degree and coef0 parameters."
                )
    return errors
