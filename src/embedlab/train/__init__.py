"""embedlab.train (to be built)."""
