"""CLI for embedlab.serve: ``embedlab serve INDEX``."""

from __future__ import annotations

from pathlib import Path

import typer


def serve(
    index: Path | None = typer.Argument(None, metavar="INDEX", help="Index folder to search (optional with --model)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface (127.0.0.1: this machine; 0.0.0.0: all)."),
    port: int = typer.Option(8000, "--port", "-p", help="TCP port."),
    model: str | None = typer.Option(None, "--model", help="Embedding model to serve when there is no index."),
    reranker: str | None = typer.Option(None, "--reranker", help="Cross-encoder for /rerank and reranked search."),
    max_body: int = typer.Option(1_000_000, "--max-body", help="Largest request body in bytes (413 above)."),
    max_inputs: int = typer.Option(256, "--max-inputs", help="Most texts per request."),
    max_batch: int = typer.Option(64, "--max-batch", help="Most texts per model call (micro-batching)."),
    max_wait_ms: float = typer.Option(5.0, "--max-wait-ms", help="How long a request waits to share a batch."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve an index over HTTP: /search, /embed, /v1/embeddings (OpenAI), /rerank, /healthz, docs at /docs."""
    from embedlab.errors import OptionError
    from embedlab.serve.server import serve as run

    if index is None and model is None:
        raise OptionError("INDEX", "give an index folder, or --model to serve embeddings only")
    run(
        index,
        host=host,
        port=port,
        model=model,
        reranker=reranker,
        max_body_bytes=max_body,
        max_inputs=max_inputs,
        max_batch=max_batch,
        max_wait_ms=max_wait_ms,
        log_level=log_level,
    )


def register(app: typer.Typer) -> None:
    """Add ``embedlab serve`` to the main app."""
    app.command("serve")(serve)
