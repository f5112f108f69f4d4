"""Auto-confirmation (``sync.auto_confirm = "when-in-stock"``): confirm an order awaiting
confirmation only when every routed adapter reports enough available stock for every line.

Orderchamp's rule is that confirming means "I have the stock" (§4). An order that is short
stays unconfirmed and is recorded in the ledger's ``awaiting_stock`` table with its short lines
(SKU, needed, available), shown by ``oc-bridge status`` and in the sync summary; it is checked
again on every reconciliation until it is confirmed (by the bridge or a human) or cancelled.
Stock is read once per run per adapter (``fetch_stock``) and what a confirmed order needs is
subtracted from that snapshot, so two orders never both count on the same units. The
confirmation is claimed (``confirm:<order id>``) and recorded in the ledger's sighting of the
order before the claim is given back, so two processes never both confirm one order.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from oc_bridge.adapter import Capability
from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.rules import is_cancelled, sighting
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.errors import OcBridgeError, PermanentError, TransientError
from oc_bridge.models import Order, OrderStatus
from oc_bridge.store import ShortLine

__all__ = ["AutoConfirmer", "needed_per_sku"]

log = logging.getLogger(__name__)


def needed_per_sku(order: Order) -> dict[str, int]:
    """Units per SKU the order asks for (a line without SKU counts under ``line <id>``)."""
    needed: dict[str, int] = defaultdict(int)
    for line in order.products:
        key = line.sku.strip() if line.sku and line.sku.strip() else f"line {line.id}"
        quantity = line.unshipped_quantity if line.unshipped_quantity is not None \
            else line.quantity
        needed[key] += quantity
    return dict(needed)


class AutoConfirmer:
    """Decides, per order seen during reconciliation, whether to confirm it now."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self._stock: dict[str, dict[str, int]] = {}
        self._awaiting: set[str] | None = None
        self._routed: list[str] = []

    def begin_run(self) -> None:
        """Forget stock figures and routing read in an earlier run (the daemon keeps one
        engine for its whole life; stock must be read afresh each time)."""
        self._stock.clear()
        self._awaiting = None
        self._routed = []

    @property
    def enabled(self) -> bool:
        """True when ``sync.auto_confirm`` is ``when-in-stock``."""
        return getattr(self.ctx.settings.sync, "auto_confirm", "never") == "when-in-stock"

    def awaiting_ids(self) -> set[str]:
        """Orders the ledger lists as awaiting stock (read once per run)."""
        if self._awaiting is None:
            self._awaiting = {a.order_id for a in self.store.list_awaiting_stock()}
        return self._awaiting

    def may_confirm(self, order: Order) -> bool:
        """True when :meth:`consider` may confirm ``order`` (an Orderchamp mutation)."""
        return self.enabled and not order.is_confirmed and not is_cancelled(order) \
            and order.status == OrderStatus.AWAITING_CONFIRMATION

    def consider(self, order: Order, summary: SyncSummary) -> Order:
        """Return the order to export: confirmed (with its lines) when it was confirmed now,
        otherwise unchanged. Never raises for one order's trouble (counted in ``summary``)."""
        if not self.enabled:
            return order
        if order.is_confirmed or is_cancelled(order):
            self._settle(order, "confirmed" if order.is_confirmed else "cancelled")
            return order
        if not self.may_confirm(order):
            return order
        try:
            short, blocker = self._shortages(order)
        except (TransientError, PermanentError) as exc:
            summary.add_failed(f"order {order.number}: reading stock failed: {exc}")
            return order
        if blocker is not None:
            summary.warnings.append(f"order {order.number} left unconfirmed: {blocker}")
            return order
        if short:
            self._record_short(order, short, summary)
            return order
        return self._confirm(order, summary)

    def _shortages(self, order: Order) -> tuple[list[ShortLine], str | None]:
        candidates = [name for name, adapter in self.ctx.adapters.items()
                      if adapter.supports(Capability.SUBMIT_ORDERS)]
        routed = self.ctx.hooks.route_order(order, candidates, self.ctx.settings)
        self._routed = list(routed)
        if not routed:
            return [], "no adapter instance takes it (check sync.routing)"
        unable = [name for name in routed
                  if not self.ctx.adapters[name].supports(Capability.STOCK_LEVELS)]
        if unable:
            return [], f"{', '.join(unable)} cannot report stock"
        short: dict[str, ShortLine] = {}
        for instance in routed:
            stock = self._stock_of(instance)
            for sku, needed in needed_per_sku(order).items():
                available = stock.get(sku, 0)
                if available < needed and sku not in short:
                    short[sku] = ShortLine(sku=sku, needed=needed, available=available)
        return list(short.values()), None

    def _stock_of(self, instance: str) -> dict[str, int]:
        if instance not in self._stock:
            # In Orderchamp's SKUs (the SKU map reversed), as the order's lines count them.
            self._stock[instance] = self.ctx.sku_map.orderchamp_figures(
                self.ctx.adapters[instance].fetch_stock())
        return self._stock[instance]

    def _record_short(self, order: Order, short: list[ShortLine], summary: SyncSummary) -> None:
        summary.awaiting_stock.append({
            "order_id": order.id, "number": order.number,
            "short_lines": [{"sku": s.sku, "needed": s.needed, "available": s.available}
                            for s in short]})
        log.info("order %s left unconfirmed, short: %s", order.number,
                 ", ".join(f"{s.sku} {s.available}/{s.needed}" for s in short))
        if not self.ctx.dry_run:
            self.store.set_awaiting_stock(order.id, order.number, short)
            self.awaiting_ids().add(order.id)

    def _confirm(self, order: Order, summary: SyncSummary) -> Order:
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"confirm order {order.number} (in stock)")
            summary.confirmed += 1
            return order
        name = f"confirm:{order.id}"
        with self.ctx.claims.hold(name) as held:
            if not held:
                summary.held_elsewhere += 1
                log.info("order %s: confirmation held by %s, left to it", order.number,
                         self.ctx.claims.holder(name))
                return order
            seen = self.store.get_order(order.id)
            if seen is not None and seen.is_confirmed:
                return order  # confirmed meanwhile (by another process, which exports it)
            return self._confirm_now(order, summary, name)
        return order  # the claim was lost: the new holder decides

    def _confirm_now(self, order: Order, summary: SyncSummary, name: str) -> Order:
        client = self.ctx.client
        try:
            after = client.confirm_order(order.id)
        except (TransientError, PermanentError) as exc:
            # Ambiguous: the next reconciliation re-reads the order and sees what happened.
            summary.add_failed(f"confirming order {order.number} failed: {exc}")
            return order
        log.info("order %s confirmed (every line in stock)", order.number)
        summary.confirmed += 1
        self._reserve(order)
        self._settle(order, "confirmed by oc-bridge")
        # ``updated_at`` stays the one read: the ledger must not claim a newer version than
        # the lines read before confirming (a retailer's edit in between is read next pass).
        confirmed = order.model_copy(update={
            "is_confirmed": True, "status": after.status or OrderStatus.AWAITING_FULFILMENT,
            "confirmed_at": after.confirmed_at, "is_paid": after.is_paid
            if after.is_paid is not None else order.is_paid,
            # Orderchamp sets the delivery estimate on confirmation: exporting the one read
            # before would make the next pass see an edit after export that nobody made.
            "estimated_delivery_at": after.estimated_delivery_at or order.estimated_delivery_at})
        with self.ctx.claims.guard(name):  # before the claim goes: others see it confirmed
            self.store.record_order(sighting(confirmed))
        return confirmed

    def _reserve(self, order: Order) -> None:
        for instance in self._routed:
            stock = self._stock.get(instance, {})
            for sku, needed in needed_per_sku(order).items():
                if sku in stock:
                    stock[sku] = max(0, stock[sku] - needed)

    def _settle(self, order: Order, note: str) -> None:
        if self.ctx.dry_run or order.id not in self.awaiting_ids():
            return
        try:
            self.store.clear_awaiting_stock(order.id, note)
        except OcBridgeError:
            log.exception("clearing awaiting stock of order %s failed", order.number)
            return
        self.awaiting_ids().discard(order.id)
