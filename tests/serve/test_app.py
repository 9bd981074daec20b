"""The HTTP service: every endpoint, validation answers, limits, micro-batching, the OpenAI client."""

from __future__ import annotations

import concurrent.futures

import numpy as np
import pytest

from embedlab.serve.schemas import EmbedResponse, OpenAIEmbeddingResponse

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def test_healthz_and_docs(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["chunks"] == 6 and r.json()["dimension"] == 384
    schema = client.get("/openapi.json").json()
    assert {"/search", "/embed", "/v1/embeddings", "/rerank", "/healthz"} <= set(schema["paths"])
    assert client.get("/docs").status_code == 200


def test_search_all_options(client, minilm):
    r = client.post("/search", json={"query": "solar electricity", "k": 2})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert hits[0]["id"] == "sun" and hits[0]["metadata"] == {"year": 2021, "lang": "en"}
    q = minilm.encode_query(["solar electricity"], normalize_embeddings=True)[0]
    d = minilm.encode([hits[0]["text"]], normalize_embeddings=True)[0]
    assert hits[0]["scores"]["dense"] == pytest.approx(float(q @ d), abs=1e-4)
    r = client.post("/search", json={"query": "pump XJ-4471", "mode": "hybrid", "filters": ["year>=2020"], "k": 3})
    assert r.status_code == 200 and r.json()["hits"][0]["id"] == "code"
    assert all(h["metadata"]["year"] >= 2020 for h in r.json()["hits"])
    r = client.post("/search", json={"query": "animals", "filters": {"lang": ["de"]}, "mmr": 0.5, "rerank": True})
    assert r.status_code == 200 and [h["id"] for h in r.json()["hits"]] == ["katze"]
    assert set(r.json()["hits"][0]["scores"]) >= {"dense", "rerank", "mmr"}


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"query": "x", "k": 0}, 422, "greater than or equal to 1"),
        ({"query": "x", "mode": "sparse"}, 422, "'dense', 'bm25' or 'hybrid'"),
        ({"query": ""}, 422, "at least 1 character"),
        ({"k": 3}, 422, "Field required"),
        ({"query": "x", "unknown": 1}, 422, "Extra inputs are not permitted"),
        ({"query": "x", "filters": ["yaer>=2020"]}, 400, "no document has the field 'yaer'"),
        ({"query": "x", "filters": ["year>>1"]}, 400, "cannot read 'year>>1'"),
        ({"query": "   "}, 400, "must not be blank"),
    ],
)
def test_search_validation_says_what_is_wrong(client, body, status, fragment):
    r = client.post("/search", json=body)
    assert r.status_code == status
    assert fragment in r.text


def test_body_size_limit(client):
    r = client.post("/embed", json={"texts": ["x" * 30_000]})
    assert r.status_code == 413 and "larger than 20000 bytes" in r.json()["detail"]
    # a streamed (chunked) body without Content-Length is cut off while it arrives
    chunks = iter([b'{"texts": ["', b"x" * 15_000, b"x" * 15_000, b'"]}'])
    r = client.post("/embed", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413
    r = client.post("/embed", json={"texts": ["a"] * 9})
    assert r.status_code == 422 and "at most 8 items" in r.text
    r = client.post("/embed", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_embed_matches_the_model(client, minilm):
    r = client.post("/embed", json={"texts": ["hello world", "solar power"]})
    assert r.status_code == 200
    EmbedResponse.model_validate(r.json())
    got = np.array(r.json()["embeddings"])
    assert got.shape == (2, 384)
    assert np.allclose(got, minilm.encode(["hello world", "solar power"], normalize_embeddings=True), atol=1e-5)


def test_rerank_endpoint(client, cross_encoder):
    docs = ["Paris is the capital of France.", "Bananas are yellow.", "France's capital city is Paris."]
    r = client.post("/rerank", json={"query": "capital of france", "documents": docs, "top_n": 2})
    assert r.status_code == 200
    expected = cross_encoder.predict([("capital of france", d) for d in docs])
    results = r.json()["results"]
    assert [x["index"] for x in results] == list(np.argsort(-expected)[:2])
    assert results[0]["relevance_score"] == pytest.approx(float(expected.max()), abs=1e-5)
    assert client.post("/rerank", json={"query": "x", "documents": []}).status_code == 422
    bare = client.post("/rerank", json={"query": "capital of france", "documents": docs, "return_documents": False})
    assert [set(x) for x in bare.json()["results"]] == [{"index", "relevance_score"}] * 3


def test_openai_wire_format(client, minilm):
    import base64

    r = client.post("/v1/embeddings", json={"input": "hello", "model": "m", "encoding_format": "base64"})
    assert r.status_code == 200
    body = r.json()
    vec = np.frombuffer(base64.b64decode(body["data"][0]["embedding"]), dtype="<f4")
    assert np.allclose(vec, minilm.encode(["hello"], normalize_embeddings=True)[0], atol=1e-5)
    assert body["usage"]["prompt_tokens"] == 3  # [CLS] hello [SEP]
    plain = client.post("/v1/embeddings", json={"input": "hello", "model": "m"}).json()
    OpenAIEmbeddingResponse.model_validate(plain)  # the schema the OpenAPI document promises
    # float32 written in its shortest form reads back as the very same float32 as the base64 bytes
    np.testing.assert_array_equal(np.array(plain["data"][0]["embedding"], dtype=np.float32), vec)
    two = client.post("/v1/embeddings", json={"input": ["hello", "solar power"], "model": "m"}).json()
    assert [d["index"] for d in two["data"]] == [0, 1] and two["usage"]["prompt_tokens"] == 3 + 4
    ids = minilm.tokenizer("solar power", add_special_tokens=False)["input_ids"]
    r = client.post("/v1/embeddings", json={"input": [ids], "model": "m", "dimensions": 64})
    v = np.array(r.json()["data"][0]["embedding"])
    assert v.shape == (64,) and np.linalg.norm(v) == pytest.approx(1.0, abs=1e-5)
    assert client.post("/v1/embeddings", json={"input": [[10**9]], "model": "m"}).status_code == 400
    assert client.post("/v1/embeddings", json={"input": "x", "dimensions": 4096}).status_code == 400


def test_openai_client_against_the_live_server(live_server, minilm):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{live_server}/v1", api_key="not-needed", max_retries=0, timeout=60)
    texts = ["The cat sat on the mat.", "Solar panels make electricity."]
    response = client.embeddings.create(model="all-MiniLM-L6-v2", input=texts)  # the client asks for base64
    got = np.array([d.embedding for d in response.data])
    assert np.allclose(got, minilm.encode(texts, normalize_embeddings=True), atol=1e-5)
    floats = client.embeddings.create(model="x", input="one text", encoding_format="float")
    assert len(floats.data) == 1 and len(floats.data[0].embedding) == 384
    with pytest.raises(openai.UnprocessableEntityError):
        client.embeddings.create(model="x", input="")


def test_concurrent_requests_are_batched(live_server):
    import httpx

    before = httpx.get(f"{live_server}/healthz", timeout=10).json()["batching"]["document"]

    def call(i: int) -> int:
        return httpx.post(f"{live_server}/embed", json={"texts": [f"text number {i}"]}, timeout=60).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        assert list(pool.map(call, range(24))) == [200] * 24
    after = httpx.get(f"{live_server}/healthz", timeout=10).json()["batching"]["document"]
    requests, batches = after["requests"] - before["requests"], after["batches"] - before["batches"]
    assert requests == 24
    assert batches < requests and after["largest"] > 1  # several requests shared one model call


def test_search_uses_the_index_saved_settings(tmp_path, minilm):
    from fastapi.testclient import TestClient
    from serve_support import DOCS, make_app

    from embedlab.index import Index
    from embedlab.index.settings import SearchSettings

    index = Index.build("all-MiniLM-L6-v2", DOCS, tmp_path / "idx", encoder=minilm)
    index.save_search_settings(SearchSettings(mode="bm25", k=1))
    index.close()
    with TestClient(make_app(tmp_path / "idx", minilm, None)) as client:
        r = client.post("/search", json={"query": "solar and wind power"})
        assert r.status_code == 200 and r.json()["mode"] == "bm25"
        hits = r.json()["hits"]
        assert len(hits) == 1 and set(hits[0]["scores"]) == {"bm25"}
        r = client.post("/search", json={"query": "solar and wind power", "k": 2})  # a field given wins
        assert {h["id"] for h in r.json()["hits"]} == {"sun", "wind"} and r.json()["mode"] == "bm25"
        r = client.post("/search", json={"query": "solar and wind power", "mode": "dense", "k": 3})
        assert r.json()["mode"] == "dense" and len(r.json()["hits"]) == 3 and "dense" in r.json()["hits"][0]["scores"]
