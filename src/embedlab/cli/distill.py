"""CLI for embedlab.models.backends' static models: ``embedlab distill MODEL -o DIR``."""

from __future__ import annotations

from pathlib import Path

import typer


def distill_command(
    model: str = typer.Argument(..., help="The teacher: a folder, an alias (all-MiniLM-L6-v2), a hub id."),
    output: Path = typer.Option(..., "--output", "-o", help="The folder to write (an earlier one is replaced)."),
    pca_dims: int = typer.Option(256, "--pca-dims", help="Width of the static vectors (PCA of the teacher's)."),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="Your own texts (one per line, or a table with a text column) to refine the model on."
    ),
) -> None:
    """Distil a transformer into a static embedding model (model2vec), refined on your corpus with --corpus.

    The folder is a sentence-transformers model (StaticEmbedding): `eval`, `index build`, `serve` and `train`
    take it like any model, and it embeds hundreds of times faster than its teacher.

    Example: `embedlab distill all-MiniLM-L6-v2 -o minilm-static --pca-dims 256 --corpus my_texts.txt`
    """
    from embedlab.models.backends.static import distill_static
    from embedlab.utils.console import console, err_console

    report = distill_static(
        model, output, pca_dims=pca_dims, corpus=corpus, progress=lambda m: err_console.print(f"[dim]{m}[/dim]")
    )
    refined = f", refined on {report.corpus_texts} texts" if report.corpus_texts else ""
    console.print(
        f"wrote {output}: {report.vocabulary:,} tokens x {report.dim} dimensions{refined} ({report.seconds:.0f} s)"
    )


def register(app: typer.Typer) -> None:
    """Add ``embedlab distill`` to the main app."""
    app.command("distill")(distill_command)
