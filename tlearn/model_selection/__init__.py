"""Model selection on the fit signature: folds for stacked domains, label-free scorers."""

from ._split import DomainStratifiedKFold, LeaveOneSourceDomainOut, SourceShuffleSplit

__all__ = ["DomainStratifiedKFold", "LeaveOneSourceDomainOut", "SourceShuffleSplit"]
