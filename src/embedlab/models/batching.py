"""Batches of texts of near-equal length in the model's own tokens, so that little of each batch is padding.

sentence-transformers sorts an input by its length in characters before it cuts it into batches. A character count
is a loose measure of a text's tokens: on the 2,910 STS-B dev sentences with all-MiniLM-L6-v2's tokenizer, batches
of 32 cut after sorting by characters hold 36 % more positions than there are tokens (padding), and after sorting by
tokens 2 %. Every padded position costs the encoder as much as a real one, so embedlab counts the tokens first
(:func:`embedlab.data.tokens.token_lengths`, on a private copy of the fast tokenizer: about 15 us a sentence, 2 % of
what encoding costs) and hands sentence-transformers one batch at a time. Each batch is encoded as
sentence-transformers would encode it; the vectors are the same up to float rounding (1e-6).

Example:
    >>> length_batches([3, 9, 5, 9, 1], batch_size=2)
    [[1, 3], [2], [0, 4]]
    >>> length_batches([60, 58, 12, 11, 10, 10], batch_size=8, overhead=16)  # one batch would pad to 60 x 6
    [[0, 1], [2, 3, 4, 5]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

# The fixed cost of a batch in token positions: on all-MiniLM-L6-v2, micro-batches of 24 Lee sentences (the service's
# load) encoded fastest cut at 128 to 256 on torch (158-160 texts/s against 131 as one batch) and at 128 on ONNX int8
# in lanes (354 against 307); whole inputs of STS-B dev were as fast as cuts of exactly 32 (2026-11-30).
BATCH_OVERHEAD = 128


def length_batches(lengths: Sequence[int], batch_size: int, *, overhead: int = BATCH_OVERHEAD) -> list[list[int]]:
    """Positions sorted longest first (ties keep their order), cut into batches of at most ``batch_size`` so that the
    padded positions plus ``overhead`` per batch are fewest.

    A batch costs its longest text's length times its size (every row is padded to it) plus a fixed ``overhead``
    (the call, and the lower efficiency of small matrix products), in token positions. The best cuts of the sorted
    order come from a dynamic programme over batch ends, ``O(n * batch_size)``, 14 ms for 2,910 texts of batch 32.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    size = max(1, batch_size)
    sorted_lengths = np.array([lengths[i] for i in order], dtype=np.float64)
    cost = np.zeros(len(order) + 1)
    start = np.zeros(len(order) + 1, dtype=np.int64)
    for end in range(1, len(order) + 1):
        first = max(0, end - size)
        options = cost[first:end] + sorted_lengths[first:end] * (end - np.arange(first, end)) + overhead
        best = int(np.argmin(options))
        cost[end], start[end] = options[best], first + best
    cuts, end = [], len(order)
    while end > 0:
        cuts.append(order[start[end] : end])
        end = int(start[end])
    return cuts[::-1]


def encode_batches(
    encode_batch: Callable[[list[str]], np.ndarray], texts: Sequence[str], batches: Sequence[Sequence[int]]
) -> np.ndarray:
    """Encode each batch of positions with ``encode_batch`` and put every row back at its text's position."""
    out: np.ndarray | None = None
    for batch in batches:
        rows = encode_batch([texts[i] for i in batch])
        if out is None:
            out = np.empty((len(texts), rows.shape[1]), dtype=rows.dtype)
        out[list(batch)] = rows
    assert out is not None, "no batches"
    return out
