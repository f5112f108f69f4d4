"""Delivery dates: adapters with ``DELIVERY_DATES`` say when they now expect an order to be
delivered; the engine updates Orderchamp's ``estimatedDeliveryAt`` once per change.

Only orders exported to such an instance and not yet finished (per the ledger's last sighting)
are asked. The value last accepted by Orderchamp is kept in the ledger (``delivery_dates``);
a push is recorded only after Orderchamp accepted it, under the claim ``delivery:<order id>``
(checked again under the claim), so two processes never push one change twice. The mutation
sets an absolute value, so sending it again after an ambiguous failure is harmless. A plain
date becomes 12:00 UTC of that day, which is the same calendar day everywhere in Europe.

The new estimate changes the order as mapped for the warehouse (its requested delivery date).
Since the date came from that warehouse, the ledger adopts the new content for it (no update
is sent back), provided the warehouse held the order's content just before the push; any
other pending change still goes out as an update, date included.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

from oc_bridge.adapter import Capability
from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.diff import fingerprint
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.errors import PermanentError, TransientError
from oc_bridge.models import Order
from oc_bridge.store import ExportRecord, ExportState

__all__ = ["DeliveryDates", "as_estimate"]

log = logging.getLogger(__name__)

#: Statuses after which a delivery estimate no longer matters.
_FINISHED = frozenset({"AWAITING_DELIVERY", "COMPLETED", "CANCELLED", "CANCELLATION_REQUESTED"})


def as_estimate(value: date | datetime) -> datetime:
    """An aware datetime for Orderchamp: a date becomes 12:00 UTC of that day."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("an expected delivery datetime must be time-zone aware")
        return value.astimezone(UTC)
    return datetime.combine(value, time(12, 0), tzinfo=UTC)


class DeliveryDates:
    """Asks ``DELIVERY_DATES`` adapters for their expected dates and pushes changes."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def run(self, summary: SyncSummary) -> None:
        """One pass over the open exports of every ``DELIVERY_DATES`` instance."""
        for instance, adapter in self.ctx.adapters.items():
            if not adapter.supports(Capability.DELIVERY_DATES):
                continue
            for rec in self.store.list_exports([ExportState.EXPORTED]):
                if rec.instance != instance:
                    continue
                seen = self.store.get_order(rec.order_id)
                if seen is not None and (seen.is_cancelled or seen.status in _FINISHED):
                    continue
                try:
                    expected = adapter.expected_delivery(rec.order_id, rec.order_number,
                                                         rec.external_id)
                except (TransientError, PermanentError) as exc:
                    summary.add_failed(f"asking {instance} for the delivery date of order "
                                       f"{rec.order_number} failed: {exc}")
                    continue
                if expected is not None:
                    self._push(instance, rec, expected, summary)

    def _push(self, instance: str, rec: ExportRecord, expected: date | datetime,
              summary: SyncSummary) -> None:
        order_id, number = rec.order_id, rec.order_number
        try:
            estimate = as_estimate(expected)
        except ValueError as exc:
            summary.warnings.append(f"order {number} at {instance}: {exc}")
            return
        text = estimate.isoformat()
        if self.store.get_delivery_date(order_id) == text:
            return
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"set the estimated delivery of order {number} to {text}")
            summary.delivery_dates_updated += 1
            return
        name = f"delivery:{order_id}"
        with self.ctx.claims.hold(name) as held:
            if not held:
                summary.held_elsewhere += 1
                log.info("order %s: delivery date held by %s, left to it", number,
                         self.ctx.claims.holder(name))
            elif self.store.get_delivery_date(order_id) != text:  # not pushed meanwhile
                self._push_now(instance, rec, estimate, name, summary)

    def _push_now(self, instance: str, rec: ExportRecord, estimate: datetime, name: str,
                  summary: SyncSummary) -> None:
        order_id, number, text = rec.order_id, rec.order_number, estimate.isoformat()
        notify = bool(getattr(self.ctx.settings.sync, "delivery_notify_customer", True))
        client = self.ctx.client
        try:
            before = client.get_order(order_id, with_shipments=False)
            client.update_estimated_delivery(order_id, estimate, notify_customer=notify)
        except (TransientError, PermanentError) as exc:
            summary.add_failed(f"updating the delivery date of order {number} failed: {exc}")
            return
        with self.ctx.claims.guard(name):
            if before is not None:
                self._adopt(instance, rec, before, estimate)
            self.store.record_delivery_date(order_id, instance, text, order_number=number)
        log.info("order %s: estimated delivery set to %s (from %s)", number, text, instance)
        summary.delivery_dates_updated += 1

    def _adopt(self, instance: str, rec: ExportRecord, before: Order, estimate: datetime) -> None:
        """Record that ``instance`` already holds the order with its own date (no echo)."""
        revision = rec.revision or 1
        try:
            held = self.ctx.hooks.map_order(before, instance=instance, revision=revision)
            after = self.ctx.hooks.map_order(
                before.model_copy(update={"estimated_delivery_at": estimate}),
                instance=instance, revision=revision)
        except (TransientError, PermanentError):
            return  # the next reconciliation decides with the order as it is
        self.store.adopt_export_content(instance, rec.order_id,
                                        expected_digest=held.content_digest(),
                                        digest=after.content_digest(),
                                        fingerprint=fingerprint(after))
