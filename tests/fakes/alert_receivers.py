"""Loopback receivers the alert tests send to (test code, written from the protocols: RFC 5321
SMTP via aiosmtpd, and plain HTTP POST)."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    """Records every POST; answers ``status`` (200 by default)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/alerts"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class _Handler:
    messages: list[Message] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        raw = envelope.original_content or b""
        self.messages.append(message_from_bytes(raw))
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """aiosmtpd on 127.0.0.1: plain, STARTTLS (``tls``) or implicit TLS (``implicit_tls``),
    with AUTH LOGIN/PLAIN checked against ``users`` when given."""

    def __init__(self, *, port: int, tls: TlsFiles | None = None, implicit_tls: bool = False,
                 users: dict[str, str] | None = None) -> None:
        self.port = port
        self.handler = _Handler()
        self.users = users
        kwargs: dict[str, Any] = {}
        if tls is not None and not implicit_tls:
            kwargs.update(tls_context=tls.server_context(), require_starttls=True)
        if users is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=tls is not None)
        ssl_context = tls.server_context() if (tls is not None and implicit_tls) else None
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port,
                                     ssl_context=ssl_context, server_hostname="127.0.0.1",
                                     **kwargs)

    def _authenticate(self, _server: Any, _session: Any, _envelope: Any, _mechanism: str,
                      data: Any) -> AuthResult:
        if isinstance(data, LoginPassword) and self.users is not None:
            user = data.login.decode()
            if self.users.get(user) == data.password.decode():
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        """Stop listening (once; a second call does nothing)."""
        if getattr(self, "running", False):
            self.running = False
            self.controller.stop()
