"""Feature-based transfer: map the domains into a space where they agree."""
