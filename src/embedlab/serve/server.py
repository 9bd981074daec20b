"""Run the service with uvicorn.

Example:
    >>> serve("my-index", settings=ServiceSettings(port=8000, api_key="s3cret"), reranker="my-reranker")
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from embedlab.serve.settings import API_KEY_ENV, ServiceSettings, is_loopback
from embedlab.utils.optional import require

log = logging.getLogger("embedlab.serve")


def serve(
    index: str | os.PathLike[str] | None,
    *,
    model: str | None = None,
    reranker: str | None = None,
    settings: ServiceSettings | None = None,
) -> None:
    """Serve an index (and optionally a reranker) over HTTP until interrupted.

    Args:
        index: index folder (None to serve only ``model``'s embeddings).
        model: embedding model when there is no index.
        reranker: cross-encoder for ``/rerank`` and reranked searches.
        settings: interface, port, limits, API key (default: the ``EMBEDLAB_API_KEY`` environment variable),
            allowed hosts, CORS origins, log level, backend.

    Raises:
        ParameterError: a bad setting (checked before any model is loaded).
    """
    uvicorn = require("uvicorn", "serve")
    require("fastapi", "serve")
    require("prometheus_client", "serve")
    settings = settings or ServiceSettings()
    if settings.api_key is None and os.environ.get(API_KEY_ENV):
        settings = settings.merged(api_key=os.environ[API_KEY_ENV])
    settings.validate()
    from embedlab.serve.app import create_app

    _setup_logging(settings.log_level)
    if not is_loopback(settings.host) and not settings.api_key:
        log.warning(
            "serving on %s without an API key: anyone who can reach this port can search the whole index "
            "(set --api-key or %s)",
            settings.host,
            API_KEY_ENV,
        )
    app: Any = create_app(index, model=model, reranker=reranker, settings=settings)
    # uvicorn's own access log is off: embedlab.access writes one JSON line per request instead.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False)


def _setup_logging(level: str) -> None:
    """Access log lines (already JSON) and service warnings to stderr, at the server's log level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("embedlab.access", "embedlab.serve"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG if level == "trace" else level.upper())
        logger.propagate = False
