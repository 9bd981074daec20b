"""A small index and a live server on the loopback interface for the service tests."""

from __future__ import annotations

import pytest
from serve_support import DOCS, make_app, start_server, stop_server


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
