"""A tiny WSGI layer: request, response, a method+path router, size limits, error handling.

The body is never read beyond ``max_body_bytes + 1`` bytes: ``CONTENT_LENGTH`` over the limit is
refused with 413 before reading, and a body without a length is read with a bounded read. An
unexpected exception becomes a 500 JSON answer without a traceback (the traceback is logged).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from oc_bridge.daemon.intake import IntakeError

__all__ = ["Request", "Response", "Router", "WsgiApp", "parse_json", "unavailable"]

log = logging.getLogger(__name__)

_REASONS = {200: "OK", 202: "Accepted", 303: "See Other", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}

StartResponse = Callable[..., Any]


class _Headers:
    """Case-insensitive, read-only request headers."""

    def __init__(self, items: Mapping[str, str]) -> None:
        self._items = {k.lower(): v for k, v in items.items()}

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._items.get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> Any:
        return self._items.keys()

    def items(self) -> Any:
        return self._items.items()


@dataclass
class Request:
    """One HTTP request: ``headers`` are case-insensitive, ``params`` come from the route."""

    method: str
    path: str
    headers: _Headers
    body: bytes
    remote: str = ""
    params: dict[str, str] = field(default_factory=dict)
    #: The raw query string (without ``?``).
    query: str = ""

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not, or nests too deeply)."""
        return parse_json(self.body)


@dataclass
class Response:
    """An HTTP answer."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    #: Extra headers (``Set-Cookie``, ``Location``, security headers), sent as given.
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, data: Any) -> Response:
        """A JSON answer."""
        return cls(status, json.dumps(data).encode("utf-8"))

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain") -> Response:
        """A text answer."""
        return cls(status, text.encode("utf-8"), content_type)


Handler = Callable[[Request], Response]


def unavailable(retry_after: int, error: str = "could not store the delivery; retry") -> Response:
    """503 with ``Retry-After``: the store is unavailable, nothing was stored."""
    response = Response.json(503, {"error": error})
    response.headers.append(("Retry-After", str(retry_after)))
    return response


def parse_json(body: bytes | str) -> Any:
    """``json.loads`` for untrusted bodies: nesting too deep for the parser (a few thousand
    levels) raises ``ValueError`` like any other unreadable body, not ``RecursionError``."""
    try:
        return json.loads(body)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


class Router:
    """Routes ``(method, pattern)`` to handlers; ``<name>`` in a pattern matches one segment."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Add a route; the first matching one wins."""
        regex = re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", pattern)
        self._routes.append((method.upper(), re.compile(f"^{regex}$"), handler))

    def resolve(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        """(handler, params, path_known); handler None with path_known means wrong method."""
        known = False
        for route_method, regex, handler in self._routes:
            match = regex.match(path)
            if match:
                known = True
                if route_method == method:
                    return handler, match.groupdict(), True
        return None, {}, known


class WsgiApp:
    """The WSGI callable over a :class:`Router` with the body limit and error handling."""

    def __init__(self, router: Router, *, max_body_bytes: int,
                 on_response: Callable[[Request, Response, float], None] | None = None,
                 retry_after: int = 5) -> None:
        self.router = router
        self.max_body_bytes = max_body_bytes
        self.on_response = on_response
        self.retry_after = retry_after

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO", "/")) or "/"
        headers = _Headers({k[5:].replace("_", "-"): str(v) for k, v in environ.items()
                            if k.startswith("HTTP_")}
                           | {"content-type": str(environ.get("CONTENT_TYPE", ""))})
        request = Request(method, path, headers, b"", str(environ.get("REMOTE_ADDR", "")),
                          query=str(environ.get("QUERY_STRING", "")))
        response = self._respond(request, environ)
        if self.on_response is not None:
            try:
                self.on_response(request, response, time.perf_counter() - started)
            except Exception:
                log.exception("response observer failed")
        start_response(f"{response.status} {_REASONS.get(response.status, 'Status')}", [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))), *response.headers])
        return [response.body]

    def _respond(self, request: Request, environ: dict[str, Any]) -> Response:
        handler, params, known = self.router.resolve(request.method, request.path)
        if handler is None:
            return Response.json(405 if known else 404,
                                 {"error": "method not allowed" if known else "not found"})
        body = self._read_body(environ)
        if body is None:
            return Response.json(413, {"error": "body too large"})
        request.body, request.params = body, params
        try:
            return handler(request)
        except IntakeError as exc:  # any route's delivery the store could not take: sender retries
            log.warning("%s %s: %s; answered 503", request.method, request.path, exc)
            return unavailable(self.retry_after)
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return Response.json(500, {"error": "internal error"})

    def _read_body(self, environ: dict[str, Any]) -> bytes | None:
        stream = environ.get("wsgi.input")
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length > self.max_body_bytes:
            return None
        if stream is None or length == 0:
            return b""
        limit = self.max_body_bytes + 1
        body = stream.read(length if length >= 0 else limit)
        return None if len(body) > self.max_body_bytes else body
