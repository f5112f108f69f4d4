"""Holds and gates: whether a confirmed order may go to the warehouse *now*.

Two gates stand before a new export (``submit``) of an order:

- a **manual hold** (``oc-bridge orders hold``, or the web console): while it stands the order
  is neither exported nor updated anywhere; a cancellation still goes through, so a held order
  that was exported before its hold is still cancelled in the warehouse;
- **``sync.hold_minutes``**: a confirmed order is exported only once it has been confirmed this
  long (Orderchamp's ``confirmedAt``; when Orderchamp does not say, the moment the bridge first
  held it back), so a quick retailer change or cancellation never reaches the warehouse.
  It gates first exports only: an order already at an instance is updated or cancelled at once.

An order held back by ``hold_minutes`` gets a waiting row in the ledger (``order_waits``) due
when its time is up; a released hold leaves one due at once. Reconciliation and the daemon's
``holds`` job take every due row (:meth:`SyncEngine.export_due`), so the order is looked at
again although it did not change in Orderchamp, and the reconciliation cursor never has to stop
at it (the ledger row is what keeps it from being lost).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.models import Order
from oc_bridge.store import OrderHold

__all__ = ["HOLD_MINUTES_REASON", "ExportGate", "iso_utc"]

log = logging.getLogger(__name__)

HOLD_MINUTES_REASON = "confirmed less than sync.hold_minutes ago"


def iso_utc(moment: datetime) -> str:
    """``moment`` as the ledger writes times (ISO-8601 UTC, microseconds): sortable as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class ExportGate:
    """Decides, for one order at a time, whether it is held back; see the module docstring.

    ``now`` is the clock (tests pass their own)."""

    def __init__(self, ctx: EngineContext, *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.now = now

    @property
    def hold(self) -> timedelta:
        """``sync.hold_minutes`` as a duration."""
        return timedelta(minutes=self.ctx.settings.sync.hold_minutes)

    def manual_hold(self, order: Order, summary: SyncSummary) -> OrderHold | None:
        """The order's manual hold (counted in ``summary``), or None."""
        hold = self.store.get_hold(order.id)
        if hold is not None:
            summary.held_back.append({
                "order_id": order.id, "number": order.number, "why": f"held: {hold.reason}",
                "since": hold.held_at, "until": None})
            log.info("order %s: held (%s); not exported", order.number, hold.reason)
        return hold

    def waiting(self, order: Order, summary: SyncSummary) -> bool:
        """True when the order's first export must wait for ``sync.hold_minutes``; the wait is
        recorded (due when the time is up). False clears any wait row of the order."""
        if self.hold <= timedelta(0):
            self.done_waiting(order)
            return False
        now = self.now()
        wait = self.store.get_wait(order.id)
        if order.confirmed_at is not None:
            since = order.confirmed_at
        elif wait is not None and wait.reason == HOLD_MINUTES_REASON:
            since = datetime.fromisoformat(wait.since)
        else:  # Orderchamp did not say when: count from the first time it is held back
            since = now
        due = since + self.hold
        if due <= now:
            self.done_waiting(order)
            return False
        summary.held_back.append({
            "order_id": order.id, "number": order.number, "why": HOLD_MINUTES_REASON,
            "since": iso_utc(since), "until": iso_utc(due)})
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"hold order {order.number} back until {iso_utc(due)[:19]}Z "
                                   "(sync.hold_minutes)")
            return True
        if wait is None or wait.due_at != iso_utc(due) or wait.reason != HOLD_MINUTES_REASON:
            self.store.set_wait(order.id, order_number=order.number, due_at=iso_utc(due),
                                reason=HOLD_MINUTES_REASON, since=iso_utc(since))
        log.info("order %s: held back until %s (sync.hold_minutes)", order.number,
                 iso_utc(due)[:19])
        return True

    def done_waiting(self, order: Order | str) -> None:
        """The order (or order id) no longer waits (it goes out now, or needs no export any
        more)."""
        order_id = order if isinstance(order, str) else order.id
        if not self.ctx.dry_run and self.store.get_wait(order_id) is not None:
            self.store.clear_wait(order_id)

    def due_now(self) -> list[str]:
        """The ids of waiting orders whose time has come, soonest first. A wait for
        ``sync.hold_minutes`` counts from its confirmation time with the hold as configured
        now, so a shorter hold (or 0) applies at once to orders already waiting."""
        now = self.now()
        due: list[str] = []
        for wait in self.store.list_waits():
            at = datetime.fromisoformat(wait.due_at)
            if wait.reason == HOLD_MINUTES_REASON:
                at = min(at, datetime.fromisoformat(wait.since) + self.hold)
            if at <= now:
                due.append(wait.order_id)
        return due
