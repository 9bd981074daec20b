"""embedlab.serve (to be built)."""
