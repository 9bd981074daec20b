"""embedlab.index (to be built)."""
