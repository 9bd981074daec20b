"""embedlab.evaluate (to be built)."""
