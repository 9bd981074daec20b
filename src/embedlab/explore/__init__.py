"""embedlab.explore (to be built)."""
