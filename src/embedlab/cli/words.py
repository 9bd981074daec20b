"""``embedlab words ...``: train, query, evaluate and plot word embeddings (a thin layer over embedlab.words)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from embedlab.errors import OptionError

words_app = typer.Typer(
    help="Static word embeddings: preprocess, train word2vec/FastText, query, evaluate, plot.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``words`` command group to the main app."""
    app.add_typer(words_app, name="words")


def _echo_json(obj: object) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


# Preprocessing and corpus options shared by `train` and `preprocess`.
_STOPWORDS_HELP = "Stop words: auto (NLTK's if installed, else gensim's), gensim, sklearn, nltk, none, or a file."


def _preprocessor(stopwords, ascii_only, keep_digits, lowercase, strip_links, strip_special, sentences, min_len,
                  max_len):  # fmt: skip
    from embedlab.words import Preprocessor

    return Preprocessor(
        lowercase=lowercase,
        strip_links=strip_links,
        strip_special=strip_special,
        ascii_only=ascii_only,
        keep_digits=keep_digits,
        stopwords=stopwords,
        split_sentences=sentences,
        min_len=min_len,
        max_len=max_len,
    )


@words_app.command("train")
def train(
    corpus: list[str] = typer.Argument(..., help="Text files, folders, globs, .gz/.bz2, JSONL or Wikipedia dumps."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder (vectors.kv, .txt, .bin, vocab.tsv, run.json)."),
    algorithm: str = typer.Option("skipgram", "--algorithm", "-a", help="skipgram, cbow, fasttext, fasttext-cbow."),
    dim: int = typer.Option(100, "--dim", "-d", help="Vector size."),
    window: int = typer.Option(5, "--window", "-w", help="Context window."),
    min_count: int = typer.Option(5, "--min-count", help="Ignore words rarer than this."),
    epochs: int = typer.Option(5, "--epochs", "-e", help="Passes over the corpus."),
    negative: int = typer.Option(5, "--negative", help="Negative samples (0 with --hs)."),
    hs: bool = typer.Option(False, "--hs", help="Hierarchical softmax."),
    sample: float = typer.Option(1e-3, "--sample", help="Down-sampling threshold of frequent words."),
    alpha: float = typer.Option(0.025, "--alpha", help="Initial learning rate."),
    workers: int | None = typer.Option(None, "--workers", help="Threads [CPU cores]; 1 = bit-for-bit reproducible."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    max_vocab: int | None = typer.Option(None, "--max-vocab", help="Keep at most this many words."),
    min_n: int = typer.Option(3, "--min-n", help="FastText: shortest character n-gram."),
    max_n: int = typer.Option(6, "--max-n", help="FastText: longest character n-gram."),
    buckets: int = typer.Option(2_000_000, "--buckets", help="FastText: n-gram hash buckets."),
    export: str = typer.Option("text,binary", "--export", help="word2vec exports: text, binary, both, none."),
    save_model: bool = typer.Option(False, "--save-model", help="Also save the full gensim model."),
    text_field: str | None = typer.Option(None, "--text-field", help="JSONL field with the text (a.b for nested)."),
    fmt: str = typer.Option("auto", "--format", help="Corpus format: auto, text, jsonl, wiki."),
    limit: int | None = typer.Option(None, "--limit", help="Read at most this many documents."),
    stopwords: str = typer.Option("auto", "--stopwords", help=_STOPWORDS_HELP),
    ascii_only: bool = typer.Option(False, "--ascii-only", help="Keep only a-z (classic [^a-zA-Z ] cleaning)."),
    keep_digits: bool = typer.Option(False, "--keep-digits", help="Keep digits in tokens."),
    lowercase: bool = typer.Option(True, "--lowercase/--no-lowercase", help="Lowercase the text."),
    strip_links: bool = typer.Option(True, "--strip-links/--keep-links", help="Remove URLs, e-mails, HTML tags."),
    strip_special: bool = typer.Option(True, "--strip-special/--keep-special", help="Keep only letters."),
    sentences: bool = typer.Option(True, "--sentences/--no-sentences", help="Split documents into sentences."),
    min_len: int = typer.Option(1, "--min-len", help="Drop shorter tokens."),
    max_len: int = typer.Option(50, "--max-len", help="Drop longer tokens."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    as_json: bool = typer.Option(False, "--json", help="Print run.json instead of a table."),
) -> None:
    """Train word2vec (skip-gram, CBOW) or FastText vectors on a corpus; shows words/second while training."""
    from rich.table import Table

    from embedlab.utils.console import console
    from embedlab.words import Corpus, TrainOptions, train_vectors
    from embedlab.words.train import default_workers

    exports = {"both": ("text", "binary"), "none": ()}.get(export)
    if exports is None:
        exports = tuple(e.strip() for e in export.split(",") if e.strip())
    options = TrainOptions(
        algorithm=algorithm,  # type: ignore[arg-type]
        dim=dim,
        window=window,
        min_count=min_count,
        epochs=epochs,
        negative=negative,
        hs=hs,
        sample=sample,
        alpha=alpha,
        workers=workers if workers is not None else default_workers(),
        seed=seed,
        max_vocab=max_vocab,
        min_n=min_n,
        max_n=max_n,
        buckets=buckets,
        export=exports,  # type: ignore[arg-type]
        save_model=save_model,
    )
    options.validate()
    prep = _preprocessor(
        stopwords, ascii_only, keep_digits, lowercase, strip_links, strip_special, sentences, min_len, max_len
    )
    source = Corpus(corpus, format=fmt, text_field=text_field, limit=limit)  # type: ignore[arg-type]
    result = train_vectors(source, out, options, preprocessor=prep, progress=not quiet)
    if as_json:
        _echo_json(result.run)
        return
    table = Table(title=f"Trained {algorithm} vectors -> {out}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    s = result.stats
    table.add_row("documents / sentences", f"{s.documents:,} / {s.sentences:,}")
    table.add_row("tokens", f"{s.tokens:,}")
    table.add_row("vocabulary", f"{result.vocab_size:,} words (min count {min_count})")
    table.add_row("vectors", f"{dim} dimensions, {options.epochs} epochs, {options.workers} workers")
    table.add_row("stop words", prep.stopword_list)
    table.add_row("preprocess", f"{s.seconds:.1f} s")
    rate = result.run.get("words_per_second") or 0
    table.add_row("train", f"{result.train_seconds:.1f} s ({rate:,.0f} words/s)")
    table.add_row("files", ", ".join(sorted(p.name for p in Path(out).iterdir())))
    console.print(table)


@words_app.command("preprocess")
def preprocess(
    corpus: list[str] = typer.Argument(..., help="Text files, folders, globs, .gz/.bz2, JSONL or Wikipedia dumps."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Token file (one sentence per line) [stdout]."),
    text_field: str | None = typer.Option(None, "--text-field", help="JSONL field with the text (a.b for nested)."),
    fmt: str = typer.Option("auto", "--format", help="Corpus format: auto, text, jsonl, wiki."),
    limit: int | None = typer.Option(None, "--limit", help="Read at most this many documents."),
    stopwords: str = typer.Option("auto", "--stopwords", help=_STOPWORDS_HELP),
    ascii_only: bool = typer.Option(False, "--ascii-only", help="Keep only a-z (classic [^a-zA-Z ] cleaning)."),
    keep_digits: bool = typer.Option(False, "--keep-digits", help="Keep digits in tokens."),
    lowercase: bool = typer.Option(True, "--lowercase/--no-lowercase", help="Lowercase the text."),
    strip_links: bool = typer.Option(True, "--strip-links/--keep-links", help="Remove URLs, e-mails, HTML tags."),
    strip_special: bool = typer.Option(True, "--strip-special/--keep-special", help="Keep only letters."),
    sentences: bool = typer.Option(True, "--sentences/--no-sentences", help="Split documents into sentences."),
    min_len: int = typer.Option(1, "--min-len", help="Drop shorter tokens."),
    max_len: int = typer.Option(50, "--max-len", help="Drop longer tokens."),
) -> None:
    """Clean and tokenise a corpus into one sentence per line (gensim's LineSentence format)."""
    import sys

    from embedlab.utils.atomic import atomic_path
    from embedlab.utils.console import err_console
    from embedlab.words import Corpus
    from embedlab.words.train import write_token_file

    prep = _preprocessor(
        stopwords, ascii_only, keep_digits, lowercase, strip_links, strip_special, sentences, min_len, max_len
    )
    source = Corpus(corpus, format=fmt, text_field=text_field, limit=limit)  # type: ignore[arg-type]
    if out is None:
        for doc in source:
            for sent in prep.sentences(doc):
                sys.stdout.write(" ".join(sent) + "\n")
        return
    with atomic_path(out) as tmp:
        stats = write_token_file(source, prep, tmp)
    err_console.print(
        f"{out}: {stats.documents:,} documents, {stats.sentences:,} sentences, {stats.tokens:,} tokens "
        f"in {stats.seconds:.1f} s (stop words: {prep.stopword_list})"
    )


@words_app.command("similar")
def similar(
    model: str = typer.Argument(..., help="Word vectors: folder, .kv, word2vec/GloVe file, or glove-6B-50d."),
    word: str = typer.Argument(..., help="The query word."),
    topn: int = typer.Option(10, "--topn", "-n", help="How many neighbours."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Nearest neighbours of a word by cosine similarity."""
    from rich.table import Table

    from embedlab.utils.console import console
    from embedlab.words import similar as _similar

    result = _similar(model, word, topn=topn)
    if as_json:
        _echo_json({"word": word, "neighbors": [{"word": w, "similarity": s} for w, s in result]})
        return
    table = Table(title=f"Nearest to “{word}”")
    table.add_column("#", justify="right")
    table.add_column("word")
    table.add_column("similarity", justify="right")
    for i, (w, s) in enumerate(result, 1):
        table.add_row(str(i), w, f"{s:.4f}")
    console.print(table)


def _parse_analogy(tokens: list[str]) -> tuple[list[str], list[str]]:
    """``--positive A B --negative C`` or the expression form ``A - C + B``."""
    positive: list[str] = []
    negative: list[str] = []
    if any(t in ("--positive", "-p", "--negative", "-N") for t in tokens):
        target = None
        for t in tokens:
            if t in ("--positive", "-p"):
                target = positive
            elif t in ("--negative", "-N"):
                target = negative
            elif t.startswith("-") and len(t) > 1:
                raise OptionError(t, "no such option (see embedlab words analogy --help)")
            elif target is None:
                raise OptionError("--positive", f"word {t!r} comes before --positive/--negative")
            else:
                target.append(t)
        return positive, negative
    sign = +1
    for t in " ".join(tokens).replace("+", " + ").replace(" - ", " - ").split():
        if t == "+":
            sign = +1
        elif t == "-":
            sign = -1
        elif t.startswith("--"):
            raise OptionError(t, "no such option (see embedlab words analogy --help)")
        else:
            (positive if sign > 0 else negative).append(t)
            sign = +1
    return positive, negative


@words_app.command(
    "analogy",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": False},
)
def analogy(
    model: str = typer.Argument(..., help="Word vectors: folder, .kv, word2vec/GloVe file, or glove-6B-50d."),
    words: list[str] = typer.Argument(
        ..., metavar="--positive A B --negative C | A - C + B", help="Words to add and subtract."
    ),
    topn: int = typer.Option(5, "--topn", "-n", help="How many answers."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Vector arithmetic: words nearest to the sum of --positive minus --negative words.

    Example: embedlab words analogy glove-6B-50d --positive king woman --negative man
    (or: embedlab words analogy glove-6B-50d king - man + woman)
    """
    from rich.table import Table

    from embedlab.utils.console import console
    from embedlab.words import analogy as _analogy

    positive, negative = _parse_analogy(words)
    result = _analogy(model, positive, negative, topn=topn)
    if as_json:
        _echo_json(
            {"positive": positive, "negative": negative, "answers": [{"word": w, "similarity": s} for w, s in result]}
        )
        return
    expr = " + ".join(positive) + "".join(f" - {n}" for n in negative)
    table = Table(title=f"{expr} ≈")
    table.add_column("#", justify="right")
    table.add_column("word")
    table.add_column("similarity", justify="right")
    for i, (w, s) in enumerate(result, 1):
        table.add_row(str(i), w, f"{s:.4f}")
    console.print(table)


@words_app.command("vector")
def vector(
    model: str = typer.Argument(..., help="Word vectors: folder, .kv, word2vec/GloVe file, or glove-6B-50d."),
    word: str = typer.Argument(..., help="The word."),
    norm: bool = typer.Option(False, "--norm", help="Unit-length vector."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print a word's vector (space-separated, or JSON)."""
    from embedlab.words import vector as _vector

    vec = _vector(model, word, norm=norm)
    if as_json:
        _echo_json({"word": word, "dim": int(vec.shape[0]), "vector": [float(x) for x in vec]})
    else:
        typer.echo(" ".join(f"{float(x):.6g}" for x in vec))


@words_app.command("eval")
def eval_command(
    model: str = typer.Argument(..., help="Word vectors: folder, .kv, word2vec/GloVe file, or glove-6B-50d."),
    analogies: list[str] = typer.Option(
        None, "--analogies", help="Analogy files (': section' + 4 words a line) [questions-words.txt]."
    ),
    pairs: list[str] = typer.Option(
        None, "--pairs", help="Word-pair files (word1<TAB>word2<TAB>score) [wordsim353.tsv, simlex999.txt]."
    ),
    restrict_vocab: int = typer.Option(300000, "--restrict-vocab", help="Only the N most frequent words count."),
    case_sensitive: bool = typer.Option(False, "--case-sensitive", help="Compare words as written (not case-folded)."),
    dummy4unknown: bool = typer.Option(False, "--dummy4unknown", help="Score OOV questions as wrong, not skipped."),
    lenient: bool = typer.Option(False, "--lenient", help="Skip malformed lines (as gensim) instead of failing."),
    sections: bool = typer.Option(True, "--sections/--no-sections", help="Show per-section analogy accuracy."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Also write the JSON report to this file."),
) -> None:
    """Analogy accuracy (per section, with OOV rates) and Spearman on word-similarity sets, equal to gensim's."""
    from rich.table import Table

    from embedlab.utils.atomic import atomic_write_json
    from embedlab.utils.console import console
    from embedlab.words import evaluate_vectors
    from embedlab.words.evaluate import DEFAULT_ANALOGIES, DEFAULT_PAIRS

    report = evaluate_vectors(
        model,
        analogies=analogies or (DEFAULT_ANALOGIES,),
        pairs=pairs or DEFAULT_PAIRS,
        restrict_vocab=restrict_vocab,
        case_insensitive=not case_sensitive,
        dummy4unknown=dummy4unknown,
        strict=not lenient,
    )
    data = report.to_dict()
    if out is not None:
        atomic_write_json(out, data)
    if as_json:
        _echo_json(data)
        return
    for result in report.analogies:
        table = Table(title=f"Analogies: {Path(result.path).name} ({model}, {result.seconds:.1f} s)")
        table.add_column("section")
        table.add_column("accuracy", justify="right")
        table.add_column("correct / evaluated", justify="right")
        table.add_column("OOV", justify="right")
        if sections:
            for s in result.sections:
                table.add_row(s.name, f"{s.accuracy:.1%}", f"{len(s.correct)} / {s.evaluated}", f"{s.oov_rate:.1%}")
            table.add_section()
        total = result.total
        table.add_row(
            "[bold]total",
            f"[bold]{total.accuracy:.1%}",
            f"{len(total.correct)} / {total.evaluated}",
            f"{total.oov_rate:.1%}",
        )
        console.print(table)
    table = Table(title=f"Word similarity ({model})")
    table.add_column("file")
    table.add_column("Spearman", justify="right")
    table.add_column("Pearson", justify="right")
    table.add_column("pairs", justify="right")
    table.add_column("OOV", justify="right")
    for p in report.pairs:
        table.add_row(p.name, f"{p.spearman:.4f}", f"{p.pearson:.4f}", str(p.pairs), f"{p.oov_rate:.1%}")
    console.print(table)


@words_app.command("plot")
def plot(
    model: str = typer.Argument(..., help="Word vectors: folder, .kv, word2vec/GloVe file, or glove-6B-50d."),
    word: str = typer.Argument(..., help="The target word."),
    neighbors: int = typer.Option(100, "--neighbors", "-k", help="How many nearest neighbours."),
    method: str = typer.Option("tsne", "--method", "-m", help="Projection: tsne, pca, umap."),
    out: list[Path] = typer.Option(..., "-o", "--out", help="Output file(s): .html (interactive) and/or .png."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the projection."),
) -> None:
    """2-D map of a word and its nearest neighbours (target centred, coloured and sized by similarity)."""
    from embedlab.utils.console import console
    from embedlab.words import plot_neighbors

    for path, renderer in plot_neighbors(model, word, neighbors=neighbors, method=method, out=out, seed=seed):  # type: ignore[arg-type]
        note = " (kaleido could not start Chrome; drawn with matplotlib)" if renderer == "matplotlib" else ""
        console.print(f"wrote {path}{note}")
