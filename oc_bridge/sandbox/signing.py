"""How the sandbox signs a webhook delivery: its own reading of Orderchamp's scheme.

Written from the reference document (orderchamp-api.md §3, "Signature") alone, never from the
client's verifier, so that a misreading on either side fails the tests that make one check the
other: ``X-Orderchamp-Signature`` is the lowercase hex HMAC-SHA256 of the raw request body
bytes, keyed with the shared secret (the app's client secret or the account's shared secret).
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "webhook_signature"]

SIGNATURE_HEADER = "X-Orderchamp-Signature"


def webhook_signature(body: bytes, secret: str) -> str:
    """The ``X-Orderchamp-Signature`` for ``body`` (exactly the bytes sent) under ``secret``."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
