"""The small decisions of order export, as pure functions."""

from __future__ import annotations

import hashlib

from oc_bridge.models import Order, OrderStatus
from oc_bridge.store import ExportRecord, OrderSeen

__all__ = ["has_unshipped_lines", "is_cancelled", "next_revision", "order_digest", "sighting"]


def order_digest(order: Order) -> str:
    """A digest of an Orderchamp order's own fields and lines (shipments, invoices excluded)."""
    raw = order.model_dump_json(exclude={"shipments", "invoices"})
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def sighting(order: Order) -> OrderSeen:
    """What the ledger records of an order as seen now (``orders_seen``)."""
    return OrderSeen(
        order_id=order.id, number=order.number,
        status=order.status.value if order.status else None,
        updated_at=order.updated_at.isoformat() if order.updated_at else None,
        digest=order_digest(order), is_confirmed=bool(order.is_confirmed),
        is_cancelled=is_cancelled(order))


def is_cancelled(order: Order) -> bool:
    """Cancelled for good (a cancellation request is not)."""
    return bool(order.is_cancelled) or order.status == OrderStatus.CANCELLED


def has_unshipped_lines(order: Order) -> bool:
    """True when something is left to ship: a fully shipped order is never newly exported
    (on a first run, history must not reach the warehouse a second time)."""
    return any(p.unshipped_quantity is None or p.unshipped_quantity > 0 for p in order.products)


def next_revision(rec: ExportRecord, digest: str) -> int | None:
    """The revision to send so the back end holds content ``digest``; None when it does.

    An unfinished update is resumed with its own revision when the content is still the same,
    else the content goes out under the next number (a revision never names two contents).
    """
    if rec.revision is None:
        return None
    if rec.pending_revision is not None:
        return rec.pending_revision if rec.pending_digest == digest else rec.pending_revision + 1
    return rec.revision + 1 if rec.digest != digest else None
