"""Read-only ledger views for the operator console, shared by SQL backends: one order's rows,
states per adapter instance, hourly throughput and the inbox's age."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from oc_bridge.store.records import ActivityEntry, ParkedItem, ParkedKind, ShipmentRecord
from oc_bridge.store.sql_extras import Row

__all__ = ["LedgerViewsMixin"]


class LedgerViewsMixin:
    """The console's queries over the backend primitives (see :class:`~oc_bridge.store.base.
    Store` for what each returns)."""

    sql: ModuleType

    @abstractmethod
    def _query(self, statement: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a query; rows as mappings by column name."""

    @abstractmethod
    def get_shipment(self, instance: str, shipment_key: str) -> ShipmentRecord | None:
        """The ledger row of a reported parcel, or None."""

    def shipments_for_order(self, order_id: str,
                            order_number: str | None) -> list[ShipmentRecord]:
        keys = self._query(self.sql.VIEW_SHIPMENT_KEYS_FOR_ORDER,
                           {"order_id": order_id, "order_number": order_number or order_id})
        records = (self.get_shipment(str(r["instance"]), str(r["shipment_key"])) for r in keys)
        return [r for r in records if r is not None]

    def parked_for_order(self, order_id: str, order_number: str | None) -> list[ParkedItem]:
        rows = self._query(self.sql.VIEW_PARKED_FOR_ORDER,
                           {"order_id": order_id, "order_number": order_number or order_id})
        return [ParkedItem(**{**dict(r), "kind": ParkedKind(r["kind"])}) for r in rows]

    def activity_for_order(self, order_id: str, order_number: str | None) -> list[ActivityEntry]:
        rows = self._query(self.sql.VIEW_ACTIVITY_FOR_ORDER,
                           {"order_id": order_id, "order_number": order_number or order_id})
        return [ActivityEntry(**dict(r)) for r in rows]

    def states_by_instance(self) -> dict[str, dict[str, dict[str, int]]]:
        result: dict[str, dict[str, dict[str, int]]] = {}
        for kind, statement in (("exports", self.sql.VIEW_EXPORT_STATES_BY_INSTANCE),
                                ("shipments", self.sql.VIEW_SHIPMENT_STATES_BY_INSTANCE)):
            for row in self._query(statement):
                per = result.setdefault(str(row["instance"]), {"exports": {}, "shipments": {}})
                per[kind][str(row["state"])] = int(row["n"])
        return result

    def throughput_times(self, since: str) -> tuple[list[str], list[str]]:
        exported = [str(r["at"]) for r in self._query(self.sql.VIEW_EXPORT_TIMES,
                                                      {"since": since})]
        shipped = [str(r["at"]) for r in self._query(self.sql.VIEW_SHIPPED_TIMES,
                                                     {"since": since})]
        return exported, shipped

    def inbox_oldest_open(self) -> str | None:
        rows = self._query(self.sql.VIEW_INBOX_OLDEST_OPEN)
        return str(rows[0]["oldest"]) if rows and rows[0]["oldest"] is not None else None

    def inbox_last_received(self, source: str) -> dict[str, str]:
        return {str(r["event"]): str(r["last"])
                for r in self._query(self.sql.VIEW_INBOX_LAST_BY_EVENT, {"source": source})}
