"""Encoding an input in parallel lanes: one single-thread graph inference per core, side by side.

A small encoder (all-MiniLM-L6-v2) on short texts cannot keep two cores busy inside one inference: each operator
runs for tens of microseconds and the cores wait for each other after every one. Two single-thread inferences on
different batches do keep them busy. On 2 cores, STS-B dev, ONNX Runtime int8 with numpy around the session: 803
sentences/s with one two-thread inference at a time, 914 with two one-thread lanes (2026-11-30).

So the graph encoders (ONNX Runtime, OpenVINO) take the batches the encoder cut (of near-equal token length,
:mod:`embedlab.models.batching`) and run them in one lane per core, each lane in its own thread taking the next
batch when it is done (both runtimes release the GIL). The vectors are the same as one lane's (to 1e-5).

An input of at least ``2 * MIN_LANE_TEXTS`` texts is cut into at least ``BATCHES_PER_LANE`` batches a lane
(:func:`plan_lanes`): the lanes of one call end together only when the last batches are small. A service's
micro-batch of 28 news sentences cut in two halves kept the two cores busy 80 % of the call (2026-11-30, onnx-int8,
2 cores: the service benchmark's micro-batches encode at 118-121 requests a second in halves, 132-138 in batches of
up to 5, which also pad less). A short input (a search query) keeps the one inference over every core, which is the
lower latency. Only one encode at a time runs in lanes: the service's concurrent callers already keep the cores
busy, so a second caller runs its batches one after another.

Example:
    >>> plan_lanes(n_texts=1000, batch_size=32, cores=2)
    (2, 32)
    >>> plan_lanes(n_texts=28, batch_size=64, cores=2)
    (2, 5)
    >>> plan_lanes(n_texts=3, batch_size=32, cores=2)
    (1, 32)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext

import numpy as np

from embedlab.models.batching import encode_batches

MIN_LANE_TEXTS = 8  # below this a lane's batch is too small to be worth a thread of its own
BATCHES_PER_LANE = 3  # so that the lanes of one call finish within a small batch of each other
MIN_BATCH = 4  # smaller batches cost more in per-batch overhead than they win back in balance

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
    """``(lanes, batch size)`` for an input of ``n_texts``: one lane per core when there are at least
    ``MIN_LANE_TEXTS`` texts a lane, and batches small enough for ``BATCHES_PER_LANE`` a lane (at most
    ``batch_size``, at least ``MIN_BATCH``)."""
    batch_size = max(1, batch_size)
    lanes = max(1, min(cores, n_texts // MIN_LANE_TEXTS))
    if lanes < 2:
        return 1, batch_size
    return lanes, min(batch_size, max(MIN_BATCH, -(-n_texts // (lanes * BATCHES_PER_LANE))))


def _pool(lanes: int) -> ThreadPoolExecutor:
    """The lane threads, kept between calls (a runtime may keep per-thread state, such as an infer request)."""
    with _pools_lock:
        if lanes not in _pools:
            _pools[lanes] = ThreadPoolExecutor(lanes, thread_name_prefix="embedlab-lane")
        return _pools[lanes]


def encode_in_lanes(
    encode_batch: Callable[[list[str]], np.ndarray],
    texts: list[str],
    batches: Sequence[Sequence[int]],
    *,
    cores: int,
    per_thread: Callable[[], AbstractContextManager[object]] | None = None,
) -> np.ndarray:
    """Every batch of ``texts`` encoded by ``encode_batch`` in up to ``cores`` lanes; rows back in the texts' order.

    Args:
        encode_batch: encodes one batch of texts (run in a lane thread, which :func:`in_lane` tells).
        texts: the whole input.
        batches: positions in ``texts``, one list per batch (longest first, so that the lanes finish together).
        cores: how many lanes at most.
        per_thread: a context manager factory entered in every lane thread (torch's thread count is per thread).
    """
    lanes = min(cores, len(batches))
    if lanes < 2 or not _busy.acquire(blocking=False):
        return encode_batches(encode_batch, texts, batches)
    try:
        pending = iter(range(len(batches)))
        take = threading.Lock()

        def run() -> list[tuple[int, np.ndarray]]:
            done = []
            with lane(), per_thread() if per_thread else nullcontext():
                while True:
                    with take:
                        b = next(pending, None)
                    if b is None:
                        return done
                    done.append((b, encode_batch([texts[i] for i in batches[b]])))

        futures = [_pool(lanes).submit(run) for _ in range(lanes)]
        parts = [part for future in futures for part in future.result()]
    finally:
        _busy.release()
    out = np.empty((len(texts), parts[0][1].shape[1]), dtype=parts[0][1].dtype)
    for b, rows in parts:
        out[list(batches[b])] = rows
    return out
