"""CLI for embedlab.serve: ``embedlab serve INDEX``."""

from __future__ import annotations

from pathlib import Path

import typer

from embedlab.cli.options import option_values
from embedlab.serve.settings import API_KEY_ENV, ServiceSettings

_D = ServiceSettings()  # the defaults shown in --help are the service's own


def _names(value: str | None) -> tuple[str, ...] | None:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else None


def serve(
    ctx: typer.Context,
    index: Path | None = typer.Argument(None, metavar="INDEX", help="Index folder to search (optional with --model)."),
    host: str = typer.Option(_D.host, "--host", help="Interface (127.0.0.1: this machine; 0.0.0.0: all)."),
    port: int = typer.Option(_D.port, "--port", "-p", help="TCP port."),
    model: str | None = typer.Option(None, "--model", help="Embedding model to serve when there is no index."),
    reranker: str | None = typer.Option(None, "--reranker", help="Cross-encoder for /rerank and reranked search."),
    backend: str | None = typer.Option(
        _D.backend,
        "--backend",
        help="What computes the vectors: torch, onnx[-int8], openvino[-int8] (default: the index's).",
    ),
    api_key: str | None = typer.Option(
        None,
        "--api-key",
        envvar=API_KEY_ENV,
        show_envvar=True,
        help="Require 'Authorization: Bearer KEY' on every request (prefer the environment variable: a flag shows "
        "in the process list).",
    ),
    allowed_hosts: str | None = typer.Option(
        None,
        "--allowed-hosts",
        help="Comma-separated Host names to answer (default: localhost names when bound to a loopback interface, "
        "which blocks DNS rebinding; any otherwise). '*' for any.",
    ),
    cors_origins: str | None = typer.Option(
        None, "--cors-origins", help="Comma-separated browser origins allowed to call the service (default: none)."
    ),
    max_body_bytes: int = typer.Option(
        _D.max_body_bytes, "--max-body-bytes", "--max-body", help="Largest request body in bytes (413 above)."
    ),
    max_inputs: int = typer.Option(_D.max_inputs, "--max-inputs", help="Most texts per request."),
    max_total_chars: int = typer.Option(
        _D.max_total_chars, "--max-total-chars", help="Most characters in all the texts of one request."
    ),
    max_rerank_top: int = typer.Option(
        _D.max_rerank_top, "--max-rerank-top", help="Most candidates one search may send to the cross-encoder."
    ),
    max_filters: int = typer.Option(_D.max_filters, "--max-filters", help="Most filter conditions per search."),
    max_batch: int = typer.Option(_D.max_batch, "--max-batch", help="Most texts per model call (micro-batching)."),
    max_wait_ms: float = typer.Option(
        _D.max_wait_ms, "--max-wait-ms", help="How long a request waits to share a batch."
    ),
    log_level: str = typer.Option(_D.log_level, "--log-level", help="critical, error, warning, info, debug or trace."),
) -> None:
    """Serve an index over HTTP: /search, /embed, /v1/embeddings and /v1/models (OpenAI), /rerank, /healthz,
    /metrics, docs at /docs."""
    from embedlab.errors import OptionError
    from embedlab.serve.server import serve as run

    if index is None and model is None:
        raise OptionError("INDEX", "give an index folder, or --model to serve embeddings only")
    settings = ServiceSettings(
        **option_values(ctx.params, skip=("index", "model", "reranker", "allowed_hosts", "cors_origins")),
        allowed_hosts=_names(allowed_hosts),
        cors_origins=_names(cors_origins) or (),
    ).validate()  # before any model is loaded
    run(index, model=model, reranker=reranker, settings=settings)


def register(app: typer.Typer) -> None:
    """Add ``embedlab serve`` to the main app."""
    app.command("serve")(serve)
