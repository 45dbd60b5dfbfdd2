"""Instance-based transfer: reweight source rows so that they look like target rows."""

from ._kmm import KMM
from ._tradaboost import TrAdaBoost, TrAdaBoostR2

__all__ = ["KMM", "TrAdaBoost", "TrAdaBoostR2"]
