"""The HTTP service: search an index, embed texts (also OpenAI-style), rerank passages.

Endpoints (interactive docs at ``/docs``, the schema at ``/openapi.json``):

* ``POST /search``: every option of :meth:`embedlab.index.Index.search` (mode, filters, MMR, rerank...).
* ``POST /embed``: embeddings of a list of texts, as queries, documents or plain texts (``input_type``).
* ``POST /v1/embeddings``: the OpenAI embeddings API, so OpenAI clients and frameworks work unchanged
  (``OpenAI(base_url="http://host:8000/v1", api_key=KEY).embeddings.create(model=..., input=[...])``), plus
  ``input_type`` (``extra_body={"input_type": "query"}`` from the OpenAI client) for the query side of a model.
* ``GET /v1/models``: the model served, as OpenAI lists models.
* ``POST /rerank``: cross-encoder scores of documents for a query (the server's ``--reranker``).
* ``GET /healthz``: liveness, what is loaded, and batching counters. ``GET /metrics``: Prometheus text format.

The routes are thin: they call a :class:`embedlab.serve.service.Service`. Every error is JSON with OpenAI's error
object (``{"error": {"message", "type", "param", "code"}}``; ``param`` names the JSON field at fault): 422 for a
request that does not fit the schema or a limit, 400 for a bad value (an unknown filter field), 401 without the API
key, 413 for a request too large. Nothing a client sends is ever unpickled, and error messages never echo the input.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from embedlab.errors import EmbedlabError, ParameterError
from embedlab.serve import openai_api
from embedlab.serve.errors import ClientGone, RequestLimitError, error_body, json_field
from embedlab.serve.metrics import Metrics
from embedlab.serve.middleware import AuthMiddleware, BodyLimitMiddleware, HostCheckMiddleware, ObserveMiddleware
from embedlab.serve.schemas import (
    EmbedRequest,
    EmbedResponse,
    ErrorResponse,
    OpenAIEmbeddingRequest,
    OpenAIEmbeddingResponse,
    OpenAIModelList,
    RerankRequest,
    RerankResponse,
    SearchRequest,
    SearchResponse,
)
from embedlab.serve.service import Service
from embedlab.serve.settings import ServiceSettings

log = logging.getLogger("embedlab.serve")

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 413, 422)
}  # documented in the OpenAPI schema


def create_app(index: Any = None, *, service: Service | None = None, **open_options: Any) -> FastAPI:
    """Build the FastAPI application.

    Args:
        index: an :class:`~embedlab.index.Index` or an index folder (optional: without it, only the embedding and
            rerank endpoints work, with ``model``).
        service: a ready :class:`Service` (then ``index`` and ``open_options`` are not used).
        **open_options: how :meth:`Service.open` opens the service when none is given: ``model`` (embedding model
            when there is no index), ``encoder`` (already loaded), ``reranker`` (for ``/rerank`` and ``rerank: true``
            searches), ``settings`` (limits, batching, API key, allowed hosts, CORS origins).

    Example:
        >>> import uvicorn
        >>> app = create_app("my-index", settings=ServiceSettings(api_key="s3cret"))
        >>> uvicorn.run(app, host="127.0.0.1", port=8000)
    """
    if service is None:
        service = Service.open(index, **open_options)  # checks the settings before any model is loaded
    settings = service.settings.validate()

    @asynccontextmanager
    async def lifespan(_: Any) -> Any:
        await service.start()
        yield
        await service.stop()

    app = FastAPI(
        title="embedlab",
        summary="Search, embed and rerank with embedlab models.",
        version=__import__("embedlab").__version__,
        lifespan=lifespan,
    )
    _add_middleware(app, settings, service.metrics)
    _add_error_handlers(app)
    _add_routes(app, service)
    app.state.service = service
    return app


def _add_middleware(app: FastAPI, settings: ServiceSettings, metrics: Metrics) -> None:
    # Starlette runs the middleware added last first: observation sees every answer, refusals included; the Host
    # check comes before anything else is looked at; CORS answers preflights before the key is asked for.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.api_key:
        app.add_middleware(AuthMiddleware, api_key=settings.api_key)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
        )
    app.add_middleware(HostCheckMiddleware, allowed_hosts=settings.hosts())
    app.add_middleware(ObserveMiddleware, metrics=metrics)


def _add_error_handlers(app: FastAPI) -> None:
    def answer(request: Request, status: int, message: str, **kw: Any) -> JSONResponse:
        return JSONResponse(status_code=status, content=error_body(request.url.path, status, message, **kw))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Built from loc/msg/type only: echoing the input would fail for NaN or lone surrogates (and leak it).
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        fields = [".".join(str(p) for p in e["loc"] if p != "body") for e in errors]
        message = "; ".join(f"{f or 'body'}: {e['msg']}" for f, e in zip(fields, errors, strict=True))
        param = fields[0] if fields and fields[0] else None
        return answer(request, 422, message, param=param, code="invalid_value", detail=errors)

    @app.exception_handler(ParameterError)
    async def _bad_parameter(request: Request, exc: ParameterError) -> JSONResponse:
        status = exc.status if isinstance(exc, RequestLimitError) else 400
        field = json_field(exc)
        code = "too_large" if isinstance(exc, RequestLimitError) else "invalid_value"
        return answer(request, status, f"{field}: {exc.detail}", param=field, code=code)

    @app.exception_handler(EmbedlabError)
    async def _bad_input(request: Request, exc: EmbedlabError) -> JSONResponse:
        return answer(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return answer(request, exc.status_code, str(exc.detail))

    @app.exception_handler(ClientGone)
    async def _gone(request: Request, exc: ClientGone) -> Response:
        return Response(status_code=499)  # nginx's "client closed request": no one reads it, the log does

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("error answering %s %s", request.method, request.url.path)
        return answer(request, 500, "internal error; the server log has the details", code="server_error")


def _add_routes(app: FastAPI, service: Service) -> None:
    started = int(time.time())

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        """Liveness and what is loaded."""
        return service.health()

    @app.get("/metrics", response_class=Response)
    async def metrics() -> Response:
        """Requests, latencies, batch sizes, texts embedded, abandoned requests (Prometheus text format)."""
        body, content_type = service.metrics.exposition()
        return Response(body, media_type=content_type)

    @app.post("/search", response_model=SearchResponse, responses=_ERRORS)
    async def search(req: SearchRequest, request: Request) -> dict[str, Any]:
        """Search the index (dense / bm25 / hybrid, filters, MMR, rerank); unset fields use the index's settings."""
        mode, hits = await service.search(req, is_gone=request.is_disconnected)
        return {"query": req.query, "mode": mode, "hits": [h.to_dict() for h in hits]}

    # The embedding routes answer with bytes they serialised (openai_api.json_bytes); the response models document
    # the answer in the OpenAPI schema, and the tests check the answers against them.
    @app.post("/embed", response_model=EmbedResponse, responses=_ERRORS)
    async def embed(req: EmbedRequest, request: Request) -> Response:
        """Embed texts as documents (default), queries or plain texts."""
        vectors = await service.embed(req.texts, req.input_type, is_gone=request.is_disconnected)
        body = {
            "model": service.model_name,
            "dimension": int(vectors.shape[1]),
            "input_type": req.input_type,
            "embeddings": np.ascontiguousarray(vectors, dtype=np.float32),
        }
        return Response(openai_api.json_bytes(body), media_type="application/json")

    @app.post("/v1/embeddings", response_model=OpenAIEmbeddingResponse, responses=_ERRORS)
    async def openai_embeddings(req: OpenAIEmbeddingRequest, request: Request) -> Response:
        """OpenAI-compatible embeddings (``input``: a string, strings, or token ids of this model's tokenizer)."""
        texts = openai_api.input_texts(
            req.input, tokenizer=service.tokenizer, max_tokens=service.settings.max_total_chars
        )
        vectors = await service.embed(texts, req.input_type, is_gone=request.is_disconnected)
        vectors = openai_api.shorten(vectors, req.dimensions)
        # off the event loop: texts the encoder did not just count (data/tokens.py keeps those) took ~1 ms a request
        tokens = await asyncio.to_thread(openai_api.count_tokens, texts, service.tokenizer)
        body = openai_api.embedding_response(
            vectors, model=req.model, encoding_format=req.encoding_format, tokens=tokens
        )
        return Response(openai_api.json_bytes(body), media_type="application/json")

    @app.get("/v1/models", response_model=OpenAIModelList)
    async def openai_models() -> dict[str, Any]:
        """The embedding model this server serves, as OpenAI lists models."""
        return {"object": "list", "data": [{"id": service.model_name, "created": started}]}

    @app.post("/rerank", response_model=RerankResponse, response_model_exclude_none=True, responses=_ERRORS)
    async def rerank(req: RerankRequest, request: Request) -> dict[str, Any]:
        """Score documents for a query with the server's cross-encoder, best first."""
        ranked = await service.rerank(req.query, req.documents, req.top_n, is_gone=request.is_disconnected)
        results = [
            {"index": i, "relevance_score": score, **({"document": req.documents[i]} if req.return_documents else {})}
            for i, score in ranked
        ]
        return {"model": service.reranker_name, "results": results}
