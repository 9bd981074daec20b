"""A service fit to expose: API key, Host allow-list, CORS, the former 500s, per-request limits, OpenAI's shapes,
metrics and the access log."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

pytest.importorskip("fastapi")

from serve_support import TEST_HOSTS, start_server, stop_server


def embed_only_app(minilm, **settings):
    """An embeddings-only app on the loaded MiniLM (no index: quick to build)."""
    from embedlab.serve import ServiceSettings, create_app

    return create_app(model="all-MiniLM-L6-v2", encoder=minilm, settings=ServiceSettings(**settings))


@pytest.fixture(scope="module")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


# ----------------------------------------------------------------------------------------------- authentication
@pytest.fixture(scope="module")
def keyed_server(minilm):
    server, thread, url = start_server(embed_only_app(minilm, api_key="s3cret-key", allowed_hosts=TEST_HOSTS))
    yield url
    stop_server(server, thread)


def test_api_key_is_required(keyed_server):
    import httpx

    body = {"input": "hello", "model": "m"}
    r = httpx.post(f"{keyed_server}/v1/embeddings", json=body, timeout=30)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {
        "error": {
            "message": "missing API key: send the header 'Authorization: Bearer KEY'",
            "type": "authentication_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    wrong = httpx.post(
        f"{keyed_server}/v1/embeddings", json=body, headers={"Authorization": "Bearer nope"}, timeout=30
    )
    assert wrong.status_code == 401 and wrong.json()["error"]["message"] == "incorrect API key provided"
    # every route, not only /v1: search, health and metrics tell about the corpus too
    for path in ("/healthz", "/metrics", "/v1/models", "/docs"):
        assert httpx.get(f"{keyed_server}{path}", timeout=30).status_code == 401
    ok = httpx.post(
        f"{keyed_server}/v1/embeddings", json=body, headers={"Authorization": "Bearer s3cret-key"}, timeout=30
    )
    assert ok.status_code == 200 and len(ok.json()["data"][0]["embedding"]) == 384


def test_openai_client_with_the_key(keyed_server, minilm):
    openai = pytest.importorskip("openai")
    good = openai.OpenAI(base_url=f"{keyed_server}/v1", api_key="s3cret-key", max_retries=0, timeout=60)
    response = good.embeddings.create(model="all-MiniLM-L6-v2", input=["The cat sat on the mat."])
    expected = minilm.encode(["The cat sat on the mat."], normalize_embeddings=True)[0]
    assert np.allclose(response.data[0].embedding, expected, atol=1e-5)
    assert [m.id for m in good.models.list()] == ["all-MiniLM-L6-v2"]
    bad = openai.OpenAI(base_url=f"{keyed_server}/v1", api_key="wrong", max_retries=0, timeout=60)
    with pytest.raises(openai.AuthenticationError) as caught:
        bad.embeddings.create(model="x", input="hello")
    assert caught.value.code == "invalid_api_key" and "incorrect API key" in caught.value.message


# ----------------------------------------------------------------------------------------------- hosts and CORS
def test_host_allow_list_blocks_dns_rebinding(minilm):
    from fastapi.testclient import TestClient

    app = embed_only_app(minilm)  # bound to 127.0.0.1 by default: only the local names are answered
    with TestClient(app, base_url="http://localhost:8000") as local:
        assert local.get("/healthz").status_code == 200
        assert local.get("/healthz", headers={"host": "127.0.0.1:8000"}).status_code == 200
        assert local.get("/healthz", headers={"host": "[::1]:8000"}).status_code == 200
        # a page on attacker.example that re-pointed its name at 127.0.0.1 sends its own name as Host
        r = local.get("/healthz", headers={"host": "attacker.example:8000"})
        assert r.status_code == 400 and "status" not in r.text
        assert r.json()["error"]["code"] == "invalid_host" and "attacker.example" in r.json()["error"]["message"]
        assert local.post("/v1/embeddings", json={"input": "x"}, headers={"host": "evil"}).json()["error"]["type"]
    with TestClient(embed_only_app(minilm, allowed_hosts=("search.example.com",)), base_url="http://x") as c:
        assert c.get("/healthz", headers={"host": "search.example.com"}).status_code == 200
        assert c.get("/healthz", headers={"host": "localhost"}).status_code == 400
    with TestClient(embed_only_app(minilm, host="0.0.0.0"), base_url="http://10.1.2.3") as anywhere:
        assert anywhere.get("/healthz").status_code == 200


def test_cors_is_off_by_default_and_opt_in(client, minilm):
    from fastapi.testclient import TestClient

    origin = {"origin": "https://evil.example"}
    r = client.get("/healthz", headers=origin)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    pre = client.options("/search", headers={**origin, "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in pre.headers
    app = embed_only_app(minilm, cors_origins=("https://app.example",), allowed_hosts=TEST_HOSTS, api_key="k")
    with TestClient(app) as c:
        pre = c.options(
            "/v1/embeddings",
            headers={
                "origin": "https://app.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization",
            },
        )
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "https://app.example"
        other = c.get("/healthz", headers={"origin": "https://evil.example", "authorization": "Bearer k"})
        assert "access-control-allow-origin" not in other.headers


# ----------------------------------------------------------------------------------------------- bad requests
@pytest.mark.parametrize(
    ("raw", "param"),
    [
        (b'{"query": "x", "alpha": NaN}', "alpha"),
        (b'{"query": "x", "mmr": Infinity}', "mmr"),
        (b'{"query": "\\ud800"}', "query"),
        (b'{"query": "x", "filters": {"year": [[1,2], {"x": 1}]}}', "filters"),
        (b'{"query": "x", "k": true}', "k"),
        (b'{"query": "x", "k": 2.5}', "k"),
        (b'{"query": "x", "exact": "yes"}', "exact"),
    ],
)
def test_former_server_errors_are_4xx_with_json(client, raw, param):
    r = client.post("/search", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"].split(".")[0] == param
    assert error["message"].startswith(f"{param}")


def test_bad_inputs_on_the_openai_route_have_openai_shape(client):
    r = client.post("/v1/embeddings", content=b'{"input": "\\ud800"}', headers={"content-type": "application/json"})
    assert r.status_code == 422 and set(r.json()) == {"error"} and r.json()["error"]["param"].startswith("input")
    r = client.post("/v1/embeddings", json={"input": "x", "dimensions": 4096})
    assert r.status_code == 400
    assert r.json() == {
        "error": {
            "message": "dimensions: the model has 384, asked for 4096",
            "type": "invalid_request_error",
            "param": "dimensions",
            "code": "invalid_value",
        }
    }
    assert client.post("/v1/nothing-here", json={}).json()["error"]["type"] == "not_found_error"


def test_library_errors_name_the_json_field(client):
    r = client.post("/search", json={"query": "x", "filters": ["yaer>=2020"]})
    assert r.status_code == 400 and r.json()["error"]["param"] == "filters"
    assert "no document has the field 'yaer'" in r.json()["error"]["message"]


# ----------------------------------------------------------------------------------------------- work limits
def test_per_request_work_is_bounded(client):
    many = [f"year>={i}" for i in range(33)]
    r = client.post("/search", json={"query": "x", "filters": many})
    assert r.status_code == 422 and r.json()["error"]["param"] == "filters" and "at most 32" in r.text
    r = client.post("/search", json={"query": "x", "filters": {"year": {"in": list(range(300))}}})
    assert r.status_code == 422 and "at most 256 values" in r.text
    r = client.post("/search", json={"query": "x", "rerank": True, "rerank_top": 101})
    assert r.status_code == 422 and r.json()["error"]["param"] == "rerank_top"
    r = client.post("/search", json={"query": "x", "k": 1001})
    assert r.status_code == 422 and r.json()["error"]["param"] == "k"
    r = client.post("/rerank", json={"query": "x", "documents": ["d"] * 9})
    assert r.status_code == 422 and r.json()["error"]["param"] == "documents"


def test_total_characters_per_request(minilm):
    from fastapi.testclient import TestClient

    with TestClient(embed_only_app(minilm, max_total_chars=100, allowed_hosts=TEST_HOSTS)) as c:
        assert c.post("/embed", json={"texts": ["x" * 50, "y" * 50]}).status_code == 200
        r = c.post("/embed", json={"texts": ["x" * 50, "y" * 51]})
        assert r.status_code == 413 and "at most 100 characters in all" in r.json()["error"]["message"]
        r = c.post("/v1/embeddings", json={"input": [[2000] * 101]})
        assert r.status_code == 413 and r.json()["error"]["param"] == "input"


# ----------------------------------------------------------------------------------------------- OpenAI, metrics, log
def test_models_metrics_and_access_log(client, caplog):
    assert client.get("/v1/models").json() == {
        "object": "list",
        "data": [
            {
                "id": "all-MiniLM-L6-v2",
                "object": "model",
                "created": pytest.approx(0, abs=2**40),
                "owned_by": "embedlab",
            }
        ],
    }
    caplog.set_level(logging.INFO, logger="embedlab.access")
    assert client.post("/embed", json={"texts": ["a", "b", "c"]}).status_code == 200
    assert client.post("/embed", json={"texts": []}).status_code == 422
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "embedlab.access"]
    assert [(x["method"], x["route"], x["status"]) for x in lines[-2:]] == [
        ("POST", "/embed", 200),
        ("POST", "/embed", 422),
    ]
    assert all(x["ms"] >= 0 and x["ts"].endswith("Z") for x in lines)
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    from prometheus_client.parser import text_string_to_metric_families

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }
    ok = (("method", "POST"), ("route", "/embed"), ("status", "200"))
    assert samples[("embedlab_requests_total", ok)] >= 1
    assert samples[("embedlab_requests_total", (("method", "POST"), ("route", "/embed"), ("status", "422")))] >= 1
    assert samples[("embedlab_request_seconds_count", (("route", "/embed"),))] >= 2
    assert samples[("embedlab_texts_embedded_total", (("input_type", "document"),))] >= 3
    assert samples[("embedlab_batch_size_count", (("input_type", "document"),))] >= 1
    # unknown paths share one label: a client cannot grow the metrics without bound
    client.get("/no/such/path/123")
    assert 'route="/no/such/path/123"' not in client.get("/metrics").text
