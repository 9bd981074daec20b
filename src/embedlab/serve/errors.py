"""Errors of the service and the one JSON shape every error response has.

Every error body carries OpenAI's error object, ``{"error": {"message", "type", "param", "code"}}``, so OpenAI
clients show the message and any client can read which JSON field (``param``) is at fault. Routes outside ``/v1``
also keep FastAPI's ``detail`` beside it, for clients written against earlier versions.

Example:
    >>> error_body("/v1/embeddings", 401, "bad key", code="invalid_api_key")["error"]["type"]
    'authentication_error'
"""

from __future__ import annotations

from typing import Any

from embedlab.errors import OptionError, ParameterError

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}

# Library parameter names that the HTTP requests spell differently (most are the same: k, mode, alpha, filters...).
_FIELDS = {"role": "input_type", "texts": "texts"}


class RequestLimitError(ParameterError):
    """A request asks for more work than the service allows (too many texts, filters, too deep a rerank).

    Args:
        param: the JSON field.
        message: what the limit is and what was asked.
        status: 422 for a value over a limit, 413 for a request too large as a whole.
    """

    def __init__(self, param: str, message: str, *, status: int = 422) -> None:
        super().__init__(param, message)
        self.status = status


class ClientGone(Exception):
    """The client disconnected before its answer was ready: the rest of its work is dropped."""


def json_field(exc: ParameterError) -> str:
    """The JSON field a library :class:`ParameterError` is about (the CLI's ``--filter`` is ``filters``)."""
    param = exc.option.lstrip("-").replace("-", "_") if isinstance(exc, OptionError) else exc.param
    param = {"filter": "filters"}.get(param, param)
    return _FIELDS.get(param, param)


def error_body(
    path: str, status: int, message: str, *, param: str | None = None, code: str | None = None, detail: Any = None
) -> dict[str, Any]:
    """The JSON body of an error response on ``path``.

    Args:
        path: the request path (``/v1/...`` gets OpenAI's shape alone).
        status: the HTTP status.
        message: one line saying what is wrong.
        param: the JSON field at fault.
        code: a short machine-readable code (``invalid_api_key``, ``too_large``...).
        detail: what ``detail`` holds outside ``/v1`` (default: the message).
    """
    kind = _TYPES.get(status, "invalid_request_error" if status < 500 else "server_error")
    body: dict[str, Any] = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    if not path.startswith("/v1/"):
        body["detail"] = message if detail is None else detail
    return body
