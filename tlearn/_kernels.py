"""Kernels shared by every family: Gram matrices, kernel parameters, landmarks, Nystrom maps.

The bottom layer under the families (TCA, KMM, and the methods that will
need kernels: MMD, KLIEP, uLSIF, JDA): it imports no family module, and no
family imports another family's module for these pieces.

- :func:`kernel_gram`: the Gram matrix of a named or callable kernel;
  :func:`estimator_gram`: the same with a fitted estimator's kernel
  parameters;
- :func:`paired_kernel`: the kernel values ``k(x_i, y_i)`` of paired rows,
  in linear time (the linear-time MMD);
- :data:`KERNEL_PARAMETER_CONSTRAINTS`: the table entries of the kernel
  parameters (:mod:`tlearn._params`), and :func:`check_kernel_params` /
  :func:`check_kernel_arguments`, the check that involves two of them;
- :data:`SKLEARN_KERNELS`: every kernel name of
  :func:`sklearn.metrics.pairwise.pairwise_kernels` (the metrics take any of
  them; the estimators take :data:`KERNELS`);
- :func:`median_heuristic_gamma`: the default width of the rbf and laplacian
  kernels;
- :func:`select_landmarks`, :func:`nystrom_whitening`: the landmarks and the
  map :math:`M = V_r S_r^{-1/2}` of the Nystrom feature map
  :math:`\\Phi = k(X, \\text{landmarks}) M`;
- :func:`select_centers`: the kernel centres of a ratio model (KLIEP,
  uLSIF), a seeded subset of the target rows; :func:`sigma_to_gamma`: the
  rbf coefficient of a Gaussian width;
- :func:`block_rows`: rows per block that keep a block of kernel values near
  64 MiB; :func:`random_state_or_fresh`: the random generator of a seed,
  never numpy's global one.
"""

from numbers import Real

import numpy as np
from scipy import linalg
from sklearn.metrics.pairwise import pairwise_distances, pairwise_kernels
from sklearn.utils import check_random_state

from ._params import Interval, Options, param_error

__all__ = [
    "KERNELS",
    "KERNEL_PARAMETER_CONSTRAINTS",
    "SKLEARN_KERNELS",
    "block_rows",
    "check_kernel_arguments",
    "check_kernel_params",
    "estimator_gram",
    "kernel_gram",
    "median_heuristic_gamma",
    "nystrom_whitening",
    "paired_kernel",
    "random_state_or_fresh",
    "select_centers",
    "select_landmarks",
    "sigma_to_gamma",
]

KERNELS = ("linear", "rbf", "poly", "laplacian")
#: Every named kernel of :func:`sklearn.metrics.pairwise.pairwise_kernels`
#: (``sklearn.metrics.pairwise.kernel_metrics()``; a test keeps the two equal).
SKLEARN_KERNELS = (
    "rbf",
    "laplacian",
    "linear",
    "poly",
    "polynomial",
    "sigmoid",
    "cosine",
    "chi2",
    "additive_chi2",
)
#: Rows per block when the paired values of a callable kernel are read off
#: the diagonals of small Gram blocks.
_PAIRED_BLOCK = 64
#: Eigenvalues of the landmark Gram matrix below this fraction of the largest are dropped.
_NYSTROM_RTOL = 1e-10
#: Upper bound on the entries of one block of kernel values (64 MiB of float64).
_BLOCK_ELEMENTS = 8_000_000
_MAX_BLOCK_ROWS = 20_000
#: Rows that the median heuristic looks at (a seeded subsample beyond this).
MEDIAN_MAX_ROWS = 1_000


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


def select_centers(candidates, n_centers, random_state=None):
    """Indices of ``min(n_centers, n_candidates)`` candidates, drawn without replacement.

    The kernel centres of a density-ratio model: Sugiyama et al. (KLIEP) and
    Kanamori et al. (uLSIF) place Gaussian kernels at a random subset of the
    target rows. With at most ``n_centers`` candidates every one is a centre
    (no draw).

    Parameters
    ----------
    candidates : ndarray of int of shape (n_candidates,)
        Row indices to draw from (the target rows).
    n_centers : int
        At least 1.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    indices : ndarray of int of shape (min(n_centers, n_candidates),)
        Sorted.

    Examples
    --------
    >>> select_centers(np.array([4, 7, 9]), 5)  # fewer candidates: all of them
    array([4, 7, 9])
    >>> select_centers(np.arange(10, 20), 3, random_state=0).size
    3
    """
    candidates = np.asarray(candidates, dtype=np.intp)
    if n_centers < 1:
        raise ValueError(f"n_centers must be at least 1; got {n_centers}.")
    if candidates.size <= n_centers:
        return np.sort(candidates)
    rng = check_random_state(random_state)
    return np.sort(rng.choice(candidates, n_centers, replace=False))


def sigma_to_gamma(sigma):
    r"""The rbf coefficient :math:`\gamma = 1 / (2\sigma^2)` of a Gaussian width :math:`\sigma`.

    With it, :func:`kernel_gram`'s ``"rbf"`` is the Gaussian kernel of the
    density-ratio papers,
    :math:`\exp(-\lVert x - x' \rVert^2 / (2\sigma^2))`. Conversely a
    ``gamma`` (the median heuristic's, say) is the width
    ``sigma = (2 * gamma) ** -0.5``.

    Parameters
    ----------
    sigma : float
        Positive.

    Returns
    -------
    gamma : float
        ``inf`` when :math:`\sigma^2` underflows (:math:`\sigma < 10^{-154}`
        or so).

    Examples
    --------
    >>> sigma_to_gamma(0.5)
    2.0
    """
    with np.errstate(over="ignore", divide="ignore"):
        return float(0.5 / np.float64(sigma) ** 2)


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


def paired_kernel(X, Y, kernel="linear", *, gamma=None, degree=3, coef0=1, kernel_params=None):
    r"""The kernel values :math:`k(x_i, y_i)` of paired rows: the diagonal of ``k(X, Y)``.

    Every named kernel of :data:`SKLEARN_KERNELS` is evaluated row by row in
    closed form, with scikit-learn's definitions and parameter names
    (:math:`\exp(-\gamma\lVert x - y\rVert^2)`,
    :math:`\exp(-\gamma\lVert x - y\rVert_1)`, :math:`x^\top y`,
    :math:`(\gamma x^\top y + c_0)^{\text{degree}}`,
    :math:`\tanh(\gamma x^\top y + c_0)`, the cosine similarity,
    :math:`\exp(-\gamma \sum_j (x_j - y_j)^2 / (x_j + y_j))` and
    :math:`-\sum_j (x_j - y_j)^2 / (x_j + y_j)`, a term with
    :math:`x_j + y_j = 0` counting 0): :math:`O(n d)` time and memory. A
    callable kernel (it returns Gram matrices) is called on blocks of 64
    pairs and its values read off the diagonals: :math:`O(64\, n d)` time,
    :math:`O(64^2)` extra memory.

    Parameters
    ----------
    X, Y : ndarray of shape (n_pairs, n_features)
    kernel : str or callable, default="linear"
        As in :func:`kernel_gram`.
    gamma : float, default=None
        ``None`` means ``1 / n_features`` (as in :func:`kernel_gram`).
    degree, coef0 : float
        Parameters of the polynomial and sigmoid kernels.
    kernel_params : dict, default=None
        Keyword arguments of a callable kernel.

    Returns
    -------
    k : ndarray of shape (n_pairs,), float64

    Examples
    --------
    >>> import numpy as np
    >>> paired_kernel(np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]]), "rbf", gamma=1.0)
    array([0.36787944, 1.        ])
    """
    if X.shape != Y.shape:
        raise ValueError(f"paired rows need arrays of one shape; got {X.shape} and {Y.shape}.")
    if callable(kernel):
        out = np.empty(X.shape[0])
        for start in range(0, X.shape[0], _PAIRED_BLOCK):
            rows = slice(start, start + _PAIRED_BLOCK)
            K = kernel_gram(X[rows], Y[rows], kernel, kernel_params=kernel_params)
            out[rows] = np.diagonal(K)
        return out
    if gamma is None:
        gamma = 1.0 / X.shape[1]
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if kernel == "rbf":
        return np.exp(-gamma * np.einsum("ij,ij->i", X - Y, X - Y))
    if kernel == "laplacian":
        return np.exp(-gamma * np.abs(X - Y).sum(axis=1))
    dot = np.einsum("ij,ij->i", X, Y)
    if kernel == "linear":
        return dot
    if kernel in ("poly", "polynomial"):
        return (gamma * dot + coef0) ** degree
    if kernel == "sigmoid":
        return np.tanh(gamma * dot + coef0)
    if kernel == "cosine":
        norms = np.linalg.norm(X, axis=1) * np.linalg.norm(Y, axis=1)
        return np.divide(dot, norms, out=np.zeros_like(dot), where=norms > 0)
    if kernel in ("chi2", "additive_chi2"):
        if (X < 0).any() or (Y < 0).any():
            raise ValueError(
                f"X or Y contains negative values; the {kernel} kernel needs non-negative data."
            )
        num, den = (X - Y) ** 2, X + Y
        terms = np.divide(num, den, out=np.zeros_like(num), where=den > 0).sum(axis=1)
        return np.exp(-gamma * terms) if kernel == "chi2" else -terms
    raise ValueError(f"kernel must be one of {SKLEARN_KERNELS} or a callable; got {kernel!r}.")


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


#: The table entries of the kernel parameters, shared by every kernel method
#: (``_parameter_constraints = {**KERNEL_PARAMETER_CONSTRAINTS, ...}``).
KERNEL_PARAMETER_CONSTRAINTS = {
    "kernel": [Options(KERNELS), callable],
    "gamma": [Interval(Real, 0, None, closed="neither"), None],
    "degree": [Interval(Real, 0, None, closed="left")],
    "coef0": [Interval(Real, None, None)],
    "kernel_params": [dict, None],
}


def check_kernel_params(estimator):
    """The check of the kernel parameters that involves two of them.

    ``kernel_params`` with a named kernel must not repeat ``gamma``,
    ``degree`` or ``coef0`` (they are parameters of their own). The types and
    ranges of each parameter are checked by
    :func:`tlearn._params.validate_params` with
    :data:`KERNEL_PARAMETER_CONSTRAINTS`.

    Parameters
    ----------
    estimator : estimator object
        With ``kernel`` and ``kernel_params`` parameters.

    Raises
    ------
    ValueError
        In the one format of :func:`tlearn._params.param_error`.
    """
    check_kernel_arguments(estimator, estimator.kernel, estimator.kernel_params)


def check_kernel_arguments(owner, kernel, kernel_params):
    """:func:`check_kernel_params` for a plain function's arguments.

    Parameters
    ----------
    owner : estimator, class or str
        Names the error message (a function's name, for the metrics).
    kernel : str or callable
    kernel_params : dict or None

    Raises
    ------
    ValueError
        In the one format of :func:`tlearn._params.param_error`.
    """
    if isinstance(kernel, str) and kernel_params:
        clash = sorted({"gamma", "degree", "coef0"} & set(kernel_params))
        if clash:
            raise param_error(
                owner,
                "kernel_params",
                f"a dict without {clash} for the named kernel {kernel!r} (pass "
                "them as the parameters gamma, degree and coef0)",
                kernel_params,
            )


def median_heuristic_gamma(X, *, metric="sqeuclidean", max_rows=MEDIAN_MAX_ROWS, random_state=None):
    r"""``gamma = 1 / median`` of the pairwise distances between the rows of ``X``.

    The median runs over the pairs :math:`i < j` of distinct row indices of
    ``X``, or of ``max_rows`` rows drawn without replacement from
    ``random_state`` when ``X`` has more. With ``metric="sqeuclidean"`` this is
    the rbf kernel :math:`\exp(-\gamma \lVert x - x' \rVert^2)` with
    :math:`1/\gamma` the median squared distance (equivalently
    :math:`\exp(-\lVert x - x' \rVert^2 / (2\sigma^2))` with
    :math:`2\sigma^2` the median squared distance); ``metric="manhattan"``
    gives the laplacian kernel's :math:`1/\gamma` the median L1 distance. If
    the median is 0 (more than half the pairs are duplicate rows), the median
    of the positive distances is used; if every row is the same, or the
    distances are so small that :math:`1/\text{median}` overflows (rows
    that differ by less than about :math:`10^{-154}`), 1.0.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    metric : {"sqeuclidean", "manhattan"}, default="sqeuclidean"
    max_rows : int, default=1000
    random_state : int, RandomState instance or None, default=None
        Draws the subsample (only when ``n_samples > max_rows``).

    Returns
    -------
    gamma : float

    Examples
    --------
    >>> import numpy as np
    >>> median_heuristic_gamma(np.array([[0.0], [1.0], [3.0]]))  # distances^2: 1, 4, 9
    0.25
    """
    X = np.asarray(X, dtype=np.float64)
    if X.shape[0] > max_rows:
        rows = random_state_or_fresh(random_state).choice(X.shape[0], max_rows, replace=False)
        X = X[np.sort(rows)]
    if X.shape[0] < 2:
        return 1.0
    if metric == "sqeuclidean":
        D = pairwise_distances(X, metric="euclidean")
        D *= D
    elif metric == "manhattan":
        D = pairwise_distances(X, metric="manhattan")
    else:
        raise ValueError(f"metric must be 'sqeuclidean' or 'manhattan'; got {metric!r}.")
    d = D[np.triu_indices(X.shape[0], k=1)]
    med = float(np.median(d))
    if med <= 0:
        positive = d[d > 0]
        if positive.size == 0:
            return 1.0
        med = float(np.median(positive))
    gamma = 1.0 / med
    return gamma if np.isfinite(gamma) else 1.0  # distances so small that 1/med overflows


def random_state_or_fresh(random_state):
    """``check_random_state``, except that ``None`` never draws from numpy's global RNG.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        ``None``: a generator seeded from fresh OS entropy.

    Returns
    -------
    rng : numpy.random.RandomState
    """
    if random_state is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(4))
    return check_random_state(random_state)
