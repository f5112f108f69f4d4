"""Issue 13: the lean order document holds exactly the fields the bridge reads.

The real code paths (the built-in mapping, the export rules through ``OrderExporter``,
auto-confirm, shipment validation) run on orders that record every field they read. A field
read that ``OrderLean`` lacks, or a field ``OrderLean`` fetches that nothing reads, fails.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine_fakes import FakeAdapter, FakeHooks
from graphql import FieldNode, FragmentSpreadNode, SelectionSetNode
from pydantic.alias_generators import to_camel

from oc_bridge.boundary import bind_adapters
from oc_bridge.canonical import ShippedLine, StockLevel
from oc_bridge.engine.allocation import allocate_lines
from oc_bridge.engine.confirm import AutoConfirmer
from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.orders import OrderExporter
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.models import Address, Order, OrderProduct, OrderStatus
from oc_bridge.orderchamp.operations import load_operation
from oc_bridge.settings import Settings
from oc_bridge.store import SqliteStore

#: Read by the client itself (to size and complete the line page), not by the engine.
CLIENT_READS = {"productsCount"}


def _recording(model: type[Any], reads: set[str], prefix: str) -> type[Any]:
    fields = set(model.model_fields)

    class Recording(model):  # type: ignore[misc, valid-type]
        def __getattribute__(self, name: str) -> Any:
            if name in fields:
                reads.add(prefix + to_camel(name))
            return super().__getattribute__(name)

    return Recording


def _address(company: str | None) -> dict[str, Any]:
    return {"companyName": company, "name": "Anna de Vries", "street": "Keizersgracht",
            "houseNumber": "12A", "addressLine2": "2e verdieping", "postalCode": "1015 CX",
            "city": "Amsterdam", "country": "nl"}


def _order(reads: set[str], *, named: bool, status: OrderStatus = OrderStatus.AWAITING_FULFILMENT,
           confirmed: bool = True, cancelled: bool = False, note: str = "Leave at the back",
           ) -> Order:
    wire: dict[str, Any] = {
        "id": "Order:1", "number": "OC-100001", "reference": "PO-1", "note": note,
        "createdAt": "2026-03-01T10:00:00+00:00", "updatedAt": "2026-03-01T11:00:00+00:00",
        "status": status.value, "isConfirmed": confirmed, "isCancelled": cancelled,
        "isFulfilled": False, "isPaid": True, "isTest": False,
        "confirmedAt": "2026-03-01T11:00:00+00:00", "paidAt": "2026-03-01T10:30:00+00:00",
        "cancellationReason": "OUT_OF_STOCK" if cancelled else None,
        "cancellationMessage": "sorry" if cancelled else None,
        "estimatedDeliveryAt": "2026-03-05T12:00:00+00:00", "shippingMethod": "DPD",
        "currency": "EUR", "totalPrice": "108.90", "subtotalPrice": "90.00",
        "taxPrice": "18.90", "retailerShippingPrice": "0.00", "commissionPrice": "9.00",
        "commissionPercentage": "10", "paymentStatus": "PAID",
        "email": "inkoop@winkel.nl", "companyPhone": "+31201234567", "vatNumber": "NL1B01",
        "companyName": "Winkel B.V.", "isTaxShifted": False, "shipDirectlyToCustomer": False,
        "firstName": "Anna" if named else None, "lastName": "de Vries" if named else None,
        "customer": {"id": "Customer:1", "companyName": "Winkel B.V."}, "productsCount": 2,
    }
    order = _recording(Order, reads, "").model_validate(wire)
    address = _recording(Address, reads, "shippingAddress.")
    billing = _recording(Address, reads, "billingAddress.")
    line = _recording(OrderProduct, reads, "products.")
    products = tuple(line.model_validate({
        "id": f"OrderProduct:{i}", "sku": f"MUG-{i}", "title": "Mug", "quantity": 3,
        "unshippedQuantity": 3, "unitPrice": "4.50", "subtotalPrice": "13.50",
        "taxPrice": "2.84", "totalPrice": "16.34"}) for i in (1, 2))
    company = "Winkel B.V." if named else None
    return order.model_copy(update={  # type: ignore[no-any-return]
        "shipping_address": address.model_validate(_address(company)),
        "billing_address": billing.model_validate(_address(company)), "products": products})


def _selected(selection: SelectionSetNode, fragments: dict[str, Any], prefix: str = "",
              ) -> set[str]:
    out: set[str] = set()
    for node in selection.selections:
        if isinstance(node, FragmentSpreadNode):
            out |= _selected(fragments[node.name.value].selection_set, fragments, prefix)
        elif isinstance(node, FieldNode):
            name = node.name.value
            if name in ("nodes", "edges", "node"):
                out |= _selected(node.selection_set, fragments, prefix)  # type: ignore[arg-type]
            elif node.selection_set is not None:
                out.add(prefix + name)
                out |= _selected(node.selection_set, fragments, f"{prefix}{name}.")
            else:
                out.add(prefix + name)
    return out


def lean_fields() -> set[str]:
    """Every field ``OrderLean`` asks for, as dotted wire paths (``shippingAddress.city``)."""
    operation = load_operation("OrderLean")
    fragments = {d.name.value: d for d in operation.document.definitions
                 if d.kind == "fragment_definition"}
    query = next(d for d in operation.document.definitions if d.kind == "operation_definition")
    root = next(n for n in query.selection_set.selections if isinstance(n, FieldNode))
    assert root.selection_set is not None
    return _selected(root.selection_set, fragments)


class _ConfirmingClient:
    def confirm_order(self, order_id: str) -> Order:
        return Order(id=order_id, number="OC-100001", status=OrderStatus.AWAITING_FULFILMENT,
                     is_confirmed=True, is_paid=True,
                     confirmed_at=datetime(2026, 3, 1, 12, tzinfo=UTC))


class _StockedAdapter(FakeAdapter):
    def fetch_stock(self) -> list[StockLevel]:
        return [StockLevel(sku=f"MUG-{i}", available=100) for i in (1, 2)]


def engine_reads(tmp_path: Path) -> set[str]:
    """Drive every code path that reads an order fetched with the lean document."""
    reads: set[str] = set()
    store = SqliteStore(tmp_path / "ledger.db")
    # hold_minutes on: the gate reads confirmedAt (fetched only then, see below).
    settings = Settings(sync={"auto_confirm": "when-in-stock", "on_change_after_export": "update",
                              "hold_minutes": 1})
    ctx = EngineContext(settings=settings, client=_ConfirmingClient(),  # type: ignore[arg-type]
                        store=store, adapters=bind_adapters({"wh": _StockedAdapter()}),
                        hooks=FakeHooks())
    summary = SyncSummary()
    exporter, confirmer = OrderExporter(ctx), AutoConfirmer(ctx)
    try:
        waiting = _order(reads, named=True, status=OrderStatus.AWAITING_CONFIRMATION,
                         confirmed=False)
        assert confirmer.may_confirm(waiting)
        exporter.handle(confirmer.consider(waiting, summary), summary)  # confirm, then export
        exporter.flush()
        exporter.handle(_order(reads, named=False, note="changed"), summary)  # an update
        exporter.handle(_order(reads, named=True, cancelled=True,
                               status=OrderStatus.CANCELLED), summary)  # a cancellation
        allocate_lines(_order(reads, named=True), [
            ShippedLine(line_ref="OrderProduct:1", quantity=1), ShippedLine(sku="MUG-2",
                                                                            quantity=2)])
    finally:
        store.close()
    assert summary.confirmed == 1 and summary.exported == 1 and summary.updated == 1
    assert summary.cancelled == 1, summary
    return reads


def test_lean_document_is_exactly_what_the_bridge_reads(tmp_path: Path) -> None:
    fetched, read = lean_fields(), engine_reads(tmp_path)
    assert read - fetched == set(), "read but not fetched by OrderLean"
    assert fetched - read - CLIENT_READS == set(), "fetched by OrderLean but never read"


def test_the_check_notices_a_missing_and_an_unread_field(tmp_path: Path) -> None:
    read = engine_reads(tmp_path)
    assert "shippingAddress.postalCode" in read and "products.unshippedQuantity" in read
    assert "isPaid" not in read and "commissionPrice" not in read and "customer.id" not in read


def test_confirmed_at_is_fetched_only_for_the_hold_gate() -> None:
    from oc_bridge.orderchamp.cost import requested_cost

    operation = load_operation("OrderLean")
    without = requested_cost(operation.document, {"id": "Order:1", "productsFirst": 1})
    with_it = requested_cost(operation.document, {"id": "Order:1", "productsFirst": 1,
                                                  "withConfirmedAt": True})
    assert with_it == without + 1
