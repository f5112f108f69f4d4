"""The ledger logic shared by SQL backends: orders seen, exports and shipments.

A backend subclass implements :meth:`transaction`, :meth:`_execute` and :meth:`_query` and
sets ``sql`` to its module of statements (same names as :mod:`oc_bridge.store.sqlite_sql`).
Cursors, parked items, the activity log and counts live in :mod:`oc_bridge.store.sql_extras`,
claims in :mod:`oc_bridge.store.sql_claims`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any

from oc_bridge.store.base import Store
from oc_bridge.store.records import (
    ExportOperation,
    ExportRecord,
    ExportState,
    OrderSeen,
    ParkedKind,
    ShipmentRecord,
    ShipmentState,
)
from oc_bridge.store.sql_alerts import AlertsMixin
from oc_bridge.store.sql_claims import ClaimsMixin
from oc_bridge.store.sql_extras import LedgerExtrasMixin, Row, utc_now
from oc_bridge.store.sql_holds import HoldsLedgerMixin
from oc_bridge.store.sql_inbox import InboxMixin
from oc_bridge.store.sql_views import LedgerViewsMixin
from oc_bridge.store.sql_workflow import WorkflowLedgerMixin

__all__ = ["SqlStore"]


def _export(row: Row) -> ExportRecord:
    data = dict(row)
    data["state"] = ExportState(data["state"])
    data["operation"] = ExportOperation(data["operation"])
    return ExportRecord(**data)


def _shipment(row: Row) -> ShipmentRecord:
    data = dict(row)
    data["state"] = ShipmentState(data["state"])
    data["lines"] = tuple((str(ref), int(qty)) for ref, qty in json.loads(data.pop("lines_json")))
    return ShipmentRecord(**data)


class SqlStore(HoldsLedgerMixin, WorkflowLedgerMixin, InboxMixin, ClaimsMixin, LedgerViewsMixin,
               AlertsMixin, LedgerExtrasMixin, Store):
    """:class:`Store` over SQL statements; see the module docstring for what a backend adds."""

    sql: ModuleType

    # --- orders seen ------------------------------------------------------------------------

    def record_order(self, order: OrderSeen) -> None:
        # An observation, not an intent: it becomes durable with the next durable commit.
        with self.transaction(durable=False):
            self._execute(self.sql.UPSERT_ORDER, {
                "order_id": order.order_id, "number": order.number, "status": order.status,
                "updated_at": order.updated_at, "digest": order.digest,
                "is_confirmed": int(order.is_confirmed), "is_cancelled": int(order.is_cancelled),
                "seen_at": utc_now()})

    def get_order(self, order_id: str) -> OrderSeen | None:
        row = self._one(self.sql.SELECT_ORDER, {"order_id": order_id})
        if row is None:
            return None
        data = dict(row)
        data["is_confirmed"] = bool(data["is_confirmed"])
        data["is_cancelled"] = bool(data["is_cancelled"])
        return OrderSeen(**data)

    def find_order_id(self, number: str) -> str | None:
        rows = self._query(self.sql.FIND_ORDER_BY_NUMBER, {"number": number})
        return str(rows[0]["order_id"]) if rows else None

    # --- exports ----------------------------------------------------------------------------

    def get_export(self, instance: str, order_id: str) -> ExportRecord | None:
        row = self._one(self.sql.SELECT_EXPORT, {"instance": instance, "order_id": order_id})
        return _export(row) if row else None

    def _require_export(self, instance: str, order_id: str) -> ExportRecord:
        record = self.get_export(instance, order_id)
        if record is None:
            raise LookupError(f"no export of order {order_id} at {instance}")
        return record

    def exports_for_order(self, order_id: str) -> list[ExportRecord]:
        return [_export(r) for r in self._query(self.sql.SELECT_EXPORTS_FOR_ORDER,
                                                 {"order_id": order_id})]

    def list_exports(self, states: Iterable[ExportState] | None = None) -> list[ExportRecord]:
        wanted = set(states) if states is not None else None
        records = [_export(r) for r in self._query(self.sql.SELECT_EXPORTS)]
        return [r for r in records if wanted is None or r.state in wanted]

    def begin_export(
        self, instance: str, order_id: str, *, order_number: str, state: ExportState,
        operation: ExportOperation, revision: int | None, digest: str | None,
        fingerprint: str | None,
    ) -> ExportRecord:
        params = {"instance": instance, "order_id": order_id, "order_number": order_number,
                  "state": state.value, "operation": operation.value, "revision": revision,
                  "digest": digest, "fingerprint": fingerprint, "at": utc_now()}
        with self.transaction():
            if not self._execute(self.sql.BEGIN_EXPORT, params):
                self._execute(self.sql.INSERT_EXPORT, params)
            self._activity("export", order_id, state.value, order_number=order_number,
                           instance=instance, message=f"revision {revision}")
            return self._require_export(instance, order_id)

    def finish_export(
        self, instance: str, order_id: str, *, state: ExportState, external_id: str | None = None,
    ) -> ExportRecord:
        with self.transaction():
            self._execute(self.sql.FINISH_EXPORT, {
                "instance": instance, "order_id": order_id, "state": state.value,
                "external_id": external_id, "at": utc_now()})
            record = self._require_export(instance, order_id)
            self._activity("export", order_id, state.value, order_number=record.order_number,
                           instance=instance, message=f"revision {record.revision}")
            return record

    def fail_export(
        self, instance: str, order_id: str, *, order_number: str, operation: ExportOperation,
        error: str, park: bool, sent: bool,
    ) -> ExportRecord:
        state = ExportState.PARKED if park else ExportState.FAILED
        params = {"instance": instance, "order_id": order_id, "order_number": order_number,
                  "state": state.value, "operation": operation.value, "revision": None,
                  "digest": None, "fingerprint": None, "error": error, "sent": int(sent),
                  "at": utc_now()}
        with self.transaction():
            if self.get_export(instance, order_id) is None:
                self._execute(self.sql.INSERT_EXPORT, params)
            self._execute(self.sql.FAIL_EXPORT, params)
            if not park:  # a parked row's line is written by the park() that goes with it
                self._activity("export", order_id, state.value, order_number=order_number,
                               instance=instance, message=error)
            return self._require_export(instance, order_id)

    def forget_export(self, instance: str, order_id: str, *, actor: str, note: str,
                      reexport: bool = True) -> ExportRecord | None:
        with self.transaction():
            record = self.get_export(instance, order_id)
            if record is None:
                return None
            params = {"instance": instance, "order_id": order_id, "note": note,
                      "at": utc_now()}
            self._execute(self.sql.FORGET_EXPORT if reexport else self.sql.DELETE_EXPORT,
                          params)
            self.resolve_parked_for(ParkedKind.ORDER, order_id, instance,
                                    f"forgotten by {actor}")
            self._activity("export", order_id, "forgotten", order_number=record.order_number,
                           instance=instance, message=note, actor=actor)
            return record

    def reset_export(self, instance: str, order_id: str) -> ExportRecord | None:
        with self.transaction():
            changed = self._execute(self.sql.RESET_EXPORT, {
                "instance": instance, "order_id": order_id, "state": ExportState.FAILED.value,
                "parked": ExportState.PARKED.value, "at": utc_now()})
            record = self.get_export(instance, order_id)
            if changed and record is not None:
                self._activity("export", order_id, record.state.value, instance=instance,
                               order_number=record.order_number, message="retry requested")
            return record

    # --- shipments --------------------------------------------------------------------------

    def get_shipment(self, instance: str, shipment_key: str) -> ShipmentRecord | None:
        row = self._one(self.sql.SELECT_SHIPMENT,
                        {"instance": instance, "shipment_key": shipment_key})
        return _shipment(row) if row else None

    def _require_shipment(self, instance: str, shipment_key: str) -> ShipmentRecord:
        record = self.get_shipment(instance, shipment_key)
        if record is None:
            raise LookupError(f"no shipment {shipment_key} at {instance}")
        return record

    def list_shipments(
        self, states: Iterable[ShipmentState] | None = None
    ) -> list[ShipmentRecord]:
        wanted = set(states) if states is not None else None
        records = [_shipment(r) for r in self._query(self.sql.SELECT_SHIPMENTS)]
        return [r for r in records if wanted is None or r.state in wanted]

    def _shipment_step(self, statement: str, instance: str, shipment_key: str,
                       state: ShipmentState, message: str | None = None,
                       **extra: Any) -> ShipmentRecord:
        with self.transaction():
            self._execute(statement, {"instance": instance, "shipment_key": shipment_key,
                                      "state": state.value, "at": utc_now(), **extra})
            record = self._require_shipment(instance, shipment_key)
            self._activity("shipment", shipment_key, state.value, instance=instance,
                           order_number=record.order_number, message=message)
            return record


    def receive_shipment(
        self, instance: str, shipment_key: str, *, report_json: str, order_id: str | None,
        order_number: str | None,
    ) -> ShipmentRecord:
        params = {"order_id": order_id, "order_number": order_number, "report_json": report_json}
        with self.transaction():
            record = self.get_shipment(instance, shipment_key)
            if record is None:
                return self._shipment_step(self.sql.INSERT_SHIPMENT, instance, shipment_key,
                                           ShipmentState.RECEIVED, **params)
            if record.create_started or record.state == ShipmentState.SHIPPED:
                return record
            return self._shipment_step(self.sql.REFRESH_SHIPMENT, instance, shipment_key,
                                       ShipmentState.RECEIVED, **params)

    def begin_shipment_create(
        self, instance: str, shipment_key: str, *, order_id: str, order_number: str,
        lines: Sequence[tuple[str, int]],
    ) -> ShipmentRecord:
        return self._shipment_step(
            self.sql.BEGIN_SHIPMENT_CREATE, instance, shipment_key, ShipmentState.CREATING,
            order_id=order_id, order_number=order_number,
            lines_json=json.dumps([[ref, qty] for ref, qty in lines]))

    def record_shipment_created(
        self, instance: str, shipment_key: str, oc_shipment_id: str, *, adopted: bool = False,
    ) -> ShipmentRecord:
        return self._shipment_step(
            self.sql.SHIPMENT_CREATED, instance, shipment_key, ShipmentState.CREATED,
            message=("adopted " if adopted else "") + oc_shipment_id,
            oc_shipment_id=oc_shipment_id)

    def begin_shipment_ship(self, instance: str, shipment_key: str) -> ShipmentRecord:
        return self._shipment_step(self.sql.BEGIN_SHIPMENT_SHIP, instance, shipment_key,
                                   ShipmentState.SHIPPING)

    def record_shipment_shipped(self, instance: str, shipment_key: str) -> ShipmentRecord:
        return self._shipment_step(self.sql.SHIPMENT_SHIPPED, instance, shipment_key,
                                   ShipmentState.SHIPPED)

    def fail_shipment(
        self, instance: str, shipment_key: str, *, error: str, park: bool,
    ) -> ShipmentRecord:
        state = ShipmentState.PARKED if park else ShipmentState.FAILED
        if park:  # the row's activity line is written by the park() that goes with it
            with self.transaction():
                self._execute(self.sql.FAIL_SHIPMENT, {
                    "instance": instance, "shipment_key": shipment_key, "state": state.value,
                    "at": utc_now(), "error": error})
                return self._require_shipment(instance, shipment_key)
        return self._shipment_step(self.sql.FAIL_SHIPMENT, instance, shipment_key, state,
                                   message=error, error=error)

    def reset_shipment(self, instance: str, shipment_key: str) -> ShipmentRecord | None:
        with self.transaction():
            record = self.get_shipment(instance, shipment_key)
            if record is None or record.state != ShipmentState.PARKED:
                return record
            return self._shipment_step(self.sql.RESET_SHIPMENT, instance, shipment_key,
                                       ShipmentState.FAILED, message="retry requested",
                                       parked=ShipmentState.PARKED.value)

    def claimed_shipment_ids(self, order_id: str) -> set[str]:
        rows = self._query(self.sql.CLAIMED_SHIPMENT_IDS, {"order_id": order_id})
        return {str(r["oc_shipment_id"]) for r in rows}
