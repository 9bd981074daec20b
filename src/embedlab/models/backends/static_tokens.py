"""Token ids of many texts for a static model, with a per-word cache in front of a BERT tokenizer.

A static model costs one table lookup per token, so tokenizing is nearly all of its encoding time. A BERT
tokenizer (``BertNormalizer``, ``BertPreTokenizer``, ``WordPiece``, as every model distilled from a BERT-family
teacher has) cuts an ASCII text into words exactly as a regular expression does, and turns each word into the
same pieces wherever it appears: so an ASCII text's ids are its words' ids, each word tokenized once by the real
tokenizer and then looked up. The cache only answers what the tokenizer would: a text that is not ASCII, or that
contains one of the tokenizer's added tokens (``[CLS]``, ``[MASK]``...: matched before normalisation), and every
text of any other kind of tokenizer, goes to the tokenizer itself; its truncation is applied to the joined ids.

Example:
    >>> ids, lengths = WordPieceCache.of(module).flat_ids(["A man plays the guitar.", "It rains."])
    >>> ids.tolist() == tokenizer.encode("A man plays the guitar.", add_special_tokens=False).ids + tokenizer.encode(
    ...     "It rains.", add_special_tokens=False).ids
    True
"""

from __future__ import annotations

import itertools
import json
import re
import weakref
from typing import Any

import numpy as np

# BertNormalizer's clean_text drops control characters (tab, newline and return are whitespace, kept).
_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])
# Past this many cached words (a corpus with an open vocabulary) the cache starts again rather than grow.
MAX_WORDS = 500_000

_CACHES: weakref.WeakKeyDictionary[Any, WordPieceCache] = weakref.WeakKeyDictionary()


class WordPieceCache:
    """Ids of texts as ``tokenizer.encode_batch_fast(texts, add_special_tokens=False)`` gives them.

    Args:
        tokenizer: a ``tokenizers.Tokenizer`` (padding off, as a static model keeps it).
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        config = json.loads(tokenizer.to_str())
        normalizer, pre, model = (config.get(k) or {} for k in ("normalizer", "pre_tokenizer", "model"))
        truncation = config.get("truncation") or {}
        self.enabled = (
            normalizer.get("type") == "BertNormalizer"
            and pre.get("type") == "BertPreTokenizer"
            and model.get("type") == "WordPiece"
            and truncation.get("direction", "Right") in ("Right", "Left")
        )
        self.lowercase = bool(normalizer.get("lowercase", True))
        alnum = "a-z0-9" if self.lowercase else "A-Za-z0-9"
        # BertPreTokenizer on ASCII: runs of letters and digits are words, every other visible character is alone.
        self.words = re.compile(rf"[{alnum}]+|[^{alnum} \t\n\r]")
        added = [t["content"] for t in config.get("added_tokens", []) if t.get("content")]
        self.added = re.compile("|".join(map(re.escape, added)), re.IGNORECASE) if added else None
        self.max_length = truncation.get("max_length")
        self.keep_left = truncation.get("direction") == "Left"
        self.cache: dict[str, list[int]] = {}

    @classmethod
    def of(cls, owner: Any, tokenizer: Any | None = None) -> WordPieceCache:
        """The cache of ``owner`` (a static module, whose ``tokenizer`` is used unless one is given), made once."""
        tokenizer = tokenizer if tokenizer is not None else owner.tokenizer
        found = _CACHES.get(owner)
        if found is None or found.tokenizer is not tokenizer:
            found = _CACHES[owner] = cls(tokenizer)
        return found

    def _cacheable(self, text: str) -> bool:
        return text.isascii() and not (self.added is not None and self.added.search(text))

    def _words(self, text: str) -> list[str]:
        if not text.isprintable():  # only then can it hold a control character (a C scan, cheaper than translate)
            text = text.translate(_CONTROL)
        return self.words.findall(text.lower() if self.lowercase else text)

    def _filled(self, split: list[list[str] | None]) -> dict[str, list[int]]:
        """The cache, holding every word of ``split`` (the unknown ones tokenized in one call).

        Thread-safe for concurrent encodes (a service): a full cache is replaced, not cleared under a reader, and
        every call reads the dict its own words went into.
        """
        if len(self.cache) > MAX_WORDS:
            self.cache = {}
        cache = self.cache
        missing = list(set(itertools.chain.from_iterable(w for w in split if w is not None)) - cache.keys())
        encodings = self.tokenizer.encode_batch_fast(missing, add_special_tokens=False)
        cache.update(zip(missing, (e.ids for e in encodings), strict=True))
        return cache

    def flat_ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """All texts' token ids end to end, and each text's count of them (no special tokens, the tokenizer's
        truncation applied): what ``encode_batch_fast(texts, add_special_tokens=False)`` gives, flattened."""
        if not self.enabled:
            return _flatten([e.ids for e in self.tokenizer.encode_batch_fast(texts, add_special_tokens=False)])
        split: list = [self._words(t) if self._cacheable(t) else None for t in texts]
        cache = self._filled(split)
        rest = [i for i, words in enumerate(split) if words is None]
        for i in rest:
            split[i] = (i,)  # one stand-in piece, an int (no word is one): replaced by the tokenizer's ids below
        pieces = list(map(cache.get, itertools.chain.from_iterable(split)))
        words_per_text = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        starts = np.cumsum(words_per_text) - words_per_text
        whole = self.tokenizer.encode_batch_fast([texts[i] for i in rest], add_special_tokens=False)
        for i, enc in zip(rest, whole, strict=True):
            pieces[starts[i]] = enc.ids
        piece_lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        ids = np.fromiter(itertools.chain.from_iterable(pieces), dtype=np.int64, count=int(piece_lengths.sum()))
        ends = np.concatenate([[0], np.cumsum(piece_lengths)])[np.concatenate([[0], np.cumsum(words_per_text)])]
        return self._truncated(ids, np.diff(ends))

    def _truncated(self, ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The tokenizer's truncation on joined ids: the first (or last) ``max_length`` of each text."""
        if self.max_length is None or lengths.size == 0 or lengths.max() <= self.max_length:
            return ids, lengths
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        position = np.arange(ids.size) - starts
        if self.keep_left:
            position = np.repeat(lengths, lengths) - 1 - position
        return ids[position < self.max_length], np.minimum(lengths, self.max_length)


def _flatten(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    return np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum())), lengths
