"""A ledger on each backend, and real receivers on loopback for the alert channels: an SMTP
server (aiosmtpd, optionally with STARTTLS/implicit TLS and AUTH) and an HTTP server
(http.server in a thread)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from fakes.alert_receivers import HttpReceiver, SmtpReceiver, TlsFiles, free_port

from oc_bridge.store import Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A ledger on each backend (SQLite; PostgreSQL when configured)."""
    with open_store(store_url) as ledger:
        yield ledger


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpReceiver]:
    server = SmtpReceiver(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1 (the client trusts it as its CA file)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl cannot make a test certificate here: {exc}")
    return TlsFiles(cert=cert, key=key)
