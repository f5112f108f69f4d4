"""Records of the webhook inbox: deliveries stored before they are answered, then processed.

An :class:`InboxDelivery` is what a receiver stores; an :class:`InboxItem` is a stored row as
a worker leases it. Items that share a ``group_key`` (the Orderchamp order id) are leased
together, so a burst of events for one order is processed once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ORDERCHAMP_SOURCE", "InboxDelivery", "InboxItem", "InboxState", "body_digest"]

#: ``source`` of deliveries from Orderchamp; adapters use ``adapter:<instance>``.
ORDERCHAMP_SOURCE = "orderchamp"


class InboxState(StrEnum):
    """Where an inbox item is in its life."""

    PENDING = "pending"
    LEASED = "leased"
    DONE = "done"
    PARKED = "parked"


def body_digest(body: bytes) -> str:
    """The SHA-256 hex digest identical deliveries share."""
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class InboxDelivery:
    """One received delivery to store: ``body`` is the raw text, ``headers_json`` only the
    headers processing needs. ``group_key`` coalesces items (None: processed alone)."""

    source: str
    event: str
    body: str
    digest: str
    headers_json: str = "{}"
    order_id: str | None = None
    invoice_id: str | None = None
    group_key: str | None = None


@dataclass(frozen=True)
class InboxItem:
    """A stored delivery. ``attempts`` counts leases (this one included)."""

    id: int
    source: str
    event: str
    order_id: str | None
    invoice_id: str | None
    group_key: str | None
    digest: str
    body: str
    headers_json: str
    received_at: str
    state: InboxState
    lease_owner: str | None
    lease_expires_at: str | None
    available_at: str
    attempts: int
    last_error: str | None
    processed_at: str | None
