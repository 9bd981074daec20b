"""The service object: search, embed and rerank, with the limits of one request; the HTTP routes only call it.

A :class:`Service` holds the :class:`embedlab.models.Encoder` (queries, documents and plain texts each through their
own role, so prompted and two-tower models work), the index, the cross-encoder, one micro-batcher per role and the
metrics. Work is done in chunks of at most ``max_batch`` texts, and between chunks the caller's ``is_gone`` is
asked whether the client is still there: a client that disconnects stops costing CPU at the next chunk.

Example:
    >>> service = Service.open("my-index", settings=ServiceSettings(max_inputs=64))
    >>> await service.start()
    >>> vectors = await service.embed(["what is solar power?"], "query")
    >>> mode, hits = await service.search(SearchRequest(query="solar power", k=3))
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import numpy as np

from embedlab.errors import EmbedlabError, ParameterError
from embedlab.models import Encoder, as_encoder, load_encoder
from embedlab.serve.batching import MicroBatcher
from embedlab.serve.errors import ClientGone, RequestLimitError
from embedlab.serve.metrics import Metrics
from embedlab.serve.schemas import InputType, SearchRequest
from embedlab.serve.settings import ServiceSettings

IsGone = Callable[[], Awaitable[bool]] | None


class Service:
    """Search an index, embed texts, rerank passages, within :class:`ServiceSettings`' limits.

    Args:
        encoder: the embedding model (for an index: the one it was built with).
        index: an open :class:`embedlab.index.Index`, or None to serve embeddings only.
        reranker: a loaded cross-encoder for ``rerank`` and reranked searches, or None.
        reranker_name: how ``/healthz`` and ``/rerank`` name it.
        model_name: how responses name the embedding model.
        settings: limits and batching.
        metrics: where batch sizes and abandoned requests are counted.
    """

    def __init__(
        self,
        encoder: Encoder,
        *,
        index: Any = None,
        reranker: Any = None,
        reranker_name: str | None = None,
        model_name: str | None = None,
        settings: ServiceSettings | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.encoder = encoder
        self.index = index
        self.reranker = reranker
        self.reranker_name = reranker_name
        self.model_name = model_name or encoder.name
        self.settings = (settings or ServiceSettings()).validate()
        self.metrics = metrics or Metrics()
        # Queries are embedded the way the index stored its vectors (normalised or not); without an index, unit
        # vectors, as OpenAI's embeddings are.
        self.normalize = bool(index.manifest.normalize) if index is not None else True
        self.batchers = {role: self._batcher(role) for role in ("query", "document", "text")}

    @classmethod
    def open(
        cls,
        index: Any = None,
        *,
        model: str | None = None,
        encoder: Any = None,
        reranker: Any = None,
        settings: ServiceSettings | None = None,
        metrics: Metrics | None = None,
    ) -> Service:
        """Load what the service needs: the index (a folder or an open one), its model, the reranker.

        Args:
            index: index folder or :class:`~embedlab.index.Index` (None: embeddings only, from ``model``).
            model: embedding model when there is no index.
            encoder: an already loaded encoder or SentenceTransformer (trusted to be the index's model).
            reranker: cross-encoder name/path or loaded ``CrossEncoder``.
            settings: limits, batching and the backend that computes vectors.
            metrics: where to count (a fresh registry by default).
        """
        settings = (settings or ServiceSettings()).validate()
        model_name = None
        if index is not None:
            from embedlab.index import Index

            index = index if isinstance(index, Index) else Index.load(index)
            model_name = index.manifest.model["name"]
            encoder = as_encoder(encoder, name=model_name) if encoder is not None else _index_encoder(index, settings)
        elif encoder is not None:
            encoder = as_encoder(encoder, name=model)
            model_name = model or encoder.name
        elif model is not None:
            encoder = load_encoder(model, backend=settings.backend or "auto")
            model_name = model
        else:
            raise EmbedlabError("the service needs an index or a model")
        name = None
        if isinstance(reranker, (str, os.PathLike)):
            from embedlab.rerank.score import load_cross_encoder

            name, reranker = os.fspath(reranker), load_cross_encoder(reranker)
        elif reranker is not None:
            name = "reranker"
        return cls(
            encoder,
            index=index,
            reranker=reranker,
            reranker_name=name,
            model_name=model_name,
            settings=settings,
            metrics=metrics,
        )

    def _batcher(self, role: str) -> MicroBatcher:
        size = self.settings.max_batch

        def run(texts: list[str]) -> np.ndarray:
            return self.encoder.encode(texts, role=role, batch_size=size, normalize=self.normalize)  # type: ignore[arg-type]

        return MicroBatcher(
            run,
            max_batch=size,
            max_wait_ms=self.settings.max_wait_ms,
            on_batch=lambda n: self.metrics.observe_batch(role, n),
        )

    # ------------------------------------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Start the micro-batchers on the running event loop."""
        for batcher in self.batchers.values():
            batcher.start()

    async def stop(self) -> None:
        """Stop the batchers and release the index."""
        for batcher in self.batchers.values():
            await batcher.stop()
        if self.index is not None:
            self.index.close()

    @property
    def dim(self) -> int:
        return int(self.encoder.dim)

    @property
    def tokenizer(self) -> Any:
        """The model's tokenizer (token-id inputs and token counts), or None for word vectors."""
        return getattr(self.encoder, "tokenizer", None)

    def health(self) -> dict[str, Any]:
        """Liveness, what is loaded, and the batching counters."""
        return {
            "status": "ok",
            "model": self.model_name,
            "backend": getattr(self.encoder, "backend", "torch"),
            "dimension": self.dim,
            "index": str(self.index.path) if self.index is not None else None,
            "chunks": self.index.count if self.index is not None else 0,
            "reranker": self.reranker_name,
            "batching": {role: vars(b.stats) for role, b in self.batchers.items()},
        }

    # ------------------------------------------------------------------------------------------- work
    def check_texts(self, texts: Sequence[str], param: str) -> None:
        """Refuse more texts, or longer ones, than one request may carry."""
        lim = self.settings
        if not texts:
            raise ParameterError(param, "must not be empty")
        if len(texts) > lim.max_inputs:
            raise RequestLimitError(param, f"at most {lim.max_inputs} items per request, got {len(texts)}")
        total = 0
        for i, text in enumerate(texts):
            if len(text) > lim.max_chars:
                raise RequestLimitError(param, f"item {i}: at most {lim.max_chars} characters, got {len(text)}")
            total += len(text)
        if total > lim.max_total_chars:
            raise RequestLimitError(
                param, f"at most {lim.max_total_chars} characters in all per request, got {total}", status=413
            )

    async def embed(
        self, texts: Sequence[str], input_type: InputType = "document", is_gone: IsGone = None
    ) -> np.ndarray:
        """Embeddings of ``texts`` as queries, documents or plain texts (one float32 row per text).

        Raises:
            RequestLimitError: too many or too long texts. ClientGone: ``is_gone`` said the client left.
        """
        self.check_texts(texts, "texts")
        batcher = self.batchers[input_type]
        rows = []
        for start in range(0, len(texts), self.settings.max_batch):
            await self._still_there(is_gone)
            rows.append(await batcher.submit(texts[start : start + self.settings.max_batch]))
        return np.concatenate(rows) if len(rows) > 1 else rows[0]

    async def search(self, req: SearchRequest, is_gone: IsGone = None) -> tuple[str, list[Any]]:
        """Search the index; returns the mode used and the hits (:class:`embedlab.index.search.Hit`)."""
        index = self._need_index()
        self._check_search(req)
        mode = index.search_settings.merged(mode=req.mode).mode
        vector = None
        if mode != "bm25":
            if not req.query.strip():
                raise ParameterError("query", "must not be blank")
            vector = (await self.embed([req.query], "query", is_gone))[0]
        await self._still_there(is_gone)
        hits = await asyncio.to_thread(
            index.search, **req.search_arguments(), rerank=self.reranker if req.rerank else None, query_vector=vector
        )
        return mode, hits

    async def rerank(
        self, query: str, documents: Sequence[str], top_n: int | None = None, is_gone: IsGone = None
    ) -> list[tuple[int, float]]:
        """Cross-encoder scores of ``documents`` for ``query``: (position, score), best first, ``top_n`` of them."""
        if self.reranker is None:
            raise ParameterError("rerank", "this server has no reranker; start it with --reranker MODEL")
        if not query.strip():
            raise ParameterError("query", "must not be blank")
        self.check_texts(documents, "documents")
        scores: list[float] = []
        step = self.settings.max_batch
        for start in range(0, len(documents), step):
            await self._still_there(is_gone)
            pairs = [(query, d) for d in documents[start : start + step]]
            part = await asyncio.to_thread(self.reranker.predict, pairs, batch_size=step, show_progress_bar=False)
            scores.extend(float(s) for s in np.asarray(part).reshape(-1))
        order = sorted(range(len(documents)), key=lambda i: -scores[i])
        return [(i, scores[i]) for i in order[: top_n or len(documents)]]

    # ------------------------------------------------------------------------------------------- checks
    def _need_index(self) -> Any:
        if self.index is None:
            raise ParameterError("query", "this server has no index; start it with `embedlab serve INDEX`")
        return self.index

    def _check_search(self, req: SearchRequest) -> None:
        lim = self.settings
        if req.rerank and self.reranker is None:
            raise ParameterError("rerank", "this server has no reranker; start it with --reranker MODEL")
        if len(req.query) > lim.max_chars:
            raise RequestLimitError("query", f"at most {lim.max_chars} characters, got {len(req.query)}")
        for name, limit in (("k", lim.max_k), ("candidates", lim.max_candidates), ("rerank_top", lim.max_rerank_top)):
            value = getattr(req, name)
            if isinstance(value, int) and not isinstance(value, bool) and value > limit:
                raise RequestLimitError(name, f"at most {limit} on this server, got {value}")
        conditions, values = _filter_size(req.filters)
        if conditions > lim.max_filters:
            raise RequestLimitError("filters", f"at most {lim.max_filters} conditions per search, got {conditions}")
        if values > lim.max_filter_values:
            raise RequestLimitError("filters", f"at most {lim.max_filter_values} values in all, got {values}")

    async def _still_there(self, is_gone: IsGone) -> None:
        if is_gone is not None and await is_gone():
            self.metrics.dropped.inc()
            raise ClientGone()


def _filter_size(filters: Any) -> tuple[int, int]:
    """(conditions, values in lists) of a request's filters, to bound the work they cause."""
    if not filters:
        return 0, 0
    if isinstance(filters, list):
        return len(filters), sum(f.count(",") + 1 for f in filters if " in " in f.lower())
    conditions = values = 0
    for spec in filters.values():
        specs = list(spec.values()) if isinstance(spec, dict) else [spec]
        conditions += len(specs)
        values += sum(len(s) for s in specs if isinstance(s, list))
    return conditions, values


def _index_encoder(index: Any, settings: ServiceSettings) -> Encoder:
    """The encoder an index embeds its queries with; another backend is checked against the index's manifest."""
    from embedlab.index.manifest import check_model

    if settings.backend is None:
        return index.encoder  # the index's own model and backend, checked when it loads
    encoder = load_encoder(
        str(index.manifest.model.get("path") or index.manifest.model["name"]), backend=settings.backend
    )
    check_model(
        index.manifest, encoder.name, index_path=index.path, fingerprint=encoder.fingerprint, backend=encoder.backend
    )
    encoder.name = index.manifest.model["name"]
    return encoder
