"""Ledger records of holds: orders held back by hand, and orders waiting for their export time."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OrderHold", "OrderWait"]


@dataclass(frozen=True)
class OrderHold:
    """An order held by hand (``oc-bridge orders hold``): never exported or updated at any
    adapter while the hold stands. ``order_number`` is None when the bridge had not seen the
    order yet; ``actor`` says who placed it (None when not known)."""

    order_id: str
    order_number: str | None
    reason: str
    actor: str | None
    held_at: str


@dataclass(frozen=True)
class OrderWait:
    """An order the engine must look at again at ``due_at`` (ISO-8601 UTC): held back by
    ``sync.hold_minutes`` until it has been confirmed long enough, or released from a manual
    hold (due at once). Reconciliation and the daemon's ``holds`` job take every due row, so
    no cursor has to stop at such an order. ``since`` is what the wait counts from (for
    ``sync.hold_minutes``: the confirmation time)."""

    order_id: str
    order_number: str | None
    due_at: str
    reason: str
    since: str
