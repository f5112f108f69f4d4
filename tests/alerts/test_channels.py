"""The alert channels against real receivers on loopback: HTTP webhook (JSON, HMAC-signed) and
e-mail over SMTP (plain relay, STARTTLS with login, implicit TLS), and how they fail."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from fakes.alert_receivers import HttpReceiver, SmtpReceiver, TlsFiles, free_port

from oc_bridge.alerts import SIGNATURE_HEADER, Alert, AlertBatch, AlertKind
from oc_bridge.alerts.channels import EmailChannel, WebhookChannel, configured_channels
from oc_bridge.errors import ConfigurationError, TransientError
from oc_bridge.settings import AlertEmailSettings, AlertSettings, AlertWebhookSettings


def _batch(n: int = 1, max_items: int = 20) -> AlertBatch:
    alerts = tuple(Alert(AlertKind.STUCK_EXPORT, f"stuck_export:csv:{i}:t",
                         f"order {1000 + i} at csv: export failed (submit) for 2h 0m",
                         reference=str(i), order_number=str(1000 + i), instance="csv")
                   for i in range(n))
    return AlertBatch(alerts, max_items=max_items)


def test_webhook_posts_signed_json(http_receiver: HttpReceiver) -> None:
    channel = WebhookChannel(AlertWebhookSettings(url=http_receiver.url, secret="hook-secret"))
    channel.send(_batch(3, max_items=2))
    (request,) = http_receiver.requests
    expected = hmac.new(b"hook-secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == expected
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-OC-Bridge-Event"] == "alert"
    body = request.json()
    assert body["counts"] == {"stuck_export": 3}
    assert [a["order_number"] for a in body["alerts"]] == ["1000", "1001"]
    assert body["more"] == 1 and body["test"] is False
    assert body["alerts"][0]["kind"] == "stuck_export"


def test_webhook_without_secret_is_unsigned(http_receiver: HttpReceiver) -> None:
    WebhookChannel(AlertWebhookSettings(url=http_receiver.url)).send(_batch())
    assert SIGNATURE_HEADER not in http_receiver.requests[0].headers


def test_webhook_error_answer_raises_with_status(http_receiver: HttpReceiver) -> None:
    http_receiver.status = 400
    channel = WebhookChannel(AlertWebhookSettings(url=http_receiver.url, secret="hook-secret"))
    with pytest.raises(Exception) as caught:
        channel.send(_batch())
    assert "400" in str(caught.value)
    assert "hook-secret" not in str(caught.value)


def test_webhook_unreachable_is_transient() -> None:
    url = f"http://127.0.0.1:{free_port()}/nobody"
    with pytest.raises(TransientError):
        WebhookChannel(AlertWebhookSettings(url=url, timeout=2)).send(_batch())


def test_email_through_plain_relay(smtp_server: SmtpReceiver) -> None:
    channel = EmailChannel(AlertEmailSettings(
        host="127.0.0.1", port=smtp_server.port, security="none", from_addr="bridge@example.com",
        to=["ops@example.com", "oncall@example.com"]))
    channel.send(_batch(2))
    (message,) = smtp_server.messages
    assert message["Subject"].startswith("[oc-bridge] 2 alert(s)")
    assert message["From"] == "bridge@example.com"
    assert message["To"] == "ops@example.com, oncall@example.com"
    text = message.get_payload(decode=True).decode()
    assert "[stuck_export] order 1000 at csv" in text
    assert smtp_server.handler.envelopes[0].rcpt_tos == ["ops@example.com", "oncall@example.com"]


def test_email_starttls_with_login(tls_files: TlsFiles) -> None:
    server = SmtpReceiver(port=free_port(), tls=tls_files, users={"bridge": "pw"})
    server.start()
    try:
        channel = EmailChannel(AlertEmailSettings(
            host="127.0.0.1", port=server.port, security="starttls", username="bridge",
            password="pw", to=["ops@example.com"], ca_file=str(tls_files.cert)))
        channel.send(_batch())
        assert len(server.messages) == 1
        wrong = EmailChannel(AlertEmailSettings(
            host="127.0.0.1", port=server.port, security="starttls", username="bridge",
            password="nope", to=["ops@example.com"], ca_file=str(tls_files.cert)))
        with pytest.raises(ConfigurationError, match="login as bridge refused"):
            wrong.send(_batch())
        untrusted = EmailChannel(AlertEmailSettings(
            host="127.0.0.1", port=server.port, security="starttls", username="bridge",
            password="pw", to=["ops@example.com"]))
        with pytest.raises(TransientError, match="SSL"):  # self-signed: not trusted by default
            untrusted.send(_batch())
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_email_implicit_tls(tls_files: TlsFiles) -> None:
    server = SmtpReceiver(port=free_port(), tls=tls_files, implicit_tls=True)
    server.start()
    try:
        EmailChannel(AlertEmailSettings(
            host="127.0.0.1", port=server.port, security="ssl", to=["ops@example.com"],
            ca_file=str(tls_files.cert))).send(_batch())
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_email_server_down_is_transient() -> None:
    channel = EmailChannel(AlertEmailSettings(host="127.0.0.1", port=free_port(),
                                              security="none", to=["ops@example.com"],
                                              timeout=2))
    with pytest.raises(TransientError, match=r"e-mail via 127\.0\.0\.1"):
        channel.send(_batch())


def test_channels_are_configured_by_their_keys() -> None:
    assert configured_channels(AlertSettings()) == []
    channels = configured_channels(AlertSettings(
        webhook=AlertWebhookSettings(url="https://hooks.example.com/x"),
        email=AlertEmailSettings(host="smtp.example.com", to=["ops@example.com"])))
    assert [c.name for c in channels] == ["webhook", "email"]


def test_email_settings_need_recipients() -> None:
    with pytest.raises(ValueError, match=r"alerts\.email\.to"):
        AlertEmailSettings(host="smtp.example.com")
