"""What one engine run did (or, in a dry run, would do)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["SyncSummary"]

_COUNTERS = (
    "orders_seen", "orders_fetched", "exported", "updated", "cancelled", "shipments_reported",
    "duplicates_skipped", "orders_fulfilled", "parked", "failed",
    "confirmed", "invoices_delivered", "delivery_dates_updated", "held_elsewhere",
    "unmapped_carriers",
    "repaired_by_reconcile",
)


@dataclass
class SyncSummary:
    """Counters and messages of a run. In a dry run the counters say what *would* happen and
    ``planned`` lists each action; nothing was changed anywhere.

    ``failed`` counts items kept for a later attempt (transient errors) and errors that stopped
    part of the run; ``parked`` counts items handed to a human (reasons in ``parked_reasons``).
    ``reconcile_incomplete`` is True when a reconciliation pass could not read every order
    from Orderchamp (its cursor did not move; the daemon does not count it as reconciled).
    """

    dry_run: bool = False
    #: Orders listed (reconciliation) or looked at (webhooks, resumed exports).
    orders_seen: int = 0
    #: Orders whose details were fetched (new or changed ones; the rest cost only the listing).
    orders_fetched: int = 0
    exported: int = 0
    updated: int = 0
    cancelled: int = 0
    shipments_reported: int = 0
    duplicates_skipped: int = 0
    orders_fulfilled: int = 0
    parked: int = 0
    failed: int = 0
    confirmed: int = 0
    invoices_delivered: int = 0
    delivery_dates_updated: int = 0
    reconcile_incomplete: bool = False
    #: Steps left to another process that held their claim (it finishes them).
    held_elsewhere: int = 0
    #: Order changes reconciliation picked up that no webhook had brought (lost webhooks; see
    #: :mod:`oc_bridge.engine.lost_webhooks`), listed in ``repaired``.
    repaired_by_reconcile: int = 0
    #: ``{order_id, number, updated_at}`` of each change counted in ``repaired_by_reconcile``.
    repaired: list[dict[str, str]] = field(default_factory=list)
    #: Orders left unconfirmed for want of stock: ``{order_id, number, short_lines: [{sku,
    #: needed, available}]}`` (``sync.auto_confirm = "when-in-stock"``).
    awaiting_stock: list[dict[str, Any]] = field(default_factory=list)
    #: Shipments reported with a carrier ``[sync.carriers]`` does not map (sent as given).
    unmapped_carriers: int = 0
    #: Orders not exported because they are held (``oc-bridge orders hold``) or wait for
    #: ``sync.hold_minutes``: ``{order_id, number, why, since, until}`` (until: ISO or None).
    held_back: list[dict[str, Any]] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)
    #: Jobs skipped because another process was running them (``reconcile: held by ...``).
    skipped: list[str] = field(default_factory=list)
    parked_reasons: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Cancellation requests answered by adapters, by outcome (``accepted``, ``rejected``,
    #: ``unsupported``); rejected and unsupported ones were parked.
    cancellations: dict[str, int] = field(default_factory=dict)
    #: Orderchamp API use of the run (``points_spent``, ``points_per_order``, ``by_operation``
    #: ...), filled in by the caller that owns the client (``oc-bridge sync``).
    api: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 when everything went through, 4 when something was parked or failed."""
        return 4 if (self.parked or self.failed) else 0

    @property
    def ok(self) -> bool:
        """True when nothing was parked and nothing failed."""
        return self.exit_code == 0

    def add_parked(self, reason: str) -> None:
        """Count one parked item with its reason."""
        self.parked += 1
        self.parked_reasons.append(reason)

    def add_failed(self, message: str) -> None:
        """Count one item kept for a later attempt (or a failed part of the run)."""
        self.failed += 1
        self.errors.append(message)

    def count_cancellation(self, outcome: str) -> None:
        """Count one adapter answer to a cancellation request."""
        self.cancellations[outcome] = self.cancellations.get(outcome, 0) + 1

    def merge(self, other: SyncSummary) -> SyncSummary:
        """Add ``other``'s counters and messages to this summary; returns self."""
        for name in _COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.planned.extend(other.planned)
        self.skipped.extend(other.skipped)
        self.parked_reasons.extend(other.parked_reasons)
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
        self.awaiting_stock.extend(other.awaiting_stock)
        for outcome, count in other.cancellations.items():
            self.cancellations[outcome] = self.cancellations.get(outcome, 0) + count
        self.held_back.extend(other.held_back)
        self.repaired.extend(other.repaired)
        self.dry_run = self.dry_run or other.dry_run
        self.reconcile_incomplete = self.reconcile_incomplete or other.reconcile_incomplete
        return self

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for ``--json``), with ``exit_code``."""
        data = asdict(self)
        data["exit_code"] = self.exit_code
        return data

    def lines(self) -> list[str]:
        """A human-readable report, one line each."""
        head = "dry run: nothing was changed" if self.dry_run else "sync finished"
        out = [
            head,
            f"  orders seen: {self.orders_seen} ({self.orders_fetched} fetched in full), "
            f"exported: {self.exported}, "
            f"updated: {self.updated}, cancelled: {self.cancelled}",
            f"  shipments reported: {self.shipments_reported}, duplicates skipped: "
            f"{self.duplicates_skipped}, orders fully shipped: {self.orders_fulfilled}",
            f"  parked: {self.parked}, failed (will retry): {self.failed}",
        ]
        if self.api:
            out.append(f"  Orderchamp API: {self.api.get('points_spent', 0)} points in "
                       f"{self.api.get('requests', 0)} requests, "
                       f"{self.api.get('points_per_order', 0)} per order seen, "
                       f"{self.api.get('points_per_fetched_order', 0)} per order fetched; "
                       f"waited {self.api.get('throttle_wait_seconds', 0)} s for the budget")
        if self.confirmed or self.invoices_delivered or self.delivery_dates_updated:
            out.append(f"  confirmed: {self.confirmed}, invoices delivered: "
                       f"{self.invoices_delivered}, delivery dates updated: "
                       f"{self.delivery_dates_updated}")
        if self.cancellations:
            out.append("  cancellations asked of adapters: " + ", ".join(
                f"{outcome} {count}" for outcome, count in sorted(self.cancellations.items())))
        if self.unmapped_carriers:
            out.append(f"  shipments with a carrier not in sync.carriers (sent as given): "
                       f"{self.unmapped_carriers}")
        if self.held_elsewhere:
            out.append(f"  left to another process holding them: {self.held_elsewhere}")
        if self.repaired_by_reconcile:
            out.append(f"  picked up by reconciliation without a webhook (lost webhooks): "
                       f"{self.repaired_by_reconcile}")
        if self.awaiting_stock:
            out.append("awaiting stock (left unconfirmed):")
            for item in self.awaiting_stock:
                short = ", ".join(f"{s['sku']} needs {s['needed']}, has {s['available']}"
                                  for s in item["short_lines"])
                out.append(f"  - order {item['number']}: {short}")
        if self.held_back:
            out.append("held back (not exported yet):")
            for item in self.held_back:
                until = f" until {item['until'][:19]}Z" if item.get("until") else ""
                out.append(f"  - order {item['number']}: {item['why']}{until}")
        sections = (("would do", self.planned), ("skipped", self.skipped),
                    ("parked", self.parked_reasons),
                    ("errors", self.errors), ("warnings", self.warnings))
        for title, items in sections:
            if items:
                out.append(f"{title}:")
                out.extend(f"  - {item}" for item in items)
        return out
