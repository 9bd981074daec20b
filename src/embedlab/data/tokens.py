"""Counting and locating a model's tokens without touching its tokenizer's settings.

A Hugging Face fast tokenizer keeps its truncation and padding settings on one shared Rust object, and each call
switches them to what that call asks for. Counting tokens with ``truncation=False`` while another thread encodes a
padded batch (the service counts OpenAI's ``usage`` while its batcher encodes) can make that batch come out
unpadded: sentence-transformers then fails with "Unable to create tensor". So the counts and spans here come from a
private copy of the fast tokenizer's Rust object, made once per tokenizer, with nothing cut and nothing padded. A
slow (Python) tokenizer has no such shared state and is called as it is.

The counts of the last few thousand short texts are kept: the service counts a request's tokens for OpenAI's
``usage`` just after the encoder counted the same texts to cut its batches, and counting them again took 1.1 ms of
its 15 ms of CPU a request (four news sentences, onnx-int8).

Example:
    >>> from transformers import AutoTokenizer
    >>> tok = AutoTokenizer.from_pretrained("all-MiniLM-L6-v2")  # doctest: +SKIP
    >>> token_lengths(tok, ["Hello world!", ""])  # doctest: +SKIP
    [5, 2]
"""

from __future__ import annotations

import copy
import threading
import weakref
from collections.abc import Sequence
from typing import Any

_copies: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_copies_lock = threading.Lock()
_recent: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()
RECENT = 8192  # texts whose counts are kept, per tokenizer
RECENT_MAX_CHARS = 2000  # longer texts are not kept (the memory stays under ~20 MB)


def private_backend(tokenizer: Any) -> Any | None:
    """This tokenizer's own copy of its fast (Rust) tokenizer, set to cut and pad nothing; None for a slow one."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or not hasattr(backend, "encode_batch_fast"):
        return None
    with _copies_lock:
        try:
            own = _copies.get(tokenizer)
        except TypeError:  # not weakly referable: a copy per call
            own = None
        if own is None:
            own = copy.deepcopy(backend)
            own.no_truncation()
            own.no_padding()
            try:
                _copies[tokenizer] = own
            except TypeError:
                pass
    return own


def token_lengths(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Each text's length in the model's tokens, special tokens included, nothing cut.

    A slow tokenizer is called with ``verbose=False``: it would otherwise log "Token indices sequence length is longer
    than the specified maximum" for the first long text, while the callers measure exactly that to report it in their
    own words.
    """
    own = private_backend(tokenizer)
    if own is not None:
        return _fast_lengths(tokenizer, own, list(texts))
    encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
    return [len(ids) for ids in encoded["input_ids"]]


def _fast_lengths(tokenizer: Any, own: Any, texts: list[str]) -> list[int]:
    """Lengths from the private Rust copy, the recently counted ones from memory (dict reads and writes are atomic,
    so threads may share it; a count lost to a concurrent clear is counted again)."""
    try:
        recent = _recent.setdefault(tokenizer, {})
    except TypeError:  # not weakly referable: nothing kept
        recent = {}
    counts = [recent.get(t) for t in texts]
    missing = [t for t, n in zip(texts, counts, strict=True) if n is None]
    if not missing:
        return counts  # type: ignore[return-value]
    fresh = {t: len(e) for t, e in zip(missing, own.encode_batch_fast(missing, add_special_tokens=True), strict=True)}
    if len(fresh) <= RECENT:  # a large input (an index build) is not kept: it would only push the rest out
        if len(recent) + len(fresh) > RECENT:
            recent.clear()
        recent.update((t, n) for t, n in fresh.items() if len(t) <= RECENT_MAX_CHARS)
    return [fresh[t] if n is None else n for t, n in zip(texts, counts, strict=True)]


def token_offsets(tokenizer: Any, text: str) -> list[tuple[int, int]]:
    """Character spans of the tokens of ``text`` (special tokens left out, empty spans dropped)."""
    own = private_backend(tokenizer)
    if own is not None:
        offsets = own.encode(text, add_special_tokens=False).offsets
    else:
        offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=False)[
            "offset_mapping"
        ]
    return [(int(s), int(e)) for s, e in offsets if e > s]
