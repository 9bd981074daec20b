"""Serve an index over HTTP: search, embeddings (also OpenAI-compatible), reranking.

Example:
    >>> from embedlab.serve import create_app, serve
    >>> serve("my-index", port=8000)                       # blocking, uvicorn
    >>> app = create_app("my-index")                       # an ASGI app for your own server / tests
"""

from __future__ import annotations

from embedlab.serve.app import Limits, create_app
from embedlab.serve.batching import MicroBatcher
from embedlab.serve.server import serve

__all__ = ["Limits", "MicroBatcher", "create_app", "serve"]
