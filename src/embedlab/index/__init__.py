"""Index a corpus with an embedding model and search it: dense, BM25, hybrid, filtered, diversified, reranked.

An :class:`Index` ties a folder of vectors, a BM25 index and document metadata to the embedding model that produced
the vectors (recorded in the folder's manifest, with a checksum of every file). Two stores sit behind the same API:

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

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from embedlab.data.documents import (
    Chunk,
    ChunkBy,
    Document,
    as_documents,
    chunk_documents,
    load_documents,
)
from embedlab.errors import InputError, OptionError, ParameterError
from embedlab.index.filters import Condition, Filters, parse_filters
from embedlab.index.manifest import (
    IndexCorruptedError,
    IndexError_,
    Manifest,
    ModelMismatchError,
    check_model,
    model_fingerprint,
    read_manifest,
    write_manifest,
)
from embedlab.index.search import Hit, run_search
from embedlab.index.settings import BuildSettings, Fusion, Mode, SearchSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Backend = Literal["local", "qdrant"]

__all__ = [
    "BuildSettings",
    "Chunk",
    "Condition",
    "Document",
    "Hit",
    "Index",
    "IndexCorruptedError",
    "IndexError_",
    "Manifest",
    "ModelMismatchError",
    "SearchSettings",
    "chunk_documents",
    "load_documents",
    "parse_filters",
]


def _is_index(path: Path) -> bool:
    return (path / "manifest.json").is_file()


class Index:
    """A searchable index on disk, with the model that embeds its queries.

    Build one with :meth:`build`, open one with :meth:`load`. Not safe for concurrent writers (one process writes;
    any number may read an index that is not being written).
    """

    def __init__(self, path: str | Path, manifest: Manifest, store: Any, encoder: Any = None) -> None:
        self.path = Path(path)
        self.manifest = manifest
        self.store = store
        self._encoder = encoder
        self._rerankers: dict[str, Any] = {}

    # ------------------------------------------------------------------------------------------- creation
    @classmethod
    def build(
        cls,
        model: str | os.PathLike[str],
        docs: str | os.PathLike[str] | Iterable[Document | dict[str, Any] | str],
        path: str | os.PathLike[str],
        *,
        id_field: str = "id",
        text_field: str = "text",
        chunk: ChunkBy = "none",
        chunk_size: int = 5,
        overlap: int = 1,
        backend: Backend = "local",
        url: str | None = None,
        collection: str | None = None,
        normalize: bool = True,
        batch_size: int = 64,
        m: int = 32,
        ef_construction: int = 128,
        ef_search: int = 64,
        encoder: SentenceTransformer | None = None,
        show_progress: bool = False,
    ) -> Index:
        """Embed documents and write a new index folder (replacing an index already there, atomically).

        Args:
            model: the embedding model (anything :func:`embedlab.models.resolve_model` accepts).
            docs: a JSONL/CSV/Parquet file, or documents as dicts / strings / :class:`Document`.
            path: the index folder to write.
            id_field: field of the unique id in a documents file.
            text_field: field of the text in a documents file.
            chunk: ``none``, ``sentences`` or ``tokens`` (the model's tokenizer).
            chunk_size: sentences or tokens per chunk.
            overlap: sentences or tokens shared by consecutive chunks.
            backend: ``local`` (FAISS HNSW + bm25s) or ``qdrant``.
            url: Qdrant server/cluster URL; without it Qdrant runs in local on-disk mode inside the index folder.
            collection: Qdrant collection name (default: the folder name).
            normalize: L2-normalise vectors so scores are cosine similarities.
            batch_size: embedding batch size.
            m: HNSW graph degree (local store).
            ef_construction: HNSW build beam width (local store).
            ef_search: HNSW search beam width (local store; higher = better recall, slower).
            encoder: an already loaded SentenceTransformer of ``model`` (skips loading it again).
            show_progress: show an embedding progress bar.

        Example:
            >>> Index.build("all-MiniLM-L6-v2", [{"id": "a", "text": "hello", "lang": "en"}], "idx")
        """
        from embedlab.models.resolve import load_sentence_model, resolve_model
        from embedlab.utils.atomic import atomic_dir, check_output_dir

        if backend not in ("local", "qdrant"):
            raise OptionError("--backend", f"unknown backend {backend!r}; use local or qdrant")
        if batch_size < 1:
            raise OptionError("--batch-size", f"must be at least 1, got {batch_size}")
        target = check_output_dir(
            path, "index", inputs=[docs if isinstance(docs, (str, os.PathLike)) else None], recognize=_is_index
        )
        resolved = resolve_model(model)
        documents = (
            load_documents(docs, id_field=id_field, text_field=text_field)
            if isinstance(docs, (str, os.PathLike))
            else as_documents(docs)
        )
        if not documents:
            raise InputError("no documents to index")
        enc = encoder if encoder is not None else load_sentence_model(model)
        tokenizer = getattr(enc, "tokenizer", None) if chunk == "tokens" else None
        chunks = chunk_documents(documents, by=chunk, size=chunk_size, overlap=overlap, tokenizer=tokenizer)
        vectors = _embed(enc, [c.text for c in chunks], "document", normalize, batch_size, show_progress)
        manifest = Manifest(
            model={"name": str(model), "path": resolved.path, "fingerprint": model_fingerprint(resolved.path)},
            dimension=int(vectors.shape[1]),
            normalize=normalize,
            backend=backend,
            chunking={
                "by": chunk,
                "size": chunk_size,
                "overlap": overlap,
                "id_field": id_field,
                "text_field": text_field,
            },
        )
        with atomic_dir(target, kind="index", recognize=_is_index) as tmp:
            if backend == "local":
                from embedlab.index.local import LocalIndex

                store = LocalIndex(
                    manifest.dimension, {"m": m, "ef_construction": ef_construction, "ef_search": ef_search}
                )
                store.add(chunks, vectors)
                store.save(tmp, manifest)
            else:
                from embedlab.index.qdrant import QdrantStore

                store = QdrantStore.create(tmp, manifest, url=url, collection=collection or target.name)
                store.add(chunks, vectors)
                manifest.count = store.count
                manifest.generation = 1
                write_manifest(tmp, manifest)
                store.close()
        return cls.load(target, encoder=enc, verify=False)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        model: str | os.PathLike[str] | None = None,
        encoder: SentenceTransformer | None = None,
        verify: bool = True,
    ) -> Index:
        """Open an index folder, checking its manifest, its files' checksums and the model.

        Args:
            path: the index folder.
            model: the model to embed queries with; refused unless it is the one the index was built with. By
                default the manifest's model is used.
            encoder: an already loaded SentenceTransformer (trusted to be the index's model).
            verify: check the SHA-256 of every file (a second or so per GB).

        Raises:
            IndexError_: not an index. IndexCorruptedError: a file changed or is missing.
            ModelMismatchError: ``model`` is not the index's model.
        """
        from embedlab.models.resolve import resolve_model

        manifest = read_manifest(path)
        if model is not None:
            resolved = resolve_model(model)
            check_model(manifest, str(model), resolved.path, index_path=path)
        if manifest.backend == "qdrant":
            from embedlab.index.qdrant import QdrantStore

            store: Any = QdrantStore.open(path, manifest)
        else:
            from embedlab.index.local import LocalIndex

            store = LocalIndex.open(path, manifest, verify=verify)
        index = cls(path, manifest, store, encoder)
        if model is not None and encoder is None:
            index._model_arg = str(model)
        return index

    # ------------------------------------------------------------------------------------------- model
    @property
    def encoder(self) -> SentenceTransformer:
        """The embedding model, loaded on first use (from the manifest, after checking it is the same model)."""
        if self._encoder is None:
            from embedlab.errors import ModelNotFoundError
            from embedlab.models.resolve import load_sentence_model, resolve_model

            name = getattr(self, "_model_arg", None) or self.manifest.model["name"]
            try:
                resolved = resolve_model(name)
            except ModelNotFoundError:
                stored = self.manifest.model.get("path", "")
                if not stored or not Path(stored).exists():
                    raise
                resolved = resolve_model(stored)
            check_model(self.manifest, name, resolved.path, index_path=self.path)
            self._encoder = load_sentence_model(resolved.path)
        return self._encoder

    def embed(self, texts: Sequence[str], *, kind: Literal["query", "document"] = "query") -> np.ndarray:
        """Embed texts as queries (or documents) the way the index expects (same model, same normalisation)."""
        return _embed(self.encoder, list(texts), kind, self.manifest.normalize, 64, False)

    def reranker(self, model: Any) -> Any:
        """A cross-encoder (name/path or a loaded ``CrossEncoder``), loaded once and cached."""
        if not isinstance(model, (str, os.PathLike)):
            return model
        key = os.fspath(model)
        if key not in self._rerankers:
            from embedlab.rerank.score import load_cross_encoder

            self._rerankers[key] = load_cross_encoder(key)
        return self._rerankers[key]

    # ------------------------------------------------------------------------------------------- search
    @property
    def search_settings(self) -> SearchSettings:
        """The settings a search uses when the caller gives none: the index's saved ones over the defaults."""
        return SearchSettings.from_dict(self.manifest.search)

    def save_search_settings(self, settings: SearchSettings | dict[str, Any] | None) -> None:
        """Save search settings in the index (None: back to the defaults); ``search``, ``serve`` and evaluation use
        them unless the caller overrides them."""
        if isinstance(settings, dict):
            settings = SearchSettings().merged(**settings)
        if settings is not None:
            settings.validate()
        defaults = SearchSettings().to_dict()
        saved = {} if settings is None else {k: v for k, v in settings.to_dict().items() if defaults[k] != v}
        self.manifest.search = saved
        self._commit()

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        mode: Mode | None = None,
        exact: bool | None = None,
        fusion: Fusion | None = None,
        alpha: float | None = None,
        rrf_k: int | None = None,
        filters: Filters | Sequence[Condition] = None,
        mmr: float | bool | None = None,
        rerank: Any = None,
        rerank_top: int | None = None,
        candidates: int | bool | None = None,
        query_vector: np.ndarray | None = None,
        settings: SearchSettings | None = None,
    ) -> list[Hit]:
        """Search the index.

        Every setting left as None takes the index's saved value (:attr:`search_settings`), else the default of
        :class:`~embedlab.index.settings.SearchSettings`.

        Args:
            query: the query text.
            k: number of results.
            mode: ``dense`` (embeddings), ``bm25`` (terms) or ``hybrid`` (both, fused).
            exact: dense search by brute force instead of the ANN graph.
            fusion: hybrid fusion: ``rrf`` (reciprocal rank) or ``weighted`` (normalised scores).
            alpha: weight of dense scores in weighted fusion (BM25 gets ``1 - alpha``).
            rrf_k: the constant of reciprocal rank fusion.
            filters: ``["year>=2020", "lang in [en,de]"]`` or ``{"year": {"gte": 2020}}`` (all must hold).
            mmr: MMR lambda in [0, 1] (1 = relevance only); False = no MMR even if the index saved one.
            rerank: a cross-encoder (name/path or loaded) that reorders the top ``rerank_top``.
            rerank_top: how many candidates the cross-encoder rescores.
            candidates: depth of each first-stage candidate list (default: enough for k, rerank and MMR).
            query_vector: the query's embedding when already computed (the server batches them).
            settings: a whole :class:`SearchSettings` to start from instead of the index's saved ones.

        Returns:
            Hits, best first, each with ``scores`` of every stage and the document's metadata.

        Example:
            >>> index.search("battery storage", mode="hybrid", fusion="weighted", alpha=0.7, k=3)
        """
        if not isinstance(query, str) or not query.strip():
            raise ParameterError("query", "must be a non-empty string")
        base = settings if settings is not None else self.search_settings
        s = base.merged(
            k=k,
            mode=mode,
            exact=exact,
            fusion=fusion,
            alpha=alpha,
            rrf_k=rrf_k,
            mmr=mmr,
            rerank_top=rerank_top,
            candidates=candidates,
        ).validate()  # before any model is loaded
        conditions = (
            list(filters)
            if filters and all(isinstance(c, Condition) for c in filters)
            else parse_filters(
                filters  # type: ignore[arg-type]
            )
        )
        self._check_fields(conditions)
        if s.mode != "bm25" and query_vector is None:
            query_vector = self.embed([query])[0]
        rerank_fn: Callable[[list[str]], Any] | None = None
        if rerank is not None and rerank is not False:
            ce = self.reranker(rerank)

            def rerank_fn(texts: list[str]) -> Any:
                return ce.predict([(query, t) for t in texts], show_progress_bar=False)

        return run_search(
            self.store,
            query,
            query_vector,
            k=s.k,
            mode=s.mode,
            exact=s.exact,
            fusion=s.fusion,
            alpha=s.alpha,
            rrf_k=s.rrf_k,
            conditions=conditions,
            candidates=s.candidates,
            mmr_lambda=s.mmr,
            reranker=rerank_fn,
            rerank_top=s.rerank_top,
        )

    def _check_fields(self, conditions: Sequence[Condition]) -> None:
        if not conditions or self.count == 0:
            return
        fields = set(self.store.fields())
        for c in conditions:
            if c.field not in fields:
                raise OptionError(
                    "--filter",
                    f"no document has the field {c.field!r}; fields: {', '.join(sorted(fields)) or '(none)'}",
                )

    # ------------------------------------------------------------------------------------------- updates
    def add(
        self,
        docs: str | os.PathLike[str] | Iterable[Document | dict[str, Any] | str],
        *,
        upsert: bool = False,
        batch_size: int = 64,
        show_progress: bool = False,
    ) -> int:
        """Embed and add documents, chunked as the index was built (no rebuild). Returns chunks added.

        Args:
            docs: a documents file or documents.
            upsert: replace documents whose id is already in the index (else that is an error).
        """
        chunking = self.manifest.chunking
        documents = (
            load_documents(
                docs, id_field=chunking.get("id_field", "id"), text_field=chunking.get("text_field", "text")
            )
            if isinstance(docs, (str, os.PathLike))
            else as_documents(docs)
        )
        existing = self.store.live_doc_ids() & {d.id for d in documents}
        if existing and not upsert:
            raise InputError(
                f"{len(existing)} document id(s) already in the index (e.g. {sorted(existing)[0]!r}); "
                "use --upsert to replace them or delete them first"
            )
        tokenizer = getattr(self.encoder, "tokenizer", None) if chunking.get("by") == "tokens" else None
        chunks = chunk_documents(
            documents,
            by=chunking.get("by", "none"),
            size=chunking.get("size", 5),
            overlap=chunking.get("overlap", 1),
            tokenizer=tokenizer,
        )
        vectors = _embed(
            self.encoder, [c.text for c in chunks], "document", self.manifest.normalize, batch_size, show_progress
        )
        if existing:
            self.store.delete(sorted(existing))
        self.store.add(chunks, vectors)
        self._commit()
        return len(chunks)

    def delete(self, ids: Sequence[str]) -> int:
        """Delete documents (all their chunks) or single chunks by id, without a rebuild. Returns chunks deleted."""
        n = self.store.delete([str(i) for i in ids])
        if n:
            self._commit()
        return n

    def compact(self) -> int:
        """Reclaim the space of deleted chunks (rebuilds the ANN graph from the stored vectors). Returns rows freed."""
        n = self.store.compact()
        self._commit()
        return n

    def _commit(self) -> None:
        if self.manifest.backend == "local":
            self.manifest = self.store.save(self.path, self.manifest)
        else:
            self.manifest.count = self.store.count
            self.manifest.generation += 1
            write_manifest(self.path, self.manifest)

    # ------------------------------------------------------------------------------------------- info
    @property
    def count(self) -> int:
        """Number of chunks that can be found (deleted ones excluded)."""
        return int(self.store.count)

    def __len__(self) -> int:
        return self.count

    def info(self) -> dict[str, Any]:
        """A summary: model, dimension, counts, backend, settings, files."""
        m = self.manifest
        deleted = int(getattr(self.store, "deleted", np.zeros(0)).sum()) if m.backend == "local" else 0
        return {
            "path": str(self.path),
            "model": m.model,
            "dimension": m.dimension,
            "normalize": m.normalize,
            "backend": m.backend,
            "chunks": self.count,
            "documents": len(self.store.live_doc_ids()),
            "deleted_pending_compaction": deleted,
            "chunking": m.chunking,
            "settings": m.settings,
            "fields": self.store.fields(),
            "generation": m.generation,
            "files": len(m.files),
            "bytes": sum(f["bytes"] for f in m.files.values()),
            "created": m.created,
            "updated": m.updated,
        }

    def close(self) -> None:
        """Release the store (the Qdrant client's file lock in local mode)."""
        close = getattr(self.store, "close", None)
        if close is not None:
            close()


def _embed(
    encoder: Any, texts: list[str], kind: str, normalize: bool, batch_size: int, show_progress: bool
) -> np.ndarray:
    """Embed with the query/document prompts of the model when it has them (``encode_query``/``encode_document``)."""
    if not texts:
        from embedlab.models import embedding_dimension

        return np.zeros((0, embedding_dimension(encoder) or 0), dtype=np.float32)
    fn = getattr(encoder, f"encode_{kind}", None) or encoder.encode
    vectors = fn(
        texts,
        batch_size=batch_size,
        normalize_embeddings=normalize,
        convert_to_numpy=True,
        show_progress_bar=show_progress,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)
