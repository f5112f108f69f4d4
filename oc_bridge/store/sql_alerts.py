"""The SQL behind alerting, shared by SQL backends (mixed into :class:`SqlStore`): stuck-item
queries over the ledger, and the alert channels' dedupe and rate-limit state, which lives in
the ledger so it survives restarts and is shared by every process on it."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any

from oc_bridge.store.alert_records import AlertSend, WorkItem
from oc_bridge.store.records import OrderSeen
from oc_bridge.store.sql_extras import Row, utc_in, utc_now

__all__ = ["AlertsMixin"]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class AlertsMixin:
    """See :class:`~oc_bridge.store.base.Store` for what each method guarantees."""

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

    # --- stuck-item queries -------------------------------------------------------------------

    def unfinished_exports(self) -> list[WorkItem]:
        return [WorkItem(kind="export", reference=str(r["order_id"]),
                         instance=_text(r["instance"]), order_number=_text(r["order_number"]),
                         state=f"{r['state']} ({r['operation']})", attempts=int(r["attempts"]),
                         last_error=_text(r["last_error"]),
                         since=_text(r["change_at"]) or _text(r["created_at"]))
                for r in self._query(self.sql.ALERT_UNFINISHED_EXPORTS)]

    def unfinished_shipments(self, started_before: str) -> list[WorkItem]:
        return [WorkItem(kind="shipment", reference=str(r["shipment_key"]),
                         instance=_text(r["instance"]), order_number=_text(r["order_number"]),
                         state=str(r["state"]), attempts=int(r["attempts"]),
                         last_error=_text(r["last_error"]), since=_text(r["created_at"]))
                for r in self._query(self.sql.ALERT_UNFINISHED_SHIPMENTS,
                                     {"before": started_before})]

    def unprocessed_inbox(self, received_before: str) -> list[WorkItem]:
        return [WorkItem(kind="inbox", reference=str(r["id"]), instance=None,
                         order_number=None,
                         state=f"{r['state']} ({r['source']} {r['event']}"
                               + (f" order {r['order_id']})" if r["order_id"] else ")"),
                         attempts=int(r["attempts"]), last_error=_text(r["last_error"]),
                         since=_text(r["received_at"]))
                for r in self._query(self.sql.ALERT_UNPROCESSED_INBOX,
                                     {"before": received_before})]

    def confirmed_unexported(self) -> list[OrderSeen]:
        out = []
        for row in self._query(self.sql.ALERT_CONFIRMED_UNEXPORTED):
            data = dict(row)
            data["is_confirmed"] = bool(data["is_confirmed"])
            data["is_cancelled"] = bool(data["is_cancelled"])
            out.append(OrderSeen(**data))
        return out

    def exported_unshipped(self, exported_before: str) -> list[WorkItem]:
        return [WorkItem(kind="export", reference=str(r["order_id"]),
                         instance=_text(r["instance"]), order_number=_text(r["order_number"]),
                         state="exported", attempts=0, last_error=None,
                         since=_text(r["created_at"]))
                for r in self._query(self.sql.ALERT_EXPORTED_UNSHIPPED,
                                     {"before": exported_before})]

    def webhook_received_since(self, order_id: str, since: str) -> bool:
        rows = self._query(self.sql.ALERT_WEBHOOK_SINCE, {"order_id": order_id, "since": since})
        return bool(rows and int(rows[0]["n"]))

    # --- channel state ------------------------------------------------------------------------

    def reserve_alert(self, channel: str, alert_key: str, kind: str, *,
                      window_seconds: float) -> str | None:
        at = utc_now()
        with self.transaction():
            taken = self._execute(self.sql.ALERT_KEY_RESERVE, {
                "channel": channel, "alert_key": alert_key, "kind": kind, "at": at,
                "cutoff": utc_in(-window_seconds)})
        return at if taken else None

    def release_alert(self, channel: str, alert_key: str, reserved_at: str) -> None:
        with self.transaction():
            self._execute(self.sql.ALERT_KEY_RELEASE, {
                "channel": channel, "alert_key": alert_key, "at": reserved_at})

    def record_alert_send(self, channel: str, *, alerts: int, outcome: str,
                          message: str | None = None) -> None:
        with self.transaction():
            self._execute(self.sql.ALERT_SEND_INSERT, {
                "channel": channel, "at": utc_now(), "alerts": alerts, "outcome": outcome,
                "message": message})

    def alert_sends_since(self, channel: str, since: str) -> int:
        rows = self._query(self.sql.ALERT_SENDS_COUNT, {"channel": channel, "since": since})
        return int(rows[0]["n"]) if rows else 0

    def recent_alert_sends(self, limit: int = 20) -> list[AlertSend]:
        return [AlertSend(**dict(r))
                for r in self._query(self.sql.ALERT_SENDS_RECENT, {"limit": limit})]

    def prune_alerts(self, older_than_seconds: float) -> int:
        before = utc_in(-older_than_seconds)
        with self.transaction():
            return (self._execute(self.sql.ALERT_KEYS_PRUNE, {"before": before})
                    + self._execute(self.sql.ALERT_SENDS_PRUNE, {"before": before}))
