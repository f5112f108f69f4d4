"""The webhook inbox over SQL, shared by SQL backends (mixed into :class:`SqlStore`).

Deliveries are inserted with ``ON CONFLICT DO NOTHING`` on (source, event, digest), so an
identical redelivery is stored once. Leasing picks the oldest ready item (pending and due, or
leased with an expired lease) whose group nobody holds, and leases every pending item of that
group in the same transaction: one worker, one order, all its events. That is correct where
the database runs one writing transaction at a time (SQLite); the PostgreSQL store overrides
:meth:`InboxMixin.inbox_lease` with ``FOR UPDATE SKIP LOCKED`` and a per-group lock, so
replicas lease side by side.
"""

from __future__ import annotations

import uuid
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any

from oc_bridge.store.inbox import InboxDelivery, InboxItem, InboxState
from oc_bridge.store.sql_extras import Row, utc_in, utc_now

__all__ = ["InboxMixin"]


def _item(row: Row) -> InboxItem:
    data = dict(row)
    data["state"] = InboxState(data["state"])
    return InboxItem(**data)


class InboxMixin:
    """The SQL of the inbox over the backend primitives (see :class:`~oc_bridge.store.base.
    Store` for what each method guarantees)."""

    sql: ModuleType

    @abstractmethod
    def transaction(self, *, durable: bool = True) -> AbstractContextManager[None]:
        """A write transaction; nested calls join the outermost one."""

    @abstractmethod
    def _execute(self, statement: str, params: Mapping[str, Any] | None = None) -> int:
        """Run a statement inside the current transaction; returns the affected row count."""

    @abstractmethod
    def _query(self, statement: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a query; rows as mappings by column name."""

    def inbox_add(self, deliveries: Sequence[InboxDelivery], *,
                  delay_seconds: float = 0.0) -> list[bool]:
        """Store deliveries in one transaction; True for each one that was new."""
        at, available_at = utc_now(), utc_in(delay_seconds)
        with self.transaction():
            return [self._execute(self.sql.INBOX_INSERT, {
                "source": d.source, "event": d.event, "order_id": d.order_id,
                "invoice_id": d.invoice_id, "group_key": d.group_key, "digest": d.digest,
                "body": d.body, "headers_json": d.headers_json, "at": at,
                "available_at": available_at}) > 0
                for d in deliveries]

    def inbox_lease(self, owner: str, *, lease_seconds: float) -> list[InboxItem]:
        """Lease the next ready group (see the module docstring); empty when nothing is ready."""
        token = f"{owner}:{uuid.uuid4().hex[:12]}"
        now = utc_now()
        with self.transaction():
            rows = self._query(self.sql.INBOX_NEXT_READY, {"now": now})
            if not rows:
                return []
            params = {"owner": token, "expires": utc_in(lease_seconds), "now": now}
            if rows[0]["group_key"] is None:
                self._execute(self.sql.INBOX_LEASE_ONE, {**params, "id": rows[0]["id"]})
            else:
                self._execute(self.sql.INBOX_LEASE_GROUP,
                              {**params, "group_key": rows[0]["group_key"]})
            return self._leased(token)

    def _leased(self, token: str) -> list[InboxItem]:
        """The items leased under ``token`` (one lease), oldest first."""
        return [_item(r) for r in self._query(self.sql.INBOX_SELECT_LEASED, {"owner": token})]

    def inbox_get(self, item_id: int) -> InboxItem | None:
        """One inbox item, or None."""
        rows = self._query(self.sql.INBOX_SELECT, {"id": item_id})
        return _item(rows[0]) if rows else None

    def inbox_complete(self, items: Sequence[InboxItem]) -> None:
        """Mark leased items ``done`` (only while this lease still holds them)."""
        with self.transaction():
            for item in items:
                self._execute(self.sql.INBOX_DONE, {"id": item.id, "owner": item.lease_owner,
                                                    "at": utc_now()})

    def inbox_retry(self, items: Sequence[InboxItem], error: str, *,
                    delay_seconds: float) -> None:
        """Put leased items back to ``pending``, due after ``delay_seconds``."""
        with self.transaction():
            for item in items:
                self._execute(self.sql.INBOX_RETRY, {
                    "id": item.id, "owner": item.lease_owner, "error": error[:2000],
                    "available_at": utc_in(delay_seconds)})

    def inbox_defer(self, items: Sequence[InboxItem], note: str, *,
                    delay_seconds: float) -> None:
        """Put leased items back to ``pending``, due after ``delay_seconds``, this attempt
        not counted."""
        with self.transaction():
            for item in items:
                self._execute(self.sql.INBOX_DEFER, {
                    "id": item.id, "owner": item.lease_owner, "error": note[:2000],
                    "available_at": utc_in(delay_seconds)})

    def inbox_park(self, items: Sequence[InboxItem], error: str) -> None:
        """Mark leased items ``parked`` (the caller parks the order for a human)."""
        with self.transaction():
            for item in items:
                self._execute(self.sql.INBOX_PARK, {"id": item.id, "owner": item.lease_owner,
                                                    "error": error[:2000], "at": utc_now()})

    def inbox_release(self, items: Sequence[InboxItem]) -> None:
        """Give leased items back untouched (shutdown): ``pending``, this attempt not counted."""
        with self.transaction():
            for item in items:
                self._execute(self.sql.INBOX_RELEASE, {"id": item.id, "owner": item.lease_owner})

    def inbox_counts(self) -> dict[str, int]:
        """Items per state."""
        return {str(r["state"]): int(r["n"]) for r in self._query(self.sql.INBOX_COUNT_STATES)}

    def inbox_prune(self, older_than_days: float) -> int:
        """Delete ``done`` and ``parked`` items processed more than that many days ago."""
        with self.transaction():
            return self._execute(self.sql.INBOX_PRUNE,
                                 {"before": utc_in(-older_than_days * 86400)})
