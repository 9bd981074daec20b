"""A client that leaves stops costing CPU: a large embedding request is dropped at the next chunk."""

from __future__ import annotations

import json
import socket
import time

import pytest

pytest.importorskip("fastapi")

from serve_support import make_app, start_server, stop_server

TEXTS = 256
CHUNK = 4
# Long texts (truncated by the model at 256 tokens) so that each model call takes a while and the request as a whole
# takes seconds: the client is long gone before the server would finish.
TEXT = " ".join(["the committee reviewed the annual budget and the solar energy programme"] * 30)


@pytest.fixture(scope="module")
def slow_server(serve_index_path, minilm):
    app = make_app(
        serve_index_path,
        minilm,
        None,
        max_inputs=TEXTS,
        max_batch=CHUNK,
        max_wait_ms=0,
        max_body_bytes=10_000_000,
        max_total_chars=10_000_000,
    )
    server, thread, url = start_server(app)
    yield url
    stop_server(server, thread)


def embedded(url: str) -> float:
    import httpx

    return httpx.get(f"{url}/healthz", timeout=30).json()["batching"]["document"]["texts"]


def abandoned(url: str) -> float:
    import httpx

    text = httpx.get(f"{url}/metrics", timeout=30).text
    return next(
        float(line.split()[-1]) for line in text.splitlines() if line.startswith("embedlab_requests_abandoned_total")
    )


def test_client_disconnect_stops_the_work(slow_server):
    host, port = slow_server.removeprefix("http://").split(":")
    body = json.dumps({"texts": [TEXT] * TEXTS}).encode()
    head = (
        f"POST /embed HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    before = embedded(slow_server)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head + body)
        deadline = time.monotonic() + 60
        while embedded(slow_server) - before < CHUNK:  # the work has started
            assert time.monotonic() < deadline, "the server never started embedding"
            time.sleep(0.02)
    # the client is gone; the server notices at its next chunk and stops
    deadline = time.monotonic() + 60
    while abandoned(slow_server) < 1:
        assert time.monotonic() < deadline, "the server did not notice that its client left"
        time.sleep(0.05)
    done = embedded(slow_server) - before
    time.sleep(1.0)
    assert embedded(slow_server) - before == done  # nothing more is embedded for it
    assert done < TEXTS / 2, f"{done} of {TEXTS} texts were embedded for a client that had left"
