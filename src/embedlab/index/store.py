"""The store protocol: what :class:`embedlab.index.Index` needs from whatever holds the vectors, texts and metadata.

Two stores implement it: :class:`~embedlab.index.local.LocalStore` (FAISS HNSW + bm25s + Parquet in the index
folder) and :class:`~embedlab.index.qdrant.QdrantStore` (a Qdrant collection). ``Index`` talks to a store only
through this protocol and picks one by the manifest's ``backend`` in :data:`STORES`, so a third store is one class
and one entry there.

Filters reach a store already typed (:func:`embedlab.index.filters.typed`): every store must return exactly the
rows that :meth:`embedlab.index.filters.Condition.matches` accepts (``tests/index/test_store_filters.py`` runs one
suite over both).

Example:
    >>> store = open_store("my-index", read_manifest("my-index"))
    >>> store.dense(query_vector, 5)
    [('d3', 0.71), ('d9', 0.64), ...]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from embedlab.data.documents import Chunk
from embedlab.errors import ParameterError
from embedlab.index.filters import Condition, Kind
from embedlab.index.manifest import Manifest
from embedlab.index.settings import STORES

Ranked = list[tuple[str, float]]


@dataclass(frozen=True)
class FirstStage:
    """The first stage of a search, as :func:`embedlab.index.search.run_search` asks a store to do it natively.

    Attributes:
        query: the query text.
        query_vector: its embedding (None for ``bm25``).
        k: results wanted in the end.
        depth: how deep each first-stage list goes.
        mode, fusion, exact: of :class:`~embedlab.index.settings.SearchSettings`.
        conditions: typed metadata filters.
        mmr_lambda: MMR's lambda when MMR follows the first stage directly (None: no MMR, or a reranker between).
        rrf_k: RRF's rank constant (``1 / (rrf_k + rank)``) when ``fusion`` is ``rrf``.
    """

    query: str
    query_vector: np.ndarray | None
    k: int
    depth: int
    mode: str
    fusion: str
    exact: bool
    conditions: Sequence[Condition]
    mmr_lambda: float | None
    rrf_k: int = 60


@runtime_checkable
class Store(Protocol):
    """Chunks with their vectors, searchable densely and lexically, written to disk by :meth:`commit`.

    Attributes:
        backend: the name in the manifest (``local``, ``qdrant``).
    """

    backend: str

    @classmethod
    def check(cls, options: dict[str, Any]) -> None:
        """Refuse, before any embedding, options this store cannot use (a wrong setting, a server out of reach)."""
        ...

    @classmethod
    def create(cls, folder: Path, manifest: Manifest, options: dict[str, Any]) -> Store:
        """A new, empty store for an index being written into ``folder`` (``options``: store-specific settings)."""
        ...

    @classmethod
    def open(cls, folder: Path, manifest: Manifest, *, verify: bool = True) -> Store:
        """The store of an existing index whose manifest was read already."""
        ...

    # writing
    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Add chunks with their vectors (ids must be new or deleted)."""
        ...

    def delete(self, ids: Sequence[str]) -> int:
        """Delete documents (all their chunks) or chunks by id; returns how many chunks went."""
        ...

    def compact(self) -> int:
        """Reclaim the space of deleted chunks; returns how many rows were dropped."""
        ...

    def commit(self, folder: Path, manifest: Manifest) -> Manifest:
        """Make every change durable and write the manifest (the commit point); returns the new manifest."""
        ...

    # reading
    @property
    def count(self) -> int:
        """Live chunks."""
        ...

    def live_doc_ids(self) -> set[str]: ...

    def get(self, ids: Sequence[str]) -> list[Chunk]: ...

    def get_vectors(self, ids: Sequence[str]) -> np.ndarray: ...

    def fields(self) -> list[str]:
        """Metadata field names."""
        ...

    def field_kinds(self) -> dict[str, Kind]:
        """Metadata field -> kind (:func:`embedlab.index.filters.field_kinds`), for typing filters."""
        ...

    def dense(self, query: np.ndarray, k: int, conditions: Sequence[Condition] = (), *, exact: bool = False) -> Ranked:
        """Top-k chunk ids by inner product with ``query`` among the rows passing ``conditions``."""
        ...

    def lexical(self, query: str, k: int, conditions: Sequence[Condition] = ()) -> Ranked:
        """Top-k chunk ids by BM25 among the rows passing ``conditions`` (score > 0 only)."""
        ...

    def native_search(self, request: FirstStage, stage: dict[str, dict[str, float]]) -> Ranked | None:
        """A whole first stage done by the store itself (hybrid fusion, MMR), or None to let the client do it.

        A store that does a stage records its scores in ``stage`` (``stage["hybrid"]``, ``stage["mmr"]``).
        """
        ...

    def info(self) -> dict[str, Any]:
        """Store facts for ``index info`` (deleted rows pending, memory per vector...)."""
        ...

    def close(self) -> None: ...


def store_class(backend: str) -> type[Store]:
    """The store class for a manifest's ``backend``.

    Raises:
        ParameterError: an unknown backend.
    """
    if backend == "local":
        from embedlab.index.local import LocalStore

        return LocalStore
    if backend == "qdrant":
        from embedlab.index.qdrant import QdrantStore

        return QdrantStore  # type: ignore[return-value]
    raise ParameterError("backend", f"unknown store {backend!r}; use one of {', '.join(STORES)}")


def create_store(backend: str, folder: Path, manifest: Manifest, options: dict[str, Any]) -> Store:
    """A new, empty store of kind ``backend`` (see :meth:`Store.create`)."""
    return store_class(backend).create(folder, manifest, options)


def open_store(folder: Path, manifest: Manifest, *, verify: bool = True) -> Store:
    """The store of an existing index (see :meth:`Store.open`)."""
    return store_class(manifest.backend).open(Path(folder), manifest, verify=verify)
