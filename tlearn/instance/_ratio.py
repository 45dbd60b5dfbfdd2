r"""What the density-ratio estimators share: the ``density_ratio`` method and the width grids.

:class:`BaseDensityRatio` is the instance-family base
(:class:`~tlearn.base.BaseInstanceTransfer`) with a public
:meth:`~BaseDensityRatio.density_ratio`: a fitted estimate of
:math:`r(x) = p_t(x) / p_s(x)` that can be evaluated at any rows, and whose
values at the source rows are ``weights_``. KLIEP, uLSIF and the
discriminative ratio subclass it.

:func:`candidate_grid` reads a hyper-parameter that is one value, a list of
candidates, or ``None`` (a default grid); :func:`default_sigma_grid` is the
default grid of Gaussian widths, the median-heuristic width times
:data:`SIGMA_FACTORS`.
"""

import numpy as np
from sklearn.utils import gen_batches
from sklearn.utils.validation import check_is_fitted

from .._kernels import (
    MEDIAN_MAX_ROWS,
    block_rows,
    kernel_gram,
    median_heuristic_gamma,
    sigma_to_gamma,
)
from .._params import param_error
from ..base import BaseInstanceTransfer

__all__ = [
    "SIGMA_FACTORS",
    "BaseDensityRatio",
    "candidate_grid",
    "default_sigma_grid",
    "gaussian_gram",
    "kernel_ratio",
]

#: The default Gaussian widths are the median-heuristic width times these factors
#: (``2 ** k`` for ``k`` in -3, -2.5, ..., 1: nine values from 1/8 to 2 times it).
SIGMA_FACTORS = 2.0 ** np.arange(-3.0, 1.01, 0.5)
#: Largest rbf coefficient used: a narrower width gives the same kernel values in float64
#: (1 between equal rows, 0 between any others).
_MAX_GAMMA = 1e300


def gaussian_gram(X, centers, sigma):
    r"""The Gaussian kernel values :math:`\exp(-\lVert x - c\rVert^2 / (2\sigma^2))`.

    Through :func:`~tlearn._kernels.kernel_gram` (``"rbf"`` with
    :math:`\gamma = 1/(2\sigma^2)` from
    :func:`~tlearn._kernels.sigma_to_gamma`, capped at :math:`10^{300}`, where the
    kernel is already 1 between equal rows and 0 between any others).
    Values that underflow are 0, without a floating-point warning.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    centers : ndarray of shape (n_centers, n_features)
    sigma : float

    Returns
    -------
    K : ndarray of shape (n_samples, n_centers)

    Examples
    --------
    >>> import numpy as np
    >>> gaussian_gram(np.array([[0.0], [1.0]]), np.array([[0.0]]), 1.0).ravel()
    array([1.        , 0.60653066])
    """
    gamma = min(sigma_to_gamma(sigma), _MAX_GAMMA)
    with np.errstate(over="ignore", under="ignore"):
        return kernel_gram(X, centers, "rbf", gamma=gamma)


def kernel_ratio(X, centers, sigma, alpha):
    r"""The kernel model :math:`\hat w(x) = \sum_l \alpha_l K_\sigma(x, c_l)` at the rows of ``X``.

    Computed in blocks of rows (about 64 MiB of kernel values each):
    :math:`O(n b d)` time, :math:`O(b)` memory per row for :math:`b` centres.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    centers : ndarray of shape (n_centers, n_features)
    sigma : float
    alpha : ndarray of shape (n_centers,)

    Returns
    -------
    ratio : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> kernel_ratio(np.array([[0.0], [5.0]]), np.array([[0.0]]), 1.0, np.array([2.0]))
    array([2.00000000e+00, 7.45330634e-06])
    """
    out = np.empty(X.shape[0])
    for rows in gen_batches(X.shape[0], block_rows(centers.shape[0])):
        out[rows] = gaussian_gram(X[rows], centers, sigma) @ alpha
    return out


def candidate_grid(owner, name, value, default=None):
    """The candidates of a hyper-parameter: one value, an array of them, or the default.

    Parameters
    ----------
    owner : estimator
        Names the error.
    name : str
        The parameter.
    value : float, array-like or None
        A positive finite number, a non-empty 1-D array of them, or ``None``.
    default : ndarray or None
        The candidates when ``value`` is None.

    Returns
    -------
    grid : ndarray of float64 of shape (n_candidates,)
        Sorted ascending, duplicates removed.

    Examples
    --------
    >>> candidate_grid("ULSIF", "reg", [1.0, 0.1, 1.0])
    array([0.1, 1. ])
    >>> candidate_grid("ULSIF", "reg", 0.5)
    array([0.5])
    """
    if value is None:
        return np.asarray(default, dtype=np.float64)
    if np.ndim(value) == 0:
        return np.array([float(value)])  # the table has checked that it is positive and finite
    try:
        grid = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        grid = None
    if grid is None or grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
        grid = None
    elif np.any(grid <= 0):
        grid = None
    if grid is None:
        raise param_error(
            owner, name, "a positive number or a non-empty 1-D array of positive numbers", value
        )
    return np.unique(grid)


def default_sigma_grid(X, random_state):
    r"""The median-heuristic width :math:`\sigma_{med}` times :data:`SIGMA_FACTORS`.

    :math:`\sigma_{med} = \sqrt{m / 2}`, with :math:`m` the median squared
    distance between the rows of ``X`` (the pooled source and target rows;
    a seeded subsample of 1,000 rows when there are more), so that the
    Gaussian kernel :math:`\exp(-\lVert x - x'\rVert^2 / (2\sigma_{med}^2))`
    is the rbf kernel of the median heuristic
    (:func:`~tlearn._kernels.median_heuristic_gamma`).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    random_state : RandomState

    Returns
    -------
    grid : ndarray of shape (9,)

    Examples
    --------
    >>> import numpy as np
    >>> grid = default_sigma_grid(np.array([[0.0], [1.0], [3.0]]), 0)
    >>> round(float(grid[6]), 4)  # median squared distance 4: sigma_med = sqrt(2)
    1.4142
    """
    gamma = median_heuristic_gamma(X, max_rows=MEDIAN_MAX_ROWS, random_state=random_state)
    return np.sqrt(0.5 / gamma) * SIGMA_FACTORS


class BaseDensityRatio(BaseInstanceTransfer):
    """Base of the density-ratio estimators: ``weights_`` and ``density_ratio(X)``.

    A subclass implements ``_fit_weights(data)`` (it stores the fitted ratio
    model and returns the ratio at the source rows) and ``_ratio(X)`` (the
    fitted ratio at rows of a validated float64 array). The source weights
    are the estimated ratio itself, not rescaled: ``weights_`` equals
    ``density_ratio`` at the source rows of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from tlearn.instance import ULSIF
    >>> from tlearn.instance._ratio import BaseDensityRatio
    >>> issubclass(ULSIF, BaseDensityRatio)
    True
    """

    _requires_target = True

    def _ratio(self, X):
        raise NotImplementedError

    def density_ratio(self, X):
        r"""The fitted density ratio :math:`\hat r(x) \approx p_t(x) / p_s(x)` at the rows of ``X``.

        :math:`p_s` is the density of the pooled source rows of the training
        data and :math:`p_t` that of the pooled target rows; the ratio is
        the importance weight of a source row under covariate shift.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows of any domain.

        Returns
        -------
        ratio : ndarray of shape (n_samples,)
            Non-negative. At the training source rows it equals ``weights_``.
        """
        check_is_fitted(self)
        data = self._check_domains(X, None, None, reset=False)
        return self._ratio(np.asarray(data.X, dtype=np.float64))
