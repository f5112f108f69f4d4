"""Identifiers shaped like Orderchamp's, for tests that must not get away with friendlier ones.

The ``reference`` of a :class:`~oc_bridge.canonical.FulfilmentOrder` is the Orderchamp order id,
an opaque Relay global id: today the unpadded base64 of ``Order:<number>`` (``T3JkZXI6MTIz``
for ``Order:123``), so letters and digits only, and case-sensitive (``T3Jk...`` and
``t3jk...`` are different orders). Orderchamp documents ids as opaque, so an adapter must accept
the whole base64 alphabet ``A-Z a-z 0-9 + / =`` and up to 255 characters without parsing the
value, and must keep it case-sensitive (a case-insensitive back end key, or ``/`` in a file
name, needs an encoding of its own). The order ``number`` (``OC-100123``) is what humans see.
"""

from __future__ import annotations

import base64
import secrets

__all__ = ["REFERENCE_ALPHABET", "orderchamp_id", "orderchamp_order_number"]

#: Every character an Orderchamp id (a reference) may contain.
REFERENCE_ALPHABET = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def orderchamp_id(type_name: str = "Order", number: int | None = None) -> str:
    """A global id as Orderchamp issues them: unpadded base64 of ``<type>:<number>``
    (a random 9-digit ``number`` when not given, so ids are unique across test runs)."""
    value = number if number is not None else 100_000_000 + secrets.randbelow(900_000_000)
    return base64.b64encode(f"{type_name}:{value}".encode()).decode("ascii").rstrip("=")


def orderchamp_order_number() -> str:
    """A human order number shaped like Orderchamp's (``OC-`` and seven digits)."""
    return f"OC-{1_000_000 + secrets.randbelow(9_000_000)}"
