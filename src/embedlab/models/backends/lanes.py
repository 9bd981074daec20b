"""Encoding a large input in parallel lanes: one single-thread graph inference per core, side by side.

A small encoder (all-MiniLM-L6-v2) on short texts cannot keep two cores busy inside one inference: each operator
runs for tens of microseconds and the cores wait for each other after every one. Two single-thread inferences on
different batches do keep them busy. On 2 cores, STS-B dev, ONNX Runtime int8 with numpy around the session: 803
sentences/s with one two-thread inference at a time, 914 with two one-thread lanes (2026-11-30).

So when an input spans several batches, the graph encoders (ONNX Runtime, OpenVINO) sort it by length, deal the
batches out to one lane per core and run each lane in its own thread (both runtimes release the GIL). The batches
are the ones a single lane would make (up to texts of equal length changing places), so the vectors are the same (to
1e-5; dynamic int8 scales each batch by its own range, so there a tie that changes batch moves a vector by about as
much as int8 itself does). Measured with the encoders (``benchmarks/bench_backends.py``, 2026-11-30 11:58 UTC, load
1.4): onnx-int8 852 -> 911 and openvino-int8 974 -> 1,011 sentences/s. A short input (one batch, as a search query)
keeps the one inference over every core, which is the lower latency. Only one encode at a time runs in lanes: the
service's concurrent callers already keep the cores busy, so a second caller runs as one lane.

Example:
    >>> lanes_for(n_texts=100, batch_size=32, cores=2)
    2
    >>> lanes_for(n_texts=32, batch_size=32, cores=2)
    1
    >>> deal_batches([3, 1, 2, 5, 4], batch_size=2, lanes=2)
    [[3, 4, 1], [0, 2]]
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext

import numpy as np

_local = threading.local()
_busy = threading.Lock()


def in_lane() -> bool:
    """Whether the calling thread is a lane (its graph runtime should run a one-thread inference)."""
    return getattr(_local, "active", False)


@contextmanager
def lane() -> Iterator[None]:
    """Mark the calling thread as a lane for the duration of the block."""
    _local.active = True
    try:
        yield
    finally:
        _local.active = False


def lanes_for(n_texts: int, batch_size: int, cores: int) -> int:
    """How many lanes an input of ``n_texts`` gets: one per core, at most one per batch."""
    batches = -(-n_texts // max(1, batch_size))
    return max(1, min(cores, batches))


def deal_batches(lengths: Sequence[int], batch_size: int, lanes: int) -> list[list[int]]:
    """Positions sorted longest first (as sentence-transformers sorts), cut into batches dealt round-robin to lanes."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches = [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
    return [[i for b in batches[k::lanes] for i in b] for k in range(lanes)]


def encode_in_lanes(
    encode: Callable[[list[str]], np.ndarray],
    texts: list[str],
    *,
    batch_size: int,
    lanes: int,
    per_thread: Callable[[], AbstractContextManager[object]] | None = None,
) -> np.ndarray:
    """``encode(texts)`` computed in ``lanes`` threads, each a lane; falls back to one call when lanes are busy.

    Args:
        encode: encodes a list of texts (one lane's share) into rows.
        texts: the whole input.
        batch_size: the batch size ``encode`` uses (the lanes get whole batches).
        lanes: the number of lanes (see :func:`lanes_for`).
        per_thread: a context manager factory entered in every lane thread (torch's thread count is per thread).
    """
    if lanes < 2 or not _busy.acquire(blocking=False):
        return encode(texts)
    try:
        shares = deal_batches([len(t) for t in texts], batch_size, lanes)
        # The tokenizer sets its truncation and padding on first use; doing it here keeps the lanes from racing to.
        encode([min(texts, key=len)])

        def run(share: list[int]) -> np.ndarray:
            with lane(), per_thread() if per_thread else nullcontext():
                return encode([texts[i] for i in share])

        with ThreadPoolExecutor(lanes, thread_name_prefix="embedlab-lane") as pool:
            parts = list(pool.map(run, shares))
    finally:
        _busy.release()
    out = np.empty((len(texts), parts[0].shape[1]), dtype=parts[0].dtype)
    for share, part in zip(shares, parts, strict=True):
        out[share] = part
    return out
