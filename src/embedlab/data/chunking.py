"""The one sentence splitter and the one chunker of embedlab, both with exact character offsets.

Sentences come from NLTK's Punkt splitter (a maintained sentence-boundary detector that knows abbreviations,
initials, ellipses and numbers), given a fixed English abbreviation list instead of a trained model: the Punkt data
package is not installed everywhere, and an index's chunk offsets must not change with what happens to be
installed. Blank lines always end a sentence (headings, list items). Offsets are exact: every span ``(start, end)``
indexes the original text, so ``text[start:end]`` is the sentence.

Chunks are windows of ``size`` sentences or tokens that share ``overlap`` of them with the next window; tokens are
the model's (a Hugging Face fast tokenizer, through its offset mapping) or whitespace-separated words.

Used by the index (:func:`embedlab.data.documents.chunk_documents`), by ``data pairs-from-corpus``
(:mod:`embedlab.data.pairs_from_corpus`) and by training's chunked evaluation.

Example:
    >>> split_sentences("Mr. Prosser came at 8 a.m. sharp. Arthur lay down.")
    ['Mr. Prosser came at 8 a.m. sharp.', 'Arthur lay down.']
    >>> text = "One. Two. Three."
    >>> [text[s:e] for s, e in text_windows(text, by="sentences", size=2, overlap=1)]
    ['One. Two.', 'Two. Three.']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

from embedlab.data.tokens import token_offsets
from embedlab.errors import ParameterError

WindowBy = Literal["sentences", "tokens"]

# Words that end with a period without ending a sentence (lower case, without the final period, as Punkt stores
# them). Single letters cover initials ("J. R. R. Tolkien") and "U.S."-style abbreviations end in one.
ABBREVIATIONS = frozenset(
    """mr mrs ms mx dr prof sr jr st mt ft rev hon gen col maj capt lt sgt cpl adm gov pres sen rep
    vs etc al e.g i.e cf viz approx ca c fig figs eq eqs no nos vol vols pp p ed eds ch sec art dept est
    inc ltd co corp bros assn univ jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    a.m p.m u.s u.k u.n e.u u.s.a d.c ph.d b.a m.a b.sc m.sc m.d
    """.split()
) | frozenset("abcdefghijklmnopqrstuvwxyz")

_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")
_WORD = re.compile(r"\S+")


@lru_cache(maxsize=1)
def _punkt() -> Any:
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``; whitespace between sentences is left out.

    Example:
        >>> text = "Dr. Smith paid $3.50. He left."
        >>> [text[s:e] for s, e in sentence_spans(text)]
        ['Dr. Smith paid $3.50.', 'He left.']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    bounds = [m.span() for m in _PARAGRAPH.finditer(text)] + [(len(text), len(text))]
    for cut, resume in bounds:
        para_start, para_end = _strip_span(text, start, cut)
        if para_end > para_start:
            para = text[para_start:para_end]
            spans.extend((para_start + s, para_start + e) for s, e in _punkt().span_tokenize(para))
        start = resume
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (:func:`sentence_spans`, as strings).

    Example:
        >>> split_sentences("Mrs. Smith met J. R. Tolkien in the U.S. in 1950. They talked!")
        ['Mrs. Smith met J. R. Tolkien in the U.S. in 1950.', 'They talked!']
    """
    return [text[s:e] for s, e in sentence_spans(text)]


def token_spans(text: str, tokenizer: Any | None = None) -> list[tuple[int, int]]:
    """Character spans of the tokens of ``text``: the model's tokenizer when given (a fast Hugging Face tokenizer,
    so chunks are measured in the tokens the model reads), else whitespace-separated words."""
    if tokenizer is None:
        return [m.span() for m in _WORD.finditer(text)]
    return token_offsets(tokenizer, text)


def check_window(size: int, overlap: int) -> None:
    """Refuse a window size below 1 or an overlap outside ``0..size-1`` (Python parameter names)."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ParameterError("chunk_size", f"must be at least 1, got {size}")
    if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap < size:
        raise ParameterError("overlap", f"must be between 0 and chunk size - 1 ({size - 1}), got {overlap}")


def windows(spans: Sequence[tuple[int, int]], size: int, overlap: int) -> list[tuple[int, int]]:
    """Group consecutive spans ``size`` at a time, ``overlap`` shared: the character span of each group."""
    check_window(size, overlap)
    step = size - overlap
    out = []
    for first in range(0, len(spans), step):
        window = spans[first : first + size]
        out.append((window[0][0], window[-1][1]))
        if first + size >= len(spans):
            break
    return out


def text_windows(
    text: str, *, by: WindowBy = "sentences", size: int = 5, overlap: int = 1, tokenizer: Any | None = None
) -> list[tuple[int, int]]:
    """Character spans of the chunks of one text: windows of ``size`` sentences or tokens, ``overlap`` shared.

    Args:
        text: the text.
        by: ``sentences`` or ``tokens``.
        size: sentences or tokens per chunk.
        overlap: how many consecutive chunks share (less than ``size``).
        tokenizer: for ``tokens``: a Hugging Face fast tokenizer (the model's), else words are counted.

    Returns:
        ``[(start, end), ...]`` with ``text[start:end]`` the chunk; a text with no sentence or token gives one
        chunk of the whole text.

    Example:
        >>> text = "a b c d e"
        >>> [text[s:e] for s, e in text_windows(text, by="tokens", size=3, overlap=1)]
        ['a b c', 'c d e']
    """
    if by not in ("sentences", "tokens"):
        raise ParameterError("chunk", f"unknown chunking {by!r}; use sentences or tokens")
    check_window(size, overlap)
    spans = sentence_spans(text) if by == "sentences" else token_spans(text, tokenizer)
    return windows(spans, size, overlap) if spans else [(0, len(text))]


def chunk_text_tokens(texts: Sequence[str], tokenizer: Any, max_tokens: int, overlap: int) -> list[list[str]]:
    """Each text cut into overlapping windows of at most ``max_tokens`` of the model's tokens (chunked evaluation).

    Example:
        >>> chunk_text_tokens(["a long passage ..."], model.tokenizer, model.max_seq_length - 2, 32)  # doctest: +SKIP
    """
    out = []
    for text in texts:
        spans = text_windows(
            text, by="tokens", size=max_tokens, overlap=min(overlap, max_tokens - 1), tokenizer=tokenizer
        )
        out.append([text[s:e] for s, e in spans] or [text])
    return out
