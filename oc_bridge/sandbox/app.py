"""The sandbox's WSGI application: ``/v1/graphql``, ``/sandbox/...`` admin, invoice PDFs.

The GraphQL route does what Orderchamp does, in this order: authenticate the bearer token,
(optionally) stall or fail on purpose, parse and validate the document, price it, check the
token's bucket, run it, refund the unused points and report ``extensions.throttle``.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from graphql import GraphQLError

from oc_bridge.sandbox.admin import SandboxControl, handle_admin
from oc_bridge.sandbox.config import SandboxConfig
from oc_bridge.sandbox.cost import charged_cost, requested_cost
from oc_bridge.sandbox.faults import FaultInjector
from oc_bridge.sandbox.graphql_api import GraphQLService
from oc_bridge.sandbox.resolvers import RequestContext
from oc_bridge.sandbox.state import SandboxState
from oc_bridge.sandbox.throttle import ThrottleRegistry

__all__ = ["GRAPHQL_PATH", "SandboxApp"]

log = logging.getLogger(__name__)

GRAPHQL_PATH = "/v1/graphql"
_MAX_BODY = 10 * 1024 * 1024

StartResponse = Callable[..., Any]
Response = tuple[int, list[tuple[str, str]], bytes]

_REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _json(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return status, [("Content-Type", "application/json"), *(headers or [])], body


def _errors(status: int, message: str, **extensions: Any) -> Response:
    error: dict[str, Any] = {"message": message}
    if extensions:
        error["extensions"] = extensions
    return _json(status, {"errors": [error]})


def _pdf(title: str) -> bytes:
    """A tiny valid one-page PDF, so invoice links download something real."""
    text = title.replace("(", "").replace(")", "").replace("\\", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


class SandboxApp:
    """A plain WSGI callable serving the whole sandbox."""

    def __init__(
        self,
        config: SandboxConfig,
        state: SandboxState,
        graphql: GraphQLService,
        throttle: ThrottleRegistry,
        faults: FaultInjector,
        control: SandboxControl,
    ) -> None:
        self.config = config
        self.state = state
        self.graphql = graphql
        self.throttle = throttle
        self.faults = faults
        self.control = control

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Route one request."""
        try:
            status, headers, body = self._route(environ)
        except Exception:  # a sandbox bug must still produce an answer, and a traceback
            log.exception("sandbox request failed")
            status, headers, body = _errors(500, "Internal sandbox error")
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {_REASONS.get(status, 'Unknown')}", headers)
        return [body]

    def _route(self, environ: dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path.rstrip("/") == GRAPHQL_PATH:
            return self._graphql(environ, method)
        if path.startswith("/sandbox/"):
            raw = self._read(environ)
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError:
                return _json(400, {"error": "body is not JSON"})
            if not isinstance(body, dict):
                return _json(400, {"error": "body must be a JSON object"})
            answer = handle_admin(self.control, method, path, body)
            return _json(answer.status, answer.payload)
        if path.startswith("/invoices/") and path.endswith(".pdf") and method == "GET":
            invoice_id = path[len("/invoices/") : -len(".pdf")]
            with self.state.lock:
                invoice = self.state.invoices_by_id.get(invoice_id)
                title = f"Invoice {invoice.number}" if invoice else ""
            if invoice is None:
                return _json(404, {"error": "no such invoice"})
            return 200, [("Content-Type", "application/pdf")], _pdf(title)
        if path == "/" and method == "GET":
            return _json(
                200,
                {
                    "service": "oc-bridge Orderchamp sandbox",
                    "graphql": GRAPHQL_PATH,
                    "admin": "/sandbox/stats",
                },
            )
        return _json(404, {"error": f"no route {method} {path}"})

    @staticmethod
    def _read(environ: dict[str, Any]) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= 0:
            return b""
        data: bytes = environ["wsgi.input"].read(min(length, _MAX_BODY))
        return data

    @staticmethod
    def base_url(environ: dict[str, Any]) -> str:
        """``scheme://host[:port]`` the client used."""
        scheme = environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST") or (
            f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        )
        return f"{scheme}://{host}"

    def _authorised_token(self, environ: dict[str, Any]) -> str | None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        expected = self.config.token
        if expected is not None and not hmac.compare_digest(token.encode(), expected.encode()):
            return None
        return token

    def _graphql(self, environ: dict[str, Any], method: str) -> Response:
        self.throttle.count("requests")
        if method != "POST":
            status, headers, body = _errors(405, "Use POST")
            return status, [*headers, ("Allow", "POST")], body
        token = self._authorised_token(environ)
        if token is None:
            self.throttle.count("unauthorized")
            return _errors(401, "Unauthorized")
        latency = self.faults.latency_seconds()
        if latency > 0:
            time.sleep(latency)
        fault = self.faults.draw()
        if fault is not None:
            self.throttle.count("faults_429" if fault.status == 429 else "faults_5xx")
            return fault.status, [("Content-Type", fault.content_type), *fault.headers], fault.body
        raw = self._read(environ)
        try:
            request = json.loads(raw)
        except ValueError:
            self.throttle.count("bad_requests")
            return _errors(400, "Request body must be JSON")
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            self.throttle.count("bad_requests")
            return _errors(400, 'Request body must be a JSON object with a "query" string')
        variables = request.get("variables") or {}
        operation_name = request.get("operationName") or None
        if not isinstance(variables, dict) or not (
            operation_name is None or isinstance(operation_name, str)
        ):
            self.throttle.count("bad_requests")
            return _errors(400, '"variables" must be an object and "operationName" a string')
        return self._run(token, request["query"], variables, operation_name, self.base_url(environ))

    def _run(
        self,
        token: str,
        query: str,
        variables: dict[str, Any],
        operation_name: str | None,
        base_url: str,
    ) -> Response:
        document, problems = self.graphql.prepare(query)
        if document is None or problems:
            remaining = self.throttle.remaining(token)
            return _json(
                200,
                {
                    "errors": [error.formatted for error in problems],
                    "extensions": {"throttle": self.throttle.throttle_extension(0, 0, remaining)},
                },
            )
        try:
            requested = requested_cost(document, variables, operation_name)
        except ValueError:
            requested = 0  # no runnable operation: execution reports the error
        enforce = self.config.enforce_max_cost
        if enforce is None:
            enforce = self.config.throttle
        if enforce and requested > self.config.max_query_cost:
            self.throttle.count("max_cost_exceeded")
            remaining = self.throttle.remaining(token)
            return _json(
                200,
                {
                    "errors": [
                        {
                            "message": f"Query cost {requested} exceeds the maximum of "
                            f"{self.config.max_query_cost}",
                            "extensions": {
                                "code": "MAX_COST_EXCEEDED",
                                "cost": requested,
                                "maxCost": self.config.max_query_cost,
                            },
                        }
                    ],
                    "extensions": {
                        "throttle": self.throttle.throttle_extension(requested, 0, remaining)
                    },
                },
            )
        allowed, remaining = self.throttle.charge(token, requested)
        if not allowed:
            return _json(
                200,
                {
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                    "extensions": {
                        "throttle": self.throttle.throttle_extension(requested, None, remaining)
                    },
                },
            )
        context = RequestContext(self.state, base_url)
        with self.state.lock:
            result = self.graphql.execute(document, variables, operation_name, context)
        try:
            actual = charged_cost(document, result.data or {}, variables, operation_name)
        except ValueError:
            actual = 0
        remaining = self.throttle.settle(token, requested, actual)
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [_format_error(error) for error in result.errors]
        payload["extensions"] = {
            "throttle": self.throttle.throttle_extension(requested, actual, remaining)
        }
        return _json(200, payload)


def _format_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        log.error("resolver failed", exc_info=error.original_error)
    return formatted
