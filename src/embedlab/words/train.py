"""Training word vectors: gensim's Word2Vec (skip-gram, CBOW) and FastText on a streamed, preprocessed corpus.

Word2vec learns one vector per word by predicting words from their neighbours within a ``window`` (CBOW) or the
neighbours from the word (skip-gram), with ``negative`` sampled wrong words per example. FastText does the same with
character n-grams, so it also has vectors for words it never saw.

How embedlab runs it: the corpus is read and preprocessed *once*, streamed into a plain token file (one sentence per
line) inside the output's temporary folder, and gensim then trains from that file in its ``corpus_file`` mode, where
every worker thread reads its own share of the file in C without the Python GIL. Preprocessing therefore costs one
pass instead of one per epoch, and training scales with ``workers`` better than from a Python iterator.
With ``workers=1`` and a fixed ``seed`` the vectors are bit-for-bit reproducible.

The output folder holds ``vectors.kv`` (gensim KeyedVectors, memory-mappable), ``vectors.txt`` and ``vectors.bin``
(the word2vec text and binary formats), ``vocab.tsv`` (word and count), ``run.json`` (corpus statistics, vocabulary
size, options, times) and, with ``save_model``, the full gensim model for further training. It is written to a
temporary name and renamed when complete.

Example:
    >>> from embedlab.words import Corpus, Preprocessor, TrainOptions, train_vectors
    >>> result = train_vectors(Corpus(["lee_background.cor"]), "lee-w2v", TrainOptions(dim=50, epochs=10))
    >>> result.kv.most_similar("police", topn=3)
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from embedlab.errors import InputError, OptionError
from embedlab.utils.atomic import atomic_dir
from embedlab.utils.optional import require
from embedlab.words.corpus import Corpus
from embedlab.words.preprocess import Preprocessor

if TYPE_CHECKING:
    from gensim.models import KeyedVectors
    from rich.console import Console

Algorithm = Literal["skipgram", "cbow", "fasttext", "fasttext-cbow"]
ExportFormat = Literal["text", "binary"]
ALGORITHMS: tuple[str, ...] = ("skipgram", "cbow", "fasttext", "fasttext-cbow")


def default_workers() -> int:
    """Worker threads by default: the CPU cores available to this process, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, min(8, n))


@dataclass
class TrainOptions:
    """Word-vector training options (gensim's names and defaults unless said).

    Attributes:
        algorithm: ``skipgram``, ``cbow``, ``fasttext`` (skip-gram with n-grams) or ``fasttext-cbow``.
        dim: vector size.
        window: maximum distance between a word and a context word.
        min_count: ignore words rarer than this.
        epochs: passes over the corpus.
        negative: negative samples per example (0 with ``hs`` for hierarchical softmax only).
        hs: use hierarchical softmax.
        sample: down-sampling threshold for frequent words.
        alpha, min_alpha: learning rate, linearly decayed to ``min_alpha``.
        workers: training threads; 1 makes runs bit-for-bit reproducible with the same seed.
        seed: random seed.
        max_vocab: keep at most this many words (gensim's ``max_final_vocab``).
        min_n, max_n, buckets: FastText character n-gram lengths and hash buckets.
        export: word2vec formats written beside ``vectors.kv``: ``text`` and/or ``binary``.
        save_model: also save the full gensim model (to continue training later).

    Example:
        >>> TrainOptions(algorithm="cbow", dim=200, window=8, workers=1, seed=7)
    """

    algorithm: Algorithm = "skipgram"
    dim: int = 100
    window: int = 5
    min_count: int = 5
    epochs: int = 5
    negative: int = 5
    hs: bool = False
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    workers: int = field(default_factory=default_workers)
    seed: int = 1
    max_vocab: int | None = None
    min_n: int = 3
    max_n: int = 6
    buckets: int = 2_000_000
    export: tuple[ExportFormat, ...] = ("text", "binary")
    save_model: bool = False

    def validate(self) -> None:
        """Raise :class:`OptionError` naming the first bad option."""
        if self.algorithm not in ALGORITHMS:
            raise OptionError("--algorithm", f"unknown algorithm {self.algorithm!r} ({', '.join(ALGORITHMS)})")
        for name in ("dim", "window", "min_count", "epochs", "workers"):
            if getattr(self, name) < 1:
                raise OptionError(f"--{name.replace('_', '-')}", f"must be at least 1, got {getattr(self, name)}")
        if self.negative < 0:
            raise OptionError("--negative", f"must be 0 or more, got {self.negative}")
        if self.negative == 0 and not self.hs:
            raise OptionError("--negative", "0 needs --hs (hierarchical softmax), or nothing would be trained")
        if not 0 <= self.sample < 1:
            raise OptionError("--sample", f"must be in [0, 1), got {self.sample}")
        if not 0 < self.alpha <= 1 or not 0 <= self.min_alpha <= self.alpha:
            raise OptionError("--alpha", f"need 0 < min_alpha <= alpha <= 1, got {self.alpha} and {self.min_alpha}")
        if self.max_vocab is not None and self.max_vocab < 1:
            raise OptionError("--max-vocab", f"must be at least 1, got {self.max_vocab}")
        if self.algorithm.startswith("fasttext") and not 1 <= self.min_n <= self.max_n:
            raise OptionError("--min-n", f"need 1 <= min_n <= max_n, got {self.min_n} and {self.max_n}")
        for fmt in self.export:
            if fmt not in ("text", "binary"):
                raise OptionError("--export", f"unknown format {fmt!r} (text, binary)")


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


def _progress(console: Console | None):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from embedlab.utils.console import err_console

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console or err_console,
        transient=False,
    )


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

    Args:
        corpus: a :class:`Corpus`, any iterable of raw text documents, or a path/glob (read as a Corpus).
        out: the output folder (replaced only when the run completes).
        options: training options (defaults: skip-gram, 100 dimensions, window 5, min count 5, 5 epochs).
        preprocessor: the text pipeline (default :class:`Preprocessor` settings).
        progress: show rich progress bars (preprocessing, then training with words/second) on stderr.
        console: where progress goes (stderr by default).

    Returns:
        A :class:`TrainResult` with the vectors and the run's statistics.

    Raises:
        InputError: the corpus is empty, or no word reaches ``min_count``.
        OptionError: a bad option.

    Example:
        >>> r = train_vectors("lee_background.cor", "out", TrainOptions(algorithm="cbow", workers=1, seed=3))
        >>> r.vocab_size
    """
    options = options or TrainOptions()
    options.validate()
    preprocessor = preprocessor or Preprocessor()
    if isinstance(corpus, (str, os.PathLike)):
        corpus = Corpus([corpus])
    from contextlib import nullcontext

    started = time.perf_counter()
    out = Path(out)
    with atomic_dir(out, kind="word-vectors", recognize=lambda p: (p / "run.json").is_file()) as tmp:
        token_file = tmp / "tokens.txt"
        bar = _progress(console) if progress else nullcontext()
        with bar as prog:
            task = prog.add_task("preprocess", total=None, info="") if progress else None
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
            train_task = None
            if progress:
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
            if progress:
                done = options.epochs * model.corpus_total_words
                rate = done / train_seconds if train_seconds else 0.0
                prog.update(train_task, completed=done, info=f"{rate:,.0f} words/s")
        token_file.unlink()
        kv = model.wv
        kv.save(str(tmp / "vectors.kv"))
        if "text" in options.export:
            kv.save_word2vec_format(str(tmp / "vectors.txt"), binary=False)
        if "binary" in options.export:
            kv.save_word2vec_format(str(tmp / "vectors.bin"), binary=True)
        with open(tmp / "vocab.tsv", "w", encoding="utf-8") as fh:
            for word in kv.index_to_key:
                fh.write(f"{word}\t{kv.get_vecattr(word, 'count')}\n")
        if options.save_model:
            model.save(str(tmp / "model.gensim"))
        import gensim

        run = {
            "options": asdict(options),
            "preprocess": preprocessor.options(),
            "corpus": {
                "sources": [str(f) for f in getattr(corpus, "files", [])],
                **asdict(stats),
            },
            "vocab_size": len(kv),
            "corpus_words_counted": model.corpus_total_words,
            "train_seconds": train_seconds,
            "total_seconds": time.perf_counter() - started,
            "words_per_second": options.epochs * model.corpus_total_words / train_seconds if train_seconds else None,
            "gensim": gensim.__version__,
            "python": platform.python_version(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / "run.json").write_text(json.dumps(run, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    from embedlab.words.vectors import load_vectors

    return TrainResult(out, load_vectors(out / "vectors.kv"), stats, len(kv), train_seconds, run)


def _hook_progress(model, prog, task) -> None:
    """Mirror gensim's periodic progress reports (every ``report_delay`` s) into a rich progress bar."""
    original = model._log_progress
    total_words = model.corpus_total_words

    def log_progress(
        job_queue,
        progress_queue,
        cur_epoch,
        example_count,
        total_examples,
        raw_word_count,
        total_words_arg,
        trained_word_count,
        elapsed,
    ):
        done = cur_epoch * total_words + raw_word_count
        prog.update(
            task, completed=done, info=f"epoch {cur_epoch + 1}, {trained_word_count / max(elapsed, 1e-9):,.0f} words/s"
        )
        return original(
            job_queue,
            progress_queue,
            cur_epoch,
            example_count,
            total_examples,
            raw_word_count,
            total_words_arg,
            trained_word_count,
            elapsed,
        )

    model._log_progress = log_progress
