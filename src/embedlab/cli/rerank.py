"""CLI for embedlab.rerank: ``embedlab rerank train`` and ``embedlab rerank score``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

rerank_app = typer.Typer(help="Train and use cross-encoder rerankers.", no_args_is_help=True)


@rerank_app.command("train")
def train(
    data: Path = typer.Argument(..., help="IR data: JSON {queries, corpus, relevant_docs}, BEIR folder or pairs."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder to write the reranker to."),
    model: str = typer.Option("all-MiniLM-L6-v2", "--model", help="Starting weights (transformer folder, alias)."),
    bi_encoder: str = typer.Option("all-MiniLM-L6-v2", "--bi-encoder", help="First-stage model: mines negatives."),
    loss: str = typer.Option("bce", "--loss", help="bce, listnet or lambda."),
    negatives: int = typer.Option(5, "--negatives", help="Mined negatives per (query, positive)."),
    epochs: float = typer.Option(1.0, "--epochs", help="Training epochs."),
    batch_size: int = typer.Option(16, "--batch-size", help="Pairs (bce) or lists (listwise) per step."),
    learning_rate: float = typer.Option(2e-5, "--lr", help="Peak learning rate."),
    max_length: int = typer.Option(256, "--max-length", help="Tokens of query + passage read."),
    eval_fraction: float = typer.Option(0.2, "--eval-fraction", help="Share of passages held out for evaluation."),
    eval_top_k: int = typer.Option(100, "--eval-top-k", help="Bi-encoder candidates reranked in evaluation."),
    max_pairs: int | None = typer.Option(None, "--max-pairs", help="Cap on training pairs (quick runs)."),
    eval_steps: int | None = typer.Option(None, "--eval-steps", help="Evaluate every N steps (default: per epoch)."),
    head: str = typer.Option("mean", "--head", help="Fresh scoring head on mean-pooled tokens (mean) or [CLS] (cls)."),
    corpus_queries: int = typer.Option(
        0, "--corpus-queries", help="Inverse-cloze pseudo-queries per training passage added to the labelled pairs."
    ),
    keep_sentence: float = typer.Option(
        1.0, "--keep-sentence", help="Probability that a pseudo-query's passage keeps the query sentence."
    ),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
) -> None:
    """Train a cross-encoder reranker on (query, positive) data with bi-encoder-mined negatives."""
    from embedlab.errors import require_file
    from embedlab.rerank.train import train_reranker
    from embedlab.utils.console import console

    require_file(data, "IR data")
    m = train_reranker(
        data,
        output,
        model=model,
        bi_encoder=bi_encoder,
        loss=loss,
        num_negatives=negatives,  # type: ignore[arg-type]
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        max_length=max_length,
        eval_fraction=eval_fraction,
        eval_top_k=eval_top_k,
        max_pairs=max_pairs,
        eval_steps=eval_steps,
        head=head,  # type: ignore[arg-type]
        corpus_queries=corpus_queries,
        keep_sentence=keep_sentence,
        seed=seed,
        show_progress=True,
    )
    b, a = m["before"], m["after"]
    console.print(
        f"reranker saved to {output} ({m['train_pairs']} pairs + {m['corpus_pairs']} from the corpus, "
        f"{m['seconds']} s)\n"
        f"top-{m['eval_top_k']} of the bi-encoder on {m['eval_queries']} held-out queries: "
        f"NDCG@10 {b['ndcg@10']:.4f} -> {a['ndcg@10']:.4f}, MRR@10 {b['mrr@10']:.4f} -> {a['mrr@10']:.4f}"
    )


@rerank_app.command("score")
def score(
    model: str = typer.Argument(..., help="Cross-encoder: folder or hub id."),
    query: str = typer.Argument(..., help="The query."),
    passages: list[str] = typer.Argument(..., help="Passages to score."),
    sort: bool = typer.Option(False, "--sort", help="Order by score, best first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    max_length: int | None = typer.Option(None, "--max-length", help="Truncate query + passage to N tokens."),
) -> None:
    """Score (QUERY, PASSAGE) pairs with a cross-encoder."""
    from rich.table import Table

    from embedlab.rerank.score import load_cross_encoder, score_pairs
    from embedlab.utils.console import console

    ce = load_cross_encoder(model, max_length=max_length)
    scores = score_pairs(ce, query, passages)
    order = sorted(range(len(passages)), key=lambda i: -scores[i]) if sort else list(range(len(passages)))
    if as_json:
        typer.echo(json.dumps([{"index": i, "score": scores[i], "passage": passages[i]} for i in order], indent=2))
        return
    table = Table(title=f"{query!r}")
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("passage", overflow="fold")
    for i in order:
        table.add_row(str(i), f"{scores[i]:.4f}", passages[i])
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``embedlab rerank ...`` to the main app."""
    app.add_typer(rerank_app, name="rerank")
