"""Divergences between the source and the target rows: MMD, proxy A-distance, CORAL distance.

Every function takes the rows in one of two forms, never a mix of them:

- the fit signature ``f(X, y, sample_domain)``: the source rows are those with
  ``sample_domain >= 0`` and the target rows those with ``sample_domain < 0``
  (several domains of one side are pooled); with ``sample_domain=None`` the
  target rows are those whose label is unknown, read from ``y`` exactly as
  ``fit`` reads it (:func:`tlearn._domains.check_domain_data`); with
  ``y=None`` the domains come from ``sample_domain`` alone (the labels play no
  part in a divergence between input distributions);
- two arrays ``f(Xs, Xt=Xt)``: the source rows, and the target rows as the
  keyword ``Xt`` (then ``y`` and ``sample_domain`` must be ``None``).

The math is in plain functions (:func:`quadratic_mmd_terms`,
:func:`mmd_from_terms`, :func:`linear_mmd`) that the tests call directly.
"""

from dataclasses import dataclass
from functools import partial
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array, gen_batches

from .._domains import check_domain_data, infer_task
from .._kernels import (
    _BLOCK_ELEMENTS,
    KERNEL_PARAMETER_CONSTRAINTS,
    SKLEARN_KERNELS,
    check_kernel_arguments,
    kernel_gram,
    median_heuristic_gamma,
    paired_kernel,
    random_state_or_fresh,
)
from .._kernels import block_rows as _block_rows
from .._params import Estimator, HasMethods, Interval, Options, check_params, param_error

__all__ = [
    "MMDTestResult",
    "coral_distance",
    "linear_mmd",
    "mmd2",
    "mmd_from_terms",
    "mmd_test",
    "proxy_a_distance",
    "quadratic_mmd_terms",
]

_METHODS = ("unbiased", "biased", "linear")
#: Kernels without a width: ``gamma`` is not used.
_NO_GAMMA = ("linear", "cosine", "additive_chi2")

_KERNEL_CONSTRAINTS = {
    "kernel": [Options(SKLEARN_KERNELS), callable],
    "gamma": KERNEL_PARAMETER_CONSTRAINTS["gamma"],
    "degree": KERNEL_PARAMETER_CONSTRAINTS["degree"],
    "coef0": KERNEL_PARAMETER_CONSTRAINTS["coef0"],
    "kernel_params": KERNEL_PARAMETER_CONSTRAINTS["kernel_params"],
}
_MMD_CONSTRAINTS = {
    **_KERNEL_CONSTRAINTS,
    "method": [Options(_METHODS)],
    "random_state": ["random_state"],
}
_MMD_TEST_CONSTRAINTS = {
    **_MMD_CONSTRAINTS,
    "n_permutations": [Interval(Integral, 1, None, closed="left")],
}
_PAD_CONSTRAINTS = {
    "estimator": [Estimator("classifier"), None],
    "cv": [Interval(Integral, 2, None, closed="left"), HasMethods(["split", "get_n_splits"])],
    "random_state": ["random_state"],
}
#: Relative tolerance of ``null >= statistic`` in the p-value: a permuted
#: statistic equal to the observed one up to rounding counts as >= (as in
#: ``scipy.stats.permutation_test``).
_PVALUE_RTOL = 100 * np.finfo(np.float64).eps


# --- the two forms of input ---------------------------------------------------------------------


def _source_target(owner, X, y, sample_domain, Xt):
    """The source and target rows, ``(Xs, Xt)``, float64, from either form of input."""
    if Xt is not None:
        given = [name for name, v in (("y", y), ("sample_domain", sample_domain)) if v is not None]
        if given:
            raise ValueError(
                f"{owner}: pass the rows either in the fit signature (X, y, sample_domain) or "
                f"as two arrays (Xs, Xt=Xt), not both; got Xt together with {' and '.join(given)}."
            )
        Xs = check_array(X, input_name="Xs", dtype=np.float64)
        Xt = check_array(Xt, input_name="Xt", dtype=np.float64)
        if Xs.shape[1] != Xt.shape[1]:
            raise ValueError(
                f"{owner}: Xs has {Xs.shape[1]} features but Xt has {Xt.shape[1]}; the "
                "domains must share one feature space."
            )
        return Xs, Xt
    if y is not None and np.ndim(y) == 2:
        raise ValueError(
            f"{owner}: y is 2-D (shape {np.shape(y)}). To pass the source and the target rows "
            f"as two arrays, write {owner}(Xs, Xt=Xt); in the fit signature "
            f"{owner}(X, y, sample_domain), y holds one label per row."
        )
    if y is None and sample_domain is None:
        raise ValueError(
            f"{owner}: no way to tell the target rows. Pass sample_domain (>= 0 for source "
            "rows, < 0 for target rows), labels y whose unknown entries (-1, NaN, None) mark "
            "the target rows, or the target rows themselves as Xt=."
        )
    if y is None:
        data = check_domain_data(None, X, None, sample_domain, reset=False, dtype=np.float64)
    else:
        data = check_domain_data(
            None,
            X,
            y,
            sample_domain,
            task=infer_task(y),
            dtype=np.float64,
            require_source=False,
            min_classes=1,
        )
    return data.X[data.source], data.X[data.target]


def _check_rows(owner, Xs, Xt, min_rows=1, why=""):
    """At least ``min_rows`` rows on each side, else a ValueError that says which side."""
    for side, rows, where in (
        ("source", Xs, "sample_domain >= 0, or known labels when sample_domain is None"),
        ("target", Xt, "sample_domain < 0, or unknown labels when sample_domain is None"),
    ):
        n = rows.shape[0]
        if n == 0:
            raise ValueError(f"{owner}: no {side} rows ({where}).")
        if n < min_rows:
            raise ValueError(f"{owner} needs at least {min_rows} {side} rows{why}; got {n}.")


# --- kernels ---------------------------------------------------------------------------------


def _kernel_functions(Z, kernel, gamma, degree, coef0, kernel_params, rng):
    """The Gram and paired-kernel functions, with the width resolved on the pooled rows ``Z``."""
    if callable(kernel) or kernel in _NO_GAMMA:
        gamma_ = None
    elif gamma is not None:
        gamma_ = float(gamma)
    elif kernel in ("rbf", "laplacian"):
        metric = "sqeuclidean" if kernel == "rbf" else "manhattan"
        gamma_ = median_heuristic_gamma(Z, metric=metric, random_state=rng)
    else:
        gamma_ = 1.0 / Z.shape[1]
    params = dict(gamma=gamma_, degree=degree, coef0=coef0, kernel_params=kernel_params)
    gram = partial(kernel_gram, kernel=kernel, **params)
    return gram, partial(paired_kernel, kernel=kernel, **params)


# --- the math --------------------------------------------------------------------------------


def quadratic_mmd_terms(Z, assignments, gram, block_rows=None):
    r"""The kernel sums of the quadratic MMD estimates, for many source/target splits at once.

    For the Gram matrix :math:`K` of the rows of ``Z`` and each column
    :math:`a \in \{0, 1\}^n` of ``assignments`` (1 for a source row), returns
    :math:`a^\top K a`, :math:`a^\top K \mathbf 1` and
    :math:`a^\top \operatorname{diag}(K)`, and once :math:`\mathbf 1^\top K
    \mathbf 1` and :math:`\operatorname{tr} K`: every sum that
    :func:`mmd_from_terms` needs. A permutation test passes the observed split
    and the permuted ones as columns: :math:`K` is computed once, in blocks of
    rows, and every split is applied to each block as it is computed (a split
    is a quadratic form in a 0/1 vector, so permuting the rows is permuting
    the entries of :math:`a`); the :math:`n \times n` matrix is never stored.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        The pooled rows.
    assignments : ndarray of bool of shape (n_samples, n_splits)
        One split per column.
    gram : callable
        ``gram(A, B)`` returns the Gram matrix of the rows of ``A`` and ``B``.
    block_rows : int, default=None
        Rows of :math:`K` per block; ``None`` keeps a block near 64 MiB
        (:func:`tlearn._kernels.block_rows`).

    Returns
    -------
    s_ss : ndarray of shape (n_splits,)
        :math:`a^\top K a`.
    s_s1 : ndarray of shape (n_splits,)
        :math:`a^\top K \mathbf 1`.
    diag_s : ndarray of shape (n_splits,)
        :math:`a^\top \operatorname{diag}(K)`.
    total : float
        :math:`\mathbf 1^\top K \mathbf 1`.
    trace : float
        :math:`\operatorname{tr} K`.

    Notes
    -----
    Cost: :math:`O(n^2 (d + B))` time for :math:`n` rows of :math:`d`
    features and :math:`B` splits (one kernel evaluation per entry of
    :math:`K`, one product of each block with the splits); memory
    :math:`O(b n)` for a block of :math:`b` rows plus :math:`O(n B)` for the
    splits (as 0/1 floats, in chunks of about 8 million entries).

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn._kernels import kernel_gram
    >>> Z = np.array([[0.0], [1.0], [3.0]])
    >>> a = np.array([[True], [True], [False]])
    >>> s_ss, s_s1, diag_s, total, trace = quadratic_mmd_terms(Z, a, kernel_gram)
    >>> s_ss.tolist(), s_s1.tolist(), total, trace  # linear kernel: K = Z Z'
    ([1.0], [4.0], 16.0, 10.0)
    """
    n, n_splits = assignments.shape
    chunk = max(1, _BLOCK_ELEMENTS // max(n, 1))
    chunks = list(gen_batches(n_splits, chunk))
    # one chunk (the usual case): convert the splits to floats once
    A_all = assignments.astype(np.float64) if len(chunks) == 1 else None
    s_ss = np.zeros(n_splits)
    s_s1 = np.zeros(n_splits)
    diag_s = np.zeros(n_splits)
    total = trace = 0.0
    for rows in gen_batches(n, block_rows or _block_rows(n)):
        K_rows = gram(Z[rows], Z)
        r = K_rows.sum(axis=1)
        diag = K_rows[np.arange(K_rows.shape[0]), np.arange(rows.start, rows.stop)]
        total += float(r.sum())
        trace += float(diag.sum())
        for cols in chunks:
            A = A_all if A_all is not None else assignments[:, cols].astype(np.float64)
            A_rows = A[rows]
            s_ss[cols] += np.einsum("ij,ij->j", A_rows, K_rows @ A)
            s_s1[cols] += r @ A_rows
            diag_s[cols] += diag @ A_rows
    return s_ss, s_s1, diag_s, total, trace


def mmd_from_terms(s_ss, s_s1, diag_s, total, trace, n_source, n_target, method="unbiased"):
    r"""The quadratic MMD estimates from the kernel sums of :func:`quadratic_mmd_terms`.

    With :math:`S_{ss} = a^\top K a`, :math:`S_{st} = a^\top K \mathbf 1 -
    S_{ss}`, :math:`S_{tt} = \mathbf 1^\top K \mathbf 1 - 2 a^\top K \mathbf
    1 + S_{ss}` and the diagonal sums :math:`D_s = a^\top
    \operatorname{diag}(K)`, :math:`D_t = \operatorname{tr} K - D_s`:

    .. math::

        \text{unbiased: } \frac{S_{ss} - D_s}{m(m-1)} + \frac{S_{tt} - D_t}{n(n-1)}
        - \frac{2 S_{st}}{mn}, \qquad
        \text{biased: } \frac{S_{ss}}{m^2} + \frac{S_{tt}}{n^2} - \frac{2 S_{st}}{mn}

    for :math:`m` source and :math:`n` target rows (Gretton et al. 2012,
    eqs. 3 and 5).

    Parameters
    ----------
    s_ss, s_s1, diag_s : ndarray of shape (n_splits,)
    total, trace : float
    n_source, n_target : int
    method : {"unbiased", "biased"}, default="unbiased"

    Returns
    -------
    mmd2 : ndarray of shape (n_splits,)

    References
    ----------
    .. [1] A. Gretton, K. M. Borgwardt, M. J. Rasch, B. Schölkopf and
       A. Smola, "A Kernel Two-Sample Test", JMLR 13:723-773, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> mmd_from_terms(np.array([1.0]), np.array([4.0]), np.array([1.0]), 16.0, 10.0, 2, 1,
    ...                method="biased").tolist()  # (0 + 1) / 2: mean 0.5 against 3, linear kernel
    [6.25]
    """
    m, n = n_source, n_target
    s_st = s_s1 - s_ss
    s_tt = total - 2.0 * s_s1 + s_ss
    if method == "unbiased":
        diag_t = trace - diag_s
        return (
            (s_ss - diag_s) / (m * (m - 1)) + (s_tt - diag_t) / (n * (n - 1)) - 2.0 * s_st / (m * n)
        )
    if method == "biased":
        return s_ss / m**2 + s_tt / n**2 - 2.0 * s_st / (m * n)
    raise ValueError(f"method must be 'unbiased' or 'biased'; got {method!r}.")


def linear_mmd(Xs, Xt, paired):
    r"""The linear-time MMD estimate over consecutive pairs of rows (Gretton et al. 2012, Lemma 14).

    With :math:`m_2 = \lfloor \min(m, n) / 2 \rfloor` pairs,

    .. math::

        \widehat{\mathrm{MMD}}_l^2 = \frac{1}{m_2} \sum_{i=1}^{m_2}
        k(x_{2i-1}, x_{2i}) + k(y_{2i-1}, y_{2i}) - k(x_{2i-1}, y_{2i})
        - k(x_{2i}, y_{2i-1}),

    an unbiased estimate of the population :math:`\mathrm{MMD}^2` when the
    rows are independent draws; rows past :math:`2 m_2` are not used. The rows
    are paired in the order given: pass them in random order (:func:`mmd2`
    does).

    Parameters
    ----------
    Xs : ndarray of shape (m, n_features)
    Xt : ndarray of shape (n, n_features)
    paired : callable
        ``paired(A, B)`` returns :math:`k(a_i, b_i)` for paired rows
        (:func:`tlearn._kernels.paired_kernel`).

    Returns
    -------
    mmd2 : float

    Notes
    -----
    Cost: :math:`O(m_2 d)` time and memory (four kernel values per pair).

    References
    ----------
    .. [1] A. Gretton, K. M. Borgwardt, M. J. Rasch, B. Schölkopf and
       A. Smola, "A Kernel Two-Sample Test", JMLR 13:723-773, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn._kernels import paired_kernel
    >>> Xs, Xt = np.array([[0.0], [2.0]]), np.array([[1.0], [1.0]])
    >>> float(linear_mmd(Xs, Xt, paired_kernel))  # linear kernel: 0*2 + 1*1 - 0*1 - 2*1
    -1.0
    """
    m2 = min(Xs.shape[0], Xt.shape[0]) // 2
    x1, x2 = Xs[0 : 2 * m2 : 2], Xs[1 : 2 * m2 : 2]
    y1, y2 = Xt[0 : 2 * m2 : 2], Xt[1 : 2 * m2 : 2]
    h = paired(x1, x2) + paired(y1, y2) - paired(x1, y2) - paired(x2, y1)
    return float(np.mean(h))


def _linear_null(rng, Z, ns, n_permutations, paired):
    """The linear statistic of ``n_permutations`` random relabellings of the pooled rows ``Z``.

    A relabelling draws a permutation of the rows: its first ``ns`` are the
    source rows, the others the target rows, each side in random order, and
    the first ``2 * m2`` of each side are paired as in :func:`linear_mmd`.
    The pairs of many permutations go to the kernel at once (about 8 million
    numbers per batch).
    """
    n, d = Z.shape
    m = 2 * (min(ns, n - ns) // 2)
    batch = max(1, _BLOCK_ELEMENTS // max(2 * m * d, 1))
    null = np.empty(n_permutations)
    for cols in gen_batches(n_permutations, batch):
        perms = np.array([rng.permutation(n) for _ in range(cols.stop - cols.start)])
        s, t = perms[:, :m], perms[:, ns : ns + m]
        x1, x2 = Z[s[:, 0::2].ravel()], Z[s[:, 1::2].ravel()]
        y1, y2 = Z[t[:, 0::2].ravel()], Z[t[:, 1::2].ravel()]
        h = paired(x1, x2) + paired(y1, y2) - paired(x1, y2) - paired(x2, y1)
        null[cols] = h.reshape(-1, m // 2).mean(axis=1)
    return null


def _linear_rows(rng, ns, nt):
    """Random row orders of the two sides for the pairs of the linear estimate."""
    m = 2 * (min(ns, nt) // 2)
    return rng.permutation(ns)[:m], rng.permutation(nt)[:m]


# --- the public functions ----------------------------------------------------------------------


def mmd2(
    X,
    y=None,
    sample_domain=None,
    *,
    Xt=None,
    kernel="rbf",
    gamma=None,
    degree=3,
    coef0=1,
    kernel_params=None,
    method="unbiased",
    random_state=None,
):
    r"""Squared maximum mean discrepancy (MMD) between the source and the target rows.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows of every domain, stacked (the fit signature); or the source
        rows, when ``Xt`` is given.
    y : array-like of shape (n_samples,), default=None
        Labels, used only to tell the target rows when ``sample_domain`` is
        ``None``: rows with an unknown label (``-1``, ``NaN``, ``None``) are
        the target rows, as in ``fit``.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain id of each row: ``>= 0`` source, ``< 0`` target (several
        domains of one side are pooled).
    Xt : array-like of shape (n_target, n_features), default=None
        The target rows, when ``X`` holds the source rows only. Given with
        ``y`` or ``sample_domain``, a ``ValueError`` (one form or the other).
    kernel : str or callable, default="rbf"
        Any kernel name of :func:`sklearn.metrics.pairwise.pairwise_kernels`
        (``"rbf"``, ``"laplacian"``, ``"linear"``, ``"poly"`` /
        ``"polynomial"``, ``"sigmoid"``, ``"cosine"``, ``"chi2"``,
        ``"additive_chi2"``), or a callable called as ``kernel(A, B,
        **kernel_params)`` on 2-D arrays of rows that returns their Gram
        matrix, such as a kernel of :mod:`sklearn.gaussian_process.kernels`
        (``RBF(length_scale=2.0)``). MMD tells every pair of distributions
        apart only for a characteristic kernel (rbf, laplacian).
    gamma : float, default=None
        Width of the rbf, laplacian, poly, sigmoid and chi2 kernels; ``None``:
        the median heuristic for rbf and laplacian, else ``1 / n_features``
        (Notes). Not used by the other kernels or by a callable.
    degree : float, default=3
        Degree of the poly kernel.
    coef0 : float, default=1
        Constant term of the poly and sigmoid kernels.
    kernel_params : dict, default=None
        Keyword arguments of a callable kernel.
    method : {"unbiased", "biased", "linear"}, default="unbiased"
        The estimate (Notes). ``"unbiased"`` needs at least 2 rows on each
        side, ``"linear"`` at least 2 rows on each side too (one pair).
    random_state : int, RandomState instance or None, default=None
        Draws the median heuristic's subsample (more than 1,000 rows only) and
        the pairs of ``"linear"``. ``None`` draws fresh seeds (never from
        numpy's global generator).

    Returns
    -------
    mmd2 : float
        The estimate of :math:`\mathrm{MMD}^2`.

    Raises
    ------
    ValueError
        NaN or infinity in the rows, feature counts that differ, no source or
        no target rows, too few rows for the method, both forms of input at
        once; an invalid parameter in tlearn's one format (``mmd2: the
        parameter 'method' must be ...; got ...``).

    See Also
    --------
    mmd_test : the permutation test of :math:`P = Q` on this statistic.

    Notes
    -----
    The squared maximum mean discrepancy between the source distribution
    :math:`P` and the target distribution :math:`Q` in the reproducing kernel
    Hilbert space of a kernel :math:`k` is

    .. math::

        \mathrm{MMD}^2(P, Q) = \mathbb E\, k(x, x') + \mathbb E\, k(y, y')
        - 2\, \mathbb E\, k(x, y), \qquad x, x' \sim P,\ y, y' \sim Q,

    which is 0 if and only if :math:`P = Q` for a characteristic kernel (rbf,
    laplacian). With :math:`m` source rows :math:`x_i` and :math:`n` target
    rows :math:`y_j` (Gretton et al. 2012):

    - ``"unbiased"``: the U-statistic (eq. 3), whose mean is exactly
      :math:`\mathrm{MMD}^2`; it can be negative, around 0, when
      :math:`P = Q`;

      .. math::

          \frac{1}{m(m-1)} \sum_{i \ne i'} k(x_i, x_{i'})
          + \frac{1}{n(n-1)} \sum_{j \ne j'} k(y_j, y_{j'})
          - \frac{2}{mn} \sum_{i, j} k(x_i, y_j);

    - ``"biased"``: the V-statistic (eq. 5), the squared distance between the
      two empirical kernel means, :math:`\lVert \frac1m \sum_i \phi(x_i) -
      \frac1n \sum_j \phi(y_j) \rVert^2 \ge 0`; the same sums with the
      diagonal terms and the normalisations :math:`1/m^2`, :math:`1/n^2`. Its
      mean exceeds :math:`\mathrm{MMD}^2` by exactly :math:`(\mathbb E\, k(x, x)
      - \mathbb E\, k(x, x'))/m` plus the same for the target;
    - ``"linear"``: the linear-time statistic (Lemma 14), the mean of
      :math:`k(x_{2i-1}, x_{2i}) + k(y_{2i-1}, y_{2i}) - k(x_{2i-1}, y_{2i})
      - k(x_{2i}, y_{2i-1})` over :math:`m_2 = \lfloor \min(m, n)/2 \rfloor`
      pairs of rows drawn in random order (``random_state``); unbiased too,
      with a larger variance. Rows past :math:`2 m_2` on either side are not
      used, and consecutive rows are never paired as they come, because the
      rows of real data are often sorted (by class, by time).

    The kernel width: with ``gamma=None`` the rbf kernel
    :math:`\exp(-\gamma\lVert x - x'\rVert^2)` takes :math:`1/\gamma` = the
    median squared Euclidean distance between the pooled source and target
    rows (the median heuristic; a random subsample of 1,000 rows when there
    are more, drawn from ``random_state``), the laplacian kernel the median L1
    distance, and the kernels with a ``gamma`` of their own (poly, sigmoid,
    chi2) ``1 / n_features``. The median of the pooled rows does not depend
    on which rows are source rows, so a permutation test that keeps it is
    exact.

    Cost: ``"unbiased"`` and ``"biased"`` evaluate the kernel on every pair of
    the :math:`N = m + n` pooled rows, :math:`O(N^2 d)` time, in blocks of
    rows that keep memory at :math:`O(b N)` (:math:`b` rows per block, about
    64 MiB; the :math:`N \times N` Gram matrix is never stored);
    ``"linear"`` is :math:`O(N d)` time and memory.

    References
    ----------
    .. [1] A. Gretton, K. M. Borgwardt, M. J. Rasch, B. Schölkopf and
       A. Smola, "A Kernel Two-Sample Test", JMLR 13:723-773, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.metrics import mmd2
    >>> X, y, sample_domain = make_domain_shift("covariate", strength=2.0, random_state=0)
    >>> round(mmd2(X, y, sample_domain), 3)
    0.229
    >>> same = np.r_[np.ones(250), -np.ones(250)].astype(int)  # two halves of the source rows
    >>> abs(mmd2(X[:500], sample_domain=same)) < 0.01
    True
    """
    check_params("mmd2", _locals_of(locals(), _MMD_CONSTRAINTS), _MMD_CONSTRAINTS)
    check_kernel_arguments("mmd2", kernel, kernel_params)
    Xs, Xt = _source_target("mmd2", X, y, sample_domain, Xt)
    return _mmd_statistic(
        "mmd2", Xs, Xt, kernel, gamma, degree, coef0, kernel_params, method, random_state
    )[0]


def _locals_of(values, constraints):
    return {name: values[name] for name in constraints}


def _mmd_statistic(owner, Xs, Xt, kernel, gamma, degree, coef0, kernel_params, method, seed):
    """``(statistic, state)``: the observed statistic and what the permutations reuse."""
    min_rows = 1 if method == "biased" else 2
    why = {"unbiased": ' for method="unbiased"', "linear": ' for method="linear" (one pair)'}
    _check_rows(owner, Xs, Xt, min_rows, why.get(method, ""))
    rng = random_state_or_fresh(seed)
    Z = np.vstack([Xs, Xt])
    gram, paired = _kernel_functions(Z, kernel, gamma, degree, coef0, kernel_params, rng)
    ns, nt = Xs.shape[0], Xt.shape[0]
    if method == "linear":
        rows_s, rows_t = _linear_rows(rng, ns, nt)
        stat = linear_mmd(Xs[rows_s], Xt[rows_t], paired)
    else:
        a = np.zeros((ns + nt, 1), dtype=bool)
        a[:ns] = True
        stat = float(mmd_from_terms(*quadratic_mmd_terms(Z, a, gram), ns, nt, method)[0])
    return stat, (rng, Z, gram, paired)


@dataclass(frozen=True, eq=False, repr=False)
class MMDTestResult:
    """The result of :func:`mmd_test`: the statistic, its p-value and the permuted statistics.

    Each parameter is an attribute of the same name.

    Parameters
    ----------
    statistic : float
        The estimate of :math:`\\mathrm{MMD}^2` on the source and target rows
        as given (what :func:`mmd2` returns with the same arguments).
    pvalue : float
        :math:`(1 + \\#\\{b : T_b \\ge T\\}) / (1 + B)` for the statistic
        :math:`T` and the :math:`B` permuted statistics :math:`T_b`: never 0,
        at least ``1 / (1 + n_permutations)``.
    null_distribution : ndarray of shape (n_permutations,)
        The statistics :math:`T_b` of the permuted splits.

    See Also
    --------
    mmd_test : the test that returns it.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.metrics import mmd_test
    >>> rng = np.random.default_rng(0)
    >>> result = mmd_test(rng.normal(size=(30, 2)), Xt=rng.normal(3.0, size=(30, 2)),
    ...                   n_permutations=99, random_state=0)
    >>> result.pvalue, result.null_distribution.shape
    (0.01, (99,))
    """

    statistic: float
    pvalue: float
    null_distribution: np.ndarray

    def __repr__(self):
        return (
            f"MMDTestResult(statistic={self.statistic!r}, pvalue={self.pvalue!r}, "
            f"null_distribution=<{self.null_distribution.size} permuted statistics>)"
        )


def mmd_test(
    X,
    y=None,
    sample_domain=None,
    *,
    Xt=None,
    kernel="rbf",
    gamma=None,
    degree=3,
    coef0=1,
    kernel_params=None,
    method="unbiased",
    n_permutations=1000,
    random_state=None,
):
    r"""Permutation test of "the source and the target rows come from one distribution".

    The statistic is :func:`mmd2`'s estimate of :math:`\mathrm{MMD}^2`. Under
    the null hypothesis :math:`P = Q` every row is exchangeable, so the
    statistic of a random relabelling of the pooled rows (as many source rows
    as before) has the statistic's own distribution; the p-value compares
    the statistic with ``n_permutations`` such relabellings, with the +1 of
    the observed split itself (Phipson and Smyth 2010):

    .. math::

        p = \frac{1 + \#\{b : T_b \ge T\}}{1 + B},

    so that :math:`P(p \le \alpha) \le \alpha` exactly, for any sample size
    and any :math:`B` (a permuted statistic equal to :math:`T` up to
    rounding counts as :math:`\ge`). The kernel width is chosen once, on the
    pooled rows, and kept for every permutation.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows of every domain, stacked (the fit signature); or the source
        rows, when ``Xt`` is given.
    y : array-like of shape (n_samples,), default=None
        Labels, used only to tell the target rows when ``sample_domain`` is
        ``None`` (rows with an unknown label).
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain id of each row: ``>= 0`` source, ``< 0`` target.
    Xt : array-like of shape (n_target, n_features), default=None
        The target rows, when ``X`` holds the source rows only.
    kernel : str or callable, default="rbf"
        As in :func:`mmd2`.
    gamma : float, default=None
        As in :func:`mmd2` (``None``: the median heuristic for rbf).
    degree : float, default=3
        Degree of the poly kernel.
    coef0 : float, default=1
        Constant term of the poly and sigmoid kernels.
    kernel_params : dict, default=None
        Keyword arguments of a callable kernel.
    method : {"unbiased", "biased", "linear"}, default="unbiased"
        The statistic, as in :func:`mmd2`. Every one gives an exact test; the
        quadratic ones are more powerful, the linear one is cheaper.
    n_permutations : int, default=1000
        Number :math:`B` of random relabellings. The smallest p-value is
        :math:`1/(1 + B)`.
    random_state : int, RandomState instance or None, default=None
        Draws the median heuristic's subsample, the pairs of ``"linear"`` and
        the permutations. ``None`` draws fresh seeds (never from numpy's
        global generator).

    Returns
    -------
    result : MMDTestResult
        ``statistic``, ``pvalue`` and ``null_distribution``.

    Raises
    ------
    ValueError
        As :func:`mmd2`; an invalid ``n_permutations`` in tlearn's one format.

    See Also
    --------
    mmd2 : the statistic alone.

    Notes
    -----
    Cost, for :math:`N` pooled rows of :math:`d` features and :math:`B`
    permutations: the quadratic statistics compute the :math:`N \times N`
    Gram matrix once, in blocks of rows, and reuse each block for the
    observed and every permuted split (:func:`quadratic_mmd_terms`: a split
    is a 0/1 vector, and a permuted statistic is a quadratic form in it), so
    the kernel is evaluated :math:`N^2` times whatever :math:`B`; time
    :math:`O(N^2 (d + B))`, memory :math:`O(b N)` for a block of :math:`b`
    rows (about 64 MiB) plus :math:`O(N B)` for the splits (one byte each,
    and 0/1 floats in chunks of about 8 million entries). The Gram matrix is
    never stored whole, so the test runs at any :math:`N` that the time
    allows. ``"linear"``: :math:`O(B N d)` time (each permutation draws new
    pairs, gathered and evaluated row by row) and :math:`O(N d)` memory. Up
    to several thousand rows the quadratic test is the faster one, as it
    runs on matrix products (2,000 + 2,000 rows of 400 features,
    :math:`B = 1000`: about 3 s against 15 s on two busy cores); the linear
    one is for sizes where :math:`N^2` kernel values are too many.

    References
    ----------
    .. [1] A. Gretton, K. M. Borgwardt, M. J. Rasch, B. Schölkopf and
       A. Smola, "A Kernel Two-Sample Test", JMLR 13:723-773, 2012.
    .. [2] B. Phipson and G. K. Smyth, "Permutation P-values Should Never Be
       Zero: Calculating Exact P-values When Permutations Are Randomly
       Drawn", Stat. Appl. Genet. Mol. Biol. 9(1), 2010.

    Examples
    --------
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.metrics import mmd_test
    >>> X, y, sample_domain = make_domain_shift(
    ...     "covariate", n_source=100, n_target=100, random_state=0)
    >>> result = mmd_test(X, y, sample_domain, n_permutations=199, random_state=0)
    >>> result.pvalue  # the smallest possible: 1 / 200
    0.005
    >>> X, y, sample_domain = make_domain_shift(
    ...     "covariate", n_source=100, n_target=100, strength=0.0, random_state=0)
    >>> bool(mmd_test(X, y, sample_domain, n_permutations=199, random_state=0).pvalue > 0.05)
    True
    """
    params = _locals_of(locals(), _MMD_TEST_CONSTRAINTS)
    check_params("mmd_test", params, _MMD_TEST_CONSTRAINTS)
    check_kernel_arguments("mmd_test", kernel, kernel_params)
    Xs, Xt = _source_target("mmd_test", X, y, sample_domain, Xt)
    stat, (rng, Z, gram, paired) = _mmd_statistic(
        "mmd_test", Xs, Xt, kernel, gamma, degree, coef0, kernel_params, method, random_state
    )
    ns, n = Xs.shape[0], Z.shape[0]
    B = int(n_permutations)
    if method == "linear":
        null = _linear_null(rng, Z, ns, B, paired)
    else:
        splits = np.zeros((n, B + 1), dtype=bool)
        splits[:ns, 0] = True  # the observed split: the same arithmetic as the permuted ones
        for b in range(1, B + 1):
            splits[rng.permutation(n)[:ns], b] = True
        values = mmd_from_terms(*quadratic_mmd_terms(Z, splits, gram), ns, n - ns, method)
        stat, null = float(values[0]), values[1:]
    tol = _PVALUE_RTOL * abs(stat)
    pvalue = (1.0 + np.count_nonzero(null >= stat - tol)) / (1.0 + B)
    return MMDTestResult(statistic=stat, pvalue=float(pvalue), null_distribution=null)


def proxy_a_distance(
    X,
    y=None,
    sample_domain=None,
    *,
    Xt=None,
    estimator=None,
    cv=5,
    random_state=None,
):
    r"""Proxy A-distance: how well a classifier tells the target rows from the source rows.

    The :math:`\mathcal H`-divergence of two distributions for a class
    :math:`\mathcal H` of classifiers is :math:`d_{\mathcal H}(P, Q) = 2
    \sup_{h \in \mathcal H} |P(h = 1) - Q(h = 1)|` (Ben-David et al. 2007,
    2010). For a class closed under complement it equals :math:`2 (1 - 2
    \varepsilon^*)`, with :math:`\varepsilon^*` the smallest *balanced* error
    (the mean of the error on source rows and the error on target rows) of a
    classifier of :math:`\mathcal H` that predicts the domain. The proxy
    estimates it with a cross-validated domain classifier:

    .. math::

        \hat d_A = \max\bigl(0,\ 2 (1 - 2 \hat\varepsilon)\bigr),

    :math:`\hat\varepsilon` the balanced error of the out-of-fold predictions
    of ``estimator`` trained to tell target rows (class 1) from source rows
    (class 0). It is 0 when the domains cannot be told apart and 2 when they
    are separable.

    - **Balanced error.** The plain error equals the balanced one when the
      domains have as many rows (as in Ben-David et al., who draw equal
      samples); with unequal domains the plain error is below 1/2 for a
      classifier that always predicts the larger domain, and
      :math:`2(1 - 2\,\mathrm{err})` would then be far above 0 for identical
      distributions (1.2 with 400 source and 100 target rows). The balanced
      error of any classifier is 1/2 in expectation when the distributions
      are the same, whatever the sizes.
    - **Clipped at 0.** A cross-validated error can exceed 1/2 by chance (or
      by the small anti-learning of cross-validation on indistinguishable
      classes), which would give a negative distance, while
      :math:`d_{\mathcal H} \ge 0`; clipping is the projection of the
      estimate onto the values the divergence can take, so it is never
      farther from the truth. (The upper bound 2 holds by itself.)

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows of every domain, stacked (the fit signature); or the source
        rows, when ``Xt`` is given.
    y : array-like of shape (n_samples,), default=None
        Labels, used only to tell the target rows when ``sample_domain`` is
        ``None`` (rows with an unknown label). The classifier never sees them.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain id of each row: ``>= 0`` source, ``< 0`` target.
    Xt : array-like of shape (n_target, n_features), default=None
        The target rows, when ``X`` holds the source rows only.
    estimator : classifier, default=None
        The domain classifier, cloned. ``None``: a linear one,
        ``make_pipeline(StandardScaler(), LogisticRegression(C=1.0,
        class_weight="balanced", max_iter=1000))``, the class of linear
        classifiers of Ben-David et al. (scaled so that the regularisation
        and the solver do not depend on the units of the features, and
        weighted so that each domain counts as much). A classifier of your
        own should also weigh the domains equally when their sizes differ.
    cv : int or cross-validation splitter, default=5
        ``int``: that many stratified folds (``StratifiedKFold`` with
        shuffling, each domain spread over the folds; each domain needs at
        least ``cv`` rows). Or a splitter with ``split`` and
        ``get_n_splits``, used as it is (its predictions must cover every
        row once, as for ``cross_val_predict``).
    random_state : int, RandomState instance or None, default=None
        Shuffles the rows of the folds (an int ``cv`` only). ``None`` draws
        a fresh seed (never from numpy's global generator).

    Returns
    -------
    distance : float
        In :math:`[0, 2]`.

    Raises
    ------
    ValueError
        As :func:`mmd2`; a domain with fewer than ``cv`` rows; an invalid
        parameter in tlearn's one format.

    See Also
    --------
    mmd2 : a kernel divergence that needs no classifier.

    Notes
    -----
    Cost: the fits of ``cv`` classifiers on about :math:`(1 - 1/\mathrm{cv})
    N` rows each; for the default, :math:`O(\mathrm{cv} \cdot N d \cdot
    \text{iterations})` time and :math:`O(N d)` memory.

    References
    ----------
    .. [1] S. Ben-David, J. Blitzer, K. Crammer and F. Pereira, "Analysis of
       Representations for Domain Adaptation", NIPS 2006 (proceedings 2007).
    .. [2] S. Ben-David, J. Blitzer, K. Crammer, A. Kulesza, F. Pereira and
       J. W. Vaughan, "A theory of learning from different domains", Machine
       Learning 79:151-175, 2010.
    .. [3] Y. Ganin, E. Ustinova, H. Ajakan, P. Germain, H. Larochelle,
       F. Laviolette, M. Marchand and V. Lempitsky, "Domain-Adversarial
       Training of Neural Networks", JMLR 17(59):1-35, 2016.

    Examples
    --------
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.metrics import proxy_a_distance
    >>> X, y, sample_domain = make_domain_shift("covariate", strength=6.0, random_state=0)
    >>> round(proxy_a_distance(X, y, sample_domain, random_state=0), 2)
    1.97
    >>> X, y, sample_domain = make_domain_shift("covariate", strength=0.0, random_state=0)
    >>> proxy_a_distance(X, y, sample_domain, random_state=0) < 0.2
    True
    """
    params = _locals_of(locals(), _PAD_CONSTRAINTS)
    check_params("proxy_a_distance", params, _PAD_CONSTRAINTS)
    Xs, Xt = _source_target("proxy_a_distance", X, y, sample_domain, Xt)
    _check_rows("proxy_a_distance", Xs, Xt)
    ns, nt = Xs.shape[0], Xt.shape[0]
    if isinstance(cv, Integral):
        if min(ns, nt) < cv:
            raise param_error(
                "proxy_a_distance",
                "cv",
                f"at most the number of rows of the smaller domain ({min(ns, nt)}: {ns} "
                f"source and {nt} target rows), so that every fold holds rows of both",
                cv,
            )
        seed = random_state_or_fresh(random_state)
        cv = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=seed)
    if estimator is None:
        classifier = make_pipeline(
            StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000)
        )
    else:
        classifier = clone(estimator)
    Z = np.vstack([Xs, Xt])
    domain = np.r_[np.zeros(ns, dtype=int), np.ones(nt, dtype=int)]
    predicted = cross_val_predict(classifier, Z, domain, cv=cv)
    error = 1.0 - balanced_accuracy_score(domain, predicted)
    return float(max(0.0, 2.0 * (1.0 - 2.0 * error)))


def coral_distance(X, y=None, sample_domain=None, *, Xt=None):
    r"""CORAL distance: the squared Frobenius distance of the two covariances over :math:`4 d^2`.

    .. math::

        d_{\mathrm{CORAL}} = \frac{1}{4 d^2} \lVert C_s - C_t \rVert_F^2,

    with :math:`C_s`, :math:`C_t` the sample covariances of the source and
    the target rows (each centred on its own mean, normalised by
    :math:`n - 1`: the covariances of :class:`tlearn.feature.CORAL`) and
    :math:`d` the number of features: the CORAL loss of Sun and Saenko
    (2016), the quantity that CORAL's map brings down. It is 0 for equal
    covariances and does not change when either domain's mean moves.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows of every domain, stacked (the fit signature); or the source
        rows, when ``Xt`` is given.
    y : array-like of shape (n_samples,), default=None
        Labels, used only to tell the target rows when ``sample_domain`` is
        ``None`` (rows with an unknown label).
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain id of each row: ``>= 0`` source, ``< 0`` target (several
        domains of one side are pooled, as CORAL pools the target domains).
    Xt : array-like of shape (n_target, n_features), default=None
        The target rows, when ``X`` holds the source rows only.

    Returns
    -------
    distance : float

    Raises
    ------
    ValueError
        As :func:`mmd2`; fewer than 2 rows in a domain.

    See Also
    --------
    tlearn.feature.CORAL : the map that aligns the two covariances.

    Notes
    -----
    Cost: :math:`O(N d^2)` time and :math:`O(N d + d^2)` memory for :math:`N`
    rows of :math:`d` features.

    References
    ----------
    .. [1] B. Sun and K. Saenko, "Deep CORAL: Correlation Alignment for Deep
       Domain Adaptation", ECCV 2016 Workshops.
    .. [2] B. Sun, J. Feng and K. Saenko, "Return of Frustratingly Easy
       Domain Adaptation", AAAI 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.metrics import coral_distance
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(1000, 2))
    >>> Xt = 2.0 * rng.normal(size=(1000, 2)) + 5.0  # covariance 4 I against I
    >>> round(coral_distance(Xs, Xt=Xt), 1)  # population: (3^2 + 3^2) / (4 * 2^2) = 1.125
    1.1
    """
    Xs, Xt = _source_target("coral_distance", X, y, sample_domain, Xt)
    _check_rows("coral_distance", Xs, Xt, 2, " for a covariance")
    Cs, Ct = _covariance(Xs), _covariance(Xt)
    d = Xs.shape[1]
    return float(np.sum((Cs - Ct) ** 2) / (4.0 * d * d))


def _covariance(X):
    """The sample covariance (centred, ``n - 1``), as :class:`tlearn.feature.CORAL` takes it."""
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc / (X.shape[0] - 1)
