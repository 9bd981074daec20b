"""Word-vector training options: each default once, the choices as Enums, checked in Python names.

The CLI (``embedlab words train``), recipes (``recipe.toml``) and Python all read these defaults; a bad value raises
:class:`~embedlab.errors.ParameterError` with the field's name (``dim``), which the CLI shows as its flag.

Example:
    >>> TrainOptions(algorithm=Algorithm.CBOW, dim=200).validate()
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from enum import Enum

from embedlab.errors import ParameterError


class Algorithm(str, Enum):
    """Word-vector training algorithms."""

    SKIPGRAM = "skipgram"
    CBOW = "cbow"
    FASTTEXT = "fasttext"
    FASTTEXT_CBOW = "fasttext-cbow"

    def __str__(self) -> str:
        return self.value


class ExportFormat(str, Enum):
    """word2vec files written beside embedlab's own ``vectors.npy``."""

    TEXT = "text"
    BINARY = "binary"

    def __str__(self) -> str:
        return self.value


ALGORITHMS: tuple[str, ...] = tuple(a.value for a in Algorithm)

# Defaults of the query, evaluation and plot functions, stated once: the functions and their CLI commands read them
# from here (this module imports nothing heavy, so the CLI can).
SIMILAR_TOPN = 10
ANALOGY_TOPN = 5
RESTRICT_VOCAB = 300_000
PLOT_NEIGHBORS = 100
METHODS: tuple[str, ...] = ("tsne", "pca", "umap")
DEFAULT_METHOD = "tsne"


def default_workers() -> int:
    """Worker threads by default: the CPU cores available to this process, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, min(8, n))


_INTS = ("dim", "window", "min_count", "epochs", "negative", "workers", "seed", "min_n", "max_n", "buckets")
_FLOATS = ("sample", "alpha", "min_alpha")


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
        export: word2vec formats written beside ``vectors.npy``: ``text`` and/or ``binary``.
        save_model: also save the full gensim model (a pickle, to continue training later).

    Example:
        >>> TrainOptions(algorithm="cbow", dim=200, window=8, workers=1, seed=7)
    """

    algorithm: Algorithm | str = Algorithm.SKIPGRAM
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
    export: tuple[ExportFormat | str, ...] = (ExportFormat.TEXT, ExportFormat.BINARY)
    save_model: bool = False

    def validate(self) -> None:
        """Raise :class:`ParameterError` naming the first bad option (types, ranges, NaN, combinations)."""
        try:
            self.algorithm = Algorithm(self.algorithm)
        except ValueError:
            raise ParameterError(
                "algorithm", f"unknown algorithm {self.algorithm!r} ({', '.join(ALGORITHMS)})"
            ) from None
        self._check_types()
        for name in ("dim", "window", "min_count", "epochs", "workers"):
            if getattr(self, name) < 1:
                raise ParameterError(name, f"must be at least 1, got {getattr(self, name)}")
        if self.negative < 0:
            raise ParameterError("negative", f"must be 0 or more, got {self.negative}")
        if self.negative == 0 and not self.hs:
            raise ParameterError("negative", "0 needs hs (hierarchical softmax), or nothing would be trained")
        if not 0 <= self.sample < 1:
            raise ParameterError("sample", f"must be in [0, 1), got {self.sample}")
        if not 0 < self.alpha <= 1 or not 0 <= self.min_alpha <= self.alpha:
            raise ParameterError("alpha", f"need 0 < min_alpha <= alpha <= 1, got {self.alpha} and {self.min_alpha}")
        if self.max_vocab is not None and self.max_vocab < 1:
            raise ParameterError("max_vocab", f"must be at least 1, got {self.max_vocab}")
        if str(self.algorithm).startswith("fasttext"):
            if not 1 <= self.min_n <= self.max_n:
                raise ParameterError("min_n", f"need 1 <= min_n <= max_n, got {self.min_n} and {self.max_n}")
            if self.buckets < 1:
                raise ParameterError("buckets", f"must be at least 1, got {self.buckets}")
        exports = []
        for fmt in self.export:
            try:
                exports.append(ExportFormat(fmt))
            except ValueError:
                raise ParameterError("export", f"unknown format {fmt!r} (text, binary)") from None
        self.export = tuple(dict.fromkeys(exports))

    def _check_types(self) -> None:
        # A recipe can hold anything TOML can: "many" epochs, a float dim, nan.
        for name in (*_INTS, "max_vocab"):
            value = getattr(self, name)
            if name == "max_vocab" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ParameterError(name, f"must be a whole number, got {value!r}")
        for name in _FLOATS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ParameterError(name, f"must be a finite number, got {value!r}")
        for name in ("hs", "save_model"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(name, f"must be true or false, got {getattr(self, name)!r}")
        if isinstance(self.export, str) or not isinstance(self.export, (tuple, list)):
            raise ParameterError("export", f"must be a list of formats, got {self.export!r}")
