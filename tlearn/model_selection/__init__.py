"""Model selection on the fit signature: cross-validation folds that suit stacked domains."""

from ._split import DomainStratifiedKFold

__all__ = ["DomainStratifiedKFold"]
