"""``embedlab words ...``: train, query, evaluate and plot word embeddings (a thin layer over embedlab.words)."""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, fields
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from embedlab.cli.options import choices, option, option_group
from embedlab.errors import EmbedlabError, OptionError, ParameterError
from embedlab.utils.pickle_guard import TRUST_PICKLE_HELP
from embedlab.words.corpus import SourceFormat
from embedlab.words.options import (
    ANALOGY_TOPN,
    DEFAULT_METHOD,
    METHODS,
    PLOT_NEIGHBORS,
    RESTRICT_VOCAB,
    SIMILAR_TOPN,
    Algorithm,
    TrainOptions,
)
from embedlab.words.preprocess import Preprocessor

words_app = typer.Typer(
    help="Static word embeddings: preprocess, train word2vec/FastText, query, evaluate, plot.",
    no_args_is_help=True,
)

# Choices as Enums that Typer validates and lists in the help; the values come from the library, once.
CorpusFormat = choices("CorpusFormat", SourceFormat)
Projection = choices("Projection", METHODS)


class Export(str, Enum):
    """word2vec files written beside vectors.npy."""

    both = "both"
    text = "text"
    binary = "binary"
    none = "none"


_EXPORTS = {Export.both: ("text", "binary"), Export.text: ("text",), Export.binary: ("binary",), Export.none: ()}


def _default(cls: type, name: str) -> Any:
    """A dataclass field's default: the CLI shows and uses the library's defaults, stated once there."""
    f = next(f for f in fields(cls) if f.name == name)
    return f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]


def _t(name: str) -> Any:
    return _default(TrainOptions, name)


def _p(name: str) -> Any:
    return _default(Preprocessor, name)


def register(app: typer.Typer) -> None:
    """Add the ``words`` command group to the main app."""
    app.add_typer(words_app, name="words")


def _echo_json(obj: object) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


# Preprocessing and corpus options shared by `train` and `preprocess`.
_STOPWORDS_HELP = "Stop words: auto (NLTK's if installed, else gensim's), gensim, sklearn, nltk, none, or a file."
_MODEL_HELP = "Word vectors: folder, word2vec/GloVe file, or glove-6B-50d."
# The argument and flags of the query commands (similar, analogy, vector, eval, plot), declared once.
VectorsArg = Annotated[str, typer.Argument(help=_MODEL_HELP)]
TrustPickle = Annotated[bool, typer.Option("--trust-pickle", help=TRUST_PICKLE_HELP)]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_CORPUS_HELP = "Text files, folders, globs, .gz/.bz2, JSONL or Wikipedia dumps."


@dataclass
class Reading:
    """How ``words train`` and ``words preprocess`` read a corpus: their shared options, declared once below.

    Attributes:
        fmt: the corpus format (``auto`` detects each file's).
        text_field: the JSONL field with the text.
        limit: read at most this many documents.
        preprocess: :class:`~embedlab.words.preprocess.Preprocessor` settings by field name.
    """

    fmt: str
    text_field: str | None
    limit: int | None
    preprocess: dict[str, Any]

    def corpus(self, sources: list[str]) -> Any:
        """The :class:`~embedlab.words.Corpus` of ``sources`` read this way."""
        from embedlab.words import Corpus

        return Corpus(sources, format=self.fmt, text_field=self.text_field, limit=self.limit)  # type: ignore[arg-type]


def _reading(text_field: str | None, fmt: Enum, limit: int | None, **preprocess: Any) -> Reading:
    return Reading(str(fmt.value), text_field, limit, preprocess)


# The Python names of the preprocessing options are the Preprocessor's fields (the flags may differ: --sentences).
reading_options = option_group(
    "reading",
    [
        option("text_field", str | None, None, "--text-field", help="JSONL field with the text (a.b for nested)."),
        option("fmt", CorpusFormat, "auto", "--format", help="Corpus format."),
        option("limit", int | None, None, "--limit", help="Read at most this many documents."),
        option("stopwords", str, _p("stopwords"), "--stopwords", help=_STOPWORDS_HELP),
        option("ascii_only", bool, _p("ascii_only"), "--ascii-only", help="Keep only a-z (classic [^a-zA-Z ])."),
        option("keep_digits", bool, _p("keep_digits"), "--keep-digits", help="Keep digits in tokens."),
        option("lowercase", bool, _p("lowercase"), "--lowercase/--no-lowercase", help="Lowercase the text."),
        option("strip_links", bool, _p("strip_links"), "--strip-links/--keep-links", help="Remove URLs, HTML."),
        option("strip_special", bool, _p("strip_special"), "--strip-special/--keep-special", help="Only letters."),
        option("split_sentences", bool, _p("split_sentences"), "--sentences/--no-sentences", help="Split sentences."),
        option("min_len", int, _p("min_len"), "--min-len", help="Drop shorter tokens."),
        option("max_len", int, _p("max_len"), "--max-len", help="Drop longer tokens."),
    ],
    _reading,
)


@words_app.command("train")
@reading_options
def train(
    ctx: typer.Context,
    corpus: list[str] = typer.Argument(
        None, metavar="CORPUS...", help=_CORPUS_HELP + " Not needed with --recipe.", show_default=False
    ),
    out: Path = typer.Option(..., "-o", "--output", help="Output folder: new, empty, or an earlier words run."),
    recipe: Path | None = typer.Option(None, "--recipe", help="Repeat a run: its recipe.toml (flags given override)."),
    algorithm: Algorithm = typer.Option(_t("algorithm"), "--algorithm", "-a", help="Training algorithm."),
    dim: int = typer.Option(_t("dim"), "--dim", "-d", help="Vector size."),
    window: int = typer.Option(_t("window"), "--window", "-w", help="Context window."),
    min_count: int = typer.Option(_t("min_count"), "--min-count", help="Ignore words rarer than this."),
    epochs: int = typer.Option(_t("epochs"), "--epochs", "-e", help="Passes over the corpus."),
    negative: int = typer.Option(_t("negative"), "--negative", help="Negative samples (0 with --hs)."),
    hs: bool = typer.Option(_t("hs"), "--hs", help="Hierarchical softmax."),
    sample: float = typer.Option(_t("sample"), "--sample", help="Down-sampling threshold of frequent words."),
    alpha: float = typer.Option(_t("alpha"), "--alpha", help="Initial learning rate."),
    workers: int | None = typer.Option(
        None, "--workers", help="Threads [CPU cores, at most 8]; 1 = bit-for-bit reproducible.", show_default=False
    ),
    seed: int = typer.Option(_t("seed"), "--seed", help="Random seed."),
    max_vocab: int | None = typer.Option(None, "--max-vocab", help="Keep at most this many words."),
    min_n: int = typer.Option(_t("min_n"), "--min-n", help="FastText: shortest character n-gram."),
    max_n: int = typer.Option(_t("max_n"), "--max-n", help="FastText: longest character n-gram."),
    buckets: int = typer.Option(_t("buckets"), "--buckets", help="FastText: n-gram hash buckets."),
    export: Export = typer.Option(Export.both, "--export", help="word2vec files beside vectors.npy."),
    save_model: bool = typer.Option(_t("save_model"), "--save-model", help="Also save the gensim model (a pickle)."),
    reading: Reading = None,  # type: ignore[assignment]  # the corpus and preprocessing flags, from reading_options
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    as_json: bool = typer.Option(False, "--json", help="Print run.json instead of a table."),
) -> None:
    """Train word2vec (skip-gram, CBOW) or FastText vectors on a corpus; shows words/second while training.

    The output folder gets vectors.npy + vocab.tsv (no pickles), vectors.txt/.bin (word2vec), recipe.toml,
    metrics.json, README.md and run.json. An existing folder that is not an earlier words run is refused.
    """
    from embedlab.words import Corpus, train_vectors
    from embedlab.words.recipe import WordsRecipe

    given = {k for k in ctx.params if getattr(ctx.get_parameter_source(k), "name", "") == "COMMANDLINE"}
    options = TrainOptions(
        algorithm=algorithm, dim=dim, window=window, min_count=min_count, epochs=epochs, negative=negative, hs=hs,
        sample=sample, alpha=alpha, workers=workers if workers is not None else _t("workers"), seed=seed,
        max_vocab=max_vocab, min_n=min_n, max_n=max_n, buckets=buckets, export=_EXPORTS[export],
        save_model=save_model,
    )  # fmt: skip
    if recipe is not None:
        base = WordsRecipe.load(recipe)
        _override(base, options, given)
        source = Corpus(
            corpus or base.corpus,
            format=reading.fmt if "fmt" in given else base.corpus_format,  # type: ignore[arg-type]
            text_field=reading.text_field if "text_field" in given else base.text_field,
            limit=reading.limit if "limit" in given else base.limit,
        )
        prep = Preprocessor(**(base.preprocess | {k: v for k, v in reading.preprocess.items() if k in given}))
        options = base.train
    else:
        if not corpus:
            raise EmbedlabError("argument CORPUS: give the corpus files (or --recipe)")
        options.validate()
        prep = Preprocessor(**reading.preprocess)
        source = reading.corpus(corpus)
    result = train_vectors(source, out, options, preprocessor=prep, progress=not quiet)
    if as_json:
        _echo_json(result.run)
    else:
        _print_run(result, out, options, prep)


def _override(base, options: TrainOptions, given: set[str]) -> None:
    """Flags typed on the command line win over the recipe's values."""
    for f in fields(TrainOptions):
        if f.name in given:
            setattr(base.train, f.name, getattr(options, f.name))
    base.train.validate()


def _print_run(result, out: Path, options: TrainOptions, prep: Preprocessor) -> None:
    from rich.table import Table

    from embedlab.utils.console import console

    table = Table(title=f"Trained {options.algorithm} vectors -> {out}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    s = result.stats
    table.add_row("documents / sentences", f"{s.documents:,} / {s.sentences:,}")
    table.add_row("tokens", f"{s.tokens:,}")
    table.add_row("vocabulary", f"{result.vocab_size:,} words (min count {options.min_count})")
    table.add_row("vectors", f"{options.dim} dimensions, {options.epochs} epochs, {options.workers} workers")
    table.add_row("stop words", prep.stopword_list)
    table.add_row("preprocess", f"{s.seconds:.1f} s")
    rate = result.run.get("words_per_second") or 0
    table.add_row("train", f"{result.train_seconds:.1f} s ({rate:,.0f} words/s)")
    table.add_row("files", ", ".join(sorted(p.name for p in Path(out).iterdir() if not p.name.startswith("."))))
    console.print(table)


@words_app.command("preprocess")
@reading_options
def preprocess(
    corpus: list[str] = typer.Argument(..., metavar="CORPUS...", help=_CORPUS_HELP),
    out: Path | None = typer.Option(None, "-o", "--output", help="Token file, one sentence a line [stdout]."),
    reading: Reading = None,  # type: ignore[assignment]  # the corpus and preprocessing flags, from reading_options
) -> None:
    """Clean and tokenise a corpus into one sentence per line (gensim's LineSentence format)."""
    import sys

    from embedlab.utils.atomic import OutputPathError, atomic_path
    from embedlab.utils.console import err_console
    from embedlab.words.train import write_token_file

    prep = Preprocessor(**reading.preprocess)
    source = reading.corpus(corpus)
    if out is None:
        for doc in source:
            for sent in prep.sentences(doc):
                sys.stdout.write(" ".join(sent) + "\n")
        return
    if out.resolve() in {Path(f).resolve() for f in source.files}:
        # The token file would replace the corpus it is made from.
        raise OutputPathError(out, "is one of the corpus files; choose another output file (nothing was changed)")
    with atomic_path(out) as tmp:
        stats = write_token_file(source, prep, tmp)
    err_console.print(
        f"{out}: {stats.documents:,} documents, {stats.sentences:,} sentences, {stats.tokens:,} tokens "
        f"in {stats.seconds:.1f} s (stop words: {prep.stopword_list})"
    )


@words_app.command("similar")
def similar(
    model: VectorsArg,
    word: str = typer.Argument(..., help="The query word."),
    topn: int = typer.Option(SIMILAR_TOPN, "-k", "--top-k", "--topn", help="How many neighbours."),
    as_json: AsJson = False,
    trust_pickle: TrustPickle = False,
) -> None:
    """Nearest neighbours of a word by cosine similarity."""

    from embedlab.words import similar as _similar

    result = _similar(model, word, topn=topn, trust_pickle=trust_pickle)
    if as_json:
        _echo_json({"word": word, "neighbors": [{"word": w, "similarity": s} for w, s in result]})
        return
    _print_words(f"Nearest to “{word}”", result)


def _print_words(title: str, result: list[tuple[str, float]]) -> None:
    """A ranked table of words and their cosine similarity (neighbours, analogy answers)."""
    from rich.table import Table

    from embedlab.utils.console import console

    table = Table(title=title)
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
    return _parse_expression(tokens)


_EXPRESSION = "argument WORDS"


def _parse_expression(tokens: list[str]) -> tuple[list[str], list[str]]:
    """``A - C + B``: each operator is followed by one word; a word with no operator before it is added."""
    positive: list[str] = []
    negative: list[str] = []
    pending: str | None = None  # the operator waiting for its word
    for t in " ".join(tokens).replace("+", " + ").replace(" - ", " - ").split():
        if t in ("+", "-"):
            if pending is not None:
                raise EmbedlabError(
                    f"{_EXPRESSION}: expected a word after {pending!r}, got {t!r} (e.g. king - man + woman)"
                )
            pending = t
        elif t.startswith("--"):
            raise OptionError(t, "no such option (see embedlab words analogy --help)")
        else:
            (negative if pending == "-" else positive).append(t)
            pending = None
    if pending is not None:
        raise EmbedlabError(f"{_EXPRESSION}: expected a word after the last {pending!r} (e.g. king - man + woman)")
    if not positive:
        raise EmbedlabError(f"{_EXPRESSION}: give at least one word to add (e.g. king - man + woman)")
    return positive, negative


@words_app.command(
    "analogy",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": False},
)
def analogy(
    model: VectorsArg,
    words: list[str] = typer.Argument(
        ..., metavar="--positive A B --negative C | A - C + B", help="Words to add and subtract."
    ),
    topn: int = typer.Option(ANALOGY_TOPN, "-k", "--top-k", "--topn", help="How many answers."),
    as_json: AsJson = False,
    trust_pickle: TrustPickle = False,
) -> None:
    """Vector arithmetic: words nearest to the sum of --positive minus --negative words.

    Example: embedlab words analogy glove-6B-50d --positive king woman --negative man
    (or: embedlab words analogy glove-6B-50d king - man + woman)
    """

    from embedlab.words import analogy as _analogy

    positive, negative = _parse_analogy(words)
    result = _analogy(model, positive, negative, topn=topn, trust_pickle=trust_pickle)
    if as_json:
        _echo_json(
            {"positive": positive, "negative": negative, "answers": [{"word": w, "similarity": s} for w, s in result]}
        )
        return
    expr = " + ".join(positive) + "".join(f" - {n}" for n in negative)
    _print_words(f"{expr} ≈", result)


@words_app.command("vector")
def vector(
    model: VectorsArg,
    word: str = typer.Argument(..., help="The word."),
    norm: bool = typer.Option(False, "--norm", help="Unit-length vector."),
    as_json: AsJson = False,
    trust_pickle: TrustPickle = False,
) -> None:
    """Print a word's vector (space-separated, or JSON)."""
    from embedlab.words import vector as _vector

    vec = _vector(model, word, norm=norm, trust_pickle=trust_pickle)
    if as_json:
        _echo_json({"word": word, "dim": int(vec.shape[0]), "vector": [float(x) for x in vec]})
    else:
        typer.echo(" ".join(f"{float(x):.6g}" for x in vec))


@words_app.command("eval")
def eval_command(
    model: VectorsArg,
    analogies: list[str] = typer.Option(
        None, "--analogies", help="Analogy files (': section' + 4 words a line) [questions-words.txt]."
    ),
    pairs: list[str] = typer.Option(
        None, "--pairs", help="Word-pair files (word1<TAB>word2<TAB>score) [wordsim353.tsv, simlex999.txt]."
    ),
    restrict_vocab: int = typer.Option(
        RESTRICT_VOCAB, "--restrict-vocab", help="Only the N most frequent words count."
    ),
    case_sensitive: bool = typer.Option(False, "--case-sensitive", help="Compare words as written (not case-folded)."),
    dummy4unknown: bool = typer.Option(False, "--dummy4unknown", help="Score OOV questions as wrong, not skipped."),
    lenient: bool = typer.Option(False, "--lenient", help="Skip malformed lines (as gensim) instead of failing."),
    sections: bool = typer.Option(True, "--sections/--no-sections", help="Show per-section analogy accuracy."),
    as_json: AsJson = False,
    out: Path | None = typer.Option(None, "-o", "--output", help="Also write the JSON report to this file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    trust_pickle: TrustPickle = False,
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
        trust_pickle=trust_pickle,
        progress=not quiet,
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
    model: VectorsArg,
    word: str = typer.Argument(..., help="The target word."),
    neighbors: int = typer.Option(PLOT_NEIGHBORS, "--neighbors", help="How many nearest neighbours."),
    method: Projection = typer.Option(DEFAULT_METHOD, "--method", help="Projection to 2-D."),  # type: ignore[valid-type]
    out: list[Path] = typer.Option(..., "-o", "--output", help="Output file(s): .html (interactive) and/or .png."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the projection."),
    trust_pickle: TrustPickle = False,
) -> None:
    """2-D map of a word and its nearest neighbours (target centred, coloured and sized by similarity)."""
    from embedlab.utils.console import console
    from embedlab.words import plot_neighbors

    try:
        written = plot_neighbors(
            model, word, neighbors=neighbors, method=method.value, out=out, seed=seed, trust_pickle=trust_pickle
        )
    except ParameterError as exc:
        if exc.param == "out":  # the library's `out` is this command's --output
            raise OptionError("--output", exc.detail) from exc
        raise
    for path, renderer in written:
        note = " (kaleido could not start Chrome; drawn with matplotlib)" if renderer == "matplotlib" else ""
        console.print(f"wrote {path}{note}")
