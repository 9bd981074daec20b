"""What the service counts, in Prometheus' text format (``GET /metrics``), and its JSON access log.

Each app has its own ``prometheus_client`` registry, so several apps in one process (tests, a host application)
do not mix their counts. Routes are labelled by their template (``/search``), never by the raw path, so a client
probing random URLs cannot grow the label set (they are counted as ``other``).

Example:
    >>> m = Metrics()
    >>> m.observe_request("POST", "/embed", 200, 0.012)
    >>> b"embedlab_requests_total" in m.exposition()[0]
    True
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

access_log = logging.getLogger("embedlab.access")

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class Metrics:
    """Request counts and latencies per route and status, model-call batch sizes, texts embedded, work dropped."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "embedlab_requests", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "embedlab_request_seconds",
            "Time to answer a request",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "embedlab_batch_size",
            "Texts per model call (micro-batching merges concurrent requests)",
            ["input_type"],
            buckets=_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.texts = Counter("embedlab_texts_embedded", "Texts embedded", ["input_type"], registry=self.registry)
        self.dropped = Counter(
            "embedlab_requests_abandoned",
            "Requests whose client left before the answer; their remaining work was not done",
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def observe_batch(self, input_type: str, size: int) -> None:
        self.batch_size.labels(input_type).observe(size)
        self.texts.labels(input_type).inc(size)

    def exposition(self) -> tuple[bytes, str]:
        """The metrics as Prometheus text, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def log_access(method: str, path: str, route: str, status: int, seconds: float, client: Any, **extra: Any) -> None:
    """One JSON line per request (``embedlab.access`` logger, level info): what a log pipeline can parse."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    record = {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
        "method": method,
        "path": path,
        "route": route,
        "status": status,
        "ms": round(seconds * 1000, 2),
        "client": f"{client[0]}:{client[1]}" if client else None,
        **extra,
    }
    access_log.info(json.dumps(record, ensure_ascii=True))
