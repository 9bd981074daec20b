"""CLI for embedlab.index: ``embedlab index build|add|delete|compact|info`` and ``embedlab search``."""

from __future__ import annotations

import json
import math
import warnings
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from embedlab.cli.options import choices
from embedlab.index.settings import (
    ANN,
    CHUNK_BY,
    FUSIONS,
    MODES,
    QUANTIZE,
    STORES,
    BuildSettings,
    SearchSettings,
    TruncationWarning,
)

# The encoder backends a user can name; the encoder loader refuses those this installation cannot run.
ENCODER_BACKENDS: tuple[str, ...] = ("torch", "onnx", "onnx-int8", "openvino", "openvino-int8", "auto")

index_app = typer.Typer(
    help="Build and maintain a search index (vectors + ANN + BM25 + metadata) over a document collection.",
    no_args_is_help=True,
)


_B = BuildSettings()
_S = SearchSettings()

ChunkChoice = choices("ChunkChoice", CHUNK_BY)
StoreChoice = choices("StoreChoice", STORES)
EncoderBackendChoice = choices("EncoderBackendChoice", ENCODER_BACKENDS)
# ``--backend`` named the store before encoders had backends; it still takes a store, and takes an encoder backend
# too, as ``--backend`` does on eval and search.
BackendChoice = choices("BackendChoice", (*STORES, *ENCODER_BACKENDS))
ModeChoice = choices("ModeChoice", MODES)
QuantizeChoice = choices("QuantizeChoice", QUANTIZE)
AnnChoice = choices("AnnChoice", ANN)
FusionChoice = choices("FusionChoice", FUSIONS)


def _value(choice: Any) -> Any:
    return choice.value if isinstance(choice, Enum) else choice


def _backends(store: Any, encoder_backend: Any, backend: Any) -> tuple[str, str]:
    """The store and the encoder backend from ``--store``, ``--encoder-backend`` and the two-way ``--backend``."""
    from embedlab.errors import OptionError

    store, encoder_backend, backend = _value(store), _value(encoder_backend), _value(backend)
    if backend in STORES:
        if store is not None and store != backend:
            raise OptionError("--backend", f"{backend!r} contradicts --store {store}")
        store = backend
    elif backend is not None:
        if encoder_backend is not None and encoder_backend != backend:
            raise OptionError("--backend", f"{backend!r} contradicts --encoder-backend {encoder_backend}")
        encoder_backend = backend
    return store or "local", encoder_backend or "torch"


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    from embedlab.utils.console import err_console

    for w in caught:
        err_console.print(f"[yellow]warning:[/yellow] {w.message}", markup=True, highlight=False, soft_wrap=True)


@index_app.command("build")
def build(
    model: str = typer.Argument(..., help="Embedding model: folder, alias (all-MiniLM-L6-v2) or hub id."),
    docs: Path = typer.Argument(..., help="Documents: JSONL, JSON array, CSV/TSV or Parquet."),
    output: Path = typer.Option(..., "--output", "-o", help="Index folder to write (an existing index is replaced)."),
    id_field: str | None = typer.Option(
        None, "--id-field", help="Field holding each document's unique id [default: id, or row numbers if absent]."
    ),
    text_field: str = typer.Option("text", "--text-field", help="Field holding the text to index."),
    chunk: ChunkChoice = typer.Option(_B.chunk, "--chunk", help="Split documents into chunks."),  # type: ignore[valid-type]
    chunk_size: int = typer.Option(_B.chunk_size, "--chunk-size", help="Sentences or tokens per chunk."),
    overlap: int = typer.Option(_B.overlap, "--overlap", help="Sentences or tokens shared by consecutive chunks."),
    store: StoreChoice | None = typer.Option(  # type: ignore[valid-type]
        None, "--store", help="Where the index lives: local (FAISS HNSW + bm25s) or qdrant [default: local]."
    ),
    encoder_backend: EncoderBackendChoice | None = typer.Option(  # type: ignore[valid-type]
        None, "--encoder-backend", help="What computes the vectors; queries use the same [default: torch]."
    ),
    backend: BackendChoice | None = typer.Option(  # type: ignore[valid-type]
        None, "--backend", help="A store (local, qdrant) or an encoder backend (torch, onnx[-int8], openvino[-int8])."
    ),
    url: str | None = typer.Option(
        None, "--url", help="Qdrant server URL (default: Qdrant local mode in the folder)."
    ),
    collection: str | None = typer.Option(None, "--collection", help="Qdrant collection (default: folder name)."),
    no_normalize: bool = typer.Option(False, "--no-normalize", help="Keep raw vectors (inner product, not cosine)."),
    batch_size: int = typer.Option(_B.batch_size, "--batch-size", help="Embedding batch size."),
    m: int = typer.Option(_B.m, "--hnsw-m", help="HNSW graph degree."),
    ef_construction: int = typer.Option(_B.ef_construction, "--ef-construction", help="HNSW build beam width."),
    ef_search: int = typer.Option(_B.ef_search, "--ef-search", help="HNSW search beam width (recall vs speed)."),
    quantize: QuantizeChoice = typer.Option(  # type: ignore[valid-type]
        _B.quantize, "--quantize", help="Vectors in the index: float, int8 (4x smaller) or binary (32x smaller)."
    ),
    rescore: int = typer.Option(
        _B.rescore, "--rescore", help="With --quantize: candidates per result rescored with the float vectors."
    ),
    ann: AnnChoice = typer.Option(  # type: ignore[valid-type]
        _B.ann, "--ann", help="Local index layout: hnsw graph, ivf lists, or auto (ivf for int8, else hnsw)."
    ),
    nlist: int = typer.Option(_B.nlist, "--nlist", help="IVF lists (0 = about 4 sqrt(vectors))."),
    nprobe: int = typer.Option(
        _B.nprobe, "--nprobe", help="IVF lists searched per query (0 = enough to scan ~64 sqrt(vectors))."
    ),
) -> None:
    """Embed DOCS with MODEL and write an index folder."""
    from embedlab.index import Index
    from embedlab.utils.console import console

    store_name, enc_backend = _backends(store, encoder_backend, backend)
    settings = BuildSettings(
        chunk=_value(chunk),
        chunk_size=chunk_size,
        overlap=overlap,
        normalize=not no_normalize,
        batch_size=batch_size,
        m=m,
        ef_construction=ef_construction,
        ef_search=ef_search,
        quantize=_value(quantize),
        rescore=rescore,
        ann=_value(ann),
        nlist=nlist,
        nprobe=nprobe,
    ).validate()  # before the model loads
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        index = Index.build(
            model,
            docs,
            output,
            settings=settings,
            backend=store_name,
            encoder_backend=enc_backend,
            id_field=id_field,
            text_field=text_field,
            url=url,
            collection=collection,
            show_progress=True,
        )
    _print_warnings([w for w in caught if issubclass(w.category, TruncationWarning)])
    info = index.info()
    index.close()
    console.print(
        f"indexed {info['documents']} documents as {info['chunks']} chunks ({info['dimension']}-d, "
        f"{info['backend']}, {info['encoder_backend']}) -> {output}"
    )


@index_app.command("add")
def add(
    index_path: Path = typer.Argument(..., metavar="INDEX", help="Index folder."),
    docs: Path = typer.Argument(..., help="Documents to add (same format and fields as at build)."),
    upsert: bool = typer.Option(False, "--upsert", help="Replace documents whose id is already indexed."),
    batch_size: int = typer.Option(_B.batch_size, "--batch-size", help="Embedding batch size."),
) -> None:
    """Embed and add documents to an index, without rebuilding it."""
    from embedlab.index import Index
    from embedlab.utils.console import console

    BuildSettings(batch_size=batch_size).validate()  # before the index and its model load
    index = Index.load(index_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        n = index.add(docs, upsert=upsert, batch_size=batch_size, show_progress=True)
    _print_warnings([w for w in caught if issubclass(w.category, TruncationWarning)])
    console.print(f"added {n} chunks; the index now has {index.count}")
    index.close()


@index_app.command("delete")
def delete(
    index_path: Path = typer.Argument(..., metavar="INDEX", help="Index folder."),
    ids: list[str] = typer.Argument(..., help="Document ids (all their chunks) or chunk ids to delete."),
) -> None:
    """Delete documents from an index, without rebuilding it (space is reclaimed by `compact`)."""
    from embedlab.errors import InputError
    from embedlab.index import Index
    from embedlab.utils.console import console

    index = Index.load(index_path, verify=False)
    n = index.delete(ids)
    remaining = index.count
    index.close()
    if n == 0:
        raise InputError(f"none of the ids {', '.join(ids[:5])} is in the index", path=index_path)
    console.print(f"deleted {n} chunks; {remaining} remain")


@index_app.command("compact")
def compact(index_path: Path = typer.Argument(..., metavar="INDEX", help="Index folder.")) -> None:
    """Drop deleted documents for good and rebuild the ANN graph from the stored vectors."""
    from embedlab.index import Index
    from embedlab.utils.console import console

    index = Index.load(index_path)
    n = index.compact()
    console.print(f"compacted: {n} deleted chunks removed; {index.count} remain")
    index.close()


@index_app.command("info")
def info(
    index_path: Path = typer.Argument(..., metavar="INDEX", help="Index folder."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    verify: bool = typer.Option(True, "--verify/--no-verify", help="Check every file's checksum."),
) -> None:
    """Show what an index holds and what it was built with."""
    from rich.table import Table

    from embedlab.index import Index
    from embedlab.utils.console import console

    index = Index.load(index_path, verify=verify)
    data = index.info()
    index.close()
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    table = Table(show_header=False, title=str(index_path))
    for key, value in data.items():
        table.add_row(key, json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value))
    console.print(table)


def _hits_table(hits: list[Any], query: str) -> Any:
    from rich.table import Table

    stages = [s for s in ("dense", "bm25", "hybrid", "rerank", "mmr") if any(s in h.scores for h in hits)]
    table = Table(title=f"results for {query!r}", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("id")
    for s in stages:
        table.add_column(s, justify="right")
    table.add_column("metadata")
    table.add_column("text", overflow="fold", max_width=70)
    for rank, h in enumerate(hits, 1):
        meta = ", ".join(f"{k}={v}" for k, v in h.metadata.items())
        text = h.text if len(h.text) <= 200 else h.text[:197] + "..."
        row = [str(rank), h.id, *(f"{h.scores[s]:.4f}" if s in h.scores else "" for s in stages), meta, text]
        table.add_row(*row)
    return table


def json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None, so that ``json.dumps`` writes valid JSON (null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def search(
    index_path: Path = typer.Argument(..., metavar="INDEX", help="Index folder."),
    query: str = typer.Argument(..., help="The query text."),
    k: int | None = typer.Option(None, "-k", "--top-k", help=f"Number of results [default: saved, else {_S.k}]."),
    mode: ModeChoice | None = typer.Option(  # type: ignore[valid-type]
        None, "--mode", help=f"Retrieval mode [default: saved, else {_S.mode}]."
    ),
    exact: bool | None = typer.Option(
        None, "--exact/--ann", help="Exact (brute-force) dense search instead of the ANN graph [default: saved]."
    ),
    fusion: FusionChoice | None = typer.Option(  # type: ignore[valid-type]
        None, "--fusion", help=f"Hybrid fusion [default: saved, else {_S.fusion}]."
    ),
    alpha: float | None = typer.Option(
        None, "--alpha", help=f"Weight of dense scores in weighted fusion [default: saved, else {_S.alpha}]."
    ),
    filters: list[str] = typer.Option(
        [], "--filter", "-f", help="Metadata filter, repeatable: 'year>=2020', 'lang in [en,de]', 'source=wiki'."
    ),
    mmr: float | None = typer.Option(None, "--mmr", help="MMR lambda in [0,1] (1 = relevance only)."),
    rerank: str | None = typer.Option(None, "--rerank", help="Cross-encoder that reranks the top candidates."),
    rerank_top: int | None = typer.Option(
        None, "--rerank-top", help=f"How many candidates the cross-encoder rescores [default: {_S.rerank_top}]."
    ),
    model: str | None = typer.Option(None, "--model", help="Query model (must be the index's; default: manifest)."),
    encoder_backend: EncoderBackendChoice | None = typer.Option(  # type: ignore[valid-type]
        None,
        "--encoder-backend",
        "--backend",
        metavar="BACKEND",  # with both names the choice list would not fit 80 columns: it is in the help instead
        help=f"Query encoder backend: {', '.join(c.value for c in EncoderBackendChoice)} "
        "(must be the index's; default: manifest).",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print results as JSON (NaN and infinite metadata values become null)."
    ),
) -> None:
    """Search an index: dense, BM25 or hybrid, with filters, MMR and cross-encoder reranking."""
    from embedlab.index import Index
    from embedlab.utils.console import console

    index = Index.load(index_path, model=model, encoder_backend=_value(encoder_backend))
    try:
        hits = index.search(
            query,
            k=k,
            mode=_value(mode),
            exact=exact,
            fusion=_value(fusion),
            alpha=alpha,
            filters=filters,
            mmr=mmr,
            rerank=rerank,
            rerank_top=rerank_top,
        )
        used = index.search_settings.merged(mode=_value(mode)).mode
    finally:
        index.close()
    if as_json:
        result = {"query": query, "mode": used, "hits": [json_safe(h.to_dict()) for h in hits]}
        typer.echo(json.dumps(result, indent=2, allow_nan=False, default=str))
    elif not hits:
        console.print("no results")
    else:
        console.print(_hits_table(hits, query))


def register(app: typer.Typer) -> None:
    """Add ``embedlab index ...`` and ``embedlab search`` to the main app."""
    app.add_typer(index_app, name="index")
    app.command("search")(search)
