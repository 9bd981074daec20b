"""A small index and a live server on the loopback interface for the service tests."""

from __future__ import annotations

import pytest
from serve_support import make_app, start_server, stop_server

DOCS = [
    {"id": "sun", "text": "Solar panels convert sunlight into electricity.", "year": 2021, "lang": "en"},
    {"id": "wind", "text": "Wind turbines generate power from moving air.", "year": 2019, "lang": "en"},
    {"id": "katze", "text": "Die Katze schläft auf dem Sofa.", "year": 2022, "lang": "de"},
    {"id": "dog", "text": "Dogs are loyal animals and love long walks.", "year": 2017, "lang": "en"},
    {"id": "rates", "text": "Central banks raised interest rates to fight inflation.", "year": 2023, "lang": "en"},
    {"id": "code", "text": "Error code XJ-4471 means the pump pressure sensor failed.", "year": 2020, "lang": "en"},
]


@pytest.fixture(scope="session")
def serve_index_path(tmp_path_factory, minilm):
    from embedlab.index import Index

    path = tmp_path_factory.mktemp("serve") / "idx"
    Index.build("all-MiniLM-L6-v2", DOCS, path, encoder=minilm)
    return path


@pytest.fixture(scope="session")
def cross_encoder(minilm_path):
    """A CrossEncoder on MiniLM with an untrained head: real model, arbitrary but deterministic scores."""
    from sentence_transformers import CrossEncoder

    return CrossEncoder(minilm_path, num_labels=1, max_length=64)


@pytest.fixture(scope="session")
def app(serve_index_path, minilm, cross_encoder):
    return make_app(serve_index_path, minilm, cross_encoder)


@pytest.fixture(scope="session")
def live_server(serve_index_path, minilm, cross_encoder):
    """The app served by uvicorn on 127.0.0.1 (loopback only) in a thread; yields its base URL."""
    server, thread, url = start_server(make_app(serve_index_path, minilm, cross_encoder))
    yield url
    stop_server(server, thread)
