"""Speed and size beside quality: what a model costs to run on this machine.

* ``texts_per_s``: encoding throughput on a batch of real texts (after one warm-up batch);
* ``latency_ms``: median time to encode one query alone (what an online search pays per request);
* ``params``, ``dim``, ``model_mb``: parameter count, embedding size, and the memory the weights take;
* ``peak_rss_mb``: the process's peak resident memory so far (includes everything loaded before).

Example:
    >>> measure_speed(load_encoder("all-MiniLM-L6-v2"), texts[:256])["texts_per_s"]
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from embedlab.models.encoder import Encoder


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def measure_speed(
    encoder: Encoder, texts: Sequence[str], *, n_texts: int = 256, n_queries: int = 20, batch_size: int = 32
) -> dict[str, Any]:
    """Throughput, per-query latency and size of an encoder (it encodes directly, never from the cache).

    Args:
        encoder: the model to time.
        texts: sample texts (the first ``n_texts`` are timed; the first ``n_queries`` timed one by one).
        n_texts: how many texts the throughput is measured on.
        n_queries: how many single-text encodes the latency is the median of.
        batch_size: the batch size for throughput.

    Example:
        >>> info = measure_speed(enc, ["a short query"] * 64, n_texts=64)
    """
    sample = list(texts[:n_texts]) or ["an example sentence"]
    encoder.encode(sample[:batch_size], batch_size=batch_size)  # warm-up (lazy init, allocator)
    start = time.perf_counter()
    encoder.encode(sample, batch_size=batch_size)
    elapsed = time.perf_counter() - start
    latencies = []
    for text in sample[:n_queries]:
        t0 = time.perf_counter()
        encoder.encode([text], batch_size=1)
        latencies.append((time.perf_counter() - t0) * 1000)
    info = dict(encoder.info())
    info.update(
        {
            "texts_per_s": round(len(sample) / elapsed, 1) if elapsed > 0 else float("inf"),
            "latency_ms": round(statistics.median(latencies), 2),
            "speed_texts": len(sample),
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    return info
