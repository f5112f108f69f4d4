"""Webhook signature verification: plain HMAC-SHA256 (hex or base64) and Standard Webhooks.

All comparisons are constant-time (:func:`hmac.compare_digest`). Failures raise
:class:`WebhookSignatureError` with a message that says what was wrong, never the secret.

Standard Webhooks (https://www.standardwebhooks.com): the signed content is
``{webhook-id}.{webhook-timestamp}.{body}``; ``webhook-signature`` is a space-separated list of
``v1,<base64 HMAC-SHA256>`` entries, any of which may match; the secret is ``whsec_`` followed by
the base64 key; timestamps more than the tolerance away from now are rejected (replay).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from oc_bridge.errors import PermanentError

__all__ = [
    "WebhookSignatureError",
    "hmac_sha256",
    "sign_standard_webhook",
    "standard_webhook_key",
    "verify_hmac",
    "verify_standard_webhook",
]


class WebhookSignatureError(PermanentError):
    """A webhook delivery's signature is missing, malformed, wrong or stale: reject it."""


def hmac_sha256(key: bytes, content: bytes) -> bytes:
    """Raw HMAC-SHA256 digest of ``content`` under ``key``."""
    return hmac.new(key, content, hashlib.sha256).digest()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def verify_hmac(headers: Mapping[str, str], body: bytes, *, header: str, secret: str,
                encoding: str) -> None:
    """Check ``header`` holds the HMAC-SHA256 of the raw ``body`` under ``secret`` as
    ``hex`` or ``base64`` (a ``sha256=`` prefix is tolerated)."""
    given = _header(headers, header)
    if not given:
        raise WebhookSignatureError(f"webhook signature header {header} is missing")
    given = given.strip()
    if given.lower().startswith("sha256="):
        given = given[7:]
    digest = hmac_sha256(secret.encode("utf-8"), body)
    expected = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")
    if encoding == "hex":
        given = given.lower()
    if not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")):
        raise WebhookSignatureError(f"webhook signature in {header} does not match the body")


def standard_webhook_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret (``whsec_<base64>``; without the prefix the
    whole text is taken as base64)."""
    raw = secret[6:] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookSignatureError("the webhook secret is not whsec_<base64>") from exc


def sign_standard_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value (``v1,<base64>``) for a delivery (for tests and fakes)."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac_sha256(standard_webhook_key(secret), content)
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_standard_webhook(headers: Mapping[str, str], body: bytes, *, secret: str,
                            tolerance: float = 300.0, now: float | None = None) -> str:
    """Verify a Standard Webhooks delivery; returns its ``webhook-id`` (the dedupe key)."""
    msg_id = _header(headers, "webhook-id")
    stamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    missing = [n for n, v in (("webhook-id", msg_id), ("webhook-timestamp", stamp),
                              ("webhook-signature", signatures)) if not v]
    if missing:
        raise WebhookSignatureError("webhook headers missing: " + ", ".join(missing))
    msg_id, stamp, signatures = msg_id or "", stamp or "", signatures or ""
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookSignatureError("webhook-timestamp is not a number") from exc
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookSignatureError(
            f"webhook-timestamp is {int(current - timestamp)} s off (tolerance {int(tolerance)} s)"
        )
    expected = sign_standard_webhook(secret, msg_id, timestamp, body).encode("ascii")
    for candidate in signatures.split():
        version, _, _value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(candidate.encode("ascii", "replace"),
                                                   expected):
            return msg_id
    raise WebhookSignatureError("no webhook-signature entry matches the body")
