"""Training word vectors: gensim's Word2Vec (skip-gram, CBOW) and FastText on a streamed, preprocessed corpus.

Word2vec learns one vector per word by predicting words from their neighbours within a ``window`` (CBOW) or the
neighbours from the word (skip-gram), with ``negative`` sampled wrong words per example. FastText does the same with
character n-grams, so it also has vectors for words it never saw.

How embedlab runs it: the corpus is read and preprocessed *once*, streamed into a plain token file (one sentence per
line) inside the output's temporary folder, and gensim then trains from that file in its ``corpus_file`` mode, where
every worker thread reads its own share of the file in C without the Python GIL. Preprocessing therefore costs one
pass instead of one per epoch, and training scales with ``workers`` better than from a Python iterator.
With ``workers=1`` and a fixed ``seed`` the vectors are bit-for-bit reproducible.

The output folder has the shape of a sentence-model run: the vectors in embedlab's own format, which holds no code
(``vectors.npy``, ``vocab.tsv`` with word and count, ``vectors.json``, and ``ngrams.npy`` for FastText; memory-mapped
on load), ``vectors.txt`` and ``vectors.bin`` (the word2vec text and binary formats, for other tools),
``recipe.toml`` (the effective recipe: repeat the run with ``embedlab words train --recipe``), ``metrics.json``
(corpus statistics, vocabulary, speed), ``README.md`` (the card), ``run.json`` (all of it plus versions and times)
and, with ``save_model``, the full gensim model for further training (a pickle). It is written to a temporary name
and renamed when complete; the output path is checked before any work (see :mod:`embedlab.utils.atomic`).

Example:
    >>> from embedlab.words import Corpus, Preprocessor, TrainOptions, train_vectors
    >>> result = train_vectors(Corpus(["lee_background.cor"]), "lee-w2v", TrainOptions(dim=50, epochs=10))
    >>> result.kv.most_similar("police", topn=3)
"""

from __future__ import annotations

import inspect
import json
import os
import platform
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import InputError
from embedlab.utils.atomic import atomic_dir, check_output_dir
from embedlab.utils.optional import require
from embedlab.utils.progress import progress_display
from embedlab.words.corpus import Corpus
from embedlab.words.options import ALGORITHMS, Algorithm, ExportFormat, TrainOptions, default_workers
from embedlab.words.preprocess import Preprocessor
from embedlab.words.recipe import KIND, WordsRecipe

if TYPE_CHECKING:
    from gensim.models import KeyedVectors
    from rich.console import Console

__all__ = [
    "ALGORITHMS",
    "Algorithm",
    "CorpusStats",
    "ExportFormat",
    "TrainOptions",
    "TrainResult",
    "default_workers",
    "train_vectors",
    "write_token_file",
]


def _recognize(folder: Path) -> bool:
    """Word-vector outputs written before output markers existed (they all have run.json and vocab.tsv)."""
    return (folder / "run.json").is_file() and (folder / "vocab.tsv").is_file()


@dataclass
class CorpusStats:
    """What the preprocessing pass saw."""

    documents: int = 0
    sentences: int = 0
    tokens: int = 0
    characters: int = 0
    seconds: float = 0.0


@dataclass
class TrainResult:
    """A finished training run.

    Attributes:
        path: the output folder.
        kv: the trained vectors.
        stats: corpus statistics of the preprocessing pass.
        vocab_size: words with a vector.
        train_seconds: time spent in gensim training.
        run: the content of ``run.json``.
    """

    path: Path
    kv: KeyedVectors
    stats: CorpusStats
    vocab_size: int
    train_seconds: float
    run: dict[str, Any]


def write_token_file(
    documents: Iterable[str],
    preprocessor: Preprocessor,
    path: str | os.PathLike[str],
    *,
    counts: Counter[str] | None = None,
    progress=None,
    task=None,
) -> CorpusStats:
    """Preprocess documents into a token file (one sentence per line, tokens separated by a space).

    This is gensim's ``LineSentence`` format, what its ``corpus_file`` training mode reads. With ``counts``, word
    frequencies are counted on the way (so gensim need not scan the file again to build its vocabulary).

    Example:
        >>> write_token_file(Corpus(["a.txt"]), Preprocessor(), "tokens.txt").tokens
    """
    stats = CorpusStats()
    start = time.perf_counter()
    sentences = preprocessor.sentences
    last = start
    with open(path, "w", encoding="utf-8") as fh:
        for doc in documents:
            stats.documents += 1
            stats.characters += len(doc)
            sents = sentences(doc)
            if sents:
                stats.sentences += len(sents)
                stats.tokens += sum(map(len, sents))
                if counts is not None:
                    for sent in sents:
                        counts.update(sent)
                fh.write("\n".join(" ".join(s) for s in sents))
                fh.write("\n")
            if progress is not None:
                now = time.perf_counter()
                if now - last > 0.2:
                    last = now
                    progress.update(
                        task,
                        completed=stats.documents,
                        info=f"{stats.tokens:,} tokens, {stats.tokens / (now - start):,.0f}/s",
                    )
    stats.seconds = time.perf_counter() - start
    if progress is not None:
        progress.update(task, completed=stats.documents, total=stats.documents, info=f"{stats.tokens:,} tokens")
    return stats


def _make_model(options: TrainOptions):
    gensim_models = require("gensim.models", "words")
    common = {
        "vector_size": options.dim,
        "window": options.window,
        "min_count": options.min_count,
        "negative": options.negative,
        "hs": int(options.hs),
        "sample": options.sample,
        "alpha": options.alpha,
        "min_alpha": options.min_alpha,
        "workers": options.workers,
        "seed": options.seed,
        "epochs": options.epochs,
        "max_final_vocab": options.max_vocab,
        "sg": int(options.algorithm in ("skipgram", "fasttext")),
    }
    if options.algorithm.startswith("fasttext"):
        return gensim_models.FastText(min_n=options.min_n, max_n=options.max_n, bucket=options.buckets, **common)
    return gensim_models.Word2Vec(**common)


def train_vectors(
    corpus: Corpus | Iterable[str] | str | os.PathLike[str],
    out: str | os.PathLike[str],
    options: TrainOptions | None = None,
    *,
    preprocessor: Preprocessor | None = None,
    progress: bool = True,
    console: Console | None = None,
) -> TrainResult:
    """Preprocess a corpus and train word vectors on it, writing the output folder atomically.

    The output path is checked first, before any work: a file, a folder that is not an earlier word-vector output,
    or a folder that holds one of the corpus files is refused (nothing is deleted).

    Args:
        corpus: a :class:`Corpus`, any iterable of raw text documents, or a path/glob (read as a Corpus).
        out: the output folder (replaced only when the run completes).
        options: training options (defaults: skip-gram, 100 dimensions, window 5, min count 5, 5 epochs).
        preprocessor: the text pipeline (default :class:`Preprocessor` settings).
        progress: show progress (preprocessing, then training with words/second) on stderr: bars on a terminal,
            a line every few seconds in a log.
        console: where progress goes (stderr by default).

    Returns:
        A :class:`TrainResult` with the vectors and the run's statistics.

    Raises:
        InputError: the corpus is empty, or no word reaches ``min_count``.
        ParameterError: a bad option (named as in :class:`TrainOptions`).
        OutputPathError: ``out`` may not be written.

    Example:
        >>> r = train_vectors("lee_background.cor", "out", TrainOptions(algorithm="cbow", workers=1, seed=3))
        >>> r.vocab_size
    """
    options = options or TrainOptions()
    options.validate()
    preprocessor = preprocessor or Preprocessor()
    if isinstance(corpus, (str, os.PathLike)):
        corpus = Corpus([corpus])
    inputs = list(getattr(corpus, "files", []))
    out = check_output_dir(out, KIND, inputs=inputs, recognize=_recognize)
    started = time.perf_counter()
    with atomic_dir(out, kind=KIND, inputs=inputs, recognize=_recognize) as tmp:
        with progress_display(progress, console=console) as prog:
            model, stats, train_seconds = _preprocess_and_train(corpus, preprocessor, options, tmp, prog)
        kv = model.wv
        recipe = _recipe(corpus, preprocessor, options)
        timing = {"train_seconds": train_seconds, "total_seconds": time.perf_counter() - started}
        run = _write_run(tmp, model, recipe, preprocessor.options(), stats, timing)
    from embedlab.words.vectors import load_vectors

    return TrainResult(out, load_vectors(out), stats, len(kv), train_seconds, run)


def _preprocess_and_train(corpus, preprocessor: Preprocessor, options: TrainOptions, tmp: Path, prog):
    """The token file, the vocabulary from its counts, then gensim's training from the file."""
    token_file = tmp / "tokens.txt"
    task = prog.add_task("preprocess", total=None, info="")
    counts: Counter[str] = Counter()
    stats = write_token_file(corpus, preprocessor, token_file, counts=counts, progress=prog, task=task)
    if stats.tokens == 0:
        what = "no documents" if stats.documents == 0 else f"{stats.documents} documents but no tokens"
        raise InputError(f"empty corpus: {what} after preprocessing")
    model = _make_model(options)
    # The vocabulary from the counts made while preprocessing: the same words, counts and order (first
    # occurrence breaks ties) as gensim's own scan of the token file, without reading it once more.
    model.build_vocab_from_freq(dict(counts), corpus_count=stats.sentences)
    model.corpus_total_words = stats.tokens
    if len(model.wv) == 0:
        raise InputError(
            f"no word occurs {options.min_count} times or more in the corpus ({stats.tokens} tokens); "
            "lower --min-count"
        )
    total = options.epochs * model.corpus_total_words
    train_task = prog.add_task(f"train {options.algorithm}", total=total, info="")
    _hook_progress(model, prog, train_task)
    t0 = time.perf_counter()
    model.train(
        corpus_file=str(token_file),
        total_words=model.corpus_total_words,
        total_examples=model.corpus_count,
        epochs=options.epochs,
        report_delay=0.5,
    )
    train_seconds = time.perf_counter() - t0
    rate = total / train_seconds if train_seconds else 0.0
    prog.update(train_task, completed=total, info=f"{rate:,.0f} words/s")
    token_file.unlink()
    return model, stats, train_seconds


def _recipe(corpus, preprocessor: Preprocessor, options: TrainOptions) -> WordsRecipe:
    settings = preprocessor.options()
    settings.pop("stopword_list", None)
    return WordsRecipe(
        corpus=[str(f) for f in getattr(corpus, "files", [])],
        corpus_format=str(getattr(corpus, "format", "auto")),
        text_field=getattr(corpus, "text_field", None),
        limit=getattr(corpus, "limit", None),
        preprocess=settings,
        train=options,
    )


def _write_run(
    tmp: Path, model, recipe: WordsRecipe, preprocess: dict[str, Any], stats: CorpusStats, timing: dict[str, float]
) -> dict[str, Any]:
    """Write the vectors and the run's record: recipe.toml, metrics.json, README.md, run.json."""
    import gensim

    from embedlab.words.vectors import save_vectors

    kv, options = model.wv, recipe.train
    save_vectors(kv, tmp)
    if ExportFormat.TEXT in options.export:
        kv.save_word2vec_format(str(tmp / "vectors.txt"), binary=False)
    if ExportFormat.BINARY in options.export:
        kv.save_word2vec_format(str(tmp / "vectors.bin"), binary=True)
    if options.save_model:
        model.save(str(tmp / "model.gensim"))
    words, seconds = options.epochs * model.corpus_total_words, timing["train_seconds"]
    metrics = {
        "vocab_size": len(kv),
        "corpus": asdict(stats),
        "corpus_words_counted": model.corpus_total_words,
        **timing,
        "words_per_second": words / seconds if seconds else None,
    }
    run = {
        "options": asdict(options) | {"algorithm": str(options.algorithm), "export": [str(e) for e in options.export]},
        "preprocess": preprocess,
        **metrics,
        "corpus": {"sources": recipe.corpus, **asdict(stats)},
        "gensim": gensim.__version__,
        "python": platform.python_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (tmp / "recipe.toml").write_text(recipe.to_toml(), encoding="utf-8")
    (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (tmp / "run.json").write_text(json.dumps(run, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    (tmp / "README.md").write_text(_card(recipe, metrics, sorted(p.name for p in tmp.iterdir())), encoding="utf-8")
    return run


def _card(recipe: WordsRecipe, metrics: dict[str, Any], files: list[str]) -> str:
    """The model card: what was trained on what, how to load it, and how to repeat the run."""
    o = recipe.train
    corpus = metrics["corpus"]
    rate = metrics["words_per_second"] or 0
    return "\n".join(
        [
            f"# Word vectors: {o.algorithm}, {o.dim} dimensions",
            "",
            f"Trained by `embedlab words train` on {corpus['documents']:,} documents ({corpus['tokens']:,} tokens) "
            f"from {', '.join(recipe.corpus) or 'an in-memory corpus'}.",
            "",
            "| setting | value |",
            "| --- | --- |",
            f"| vocabulary | {metrics['vocab_size']:,} words (min count {o.min_count}) |",
            f"| window, negative, epochs | {o.window}, {o.negative}, {o.epochs} |",
            f"| training | {metrics['train_seconds']:.1f} s, {rate:,.0f} words/s |",
            f"| workers, seed | {o.workers}, {o.seed} |",
            "",
            "## Use",
            "",
            "```python",
            "from embedlab.words import load_vectors",
            "kv = load_vectors('THIS_FOLDER')  # gensim KeyedVectors, from vectors.npy + vocab.tsv",
            "```",
            "",
            "`vectors.txt` / `vectors.bin` are the word2vec text and binary formats that other tools read. Repeat the "
            "run with `embedlab words train --recipe recipe.toml -o OUT`.",
            "",
            "Files: " + ", ".join(f"`{f}`" for f in [*files, "README.md"]),
            "",
        ]
    )


def _hook_progress(model, prog, task) -> None:
    """Mirror gensim's periodic progress reports (every ``report_delay`` s) into a rich progress bar."""
    original = model._log_progress
    signature = inspect.signature(original)  # forward gensim's arguments untouched, read four of them by name
    total_words = model.corpus_total_words

    def log_progress(*args, **kwargs):
        a = signature.bind(*args, **kwargs).arguments
        done = a["cur_epoch"] * total_words + a["raw_word_count"]
        rate = a["trained_word_count"] / max(a["elapsed"], 1e-9)
        prog.update(task, completed=done, info=f"epoch {a['cur_epoch'] + 1}, {rate:,.0f} words/s")
        return original(*args, **kwargs)

    model._log_progress = log_progress
