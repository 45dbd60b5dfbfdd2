"""Instance-based transfer: reweight source rows so that they look like target rows.

- :class:`KMM`: weights of the source rows by kernel mean matching;
- density-ratio estimators, whose weights are an estimate of
  :math:`p_t(x) / p_s(x)` that ``density_ratio(X)`` evaluates at any rows:
  :class:`KLIEP` (maximum target likelihood), :class:`ULSIF` (least squares
  in closed form, with closed-form leave-one-out model selection) and
  :class:`DiscriminativeRatio` (from a probabilistic domain classifier);
- :class:`TrAdaBoost`, :class:`TrAdaBoostR2`: boosting on the source rows and
  a few labelled target rows.
"""

from ._discriminative import DiscriminativeRatio
from ._kliep import KLIEP
from ._kmm import KMM
from ._tradaboost import TrAdaBoost, TrAdaBoostR2
from ._ulsif import ULSIF

__all__ = ["KLIEP", "KMM", "ULSIF", "DiscriminativeRatio", "TrAdaBoost", "TrAdaBoostR2"]
