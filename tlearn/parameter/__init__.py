"""Parameter-based transfer: share parameters or a prior between source and target models."""
