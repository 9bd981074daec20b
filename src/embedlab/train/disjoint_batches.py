"""Batches in which no two rows share a key: the fill that keeps duplicate texts (or passages of one document) apart.

In-batch-negative losses treat every other row of a batch as a negative, so two rows with the same text, or two
chunks of one document, in one batch would teach the model that a positive is a negative. Both the length-grouped
sampler (keys: a row's texts) and the document-disjoint batches of chunk pairs (key: the document) fill batches the
same greedy way, here.

Example:
    >>> disjoint_batches([0, 1, 2, 3], 2, lambda i: ["a", "a", "b", "c"][i])
    [[0, 2], [1, 3]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence


def disjoint_batches(order: Sequence[int], batch_size: int, keys: Callable[[int], Iterable[str]]) -> list[list[int]]:
    """Cut ``order`` into batches of at most ``batch_size`` rows in which no two rows share a key.

    A row whose key is already in the batch being filled waits for a later batch, so every row is used exactly once
    and the order of ``order`` is kept within each batch; the last batches may be smaller.

    Args:
        order: row indices, in the order to fill them.
        batch_size: most rows per batch (at least 1).
        keys: a row's keys (its texts, its document id): a batch holds each key at most once.

    Example:
        >>> disjoint_batches([0, 1, 2], 2, lambda i: [("x", "y"), ("y",), ("z",)][i])
        [[0, 2], [1]]
    """
    out: list[list[int]] = []
    pending = list(order)
    while pending:
        batch: list[int] = []
        seen: set[str] = set()
        rest: list[int] = []
        for i in pending:
            row_keys = set(keys(i))
            if len(batch) < batch_size and seen.isdisjoint(row_keys):
                batch.append(i)
                seen.update(row_keys)
            else:
                rest.append(i)
        out.append(batch)
        pending = rest
    return out
