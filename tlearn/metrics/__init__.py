"""Divergences between the source and the target rows: how far apart are the domains?

Each function takes the rows in the fit signature, ``f(X, y, sample_domain)``
(source rows ``sample_domain >= 0``, target rows ``< 0``; with
``sample_domain=None`` the rows with an unknown label are the target rows),
or as two arrays, ``f(Xs, Xt=Xt)``:

- :func:`mmd2`: the squared maximum mean discrepancy (unbiased, biased or
  linear-time estimate; rbf kernel with the median heuristic by default);
- :func:`mmd_test`: its permutation test, a p-value for "one distribution"
  (:class:`MMDTestResult`);
- :func:`proxy_a_distance`: :math:`2(1 - 2\\varepsilon)` of a cross-validated
  domain classifier;
- :func:`coral_distance`: :math:`\\lVert C_s - C_t \\rVert_F^2 / 4d^2`.

:func:`median_heuristic_gamma` is the rbf kernel width that :func:`mmd2`,
:func:`mmd_test` and :class:`~tlearn.instance.KMM` use by default (on the
pooled source and target rows; :class:`~tlearn.feature.TCA` takes
``1 / n_features``); the benchmarks pass the same value to the other
libraries.
"""

from .._kernels import median_heuristic_gamma
from ._divergence import MMDTestResult, coral_distance, mmd2, mmd_test, proxy_a_distance

__all__ = [
    "MMDTestResult",
    "coral_distance",
    "median_heuristic_gamma",
    "mmd2",
    "mmd_test",
    "proxy_a_distance",
]
