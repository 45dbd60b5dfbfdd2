r"""Transfer Component Analysis (Pan, Tsang, Kwok and Yang, IEEE TNN 2011).

The math lives in plain functions that the tests call directly:

- :func:`tca_kernel`: the Gram matrix of a named or callable kernel
  (:func:`tlearn._kernels.kernel_gram`, shared with KMM);
- :func:`mmd_weights`, :func:`tca_matrices`: the vector :math:`e` with
  :math:`L = e e^\top`, and the two sides :math:`K H K` and
  :math:`K L K + \mu I` of the generalized eigenproblem;
- :func:`tca_dense`, :func:`tca_arpack`: the ``n x n`` problem, by
  ``scipy.linalg.eigh(KHK, KLK + mu I, subset_by_index=...)`` or by ARPACK on
  the symmetric operator :math:`B^{-1/2} K H K B^{-1/2}`;
- :func:`tca_reduced`: the same problem for a kernel :math:`K = \Phi\Phi^\top`
  with an explicit ``n x r`` feature map (the linear kernel, :math:`\Phi = X`,
  and the Nystrom approximation), reduced exactly to ``r x r``;
- :func:`select_landmarks`, :func:`nystrom_whitening` (from
  :mod:`tlearn._kernels`), :func:`nystrom_statistics`: the Nystrom feature map
  :math:`\Phi = C W_l^{-1/2}`, its statistics computed in row blocks.

:class:`TCA` is the thin estimator on top of them.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from scipy.sparse.linalg import LinearOperator, eigsh
from sklearn.utils import check_random_state, gen_batches

from .._kernels import (
    KERNEL_PARAMETER_CONSTRAINTS,
    check_kernel_params,
    estimator_gram,
    nystrom_whitening,
    select_landmarks,
)
from .._kernels import block_rows as _block_rows
from .._kernels import kernel_gram as tca_kernel
from .._params import Estimator, Interval, Options, param_error
from ..base import BaseFeatureTransfer

_EIGEN_SOLVERS = ("auto", "dense", "arpack")

__all__ = [
    "TCA",
    "mmd_weights",
    "nystrom_statistics",
    "nystrom_whitening",
    "select_landmarks",
    "tca_arpack",
    "tca_dense",
    "tca_kernel",
    "tca_matrices",
    "tca_reduced",
]

# --- kernels and the two sides of the eigenproblem ------------------------------------


def mmd_weights(source):
    r"""The vector :math:`e` of :math:`L = e e^\top`.

    :math:`e_i = 1/n_s` on source rows and :math:`-1/n_t` on target rows, so
    that :math:`e^\top K e = \operatorname{tr}(K L)` is the squared MMD
    between the source and target means in the kernel's feature space.

    Parameters
    ----------
    source : ndarray of bool of shape (n_samples,)
        True on the source rows (every other row is a target row).

    Returns
    -------
    e : ndarray of shape (n_samples,)
    """
    source = np.asarray(source, dtype=bool)
    n_s = int(source.sum())
    n_t = source.size - n_s
    if n_s == 0 or n_t == 0:
        raise ValueError(f"TCA needs source and target rows; got {n_s} and {n_t}.")
    return np.where(source, 1.0 / n_s, -1.0 / n_t)


def tca_matrices(K, source, mu):
    r"""The two sides ``(K H K, K L K + mu I)`` of TCA's generalized eigenproblem.

    :math:`H = I - \mathbf{1}\mathbf{1}^\top / n` is the centring matrix and
    :math:`L = e e^\top` (:func:`mmd_weights`); :math:`K H K` is formed as
    :math:`(HK)^\top (HK)` and :math:`K L K` as :math:`v v^\top`, :math:`v = K e`.

    Parameters
    ----------
    K : ndarray of shape (n_samples, n_samples)
        Symmetric kernel matrix of the training rows.
    source : ndarray of bool of shape (n_samples,)
        True on the source rows.
    mu : float
        Positive trade-off parameter.

    Returns
    -------
    A : ndarray of shape (n_samples, n_samples)
        :math:`K H K`.
    B : ndarray of shape (n_samples, n_samples)
        :math:`K L K + \mu I`.
    """
    HK = K - K.mean(axis=0)
    A = HK.T @ HK
    v = K @ mmd_weights(source)
    B = np.outer(v, v)
    B.flat[:: B.shape[0] + 1] += mu
    return A, B


def _rank_one_inv_sqrt(v, mu):
    r"""Apply :math:`(\mu I + v v^\top)^{-1/2} = \mu^{-1/2}(I - c\,u u^\top)`.

    :math:`u = v / \lVert v \rVert`, :math:`c = 1 - \sqrt{\mu / (\mu + \lVert v
    \rVert^2)}` (computed without cancellation). Returns a function of ``x``
    (a vector or a matrix of columns).
    """
    nv2 = float(v @ v)
    scale = 1.0 / np.sqrt(mu)
    if nv2 == 0.0:
        return lambda x: scale * x
    u = v / np.sqrt(nv2)
    c = (nv2 / (mu + nv2)) / (1.0 + np.sqrt(mu / (mu + nv2)))

    def apply(x):
        return scale * (x - c * np.multiply.outer(u, u @ x))

    return apply


# --- the n x n problem ----------------------------------------------------------------


def tca_dense(K, source, n_components, mu):
    r"""TCA on the full kernel matrix: top eigenpairs of ``eigh(KHK, KLK + mu I)``.

    Solves the generalized symmetric-definite eigenproblem
    :math:`K H K w = \lambda (K L K + \mu I) w` for its ``n_components``
    largest eigenvalues only (``subset_by_index``), with
    :math:`W^\top (K L K + \mu I) W = I`. :math:`O(n^2)` memory,
    :math:`O(n^3)` time.

    Parameters
    ----------
    K : ndarray of shape (n_samples, n_samples)
    source : ndarray of bool of shape (n_samples,)
    n_components : int
        At most ``n_samples``.
    mu : float

    Returns
    -------
    eigenvalues : ndarray of shape (n_components,)
        Decreasing.
    W : ndarray of shape (n_samples, n_components)
        The eigenvectors, in the same order; the embedding is ``K @ W``.
    """
    n = K.shape[0]
    A, B = tca_matrices(K, source, mu)
    vals, W = linalg.eigh(
        A, B, subset_by_index=[n - n_components, n - 1], overwrite_a=True, overwrite_b=True
    )
    return vals[::-1].copy(), W[:, ::-1].copy()


def tca_arpack(K, source, n_components, mu, *, tol=0.0, max_iter=None, random_state=None):
    r"""TCA on the full kernel matrix by ARPACK (Lanczos), matrix-free.

    With :math:`B = K L K + \mu I = \mu I + v v^\top` (:math:`v = K e`), the
    generalized problem is the standard symmetric one
    :math:`S y = \lambda y`, :math:`S = B^{-1/2} K H K B^{-1/2}`,
    :math:`w = B^{-1/2} y`. ``eigsh`` (``which="LA"``) only sees the product
    :math:`x \mapsto B^{-1/2} K H K B^{-1/2} x`: two products with ``K``
    (:math:`O(n^2)`) and rank-one corrections; no other ``n x n`` matrix is
    formed.

    Parameters
    ----------
    K : ndarray of shape (n_samples, n_samples)
    source : ndarray of bool of shape (n_samples,)
    n_components : int
        Less than ``n_samples``.
    mu : float
    tol : float, default=0.0
        ARPACK's relative accuracy of the eigenvalues (0: machine precision).
    max_iter : int, default=None
        ARPACK's maximum number of iterations (``None``: ``10 * n_samples``).
    random_state : int, RandomState instance or None, default=None
        Draws the starting vector, uniform on ``[-1, 1]``.

    Returns
    -------
    eigenvalues : ndarray of shape (n_components,)
        Decreasing.
    W : ndarray of shape (n_samples, n_components)
        :math:`B`-orthonormal eigenvectors; the embedding is ``K @ W``.
    """
    n = K.shape[0]
    inv_sqrt = _rank_one_inv_sqrt(K @ mmd_weights(source), mu)

    def matvec(x):
        t = K @ inv_sqrt(x)
        t = t - t.mean(axis=0)
        return inv_sqrt(K @ t)

    operator = LinearOperator((n, n), matvec=matvec, matmat=matvec, dtype=np.float64)
    v0 = check_random_state(random_state).uniform(-1.0, 1.0, n)
    vals, Y = eigsh(operator, k=n_components, which="LA", tol=tol, maxiter=max_iter, v0=v0)
    order = np.argsort(vals)[::-1]
    return vals[order], inv_sqrt(Y[:, order])


# --- the reduced r x r problem ----------------------------------------------------------


def tca_reduced(
    gram, col_sum, diff, n_samples, n_components, mu, *, what="the kernel", owner="tca_reduced"
):
    r"""TCA for a kernel :math:`K = \Phi\Phi^\top` given by an ``n x r`` feature map.

    With :math:`w = \Phi a` and :math:`b = \Phi^\top\Phi a`, the ``n x n``
    problem becomes the ``r x r`` one

    .. math::

        \Phi^\top H \Phi\, b = \lambda\,
        (\Phi^\top L \Phi + \mu (\Phi^\top \Phi)^{-1})\, b,
        \qquad Z = \Phi b,

    with the same eigenvalues and :math:`W^\top B W = b^\top (\dots) b`. It
    is solved in the eigenbasis :math:`\Phi^\top\Phi = U \Gamma U^\top`
    (:math:`b = U \Gamma^{1/2} y`), where it reads
    :math:`\Gamma (I - q q^\top / n) \Gamma\, y = \lambda (\mu I + v v^\top) y`
    with :math:`q = \Gamma^{-1/2} U^\top \Phi^\top \mathbf{1}` and
    :math:`v = \Gamma^{1/2} U^\top \Phi^\top e`: a well-conditioned
    symmetric-definite problem (``scipy.linalg.eigh(A, B,
    subset_by_index=...)``) that needs no inverse of :math:`\Phi^\top\Phi`.
    Directions where :math:`\Gamma` is below ``r * eps * 10`` times its
    largest entry are null directions of :math:`\Phi` (and of :math:`K`) and
    are dropped, which is exact.

    Parameters
    ----------
    gram : ndarray of shape (r, r)
        :math:`\Phi^\top \Phi`.
    col_sum : ndarray of shape (r,)
        :math:`\Phi^\top \mathbf{1}`.
    diff : ndarray of shape (r,)
        :math:`\Phi^\top e` (:func:`mmd_weights`).
    n_samples : int
        Number of rows of :math:`\Phi`.
    n_components : int
        At most the rank of :math:`\Phi`.
    mu : float
    what : str
        Names the feature map in the error raised when ``n_components`` is
        larger than its rank.
    owner : estimator or str, default="tca_reduced"
        Names that error (:func:`tlearn._params.param_error`).

    Returns
    -------
    eigenvalues : ndarray of shape (n_components,)
        Decreasing.
    P : ndarray of shape (r, n_components)
        The embedding of the rows is ``Phi @ P``.
    """
    gram = 0.5 * (gram + gram.T)
    g, U = linalg.eigh(gram)
    g_max = max(g[-1], 0.0) if g.size else 0.0
    keep = g > g_max * gram.shape[0] * np.finfo(np.float64).eps * 10
    keep &= g > 0
    rank = int(keep.sum())
    if n_components > rank:
        raise param_error(
            owner,
            "n_components",
            f"at most the rank {rank} of {what} (TCA has at most {rank} components here)",
            n_components,
        )
    g, U = g[keep], U[:, keep]
    sqrt_g = np.sqrt(g)
    gq = sqrt_g * (U.T @ col_sum)  # Gamma q
    v = sqrt_g * (U.T @ diff)
    A = np.diag(g * g) - np.outer(gq, gq) / n_samples
    B = np.outer(v, v)
    B.flat[:: rank + 1] += mu
    vals, Y = linalg.eigh(A, B, subset_by_index=[rank - n_components, rank - 1])
    P = U @ (sqrt_g[:, None] * Y[:, ::-1])
    return vals[::-1].copy(), P


# --- Nystrom ------------------------------------------------------------------------------


def nystrom_statistics(X, landmarks, M, e, gram_fn, block_rows=None):
    r"""``(Phi^T Phi, Phi^T 1, Phi^T e)`` for :math:`\Phi = k(X, \text{landmarks})\, M`.

    The kernel values are computed ``block_rows`` rows at a time and
    accumulated as :math:`C^\top C` (``m x m``), so memory is
    :math:`O(m^2 + \text{block\_rows}\cdot m)`, never :math:`O(n m)`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    landmarks : ndarray of shape (n_landmarks, n_features)
    M : ndarray of shape (n_landmarks, r)
        From :func:`nystrom_whitening`.
    e : ndarray of shape (n_samples,)
        From :func:`mmd_weights`.
    gram_fn : callable
        ``gram_fn(A, B)`` returns the kernel matrix between the rows of A and B.
    block_rows : int, default=None
        Rows per block; ``None`` keeps a block near 64 MiB (at most 20,000 rows).

    Returns
    -------
    gram : ndarray of shape (r, r)
    col_sum : ndarray of shape (r,)
    diff : ndarray of shape (r,)
    """
    m = landmarks.shape[0]
    CtC = np.zeros((m, m))
    c_sum = np.zeros(m)
    c_diff = np.zeros(m)
    for rows in gen_batches(X.shape[0], block_rows or _block_rows(m)):
        C = gram_fn(X[rows], landmarks)
        CtC += C.T @ C
        c_sum += C.sum(axis=0)
        c_diff += C.T @ e[rows]
    return M.T @ CtC @ M, M.T @ c_sum, M.T @ c_diff


def _flip_signs(coef, Z):
    """Make the largest-magnitude entry of each column of ``Z`` positive (in ``coef``)."""
    rows = np.argmax(np.abs(Z), axis=0)
    signs = np.sign(Z[rows, np.arange(Z.shape[1])])
    signs[signs == 0] = 1.0
    return coef * signs


class TCA(BaseFeatureTransfer):
    r"""Transfer Component Analysis: a kernel embedding where the domain means agree.

    TCA (Pan et al., 2011) learns a few "transfer components": directions of
    a kernel feature space in which source and target rows have close means
    (small maximum mean discrepancy) while the rows keep as much variance as
    possible. Every row, source or target, is mapped the same way; the
    estimator is then fitted on the mapped labelled rows.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn classifier or regressor fitted on the embedded
        labelled rows; ``None`` means ``LogisticRegression()``.
    n_components : int, default=20
        Number of transfer components. At most the number of training rows,
        and at most the rank of the feature map on the linear and Nystrom
        paths (the rank of ``X``; the number of kept landmark directions).
    mu : float, default=1.0
        Positive trade-off: the weight of :math:`\lVert W \rVert^2` against
        the embedded squared MMD in the constraint. Smaller values make the
        domain means agree more closely.
    kernel : {"linear", "rbf", "poly", "laplacian"} or callable, default="linear"
        Kernel of the feature space. A callable is called as
        ``kernel(X, Y, **kernel_params)`` on 2-D arrays of rows and must
        return the Gram matrix (a matrix-valued function, e.g. a partial of
        :func:`sklearn.metrics.pairwise.rbf_kernel`).
    gamma : float, default=None
        Coefficient of the rbf, poly and laplacian kernels; ``None`` means
        ``1 / n_features``.
    degree : float, default=3
        Degree of the poly kernel.
    coef0 : float, default=1
        Constant term of the poly kernel.
    kernel_params : dict, default=None
        Keyword arguments of a callable kernel (named kernels take
        ``gamma``, ``degree``, ``coef0`` instead).
    n_landmarks : int, default=None
        ``None``: the exact kernel (dense ``n x n``, or ``d x d`` for the
        linear kernel when ``n > d``). An int ``m >= 2``: the Nystrom
        approximation of the kernel on ``m`` landmark rows drawn at random,
        stratified between source and target rows (capped at the number of
        training rows, with a warning).
    eigen_solver : {"auto", "dense", "arpack"}, default="auto"
        Solver of the ``n x n`` problem (other paths solve a small ``r x r``
        problem densely). ``"dense"``: ``scipy.linalg.eigh`` of the
        generalized problem, top components only. ``"arpack"``:
        ``scipy.sparse.linalg.eigsh`` on a matrix-free operator. ``"auto"``:
        arpack when ``n > 200`` and ``n_components < n / 10``, else dense.
    tol : float, default=0
        ARPACK's tolerance (0: machine precision).
    max_iter : int, default=None
        ARPACK's maximum number of iterations.
    random_state : int, RandomState instance or None, default=None
        Seeds the landmark draw and ARPACK's starting vector.

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the embedded labelled rows.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    n_components_ : int
        Number of components.
    eigenvalues_ : ndarray of shape (n_components_,)
        Generalized eigenvalues :math:`\lambda`, decreasing: the variance
        :math:`w^\top K H K w` of each component under
        :math:`w^\top (K L K + \mu I) w = 1`.
    solver_ : str
        Path used: ``"dense"``, ``"arpack"`` (``n x n``), ``"linear"``
        (``d x d``) or ``"nystrom"``.
    gamma_ : float or None
        The kernel coefficient used (``None`` for the linear and callable
        kernels).
    components_ : ndarray of shape (n_components_, n_features_in_) or None
        Linear kernel only: the embedding is ``X @ components_.T``.
    landmarks_ : ndarray of shape (n_landmarks_, n_features_in_) or None
        Other kernels: the rows that new rows are compared with, every
        training row (exact kernel) or the Nystrom landmarks.
    dual_coef_ : ndarray of shape (n_landmarks_, n_components_) or None
        Other kernels: the embedding is ``k(X, landmarks_) @ dual_coef_``.
    landmark_indices_ : ndarray of shape (n_landmarks_,) or None
        Nystrom path: indices of the landmarks among the training rows.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    sklearn.decomposition.KernelPCA : The same embedding without the MMD term.

    Notes
    -----
    **Objective.** Stack the :math:`n = n_s + n_t` training rows; all source
    domains (``sample_domain >= 0``) are pooled as "source" and all target
    domains as "target" (this is how several domains are handled). Let
    :math:`K` be the ``n x n`` kernel matrix,
    :math:`H = I - \mathbf{1}\mathbf{1}^\top / n` the centring matrix and
    :math:`L = e e^\top` with :math:`e_i = 1/n_s` on source rows and
    :math:`-1/n_t` on target rows, so that :math:`\operatorname{tr}(K L)` is
    the squared MMD between the domain means in feature space. TCA solves

    .. math::

        \max_W \operatorname{tr}(W^\top K H K W)
        \quad\text{subject to}\quad W^\top (K L K + \mu I) W = I,

    whose solution is the top ``n_components`` eigenvectors of the
    generalized *symmetric* eigenproblem
    :math:`K H K w = \lambda (K L K + \mu I) w` (never an eigendecomposition
    of the non-symmetric :math:`(K L K + \mu I)^{-1} K H K`). The training
    rows embed as :math:`Z = K W`, new rows as
    :math:`Z_{new} = k(X_{new}, X) W`. Since :math:`K L K = v v^\top`
    (:math:`v = K e`), :math:`B = \mu I + v v^\top` has the explicit inverse
    square root :math:`\mu^{-1/2}(I - c\,u u^\top)`,
    :math:`u = v / \lVert v \rVert`,
    :math:`c = 1 - \sqrt{\mu / (\mu + \lVert v \rVert^2)}`, which ARPACK uses.
    Components are sorted by decreasing eigenvalue and each is signed so
    that its largest-magnitude training embedding (over the landmarks on the
    Nystrom path) is positive. The scale of the embedding is the one the
    constraint sets (for the linear kernel it grows with ``n`` and with the
    scale of ``X``); a scale-sensitive estimator may want
    ``make_pipeline(StandardScaler(), ...)`` as ``estimator``.

    **Paths and complexity.**

    - Exact kernel (``n_landmarks=None``, a kernel other than linear or
      ``n <= d``): ``O(n^2)`` memory; ``O(n^3)`` time with ``"dense"``,
      ``O(n^2)`` per iteration with ``"arpack"``. The training rows are kept
      to embed new rows (``O(n d)`` per new row).
    - Linear kernel, ``n > d``: with :math:`K = X X^\top` the problem reduces
      exactly to ``d x d``:
      :math:`(X^\top H X) b = \lambda (X^\top L X + \mu (X^\top X)^{-1}) b`,
      :math:`Z = X b`. ``O(n d^2 + d^3)`` time, ``O(n d + d^2)`` memory. It
      is solved in the eigenbasis of :math:`X^\top X`, so a rank-deficient
      ``X`` needs no inverse: its null directions are dropped exactly, and
      ``n_components`` is at most the rank of ``X``.
    - Nystrom (``n_landmarks=m``): :math:`W_l = k(\text{landmarks},
      \text{landmarks})`, :math:`C = k(X, \text{landmarks})`,
      :math:`\Phi = C W_l^{-1/2}` (eigenvalues of :math:`W_l` below
      ``1e-10`` of the largest dropped, leaving rank :math:`r \le m`), and
      :math:`K \approx \Phi\Phi^\top`; TCA on that kernel is the linear
      reduction applied to :math:`\Phi`. :math:`C` is computed in row
      blocks, so the cost is ``O(n m d + n m^2 + m^3)`` time and
      ``O(m^2 + block * m)`` memory (plus ``O(n * n_components)`` for the
      embedded training rows). The error is that of the Nystrom
      approximation of :math:`K`; with every row a landmark it is exact.

    References
    ----------
    .. [1] S. J. Pan, I. W. Tsang, J. T. Kwok and Q. Yang, "Domain Adaptation
       via Transfer Component Analysis", IEEE Transactions on Neural
       Networks, 22(2):199-210, 2011.
    .. [2] C. K. I. Williams and M. Seeger, "Using the Nystrom Method to Speed
       Up Kernel Machines", NIPS 2001.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from tlearn.datasets import make_domain_shift
    >>> from tlearn.feature import TCA
    >>> X, y, sample_domain = make_domain_shift("covariate", n_features=5, random_state=0)
    >>> model = TCA(LogisticRegression(), n_components=3, kernel="rbf", random_state=0)
    >>> model = model.fit(X, y, sample_domain=sample_domain)
    >>> model.solver_, model.eigenvalues_.shape
    ('arpack', (3,))
    >>> model.transform(X[sample_domain < 0]).shape
    (500, 3)
    >>> model.predict(X[sample_domain < 0]).shape
    (500,)
    """

    _requires_target = True
    _parameter_constraints = {
        "estimator": [Estimator(), None],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "mu": [Interval(Real, 0, None, closed="neither")],
        **KERNEL_PARAMETER_CONSTRAINTS,
        "n_landmarks": [Interval(Integral, 2, None, closed="left"), None],
        "eigen_solver": [Options(_EIGEN_SOLVERS)],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_components=20,
        mu=1.0,
        kernel="linear",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        n_landmarks=None,
        eigen_solver="auto",
        tol=0,
        max_iter=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_components = n_components
        self.mu = mu
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.n_landmarks = n_landmarks
        self.eigen_solver = eigen_solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def _gram(self, X, Y):
        return estimator_gram(self, X, Y)

    def _fit_map(self, data):
        check_kernel_params(self)
        X = np.asarray(data.X, dtype=np.float64)
        source = data.source
        n, d = X.shape
        m = self.n_components
        linear = isinstance(self.kernel, str) and self.kernel == "linear"
        if callable(self.kernel) or linear:
            self.gamma_ = None
        else:
            self.gamma_ = float(1.0 / d if self.gamma is None else self.gamma)
        e = mmd_weights(source)
        self.components_ = self.landmarks_ = self.dual_coef_ = self.landmark_indices_ = None

        if self.n_landmarks is not None:
            self.solver_ = "nystrom"
            n_landmarks = self.n_landmarks
            if n_landmarks > n:
                warnings.warn(
                    f"n_landmarks={n_landmarks} is larger than the number of training rows "
                    f"({n}); every row is a landmark.",
                    UserWarning,
                    stacklevel=4,
                )
                n_landmarks = n
            index = select_landmarks(source, n_landmarks, self.random_state)
            landmarks = X[index]
            W_l = self._gram(landmarks, landmarks)
            M = nystrom_whitening(W_l)
            stats = nystrom_statistics(X, landmarks, M, e, self._gram)
            vals, P = tca_reduced(
                *stats,
                n,
                m,
                self.mu,
                what=f"the Nystrom feature map on {n_landmarks} landmarks",
                owner=self,
            )
            coef = M @ P
            coef = _flip_signs(coef, W_l @ coef)  # embedding of the landmark rows
            self.landmark_indices_ = index
        elif linear and n > d:
            self.solver_ = "linear"
            vals, P = tca_reduced(
                X.T @ X, X.sum(axis=0), X.T @ e, n, m, self.mu, what=f"X ({n} x {d})", owner=self
            )
            self.components_ = _flip_signs(P, X @ P).T
        else:
            if m > n:
                raise param_error(
                    self, "n_components", f"at most the number of training rows ({n})", m
                )
            solver = self.eigen_solver
            if solver == "auto":
                solver = "arpack" if n > 200 and m < n / 10 else "dense"
            self.solver_ = solver
            landmarks = X.copy()
            K = self._gram(landmarks, landmarks)
            K += K.T  # numpy buffers the overlapping operands
            K *= 0.5
            if solver == "arpack":
                if m >= n:
                    raise param_error(
                        self,
                        "n_components",
                        f"less than the number of training rows ({n}) with eigen_solver='arpack'",
                        m,
                    )
                vals, W = tca_arpack(
                    K,
                    source,
                    m,
                    self.mu,
                    tol=self.tol,
                    max_iter=self.max_iter,
                    random_state=self.random_state,
                )
            else:
                vals, W = tca_dense(K, source, m, self.mu)
            coef = _flip_signs(W, K @ W)
        if self.components_ is None:
            if linear:  # fold the rows that the kernel compares with into a d x m map
                self.components_ = (landmarks.T @ coef).T
            else:
                self.landmarks_, self.dual_coef_ = landmarks, coef
        self.eigenvalues_ = vals
        self.n_components_ = m

    def _map_rows(self, X, sample_domain):
        X = np.asarray(X, dtype=np.float64)
        if self.components_ is not None:
            return X @ self.components_.T
        Z = np.empty((X.shape[0], self.n_components_))
        for rows in gen_batches(X.shape[0], _block_rows(self.landmarks_.shape[0])):
            Z[rows] = self._gram(X[rows], self.landmarks_) @ self.dual_coef_
        return Z
