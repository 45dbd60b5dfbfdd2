"""Feature-based transfer: map the domains into a space where they agree."""

from ._coral import CORAL
from ._sa import SubspaceAlignment
from ._tca import TCA

__all__ = ["CORAL", "SubspaceAlignment", "TCA"]
