"""Encoding an input in parallel lanes: one single-thread graph inference per core, side by side.

A small encoder (all-MiniLM-L6-v2) on short texts cannot keep two cores busy inside one inference: each operator
runs for tens of microseconds and the cores wait for each other after every one. Two single-thread inferences on
different batches do keep them busy. On 2 cores, STS-B dev, ONNX Runtime int8 with numpy around the session: 803
sentences/s with one two-thread inference at a time, 914 with two one-thread lanes (2026-11-30).

So the graph encoders (ONNX Runtime, OpenVINO) sort an input by length, cut it into batches, deal the batches out
to one lane per core and run each lane in its own thread (both runtimes release the GIL). An input of several
batches keeps the batches a single lane would make (up to texts of equal length changing places), so the vectors
are the same (to 1e-5; dynamic int8 scales each batch by its own range, so there a tie that changes batch moves a
vector by about as much as int8 itself does). An input of one batch of at least ``2 * MIN_LANE_TEXTS`` texts (the
service's micro-batches) is cut into one smaller batch per lane. A short input (a search query) keeps the one
inference over every core, which is the lower latency. Only one encode at a time runs in lanes: the service's
concurrent callers already keep the cores busy, so a second caller runs as one lane.

Example:
    >>> plan_lanes(n_texts=100, batch_size=32, cores=2)
    (2, 32)
    >>> plan_lanes(n_texts=40, batch_size=64, cores=2)
    (2, 20)
    >>> plan_lanes(n_texts=3, batch_size=32, cores=2)
    (1, 32)
    >>> deal_batches([3, 1, 2, 5, 4], batch_size=2, lanes=2)
    [[3, 4, 1], [0, 2]]
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext

import numpy as np

MIN_LANE_TEXTS = 8  # below this a lane's batch is too small to be worth a thread of its own

_local = threading.local()
_busy = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _forget_after_fork() -> None:
    """In a forked child the pools' threads do not exist: a pool would queue work that no thread ever runs."""
    global _busy, _pools_lock
    _pools.clear()
    _busy, _pools_lock = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


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


def plan_lanes(n_texts: int, batch_size: int, cores: int) -> tuple[int, int]:
    """``(lanes, batch size)`` for an input of ``n_texts``: one lane per core, at most one per batch; a single batch
    of at least ``2 * MIN_LANE_TEXTS`` texts is cut into one batch per lane."""
    batch_size = max(1, batch_size)
    batches = -(-n_texts // batch_size)
    if batches >= 2:
        return max(1, min(cores, batches)), batch_size
    lanes = max(1, min(cores, n_texts // MIN_LANE_TEXTS))
    return (lanes, -(-n_texts // lanes)) if lanes > 1 else (1, batch_size)


def deal_batches(lengths: Sequence[int], batch_size: int, lanes: int) -> list[list[int]]:
    """Positions sorted longest first (as sentence-transformers sorts), cut into batches dealt round-robin to lanes."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches = [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
    return [[i for b in batches[k::lanes] for i in b] for k in range(lanes)]


def _pool(lanes: int) -> ThreadPoolExecutor:
    """The lane threads, kept between calls (a runtime may keep per-thread state, such as an infer request)."""
    with _pools_lock:
        if lanes not in _pools:
            _pools[lanes] = ThreadPoolExecutor(lanes, thread_name_prefix="embedlab-lane")
        return _pools[lanes]


def encode_in_lanes(
    encode: Callable[[list[str], int], np.ndarray],
    texts: list[str],
    *,
    batch_size: int,
    cores: int,
    per_thread: Callable[[], AbstractContextManager[object]] | None = None,
) -> np.ndarray:
    """``encode(texts, batch_size)`` computed in lanes (see :func:`plan_lanes`); one call when lanes are busy.

    Args:
        encode: encodes a list of texts (one lane's share) in batches of the size given.
        texts: the whole input.
        batch_size: the caller's batch size.
        cores: how many lanes at most.
        per_thread: a context manager factory entered in every lane thread (torch's thread count is per thread).
    """
    lanes, size = plan_lanes(len(texts), batch_size, cores)
    if lanes < 2 or not _busy.acquire(blocking=False):
        return encode(texts, batch_size)
    try:
        shares = deal_batches([len(t) for t in texts], size, lanes)

        def run(share: list[int]) -> np.ndarray:
            with lane(), per_thread() if per_thread else nullcontext():
                return encode([texts[i] for i in share], size)

        # The tokenizer sets its truncation and padding on first use; doing it here keeps the lanes from racing to.
        encode([min(texts, key=len)], size)
        parts = list(_pool(lanes).map(run, shares))
    finally:
        _busy.release()
    out = np.empty((len(texts), parts[0].shape[1]), dtype=parts[0].dtype)
    for share, part in zip(shares, parts, strict=True):
        out[share] = part
    return out
