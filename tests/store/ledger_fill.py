"""A ledger with rows in every table, written through the store's own methods (for the
migration, backup and restore tests)."""

from __future__ import annotations

from oc_bridge.canonical import InvoiceDocument
from oc_bridge.store import (
    ORDERCHAMP_SOURCE,
    ExportOperation,
    ExportState,
    InboxDelivery,
    OrderSeen,
    ParkedKind,
    ShortLine,
    Store,
    body_digest,
)

__all__ = ["fill_ledger"]


def fill_ledger(store: Store, orders: int = 30) -> None:
    """Rows in every table of the ledger, through the store's own methods."""
    for n in range(orders):
        oid = f"o{n}"
        store.record_order(OrderSeen(order_id=oid, number=f"OC-{n}", status="CONFIRMED",
                                     updated_at="2026-01-01T00:00:00+00:00", digest=f"d{n}",
                                     is_confirmed=True, is_cancelled=n % 7 == 0))
        store.begin_export("csv", oid, order_number=f"OC-{n}", state=ExportState.SUBMITTING,
                           operation=ExportOperation.SUBMIT, revision=1, digest=f"d{n}",
                           fingerprint='{"fields": {}, "lines": {}}')
        if n % 3:
            store.finish_export("csv", oid, state=ExportState.EXPORTED, external_id=f"f{n}")
        else:
            store.fail_export("csv", oid, order_number=f"OC-{n}",
                              operation=ExportOperation.SUBMIT, error="no SKU 'X%'", park=True,
                              sent=False)
            store.park(ParkedKind.ORDER, oid, instance="csv", reason="mapping: no SKU",
                       order_number=f"OC-{n}", payload='{"a": 1}')
        store.receive_shipment("csv", f"k{n}", report_json='{"carrier": "PostNL"}',
                               order_id=oid, order_number=f"OC-{n}")
        if n % 2:
            store.begin_shipment_create("csv", f"k{n}", order_id=oid, order_number=f"OC-{n}",
                                        lines=[("l1", 2)])
            store.record_shipment_created("csv", f"k{n}", f"S{n}")
        body = f'{{"order": "{oid}"}}'
        store.inbox_add([InboxDelivery(source=ORDERCHAMP_SOURCE, event="orders/update",
                                       body=body, digest=body_digest(body.encode()),
                                       order_id=oid, group_key=oid)])
    store.resolve_parked(1, "fixed by hand")
    store.set_cursor("orders", "2026-01-01T00:00:00+00:00")
    store.record_stock_pushed({"SKU-1": 4, "SKU-2": 0})
    store.record_stock_rejected({"SKU-3": (2, "unknown SKU")})
    invoice = InvoiceDocument(invoice_id="I1", order_ref="o1", number="INV-1")
    store.record_invoice(invoice)
    store.record_invoice_delivered("csv", invoice)
    store.set_awaiting_stock("o2", "OC-2", [ShortLine(sku="SKU-2", needed=3, available=0)])
    store.record_delivery_date("o1", "csv", "2026-02-01", order_number="OC-1")
    store.claim("job:reconcile:csv", "host:1:abc", lease_seconds=60)
    store.place_hold("o3", order_number="OC-3", reason="address check", actor="cli:ann")
    store.set_wait("o4", order_number="OC-4", due_at="2026-01-02T00:00:00.000000+00:00",
                   reason="confirmed less than sync.hold_minutes ago")

    store.reserve_alert("webhook", "parked:1", "parked", window_seconds=3600)
    store.record_alert_send("webhook", alerts=1, outcome="sent", message="1 alert(s)")
