"""The :class:`Index`: chunks in a :class:`~embedlab.index.store.Store`, tied to the encoder that embedded them.

``Index`` knows documents, chunking, the encoder and the manifest; the store knows vectors, texts and metadata. The
manifest records the encoder (name, fingerprint, backend), so a query embedded any other way is refused instead of
silently landing in another vector space.

Writes (``build`` over an existing index, ``add``, ``delete``, ``compact``, ``save_search_settings``) hold the
index's writer lock (:mod:`embedlab.index.lock`) and check that nobody committed since this object read the
manifest; if someone did, the store is reloaded first, so no writer's documents are lost. Readers take no lock and
retry when a commit swaps files under them.

Example:
    >>> index = Index.build("all-MiniLM-L6-v2", "docs.jsonl", "my-index", settings=BuildSettings(chunk="sentences"))
    >>> index = Index.load("my-index")
    >>> index.search("solar power in germany", mode="hybrid", filters=["year>=2020"], k=5)[0].doc_id
    'd17'
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from embedlab.data.documents import (
    Chunk,
    Document,
    as_documents,
    chunk_documents,
    load_documents,
)
from embedlab.data.tokens import token_lengths
from embedlab.errors import InputError, ParameterError
from embedlab.index.filters import Condition, Filters, parse_filters, typed
from embedlab.index.lock import writer_lock
from embedlab.index.manifest import (
    IndexCorruptedError,
    Manifest,
    NotAnIndexError,
    check_model,
    manifest_token,
    read_manifest,
)
from embedlab.index.search import Hit, run_search
from embedlab.index.settings import STORES, BuildSettings, Fusion, Mode, SearchSettings, TruncationWarning
from embedlab.index.store import Store, create_store, open_store, store_class
from embedlab.models.encoder import Encoder

T = TypeVar("T")
ModelArg = str | os.PathLike[str] | Encoder | Any


def _is_index(path: Path) -> bool:
    return (path / "manifest.json").is_file()


class Index:
    """A searchable index on disk, with the encoder that embeds its queries.

    Build one with :meth:`build`, open one with :meth:`load`. Any number of processes may read and write it at once:
    writers take turns (see the module docstring).

    Attributes:
        path: the index folder.
        manifest: what the index was built with.
        store: where chunks and vectors live (:class:`~embedlab.index.store.Store`).
        lock_timeout: seconds a write waits for another writer (None: ``EMBEDLAB_LOCK_TIMEOUT`` or 600).
    """

    def __init__(self, path: str | Path, manifest: Manifest, store: Store, encoder: Encoder | None = None) -> None:
        self.path = Path(path)
        self.manifest = manifest
        self.store = store
        self._encoder = encoder
        self._rerankers: dict[str, Any] = {}
        self._token = manifest_token(self.path)
        self.lock_timeout: float | None = None

    # ------------------------------------------------------------------------------------------- creation
    @classmethod
    def build(
        cls,
        model: ModelArg,
        docs: str | os.PathLike[str] | Iterable[Document | dict[str, Any] | str],
        path: str | os.PathLike[str],
        *,
        settings: BuildSettings | None = None,
        backend: str = "local",
        encoder_backend: str = "torch",
        url: str | None = None,
        collection: str | None = None,
        id_field: str | None = None,
        text_field: str = "text",
        encoder: Encoder | Any = None,
        show_progress: bool = False,
        **overrides: Any,
    ) -> Index:
        """Embed documents and write a new index folder (replacing an index already there, atomically).

        Args:
            model: the embedding model: a name/path (loaded with ``encoder_backend``), an :class:`Encoder`, or a
                loaded SentenceTransformer.
            docs: a JSONL/CSV/Parquet file, or documents as dicts / strings / :class:`Document`.
            path: the index folder to write.
            settings: chunking, embedding and ANN settings (:class:`BuildSettings`; defaults there).
            backend: the store: ``local`` (FAISS HNSW + bm25s) or ``qdrant``.
            encoder_backend: what computes the vectors (``torch``, ``onnx``, ``onnx-int8``...); queries must use the
                same one.
            url: Qdrant server/cluster URL; without it Qdrant runs in local on-disk mode inside the index folder.
            collection: Qdrant collection name (default: the folder name).
            id_field: field of the unique id in a documents file (default ``id``, or row numbers when no row has
                one; a field named here must exist).
            text_field: field of the text in a documents file.
            encoder: an already loaded model of ``model`` (an Encoder or a SentenceTransformer; skips loading).
            show_progress: show an embedding progress bar.
            overrides: any :class:`BuildSettings` field (``chunk="sentences"``, ``m=16``...), over ``settings``.

        Example:
            >>> Index.build("all-MiniLM-L6-v2", [{"id": "a", "text": "hello", "lang": "en"}], "idx", chunk="sentences")
        """
        from embedlab.utils.atomic import atomic_dir, check_output_dir

        s = (settings or BuildSettings()).merged(**overrides).validate()
        if backend not in STORES:
            raise ParameterError("backend", f"unknown store {backend!r}; use one of {', '.join(STORES)}")
        target = check_output_dir(
            path, "index", inputs=[docs if isinstance(docs, (str, os.PathLike)) else None], recognize=_is_index
        )
        options = {**s.store_options(), "url": url, "collection": collection or target.name}
        store_class(backend).check(options)  # an unreachable server fails now, not after the embedding
        documents = _documents(docs, id_field, text_field)
        enc = _build_encoder(model, encoder, encoder_backend)
        chunks = _chunks(documents, s, enc)
        _warn_truncation(enc, chunks, s)
        vectors = _embed_documents(enc, [c.text for c in chunks], s.normalize, s.batch_size, show_progress)
        manifest = Manifest(
            model=_model_record(model, enc),
            dimension=int(vectors.shape[1]),
            normalize=s.normalize,
            backend=backend,
            chunking={
                "by": s.chunk,
                "size": s.chunk_size,
                "overlap": s.overlap,
                "id_field": id_field or "id",
                "text_field": text_field,
            },
        )
        with writer_lock(target), atomic_dir(target, kind="index", recognize=_is_index) as tmp:
            store = create_store(backend, tmp, manifest, options)
            store.add(chunks, vectors)
            store.commit(tmp, manifest)
            store.close()
        return cls.load(target, encoder=enc, verify=False)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        model: ModelArg | None = None,
        encoder: Encoder | Any = None,
        encoder_backend: str | None = None,
        verify: bool = True,
    ) -> Index:
        """Open an index folder, checking its manifest, its files' checksums and the encoder.

        Args:
            path: the index folder.
            model: the model to embed queries with; refused unless it is the one the index was built with. By
                default the manifest's model is used.
            encoder: an already loaded encoder: an :class:`Encoder` is checked (fingerprint and backend); a loaded
                SentenceTransformer is trusted to be the index's model.
            encoder_backend: the backend to embed queries with; refused unless it is the index's.
            verify: check the SHA-256 of every file (a second or so per GB).

        Raises:
            NotAnIndexError: not an index. IndexCorruptedError: a file changed or is missing.
            ModelMismatchError: ``model``, ``encoder`` or ``encoder_backend`` is not the index's.
        """
        manifest, store = _open(Path(path), verify)
        try:
            if encoder_backend is not None:
                check_model(manifest, "", index_path=path, backend=encoder_backend, fingerprint=_fp(manifest))
            enc = _query_encoder(manifest, Path(path), model, encoder)
        except BaseException:
            store.close()
            raise
        return cls(path, manifest, store, enc)

    # ------------------------------------------------------------------------------------------- encoder
    @property
    def encoder(self) -> Encoder:
        """The encoder of the index's model and backend, loaded on first use (and checked against the manifest)."""
        if self._encoder is None:
            self._encoder = _load_manifest_encoder(self.manifest, self.path)
        elif not isinstance(self._encoder, Encoder):  # a SentenceTransformer assigned directly: trusted, wrapped
            self._encoder = _query_encoder(self.manifest, self.path, None, self._encoder)
        return self._encoder  # type: ignore[return-value]

    @encoder.setter
    def encoder(self, value: Encoder | Any) -> None:
        self._encoder = _query_encoder(self.manifest, self.path, None, value)

    def embed(self, texts: Sequence[str], *, kind: Literal["query", "document"] = "query") -> np.ndarray:
        """Embed texts as queries (or documents) the way the index expects (same encoder, same normalisation)."""
        if kind == "document":
            return _embed_documents(self.encoder, list(texts), self.manifest.normalize, 64, False)
        return self.encoder.encode_queries(list(texts), batch_size=64, normalize=self.manifest.normalize)

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

        def apply() -> bool:
            self.manifest.search = saved
            return True

        self._write(apply)

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
            filters: ``["year>=2020", "lang in [en,de]"]`` or ``{"year": {"gte": 2020}}`` (all must hold; a value
                of the wrong kind for its field, such as ``year>=abc``, is a :class:`ParameterError`).
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
        conditions = self.conditions(filters)
        if s.mode != "bm25" and query_vector is None:
            query_vector = self.embed([query])[0]
        rerank_fn: Callable[[list[str]], Any] | None = None
        if rerank is not None and rerank is not False:
            ce = self.reranker(rerank)

            def rerank_fn(texts: list[str]) -> Any:
                return ce.predict([(query, t) for t in texts], show_progress_bar=False)

        return run_search(self.store, query, query_vector, s, conditions=conditions, reranker=rerank_fn)

    def conditions(self, filters: Filters | Sequence[Condition]) -> list[Condition]:
        """Filters parsed and typed against the index's fields (the one filter semantics of every store).

        Raises:
            ParameterError: an unreadable filter, an unknown field, or a value of the wrong kind for its field.
        """
        if filters and not isinstance(filters, (str, dict)) and all(isinstance(c, Condition) for c in filters):
            parsed = list(filters)  # type: ignore[arg-type]
        else:
            parsed = parse_filters(filters)  # type: ignore[arg-type]
        if not parsed or self.count == 0:
            return parsed
        return typed(parsed, self.store.field_kinds())

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
            batch_size: embedding batch size.
            show_progress: show an embedding progress bar.
        """
        BuildSettings(batch_size=batch_size).validate()
        chunking = self.manifest.chunking
        documents = _documents(docs, chunking.get("id_field", "id"), chunking.get("text_field", "text"))
        self._check_new(documents, upsert)  # fail before embedding; checked again under the lock
        s = BuildSettings(
            chunk=chunking.get("by", "none"), chunk_size=chunking.get("size", 5), overlap=chunking.get("overlap", 1)
        )
        chunks = _chunks(documents, s, self.encoder)
        _warn_truncation(self.encoder, chunks, s)
        vectors = _embed_documents(
            self.encoder, [c.text for c in chunks], self.manifest.normalize, batch_size, show_progress
        )

        def apply() -> bool:
            existing = self._check_new(documents, upsert)
            if existing:
                self.store.delete(sorted(existing))
            self.store.add(chunks, vectors)
            return True

        self._write(apply)
        return len(chunks)

    def _check_new(self, documents: list[Document], upsert: bool) -> set[str]:
        existing = self.store.live_doc_ids() & {d.id for d in documents}
        if existing and not upsert:
            raise InputError(
                f"{len(existing)} document id(s) already in the index (e.g. {sorted(existing)[0]!r}); "
                "use --upsert to replace them or delete them first"
            )
        return existing

    def delete(self, ids: Sequence[str]) -> int:
        """Delete documents (all their chunks) or single chunks by id, without a rebuild. Returns chunks deleted."""
        deleted = [0]

        def apply() -> bool:
            deleted[0] = self.store.delete([str(i) for i in ids])
            return deleted[0] > 0

        self._write(apply)
        return deleted[0]

    def compact(self) -> int:
        """Reclaim the space of deleted chunks (rebuilds the ANN graph from the stored vectors). Returns rows freed."""
        freed = [0]

        def apply() -> bool:
            freed[0] = self.store.compact()
            return True

        self._write(apply)
        return freed[0]

    def _write(self, change: Callable[[], bool]) -> None:
        """Run ``change`` under the writer lock on the latest committed state, and commit when it returns True."""
        with writer_lock(self.path, self.lock_timeout):
            if manifest_token(self.path) != self._token:
                self._reload()  # another writer committed since we read the index: build on its state
            try:
                if change():
                    self.manifest = self.store.commit(self.path, self.manifest)
            except BaseException:
                self._token = ""  # memory may now differ from disk: the next write reloads first
                raise
            self._token = manifest_token(self.path)

    def _reload(self) -> None:
        self.store.close()
        self.manifest, self.store = _open(self.path, verify=True)
        self._token = manifest_token(self.path)

    # ------------------------------------------------------------------------------------------- info
    @property
    def count(self) -> int:
        """Number of chunks that can be found (deleted ones excluded)."""
        return int(self.store.count)

    def __len__(self) -> int:
        return self.count

    def info(self) -> dict[str, Any]:
        """A summary: model, encoder backend, dimension, counts, store, settings, files, memory per vector."""
        m = self.manifest
        return {
            "path": str(self.path),
            "model": m.model,
            "encoder_backend": m.model.get("backend", "torch"),
            "dimension": m.dimension,
            "normalize": m.normalize,
            "backend": m.backend,
            "chunks": self.count,
            "documents": len(self.store.live_doc_ids()),
            "deleted_pending_compaction": 0,
            **self.store.info(),
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
        self.store.close()


# ----------------------------------------------------------------------------------------------- helpers
def _open(path: Path, verify: bool) -> tuple[Manifest, Store]:
    """Read the manifest and open its store, retrying when a writer's commit swapped files in between."""
    for attempt in range(5):
        token = manifest_token(path)
        try:
            manifest = read_manifest(path)
        except NotAnIndexError:
            # a build swaps folders in two renames: the index is briefly absent while the old one is moved aside
            if attempt == 4 or path.exists() or not any(path.parent.glob(f".{path.name}.old-*")):
                raise
            time.sleep(0.05)
            continue
        try:
            return manifest, open_store(path, manifest, verify=verify)
        except IndexCorruptedError:
            if attempt == 4 or manifest_token(path) == token:
                raise  # nobody committed meanwhile: the index really is damaged
    raise AssertionError("unreachable")


def _documents(docs: Any, id_field: str | None, text_field: str) -> list[Document]:
    if not isinstance(docs, (str, os.PathLike)):
        documents = as_documents(docs)
    else:
        documents = load_documents(docs, id_field=id_field or "id", text_field=text_field)
    if not documents:
        raise InputError("no documents to index")
    return documents


def _build_encoder(model: ModelArg, encoder: Any, backend: str) -> Encoder:
    from embedlab.models.encoder import SentenceEncoder, as_encoder, load_encoder

    if encoder is not None and isinstance(encoder, Encoder):
        return encoder
    if encoder is not None and isinstance(model, (str, os.PathLike)):
        from embedlab.models.resolve import resolve_model

        # a loaded model of ``model``: trusted, as before, and fingerprinted from its folder
        return SentenceEncoder(encoder, name=str(model), path=resolve_model(model).path)
    if encoder is not None:
        return as_encoder(encoder)
    if isinstance(model, (str, os.PathLike)):
        try:
            return load_encoder(os.fspath(model), backend=backend)
        except ParameterError as exc:
            if exc.param == "backend":
                raise ParameterError("encoder_backend", exc.detail) from None
            raise
    return as_encoder(model)


def _model_record(model: ModelArg, enc: Encoder) -> dict[str, Any]:
    name = os.fspath(model) if isinstance(model, (str, os.PathLike)) else enc.name
    return {
        "name": name,
        "path": getattr(enc, "path", ""),
        "fingerprint": enc.fingerprint,
        "backend": enc.backend,
        "kind": enc.kind,
    }


def _fp(manifest: Manifest) -> str:
    return str(manifest.model.get("fingerprint", ""))


def _query_encoder(manifest: Manifest, path: Path, model: ModelArg | None, encoder: Any) -> Encoder | None:
    """The encoder a loaded index embeds queries with (None: load the manifest's on first use)."""
    from embedlab.models.encoder import SentenceEncoder

    backend = manifest.model.get("backend", "torch")
    if encoder is not None and isinstance(encoder, Encoder):
        check_model(manifest, encoder.name, index_path=path, fingerprint=encoder.fingerprint, backend=encoder.backend)
        return encoder
    if encoder is not None:  # a loaded SentenceTransformer: trusted to be the index's model
        return SentenceEncoder(
            encoder, name=str(manifest.model.get("name")), path=str(manifest.model.get("path", "")), _fp=_fp(manifest)
        )
    if model is not None:
        from embedlab.models.encoder import as_encoder, load_encoder

        name = os.fspath(model) if isinstance(model, (str, os.PathLike)) else None
        backend = {"numpy": "torch"}.get(backend, backend)  # word vectors report "numpy", load by default
        enc = load_encoder(name, backend=backend) if name is not None else as_encoder(model)
        check_model(manifest, enc.name, index_path=path, fingerprint=enc.fingerprint, backend=enc.backend)
        return enc
    return None


def _load_manifest_encoder(manifest: Manifest, path: Path) -> Encoder:
    from embedlab.errors import ModelNotFoundError
    from embedlab.models.encoder import load_encoder

    name = str(manifest.model["name"])
    # word vectors report "numpy" but load through the default backend
    backend = {"numpy": "torch"}.get(manifest.model.get("backend", "torch"), manifest.model.get("backend", "torch"))
    try:
        enc = load_encoder(name, backend=backend)
    except ModelNotFoundError:
        stored = str(manifest.model.get("path", ""))
        if not stored or not Path(stored).exists():
            raise
        enc = load_encoder(stored, backend=backend)
    check_model(manifest, name, index_path=path, fingerprint=enc.fingerprint, backend=enc.backend)
    return enc


def _chunks(documents: list[Document], s: BuildSettings, enc: Encoder) -> list[Chunk]:
    tokenizer = getattr(enc, "tokenizer", None) if s.chunk in ("tokens", "auto") else None
    if s.chunk == "tokens" and tokenizer is None:
        raise ParameterError("chunk", f"chunking by tokens needs a model with a tokenizer; {enc.name} has none")
    limit = _sequence_limit(enc) if s.chunk == "auto" else None
    return chunk_documents(
        documents, by=s.chunk, size=s.chunk_size, overlap=s.overlap, tokenizer=tokenizer, max_tokens=limit
    )


def _sequence_limit(enc: Encoder) -> int | None:
    """How many tokens the model reads (None for models that read whole texts, such as word vectors)."""
    limit = getattr(getattr(enc, "model", None), "max_seq_length", None)
    return int(limit) if isinstance(limit, (int, float)) and math.isfinite(limit) and limit > 0 else None


def _warn_truncation(enc: Encoder, chunks: list[Chunk], s: BuildSettings) -> int:
    """Warn when texts are longer than the model reads (it embeds their first tokens only). Returns how many."""
    tokenizer = getattr(enc, "tokenizer", None)
    limit = _sequence_limit(enc)
    if tokenizer is None or not callable(tokenizer) or not limit or not chunks:
        return 0
    n = sum(length > limit for length in token_lengths(tokenizer, [c.text for c in chunks]))
    if n:
        advice = "--chunk auto" if s.chunk == "none" else "a smaller --chunk-size"
        what = "documents" if s.chunk == "none" else "chunks"
        warnings.warn(
            f"{n} of {len(chunks)} {what} are longer than the model's {limit} tokens and were embedded by their "
            f"first {limit} tokens only; use {advice} to index all of their text",
            TruncationWarning,
            stacklevel=3,
        )
    return n


def _embed_documents(
    enc: Encoder, texts: list[str], normalize: bool, batch_size: int, show_progress: bool
) -> np.ndarray:
    """Document embeddings, in slices so that a progress bar can follow (one slice when there is none)."""
    if not texts:
        return np.zeros((0, enc.dim), dtype=np.float32)
    step = len(texts) if not show_progress else max(batch_size * 8, 256)
    starts = range(0, len(texts), step)
    if show_progress:
        from rich.progress import track

        from embedlab.utils.console import err_console

        starts = track(starts, description="embedding", console=err_console, total=len(starts))  # type: ignore[assignment]
    parts = [enc.encode_documents(texts[i : i + step], batch_size=batch_size, normalize=normalize) for i in starts]
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)
