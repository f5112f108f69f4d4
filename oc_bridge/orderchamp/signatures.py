"""Orderchamp webhook signatures: lowercase hex HMAC-SHA256 over the raw request body.

Orderchamp signs each delivery with the app's client secret (OAuth apps) or the account's shared
secret and sends it in ``X-Orderchamp-Signature``. There is no timestamp, so replay protection is
the receiver's job (deduplicate by body digest; a webhook only triggers a re-fetch anyway).
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "sign", "verify"]

SIGNATURE_HEADER = "X-Orderchamp-Signature"


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def sign(body: bytes, secret: str | bytes) -> str:
    """Return the signature Orderchamp would send for ``body`` (lowercase hex)."""
    return hmac.new(_key(secret), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str | None, secret: str | bytes) -> bool:
    """True when ``signature`` matches ``body``; compared in constant time.

    A missing or empty signature, or an empty secret, never verifies; neither does one with
    non-ASCII text (compared as bytes: ``compare_digest`` refuses non-ASCII ``str``).
    """
    if not signature or not secret:
        return False
    expected = sign(body, secret).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().lower().encode("utf-8", "replace"))
