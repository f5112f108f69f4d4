"""The sync engine: reconcile orders into adapters, report shipments back, retry parked items.

The CLI's ``sync`` and the daemon's workers call this class; it owns no connections (see
:mod:`oc_bridge.runtime`). Every method returns a :class:`SyncSummary`; none raises for an item
that failed (it is counted, kept for retry or parked) — only ``ConfigurationError`` (stop) and
bugs escape.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from oc_bridge.adapter import Adapter, Capability
from oc_bridge.boundary import BoundAdapter, bind_adapters
from oc_bridge.canonical import ShipmentPull
from oc_bridge.engine.confirm import AutoConfirmer
from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.delivery import DeliveryDates
from oc_bridge.engine.hooks import EngineHooks, OrderchampApi
from oc_bridge.engine.invoices import InvoiceDelivery
from oc_bridge.engine.lost_webhooks import LostWebhooks
from oc_bridge.engine.orders import OrderExporter
from oc_bridge.engine.progress import ProgressReporter, as_reporter
from oc_bridge.engine.shipments import ShipmentPuller
from oc_bridge.engine.stock import StockSummary, StockSync
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.errors import OcBridgeError, PermanentError, TransientError
from oc_bridge.models import Order, OrderChange, OrderStatus
from oc_bridge.settings import Settings
from oc_bridge.store import UNFINISHED_EXPORT_STATES, ParkedItem, ParkedKind, Store

__all__ = ["ORDERS_CURSOR", "PROGRESS_EVERY", "RECONCILE_JOB", "ROUTING_CURSOR", "SyncEngine"]

log = logging.getLogger(__name__)

#: Ledger cursor: the newest ``updatedAt`` of a completed reconciliation pass.
ORDERS_CURSOR = "orders:updated_at"
#: Job lock of the reconciliation pass (one process at a time per ledger).
RECONCILE_JOB = "job:reconcile"
#: Ledger cursor: the routing (instances taking orders, rules) the last complete pass used.
ROUTING_CURSOR = "orders:routing"
#: A progress line every this many orders.
PROGRESS_EVERY = 100
INBOUND_HINT = "fix the file and drop it again"


class SyncEngine:
    """Reconciles Orderchamp orders into adapters and reports shipments back, exactly once.

    ``dry_run=True`` changes nothing anywhere (no adapter side effects, no Orderchamp
    mutations, no ledger writes) and lists what would happen in ``SyncSummary.planned``.
    ``progress`` is told how a reconciliation advances (a :class:`ProgressReporter`), or is
    a callable that receives a line every :data:`PROGRESS_EVERY` orders. Every adapter call goes
    through the instance's :class:`~oc_bridge.boundary.BoundAdapter` (bare adapters are bound
    here), so an adapter's foreign exception fails or parks one item of that instance.
    """

    def __init__(
        self,
        settings: Settings,
        client: OrderchampApi,
        store: Store,
        adapters: Mapping[str, Adapter[Any] | BoundAdapter],
        hooks: EngineHooks,
        *,
        dry_run: bool = False,
        progress: ProgressReporter | Callable[[str], None] | None = None,
    ) -> None:
        self.ctx = EngineContext(settings=settings, client=client, store=store,
                                 adapters=bind_adapters(adapters), hooks=hooks, dry_run=dry_run,
                                 progress=as_reporter(progress, lambda: PROGRESS_EVERY))
        self.store = store
        self.client = client
        self.orders = OrderExporter(self.ctx)
        self.shipments = ShipmentPuller(self.ctx)
        self.confirmer = AutoConfirmer(self.ctx)
        self.invoices = InvoiceDelivery(self.ctx)
        self.delivery_dates = DeliveryDates(self.ctx)

    def _summary(self) -> SyncSummary:
        return SyncSummary(dry_run=self.ctx.dry_run)

    # --- orders -------------------------------------------------------------------------------

    def reconcile(self, *, full: bool = False, order_id: str | None = None) -> SyncSummary:
        """One pass over orders updated since the saved cursor (minus ``sync.overlap_seconds``;
        every order with ``full`` or without a cursor), then every unfinished export.
        ``order_id``: just that order.

        Two steps: a cheap listing of what changed (:meth:`OrderchampApi.iter_order_changes`,
        keyset-paged so an order that changes mid-pass is read again, never skipped) is
        compared with the ledger, and only new or changed orders are fetched in full (lean
        fields). The bridge's own Orderchamp mutations (auto-confirm) wait until the listing is
        read. The cursor advances only over what was read, and never past an order whose
        details could not be fetched. One process at a time: while another holds the
        ``job:reconcile`` lock the pass is skipped (listed in ``SyncSummary.skipped``)."""
        if order_id is not None:
            return self.process_order(order_id)
        summary = self._summary()
        with self.ctx.claims.job(RECONCILE_JOB) as held:
            if held:
                self._reconcile_pass(summary, full=full)
            else:
                self.ctx.skipped(summary, "reconcile", RECONCILE_JOB)
        return summary

    def _reconcile_pass(self, summary: SyncSummary, *, full: bool) -> None:
        """One pass under the reconciliation job lock; see :meth:`reconcile`."""
        self.confirmer.begin_run()
        cursor = None if full else self.store.get_cursor(ORDERS_CURSOR)
        since = None
        if cursor:
            since = datetime.fromisoformat(cursor) - timedelta(
                seconds=self.ctx.settings.sync.overlap_seconds)
        routing = self._routing_signature()
        rerouted = self.store.get_cursor(ROUTING_CURSOR) != routing
        changes = self.client.iter_order_changes(
            updated_since=since, include_unconfirmed=self.confirmer.enabled,
            include_cancelled=True)
        handled: set[str] = set()
        deferred: list[Order] = []
        # Only an incremental pass repairs: a first or full pass is a backfill.
        lost = LostWebhooks(self.store, self.ctx.settings.alerts.lost_webhook_grace) \
            if cursor and not self.ctx.dry_run else None
        unread: datetime | None = None  # the oldest change whose details could not be read
        try:
            # Two points, asked first: the answer's throttle status also teaches the client's
            # bucket the real limit before any page size is chosen.
            self.ctx.start_progress("reconcile", changes.total_count)
            for change in changes:
                summary.orders_seen += 1
                if self._needs_details(change, rerouted):
                    behind = lost is not None and lost.behind(change)
                    if not self._read_and_handle(change, summary, handled, deferred):
                        unread = change.updated_at if unread is None \
                            else min(unread, change.updated_at)
                    elif lost is not None and behind:
                        lost.picked_up(change, summary)
                self.ctx.advance_progress(summary.orders_seen, self._progress_line(summary))
        except (TransientError, PermanentError) as exc:
            summary.reconcile_incomplete = True
            summary.add_failed(f"reading orders from Orderchamp failed: {exc}")
            log.warning("reading orders from Orderchamp failed: %s", exc)
        finally:
            self.orders.flush()  # never leave recorded intents queued in a batch
        if lost is not None:
            lost.finish(summary)
        self._decide_deferred(deferred, summary)
        self._take_due(summary, handled)
        self._resume_exports(summary, handled)
        self._after_reconcile(summary, handled)
        if not changes.complete:
            summary.reconcile_incomplete = True
        if changes.complete and not self.ctx.dry_run:
            read_through = changes.read_through
            if read_through is not None:
                if unread is not None:
                    read_through = min(read_through, unread)
                self.store.set_cursor(ORDERS_CURSOR, read_through.isoformat())
            if unread is None:
                self.store.set_cursor(ROUTING_CURSOR, routing)
        self.ctx.finish_progress(self._progress_line(summary))

    def _routing_signature(self) -> str:
        """Which instances take orders and by which rules: when it changes, orders the ledger
        knows are looked at again (a new adapter instance must get them too)."""
        instances = sorted(name for name, adapter in self.ctx.adapters.items()
                           if adapter.supports(Capability.SUBMIT_ORDERS))
        rules = [rule.model_dump(mode="json") for rule in self.ctx.settings.sync.routing]
        raw = json.dumps({"instances": instances, "routing": rules}, sort_keys=True)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]

    def _needs_details(self, change: OrderChange, rerouted: bool) -> bool:
        """Fetch an order in full only when the ledger's sighting is older than this change
        (or routing changed); a cancelled order never exported needs nothing at all."""
        if change.is_cancelled and not self.store.exports_for_order(change.id) \
                and change.id not in self.confirmer.awaiting_ids():
            self.orders.gate.done_waiting(change.id)  # it waited for hold_minutes: no more
            return False
        seen = self.store.get_order(change.id)
        if seen is None or seen.updated_at != change.updated_at.isoformat():
            return True
        # Auto-confirm decides again on every pass (stock may have arrived, a claim gone).
        waiting = seen.status == OrderStatus.AWAITING_CONFIRMATION.value and self.confirmer.enabled
        return rerouted or waiting

    def _read_and_handle(self, change: OrderChange, summary: SyncSummary, handled: set[str],
                         deferred: list[Order]) -> bool:
        """Fetch one changed order and bring it up to date; one that auto-confirm may confirm
        waits in ``deferred`` for the end of the listing. False when it could not be read."""
        try:
            order = self.client.get_order(change.id, with_shipments=False,
                                          products_count=change.products_count,
                                          with_confirmed_at=self._reads_confirmed_at)
        except (TransientError, PermanentError) as exc:
            summary.add_failed(f"reading order {change.id} failed: {exc}")
            return False
        if order is None:
            summary.add_failed(f"order {change.id} not found in Orderchamp")
            return False
        summary.orders_fetched += 1
        handled.add(order.id)
        if self.confirmer.may_confirm(order):
            deferred.append(order)
            return True
        self._consider_and_handle(order, summary)
        return True

    def _consider_and_handle(self, order: Order, summary: SyncSummary) -> None:
        """Auto-confirm when due, then export; a confirmation left to another process leaves
        the order unsettled (looked at again next pass)."""
        held = summary.held_elsewhere
        order = self.confirmer.consider(order, summary)
        self.orders.handle(order, summary, settled=summary.held_elsewhere == held)

    def _decide_deferred(self, deferred: list[Order], summary: SyncSummary) -> None:
        """Auto-confirm (an Orderchamp mutation) only after the listing was read."""
        for order in deferred:
            self._consider_and_handle(order, summary)
        self.orders.flush()

    @staticmethod
    def _progress_line(summary: SyncSummary) -> str:
        return (f"reconcile: {summary.orders_seen} orders seen, {summary.orders_fetched} "
                f"fetched, {summary.exported} exported, {summary.updated} updated, "
                f"{summary.cancelled} cancelled")

    @property
    def _reads_confirmed_at(self) -> bool:
        """``confirmedAt`` is fetched only for the ``sync.hold_minutes`` gate."""
        return self.ctx.settings.sync.hold_minutes > 0

    def _take_due(self, summary: SyncSummary, handled: set[str]) -> None:
        """Look again at orders whose wait is over (``sync.hold_minutes`` passed, or a manual
        hold released): they may not have changed in Orderchamp, so no listing brings them."""
        for order_id in self.orders.gate.due_now():
            if order_id not in handled:
                self._process_into(order_id, summary)
                handled.add(order_id)

    def export_due(self) -> SyncSummary:
        """Export the held-back orders whose time has come (the daemon's ``holds`` job; every
        reconciliation does the same). Cheap when none is due: one ledger query."""
        summary = self._summary()
        due = self.orders.gate.due_now()
        if due:
            self.confirmer.begin_run()
            self._take_due(summary, set())
            self.invoices.deliver_many(set(due), summary)
        return summary

    def _resume_exports(self, summary: SyncSummary, handled: set[str]) -> None:
        pending = dict.fromkeys(r.order_id for r in self.store.list_exports(
            UNFINISHED_EXPORT_STATES) if r.order_id not in handled)
        for order_id in pending:
            self._process_into(order_id, summary)

    def process_order(self, order_id: str) -> SyncSummary:
        """Export, update or cancel one order everywhere it belongs (after a webhook), then
        hand its new invoices to ``INVOICES`` adapters (``INVOICE_CREATED`` lands here)."""
        self.confirmer.begin_run()
        summary = self._summary()
        self._process_into(order_id, summary)
        self.invoices.deliver_for(order_id, summary)
        return summary

    def _process_into(self, order_id: str, summary: SyncSummary) -> None:
        try:
            order = self.client.get_order(order_id, with_shipments=False,
                                          with_confirmed_at=self._reads_confirmed_at)
        except (TransientError, PermanentError) as exc:
            summary.add_failed(f"reading order {order_id} failed: {exc}")
            return
        if order is None:
            summary.add_failed(f"order {order_id} not found in Orderchamp")
            return
        summary.orders_seen += 1
        summary.orders_fetched += 1
        self._consider_and_handle(order, summary)
        self.orders.flush()

    def _after_reconcile(self, summary: SyncSummary, handled: set[str]) -> None:
        """Re-check orders awaiting stock, hand out new invoices, push delivery dates."""
        if self.confirmer.enabled:
            for order_id in sorted(self.confirmer.awaiting_ids() - handled):
                self._process_into(order_id, summary)
                handled.add(order_id)
        self.invoices.deliver_many(handled, summary)
        self.delivery_dates.run(summary)

    def push_stock(self) -> StockSummary:
        """Push changed stock figures of ``STOCK_LEVELS`` adapters to Orderchamp (``SET``, in
        batches of at most 100); see :mod:`oc_bridge.engine.stock`."""
        return StockSync(self.ctx).run()

    # --- shipments ----------------------------------------------------------------------------

    def pull_shipments(self) -> SyncSummary:
        """Report every adapter's new shipments to Orderchamp and resume unfinished ones."""
        summary = self._summary()
        self.shipments.pull(summary)
        return summary

    def report_pull(self, instance: str, pull: ShipmentPull) -> SyncSummary:
        """Report shipments an adapter received by webhook (``pull``) exactly like polled ones:
        same ledger steps, then ``acknowledge_shipments`` and the cursor when the pull has one.
        Raises ``KeyError`` for an unknown instance."""
        summary = self._summary()
        self.shipments.feed(instance, self.ctx.adapters[instance], pull, summary)
        return summary

    def sync(self, *, full: bool = False, order_id: str | None = None) -> SyncSummary:
        """:meth:`reconcile` then :meth:`pull_shipments`, in one summary."""
        summary = self.reconcile(full=full, order_id=order_id)
        return summary.merge(self.pull_shipments())

    # --- parked items -------------------------------------------------------------------------

    def retry_parked(self, parked_id: int | None = None) -> SyncSummary:
        """Try parked items again now: one (``parked_id``) or every open one. An item that
        fails again stays parked under the same id. Inbound file problems cannot be retried:
        asked by id, the item is closed with the hint to fix the file and drop it again; with
        ``--all`` they are left open. Raises ``OcBridgeError`` for an unknown or closed id."""
        summary = self._summary()
        if parked_id is not None:
            item = self.store.get_parked(parked_id)
            if item is None or item.resolved_at is not None:
                raise OcBridgeError(f"no open parked item #{parked_id}")
            items = [item]
        else:
            items = self.store.list_parked()
        for item in items:
            self._retry_one(item, summary, explicit=parked_id is not None)
        return summary

    def _retry_one(self, item: ParkedItem, summary: SyncSummary, *, explicit: bool) -> None:
        if item.kind == ParkedKind.INBOUND:
            note = f"#{item.id} {item.reference}: {INBOUND_HINT}"
            summary.warnings.append(note)
            if explicit and not self.ctx.dry_run:
                self.store.resolve_parked(item.id, f"acknowledged: {INBOUND_HINT}")
            return
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"retry parked #{item.id} ({item.kind.value} "
                                   f"{item.reference})")
            return
        parked_before = summary.parked
        log.info("retrying parked #%d: %s %s (order %s)", item.id, item.kind.value,
                 item.reference, item.order_number)
        if item.kind == ParkedKind.ORDER:
            if item.instance is not None:
                self.store.reset_export(item.instance, item.reference)
            self._process_into(item.reference, summary)
        elif item.instance is not None:
            rec = self.store.reset_shipment(item.instance, item.reference)
            if rec is not None:
                self.shipments.reporter.resume(rec, summary)
        still = self.store.get_parked(item.id)
        if still is not None and still.resolved_at is None and summary.parked == parked_before:
            summary.add_parked(still.reason)
