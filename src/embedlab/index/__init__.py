"""Index a corpus with an embedding model and search it: dense, BM25, hybrid, filtered, diversified, reranked.

An :class:`Index` ties a folder of vectors, a BM25 index and document metadata to the encoder that produced the
vectors (recorded in the folder's manifest, with a checksum of every file). Two stores sit behind the same
:class:`~embedlab.index.store.Store` protocol:

* ``local`` (default): an in-process FAISS HNSW graph + bm25s + Parquet metadata in one folder; no server.
* ``qdrant``: a Qdrant collection through qdrant-client: a server or cluster by URL, or Qdrant's local on-disk mode.

Example:
    >>> from embedlab.index import Index
    >>> index = Index.build("all-MiniLM-L6-v2", "docs.jsonl", "my-index", chunk="sentences", chunk_size=4)
    >>> index = Index.load("my-index")
    >>> hits = index.search("solar power in germany", mode="hybrid", filters=["year>=2020"], k=5)
    >>> hits[0].doc_id, hits[0].scores
    ('d17', {'dense': 0.61, 'bm25': 7.2, 'hybrid': 0.0325})
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Re-exported lazily (PEP 562): the CLI reads embedlab.index.settings at import time for its defaults and choices,
# and must not pay for FAISS, bm25s and the encoder on `embedlab --help`.
_EXPORTS = {
    "Chunk": "embedlab.data.documents",
    "Document": "embedlab.data.documents",
    "chunk_documents": "embedlab.data.documents",
    "load_documents": "embedlab.data.documents",
    "Condition": "embedlab.index.filters",
    "parse_filters": "embedlab.index.filters",
    "Index": "embedlab.index.index",
    "IndexLockedError": "embedlab.index.lock",
    "IndexCorruptedError": "embedlab.index.manifest",
    "IndexError_": "embedlab.index.manifest",
    "Manifest": "embedlab.index.manifest",
    "ModelMismatchError": "embedlab.index.manifest",
    "NotAnIndexError": "embedlab.index.manifest",
    "Hit": "embedlab.index.search",
    "BuildSettings": "embedlab.index.settings",
    "SearchSettings": "embedlab.index.settings",
    "STORES": "embedlab.index.settings",
    "TruncationWarning": "embedlab.index.settings",
    "Store": "embedlab.index.store",
}

__all__ = [
    "STORES",
    "BuildSettings",
    "Chunk",
    "Condition",
    "Document",
    "Hit",
    "Index",
    "IndexCorruptedError",
    "IndexError_",
    "IndexLockedError",
    "Manifest",
    "ModelMismatchError",
    "NotAnIndexError",
    "SearchSettings",
    "Store",
    "TruncationWarning",
    "chunk_documents",
    "load_documents",
    "parse_filters",
]

if TYPE_CHECKING:
    from embedlab.data.documents import Chunk, Document, chunk_documents, load_documents
    from embedlab.index.filters import Condition, parse_filters
    from embedlab.index.index import Index
    from embedlab.index.lock import IndexLockedError
    from embedlab.index.manifest import (
        IndexCorruptedError,
        IndexError_,
        Manifest,
        ModelMismatchError,
        NotAnIndexError,
    )
    from embedlab.index.search import Hit
    from embedlab.index.settings import STORES, BuildSettings, SearchSettings, TruncationWarning
    from embedlab.index.store import Store


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'embedlab.index' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
