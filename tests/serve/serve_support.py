"""Helpers of the service tests: an app with test limits, a uvicorn server on the loopback interface."""

from __future__ import annotations

import socket
import threading
import time

# The test client calls itself "testserver"; the live server is reached as 127.0.0.1.
TEST_HOSTS = ("testserver", "127.0.0.1", "localhost")

# The service tests index these six documents (metadata of three kinds, two languages).
DOCS = [
    {"id": "sun", "text": "Solar panels convert sunlight into electricity.", "year": 2021, "lang": "en"},
    {"id": "wind", "text": "Wind turbines generate power from moving air.", "year": 2019, "lang": "en"},
    {"id": "katze", "text": "Die Katze schläft auf dem Sofa.", "year": 2022, "lang": "de"},
    {"id": "dog", "text": "Dogs are loyal animals and love long walks.", "year": 2017, "lang": "en"},
    {"id": "rates", "text": "Central banks raised interest rates to fight inflation.", "year": 2023, "lang": "en"},
    {"id": "code", "text": "Error code XJ-4471 means the pump pressure sensor failed.", "year": 2020, "lang": "en"},
]


def make_app(path, encoder, reranker, **settings):
    from embedlab.serve import ServiceSettings, create_app

    base = {"max_body_bytes": 20_000, "max_inputs": 8, "max_wait_ms": 30, "allowed_hosts": TEST_HOSTS}
    return create_app(path, encoder=encoder, reranker=reranker, settings=ServiceSettings(**{**base, **settings}))


def start_server(app):
    """Serve ``app`` with uvicorn on a free loopback port in a thread; returns (server, thread, base URL)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def stop_server(server, thread):
    server.should_exit = True
    thread.join(timeout=10)
