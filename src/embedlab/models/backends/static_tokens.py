"""Token ids of many texts for a static model, with a per-word cache in front of a BERT tokenizer.

A static model costs one table lookup per token, so tokenizing is nearly all of its encoding time. A BERT
tokenizer (``BertNormalizer``, ``BertPreTokenizer``, ``WordPiece``, as every model distilled from a BERT-family
teacher has) cuts an ASCII text into words exactly as a regular expression does, and turns each word into the
same pieces wherever it appears: so an ASCII text's ids are its words' ids, each word tokenized once by the real
tokenizer and then looked up. The cache only answers what the tokenizer would: a text that is not ASCII, or that
contains one of the tokenizer's added tokens (``[CLS]``, ``[MASK]``...: matched before normalisation), and every
text of any other kind of tokenizer, goes to the tokenizer itself; its truncation is applied to the joined ids.

Example:
    >>> ids = WordPieceCache.of(tokenizer)
    >>> ids.token_ids(["A man plays the guitar."]) == [tokenizer.encode("A man plays the guitar.",
    ...     add_special_tokens=False).ids]
    True
"""

from __future__ import annotations

import itertools
import json
import re
import weakref
from typing import Any

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

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids (no special tokens, the tokenizer's truncation applied)."""
        if not self.enabled:
            return [e.ids for e in self.tokenizer.encode_batch_fast(texts, add_special_tokens=False)]
        split = [self._words(t) if self._cacheable(t) else None for t in texts]
        if len(self.cache) > MAX_WORDS:
            self.cache.clear()
        cache = self.cache
        missing = list(set(itertools.chain.from_iterable(w for w in split if w is not None)) - cache.keys())
        for word, enc in zip(
            missing, self.tokenizer.encode_batch_fast(missing, add_special_tokens=False), strict=True
        ):
            cache[word] = enc.ids
        rest = [t for t, words in zip(texts, split, strict=True) if words is None]
        others = iter(e.ids for e in self.tokenizer.encode_batch_fast(rest, add_special_tokens=False))
        out = []
        for words in split:
            if words is None:
                out.append(next(others))
                continue
            ids = list(itertools.chain.from_iterable(map(cache.__getitem__, words)))
            if self.max_length is not None and len(ids) > self.max_length:
                ids = ids[-self.max_length :] if self.keep_left else ids[: self.max_length]
            out.append(ids)
        return out
