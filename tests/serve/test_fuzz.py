"""Schemathesis fuzzes every endpoint from the OpenAPI schema: no input may cause a server error (5xx)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")


@pytest.mark.slow
def test_no_server_errors(app):
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/search",
        "/embed",
        "/v1/embeddings",
        "/v1/models",
        "/rerank",
        "/healthz",
        "/metrics",
    }
    for op in operations:
        # bounded: a fixed number of generated requests per endpoint, derandomised so CI runs are repeatable
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(case=op.as_strategy())
        def check(case):
            case.call_and_validate(checks=[not_a_server_error])

        check()
