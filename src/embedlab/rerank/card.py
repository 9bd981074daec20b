"""The ``README.md`` of a reranker run: what it was trained on and how it compares with the bi-encoder's order.

Example:
    >>> print(reranker_card(recipe, metrics))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embedlab.rerank.recipe import RerankRecipe


def reranker_card(recipe: RerankRecipe, metrics: dict[str, Any]) -> str:
    """The card (Markdown) of a reranker run."""
    b, a = metrics["before"], metrics["after"]
    shipped = (
        "a cross-encoder reranker (load it with `CrossEncoder(folder)` or `embedlab rerank score`)"
        if metrics["shipped"] == "reranker"
        else "**no reranker**: the trained one did not beat the bi-encoder's own order on the held-out queries, so "
        "the base order is kept (search without a reranker)"
    )
    lines = [
        "---",
        "library_name: sentence-transformers",
        "tags: [cross-encoder, reranker, embedlab]",
        f"base_model: {recipe.model}",
        "---",
        "",
        f"# {Path(recipe.output).name}",
        "",
        f"This folder holds {shipped}.",
        "",
        f"- training data: `{recipe.data or '(in memory)'}`: {metrics['train_pairs']} labelled pairs + "
        f"{metrics['corpus_pairs']} corpus pseudo-queries, {metrics['train_examples']} examples with negatives "
        f"mined by `{metrics['bi_encoder']}`",
        f"- loss: {recipe.loss}, {recipe.epochs:g} epochs, batch {recipe.batch_size}, lr {recipe.learning_rate:g}, "
        f"max_length {recipe.max_length}, head {recipe.head}",
        f"- evaluation: {metrics['eval_queries']} held-out queries, the bi-encoder's top {metrics['eval_top_k']} "
        "reranked",
        "",
        "| metric | bi-encoder order | reranked |",
        "|---|---|---|",
        *(f"| {k} | {b[k]:.4f} | {a[k]:.4f} |" for k in b),
        "",
        f"Trained in {metrics['seconds']} s. `recipe.toml` repeats the run.",
    ]
    return "\n".join(lines) + "\n"
