"""The SQL of the workflow tables (schema version 4), shared by SQL backends: stock pushes,
invoices seen and delivered, orders awaiting stock, pushed delivery dates."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from oc_bridge.canonical import InvoiceDocument
from oc_bridge.store.sql_extras import LedgerExtrasMixin, Row, utc_now
from oc_bridge.store.workflow_records import AwaitingStock, ShortLine, StockPush

__all__ = ["WorkflowLedgerMixin"]


def _awaiting(row: Row) -> AwaitingStock:
    lines = tuple(ShortLine(sku=str(item["sku"]), needed=int(item["needed"]),
                            available=int(item["available"]))
                  for item in json.loads(row["short_json"]))
    return AwaitingStock(order_id=str(row["order_id"]), order_number=str(row["order_number"]),
                         short_lines=lines, since=str(row["since"]),
                         checked_at=str(row["checked_at"]))


class WorkflowLedgerMixin(LedgerExtrasMixin):
    """Implements the workflow part of :class:`~oc_bridge.store.Store` over ``self.sql`` and
    the backend primitives of :class:`LedgerExtrasMixin`."""

    # --- stock ------------------------------------------------------------------------------

    def stock_pushes(self) -> dict[str, StockPush]:
        return {str(r["sku"]): StockPush(**dict(r)) for r in self._query(self.sql.STOCK_SELECT_ALL)}

    def rejected_skus(self) -> list[StockPush]:
        return [StockPush(**dict(r)) for r in self._query(self.sql.STOCK_SELECT_REJECTED)]

    def record_stock_pushed(self, levels: Mapping[str, int]) -> None:
        at = utc_now()
        with self.transaction():
            for sku, available in levels.items():
                self._execute(self.sql.STOCK_UPSERT_PUSHED,
                              {"sku": sku, "available": available, "at": at})
            if levels:
                self._activity("stock", f"{len(levels)} SKU(s)", "pushed", order_number=None,
                               instance=None)

    def record_stock_rejected(self, rejections: Mapping[str, tuple[int, str]]) -> None:
        at = utc_now()
        with self.transaction():
            for sku, (available, message) in rejections.items():
                self._execute(self.sql.STOCK_UPSERT_REJECTED, {
                    "sku": sku, "available": available, "at": at, "message": message})
                self._activity("stock", sku, "rejected", order_number=None, instance=None,
                               message=message)

    # --- invoices ---------------------------------------------------------------------------

    def record_invoice(self, invoice: InvoiceDocument) -> None:
        with self.transaction():
            self._execute(self.sql.INVOICE_UPSERT, {
                "invoice_id": invoice.invoice_id, "order_id": invoice.order_ref,
                "document_json": invoice.model_dump_json(), "at": utc_now()})

    def list_invoices(self, order_id: str | None = None) -> list[InvoiceDocument]:
        rows = (self._query(self.sql.INVOICE_SELECT_ALL) if order_id is None
                else self._query(self.sql.INVOICE_SELECT_ORDER, {"order_id": order_id}))
        return [InvoiceDocument.model_validate_json(r["document_json"]) for r in rows]

    def invoice_deliveries(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for row in self._query(self.sql.INVOICE_DELIVERY_SELECT):
            out.setdefault(str(row["invoice_id"]), {})[str(row["instance"])] = \
                str(row["delivered_at"])
        return out

    def record_invoice_delivered(self, instance: str, invoice: InvoiceDocument) -> None:
        with self.transaction():
            if self._execute(self.sql.INVOICE_DELIVERY_INSERT, {
                    "instance": instance, "invoice_id": invoice.invoice_id, "at": utc_now()}):
                self._activity("invoice", invoice.invoice_id, "delivered",
                               order_number=invoice.order_number, instance=instance,
                               message=invoice.number)

    # --- orders awaiting stock --------------------------------------------------------------

    def set_awaiting_stock(self, order_id: str, order_number: str,
                           short_lines: Iterable[ShortLine]) -> None:
        lines = [{"sku": s.sku, "needed": s.needed, "available": s.available}
                 for s in short_lines]
        with self.transaction():
            known = any(r["order_id"] == order_id
                        for r in self._query(self.sql.AWAITING_SELECT_ALL))
            self._execute(self.sql.AWAITING_UPSERT, {
                "order_id": order_id, "order_number": order_number,
                "short_json": json.dumps(lines), "at": utc_now()})
            if not known:
                self._activity("order", order_id, "awaiting_stock", order_number=order_number,
                               instance=None, message=", ".join(
                                   f"{s['sku']} {s['available']}/{s['needed']}" for s in lines))

    def clear_awaiting_stock(self, order_id: str, note: str) -> None:
        with self.transaction():
            if self._execute(self.sql.AWAITING_DELETE, {"order_id": order_id}):
                self._activity("order", order_id, "stock_settled", order_number=None,
                               instance=None, message=note)

    def list_awaiting_stock(self) -> list[AwaitingStock]:
        return [_awaiting(r) for r in self._query(self.sql.AWAITING_SELECT_ALL)]

    # --- delivery dates ---------------------------------------------------------------------

    def adopt_export_content(self, instance: str, order_id: str, *, expected_digest: str,
                             digest: str, fingerprint: str) -> bool:
        with self.transaction():
            return bool(self._execute(self.sql.EXPORT_ADOPT_CONTENT, {
                "instance": instance, "order_id": order_id, "expected": expected_digest,
                "digest": digest, "fingerprint": fingerprint, "at": utc_now()}))

    def get_delivery_date(self, order_id: str) -> str | None:
        rows = self._query(self.sql.DELIVERY_SELECT, {"order_id": order_id})
        return str(rows[0]["estimated"]) if rows else None

    def record_delivery_date(self, order_id: str, instance: str, estimated: str, *,
                             order_number: str | None = None) -> None:
        with self.transaction():
            self._execute(self.sql.DELIVERY_UPSERT, {
                "order_id": order_id, "instance": instance, "estimated": estimated,
                "at": utc_now()})
            self._activity("order", order_id, "delivery_date", order_number=order_number,
                           instance=instance, message=estimated)
