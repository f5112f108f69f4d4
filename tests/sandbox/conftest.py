"""Fixtures for the sandbox tests: sandboxes on loopback, a GraphQL caller, a webhook receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from oc_bridge.sandbox import Sandbox, SandboxConfig

ANCHOR = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


class GraphQL:
    """Posts GraphQL documents to a sandbox over HTTP and returns the decoded answer."""

    def __init__(self, sandbox: Sandbox, token: str = "test-token") -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def raw(self, query: str, variables: dict[str, Any] | None = None) -> requests.Response:
        return self.session.post(
            self.sandbox.url, json={"query": query, "variables": variables or {}}, timeout=30
        )

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.raw(query, variables)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self(query, variables)
        assert "errors" not in answer, answer["errors"]
        data: dict[str, Any] = answer["data"]
        return data


def make_config(**overrides: Any) -> SandboxConfig:
    """A small, fixed-time config; webhook retries fast so tests stay quick."""
    values: dict[str, Any] = {
        "orders": 60,
        "seed": 7,
        "now": ANCHOR,
        "webhook_secret": "s3cret",
        "webhook_retry_base": 0.05,
        "webhook_max_attempts": 4,
        "webhook_batch_window": 0.1,
    }
    values.update(overrides)
    return SandboxConfig(**values)


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Sandbox]:
    """One read-mostly sandbox per test module (do not mutate orders through it)."""
    with Sandbox(make_config(orders=120)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def shared_gql(shared_sandbox: Sandbox) -> GraphQL:
    return GraphQL(shared_sandbox)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox for tests that change things."""
    with Sandbox(make_config()) as fresh:
        yield fresh


@pytest.fixture
def gql(sandbox: Sandbox) -> GraphQL:
    return GraphQL(sandbox)


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tiny webhook endpoint; answers with ``statuses`` in turn, then 200."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An ``http.server`` on a free loopback port, recording every POST."""
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            target = holder["receiver"]
            status = target.next_status()
            with target.lock:
                target.received.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["receiver"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield holder["receiver"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def make_sandbox() -> Iterator[Any]:
    """Factory: ``make_sandbox(**config_overrides)`` -> a started sandbox, stopped afterwards."""
    started: list[Sandbox] = []

    def build(**overrides: Any) -> Sandbox:
        sandbox = Sandbox(make_config(**overrides)).start()
        started.append(sandbox)
        return sandbox

    yield build
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def graphql_for() -> Any:
    """Factory: ``graphql_for(sandbox, token=...)`` -> a :class:`GraphQL` caller."""
    return GraphQL
