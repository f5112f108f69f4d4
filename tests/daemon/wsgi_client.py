"""Calling a WSGI app in-process (no server) for unit tests."""

from __future__ import annotations

import io
import json
from typing import Any


def call(app: Any, method: str, path: str, body: bytes = b"",
         headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1"}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    status: list[str] = []
    chunks = app(environ, lambda s, _h: status.append(s))
    return int(status[0].split()[0]), b"".join(chunks)


def call_json(app: Any, method: str, path: str, body: bytes = b"",
              headers: dict[str, str] | None = None) -> tuple[int, Any]:
    status, raw = call(app, method, path, body, headers)
    return status, json.loads(raw) if raw.startswith(b"{") else raw.decode()
