"""Queries and documents through the model's own roles: prompted and two-tower models, /embed and /v1/embeddings."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("fastapi")

from serve_support import TEST_HOSTS

QUERIES = ["how do solar panels work?", "what do central banks do about inflation?"]


def client_for(model, name):
    from fastapi.testclient import TestClient

    from embedlab.serve import ServiceSettings, create_app

    return TestClient(create_app(model=name, encoder=model, settings=ServiceSettings(allowed_hosts=TEST_HOSTS)))


@pytest.fixture(scope="module")
def prompted(minilm_path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(minilm_path, device="cpu", prompts={"query": "query: ", "document": ""})


@pytest.fixture(scope="module")
def dual(minilm_path):
    """A Router two-tower model whose query tower differs from its document tower (as after training)."""
    import torch

    from embedlab.dual import DualConfig, build_dual_model

    model = build_dual_model(DualConfig(), base=minilm_path)
    query_tower = model[0].sub_modules["query"][0]
    with torch.no_grad():  # move the query tower off its copy of the document tower, deterministically
        for p in query_tower.model.encoder.layer[-1].parameters():
            p.mul_(1.25)
    return model


def openai_vectors(client, texts, **extra):
    r = client.post("/v1/embeddings", json={"input": texts, "model": "m", **extra})
    assert r.status_code == 200, r.text
    return np.array([d["embedding"] for d in r.json()["data"]])


@pytest.mark.parametrize("fixture", ["prompted", "dual"])
def test_query_input_type_uses_the_query_side(fixture, request):
    from embedlab.models import as_encoder

    model = request.getfixturevalue(fixture)
    encoder = as_encoder(model, name=fixture)
    with client_for(model, fixture) as client:
        query = openai_vectors(client, QUERIES, input_type="query")
        document = openai_vectors(client, QUERIES)  # OpenAI clients send no input_type: documents
        text = openai_vectors(client, QUERIES, input_type="text")
        embed = client.post("/embed", json={"texts": QUERIES, "input_type": "query"}).json()
    np.testing.assert_allclose(query, encoder.encode_queries(QUERIES, normalize=True), atol=1e-5)
    np.testing.assert_allclose(query, model.encode_query(QUERIES, normalize_embeddings=True), atol=1e-5)
    np.testing.assert_allclose(document, model.encode_document(QUERIES, normalize_embeddings=True), atol=1e-5)
    np.testing.assert_allclose(text, model.encode(QUERIES, normalize_embeddings=True), atol=1e-5)
    np.testing.assert_allclose(np.array(embed["embeddings"]), query, atol=1e-5)
    assert embed["input_type"] == "query"
    # the two sides really differ for these models, so the assertions above could fail
    assert float(np.abs(query - document).max()) > 1e-3


def test_openai_client_sends_input_type_as_extra_body(live_server, minilm):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{live_server}/v1", api_key="unused", max_retries=0, timeout=60)
    got = client.embeddings.create(model="m", input=QUERIES, extra_body={"input_type": "query"})
    expected = minilm.encode_query(QUERIES, normalize_embeddings=True)
    np.testing.assert_allclose([d.embedding for d in got.data], expected, atol=1e-5)
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.embeddings.create(model="m", input="x", extra_body={"input_type": "passage"})
    assert caught.value.param == "input_type" and "'query', 'document' or 'text'" in caught.value.message


def test_embed_accepts_the_former_field_name(client_app):
    r = client_app.post("/embed", json={"texts": ["hello"], "kind": "query"})
    assert r.status_code == 200 and r.json()["input_type"] == "query"
    r = client_app.post("/embed", json={"texts": ["hello"], "input_type": "tower"})
    assert r.status_code == 422 and r.json()["error"]["param"] == "input_type"


@pytest.fixture(scope="module")
def client_app(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c
