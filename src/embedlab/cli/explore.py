"""CLI for embedlab.explore: ``embedlab explore heatmap|contextual|pooling|neighbors|map|batch-similarity``."""

from __future__ import annotations

from pathlib import Path

import typer

explore_app = typer.Typer(
    help="Look inside embeddings: heatmaps, contextual vectors, pooling, neighbours, maps, batch similarity.",
    no_args_is_help=True,
)

_OUT = "Output path without suffix: writes .html (opens offline) and .png."


def _texts(path: Path, column: str = "text") -> list[str]:
    from embedlab.data import load_texts

    return load_texts(path, text_column=column)


def _written(paths: dict[str, str]) -> None:
    from embedlab.utils.console import err_console

    for kind, path in paths.items():
        err_console.print(f"{kind} written to {path}", highlight=False)


@explore_app.command("heatmap")
def heatmap_command(
    model: str = typer.Argument(..., help="Model: folder, alias, hub id, or word vectors (averaged)."),
    sentences: Path = typer.Option(..., "--sentences", "-s", help="Text file, one sentence per line (or CSV/JSONL)."),
    output: Path = typer.Option(Path("explore-output/heatmap"), "--output", "-o", help=_OUT),
    png: bool = typer.Option(True, "--png/--no-png"),
) -> None:
    """Cosine-similarity heatmap of a list of sentences."""
    from rich.table import Table

    from embedlab.explore import similarity_heatmap
    from embedlab.explore.output import save_plot, short
    from embedlab.utils.console import console

    texts = _texts(sentences)
    sims, fig = similarity_heatmap(model, texts)
    table = Table(title=f"cosine similarity ({model})")
    table.add_column("")
    for i in range(len(texts)):
        table.add_column(str(i + 1), justify="right")
    for i, t in enumerate(texts):
        table.add_row(f"{i + 1}. {short(t, 40)}", *[f"{v:.2f}" for v in sims[i]])
    console.print(table)
    _written(save_plot(fig, output, png=png, fallback=_heatmap_fallback([sims], texts, [model])))


def _heatmap_fallback(mats, labels, titles, xlabels=None):
    from embedlab.explore.output import matplotlib_heatmaps

    return lambda path: matplotlib_heatmaps(mats, xlabels or labels, labels, titles, path)


@explore_app.command("contextual")
def contextual_command(
    model: str = typer.Argument(..., help="A transformer or sentence-transformers model."),
    word: str = typer.Option(..., "--word", "-w", help="The word to follow."),
    sentences: list[str] = typer.Option(
        ..., "--sentences", "-s", help="Sentences containing the word: --sentences A B C (or -s A -s B)."
    ),
    more: list[str] | None = typer.Argument(None, metavar="[SENTENCE]...", help="More sentences, after MODEL."),
    static: str = typer.Option("glove-6B-50d", "--static", help="Static word vectors to compare with ('' for none)."),
) -> None:
    """A word's contextual vectors across sentences against a static vector's self-similarity of 1.0."""
    from rich.table import Table

    from embedlab.explore import contextual_similarity
    from embedlab.explore.output import short
    from embedlab.utils.console import console

    # `--sentences A B` gives A to the option and B to the positional arguments: both are sentences.
    res = contextual_similarity(model, word, [*sentences, *(more or [])], static=static or None)
    table = Table(title=f"'{word}': cosine of its contextual vectors ({model})")
    table.add_column("sentence")
    for i in range(len(res.sentences)):
        table.add_column(str(i + 1), justify="right")
    for i, s in enumerate(res.sentences):
        table.add_row(f"{i + 1}. {short(s, 50)}", *[f"{v:.3f}" for v in res.matrix[i]])
    console.print(table)
    if res.static_similarity is not None:
        console.print(
            f"static vectors ({res.static_model}): '{word}' has one vector, similarity across sentences "
            f"{res.static_similarity:.3f}"
        )


@explore_app.command("pooling")
def pooling_command(
    model: str = typer.Argument(..., help="The sentence-trained model."),
    sts: Path = typer.Option(..., "--sts", help="STS file (STS Benchmark, SICK, CSV/JSONL with a score)."),
    raw: str | None = typer.Option(None, "--raw", help="The raw transformer (default: the model's own network)."),
    limit: int | None = typer.Option(None, "--limit", min=2, help="Score only the first N pairs."),
) -> None:
    """STS correlation of CLS and mean pooling of a raw transformer against the sentence-trained model."""
    from rich.table import Table

    from embedlab.explore import pooling_comparison
    from embedlab.utils.console import console

    res = pooling_comparison(model, sts, raw=raw, limit=limit)
    table = Table(title=f"STS ({sts.name}, {res.pairs} pairs): cosine correlation with gold")
    table.add_column("sentence vectors")
    table.add_column("Spearman", justify="right")
    table.add_column("Pearson", justify="right")
    best = max(r[1] for r in res.rows)
    for name, sp, pe in res.rows:
        mark = " ★" if sp == best else ""
        table.add_row(name, f"{sp:.4f}{mark}", f"{pe:.4f}")
    console.print(table)
    if res.same_weights:
        console.print(
            "[dim]The raw rows pool the model's own network naively; pass --raw with a checkpoint that was not "
            "trained on sentence pairs (e.g. bert-base-uncased) to see the full gap.[/dim]"
        )


@explore_app.command("neighbors")
def neighbors_command(
    model: str = typer.Argument(..., help="Model: folder, alias, hub id, or word vectors."),
    query: str = typer.Argument(..., help="The query text."),
    corpus: Path = typer.Option(..., "--corpus", "-c", help="Text file (one text per line) or CSV/JSONL."),
    column: str = typer.Option("text", "--column", help="Text column of a CSV/JSONL corpus."),
    k: int = typer.Option(10, "-k", "--top-k", "--top", min=1, help="How many neighbours."),
) -> None:
    """The corpus texts nearest to a query, with cosine scores."""
    from rich.table import Table

    from embedlab.explore import nearest_neighbors
    from embedlab.explore.output import short
    from embedlab.utils.console import console

    hits = nearest_neighbors(model, _texts(corpus, column), query, k=k)
    table = Table(title=f"nearest to {query!r} ({model})")
    table.add_column("#", justify="right")
    table.add_column("cosine", justify="right")
    table.add_column("text")
    for i, (score, text) in enumerate(hits, 1):
        table.add_row(str(i), f"{score:.4f}", short(text, 100))
    console.print(table)


@explore_app.command("map")
def map_command(
    model: str = typer.Argument(..., help="Model: folder, alias, hub id, or word vectors."),
    texts: Path = typer.Option(..., "--texts", help="Text file or CSV/JSONL."),
    column: str = typer.Option("text", "--column", help="Text column of a CSV/JSONL."),
    labels: str | None = typer.Option(None, "--labels", help="Label column to colour by (CSV/JSONL)."),
    method: str = typer.Option("umap", "--method", help="umap, tsne or pca."),
    limit: int | None = typer.Option(None, "--limit", min=4, help="Map only the first N texts."),
    output: Path = typer.Option(Path("explore-output/map"), "--output", "-o", help=_OUT),
    png: bool = typer.Option(True, "--png/--no-png"),
) -> None:
    """A 2-D map (UMAP, t-SNE or PCA) of texts, coloured by label."""
    from embedlab.errors import OptionError
    from embedlab.explore import text_map
    from embedlab.explore.output import save_plot

    if method not in ("umap", "tsne", "pca"):
        raise OptionError("--method", f"{method!r} is not one of umap, tsne, pca")
    if labels:
        from embedlab.data import load_labeled_texts

        xs, ys = load_labeled_texts(texts, text_column=column, label_column=labels)
    else:
        xs, ys = _texts(texts, column), None
    if limit:
        xs, ys = xs[:limit], (ys[:limit] if ys else None)
    coords, fig = text_map(model, xs, ys, method=method)  # type: ignore[arg-type]

    def fallback(path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from embedlab.utils.atomic import atomic_path

        f, ax = plt.subplots(figsize=(8, 6), dpi=100)
        groups = sorted(set(ys)) if ys else [None]
        for g in groups:
            idx = [i for i in range(len(xs)) if ys is None or ys[i] == g]
            ax.scatter(coords[idx, 0], coords[idx, 1], s=8, label=g)
        if ys and len(groups) <= 20:
            ax.legend(fontsize=6)
        ax.set_title(f"{model}: {method.upper()} map")
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            f.savefig(fh, format="png")
        plt.close(f)

    _written(save_plot(fig, output, png=png, fallback=fallback))


@explore_app.command("batch-similarity")
def batch_similarity_command(
    models: list[str] = typer.Argument(
        ..., metavar="MODEL", help="One or more models, e.g. the base model and the fine-tuned one."
    ),
    pairs: Path = typer.Option(..., "--pairs", help="(question, answer) pairs: CSV/JSONL or IR JSON."),
    batch_size: int = typer.Option(16, "--batch-size", min=2, help="Pairs in the batch."),
    scale: float = typer.Option(20.0, "--scale", help="Similarity scale before the softmax (MNRL uses 20)."),
    output: Path = typer.Option(Path("explore-output/batch-similarity"), "--output", "-o", help=_OUT),
    png: bool = typer.Option(True, "--png/--no-png"),
) -> None:
    """A batch's question x answer similarity matrix, softmax per row, one panel per model (before vs after)."""
    from rich.table import Table

    from embedlab.explore import batch_figure, batch_similarity
    from embedlab.explore.output import save_plot
    from embedlab.utils.console import console

    results, questions, answers = batch_similarity(list(models), pairs, batch_size=batch_size, scale=scale)
    table = Table(title=f"in-batch retrieval, {len(questions)} pairs")
    table.add_column("model")
    table.add_column("accuracy (own answer ranked first)", justify="right")
    table.add_column("mean p(own answer)", justify="right")
    for r in results:
        table.add_row(r.model, f"{r.accuracy:.3f}", f"{r.diagonal_prob:.3f}")
    console.print(table)
    fig = batch_figure(results, questions, answers)
    fallback = _heatmap_fallback(
        [r.probs for r in results], [f"Q{i + 1}" for i in range(len(questions))], [r.model for r in results],
        [f"A{i + 1}" for i in range(len(answers))],
    )  # fmt: skip
    _written(save_plot(fig, output, png=png, fallback=fallback))


def register(app: typer.Typer) -> None:
    """Add the ``explore`` sub-app to the main app."""
    app.add_typer(explore_app, name="explore")
