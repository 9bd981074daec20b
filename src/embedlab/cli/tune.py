"""CLI for embedlab.evaluate.tune: ``embedlab tune INDEX --retrieval DEV_FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from embedlab.data import IRDataset
    from embedlab.evaluate.tune import TuneResult


def tune_command(
    index: Path = typer.Argument(..., help="The index folder to tune (its search settings are saved into it)."),
    retrieval: Path | None = typer.Option(
        None, "--retrieval", help="Labelled dev queries (IR JSON, BEIR folder, pairs) whose ids are the index's."
    ),
    pseudo_queries: int = typer.Option(
        0, "--pseudo-queries", min=0, help="No labels: make N queries from the corpus (a sentence, its document)."
    ),
    rerank: str | None = typer.Option(None, "--rerank", help="A cross-encoder: also try reranking 10/20/50."),
    min_gain: float = typer.Option(
        0.005, "--min-gain", help="Held-out NDCG@10 gain over the defaults needed to move off them."
    ),
    confidence: float = typer.Option(
        0.95, "--confidence", help="One-sided level at which that gain must be above noise (paired t-test; 0: off)."
    ),
    folds: int = typer.Option(5, "--folds", help="Cross-validation folds over the dev queries."),
    hits: int = typer.Option(100, "--hits", min=1, help="Hits per query (documents at their best chunk)."),
    limit: int | None = typer.Option(None, "--limit", min=2, help="Use only the first N dev queries."),
    save: bool = typer.Option(True, "--save/--no-save", help="Save the choice into the index."),
    seed: int = typer.Option(0, "--seed", help="Seed of the folds and the pseudo-queries."),
    chunk_sizes: str | None = typer.Option(
        None, "--chunk-sizes", help="Also rebuild with these sentence-chunk sizes (e.g. 3,5,8; embeddings cached)."
    ),
) -> None:
    """Try the search pipeline's settings on dev queries; of those within one standard error of the best, save the
    one closest to the defaults when it beats them held-out, by at least --min-gain and clearly above noise (a
    paired t-test over the queries at --confidence)."""
    from embedlab.data import IRDataset, load_ir
    from embedlab.errors import OptionError
    from embedlab.utils.console import err_console

    if (retrieval is None) == (pseudo_queries == 0):
        raise OptionError("--retrieval", "give labelled dev queries (--retrieval FILE) or --pseudo-queries N")
    ir = load_ir(retrieval) if retrieval is not None else None
    if ir is not None and limit:
        keep = list(ir.queries)[:limit]
        ir = IRDataset({q: ir.queries[q] for q in keep}, ir.corpus, {q: ir.relevant[q] for q in keep}, ir.name)
    common = {"min_gain": min_gain, "confidence": confidence, "folds": folds, "seed": seed, "save": save}
    if chunk_sizes:
        result = _tune_chunks(index, ir, chunk_sizes, hits, common)
    else:
        result = _tune_search(index, ir, pseudo_queries, rerank, hits, common)
    _print_result(index, result)
    if save:
        what = ", ".join(f"{k}={v}" for k, v in result.chosen.items()) if result.adopted else "the defaults"
        err_console.print(f"saved in {index}: {what} (search, serve and eval --index use them)", highlight=False)
        if rerank and "rerank_top" in result.chosen:
            err_console.print(f"rerank_top is saved; pass --rerank {rerank} when searching", highlight=False)


def _tune_chunks(index: Path, ir: IRDataset | None, chunk_sizes: str, hits: int, common: dict[str, Any]) -> TuneResult:
    """``--chunk-sizes``: rebuild the index at each sentence-chunk size and keep the one that wins."""
    from embedlab.cli.evaluate import say
    from embedlab.errors import OptionError
    from embedlab.evaluate.tune_chunks import tune_chunk_sizes
    from embedlab.utils.console import err_console

    if ir is None:
        raise OptionError("--chunk-sizes", "needs labelled dev queries (--retrieval FILE)")
    try:
        sizes = [int(s) for s in chunk_sizes.split(",") if s.strip()]
    except ValueError:
        raise OptionError("--chunk-sizes", f"{chunk_sizes!r} is not a comma-separated list of numbers") from None
    result, size = tune_chunk_sizes(index, ir, sizes, depth=hits, progress=say, **common)
    if size is not None:
        saved = ": index rebuilt" if common["save"] else ""
        err_console.print(f"chunk size {size} sentences won{saved}", highlight=False)
    return result


def _tune_search(
    index: Path, ir: IRDataset | None, pseudo_queries: int, rerank: str | None, hits: int, common: dict[str, Any]
) -> TuneResult:
    """Try the search settings on the index as it is."""
    from embedlab.cli.evaluate import say
    from embedlab.evaluate.tune import tune
    from embedlab.index import Index

    idx = Index.load(index)
    try:
        return tune(idx, ir, pseudo_queries=pseudo_queries, reranker=rerank, depth=hits, progress=say, **common)
    finally:
        idx.close()


def _print_result(index: Path, result: TuneResult) -> None:
    """The settings tried, the winner starred, and the decision in one sentence."""
    from rich.table import Table

    from embedlab.evaluate.results import format_value
    from embedlab.utils.console import console

    kind = "pseudo-queries from the corpus" if result.pseudo else "labelled dev queries"
    table = Table(title=f"embedlab tune {index}: {result.queries} {kind}", header_style="bold")
    for col in ("setting", "NDCG@10", "MRR@10", "recall@10", "MAP@100", "search ms/q"):
        table.add_column(col, justify="left" if col == "setting" else "right")
    for row in result.rows:
        mark = " ★" if row["name"] == result.best else ""
        keys = ("ndcg@10", "mrr@10", "recall@10", "map@100", "ms_per_query")
        table.add_row(row["name"] + mark, *[format_value(row[k]) for k in keys])
    console.print(table)
    console.print(f"decision: {result.reason}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``tune`` to the main app."""
    app.command("tune")(tune_command)
