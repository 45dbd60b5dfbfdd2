"""Instance-based transfer: reweight source rows so that they look like target rows."""
