"""The HTTP service: search an index, embed texts (also OpenAI-style), rerank passages.

Endpoints (interactive docs at ``/docs``, the schema at ``/openapi.json``):

* ``POST /search``: every option of :meth:`embedlab.index.Index.search` (mode, filters, MMR, rerank...).
* ``POST /embed``: embeddings of a list of texts, as queries or documents.
* ``POST /v1/embeddings``: the OpenAI embeddings API, so OpenAI clients and frameworks work unchanged
  (``OpenAI(base_url="http://host:8000/v1", api_key="unused").embeddings.create(model=..., input=[...])``).
* ``POST /rerank``: cross-encoder scores of documents for a query (the server's ``--reranker``).
* ``GET /healthz``: liveness, what is loaded, and batching counters.

Requests are validated (a 422 names the field and what is wrong; a 400 carries embedlab's message for bad values
such as an unknown filter field; a 413 for bodies over the size limit). Embedding work from concurrent requests is
micro-batched onto the model (:mod:`embedlab.serve.batching`). Nothing a client sends is ever unpickled: requests
are JSON, and the index is read from npy (``allow_pickle=False``), JSON, Parquet and FAISS files.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at runtime, and the
# request models are built inside create_app (their limits are settings), where string annotations cannot be resolved.

import base64
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np

from embedlab.errors import EmbedlabError


def _utf8(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid UTF-8 (no lone surrogates)") from exc
    return value


@dataclass
class Limits:
    """Request limits of the service.

    Attributes:
        max_body_bytes: largest request body accepted (413 above).
        max_inputs: most texts per embed/rerank request.
        max_chars: longest single text.
        max_k: largest ``k`` / ``rerank_top`` / ``candidates``.
    """

    max_body_bytes: int = 1_000_000
    max_inputs: int = 256
    max_chars: int = 20_000
    max_k: int = 1000


@dataclass
class ServiceState:
    index: Any = None
    encoder: Any = None
    model_name: str = ""
    normalize: bool = True
    reranker: Any = None
    reranker_name: str | None = None
    batchers: dict[str, Any] = field(default_factory=dict)


class BodyLimitMiddleware:
    """Reject request bodies over ``max_bytes`` with 413, by Content-Length or while streaming (chunked uploads)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(send)
            return
        seen = 0
        too_large = False

        async def limited() -> dict[str, Any]:
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:  # stop reading: the app sees a disconnect, the client gets a 413
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: dict[str, Any]) -> None:
            if not too_large:
                await send(message)

        try:
            await self.app(scope, limited, guarded)
        except Exception:
            if not too_large:
                raise
        if too_large:
            await self._reject(send)

    async def _reject(self, send: Any) -> None:
        import json

        body = json.dumps({"detail": f"request body larger than {self.max_bytes} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def create_app(
    index: Any = None,
    *,
    model: str | None = None,
    encoder: Any = None,
    reranker: str | Any = None,
    limits: Limits | None = None,
    max_batch: int = 64,
    max_wait_ms: float = 5.0,
) -> Any:
    """Build the FastAPI application.

    Args:
        index: an :class:`~embedlab.index.Index` or an index folder (optional: without it, only the embedding and
            rerank endpoints work, with ``model``).
        model: embedding model when there is no index (an index always uses its own).
        encoder: an already loaded SentenceTransformer for the index/model.
        reranker: cross-encoder for ``/rerank`` and ``rerank: true`` searches (name/path or loaded).
        limits: request limits.
        max_batch: most texts per model call when batching concurrent requests.
        max_wait_ms: how long a request waits for others to share its batch.

    Example:
        >>> import uvicorn
        >>> uvicorn.run(create_app("my-index", reranker="my-reranker"), host="127.0.0.1", port=8000)
    """
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse
    from pydantic import AfterValidator, BaseModel, ConfigDict, Field

    from embedlab.index import Index
    from embedlab.serve.batching import MicroBatcher

    lim = limits or Limits()
    state = ServiceState()
    if index is not None:
        state.index = index if isinstance(index, Index) else Index.load(index, encoder=encoder)
        if encoder is not None:
            state.index._encoder = encoder
        state.encoder = state.index.encoder
        state.model_name = state.index.manifest.model["name"]
        state.normalize = state.index.manifest.normalize
    elif model is not None or encoder is not None:
        from embedlab.models.resolve import load_sentence_model

        state.encoder = encoder if encoder is not None else load_sentence_model(model)  # type: ignore[arg-type]
        state.model_name = str(model or "model")
    else:
        raise EmbedlabError("the service needs an index or a model")
    if reranker is not None:
        if isinstance(reranker, (str, os.PathLike)):
            from embedlab.rerank.score import load_cross_encoder

            state.reranker = load_cross_encoder(reranker)
            state.reranker_name = os.fspath(reranker)
        else:
            state.reranker, state.reranker_name = reranker, "reranker"

    def encode(kind: str) -> Any:
        fn = getattr(state.encoder, f"encode_{kind}", None) or state.encoder.encode

        def run(texts: list[str]) -> np.ndarray:
            return np.asarray(
                fn(
                    texts,
                    batch_size=max_batch,
                    normalize_embeddings=state.normalize,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                ),
                dtype=np.float32,
            )

        return run

    for kind in ("query", "document"):
        state.batchers[kind] = MicroBatcher(encode(kind), max_batch=max_batch, max_wait_ms=max_wait_ms)

    @asynccontextmanager
    async def lifespan(_: Any) -> Any:
        for b in state.batchers.values():
            b.start()
        yield
        for b in state.batchers.values():
            await b.stop()
        if state.index is not None:
            state.index.close()

    app = FastAPI(
        title="embedlab",
        summary="Search, embed and rerank with embedlab models.",
        version=__import__("embedlab").__version__,
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=lim.max_body_bytes)

    Text = Annotated[str, Field(min_length=1, max_length=lim.max_chars), AfterValidator(_utf8)]

    class _Model(BaseModel):
        model_config = ConfigDict(extra="forbid")

    class SearchRequest(_Model):
        query: Text
        k: int = Field(10, ge=1, le=lim.max_k)
        mode: Literal["dense", "bm25", "hybrid"] = "dense"
        exact: bool = False
        fusion: Literal["rrf", "weighted"] = "rrf"
        alpha: float = Field(0.5, ge=0.0, le=1.0, description="weight of dense scores in weighted fusion")
        rrf_k: int = Field(60, ge=1, le=10_000)
        filters: list[Annotated[str, Field(max_length=1000), AfterValidator(_utf8)]] | dict[str, Any] | None = Field(
            None, description="['year>=2020', 'lang in [en,de]'] or {'year': {'gte': 2020}, 'lang': ['en', 'de']}"
        )
        mmr: float | None = Field(None, ge=0.0, le=1.0, description="MMR lambda (1 = relevance only)")
        rerank: bool = Field(False, description="rerank the top candidates with the server's cross-encoder")
        rerank_top: int = Field(50, ge=1, le=lim.max_k)
        candidates: int | None = Field(None, ge=1, le=lim.max_k * 10)

    class HitModel(BaseModel):
        id: str
        doc_id: str
        text: str
        score: float
        scores: dict[str, float]
        metadata: dict[str, Any]
        start: int
        end: int

    class SearchResponse(BaseModel):
        query: str
        mode: str
        hits: list[HitModel]

    class EmbedRequest(_Model):
        texts: list[Text] = Field(..., min_length=1, max_length=lim.max_inputs)
        kind: Literal["query", "document"] = "document"

    class EmbedResponse(BaseModel):
        model: str
        dimension: int
        embeddings: list[list[float]]

    class OpenAIEmbeddingRequest(BaseModel):
        input: Text | list[Text] | list[int] | list[list[int]]
        model: str = Field("embedlab", max_length=500)
        encoding_format: Literal["float", "base64"] = "float"
        dimensions: int | None = Field(None, ge=1)
        user: str | None = Field(None, max_length=500)

    class RerankRequest(_Model):
        query: Text
        documents: list[Text] = Field(..., min_length=1, max_length=lim.max_inputs)
        top_n: int | None = Field(None, ge=1)
        return_documents: bool = True

    @app.exception_handler(EmbedlabError)
    async def _bad_input(_: Request, exc: EmbedlabError) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    def need_index() -> Any:
        if state.index is None:
            raise HTTPException(400, "this server has no index; start it with `embedlab serve INDEX`")
        return state.index

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        """Liveness and what is loaded."""
        stats = {k: vars(b.stats) for k, b in state.batchers.items()}
        return {
            "status": "ok",
            "model": state.model_name,
            "dimension": int(_dimension(state.encoder)),
            "index": str(state.index.path) if state.index is not None else None,
            "chunks": state.index.count if state.index is not None else 0,
            "reranker": state.reranker_name,
            "batching": stats,
        }

    @app.post("/search", response_model=SearchResponse)
    async def search(req: SearchRequest) -> dict[str, Any]:
        """Search the index (dense / bm25 / hybrid, filters, MMR, rerank)."""
        index = need_index()
        if req.rerank and state.reranker is None:
            raise HTTPException(400, "rerank: this server has no reranker; start it with --reranker MODEL")
        vector = None
        if req.mode != "bm25":
            if not req.query.strip():
                raise HTTPException(400, "query: must not be blank")
            vector = (await state.batchers["query"].submit([req.query]))[0]
        hits = await run_in_threadpool(
            index.search,
            req.query,
            k=req.k,
            mode=req.mode,
            exact=req.exact,
            fusion=req.fusion,
            alpha=req.alpha,
            rrf_k=req.rrf_k,
            filters=req.filters,
            mmr=req.mmr,
            rerank=state.reranker if req.rerank else None,
            rerank_top=req.rerank_top,
            candidates=req.candidates,
            query_vector=vector,
        )
        return {"query": req.query, "mode": req.mode, "hits": [h.to_dict() for h in hits]}

    @app.post("/embed", response_model=EmbedResponse)
    async def embed(req: EmbedRequest) -> dict[str, Any]:
        """Embed texts as documents (default) or queries."""
        vectors = await state.batchers[req.kind].submit(req.texts)
        return {"model": state.model_name, "dimension": int(vectors.shape[1]), "embeddings": vectors.tolist()}

    @app.post("/v1/embeddings")
    async def openai_embeddings(req: OpenAIEmbeddingRequest) -> dict[str, Any]:
        """OpenAI-compatible embeddings (``input``: a string, strings, or token ids of this model's tokenizer)."""
        texts = _openai_texts(req.input, state.encoder, lim)
        vectors = await state.batchers["document"].submit(texts)
        if req.dimensions is not None:
            if req.dimensions > vectors.shape[1]:
                raise HTTPException(400, f"dimensions: the model has {vectors.shape[1]}, asked for {req.dimensions}")
            # Matryoshka-style truncation, renormalised, as OpenAI's text-embedding-3 models do.
            vectors = vectors[:, : req.dimensions]
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        tokenizer = getattr(state.encoder, "tokenizer", None)
        tokens = sum(len(ids) for ids in tokenizer(texts)["input_ids"]) if tokenizer is not None else 0
        data = []
        for i, v in enumerate(vectors):
            emb: Any = (
                base64.b64encode(np.ascontiguousarray(v, dtype="<f4").tobytes()).decode("ascii")
                if req.encoding_format == "base64"
                else v.tolist()
            )
            data.append({"object": "embedding", "index": i, "embedding": emb})
        return {
            "object": "list",
            "data": data,
            "model": req.model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    @app.post("/rerank")
    async def rerank(req: RerankRequest) -> dict[str, Any]:
        """Score documents for a query with the server's cross-encoder, best first."""
        if state.reranker is None:
            raise HTTPException(400, "this server has no reranker; start it with --reranker MODEL")
        if not req.query.strip():
            raise HTTPException(400, "query: must not be blank")
        ce = state.reranker
        scores = await run_in_threadpool(
            lambda: ce.predict([(req.query, d) for d in req.documents], show_progress_bar=False)
        )
        order = sorted(range(len(req.documents)), key=lambda i: -float(scores[i]))[: req.top_n or len(req.documents)]
        results = [
            {
                "index": i,
                "relevance_score": float(scores[i]),
                **({"document": req.documents[i]} if req.return_documents else {}),
            }
            for i in order
        ]
        return {"model": state.reranker_name, "results": results}

    app.state.embedlab = state
    return app


def _dimension(encoder: Any) -> int:
    from embedlab.models import embedding_dimension

    return embedding_dimension(encoder) or 0


def _openai_texts(value: Any, encoder: Any, lim: Limits) -> list[str]:
    """OpenAI's ``input``: one string, a list of strings, one token-id list, or a list of token-id lists."""
    from fastapi import HTTPException

    if isinstance(value, str):
        texts = [value]
    elif value and all(isinstance(v, str) for v in value):
        texts = list(value)
    else:
        seqs = [value] if value and all(isinstance(v, int) for v in value) else list(value)
        tokenizer = getattr(encoder, "tokenizer", None)
        if tokenizer is None:
            raise HTTPException(400, "input: token ids are not supported by this model; send text")
        vocab = len(tokenizer)
        texts = []
        for seq in seqs:
            if not seq or any(not 0 <= t < vocab for t in seq):
                raise HTTPException(400, f"input: token ids must be a non-empty list of ids in [0, {vocab})")
            if len(seq) > lim.max_chars:
                raise HTTPException(400, f"input: at most {lim.max_chars} tokens per input")
            texts.append(tokenizer.decode(seq, skip_special_tokens=True))
    if not texts:
        raise HTTPException(400, "input: must not be empty")
    if len(texts) > lim.max_inputs:
        raise HTTPException(400, f"input: at most {lim.max_inputs} inputs per request, got {len(texts)}")
    return texts
