"""Parameter-based transfer: share parameters or a prior between source and target models."""

from ._shared_prior import SharedPriorLogisticRegression
from ._shared_prior_ridge import SharedPriorRidge

__all__ = ["SharedPriorLogisticRegression", "SharedPriorRidge"]
