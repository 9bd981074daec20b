"""embedlab.dual (to be built)."""
