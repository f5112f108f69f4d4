"""Ledger records of the order workflow: stock pushes, orders awaiting stock, delivery dates."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AwaitingStock", "ShortLine", "StockPush"]


@dataclass(frozen=True)
class StockPush:
    """What the bridge last told Orderchamp about one SKU.

    ``available`` is the last figure Orderchamp accepted (None: never pushed). When Orderchamp
    rejected the SKU (unknown SKU, bad figure) ``rejected_available``, ``rejected_at`` and
    ``message`` say what and why; a later accepted push clears them.
    """

    sku: str
    available: int | None
    pushed_at: str | None
    rejected_available: int | None
    rejected_at: str | None
    message: str | None


@dataclass(frozen=True)
class ShortLine:
    """A SKU an order needs more of than the routed warehouse has available."""

    sku: str
    needed: int
    available: int


@dataclass(frozen=True)
class AwaitingStock:
    """An order left unconfirmed by ``sync.auto_confirm = "when-in-stock"``, with its short
    lines as of ``checked_at`` (first found short at ``since``)."""

    order_id: str
    order_number: str
    short_lines: tuple[ShortLine, ...]
    since: str
    checked_at: str
