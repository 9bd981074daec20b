"""Intrinsic evaluation of word vectors: analogies and word-similarity correlation.

Two classic tests tell how much structure word vectors capture:

* **Analogies** (``questions-words.txt``, Mikolov et al. 2013): for ``a b c d`` ("Athens Greece Baghdad Iraq"), is
  ``d`` the nearest word to ``b - a + c`` (3CosAdd), the three query words excluded? Reported as accuracy per
  section (capitals, currencies, plurals...) and overall, with the share of questions skipped because a word is
  out of the vocabulary (OOV).
* **Word similarity** (``wordsim353.tsv``, ``simlex999.txt``): the Spearman rank correlation between the cosine
  similarity of each word pair and human judgements.

The numbers are exactly those of gensim's ``KeyedVectors.evaluate_word_analogies`` and ``evaluate_word_pairs``
(same ``restrict_vocab``, ``case_insensitive`` and ``dummy4unknown`` semantics, same skipped lines), but analogies are
answered in batches: one matrix product per batch of questions and a blocked top-k, instead of gensim's one full
vocabulary scan per question. Questions whose answer is decided by a near-tie (scores within float32 rounding) are
re-answered with gensim's own ``most_similar`` so that every decision is gensim's, to the last question.

Example:
    >>> from embedlab.words import load_vectors, evaluate_analogies, evaluate_word_pairs
    >>> kv = load_vectors("glove-6B-50d")
    >>> evaluate_analogies(kv).accuracy
    >>> evaluate_word_pairs(kv, "wordsim353.tsv").spearman
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import InputError, ParameterError, require_file
from embedlab.utils.progress import progress_display
from embedlab.words.options import RESTRICT_VOCAB

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

DEFAULT_ANALOGIES = "questions-words.txt"
DEFAULT_PAIRS = ("wordsim353.tsv", "simlex999.txt")

# gensim takes the best (topn + number of query words) and keeps 5 after removing the query words' own indices.
_GENSIM_TOPN = 5
_TOP_K = 10  # candidates kept per question: 8 that gensim looks at, plus margin to detect near-ties
_TIE_TOL = 1e-5  # cosine differences below this may be float32 rounding: let gensim decide those questions
_BLOCK = 64  # vocabulary words per block of the blocked top-k
_TILE = 16384  # vocabulary words scored at once (a tile x batch score matrix of a few MB)


def data_file(name: str | os.PathLike[str]) -> Path:
    """Resolve an evaluation file: an existing path, or a file name from gensim's bundled test data.

    Example:
        >>> data_file("questions-words.txt").name
        'questions-words.txt'
    """
    p = Path(name)
    if p.exists():
        return p
    if p.parent == Path("."):
        from gensim.test.utils import datapath

        bundled = Path(datapath(str(p)))
        if bundled.exists():
            return bundled
    return require_file(p, "evaluation file")


def _ok_vocab(kv: KeyedVectors, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
    # As gensim: the first `restrict_vocab` words; with case folding the most frequent case variant wins.
    ok_keys = kv.index_to_key[:restrict_vocab]
    if case_insensitive:
        return {k.upper(): i for i, k in reversed(list(enumerate(ok_keys)))}
    return {k: i for i, k in reversed(list(enumerate(ok_keys)))}


def _lines(path: Path):
    from gensim import utils

    with utils.open(str(path), "rb") as fin:
        for line_no, raw in enumerate(fin, start=1):
            try:
                yield line_no, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 ({exc.reason})", path=path, line=line_no) from exc


# --------------------------------------------------------------------------------------------------- analogies


@dataclass
class AnalogySection:
    """Analogy results for one section of the questions file.

    Attributes:
        name: the section name (``capital-common-countries``...).
        correct: questions answered right (as ``(a, b, c, expected)``, case-folded as compared).
        incorrect: questions answered wrong (with ``dummy4unknown``, also those with OOV words).
        questions: well-formed question lines in the section.
        oov: questions with a word outside the restricted vocabulary.
    """

    name: str
    correct: list[tuple[str, str, str, str]] = field(default_factory=list)
    incorrect: list[tuple[str, str, str, str]] = field(default_factory=list)
    questions: int = 0
    oov: int = 0

    @property
    def evaluated(self) -> int:
        return len(self.correct) + len(self.incorrect)

    @property
    def accuracy(self) -> float:
        """Share of evaluated questions answered right (0.0 when none was evaluated, as gensim)."""
        return len(self.correct) / self.evaluated if self.evaluated else 0.0

    @property
    def oov_rate(self) -> float:
        return self.oov / self.questions if self.questions else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.name,
            "accuracy": self.accuracy,
            "correct": len(self.correct),
            "evaluated": self.evaluated,
            "questions": self.questions,
            "oov": self.oov,
            "oov_rate": self.oov_rate,
        }


@dataclass
class AnalogyResult:
    """Analogy accuracy overall and per section.

    Attributes:
        path: the questions file.
        sections: one :class:`AnalogySection` per ``: section`` header, in file order.
        restrict_vocab, case_insensitive, dummy4unknown: the settings used (gensim's meaning).
        tie_fallbacks: questions re-answered by gensim's ``most_similar`` because of a near-tie.
        seconds: wall time.
    """

    path: str
    sections: list[AnalogySection]
    restrict_vocab: int
    case_insensitive: bool
    dummy4unknown: bool
    tie_fallbacks: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> AnalogySection:
        """All sections together (gensim's ``Total accuracy``)."""
        return AnalogySection(
            "Total accuracy",
            list(itertools.chain.from_iterable(s.correct for s in self.sections)),
            list(itertools.chain.from_iterable(s.incorrect for s in self.sections)),
            sum(s.questions for s in self.sections),
            sum(s.oov for s in self.sections),
        )

    @property
    def accuracy(self) -> float:
        return self.total.accuracy

    @property
    def oov_rate(self) -> float:
        return self.total.oov_rate

    def to_gensim(self) -> tuple[float, list[dict[str, Any]]]:
        """The result shaped as gensim's ``evaluate_word_analogies`` returns it: ``(score, sections)``."""
        sections = [{"section": s.name, "correct": s.correct, "incorrect": s.incorrect} for s in self.sections]
        total = self.total
        sections.append({"section": total.name, "correct": total.correct, "incorrect": total.incorrect})
        return total.accuracy, sections

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "accuracy": self.accuracy,
            "correct": len(self.total.correct),
            "evaluated": self.total.evaluated,
            "questions": self.total.questions,
            "oov_rate": self.oov_rate,
            "restrict_vocab": self.restrict_vocab,
            "case_insensitive": self.case_insensitive,
            "dummy4unknown": self.dummy4unknown,
            "tie_fallbacks": self.tie_fallbacks,
            "seconds": self.seconds,
            "sections": [s.to_dict() for s in self.sections],
        }


def read_analogies(
    path: str | os.PathLike[str], *, case_insensitive: bool = True, strict: bool = True
) -> list[tuple[str, list[tuple[int, tuple[str, str, str, str]]]]]:
    """Read an analogy file: ``: section`` headers, then lines of four words.

    Args:
        path: the file (``.gz``/``.bz2`` accepted), or a name from gensim's test data.
        case_insensitive: upper-case the words, as gensim compares them.
        strict: raise on a line that is not four words; when False skip it silently, as gensim does. Blank lines
            are always skipped.

    Returns:
        ``[(section name, [(line number, (a, b, c, expected)), ...]), ...]``.

    Raises:
        InputError: a question before any section header, a malformed line (strict), no question at all.
    """
    p = data_file(path)
    sections: list[tuple[str, list[tuple[int, tuple[str, str, str, str]]]]] = []
    for line_no, line in _lines(p):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        if not sections:
            if not line.strip():
                raise InputError("blank line before the first ': section' header", path=p, line=line_no)
            raise InputError("question before the first ': section' header", path=p, line=line_no)
        words = line.split()
        if len(words) != 4:
            if strict and words:
                raise InputError(f"expected 4 words, found {len(words)}: {line.strip()[:60]!r}", path=p, line=line_no)
            continue
        if case_insensitive:
            words = [w.upper() for w in words]
        sections[-1][1].append((line_no, (words[0], words[1], words[2], words[3])))
    if not any(q for _, q in sections):
        raise InputError("no analogy questions in this file", path=p)
    return sections


def _candidates(unit: np.ndarray, query: np.ndarray, k: int) -> list[tuple[list[int], list[float]]]:
    """For each query row, every vocabulary word that may be among its ``k`` best (cosine), best first.

    Why not ``argpartition`` per row: over a 300k vocabulary that costs more than the matrix product itself. Instead
    the scores are made tile by tile (a tile stays in the CPU cache) and reduced at once to the maximum of each block
    of ``_BLOCK`` words. The k-th largest block maximum ``t`` is a lower bound of the k-th best score, so only blocks
    whose maximum reaches ``t - tol`` can hold a top-k word; those few blocks are scored again and sorted. Every word
    left out scores below ``t - tol``, so the lists returned are complete within the tie tolerance.
    """
    nq = query.shape[0]
    n = unit.shape[0]
    nblocks = -(-n // _BLOCK)
    query_t = np.ascontiguousarray(query.T)
    # Vocabulary along the rows: the block maximum then reduces across rows, which numpy vectorises over the
    # contiguous query axis (a max along a short contiguous axis is ten times slower).
    block_max = np.empty((nblocks, nq), dtype=np.float32)
    buffer = np.empty((min(_TILE, n), nq), dtype=np.float32)
    for t0 in range(0, n, _TILE):
        t1 = min(n, t0 + _TILE)
        # Into a reused buffer: a fresh 16 MB array per tile costs page faults comparable to the product itself.
        scores = np.matmul(unit[t0:t1], query_t, out=buffer[: t1 - t0])
        full = (t1 - t0) // _BLOCK
        b0 = t0 // _BLOCK
        if full:
            np.maximum.reduce(scores[: full * _BLOCK].reshape(full, _BLOCK, nq), axis=1, out=block_max[b0 : b0 + full])
        if (t1 - t0) % _BLOCK:
            block_max[b0 + full] = scores[full * _BLOCK :].max(axis=0)
    if nblocks > k:
        # Partition along contiguous rows (a partition across the strided axis is several times slower).
        thr = np.partition(np.ascontiguousarray(block_max.T), nblocks - k, axis=1)[:, nblocks - k] - _TIE_TOL
    else:
        thr = np.full(nq, -np.inf, dtype=np.float32)
    blocks, rows = np.nonzero(block_max >= thr[None, :])
    cols = blocks[:, None] * _BLOCK + np.arange(_BLOCK)[None, :]
    valid = cols < n
    cols = np.minimum(cols, n - 1)
    vals = np.einsum("pbd,pd->pb", unit[cols], query[rows])
    keep = valid & (vals >= thr[rows][:, None])
    rows_k = np.broadcast_to(rows[:, None], cols.shape)[keep]
    cols_k, vals_k = cols[keep], vals[keep]
    order = np.lexsort((-vals_k, rows_k))
    rows_k, cols_k, vals_k = rows_k[order], cols_k[order].tolist(), vals_k[order].tolist()
    bounds = np.searchsorted(rows_k, np.arange(nq + 1)).tolist()
    return [(cols_k[bounds[r] : bounds[r + 1]], vals_k[bounds[r] : bounds[r + 1]]) for r in range(nq)]


def evaluate_analogies(
    vectors: KeyedVectors | str | os.PathLike[str],
    path: str | os.PathLike[str] = DEFAULT_ANALOGIES,
    *,
    restrict_vocab: int = RESTRICT_VOCAB,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    strict: bool = True,
    batch_size: int = 256,
    on_batch: Callable[[int, int], None] | None = None,
) -> AnalogyResult:
    """Analogy accuracy (3CosAdd), per section and overall, equal to gensim's ``evaluate_word_analogies``.

    Args:
        vectors: KeyedVectors, or any model argument :func:`~embedlab.words.load_vectors` accepts.
        path: questions file (``: section`` headers, lines of 4 words); default gensim's ``questions-words.txt``.
        restrict_vocab: only the first ``restrict_vocab`` words are candidates, and a question with a word outside
            them counts as OOV (gensim's default 300000).
        case_insensitive: compare upper-cased words; the most frequent case variant's vector is used.
        dummy4unknown: count OOV questions as wrong instead of skipping them.
        strict: raise :class:`InputError` on malformed lines instead of skipping them as gensim does.
        batch_size: questions per matrix product (memory ~ ``batch_size * restrict_vocab * 4`` bytes).
        on_batch: called after each batch with (questions answered, questions to answer), for progress.

    Returns:
        An :class:`AnalogyResult`; ``result.to_gensim()`` has gensim's return shape.

    Example:
        >>> r = evaluate_analogies("glove-6B-50d")
        >>> round(r.accuracy, 4), r.sections[0].name
    """
    import time

    from embedlab.words.vectors import load_vectors

    if restrict_vocab < 1:
        raise ParameterError("restrict_vocab", f"must be at least 1, got {restrict_vocab}")
    if batch_size < 1:
        raise ParameterError("batch_size", f"must be at least 1, got {batch_size}")
    start = time.perf_counter()
    kv = load_vectors(vectors)
    parsed = read_analogies(path, case_insensitive=case_insensitive, strict=strict)
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)

    sections: list[AnalogySection] = []
    todo: list[tuple[AnalogySection, tuple[str, str, str, str]]] = []
    for name, questions in parsed:
        section = AnalogySection(name, questions=len(questions))
        sections.append(section)
        for _, quad in questions:
            if any(w not in ok_vocab for w in quad):
                section.oov += 1
                continue
            todo.append((section, quad))

    # gensim appends a section's OOV 'incorrect' entries in file order, interleaved with answered ones; keep that
    # order by recording answers first and rebuilding the lists afterwards.
    try:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(limits=_blas_threads(), user_api="blas")
    except ImportError:  # threadpoolctl comes with scikit-learn; without it BLAS keeps its own setting
        import contextlib

        limits = contextlib.nullcontext()
    with limits:
        verdicts, fallbacks = _answer(
            kv, ok_vocab, [q for _, q in todo], restrict_vocab, case_insensitive, batch_size, on_batch
        )
    by_section: dict[int, list[bool]] = {}
    for (section, _), ok in zip(todo, verdicts, strict=True):
        by_section.setdefault(id(section), []).append(ok)
    for (_name, questions), section in zip(parsed, sections, strict=True):
        answers = iter(by_section.get(id(section), []))
        section.correct, section.incorrect = [], []
        for _, quad in questions:
            if any(w not in ok_vocab for w in quad):
                if dummy4unknown:
                    section.incorrect.append(quad)
                continue
            (section.correct if next(answers) else section.incorrect).append(quad)
    return AnalogyResult(
        str(data_file(path)),
        sections,
        restrict_vocab,
        case_insensitive,
        dummy4unknown,
        tie_fallbacks=fallbacks,
        seconds=time.perf_counter() - start,
    )


def _blas_threads() -> int:
    """BLAS threads for the matrix products: the cores not already busy (at least 1).

    On a machine already loaded by other processes, extra BLAS threads only spin and wait for a core; one thread
    per idle core is faster there (measured: 28 s instead of 40 s for GloVe at 300k on a 2-core machine at load 12).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return cores
    return max(1, min(cores, int(cores - load + 0.5)))


def _answer(
    kv: KeyedVectors,
    ok_vocab: dict[str, int],
    quads: Sequence[tuple[str, str, str, str]],
    restrict_vocab: int,
    case_insensitive: bool,
    batch_size: int,
    on_batch: Callable[[int, int], None] | None = None,
) -> tuple[list[bool], int]:
    """Answer in-vocabulary questions as gensim would; returns one verdict per question and the gensim fallbacks."""
    if not quads:
        return [], 0
    vocab = kv.vectors[:restrict_vocab]
    norms = np.linalg.norm(vocab, axis=1)
    unit = np.ascontiguousarray(vocab / np.where(norms > 0, norms, 1)[:, None], dtype=np.float32)
    keys = kv.index_to_key[:restrict_vocab]
    folded = [k.upper() for k in keys] if case_insensitive else keys

    idx = np.array([[ok_vocab[w] for w in q] for q in quads], dtype=np.int64)  # a, b, c, expected
    verdicts: list[bool] = []
    fallbacks = 0
    for lo in range(0, len(quads), batch_size):
        batch = idx[lo : lo + batch_size]
        # 3CosAdd: the direction of b - a + c from unit vectors (gensim's mean, up to a positive factor).
        query = unit[batch[:, 1]] + unit[batch[:, 2]] - unit[batch[:, 0]]
        qn = np.linalg.norm(query, axis=1, keepdims=True)
        query = (query / np.where(qn > 0, qn, 1)).astype(np.float32)
        for row, (cols, vals) in enumerate(_candidates(unit, query, _TOP_K)):
            quad = quads[lo + row]
            excluded = set(batch[row, :3].tolist())
            ignore = set(quad[:3])
            # gensim drops the query words' own rows, keeps 5, and answers with the first whose case-folded form
            # is not a query word. Answers found past the second kept word (several case variants of the query
            # words on top: rare) are left to gensim, as is any acceptable candidate within the tie tolerance.
            ranked = [j for j in range(len(cols)) if cols[j] not in excluded][:_GENSIM_TOPN]
            chosen = next((j for n, j in enumerate(ranked) if folded[cols[j]] not in ignore and n < 2), None)
            ambiguous = chosen is None or len(cols) < _TOP_K
            if not ambiguous:
                best = vals[chosen]
                ambiguous = any(
                    j != chosen
                    and abs(vals[j] - best) < _TIE_TOL
                    and cols[j] not in excluded
                    and folded[cols[j]] not in ignore
                    for j in range(len(cols))
                )
            if ambiguous:
                # A near-tie or an unusual case: let gensim's own code decide this one question.
                fallbacks += 1
                verdicts.append(_gensim_answer(kv, ok_vocab, quad, restrict_vocab, case_insensitive))
            else:
                verdicts.append(folded[cols[chosen]] == quad[3])
        if on_batch is not None:
            on_batch(len(verdicts), len(quads))
    return verdicts, fallbacks


def _gensim_answer(
    kv: KeyedVectors, ok_vocab: dict[str, int], quad: tuple[str, str, str, str], restrict_vocab: int, ci: bool
) -> bool:
    """One question answered exactly as gensim's ``evaluate_word_analogies`` does (its own code path)."""
    a, b, c, expected = quad
    original = kv.key_to_index
    kv.key_to_index = ok_vocab
    try:
        sims = kv.most_similar(positive=[b, c], negative=[a], topn=_GENSIM_TOPN, restrict_vocab=restrict_vocab)
    finally:
        kv.key_to_index = original
    predicted = None
    for key, _ in sims:
        predicted = key.upper() if ci else key
        if predicted in ok_vocab and predicted not in {a, b, c}:
            break
    return predicted == expected


# --------------------------------------------------------------------------------------------------- word pairs


@dataclass
class WordPairsResult:
    """Correlation of cosine similarity with human judgements on one word-pair file.

    Attributes:
        path: the pairs file.
        spearman, spearman_p: Spearman's rank correlation and its two-sided p-value.
        pearson, pearson_p: Pearson's correlation and p-value.
        pairs: pairs evaluated (with ``dummy4unknown``, OOV pairs included with similarity 0).
        oov: pairs with a word outside the restricted vocabulary.
        oov_rate: as gensim: OOV / (evaluated + skipped), or OOV / evaluated with ``dummy4unknown``.
    """

    path: str
    spearman: float
    spearman_p: float
    pearson: float
    pearson_p: float
    pairs: int
    oov: int
    oov_rate: float

    @property
    def name(self) -> str:
        return Path(self.path).name

    def to_dict(self) -> dict[str, Any]:
        fields = asdict(self)  # every field, in order, with ``path`` reported as ``file``
        return {"file": fields.pop("path"), **fields}


def read_word_pairs(
    path: str | os.PathLike[str], *, delimiter: str = "\t", case_insensitive: bool = True, strict: bool = True
) -> list[tuple[int, str, str, float]]:
    """Read a word-pair file: ``word1<TAB>word2<TAB>score`` lines, ``#`` comments.

    Args:
        path: the file, or a name from gensim's test data (``wordsim353.tsv``, ``simlex999.txt``).
        delimiter: field separator.
        case_insensitive: upper-case the words, as gensim compares them.
        strict: raise on a malformed line (not 3 fields, score not a number); when False skip it as gensim does.

    Returns:
        ``[(line number, word1, word2, score), ...]``.
    """
    p = data_file(path)
    rows: list[tuple[int, str, str, float]] = []
    for line_no, line in _lines(p):
        if not line or line.startswith("#"):
            continue
        fields = line.split(delimiter)
        try:
            if len(fields) != 3:
                raise ValueError(f"expected 3 fields separated by {delimiter!r}, found {len(fields)}")
            a, b, sim = fields
            score = float(sim)
            if math.isnan(score):
                raise ValueError("score is NaN")
        except ValueError as exc:
            if strict and line.strip():
                msg = str(exc) if "expected" in str(exc) or "NaN" in str(exc) else f"score {fields[-1].strip()!r}"
                raise InputError(f"{msg}: {line.strip()[:60]!r}", path=p, line=line_no) from exc
            continue
        if case_insensitive:
            a, b = a.upper(), b.upper()
        rows.append((line_no, a, b, score))
    if not rows:
        raise InputError("no word pairs in this file", path=p)
    return rows


def evaluate_word_pairs(
    vectors: KeyedVectors | str | os.PathLike[str],
    path: str | os.PathLike[str] = DEFAULT_PAIRS[0],
    *,
    delimiter: str = "\t",
    restrict_vocab: int = RESTRICT_VOCAB,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    strict: bool = True,
) -> WordPairsResult:
    """Spearman and Pearson correlation with human similarity scores, equal to gensim's ``evaluate_word_pairs``.

    Args:
        vectors: KeyedVectors or any model argument :func:`~embedlab.words.load_vectors` accepts.
        path: pairs file; default gensim's ``wordsim353.tsv``.
        delimiter: field separator.
        restrict_vocab: words outside the first ``restrict_vocab`` count as OOV.
        case_insensitive: compare upper-cased words; the most frequent case variant's vector is used.
        dummy4unknown: give OOV pairs similarity 0 instead of skipping them.
        strict: raise :class:`InputError` on malformed lines instead of skipping them as gensim does.

    Raises:
        InputError: malformed line (strict), or no pair with both words in the vocabulary.

    Example:
        >>> evaluate_word_pairs("glove-6B-50d", "simlex999.txt").spearman
    """
    from gensim import matutils
    from scipy import stats

    from embedlab.words.vectors import load_vectors

    kv = load_vectors(vectors)
    rows = read_word_pairs(path, delimiter=delimiter, case_insensitive=case_insensitive, strict=strict)
    ok_vocab = _ok_vocab(kv, restrict_vocab, case_insensitive)
    gold: list[float] = []
    model: list[float] = []
    oov = 0
    for _, a, b, score in rows:
        if a not in ok_vocab or b not in ok_vocab:
            oov += 1
            if dummy4unknown:
                gold.append(score)
                model.append(0.0)
            continue
        gold.append(score)
        # The same arithmetic as gensim's KeyedVectors.similarity, so the correlations match to the last digit.
        model.append(np.dot(matutils.unitvec(kv.vectors[ok_vocab[a]]), matutils.unitvec(kv.vectors[ok_vocab[b]])))
    if not gold:
        raise InputError("no pair has both words in the model's vocabulary", path=data_file(path))
    spearman = stats.spearmanr(gold, model)
    pearson = stats.pearsonr(gold, model)
    oov_rate = oov / len(gold) if dummy4unknown else oov / (len(gold) + oov)
    return WordPairsResult(
        str(data_file(path)),
        float(spearman[0]),
        float(spearman[1]),
        float(pearson[0]),
        float(pearson[1]),
        len(gold),
        oov,
        oov_rate,
    )


# --------------------------------------------------------------------------------------------------- both


@dataclass
class EvaluationReport:
    """All intrinsic evaluations of one model."""

    model: str
    vocab_size: int
    analogies: list[AnalogyResult]
    pairs: list[WordPairsResult]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "vocab_size": self.vocab_size,
            "analogies": [a.to_dict() for a in self.analogies],
            "word_pairs": [p.to_dict() for p in self.pairs],
        }


def evaluate_vectors(
    model: KeyedVectors | str | os.PathLike[str],
    *,
    analogies: Sequence[str | os.PathLike[str]] = (DEFAULT_ANALOGIES,),
    pairs: Sequence[str | os.PathLike[str]] = DEFAULT_PAIRS,
    restrict_vocab: int = RESTRICT_VOCAB,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    strict: bool = True,
    trust_pickle: bool = False,
    progress: bool = False,
) -> EvaluationReport:
    """Run the analogy and word-similarity evaluations (gensim's bundled files by default).

    Args:
        model: KeyedVectors or any model argument of :func:`~embedlab.words.load_vectors`.
        analogies: analogy files (``: section`` headers, four words a line).
        pairs: word-pair files (word, word, human score).
        restrict_vocab: only the most frequent words count (as gensim).
        case_insensitive: fold case before looking words up (as gensim).
        dummy4unknown: count questions with unknown words as wrong instead of skipping them.
        strict: a malformed line is an error (else skipped, as gensim).
        trust_pickle: also load pickled gensim files (they can run code).
        progress: show progress on stderr (bars on a terminal, periodic lines in a log).

    Example:
        >>> report = evaluate_vectors("glove-6B-50d")
        >>> report.analogies[0].accuracy, report.pairs[0].spearman
    """
    from embedlab.words.vectors import load_vectors

    if restrict_vocab < 1:
        raise ParameterError("restrict_vocab", f"must be at least 1, got {restrict_vocab}")
    # Check every file before loading the model: a typo should fail in a second, not after loading 400k vectors.
    for a in analogies:
        read_analogies(a, case_insensitive=case_insensitive, strict=strict)
    for p in pairs:
        read_word_pairs(p, case_insensitive=case_insensitive, strict=strict)
    kv = load_vectors(model, trust_pickle=trust_pickle)
    options = {"restrict_vocab": restrict_vocab, "case_insensitive": case_insensitive, "dummy4unknown": dummy4unknown}
    with progress_display(progress) as display:
        analogy_results = []
        for a in analogies:
            task = display.add_task(f"analogies {Path(a).name}", total=None, info="")
            analogy_results.append(
                evaluate_analogies(kv, a, strict=strict, **options, on_batch=_advance(display, task))
            )
        pair_results = [evaluate_word_pairs(kv, p, strict=strict, **options) for p in pairs]
    return EvaluationReport(
        model=str(model) if not hasattr(model, "index_to_key") else "<KeyedVectors>",
        vocab_size=len(kv),
        analogies=analogy_results,
        pairs=pair_results,
    )


def _advance(display, task) -> Callable[[int, int], None]:
    """A callback that moves a progress task to ``done`` of ``total`` questions."""

    def on_batch(done: int, total: int) -> None:
        display.update(task, completed=done, total=total, info=f"{done:,} of {total:,} questions")

    return on_batch
