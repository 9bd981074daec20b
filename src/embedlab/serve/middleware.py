"""ASGI middleware of the service: the API key, the body-size limit, and observation (metrics, access log).

They are plain ASGI classes (not ``BaseHTTPMiddleware``) so they see every request, including the ones they refuse,
and do not buffer bodies.

Example:
    >>> app = AuthMiddleware(BodyLimitMiddleware(app, max_bytes=1_000_000), api_key="s3cret")
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from embedlab.serve.errors import error_body
from embedlab.serve.metrics import Metrics, log_access


async def send_error(
    send: Any, path: str, status: int, message: str, *, code: str | None = None, headers: list[Any] | None = None
) -> None:
    """Answer with an error response in the service's JSON shape."""
    body = json.dumps(error_body(path, status, message, code=code)).encode()
    start_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": start_headers + (headers or [])})
    await send({"type": "http.response.body", "body": body})


class HttpMiddleware:
    """Base of the service's middleware: other ASGI traffic (lifespan, websockets) and the requests that
    :meth:`applies` declines pass straight through; the rest go to :meth:`handle`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def applies(self, scope: dict[str, Any]) -> bool:
        """Whether this HTTP request is one the middleware acts on (all of them unless a subclass says otherwise)."""
        return True

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.applies(scope):
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise NotImplementedError


class AuthMiddleware(HttpMiddleware):
    """Refuse every request without ``Authorization: Bearer KEY`` (as OpenAI clients send it) with a 401.

    The comparison takes the same time whatever the key sent, so the key cannot be guessed byte by byte.
    CORS preflight requests (``OPTIONS``, which browsers send without credentials) pass through to the CORS layer.
    """

    def __init__(self, app: Any, api_key: str) -> None:
        super().__init__(app)
        self.expected = f"Bearer {api_key}".encode()

    def applies(self, scope: dict[str, Any]) -> bool:
        return scope["method"] != "OPTIONS"

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        sent = dict(scope.get("headers") or []).get(b"authorization")
        if sent is None or not hmac.compare_digest(sent, self.expected):
            message = (
                "missing API key: send the header 'Authorization: Bearer KEY'"
                if sent is None
                else "incorrect API key provided"
            )
            await send_error(
                send, scope["path"], 401, message, code="invalid_api_key", headers=[(b"www-authenticate", b"Bearer")]
            )
            return
        await self.app(scope, receive, send)


class HostCheckMiddleware(HttpMiddleware):
    """Refuse a request whose ``Host`` header is not an allowed name (DNS rebinding) with a 400 in the JSON shape.

    The matching is Starlette's ``TrustedHostMiddleware`` (exact names, ``*.example.com`` wildcards, ``*``), run on
    the side: only its plain-text answer is replaced by the service's error body.
    """

    def __init__(self, app: Any, allowed_hosts: list[str]) -> None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        super().__init__(app)
        self.check = TrustedHostMiddleware(self._allowed, allowed_hosts=allowed_hosts, www_redirect=False)

    @staticmethod
    async def _allowed(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope["embedlab.host_allowed"] = True  # Starlette calls its app only for an allowed Host

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def discard(message: dict[str, Any]) -> None:
            return None

        await self.check(scope, receive, discard)
        if scope.pop("embedlab.host_allowed", False):
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        message = f"Host {host!r} is not served here; allow it with --allowed-hosts (ServiceSettings.allowed_hosts)"
        await send_error(send, scope["path"], 400, message, code="invalid_host")


class BodyLimitMiddleware(HttpMiddleware):
    """Reject request bodies over ``max_bytes`` with 413, by Content-Length or while streaming (chunked uploads)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(scope, send)
            return
        seen = 0
        too_large = False

        async def limited() -> dict[str, Any]:
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:  # stop reading: the app sees a disconnect, the client gets a 413
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: dict[str, Any]) -> None:
            if not too_large:
                await send(message)

        try:
            await self.app(scope, limited, guarded)
        except Exception:
            if not too_large:
                raise
        if too_large:
            await self._reject(scope, send)

    async def _reject(self, scope: dict[str, Any], send: Any) -> None:
        await send_error(
            send, scope["path"], 413, f"request body larger than {self.max_bytes} bytes", code="too_large"
        )


class ObserveMiddleware(HttpMiddleware):
    """Count and time every request (``/metrics``) and write one JSON access-log line for it."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        start = time.perf_counter()
        status = 500  # what the server answers if the app raises before responding

        async def watch(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            seconds = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "other"
            self.metrics.observe_request(scope["method"], route, status, seconds)
            log_access(scope["method"], scope["path"][:200], route, status, seconds, scope.get("client"))
