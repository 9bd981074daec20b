"""The service's settings: each limit and default written once, read by ``create_app``, ``serve()`` and the CLI.

Search defaults are not here: a search request leaves a field out (null) to use the index's saved settings, else
:class:`embedlab.index.settings.SearchSettings`. What is here bounds the work one request may cause, and says who
may call the service (API key, Host allow-list, CORS origins).

Example:
    >>> ServiceSettings(max_inputs=8).validate().max_inputs
    8
    >>> ServiceSettings(max_wait_ms=-5).validate()
    Traceback (most recent call last):
    ...
    embedlab.errors.ParameterError: max_wait_ms: must be at least 0, got -5
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, replace
from typing import Any

from embedlab.errors import ParameterError

API_KEY_ENV = "EMBEDLAB_API_KEY"
LOG_LEVELS: tuple[str, ...] = ("critical", "error", "warning", "info", "debug", "trace")
# Names under which a browser on this machine reaches a loopback-bound server. Anything else in the Host header of a
# request to 127.0.0.1 is a web page that re-pointed its own domain at this machine (DNS rebinding). IPv6 literals
# come bracketed in a Host header.
LOCAL_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")


def _at_least(name: str, value: Any, low: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(name, f"must be a finite number, got {value!r}")
    if value < low:
        raise ParameterError(name, f"must be at least {low:g}, got {value!r}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an interface to bind) is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServiceSettings:
    """How the service runs and what one request may ask of it.

    Attributes:
        host: interface to listen on (``127.0.0.1``: this machine only; ``0.0.0.0``: every interface).
        port: TCP port.
        max_body_bytes: largest request body (413 above).
        max_inputs: most texts per embed/rerank request.
        max_chars: longest single text, in characters.
        max_total_chars: most characters (or token ids) in all the texts of one request (413 above).
        max_k: largest ``k`` of a search.
        max_candidates: largest first-stage depth (``candidates``) of a search.
        max_rerank_top: most candidates a cross-encoder rescores for one search (each costs a forward pass).
        max_filters: most filter conditions in one search.
        max_filter_values: most values in all the ``in`` / ``not in`` lists of one search.
        max_batch: most texts per model call; a larger request is embedded in chunks of this size, and work stops
            between chunks when its client has gone.
        max_wait_ms: how long a request waits for others to share its model call.
        api_key: when set, every request must send ``Authorization: Bearer KEY`` (401 otherwise).
        allowed_hosts: Host header names accepted; None: the local names when bound to a loopback interface, any
            name otherwise; ``("*",)``: any.
        cors_origins: browser origins allowed to call the service (none by default: no CORS headers).
        log_level: uvicorn's log level; the access log is one JSON line per request at ``info``.
        backend: what computes the vectors (``torch``, ``onnx[-int8]``, ``openvino[-int8]``):
            :func:`embedlab.models.load_encoder`.
            None: the backend the index was built with (``torch`` for a model served without an index).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1_000_000
    max_inputs: int = 256
    max_chars: int = 20_000
    max_total_chars: int = 200_000
    max_k: int = 1000
    max_candidates: int = 2000
    max_rerank_top: int = 100
    max_filters: int = 32
    max_filter_values: int = 256
    max_batch: int = 64
    max_wait_ms: float = 5.0
    api_key: str | None = None
    allowed_hosts: tuple[str, ...] | None = None
    cors_origins: tuple[str, ...] = ()
    log_level: str = "info"
    backend: str | None = None

    def validate(self) -> ServiceSettings:
        """Return self, or raise :class:`ParameterError` naming the first bad setting."""
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ParameterError("port", f"must be between 0 and 65535, got {self.port!r}")
        for name in (
            "max_body_bytes",
            "max_inputs",
            "max_chars",
            "max_total_chars",
            "max_k",
            "max_candidates",
            "max_rerank_top",
            "max_batch",
        ):
            _at_least(name, getattr(self, name), 1)
        for name in ("max_filters", "max_filter_values", "max_wait_ms"):
            _at_least(name, getattr(self, name), 0)
        if self.log_level not in LOG_LEVELS:
            raise ParameterError("log_level", f"unknown level {self.log_level!r}; use one of {', '.join(LOG_LEVELS)}")
        if self.api_key is not None and not self.api_key.strip():
            raise ParameterError("api_key", "must not be empty (leave it unset for no authentication)")
        for host in self.allowed_hosts or ():
            if not host or "*" in host[1:] or (host.startswith("*") and host != "*" and not host.startswith("*.")):
                raise ParameterError("allowed_hosts", f"{host!r} is not a host name, '*' or '*.example.com'")
        for origin in self.cors_origins:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ParameterError("cors_origins", f"{origin!r} is not an origin such as https://app.example.com")
        return self

    def hosts(self) -> list[str]:
        """The Host names to accept: the explicit list, else local names for a loopback bind, else any."""
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        if is_loopback(self.host):
            bound = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
            return list(LOCAL_HOSTS) if bound in LOCAL_HOSTS else [*LOCAL_HOSTS, bound]
        return ["*"]

    def merged(self, **overrides: Any) -> ServiceSettings:
        """A copy with the given values (``None``: keep this one)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})
