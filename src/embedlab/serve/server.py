"""Run the service with uvicorn.

Example:
    >>> serve("my-index", host="127.0.0.1", port=8000, reranker="my-reranker")
"""

from __future__ import annotations

import os
from typing import Any

from embedlab.errors import OptionError
from embedlab.utils.optional import require


def serve(
    index: str | os.PathLike[str] | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    model: str | None = None,
    reranker: str | None = None,
    max_body_bytes: int = 1_000_000,
    max_inputs: int = 256,
    max_batch: int = 64,
    max_wait_ms: float = 5.0,
    log_level: str = "info",
) -> None:
    """Serve an index (and optionally a reranker) over HTTP until interrupted.

    Args:
        index: index folder (None to serve only ``model``'s embeddings).
        host: interface to listen on (``127.0.0.1`` = this machine only; ``0.0.0.0`` = every interface).
        port: TCP port.
        model: embedding model when there is no index.
        reranker: cross-encoder for ``/rerank`` and reranked searches.
        max_body_bytes: largest request body.
        max_inputs: most texts per request.
        max_batch: most texts per model call.
        max_wait_ms: how long a request waits to share a batch.
        log_level: uvicorn log level.
    """
    uvicorn = require("uvicorn", "serve")
    require("fastapi", "serve")
    from embedlab.serve.app import Limits, create_app

    if not 0 <= port <= 65535:
        raise OptionError("--port", f"must be between 0 and 65535, got {port}")
    for option, value in (("--max-body", max_body_bytes), ("--max-inputs", max_inputs), ("--max-batch", max_batch)):
        if value < 1:
            raise OptionError(option, f"must be at least 1, got {value}")
    app: Any = create_app(
        index,
        model=model,
        reranker=reranker,
        limits=Limits(max_body_bytes=max_body_bytes, max_inputs=max_inputs),
        max_batch=max_batch,
        max_wait_ms=max_wait_ms,
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level)
