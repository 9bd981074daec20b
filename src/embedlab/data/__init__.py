"""embedlab.data (to be built)."""
