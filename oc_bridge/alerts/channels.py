"""Where alerts are sent besides logs and metrics: an HTTP webhook and e-mail over SMTP.

A channel sends one :class:`~oc_bridge.alerts.model.AlertBatch` per call and raises an
:class:`~oc_bridge.errors.OcBridgeError` when it could not; deduplication and rate limits are
the dispatcher's business (:mod:`oc_bridge.alerts.dispatch`), not the channel's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from oc_bridge.alerts.model import AlertBatch
from oc_bridge.errors import ConfigurationError, TransientError
from oc_bridge.http import HttpClient
from oc_bridge.settings import AlertEmailSettings, AlertSettings, AlertWebhookSettings

__all__ = [
    "CHANNEL_NAMES",
    "SIGNATURE_HEADER",
    "AlertChannel",
    "EmailChannel",
    "WebhookChannel",
    "configured_channels",
    "sign_body",
]

#: Every channel name (``oc-bridge alerts test --channel``).
CHANNEL_NAMES = ("webhook", "email")
#: Header carrying the hex HMAC-SHA256 of the raw body under ``alerts.webhook.secret``.
SIGNATURE_HEADER = "X-OC-Bridge-Signature"


class AlertChannel(Protocol):
    """A destination for alerts."""

    name: str

    def send(self, batch: AlertBatch) -> None:
        """Deliver one message; raise ``OcBridgeError`` when it was not delivered."""

    def close(self) -> None:
        """Release connections."""


def sign_body(body: bytes, secret: str) -> str:
    """The lowercase hex HMAC-SHA256 of ``body`` under ``secret`` (what a receiver compares,
    in constant time, with the :data:`SIGNATURE_HEADER` header)."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """POSTs the batch as JSON (``AlertBatch.to_json``) through the one HTTP layer; signed when
    ``alerts.webhook.secret`` is set. Any answer below 400 is a delivery."""

    name = "webhook"

    def __init__(self, settings: AlertWebhookSettings) -> None:
        if settings.url is None:
            raise ConfigurationError("alerts.webhook.url is not set")
        self.url = settings.url
        self.secret = settings.secret.get_secret_value() if settings.secret else None
        self.http = HttpClient(None, service="alert webhook",
                               timeout=(settings.timeout, settings.timeout),
                               secrets=[self.secret] if self.secret else [], max_attempts=3)

    def send(self, batch: AlertBatch) -> None:
        body = json.dumps(batch.to_json(), sort_keys=True).encode("utf-8")
        headers = {"Content-Type": "application/json",
                   "X-OC-Bridge-Event": "test" if batch.is_test else "alert"}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign_body(body, self.secret)
        self.http.request("POST", self.url, data=body, headers=headers)

    def close(self) -> None:
        self.http.close()


class EmailChannel:
    """Sends the batch as a plain-text e-mail with the standard library's ``smtplib``:
    STARTTLS (default), implicit TLS (``ssl``) or plain (``none``, a trusted local relay), with
    login when ``alerts.email.username`` is set. The server's certificate is verified."""

    name = "email"

    def __init__(self, settings: AlertEmailSettings) -> None:
        if settings.host is None:
            raise ConfigurationError("alerts.email.host is not set")
        self.settings = settings
        self.host = settings.host

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file)

    def _message(self, batch: AlertBatch) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = batch.subject(self.settings.subject_prefix)
        message["From"] = self.settings.from_addr
        message["To"] = ", ".join(self.settings.to)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=batch.host or None)
        message["X-OC-Bridge-Alert"] = batch.id
        message.set_content(batch.text())
        return message

    def send(self, batch: AlertBatch) -> None:
        cfg = self.settings
        where = f"{self.host}:{cfg.port}"
        try:
            smtp: smtplib.SMTP
            if cfg.security == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, cfg.port, timeout=cfg.timeout,
                                        context=self._tls())
            else:
                smtp = smtplib.SMTP(self.host, cfg.port, timeout=cfg.timeout)
            with smtp:
                if cfg.security == "starttls":
                    smtp.starttls(context=self._tls())
                if cfg.username is not None:
                    password = cfg.password.get_secret_value() if cfg.password else ""
                    smtp.login(cfg.username, password)
                refused = smtp.send_message(self._message(batch))
        except smtplib.SMTPAuthenticationError as exc:
            raise ConfigurationError(f"e-mail via {where}: login as {cfg.username} refused "
                                     f"({exc.smtp_code})") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise ConfigurationError(f"e-mail via {where}: {exc} (check "
                                     "alerts.email.security)") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"e-mail via {where} failed: {type(exc).__name__}: "
                                 f"{exc}") from exc
        if refused:
            raise TransientError(f"e-mail via {where}: recipients refused: "
                                 f"{', '.join(sorted(refused))}")

    def close(self) -> None:
        """Nothing is kept open between messages."""


def configured_channels(settings: AlertSettings) -> list[AlertChannel]:
    """The channels the settings configure: the webhook when ``alerts.webhook.url`` is set,
    e-mail when ``alerts.email.host`` is set."""
    channels: list[AlertChannel] = []
    if settings.webhook.url is not None:
        channels.append(WebhookChannel(settings.webhook))
    if settings.email.host is not None:
        channels.append(EmailChannel(settings.email))
    return channels
