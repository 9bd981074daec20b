"""embedlab: from raw text to a trained, measured text-embedding model and a retrieval pipeline built on it.

The Python API is split by capability, one subpackage each:

- :mod:`embedlab.words`: static word embeddings (word2vec, FastText, GloVe).
- :mod:`embedlab.train` and :mod:`embedlab.data`: sentence-embedding training and its data tools.
- :mod:`embedlab.evaluate` and :mod:`embedlab.explore`: measuring and looking at embedding models.
- :mod:`embedlab.index`, :mod:`embedlab.rerank`, :mod:`embedlab.serve`: retrieval.
- :mod:`embedlab.models`: offline-first model resolution used by all of the above.

The ``embedlab`` command line is a thin layer over these modules.
"""

from __future__ import annotations

__version__ = "0.1.0"

from embedlab.errors import EmbedlabError

__all__ = ["EmbedlabError", "__version__"]
