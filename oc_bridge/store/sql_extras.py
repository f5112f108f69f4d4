"""Cursors, parked items, the activity log and status counts, shared by SQL backends; also the
backend primitives (:meth:`_execute`, :meth:`_query`) every SQL store implements."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from oc_bridge.store.records import ActivityEntry, ParkedItem, ParkedKind, StoreCounts

__all__ = ["ACTIVITY_KEEP", "LedgerExtrasMixin", "Row", "utc_in", "utc_now"]

#: How many lines of the bridge's own activity are kept (operators' actions are always kept):
#: enough for weeks of history per order on a busy account (a line is ~200 bytes).
ACTIVITY_KEEP = 100_000

Row = Mapping[str, Any]


def utc_now() -> str:
    """The current time as ISO-8601 UTC text (microseconds, sortable)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def utc_in(offset_seconds: float) -> str:
    """The time ``offset_seconds`` from now (negative: ago), as :func:`utc_now` writes it."""
    return (datetime.now(UTC) + timedelta(seconds=offset_seconds)).isoformat(
        timespec="microseconds")


def _parked(row: Row) -> ParkedItem:
    data = dict(row)
    data["kind"] = ParkedKind(data["kind"])
    return ParkedItem(**data)


class LedgerExtrasMixin:
    """The SQL of cursors, parked items, activity and counts over the backend primitives."""

    sql: ModuleType
    #: Lines of the bridge's own activity kept (operators' actions are always kept).
    activity_keep: int = ACTIVITY_KEEP

    @abstractmethod
    def transaction(self, *, durable: bool = True) -> AbstractContextManager[None]:
        """A write transaction; nested calls join the outermost one."""

    @abstractmethod
    def _execute(self, statement: str, params: Mapping[str, Any] | None = None) -> int:
        """Run a statement inside the current transaction; returns the affected row count."""

    @abstractmethod
    def _query(self, statement: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a query; rows as mappings by column name."""

    def _one(self, statement: str, params: Mapping[str, Any]) -> Row | None:
        rows = self._query(statement, params)
        return rows[0] if rows else None

    def _activity(self, kind: str, reference: str, state: str, *, order_number: str | None,
                  instance: str | None, message: str | None = None,
                  actor: str | None = None) -> None:
        self._execute(self.sql.INSERT_ACTIVITY, {
            "at": utc_now(), "kind": kind, "reference": reference, "order_number": order_number,
            "instance": instance, "state": state, "message": message, "actor": actor})
        self._execute(self.sql.PRUNE_ACTIVITY, {"keep": self.activity_keep})

    def record_action(self, kind: str, reference: str, action: str, *, actor: str,
                      message: str | None = None, order_number: str | None = None,
                      instance: str | None = None) -> None:
        with self.transaction():
            self._activity(kind, reference, action, order_number=order_number,
                           instance=instance, message=message, actor=actor)

    # --- cursors ----------------------------------------------------------------------------

    def get_cursor(self, name: str) -> str | None:
        row = self._one(self.sql.SELECT_CURSOR, {"name": name})
        return str(row["value"]) if row else None

    def set_cursor(self, name: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self._execute(self.sql.DELETE_CURSOR, {"name": name})
            else:
                self._execute(self.sql.UPSERT_CURSOR, {"name": name, "value": value,
                                                       "at": utc_now()})

    # --- parked -----------------------------------------------------------------------------

    def find_open_parked(
        self, kind: ParkedKind, reference: str, instance: str | None
    ) -> ParkedItem | None:
        row = self._one(self.sql.SELECT_OPEN_PARKED,
                        {"kind": kind.value, "reference": reference, "instance": instance})
        return _parked(row) if row else None

    def park(
        self, kind: ParkedKind, reference: str, *, instance: str | None, reason: str,
        order_number: str | None = None, payload: str | None = None,
    ) -> ParkedItem:
        params = {"kind": kind.value, "reference": reference, "instance": instance,
                  "order_number": order_number, "reason": reason, "payload": payload,
                  "at": utc_now()}
        with self.transaction():
            existing = self.find_open_parked(kind, reference, instance)
            if existing is not None:
                self._execute(self.sql.UPDATE_PARKED, {**params, "id": existing.id})
            else:
                self._execute(self.sql.INSERT_PARKED, params)
            self._activity(kind.value, reference, "parked", order_number=order_number,
                           instance=instance, message=reason)
            item = self.find_open_parked(kind, reference, instance)
            assert item is not None
            return item

    def get_parked(self, parked_id: int) -> ParkedItem | None:
        row = self._one(self.sql.SELECT_PARKED, {"id": parked_id})
        return _parked(row) if row else None

    def list_parked(self, *, include_resolved: bool = False, limit: int | None = None,
                    offset: int = 0) -> list[ParkedItem]:
        statement = self.sql.SELECT_PARKED_ALL if include_resolved \
            else self.sql.SELECT_PARKED_OPEN_ALL
        if limit is None and not offset:
            return [_parked(r) for r in self._query(statement)]
        # LIMIT/OFFSET read the same in SQLite and PostgreSQL; -1 is "no limit" in neither,
        # so an offset without a limit takes a very large one
        page = {"limit": 2**62 if limit is None else limit, "offset": offset}
        return [_parked(r) for r in self._query(f"{statement} LIMIT :limit OFFSET :offset",
                                                 page)]

    def resolve_parked(self, parked_id: int, resolution: str) -> ParkedItem | None:
        with self.transaction():
            if not self._execute(self.sql.RESOLVE_PARKED, {
                    "id": parked_id, "resolution": resolution, "at": utc_now()}):
                return None
            item = self.get_parked(parked_id)
            assert item is not None
            self._activity(item.kind.value, item.reference, "resolved", instance=item.instance,
                           order_number=item.order_number, message=resolution)
            return item

    def resolve_parked_for(
        self, kind: ParkedKind, reference: str, instance: str | None, resolution: str
    ) -> int:
        closed = 0
        with self.transaction():
            while (item := self.find_open_parked(kind, reference, instance)) is not None:
                self.resolve_parked(item.id, resolution)
                closed += 1
        return closed

    # --- activity and status ----------------------------------------------------------------

    def recent_activity(self, limit: int = 20) -> list[ActivityEntry]:
        return [ActivityEntry(**dict(r))
                for r in self._query(self.sql.SELECT_ACTIVITY, {"limit": limit})]

    def counts(self) -> StoreCounts:
        parked = self._one(self.sql.COUNT_PARKED, {}) or {}
        orders = self._one(self.sql.COUNT_ORDERS, {}) or {}
        return StoreCounts(
            exports={str(r["state"]): int(r["n"]) for r in self._query(self.sql.COUNT_EXPORTS)},
            shipments={str(r["state"]): int(r["n"])
                       for r in self._query(self.sql.COUNT_SHIPMENTS)},
            parked_open=int(parked.get("open") or 0),
            parked_resolved=int(parked.get("resolved") or 0),
            orders_seen=int(orders.get("n") or 0),
        )
