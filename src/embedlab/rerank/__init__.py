"""embedlab.rerank (to be built)."""
