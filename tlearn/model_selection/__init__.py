"""Model selection on the fit signature: folds for stacked domains, label-free scorers.

- :class:`DomainStratifiedKFold`: k-fold over the labelled rows, unlabelled rows train;
- :class:`SourceShuffleSplit`, :class:`LeaveOneSourceDomainOut`: validation rows from
  the source domains, every (unlabelled) target row in every training and test split;
- the label-free scorers, for ``scoring=`` in ``GridSearchCV`` and ``cross_validate``:
  :class:`ImportanceWeightedScorer`, :class:`DeepEmbeddedValidationScorer`,
  :class:`ReverseValidationScorer`, :class:`PredictionEntropyScorer`,
  :class:`SoftNeighborhoodDensityScorer` (:func:`get_transfer_scorer` by name), and
  the risk estimates :func:`importance_weighted_risk` and :func:`dev_risk`;
- :class:`TransferGuard`: adapt only when label-free estimates say it helps, else
  keep source-only (:func:`default_candidates`: what it tries by default).
"""

from ._guard import TransferGuard, default_candidates
from ._scorers import (
    DeepEmbeddedValidationScorer,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
    dev_risk,
    get_transfer_scorer,
    importance_weighted_risk,
)
from ._split import DomainStratifiedKFold, LeaveOneSourceDomainOut, SourceShuffleSplit

__all__ = [
    "DeepEmbeddedValidationScorer",
    "DomainStratifiedKFold",
    "ImportanceWeightedScorer",
    "LeaveOneSourceDomainOut",
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SoftNeighborhoodDensityScorer",
    "SourceShuffleSplit",
    "TransferGuard",
    "default_candidates",
    "dev_risk",
    "get_transfer_scorer",
    "importance_weighted_risk",
]
