"""Serve an index over HTTP: search, embeddings (also OpenAI-compatible), reranking.

Example:
    >>> from embedlab.serve import ServiceSettings, create_app, serve
    >>> serve("my-index", settings=ServiceSettings(port=8000))       # blocking, uvicorn
    >>> app = create_app("my-index")                                 # an ASGI app for your own server / tests
"""

from __future__ import annotations

from typing import Any

from embedlab.serve.settings import ServiceSettings

# The app and the service need FastAPI and pydantic (the ``serve`` extra): they are imported on first use, so that
# ``embedlab.serve.ServiceSettings`` and the CLI's checks work without them.
_LAZY = {
    "create_app": "embedlab.serve.app",
    "MicroBatcher": "embedlab.serve.batching",
    "Service": "embedlab.serve.service",
    "serve": "embedlab.serve.server",
}

__all__ = ["MicroBatcher", "Service", "ServiceSettings", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'embedlab.serve' has no attribute {name!r}")
