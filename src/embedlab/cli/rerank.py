"""CLI for embedlab.rerank: ``embedlab rerank train`` and ``embedlab rerank score``.

Every default is :class:`embedlab.rerank.recipe.RerankRecipe`'s; a flag not given leaves the recipe's value.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from embedlab.cli.options import choices, option_values
from embedlab.cli.train import flags_named
from embedlab.rerank.recipe import Head, RerankLoss, RerankRecipe

rerank_app = typer.Typer(help="Train and use cross-encoder rerankers.", no_args_is_help=True)

D = RerankRecipe()
LossChoice = choices("RerankLossChoice", RerankLoss)
HeadChoice = choices("HeadChoice", Head)
# Python parameter -> this command's flag, where they differ.
FLAGS = {"learning_rate": "--lr", "num_negatives": "--negatives", "data": "argument DATA", "recipe": "--recipe"}


@rerank_app.command("train")
def train(
    ctx: typer.Context,
    data: Path | None = typer.Argument(None, help="IR data: JSON {queries, corpus, relevant_docs}, BEIR folder."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Folder to write the run to."),
    recipe: Path | None = typer.Option(None, "--recipe", help="TOML reranker recipe; flags override its keys."),
    model: str | None = typer.Option(None, "--model", help=f"Starting weights [{D.model}]."),
    bi_encoder: str | None = typer.Option(None, "--bi-encoder", help=f"First-stage model [{D.bi_encoder}]."),
    loss: LossChoice | None = typer.Option(None, "--loss", help=f"Training loss [{D.loss}]."),
    num_negatives: int | None = typer.Option(
        None, "--negatives", help=f"Mined negatives per pair [{D.num_negatives}]."
    ),
    epochs: float | None = typer.Option(None, "--epochs", help=f"Training epochs [{D.epochs:g}]."),
    batch_size: int | None = typer.Option(None, "--batch-size", help=f"Pairs or lists per step [{D.batch_size}]."),
    learning_rate: float | None = typer.Option(None, "--lr", help=f"Peak learning rate [{D.learning_rate:g}]."),
    max_length: int | None = typer.Option(None, "--max-length", help=f"Tokens of query + passage [{D.max_length}]."),
    eval_fraction: float | None = typer.Option(
        None, "--eval-fraction", help=f"Share of passages held out [{D.eval_fraction}]."
    ),
    eval_top_k: int | None = typer.Option(
        None, "--eval-top-k", help=f"Bi-encoder candidates reranked in evaluation [{D.eval_top_k}]."
    ),
    max_pairs: int | None = typer.Option(
        None, "--max-pairs", help="Cap on all training pairs, corpus pseudo-queries included [none]."
    ),
    eval_steps: int | None = typer.Option(None, "--eval-steps", help="Evaluate every N steps [once per epoch]."),
    head: HeadChoice | None = typer.Option(
        None, "--head", help=f"Fresh head on mean-pooled tokens or [CLS] [{D.head}]."
    ),
    corpus_queries: int | None = typer.Option(
        None, "--corpus-queries", help=f"Inverse-cloze pseudo-queries per passage [{D.corpus_queries}]."
    ),
    keep_sentence: float | None = typer.Option(
        None, "--keep-sentence", help=f"Probability a pseudo-query's passage keeps its sentence [{D.keep_sentence:g}]."
    ),
    seed: int | None = typer.Option(None, "--seed", help=f"Random seed [{D.seed}]."),
    keep_best: bool | None = typer.Option(
        None, "--keep-best/--keep-last", help="Keep the bi-encoder's order when the reranker does not beat it [best]."
    ),
) -> None:
    """Train a cross-encoder reranker on (query, positive) data with bi-encoder-mined negatives."""
    from embedlab.errors import OptionError, require_file
    from embedlab.rerank.recipe import load_rerank_recipe
    from embedlab.rerank.train import train_reranker
    from embedlab.utils.console import console, err_console

    with flags_named(FLAGS):
        overrides = option_values(ctx.params, skip=("data", "output", "recipe"))
        base = load_rerank_recipe(recipe, **overrides).validate()
        source = data if data is not None else base.data
        if source is None:
            raise OptionError("argument DATA", "no training data given (DATA or the recipe's `data` key)")
        target = output if output is not None else (Path(base.output) if recipe is not None else None)
        if target is None:
            raise OptionError("--output", "give the folder to write the reranker to (-o FOLDER)")
        require_file(source, "IR data")
        m = train_reranker(source, target, recipe=base, show_progress=True, console=err_console)
    b, a = m["before"], m["after"]
    verdict = "reranker saved to" if m["shipped"] == "reranker" else "no reranker shipped (base order kept) in"
    console.print(
        f"{verdict} {target} ({m['train_pairs']} pairs + {m['corpus_pairs']} from the corpus, {m['seconds']} s)\n"
        f"top-{m['eval_top_k']} of the bi-encoder on {m['eval_queries']} held-out queries: "
        f"NDCG@10 {b['ndcg@10']:.4f} -> {a['ndcg@10']:.4f}, MRR@10 {b['mrr@10']:.4f} -> {a['mrr@10']:.4f}",
        highlight=False,
    )


@rerank_app.command("score")
def score(
    model: str = typer.Argument(..., help="A trained cross-encoder: folder or hub id."),
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
