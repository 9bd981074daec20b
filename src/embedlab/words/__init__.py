"""embedlab.words (to be built)."""
