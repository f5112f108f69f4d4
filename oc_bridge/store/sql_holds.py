"""The SQL of holds (schema version 8), shared by SQL backends: manual holds and waiting
orders (``order_holds``, ``order_waits``)."""

from __future__ import annotations

from oc_bridge.store.hold_records import OrderHold, OrderWait
from oc_bridge.store.sql_extras import LedgerExtrasMixin, utc_now

__all__ = ["RELEASED_REASON", "HoldsLedgerMixin"]

#: The reason of the waiting row a released hold leaves (due at once).
RELEASED_REASON = "released from a hold"


class HoldsLedgerMixin(LedgerExtrasMixin):
    """Implements the holds part of :class:`~oc_bridge.store.Store` over ``self.sql``."""

    def place_hold(self, order_id: str, *, order_number: str | None, reason: str,
                   actor: str | None) -> tuple[OrderHold, bool]:
        with self.transaction():
            added = self._execute(self.sql.HOLD_INSERT, {
                "order_id": order_id, "order_number": order_number, "reason": reason,
                "actor": actor, "at": utc_now()}) > 0
            if added:
                self._activity("order", order_id, "held", order_number=order_number,
                               instance=None, message=reason, actor=actor)
            hold = self.get_hold(order_id)
        assert hold is not None
        return hold, added

    def get_hold(self, order_id: str) -> OrderHold | None:
        row = self._one(self.sql.HOLD_SELECT, {"order_id": order_id})
        return OrderHold(**dict(row)) if row else None

    def list_holds(self) -> list[OrderHold]:
        return [OrderHold(**dict(r)) for r in self._query(self.sql.HOLD_SELECT_ALL)]

    def lift_hold(self, order_id: str, *, actor: str | None, note: str = "released",
                  ) -> OrderHold | None:
        with self.transaction():
            hold = self.get_hold(order_id)
            if hold is None:
                return None
            self._execute(self.sql.HOLD_DELETE, {"order_id": order_id})
            # Due at once: the next reconciliation (or the daemon's holds job) looks again,
            # even though the order itself did not change in Orderchamp.
            self._execute(self.sql.WAIT_UPSERT, {
                "order_id": order_id, "order_number": hold.order_number, "due_at": utc_now(),
                "reason": RELEASED_REASON, "since": utc_now()})
            self._activity("order", order_id, "released", order_number=hold.order_number,
                           instance=None, message=note, actor=actor)
        return hold

    def set_wait(self, order_id: str, *, order_number: str | None, due_at: str,
                 reason: str, since: str | None = None) -> None:
        with self.transaction():
            before = self.get_wait(order_id)
            self._execute(self.sql.WAIT_UPSERT, {
                "order_id": order_id, "order_number": order_number, "due_at": due_at,
                "reason": reason, "since": since or utc_now()})
            if before is None or before.due_at != due_at:
                self._activity("order", order_id, "waiting", order_number=order_number,
                               instance=None, message=f"{reason}; due {due_at[:19]}Z")

    def get_wait(self, order_id: str) -> OrderWait | None:
        row = self._one(self.sql.WAIT_SELECT, {"order_id": order_id})
        return OrderWait(**dict(row)) if row else None

    def list_waits(self, *, due_by: str | None = None) -> list[OrderWait]:
        if due_by is None:
            rows = self._query(self.sql.WAIT_SELECT_ALL)
        else:
            rows = self._query(self.sql.WAIT_SELECT_DUE, {"now": due_by})
        return [OrderWait(**dict(r)) for r in rows]

    def clear_wait(self, order_id: str) -> None:
        with self.transaction():
            self._execute(self.sql.WAIT_DELETE, {"order_id": order_id})
