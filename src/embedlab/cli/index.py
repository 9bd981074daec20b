"""CLI for embedlab.index: ``embedlab index build|add|delete|compact|info`` and ``embedlab search``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

index_app = typer.Typer(
    help="Build and maintain a search index (vectors + ANN + BM25 + metadata) over a document collection.",
    no_args_is_help=True,
)


@index_app.command("build")
def build(
    model: str = typer.Argument(..., help="Embedding model: folder, alias (all-MiniLM-L6-v2) or hub id."),
    docs: Path = typer.Argument(..., help="Documents: JSONL, JSON array, CSV/TSV or Parquet."),
    output: Path = typer.Option(..., "--output", "-o", help="Index folder to write (an existing index is replaced)."),
    id_field: str = typer.Option("id", "--id-field", help="Field holding each document's unique id."),
    text_field: str = typer.Option("text", "--text-field", help="Field holding the text to index."),
    chunk: str = typer.Option("none", "--chunk", help="Split documents: none, sentences or tokens."),
    chunk_size: int = typer.Option(5, "--chunk-size", help="Sentences or tokens per chunk."),
    overlap: int = typer.Option(1, "--overlap", help="Sentences or tokens shared by consecutive chunks."),
    backend: str = typer.Option("local", "--backend", help="local (FAISS HNSW + bm25s) or qdrant."),
    url: str | None = typer.Option(
        None, "--url", help="Qdrant server URL (default: Qdrant local mode in the folder)."
    ),
    collection: str | None = typer.Option(None, "--collection", help="Qdrant collection (default: folder name)."),
    no_normalize: bool = typer.Option(False, "--no-normalize", help="Keep raw vectors (inner product, not cosine)."),
    batch_size: int = typer.Option(64, "--batch-size", help="Embedding batch size."),
    m: int = typer.Option(32, "--hnsw-m", help="HNSW graph degree."),
    ef_construction: int = typer.Option(128, "--ef-construction", help="HNSW build beam width."),
    ef_search: int = typer.Option(64, "--ef-search", help="HNSW search beam width (recall vs speed)."),
) -> None:
    """Embed DOCS with MODEL and write an index folder."""
    from embedlab.index import Index
    from embedlab.utils.console import console

    index = Index.build(
        model,
        docs,
        output,
        id_field=id_field,
        text_field=text_field,
        chunk=chunk,
        chunk_size=chunk_size,  # type: ignore[arg-type]
        overlap=overlap,
        backend=backend,
        url=url,
        collection=collection,
        normalize=not no_normalize,  # type: ignore[arg-type]
        batch_size=batch_size,
        m=m,
        ef_construction=ef_construction,
        ef_search=ef_search,
        show_progress=True,
    )
    info = index.info()
    index.close()
    console.print(
        f"indexed {info['documents']} documents as {info['chunks']} chunks ({info['dimension']}-d, "
        f"{info['backend']}) -> {output}"
    )


@index_app.command("add")
def add(
    index_path: Path = typer.Argument(..., metavar="INDEX", help="Index folder."),
    docs: Path = typer.Argument(..., help="Documents to add (same format and fields as at build)."),
    upsert: bool = typer.Option(False, "--upsert", help="Replace documents whose id is already indexed."),
    batch_size: int = typer.Option(64, "--batch-size", help="Embedding batch size."),
) -> None:
    """Embed and add documents to an index, without rebuilding it."""
    from embedlab.index import Index
    from embedlab.utils.console import console

    index = Index.load(index_path)
    n = index.add(docs, upsert=upsert, batch_size=batch_size, show_progress=True)
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


def search(
    index_path: Path = typer.Argument(..., metavar="INDEX", help="Index folder."),
    query: str = typer.Argument(..., help="The query text."),
    k: int = typer.Option(10, "-k", "--top-k", help="Number of results."),
    mode: str = typer.Option("dense", "--mode", "-m", help="dense, bm25 or hybrid."),
    exact: bool = typer.Option(False, "--exact", help="Exact (brute-force) dense search instead of the ANN graph."),
    fusion: str = typer.Option("rrf", "--fusion", help="Hybrid fusion: rrf or weighted."),
    alpha: float = typer.Option(0.5, "--alpha", help="Weight of dense scores in weighted fusion."),
    filters: list[str] = typer.Option(
        [], "--filter", "-f", help="Metadata filter, repeatable: 'year>=2020', 'lang in [en,de]', 'source=wiki'."
    ),
    mmr: float | None = typer.Option(None, "--mmr", help="MMR lambda in [0,1] (1 = relevance only)."),
    rerank: str | None = typer.Option(None, "--rerank", help="Cross-encoder that reranks the top candidates."),
    rerank_top: int = typer.Option(50, "--rerank-top", help="How many candidates the cross-encoder rescores."),
    model: str | None = typer.Option(None, "--model", help="Query model (must be the index's; default: manifest)."),
    as_json: bool = typer.Option(False, "--json", help="Print results as JSON."),
) -> None:
    """Search an index: dense, BM25 or hybrid, with filters, MMR and cross-encoder reranking."""
    from embedlab.index import Index
    from embedlab.utils.console import console

    index = Index.load(index_path, model=model)
    hits = index.search(
        query,
        k=k,
        mode=mode,
        exact=exact,
        fusion=fusion,
        alpha=alpha,
        filters=filters,
        mmr=mmr,  # type: ignore[arg-type]
        rerank=rerank,
        rerank_top=rerank_top,
    )
    index.close()
    if as_json:
        typer.echo(json.dumps({"query": query, "mode": mode, "hits": [h.to_dict() for h in hits]}, indent=2))
    elif not hits:
        console.print("no results")
    else:
        console.print(_hits_table(hits, query))


def register(app: typer.Typer) -> None:
    """Add ``embedlab index ...`` and ``embedlab search`` to the main app."""
    app.add_typer(index_app, name="index")
    app.command("search")(search)
