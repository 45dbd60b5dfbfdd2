"""Measures between the source and the target rows of the fit signature.

:func:`median_heuristic_gamma` is the rbf kernel width that tlearn's kernel
methods (TCA, KMM) use by default; the peers' comparisons and the benchmarks
pass the same value to the other libraries.
"""

from .._kernels import median_heuristic_gamma

__all__ = ["median_heuristic_gamma"]
